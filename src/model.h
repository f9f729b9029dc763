/*
 * The topology model, built once per run: functions, buses, groups, host
 * facts.  Built by model-*.c; read by the checks, renderers and commands.
 */
#ifndef PCIPASS_MODEL_H
#define PCIPASS_MODEL_H

#include "bdf.h"
#include "bootcfg.h"
#include "sysroot.h"
#include "util.h"

enum pp_bar_kind { PP_BAR_IO, PP_BAR_MEM, PP_BAR_MEM_PREFETCH };

struct pp_bar {
	int index;		/* line of the resource file: 0-5 BARs, 6 ROM, 7-12 IOV */
	uint64_t start, end;	/* inclusive, as the kernel prints them */
	uint64_t flags;
	enum pp_bar_kind kind;
};

/* PCIe Device/Port type, or PP_PORT_CONVENTIONAL when there is no PCIe cap. */
enum pp_port {
	PP_PORT_UNKNOWN = -2,	/* config space not readable */
	PP_PORT_CONVENTIONAL = -1,
	PP_PORT_ENDPOINT = 0x0,
	PP_PORT_LEGACY_ENDPOINT = 0x1,
	PP_PORT_ROOT_PORT = 0x4,
	PP_PORT_UPSTREAM = 0x5,
	PP_PORT_DOWNSTREAM = 0x6,
	PP_PORT_PCIE_TO_PCI = 0x7,
	PP_PORT_PCI_TO_PCIE = 0x8,
	PP_PORT_RC_INTEGRATED = 0x9,
	PP_PORT_RC_EVENT_COLLECTOR = 0xa,
};

/* A tri-state for facts that may be invisible (non-root, broken file). */
enum pp_tri { PP_UNKNOWN = -1, PP_NO = 0, PP_YES = 1 };

struct pp_netif {
	char *name;
	char *operstate;	/* "up", "down", ... or NULL */
	bool up;		/* IFF_UP in flags, or operstate up */
	bool has_address;	/* an IPv6 address in /proc/net/if_inet6 */
};

struct pp_blockdev {
	char *name;
	bool mounted;		/* it or a partition appears in /proc/mounts */
	bool has_holders;	/* dm, md, ... sit on top of it */
	bool swap;		/* listed in /proc/swaps */
};

struct pp_function {
	struct pp_bdf addr;
	char bdf[PP_BDF_LEN + 8];	/* "0000:00:1f.2" */
	char *sysfs_dir;		/* canonical path under the root: "sys/devices/pci0000:00/..." */

	int vendor_id, device_id;	/* -1 when unreadable */
	int subsys_vendor_id, subsys_device_id;
	long class_code;		/* 24-bit class/subclass/prog-if, -1 unknown */
	int revision;
	char *vendor_name, *device_name, *class_name;	/* NULL when pci.ids lacks them */
	char *display_device, *display_class;		/* as lspci prints them, per -n/-nn */
	char *listed_name;		/* an lspci listing without hex rows: its device line after the
					 * address, as lspci printed it (HACKING, lspci dumps); else NULL */

	int header_type;		/* low 7 bits; -1 unknown */
	bool multifunction;		/* header type bit 7 */
	enum pp_port port;
	enum pp_tri is_pcie;		/* from the PCIe cap, or sysfs link attributes when limited */

	/* config space as read: 64 bytes means not root */
	size_t config_len;
	bool config_limited;

	/* reset capabilities from config space (PP_UNKNOWN when limited) */
	enum pp_tri has_flr;		/* PCIe DevCap FLR */
	enum pp_tri has_af_flr;		/* AF cap with TP and FLR */
	enum pp_tri has_pm;		/* PM capability present */
	enum pp_tri pm_no_soft_reset;	/* PMCSR NoSoftRst */
	enum pp_tri has_acs;		/* ACS extended capability */
	unsigned int acs_ctrl;		/* ACS control register when has_acs */
	unsigned int acs_cap_bits;	/* ACS capability register when has_acs */
	unsigned int acs_dword8;	/* the dword at ACS cap + 8: where Intel's Sunrise/Union Point
					 * root ports keep their ACS control (quirks.c); 0 unread */
	int predicted_group;		/* the group the kernel's pci_device_group gives it, computed
					 * from config space (predict.c); valid once m->predicted */
	bool has_sriov_cap;
	bool ext_config_missing;	/* PCIe, but the lspci listing lacks bytes 256-4095 */
	/* downstream ports: LnkCap max speed (1 = 2.5 GT/s, 2 = 5, 3 = 8, ...),
	 * Data Link Layer Link Active reporting, and LnkSta DLLLA as read */
	int link_speed_cap;
	bool link_active_reporting;
	enum pp_tri link_active;
	/* every function with a PCIe link (not Root Complex integrated):
	 * what the link can do (LnkCap) and what it trained to (LnkSta), as
	 * lspci -vv prints them; speed codes as above (0 or out of range:
	 * unknown), width in lanes; present false when there is no link or
	 * config space was not read */
	struct pp_link {
		bool present;
		int cap_speed, cap_width, speed, width;
	} link;

