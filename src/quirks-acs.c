/*
 * The kernel's isolation quirks as data (quirks.h): which devices claim
 * ACS they do not expose (pci_dev_acs_enabled[]), which DMA under another
 * requester ID (the quirk_*_dma_alias fixups), which bridges alias their
 * bus (PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS) or stop the alias walk
 * (PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT).  predict.c applies them.
 *
 * Source of every table: drivers/pci/quirks.c of torvalds/linux as stored
 * at commit 84389343d35fcfafb432ba13f8e0b525823b4973 (a 4.1x-era tree).
 * Later kernels added rows (AMD, Ampere, Zhaoxin, Wangxun, Loongson, NXP,
 * Broadcom, RCiEP quirks) that are not here: a host that needs one of them
 * shows as a prediction that differs from the kernel's groups.
 */
#include "config.h"

#include "quirks.h"

#define QUIRKS_SRC "drivers/pci/quirks.c (torvalds/linux 84389343)"

#define ACS_SV 0x0001
#define ACS_TB 0x0002
#define ACS_RR 0x0004
#define ACS_CR 0x0008
#define ACS_UF 0x0010
#define ACS_EC 0x0020
#define ACS_DT 0x0040

#define ANY_DEVICE -1

enum acs_quirk_fn { AMD_SB, MF_ENDPOINT, QCOM_RP, INTEL_PCH, INTEL_SPT_PCH, CAVIUM, INTEL_RCIEP };

struct acs_row {
	int vendor, device;		/* device ANY_DEVICE: every device of the vendor */
	enum acs_quirk_fn fn;
};

/* pci_dev_acs_enabled[], in the kernel's order (the first answer wins). */
static const struct acs_row acs_rows[] = {
	{ 0x1002, 0x4385, AMD_SB }, { 0x1002, 0x439c, AMD_SB }, { 0x1002, 0x4383, AMD_SB },
	{ 0x1002, 0x439d, AMD_SB }, { 0x1002, 0x4384, AMD_SB }, { 0x1002, 0x4399, AMD_SB },
	{ 0x1022, 0x780f, AMD_SB }, { 0x1022, 0x7809, AMD_SB },
	/* Solarflare */
	{ 0x1924, 0x0903, MF_ENDPOINT }, { 0x1924, 0x0923, MF_ENDPOINT }, { 0x1924, 0x0a03, MF_ENDPOINT },
	/* Intel 10G and 1G multifunction NICs */
	{ 0x8086, 0x10c6, MF_ENDPOINT }, { 0x8086, 0x10db, MF_ENDPOINT }, { 0x8086, 0x10dd, MF_ENDPOINT },
	{ 0x8086, 0x10e1, MF_ENDPOINT }, { 0x8086, 0x10f1, MF_ENDPOINT }, { 0x8086, 0x10f7, MF_ENDPOINT },
	{ 0x8086, 0x10f8, MF_ENDPOINT }, { 0x8086, 0x10f9, MF_ENDPOINT }, { 0x8086, 0x10fa, MF_ENDPOINT },
	{ 0x8086, 0x10fb, MF_ENDPOINT }, { 0x8086, 0x10fc, MF_ENDPOINT }, { 0x8086, 0x1507, MF_ENDPOINT },
	{ 0x8086, 0x1514, MF_ENDPOINT }, { 0x8086, 0x151c, MF_ENDPOINT }, { 0x8086, 0x1529, MF_ENDPOINT },
	{ 0x8086, 0x152a, MF_ENDPOINT }, { 0x8086, 0x154d, MF_ENDPOINT }, { 0x8086, 0x154f, MF_ENDPOINT },
	{ 0x8086, 0x1551, MF_ENDPOINT }, { 0x8086, 0x1558, MF_ENDPOINT },
	/* 82580 */
	{ 0x8086, 0x1509, MF_ENDPOINT }, { 0x8086, 0x150e, MF_ENDPOINT }, { 0x8086, 0x150f, MF_ENDPOINT },
	{ 0x8086, 0x1510, MF_ENDPOINT }, { 0x8086, 0x1511, MF_ENDPOINT }, { 0x8086, 0x1516, MF_ENDPOINT },
	{ 0x8086, 0x1527, MF_ENDPOINT },
	/* 82576 */
	{ 0x8086, 0x10c9, MF_ENDPOINT }, { 0x8086, 0x10e6, MF_ENDPOINT }, { 0x8086, 0x10e7, MF_ENDPOINT },
	{ 0x8086, 0x10e8, MF_ENDPOINT }, { 0x8086, 0x150a, MF_ENDPOINT }, { 0x8086, 0x150d, MF_ENDPOINT },
	{ 0x8086, 0x1518, MF_ENDPOINT }, { 0x8086, 0x1526, MF_ENDPOINT },
	/* 82575 */
	{ 0x8086, 0x10a7, MF_ENDPOINT }, { 0x8086, 0x10a9, MF_ENDPOINT }, { 0x8086, 0x10d6, MF_ENDPOINT },
	/* I350 */
	{ 0x8086, 0x1521, MF_ENDPOINT }, { 0x8086, 0x1522, MF_ENDPOINT }, { 0x8086, 0x1523, MF_ENDPOINT },
	{ 0x8086, 0x1524, MF_ENDPOINT },
	/* 82571 (quads omitted by the kernel: non-ACS switch) */
	{ 0x8086, 0x105e, MF_ENDPOINT }, { 0x8086, 0x105f, MF_ENDPOINT }, { 0x8086, 0x1060, MF_ENDPOINT },
	{ 0x8086, 0x10d9, MF_ENDPOINT },
	/* I219 */
	{ 0x8086, 0x15b7, MF_ENDPOINT }, { 0x8086, 0x15b8, MF_ENDPOINT },
	/* Intel RCiEPs: peer-to-peer only on translated addresses (VT-d r3.1 sec 3.16).
	 * Not in the stored tree: added by kernel commit 3247bd10a450 ("PCI: Add ACS
	 * quirk for Intel Root Complex Integrated Endpoints", 5.x), right here. */
	{ 0x8086, ANY_DEVICE, INTEL_RCIEP },
	/* QCOM QDF2xxx root ports */
	{ 0x17cb, 0x0400, QCOM_RP }, { 0x17cb, 0x0401, QCOM_RP },
	/* Intel PCH root ports */
	{ 0x8086, ANY_DEVICE, INTEL_PCH },
	{ 0x8086, ANY_DEVICE, INTEL_SPT_PCH },
	{ 0x19a2, 0x0710, MF_ENDPOINT },	/* Emulex BE3-R */
	{ 0x10df, 0x0720, MF_ENDPOINT },	/* Emulex Skyhawk-R */
	/* Cavium ThunderX */
	{ 0x177d, ANY_DEVICE, CAVIUM },
};

