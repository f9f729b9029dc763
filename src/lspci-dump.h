/*
 * --from-lspci FILE: a customer's lspci output (`lspci -nnDvvvxxxx`, `-x`,
 * `-vvv`, alone or inside a whole nvidia-bug-report log, gzip or not)
 * turned into a private sysroot the model reads like a snapshot (HACKING,
 * "lspci dumps").  A lower layer: returns 0 or PP_EXIT_ERROR with the
 * message left for pp_report, prints nothing.
 */
#ifndef PCIPASS_LSPCI_DUMP_H
#define PCIPASS_LSPCI_DUMP_H

#include <stdbool.h>
#include <stddef.h>

/* Limits for an untrusted file. */
#define DUMP_MAX_INPUT (512ull << 20)	/* bytes after decompression */
#define DUMP_MAX_LINE 4096		/* longer lines are dropped (counted) */
#define DUMP_MAX_DEVICES 8192		/* 256 buses x 32 devices would be more; no real host is */

/* In a sysroot made from a listing without hex rows: the device line as
 * lspci printed it, after the address ("VGA compatible controller: ...").
 * Not a kernel attribute; the model reads it only for such a sysroot. */
#define LSPCI_NAME_ATTR "lspci_name"

struct scan_state;

/* What one line-oriented pass over the file found (the pre-pass). */
struct dump_device {
	unsigned int domain, bus, dev, fn;
	unsigned char config[4096];
	unsigned char given[4096 / 8];	/* bitmap: bytes a hex row gave */
	size_t end;			/* one past the highest byte given */
	bool has_hex;
	bool conflict;			/* a second listing with other bytes (the first kept) */
	int iommu_group;		/* -1: the text names none */
	/* -v text "Region N: ... at ADDR ... [size=S]", "Expansion ROM at", "... behind
	 * bridge: A-B": the kernel's resource lines (0-5 BARs, 6 ROM, 13-15 windows) */
	struct dump_bar {
		unsigned long long start, size, flags;	/* size 0: not named */
	} bar[17];
	bool past_regions;		/* a "Capabilities:" line came: later Region lines are SR-IOV's */
	char driver[64];		/* "" : the text names none */
	char slot[32];			/* "Physical Slot: NAME" (sys/bus/pci/slots/NAME), "" none */
	/* what the text says of a function listed without hex rows (-1: not said) */
	int vendor, device;		/* the header line's "[vvvv:dddd]" (lspci -nn) */
	int subsys_vendor, subsys_device;	/* "Subsystem: ... [ssss:ssss]" (-nn) */
	long class_code;		/* "[cccc]" (-nn) and "(prog-if pp)", which lspci prints
					 * only with -v and only when not 00 */
	int revision;			/* "(rev rr)" */
	int secondary_bus, subordinate_bus;	/* a bridge's "Bus: primary=.., secondary=.., subordinate=.." */
	char name[192];			/* the header line after the address, as lspci printed it */
};

struct dump_scan {
	struct dump_device *dev;
	size_t n, cap;
	size_t lines;			/* lines read */
	size_t dropped;			/* rows inside a device that could not be trusted */
	size_t text_only;		/* device headers with no hex rows at all */
	size_t nbsp;			/* lines whose non-breaking spaces were normalised */
	char first_drop[96];		/* the first dropped row's reason, for the message */
	struct scan_state *state;	/* the line being assembled (lspci-dump.c) */
};

/* Scan text (a NUL-free buffer of len bytes may hold NULs: they end lines too);
 * call for consecutive chunks, then dump_scan_finish.  Never fails: what cannot
 * be used is counted. */
void dump_scan_feed(struct dump_scan *s, const char *buf, size_t len);
void dump_scan_finish(struct dump_scan *s);
void dump_scan_free(struct dump_scan *s);

/*
 * Read FILE ("-": standard input; gzip or plain), scan it, have libpci's
 * dump access method load the cleaned hex, and build the sysroot in a
 * private directory removed at exit (archive.c).  *dir is the sysroot.
 */
int lspci_dump_load(const char *file, const char **dir);

#endif
