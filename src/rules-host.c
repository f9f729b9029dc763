/*
 * Host-wide rules: is there an IOMMU, are interrupts remapped, can config space be read.
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

void check_iommu_disabled(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	struct pp_finding *x;

	if (h->iommu_enabled && !h->noiommu_only)
		return;
	/* An lspci listing without "IOMMU group:" lines says nothing about the
	 * IOMMU: limited-evidence names the gap instead of a blocker. */
	if (host_lacks(h, "iommu-groups"))
		return;
	x = emit(j, PP_BLOCKER);
	if (h->noiommu_only) {
		/* vfio_noiommu_group_alloc: groups without an IOMMU behind them. */
		x->message = xstrdup("Only vfio's no-IOMMU groups exist (vfio.enable_unsafe_noiommu_mode): there is "
				     "no IOMMU to isolate a device, so no function can be given to a guest safely.");
		strv_pushf(&x->evidence, "sys/kernel/iommu_groups/*/name: vfio-noiommu");
	} else {
		x->message = xstrdup("No IOMMU is active on this host (no IOMMU groups), so no PCI function can be "
				     "isolated for a guest.");
		strv_pushf(&x->evidence, "sys/kernel/iommu_groups: no groups");
	}
	if (h->cmdline)
		strv_pushf(&x->evidence, "proc/cmdline: %s", h->cmdline);
	if (h->acpi_dmar != PP_UNKNOWN || h->acpi_ivrs != PP_UNKNOWN)
		strv_pushf(&x->evidence, "sys/firmware/acpi/tables: DMAR %s, IVRS %s",
			     h->acpi_dmar == PP_YES ? "present" : "absent", h->acpi_ivrs == PP_YES ? "present" : "absent");
	if (host_cmdline_option(h, "intel_iommu", "off"))
		x->hint = xstrdup("remove intel_iommu=off from the kernel command line and boot with intel_iommu=on");
	else if (host_cmdline_option(h, "amd_iommu", "off"))
		x->hint = xstrdup("remove amd_iommu=off from the kernel command line");
	else if (host_cmdline_option(h, "iommu", "off"))
		x->hint = xstrdup("remove iommu=off from the kernel command line");
	else if (h->acpi_ivrs == PP_YES || (h->cpu_vendor == PP_CPU_AMD && h->acpi_ivrs != PP_NO))
		/* AMD-Vi is on by default when the firmware describes it (IVRS). */
		x->hint = xstrdup("the firmware describes an AMD IOMMU but the kernel did not enable it: check the "
				  "kernel log for AMD-Vi errors");
	else if (h->cpu_vendor == PP_CPU_AMD)
		x->hint = xstrdup("enable the IOMMU (AMD-Vi, often under SVM or \"IOMMU\") in the firmware setup: "
				  "the firmware publishes no IVRS table");
	else if (h->acpi_dmar == PP_NO)
		x->hint = xstrdup("enable VT-d in the firmware setup: the firmware publishes no DMAR table");
	else if (host_cmdline_option(h, "intel_iommu", "on"))
		x->hint = xstrdup("the kernel was booted with intel_iommu=on but found no IOMMU: enable VT-d "
				  "in the firmware setup");
	else
		x->hint = xstrdup("boot with intel_iommu=on (Intel; AMD enables its IOMMU by itself) and enable "
				  "VT-d or AMD-Vi in the firmware setup");
}

void check_acs_override(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	const char *p = h->cmdline ? strstr(h->cmdline, "pcie_acs_override=") : NULL;
	struct pp_finding *x;

	if (!p || (p != h->cmdline && p[-1] != ' '))
		return;
	x = emit(j, PP_WARNING);
	x->message = xstrdup("pcie_acs_override is on the kernel command line: the IOMMU groups shown are what "
			     "the patched kernel pretends, not real isolation; devices may reach each other's memory.");
	strv_pushf(&x->evidence, "proc/cmdline: %.*s", (int)strcspn(p, " "), p);
	x->hint = xstrdup("accept it only when every guest is trusted; otherwise use slots whose ports have ACS");
}