/* pci_quirk_intel_pch_acs_ids[]: PCH root ports without an ACS capability
 * that the kernel makes isolating (Red Hat bugzilla 1037684). */
static const unsigned short intel_pch_ids[] = {
	/* Ibexpeak */
	0x3b42, 0x3b43, 0x3b44, 0x3b45, 0x3b46, 0x3b47, 0x3b48, 0x3b49,
	0x3b4a, 0x3b4b, 0x3b4c, 0x3b4d, 0x3b4e, 0x3b4f, 0x3b50, 0x3b51,
	/* Cougarpoint */
	0x1c10, 0x1c11, 0x1c12, 0x1c13, 0x1c14, 0x1c15, 0x1c16, 0x1c17,
	0x1c18, 0x1c19, 0x1c1a, 0x1c1b, 0x1c1c, 0x1c1d, 0x1c1e, 0x1c1f,
	/* Pantherpoint */
	0x1e10, 0x1e11, 0x1e12, 0x1e13, 0x1e14, 0x1e15, 0x1e16, 0x1e17,
	0x1e18, 0x1e19, 0x1e1a, 0x1e1b, 0x1e1c, 0x1e1d, 0x1e1e, 0x1e1f,
	/* Lynxpoint-H */
	0x8c10, 0x8c11, 0x8c12, 0x8c13, 0x8c14, 0x8c15, 0x8c16, 0x8c17,
	0x8c18, 0x8c19, 0x8c1a, 0x8c1b, 0x8c1c, 0x8c1d, 0x8c1e, 0x8c1f,
	/* Lynxpoint-LP */
	0x9c10, 0x9c11, 0x9c12, 0x9c13, 0x9c14, 0x9c15, 0x9c16, 0x9c17,
	0x9c18, 0x9c19, 0x9c1a, 0x9c1b,
	/* Wildcat */
	0x9c90, 0x9c91, 0x9c92, 0x9c93, 0x9c94, 0x9c95, 0x9c96, 0x9c97,
	0x9c98, 0x9c99, 0x9c9a, 0x9c9b,
	/* Patsburg (X79) */
	0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e,
	/* Wellsburg (X99) */
	0x8d10, 0x8d11, 0x8d12, 0x8d13, 0x8d14, 0x8d15, 0x8d16, 0x8d17,
	0x8d18, 0x8d19, 0x8d1a, 0x8d1b, 0x8d1c, 0x8d1d, 0x8d1e,
	/* Lynx Point (9 series) */
	0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e,
};

