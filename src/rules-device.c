/*
 * Device rules: what kind of function it is (endpoint, multifunction, SR-IOV VF) and where it sits.
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

void check_not_endpoint(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!never_assigned(f))
		return;
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " is %s%s", port_phrase(f),
	       is_isa_bridge(f) || is_host_bridge(f)
		       ? ": the host needs it (pcipass policy: the chipset is never assigned)."
		       : ", not an endpoint: vfio-pci binds only endpoints (header type 0).");
	x->message = sb_take(&b);
	if (f->header_type >= 0 && f->header_type != 0)
		strv_pushf(&x->evidence, "%s: header type %d (config byte 0x0e)", f->bdf, f->header_type);
	if (f->class_code >= 0)
		strv_pushf(&x->evidence, "%s: class %04lx", f->bdf, (unsigned long)(f->class_code >> 8));
	if (f->port >= 0)
		strv_pushf(&x->evidence, "%s: PCIe port type %d (%s)", f->bdf, (int)f->port, port_name(f->port));
	if (is_host_bridge(f) || is_isa_bridge(f)) {
		x->hint = xstrdup("the chipset stays with the host (pcipass policy); assign endpoint functions instead");
	} else {
		const struct below *bl = below_of(j->c, f);

		if (bl->endpoints.n) {
			size_t n = bl->endpoints.n < RELATED_MAX ? bl->endpoints.n : RELATED_MAX;

			sb_add(&b, "assign the endpoints below it instead: ");
			sb_names(&b, bl->endpoints.v, n, bl->endpoints.n, NAMES_PLAIN);
			add_related(x, bl->endpoints.v, n);
			x->hint = sb_take(&b);
		} else {
			x->hint = xstrdup("nothing below it can be assigned either: there is no endpoint behind it");
		}
	}
}

void check_missing_function0(struct judge *j)
{
	const struct pp_function *f = j->f, *fn0;
	struct pp_bdf a = f->addr;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (f->addr.fn == 0 || f->physfn)
		return;
	a.fn = 0;
	fn0 = model_find(j->m, &a);
	if (!fn0 || fn0->physfn || in_set(j, fn0))
		return;
	/* VFIO and QEMU accept a lone function N>0; what matters is its guest
	 * address, which generated config makes function 0 of its own slot. */
	x = emit(j, PP_INFO);
	sb_label(&b, f);
	sb_add(&b, " is function %u of device %04x:%02x:%02x without its function 0 (", f->addr.fn,
	       f->addr.domain, f->addr.bus, f->addr.dev);
	sb_label(&b, fn0);
	sb_add(&b, "): fine for VFIO and QEMU, as long as the guest sees it as function 0 of a slot of its own.");
	x->message = sb_take(&b);
	add_related(x, &fn0, 1);
	strv_pushf(&x->evidence, "%s exists%s", fn0->bdf, fn0->multifunction ? " (header type bit 7: multifunction)" : "");
	x->hint = xstrdup("give it guest function 0 (--libvirt-xml and --qemu-args place it so)");
}

void check_multifunction_partial(struct judge *j)
{
	const struct pp_function *sib[8], *out[8];
	size_t n, k = 0;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (j->f->physfn)
		return;
	n = slot_siblings(j, sib);
	for (size_t i = 0; i < n; i++)
		if (!in_set(j, sib[i]))
			out[k++] = sib[i];
	if (!k)
		return;
	/* A warning only when a left-out function shares the group or the reset set. */
	{
		bool shares = false;

		for (size_t i = 0; i < k; i++)
			shares |= (out[i]->iommu_group >= 0 && out[i]->iommu_group == j->f->iommu_group) ||
				  !function_level_reset(j->f);
		x = emit(j, shares ? PP_WARNING : PP_INFO);
	}
	sb_label(&b, j->f);
	sb_add(&b, " goes without ");
	sb_names(&b, out, k, k, NAMES_PLAIN);
	sb_add(&b, ", %s of the same device: the functions of a device share its resets and usually its "
		   "IOMMU group.", k > 1 ? "other functions" : "another function");
	x->message = sb_take(&b);
	add_related(x, out, k);
	strv_pushf(&x->evidence, "slot %04x:%02x:%02x has %zu functions", j->f->addr.domain, j->f->addr.bus, j->f->addr.dev,
		     n + 1);
	{
		/* Never advise taking what the host needs (the chipset). */
		const struct pp_function *takeable[8];
		size_t t = 0;

		for (size_t i = 0; i < k; i++)
			if (!never_assigned(out[i]))
				takeable[t++] = out[i];
		if (t) {
			sb_add(&b, "add ");
			sb_bdfs(&b, takeable, t);
			sb_add(&b, " to the set, or keep %s unbound or on vfio-pci while the guest runs",
			       t > 1 ? "them" : "it");
		} else {
			sb_add(&b, "the others stay with the host (chipset functions)");
		}
	}
	x->hint = sb_take(&b);
}