void check_no_interrupt_remapping(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	bool unsafe = h->allow_unsafe_interrupts == PP_YES;
	struct pp_finding *x;

	if (!h->iommu_enabled || h->noiommu_only || h->intremap != PP_NO)
		return;
	x = emit(j, unsafe ? PP_WARNING : PP_BLOCKER);
	x->message = xstrdup(unsafe
		? "The IOMMU does not remap interrupts, and vfio_iommu_type1 allow_unsafe_interrupts is on: "
		  "groups attach, but a guest can forge interrupts to the host."
		: "The IOMMU does not remap interrupts, so vfio_iommu_type1 refuses to attach any IOMMU group "
		  "(EPERM) while allow_unsafe_interrupts is off.");
	strv_pushf(&x->evidence, "%s", h->intremap_evidence ? h->intremap_evidence : "interrupt remapping off");
	strv_pushf(&x->evidence, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts: %s",
		     h->allow_unsafe_interrupts == PP_YES ? "Y"
		     : h->allow_unsafe_interrupts == PP_NO ? "N" : "absent (module not loaded)");
	if (host_cmdline_option(h, "intremap", "off") || host_cmdline_has(h, "nointremap"))
		x->hint = xasprintf("remove %s from the kernel command line%s",
				    host_cmdline_has(h, "nointremap") ? "nointremap" : "intremap=off",
				    unsafe ? " and drop allow_unsafe_interrupts" : "");
	else if (unsafe)
		x->hint = xstrdup("assign devices only to trusted guests, or use a platform whose IOMMU remaps "
				  "interrupts and drop allow_unsafe_interrupts");
	else
		x->hint = xstrdup("enable interrupt remapping in the firmware setup; only for trusted guests, "
				  "vfio_iommu_type1.allow_unsafe_interrupts=1 lets vfio attach groups anyway");
}

void check_limited_access(struct judge *j)
{
	struct pp_finding *x;

	if (!j->f->config_limited)
		return;
	x = emit(j, PP_INFO);
	if (j->m->host.source == PP_SOURCE_LSPCI_DUMP) {
		x->message = xstrdup("The lspci listing holds only the first 64 bytes of config space (lspci -x, or "
				     "lspci run as a user): FLR, power management and ACS are unknown, and the "
				     "listing has no reset_method to stand in for them.");
		strv_pushf(&x->evidence, "%s: %zu bytes of config space in the listing", j->f->bdf, j->f->config_len);
		x->hint = xstrdup("ask for `sudo lspci -nnDvvvxxxx` (nvidia-bug-report.sh runs it as root)");
		return;
	}
	x->message = xstrdup("Config space beyond the first 64 bytes is unreadable (pcipass is not running as "
			     "root): FLR, power management and ACS are judged from the kernel's reset_method instead.");
	strv_pushf(&x->evidence, "%s/config: %zu bytes readable", j->f->bdf, j->f->config_len);
	x->hint = xstrdup("run pcipass as root to read the capabilities themselves");
}

/* What an lspci listing cannot say (HACKING, lspci dumps): every finding
 * that would rest on it is left out, and this says which. */
void check_limited_evidence(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	static const struct { const char *lack, *what; } gaps[] = {
		{ "iommu-groups", "no IOMMU groups (the kernel's grouping is unknown: no iommu-disabled, "
				  "no-iommu-group, group-not-viable or group-shared; GROUP shows the prediction)" },
		{ "drivers", "no kernel drivers (every function looks unbound: host-driver-bound and "
			     "group-not-viable cannot be judged)" },
		{ "extended-config-space", "no extended config space (ACS and SR-IOV of PCIe functions unknown, "
					   "never reported missing; predicted groups treat unknown ACS as absent)" },
		{ "config-beyond-64-bytes", "only 64 bytes of config space for some functions (see limited-access)" },
		{ "config-space", "no config space (an lspci listing without hex rows: ids, class, driver, group, "
				  "slot, BARs and bridges' bus numbers as its text prints them; no FLR, power "
				  "management, ACS, link or header type: no reset is inferred, no group predicted)" },
	};
	struct sbuf b = { 0 };
	struct pp_finding *x;
	bool any = false;

	if (h->source != PP_SOURCE_LSPCI_DUMP)
		return;
	x = emit(j, PP_INFO);
	sb_add(&b, "limited evidence: the input is an lspci listing, not the host's sysfs");
	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
		if (host_lacks(h, gaps[i].lack)) {
			sb_add(&b, "%s %s", any ? ";" : ":", gaps[i].what);
			any = true;
		}
	if (host_lacks(h, "resources")) {
		sb_add(&b, "%s no BAR sizes (no subpage-bar or unaligned-bar)", any ? ";" : ":");
		any = true;
	}
	sb_add(&b, "%s no kernel, command line, interrupt remapping, reset_method, boot VGA or host use "
		   "(mounts, network, swap).", any ? ";" : ":");
	x->message = sb_take(&b);
	{
		char *lacks = strv_join(&h->lacks, ",");

		strv_pushf(&x->evidence, "META lacks=%s", lacks);
		free(lacks);
	}
	if (h->damage)
		strv_pushf(&x->evidence, "damage: %s", h->damage);
	x->hint = xstrdup("for a complete judgement run `pcipass snapshot` on the host; from lspci alone, "
			  "`sudo lspci -nnDvvvxxxx` gives the most");
}
