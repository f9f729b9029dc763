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

	if (h->iommu_enabled)
		return;
	x = emit(j, PP_BLOCKER);
	x->message = xstrdup("No IOMMU is active on this host (no IOMMU groups), so no PCI function can be "
			     "isolated for a guest.");
	strv_pushf(&x->evidence, "sys/kernel/iommu_groups: no groups");
	if (h->cmdline)
		strv_pushf(&x->evidence, "proc/cmdline: %s", h->cmdline);
	if (host_cmdline_has(h, "intel_iommu=off"))
		x->hint = xstrdup("remove intel_iommu=off from the kernel command line and boot with intel_iommu=on");
	else if (host_cmdline_has(h, "amd_iommu=off"))
		x->hint = xstrdup("remove amd_iommu=off from the kernel command line");
	else if (host_cmdline_has(h, "iommu=off"))
		x->hint = xstrdup("remove iommu=off from the kernel command line");
	else if (h->cpu_vendor == PP_CPU_INTEL && host_cmdline_has(h, "intel_iommu=on"))
		x->hint = xstrdup("the kernel was booted with intel_iommu=on but found no IOMMU: enable VT-d "
				  "in the firmware setup");
	else if (h->cpu_vendor == PP_CPU_INTEL)
		x->hint = xstrdup("boot with intel_iommu=on (and enable VT-d in the firmware setup)");
	else if (h->cpu_vendor == PP_CPU_AMD)
		x->hint = xstrdup("enable the IOMMU (AMD-Vi) in the firmware setup; boot with amd_iommu=on if "
				  "your kernel leaves it off");
	else
		x->hint = xstrdup("boot with intel_iommu=on (Intel) or amd_iommu=on (AMD) and enable VT-d or "
				  "AMD-Vi in the firmware setup");
}

void check_no_interrupt_remapping(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	bool unsafe = h->allow_unsafe_interrupts == PP_YES;
	struct pp_finding *x;

	if (!h->iommu_enabled || h->intremap != PP_NO)
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
	if (host_cmdline_has(h, "intremap=off") || host_cmdline_has(h, "nointremap"))
		x->hint = xasprintf("remove %s from the kernel command line%s",
				    host_cmdline_has(h, "nointremap") ? "nointremap" : "intremap=off",
				    unsafe ? " and drop allow_unsafe_interrupts" : "");
	else if (host_cmdline_has(h, "amd_iommu_intr=legacy"))
		x->hint = xasprintf("remove amd_iommu_intr=legacy from the kernel command line%s",
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
	x->message = xstrdup("Config space beyond the first 64 bytes is unreadable (pcipass is not running as "
			     "root): FLR, power management and ACS are judged from the kernel's reset_method instead.");
	strv_pushf(&x->evidence, "%s/config: %zu bytes readable", j->f->bdf, j->f->config_len);
	x->hint = xstrdup("run pcipass as root to read the capabilities themselves");
}