	/* bridges: bus range from config (or sysfs), -1 unknown */
	int secondary_bus, subordinate_bus;

	char *driver;			/* NULL when unbound */
	char *driver_override;		/* NULL when absent or "(null)" */
	bool has_driver_override_attr;
	int iommu_group;		/* -1 when none */
	struct pp_strv reset_methods;	/* contents of reset_method */
	bool has_reset_method_attr;
	bool reset_methods_known;	/* reset_methods is the kernel's whole list (an absent
					 * attribute on 5.15+ means no method) */
	bool has_reset_attr;		/* the "reset" file exists */
	bool reset_attr_unknown;	/* an lspci listing cannot say whether it would */
	int boot_vga;			/* -1 when absent */
	bool has_vfio_dev;		/* a vfio-dev/ directory: bound to vfio-pci or a variant driver */
	char *vfio_dev;			/* its name there ("vfio3": /dev/vfio/devices/vfio3), or NULL */
	struct pp_strv vfio_holders;	/* processes holding its VFIO file open:
					 * "pid 812 (qemu-system-x86, guest win11): /dev/vfio/12" */
	int sriov_numvfs;		/* enabled VFs of an SR-IOV PF; -1 when not a PF */

	struct pp_bar *bars;
	size_t n_bars;

	/* topology: pointers into model->functions */
	struct pp_function *parent;	/* bridge above it in sysfs; NULL on a root bus */
	struct pp_function **children;
	size_t n_children;
	/* the PCIe-to-PCI bridge whose requester ID this function's DMA carries */
	struct pp_function *alias_bridge;
	struct pp_function *physfn;	/* SR-IOV PF of a VF */
	struct pp_function **virtfns;
	size_t n_virtfns;
	char *slot_name;		/* /sys/bus/pci/slots/<name> of this device */

	/* host use */
	struct pp_netif *netifs;
	size_t n_netifs;
	struct pp_blockdev *blockdevs;
	size_t n_blockdevs;
	struct pp_strv framebuffers;	/* fb0 ... */

	/* the next boot (model-boot.c): the entries that take it, and the one
	 * that decides (a driverctl override, which only its driver may pass,
	 * else the first ids= entry); the softdep that loads that driver before
	 * the one bound now, if any */
	const struct pp_boot_entry **boot_entries;
	size_t n_boot_entries;
	const struct pp_boot_entry *boot_by;
	const struct pp_boot_entry *boot_softdep;

	/* what pcipass itself moved (from /run/pcipass state), NULL if nothing */
	char *moved_from_driver;

	/* attributes we could not read, for the evidence and for errors */
	struct pp_strv unreadable;

	void *pdev;			/* libpci's struct pci_dev, for selectors */
};

struct pp_group {
	int id;
	struct pp_function **members;
	size_t n_members;
	char *name;			/* iommu_group/name: "vfio-noiommu" for vfio's fake groups; NULL absent */
	char *type;			/* iommu_group/type: "DMA", "identity", ... ; NULL absent */
	enum pp_tri direct_region;	/* reserved_regions lists a "direct" region (not
					 * "direct-relaxable"); UNKNOWN: the file is absent */
	char *direct_evidence;		/* the line that says so */
};

/* A kernel module whose parameters decide what VFIO allows. */
struct pp_module {
	const char *name;		/* "vfio", "vfio_pci", "vfio_iommu_type1", "iommufd" */
	bool loaded;			/* sys/module/NAME/parameters exists */
	struct pp_strv params;		/* parameter names, sorted */
	struct pp_strv values;		/* parallel; NULL entries: unreadable */
};

enum pp_vendor { PP_CPU_UNKNOWN, PP_CPU_INTEL, PP_CPU_AMD };

enum pp_source { PP_SOURCE_SYSFS, PP_SOURCE_SNAPSHOT, PP_SOURCE_LSPCI_DUMP };