void check_sriov_pf_enabled(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (f->sriov_numvfs <= 0)
		return;
	/* vfio_pci_core_register_device: "Cannot bind to PF with SR-IOV enabled" (-EBUSY). */
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " is an SR-IOV physical function with %d virtual function%s enabled: vfio-pci refuses to bind "
		   "it (EBUSY).", f->sriov_numvfs, f->sriov_numvfs == 1 ? "" : "s");
	x->message = sb_take(&b);
	strv_pushf(&x->evidence, "%s/sriov_numvfs: %d", f->bdf, f->sriov_numvfs);
	x->hint = xasprintf("assign its VFs instead, or disable them first: echo 0 > "
			    "/sys/bus/pci/devices/%s/sriov_numvfs", f->bdf);
}

void check_sriov_vf(struct judge *j)
{
	const struct pp_function *f = j->f, *pf = f->physfn;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!pf)
		return;
	x = emit(j, PP_INFO);
	sb_label(&b, f);
	sb_add(&b, " is an SR-IOV virtual function of ");
	sb_label(&b, pf);
	if (pf->driver)
		sb_add(&b, ", whose driver %s must stay loaded while a guest uses it.", pf->driver);
	else
		sb_add(&b, ", which has no driver bound.");
	x->message = sb_take(&b);
	add_related(x, &pf, 1);
	strv_pushf(&x->evidence, "%s/physfn -> %s", f->bdf, pf->bdf);
	if (pf->driver)
		strv_pushf(&x->evidence, "%s/driver -> %s", pf->bdf, pf->driver);
	if (in_set(j, pf))
		x->hint = xasprintf("the PF %s is in the set too: once it leaves the host, nothing manages its VFs",
				    pf->bdf);
	else
		x->hint = xasprintf("keep %s bound to %s: unbinding the PF or writing 0 to its sriov_numvfs removes "
				    "this VF", pf->bdf, pf->driver ? pf->driver : "its driver");
}

void check_bus_range_mismatch(struct judge *j)
{
	const struct pp_function *f = j->f, *p = f->parent;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!p || p->secondary_bus < 0 || p->subordinate_bus < 0)
		return;
	if ((int)f->addr.bus >= p->secondary_bus && (int)f->addr.bus <= p->subordinate_bus)
		return;
	x = emit(j, PP_INFO);
	sb_label(&b, f);
	sb_add(&b, " is on bus %02x, outside the bus range %02x-%02x of its parent bridge ", f->addr.bus,
	       p->secondary_bus, p->subordinate_bus);
	sb_label(&b, p);
	sb_add(&b, ".");
	x->message = sb_take(&b);
	add_related(x, &p, 1);
	strv_pushf(&x->evidence, "%s: secondary bus %02x, subordinate bus %02x (config bytes 0x19, 0x1a)", p->bdf,
		     p->secondary_bus, p->subordinate_bus);
	strv_pushf(&x->evidence, "%s: bus %02x", f->bdf, f->addr.bus);
	x->hint = xasprintf("the bus numbers changed after enumeration: a secondary bus reset of %s may not reach "
			    "it; let the kernel renumber (pci=assign-busses) or update the firmware", p->bdf);
}