static bool is_root_port(const struct pp_function *f)
{
	return f->is_pcie == PP_YES && f->port == PP_PORT_ROOT_PORT;
}

static bool intel_pch_match(const struct pp_function *f)
{
	if (!is_root_port(f))
		return false;
	for (size_t i = 0; i < sizeof(intel_pch_ids) / sizeof(intel_pch_ids[0]); i++)
		if (intel_pch_ids[i] == f->device_id)
			return true;
	return false;
}

/* pci_quirk_intel_spt_pch_acs_match: Sunrise Point and Union Point. */
static bool intel_spt_match(const struct pp_function *f)
{
	int d = f->device_id;

	if (!is_root_port(f))
		return false;
	return (d >= 0xa110 && d <= 0xa11f) || (d >= 0xa167 && d <= 0xa16a) ||
	       (d >= 0xa290 && d <= 0xa29f) || (d >= 0xa2e7 && d <= 0xa2ee);
}

int acs_quirk(const struct pp_host *h, const struct pp_function *f, unsigned int flags, bool enable,
	      struct pp_acs_quirk *q)
{
	for (size_t i = 0; i < sizeof(acs_rows) / sizeof(acs_rows[0]); i++) {
		const struct acs_row *r = &acs_rows[i];
		unsigned int fl = flags, ctrl;
		int ret = -1;

		if (r->vendor != f->vendor_id || (r->device != ANY_DEVICE && r->device != f->device_id))
			continue;
		switch (r->fn) {
		case AMD_SB:
			/* multifunction southbridge devices on the root bus, with an AMD IOMMU (IVRS) */
			if (!f->multifunction || f->parent || h->acpi_ivrs != PP_YES)
				break;
			fl &= ACS_RR | ACS_CR | ACS_EC | ACS_DT;
			ret = fl & ~(unsigned int)(ACS_RR | ACS_CR) ? 0 : 1;
			q->name = "pci_quirk_amd_sb_acs";
			break;
		case MF_ENDPOINT:
			fl &= ~(unsigned int)(ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF | ACS_DT);
			ret = fl ? 0 : 1;
			q->name = "pci_quirk_mf_endpoint_acs";
			break;
		case QCOM_RP:
			ret = fl & ~(unsigned int)(ACS_RR | ACS_CR | ACS_UF | ACS_SV) ? 0 : 1;
			q->name = "pci_quirk_qcom_rp_acs";
			break;
		case INTEL_PCH:
			if (!intel_pch_match(f))
				break;
			/* PCI_DEV_FLAGS_ACS_ENABLED_QUIRK is set when the kernel enables it
			 * (pci_quirk_enable_intel_pch_acs, with an IOMMU): assumed to succeed. */
			ret = fl & ~(unsigned int)(ACS_RR | ACS_CR | ACS_UF | ACS_SV) ? 0 : 1;
			q->name = "pci_quirk_intel_pch_acs";
			break;
		case INTEL_SPT_PCH:
			if (!intel_spt_match(f) || f->has_acs != PP_YES)
				break;
			/* control is the dword at cap + 8, not the word at cap + 6 */
			ctrl = f->acs_dword8;
			if (enable)	/* pci_quirk_enable_intel_spt_pch_acs */
				ctrl |= f->acs_cap_bits & (ACS_SV | ACS_RR | ACS_CR | ACS_UF);
			fl &= f->acs_cap_bits | ACS_EC;
			ret = fl & ~ctrl ? 0 : 1;
			q->name = "pci_quirk_intel_spt_pch_acs";
			break;
		case INTEL_RCIEP:
			if (f->is_pcie != PP_YES || f->port != PP_PORT_RC_INTEGRATED)
				break;
			ret = fl & ~(unsigned int)(ACS_SV | ACS_RR | ACS_CR | ACS_UF) ? 0 : 1;
			q->name = "pci_quirk_rciep_acs";
			break;
		case CAVIUM:
			fl &= ~(unsigned int)(ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF | ACS_DT);
			if (f->device_id < 0xa000 || f->device_id > 0xa0ff)
				break;
			ret = fl ? 0 : 1;
			q->name = "pci_quirk_cavium_acs";
			break;
		}
		if (ret >= 0) {
			q->source = QUIRKS_SRC ": pci_dev_acs_enabled[]";
			return ret;
		}
	}
	return -1;
}

struct alias_row {
	int vendor, device;
	int subsys_vendor, subsys_device;	/* -1: any */
	enum pp_alias_quirk kind;
	int devfn;				/* ALIAS_FIXED: the alias */
	const char *name;
};

#define DEVFN(d, f) (((d) << 3) | (f))