struct pp_host {
	char *kernel_release;
	char *cmdline;
	bool iommu_enabled;		/* at least one IOMMU group */
	bool noiommu_only;
	bool kernel_has_reset_method;	/* 5.15 or later: a missing reset_method means no method */		/* every group is vfio's no-IOMMU kind (name vfio-noiommu) */
	enum pp_tri acpi_dmar, acpi_ivrs;	/* firmware tables present (UNKNOWN: not recorded) */
	enum pp_tri intremap;		/* interrupt remapping available */
	char *intremap_evidence;
	enum pp_tri allow_unsafe_interrupts;
	enum pp_vendor iommu_vendor;	/* which IOMMU units sysfs shows */
	enum pp_vendor cpu_vendor;
	bool config_limited;		/* any function with 64-byte config */
	unsigned long page_size;
	bool has_vfio_pci_driver;	/* sys/bus/pci/drivers/vfio-pci */
	char *read_as_root;		/* "yes", "no (uid N)" or a snapshot META's word; never NULL */
	enum pp_source source;		/* what the root is: the running host, a snapshot, an lspci listing */
	struct pp_strv lacks;		/* lspci listing: the evidence it lacked (META lacks=, HACKING lspci dumps) */
	char *damage;			/* lspci listing: what its pre-pass dropped; NULL when nothing */
	struct pp_module *modules;	/* the VFIO modules, in PP_VFIO_MODULES order */
	size_t n_modules;
	struct pp_bootcfg boot;		/* the next boot's driver choices (bootcfg.h) */
};

struct pp_model {
	struct pp_root *root;
	struct pp_host host;
	struct pp_function *functions;	/* sorted by address */
	size_t n_functions;
	struct pp_group *groups;	/* sorted by id */
	size_t n_groups;
	struct pci_access *pacc;	/* kept for name lookups and selectors */
	struct pp_strv problems;	/* non-fatal: what could not be read */
	bool predicted;			/* predicted_group filled in (predict_ensure) */
	size_t n_predicted_groups;
};

struct pp_model_opts {
	int numeric;			/* 0 names, 1 -n numbers, 2 -nn both */
};

/* Build the model; NULL after printing "pcipass: <what>: <why>" when the root is unusable. */
struct pp_model *model_build(struct pp_root *root, const struct pp_model_opts *opts);
void model_free(struct pp_model *m);
struct pp_function *model_find(const struct pp_model *m, const struct pp_bdf *addr);
const struct pp_group *model_group(const struct pp_model *m, int id);
/* Functions on the bus below bridge (its whole subtree): what a bus reset hits. */
size_t model_subtree(const struct pp_function *bridge, struct pp_function ***out);
/* An lspci listing that lacked this evidence (META lacks=: "iommu-groups",
 * "drivers", "extended-config-space", ...)?  Always false for sysfs. */
bool host_lacks(const struct pp_host *h, const char *what);
/* The source as JSON and text name it: "sysfs", "snapshot", "lspci-dump". */
const char *host_source_name(const struct pp_host *h);
/* Is "param=...,option,..." on the kernel command line? */
bool host_cmdline_option(const struct pp_host *h, const char *param, const char *option);
/* Is word one whole word of the kernel command line? */
bool host_cmdline_has(const struct pp_host *h, const char *word);
/* Same domain, bus and device: functions of one multifunction device. */
bool function_same_slot(const struct pp_function *a, const struct pp_function *b);
/* Append f to the array *v of *n functions unless it is there already. */
void fnv_add_unique(struct pp_function ***v, size_t *n, struct pp_function *f);
bool function_is_bridge(const struct pp_function *f);
/* Bound to vfio-pci or pci-stub (or a vfio-pci variant), or to nothing: no host driver to break by a reset. */
bool function_is_user_owned(const struct pp_function *f);
/* Bound to vfio-pci or a vfio-pci-core variant driver. */
bool function_on_vfio(const struct pp_function *f);
/* Unbound, or bound to a driver that lets VFIO own its group's DMA
 * (vfio-pci and variants, pci-stub, pcieport): see HACKING, Checks. */
bool function_manages_dma(const struct pp_function *f);
const char *port_name(enum pp_port p);

/* ---- selectors (lspci's -s and -d) ----------------------------------- */

struct pp_selector {
	bool active;
	void *filter;			/* struct pci_filter */
};
int selector_parse(struct pp_model *m, struct pp_selector *sel, const char *slot, const char *id);
bool selector_match(const struct pp_model *m, const struct pp_selector *sel, const struct pp_function *f);
void selector_free(struct pp_selector *sel);

#endif
