/*
 * Reset quirks as data (see quirks.h).  Each table names its source; a
 * row matches a vendor, a device range and, where the kernel checks it, a
 * class or a revision.
 */
#include "config.h"

#include "quirks.h"

#define ANY -1

struct quirk_row {
	int vendor, first, last;	/* device ids first..last */
	long class_mask, class_value;	/* (class_code & mask) == value; mask 0: any class */
	int revision;			/* ANY, or the one revision */
	enum pp_reset_quirk kind;
	const char *what;
	const char *source;
};

#define QUIRKS_C "drivers/pci/quirks.c"

static const struct quirk_row rows[] = {
	/* quirk_no_flr: "FLR may cause the following devices to hang" */
	{ 0x1022, 0x1486, 0x1487, 0, 0, ANY, QUIRK_NO_FLR, "FLR may hang it (AMD Starship/Matisse)", QUIRKS_C ": quirk_no_flr" },
	{ 0x1022, 0x148c, 0x148c, 0, 0, ANY, QUIRK_NO_FLR, "FLR may hang it (AMD Starship USB)", QUIRKS_C ": quirk_no_flr" },
	{ 0x1022, 0x149c, 0x149c, 0, 0, ANY, QUIRK_NO_FLR, "FLR may hang it (AMD Matisse USB)", QUIRKS_C ": quirk_no_flr" },
	{ 0x1022, 0x7901, 0x7901, 0, 0, ANY, QUIRK_NO_FLR, "FLR may hang it (AMD SATA)", QUIRKS_C ": quirk_no_flr" },
	{ 0x8086, 0x1502, 0x1503, 0, 0, ANY, QUIRK_NO_FLR, "FLR may hang it (Intel 82579)", QUIRKS_C ": quirk_no_flr" },
	{ 0x14c3, 0x0616, 0x0616, 0, 0, ANY, QUIRK_NO_FLR, "FLR may hang it (MediaTek MT7922)", QUIRKS_C ": quirk_no_flr" },
	{ 0xd063, 0x1000, 0x1000, 0, 0, 0x01, QUIRK_NO_FLR, "FLR may hang it (SolidRun SNET DPU rev 1)",
	  QUIRKS_C ": quirk_no_flr_snet" },
	/* quirk_no_bus_reset: Atheros wireless, Cavium, TI KeyStone; NVIDIA by mask */
	{ 0x168c, 0x0030, 0x0030, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (Atheros)", QUIRKS_C ": quirk_no_bus_reset" },
	{ 0x168c, 0x0032, 0x0034, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (Atheros)", QUIRKS_C ": quirk_no_bus_reset" },
	{ 0x168c, 0x003c, 0x003c, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (Atheros)", QUIRKS_C ": quirk_no_bus_reset" },
	{ 0x168c, 0x003e, 0x003e, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (Atheros)", QUIRKS_C ": quirk_no_bus_reset" },
	{ 0x177d, 0xa100, 0xa100, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (Cavium)", QUIRKS_C ": quirk_no_bus_reset" },
	{ 0x104c, 0xb005, 0xb005, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (TI KeyStone)", QUIRKS_C ": quirk_no_bus_reset" },
	{ 0x10de, 0x2340, 0x237f, 0, 0, ANY, QUIRK_NO_BUS_RESET, "a bus reset leaves it unusable (NVIDIA)",
	  QUIRKS_C ": quirk_nvidia_no_bus_reset" },
	/* quirk_no_pm_reset: every ATI/AMD VGA device ("nothing but a hard reset") */
	{ 0x1002, 0x0000, 0xffff, 0xffff00, 0x030000, ANY, QUIRK_NO_PM_RESET, "its D3hot->D0 reset does not reset it (AMD GPU)",
	  QUIRKS_C ": quirk_no_pm_reset" },
	/* pci_dev_reset_methods[]: device-specific resets */
	{ 0x8086, 0x10ed, 0x10ed, 0, 0, ANY, QUIRK_DEVICE_SPECIFIC, "reset by the 82599 VF's own sequence", QUIRKS_C ": reset_intel_82599_sfp_virtfn" },
	{ 0x8086, 0x0156, 0x0156, 0, 0, ANY, QUIRK_DEVICE_SPECIFIC, "reset by the IvyBridge IGD's own sequence", QUIRKS_C ": reset_ivb_igd" },
	{ 0x8086, 0x0166, 0x0166, 0, 0, ANY, QUIRK_DEVICE_SPECIFIC, "reset by the IvyBridge IGD's own sequence", QUIRKS_C ": reset_ivb_igd" },
	{ 0x144d, 0xa804, 0xa804, 0, 0, ANY, QUIRK_DEVICE_SPECIFIC, "NVMe disabled before its FLR (Samsung SM961)", QUIRKS_C ": nvme_disable_and_flr" },
	{ 0x8086, 0x0953, 0x0953, 0, 0, ANY, QUIRK_DEVICE_SPECIFIC, "250 ms wait after FLR (Intel 750 NVMe)", QUIRKS_C ": delay_250ms_after_flr" },
	{ 0x1425, 0x5000, 0x5fff, 0, 0, ANY, QUIRK_DEVICE_SPECIFIC, "reset by the Chelsio T4's own sequence", QUIRKS_C ": reset_chelsio_generic_dev" },
	/* The AMD GPU "reset bug": Polaris, Vega, Navi 10/12/14 keep state
	 * across every reset the kernel has; the out-of-tree vendor-reset
	 * module supplies device_specific resets for these ids (its device table). */
	{ 0x1002, 0x67c0, 0x67ff, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Polaris: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
	{ 0x1002, 0x6980, 0x699f, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Polaris 12: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
	{ 0x1002, 0x6860, 0x687f, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Vega 10: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
	{ 0x1002, 0x66a0, 0x66af, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Vega 20: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
	{ 0x1002, 0x7310, 0x731f, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Navi 10: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
	{ 0x1002, 0x7340, 0x734f, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Navi 14: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
	{ 0x1002, 0x7360, 0x736f, 0, 0, ANY, QUIRK_RESET_BUG, "AMD Navi 12: resets leave it hung (the \"reset bug\")", "vendor-reset's device table" },
};

static bool row_matches(const struct quirk_row *q, const struct pp_function *f)
{
	if (f->vendor_id != q->vendor || f->device_id < q->first || f->device_id > q->last)
		return false;
	if (q->class_mask && (f->class_code < 0 || (f->class_code & q->class_mask) != q->class_value))
		return false;
	return q->revision == ANY || f->revision == q->revision;
}

size_t reset_quirks(const struct pp_function *f, struct pp_quirk_hit *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && n < max; i++)
		if (row_matches(&rows[i], f))
			out[n++] = (struct pp_quirk_hit){ rows[i].kind, rows[i].what, rows[i].source };
	return n;
}

bool has_reset_quirk(const struct pp_function *f, enum pp_reset_quirk kind)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].kind == kind && row_matches(&rows[i], f))
			return true;
	return false;
}
