/*
 * The boot configuration that decides which driver takes a PCI function at
 * the next boot: vfio-pci.ids= / pci-stub.ids= on the kernel command line,
 * "options vfio-pci ids=" and "softdep X pre: vfio-pci" in modprobe.d, and
 * driverctl's saved overrides (HACKING, Layers: a lower layer, read through
 * the rooted I/O so that snapshots carry it).  Prints nothing.
 */
#ifndef PCIPASS_BOOTCFG_H
#define PCIPASS_BOOTCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "bdf.h"
#include "sysroot.h"
#include "util.h"

/* Where driverctl keeps its overrides: one file pci-DDDD:BB:DD.F holding
 * the driver's name (driverctl's save_override). */
#define DRIVERCTL_DIR "etc/driverctl.d"

/* The source of an entry read from proc/cmdline. */
#define BOOTCFG_CMDLINE "kernel command line"

/* PCI_ANY_ID: a field the id leaves out matches every value. */
#define BOOT_ANY_ID 0xffffffffu

/* One "vendor:device[:subvendor:subdevice[:class:class_mask]]" entry, as
 * vfio_pci_fill_ids and pci_stub_init read it. */
struct pp_boot_id {
	unsigned int vendor, device, subvendor, subdevice, class_code, class_mask;
};

enum pp_boot_kind {
	PP_BOOT_IDS,		/* an ids= entry of vfio-pci or pci-stub */
	PP_BOOT_DRIVERCTL,	/* a driverctl override of one address */
	PP_BOOT_SOFTDEP,	/* "softdep MODULE pre: vfio-pci": vfio-pci loads first */
};

struct pp_function;

struct pp_boot_entry {
	enum pp_boot_kind kind;
	char *driver;		/* the driver that takes: "vfio-pci", "pci-stub", driverctl's */
	char *module;		/* SOFTDEP: the module vfio-pci loads before (as written) */
	char *source;		/* "kernel command line", "etc/modprobe.d/vfio.conf:3",
				 * "etc/driverctl.d/pci-0000:01:00.0" */
	char *text;		/* IDS: the id as written; DRIVERCTL: the address */
	struct pp_boot_id id;	/* IDS */
	struct pp_bdf addr;	/* DRIVERCTL */
	/* filled by the model (model-boot.c): the functions it takes */
	struct pp_function **matches;
	size_t n_matches;
};

struct pp_bootcfg {
	struct pp_boot_entry *v;
	size_t n;
	struct pp_strv read;		/* the files read, relative to the root */
	struct pp_strv problems;	/* lines the kernel or modprobe skips, named */
};

/* The modprobe.d directories, highest precedence first: a file name found
 * in one hides the same name in the later ones (modprobe.d(5)). */
extern const char *const bootcfg_modprobe_dirs[];
extern const size_t bootcfg_n_modprobe_dirs;

/* The most files read from one directory, and the most bytes of one file. */
#define BOOTCFG_MAX_FILES 256
#define BOOTCFG_MAX_BYTES (64 * 1024)

/* Read all of it under root; cmdline is the kernel command line already
 * read (NULL: none).  Never fails: what cannot be read or parsed is named in
 * cfg->problems. */
void bootcfg_read(const struct pp_root *root, const char *cmdline, struct pp_bootcfg *cfg);
void bootcfg_free(struct pp_bootcfg *cfg);

/* Parse one id as the kernel's sscanf("%x:%x:%x:%x:%x:%x") does: at least
 * vendor and device, the rest defaulting to any subsystem and no class
 * test.  false when fewer than two fields parse (the kernel skips it). */
bool boot_id_parse(const char *s, struct pp_boot_id *id);
/* pci_match_one_device: does the id match these values of a function? */
bool boot_id_matches(const struct pp_boot_id *id, unsigned int vendor, unsigned int device,
		     unsigned int subvendor, unsigned int subdevice, unsigned int class_code);
/* Module names compare with '-' and '_' the same (modprobe.d(5)). */
bool module_name_eq(const char *a, const char *b);

#endif
