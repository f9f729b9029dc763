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

/* ---- isolation quirks (quirks-acs.c) --------------------------------- */

struct pp_acs_quirk {
	const char *name;	/* the kernel's function: "pci_quirk_intel_pch_acs" */
	const char *source;
};
/*
 * pci_dev_specific_acs_enabled: -1 when no quirk answers for f, else 1 when
 * the quirk says the ACS flags are in force, 0 when not.  enable: answer
 * as after the kernel's own enabling (the IOMMU asked for ACS).
 */
int acs_quirk(const struct pp_host *h, const struct pp_function *f, unsigned int flags, bool enable,
	      struct pp_acs_quirk *q);

enum pp_alias_quirk {
	ALIAS_NONE = 0,
	ALIAS_FUNC0,		/* quirk_dma_func0_alias */
	ALIAS_FUNC1,		/* quirk_dma_func1_alias */
	ALIAS_FIXED,		/* quirk_fixed_dma_alias */
	ALIAS_MIC_X200,		/* quirk_mic_x200_dma_alias */
	ALIAS_PCIE_BRIDGE,	/* PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS */
	ALIAS_XLATE_ROOT,	/* PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT */
};

struct pp_alias_quirk_hit {
	enum pp_alias_quirk kind;
	const char *name, *source;
	int devfns[4];		/* the extra requester IDs on f's bus (dev << 3 | fn) */
};
/* The DMA-alias quirk of f (hit->kind ALIAS_NONE when none); returns how many devfns. */
size_t dma_alias_quirk(const struct pp_function *f, struct pp_alias_quirk_hit *hit);

#endif
