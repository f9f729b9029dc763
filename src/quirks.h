/*
 * What the kernel knows about particular devices, as data: the reset
 * quirks of drivers/pci/quirks.c and the devices known to fail resets in
 * practice.  Facts with their source beside each table (quirks.c).
 */
#ifndef PCIPASS_QUIRKS_H
#define PCIPASS_QUIRKS_H

#include "model.h"

enum pp_reset_quirk {
	QUIRK_NONE = 0,
	QUIRK_NO_FLR,		/* PCI_DEV_FLAGS_NO_FLR_RESET: the FLR bit lies */
	QUIRK_NO_BUS_RESET,	/* PCI_DEV_FLAGS_NO_BUS_RESET: a bus reset breaks it */
	QUIRK_NO_PM_RESET,	/* PCI_DEV_FLAGS_NO_PM_RESET */
	QUIRK_DEVICE_SPECIFIC,	/* pci_dev_reset_methods[]: a reset of its own */
	QUIRK_RESET_BUG,	/* resets fail in practice (no kernel quirk) */
};

struct pp_quirk_hit {
	enum pp_reset_quirk kind;
	const char *what;	/* the kernel's (or the source's) words for it */
	const char *source;	/* where the fact comes from */
};

/* Every reset quirk that matches f, at most max of them; returns how many. */
size_t reset_quirks(const struct pp_function *f, struct pp_quirk_hit *out, size_t max);
/* Does some quirk of this kind match f? */
bool has_reset_quirk(const struct pp_function *f, enum pp_reset_quirk kind);

#endif