static const struct alias_row alias_rows[] = {
	/* Ricoh: function 0 is the requester ID (Red Hat bugzilla 605888) */
	{ 0x1180, 0xe832, -1, -1, ALIAS_FUNC0, 0, "quirk_dma_func0_alias" },
	{ 0x1180, 0xe476, -1, -1, ALIAS_FUNC0, 0, "quirk_dma_func0_alias" },
	/* Marvell and others: function 1 is the requester ID (kernel bugzilla 42679) */
	{ 0x1b4b, 0x9120, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x9123, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x9130, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x9172, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x917a, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x9182, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x91a0, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1b4b, 0x9230, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },
	{ 0x1103, 0x0642, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },	/* HighPoint (TTI) */
	{ 0x197b, 0x2394, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },	/* JMicron JMB388 ESD */
	{ 0x1c28, 0x0122, -1, -1, ALIAS_FUNC1, 0, "quirk_dma_func1_alias" },	/* Plextor M6E */
	/* fixed_dma_alias_tbl: Adaptec 3405/3805 DMA engine at 01.0 */
	{ 0x9005, 0x0285, 0x9005, 0x02bb, ALIAS_FIXED, DEVFN(1, 0), "quirk_fixed_dma_alias" },
	{ 0x9005, 0x0285, 0x9005, 0x02bc, ALIAS_FIXED, DEVFN(1, 0), "quirk_fixed_dma_alias" },
	/* PCIe-to-PCI bridges without a PCIe capability (kernel bugzilla 44881, 73551) */
	{ 0x1b21, 0x1080, -1, -1, ALIAS_PCIE_BRIDGE, 0, "quirk_use_pcie_bridge_dma_alias" },	/* ASM1083/1085 */
	{ 0x10e3, 0x8113, -1, -1, ALIAS_PCIE_BRIDGE, 0, "quirk_use_pcie_bridge_dma_alias" },	/* Tundra 8113 */
	{ 0x1283, 0x8892, -1, -1, ALIAS_PCIE_BRIDGE, 0, "quirk_use_pcie_bridge_dma_alias" },	/* ITE 8892 */
	{ 0x1283, 0x8893, -1, -1, ALIAS_PCIE_BRIDGE, 0, "quirk_use_pcie_bridge_dma_alias" },	/* ITE 8893 */
	{ 0x8086, 0x244e, -1, -1, ALIAS_PCIE_BRIDGE, 0, "quirk_use_pcie_bridge_dma_alias" },	/* Intel 82801 */
	/* MIC x200 NTB: three more requester IDs */
	{ 0x8086, 0x2260, -1, -1, ALIAS_MIC_X200, 0, "quirk_mic_x200_dma_alias" },
	{ 0x8086, 0x2264, -1, -1, ALIAS_MIC_X200, 0, "quirk_mic_x200_dma_alias" },
	/* Broadcom Vulcan / Cavium ThunderX2: the IOMMU sits at this bridge */
	{ 0x14e4, 0x9000, -1, -1, ALIAS_XLATE_ROOT, 0, "quirk_bridge_cavm_thrx2_pcie_root" },
	{ 0x14e4, 0x9084, -1, -1, ALIAS_XLATE_ROOT, 0, "quirk_bridge_cavm_thrx2_pcie_root" },
};

size_t dma_alias_quirk(const struct pp_function *f, struct pp_alias_quirk_hit *hit)
{
	size_t n = 0;

	hit->kind = ALIAS_NONE;
	for (size_t i = 0; i < sizeof(alias_rows) / sizeof(alias_rows[0]); i++) {
		const struct alias_row *r = &alias_rows[i];
		int fn = f->addr.fn;

		if (r->vendor != f->vendor_id || r->device != f->device_id)
			continue;
		if (r->subsys_vendor >= 0 && (r->subsys_vendor != f->subsys_vendor_id ||
					      r->subsys_device != f->subsys_device_id))
			continue;
		hit->kind = r->kind;
		hit->name = r->name;
		hit->source = QUIRKS_SRC;
		switch (r->kind) {
		case ALIAS_FUNC0:
			if (fn != 0)
				hit->devfns[n++] = DEVFN(f->addr.dev, 0);
			break;
		case ALIAS_FUNC1:
			if (fn != 1)
				hit->devfns[n++] = DEVFN(f->addr.dev, 1);
			break;
		case ALIAS_FIXED:
			hit->devfns[n++] = r->devfn;
			break;
		case ALIAS_MIC_X200:
			hit->devfns[n++] = DEVFN(0x10, 0);
			hit->devfns[n++] = DEVFN(0x11, 0);
			hit->devfns[n++] = DEVFN(0x12, 3);
			break;
		default:
			break;
		}
		return n;
	}
	return 0;
}
