/*
 * Reset rules: which resets reach the function, and what a bus reset would hit instead.
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "quirks.h"
#include "rules.h"

void check_no_reset(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_function **rs;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	size_t n;

	if (function_level_reset(f) || reset_evidence_missing(f))
		return;
	n = vfio_reset_set(f, &rs);
	free(rs);
	if (n)
		return;	/* bus-reset-scope says what the bus reset takes */
	x = emit(j, PP_WARNING);
	sb_label(&b, f);
	sb_add(&b, " has no reset VFIO can use: no function-level reset, and %s.",
	       f->parent ? "its bus cannot be reset" : "it sits on a root bus, where no bus reset exists");
	sb_add(&b, " Its state passes from the host to the guest and from one guest to the next.");
	x->message = sb_take(&b);
	if (f->has_reset_method_attr) {
		char *methods = f->reset_methods.n ? strv_join(&f->reset_methods, " ") : xstrdup("(empty)");
		strv_pushf(&x->evidence, "%s/reset_method: %s", f->bdf, methods);
		free(methods);
	} else if (f->reset_methods_known) {
		strv_pushf(&x->evidence, "%s: no reset_method attribute: the kernel found no method", f->bdf);
	} else {
		strv_pushf(&x->evidence, "%s: no reset_method (kernel before 5.15): inferred from capabilities", f->bdf);
	}
	x->hint = xstrdup("prefer a device with FLR where guests change often; otherwise restart the host "
			  "between guests");
}

/* Everything in f's reset set is in the set, or a group companion VFIO already owns. */
static bool covered(const struct judge *j, const struct pp_function *g)
{
	return in_set(j, g) || (function_on_vfio(g) && g->iommu_group >= 0 && j->f->iommu_group == g->iommu_group);
}

void check_bus_reset_scope(struct judge *j)
{
	const struct pp_function *f = j->f;
	const struct pp_function *out[RELATED_MAX], *all[RELATED_MAX];
	struct pp_function **rs;
	size_t n, n_out = 0, total_out = 0, n_all = 0;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (function_level_reset(f) || reset_evidence_missing(f))
		return;
	n = vfio_reset_set(f, &rs);
	for (size_t i = 0; i < n; i++) {
		if (rs[i] == f)
			continue;
		if (n_all < RELATED_MAX)
			all[n_all++] = rs[i];
		if (!covered(j, rs[i])) {
			total_out++;
			if (n_out < RELATED_MAX)
				out[n_out++] = rs[i];
		}
	}
	free(rs);
	if (!n)
		return;
	x = emit(j, total_out ? PP_WARNING : PP_INFO);
	sb_label(&b, f);
	sb_add(&b, " has no function-level reset: VFIO resets it with a bus reset of %s", f->parent->bdf);
	if (n_all) {
		sb_add(&b, ", which also resets ");
		sb_names(&b, all, n_all, n - 1, NAMES_DRIVER);
	}
	if (total_out) {
		sb_add(&b, "; it does so only when all of them are on vfio-pci and given to the same guest, and ");
		sb_names(&b, out, n_out, total_out, NAMES_PLAIN);
		sb_add(&b, " %s not in the set.", total_out == 1 ? "is" : "are");
	} else {
		sb_add(&b, ": the whole reset set is in the set, so VFIO can reset it (VFIO_DEVICE_PCI_HOT_RESET).");
	}
	x->message = sb_take(&b);
	add_related(x, all, n_all);
	if (f->has_reset_method_attr) {
		char *methods = f->reset_methods.n ? strv_join(&f->reset_methods, " ") : xstrdup("(empty)");
		strv_pushf(&x->evidence, "%s/reset_method: %s", f->bdf, methods);
		free(methods);
	}
	strv_pushf(&x->evidence, "reset set: everything below %s (vfio_pci_dev_set_hot_reset)", f->parent->bdf);
	if (total_out) {
		sb_add(&b, "assign ");
		sb_bdfs(&b, out, n_out);
		sb_add(&b, " with it (bound to vfio-pci) so VFIO can reset the set");
		x->hint = sb_take(&b);
	} else if (n_all) {
		/* every finding carries a hint (the schema requires one) */
		x->hint = xstrdup("keep the functions of its reset set in one guest: VFIO resets them together");
	} else {
		x->hint = xasprintf("nothing to do: nothing else sits below %s, so its bus reset touches only this "
				    "function", f->parent->bdf);
	}
}

void check_reset_quirk(struct judge *j)
{
	struct pp_quirk_hit hits[4];
	size_t n = reset_quirks(j->f, hits, 4);
	struct sbuf b = { 0 };
	struct pp_finding *x;
	bool bug = false;

	if (!n)
		return;
	x = emit(j, PP_WARNING);
	sb_label(&b, j->f);
	sb_add(&b, " is a device with known reset trouble:");
	for (size_t i = 0; i < n; i++) {
		sb_add(&b, "%s %s", i ? ";" : "", hits[i].what);
		strv_pushf(&x->evidence, "%04x:%04x: %s", (unsigned)j->f->vendor_id, (unsigned)j->f->device_id, hits[i].source);
		bug |= hits[i].kind == QUIRK_RESET_BUG;
	}
	sb_add(&b, ".");
	x->message = sb_take(&b);
	x->hint = xstrdup(bug ? "load the vendor-reset module and select its reset (echo device_specific > "
				"reset_method), or restart the host between guests"
			      : "the kernel already avoids that reset; check reset_method for what it uses instead");
}

void check_no_flr(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	char *methods;
	const char *inferred;

	bool advertised = f->has_flr == PP_YES || f->has_af_flr == PP_YES;

	if (has_method(f, "flr") || has_method(f, "af_flr"))
		return;
	/* The kernel's list decides when there is one: a device in quirk_no_flr
	 * (PCI_DEV_FLAGS_NO_FLR_RESET) advertises FLR that pcie_reset_flr and
	 * pci_af_flr refuse, and an administrator may have taken it out of
	 * reset_method; without the list, the capability bits are all there is. */
	if (!f->has_reset_method_attr && advertised)
		return;
	/* Never report what could not be seen: unknown bits need the kernel's own list. */
	if ((f->has_flr == PP_UNKNOWN || f->has_af_flr == PP_UNKNOWN) && !f->has_reset_method_attr)
		return;
	x = emit(j, PP_WARNING);
	sb_label(&b, f);
	if (advertised)
		sb_add(&b, " advertises Function Level Reset in config space, but the kernel does not offer it "
			   "(a quirk_no_flr device, or flr taken out of reset_method).");
	else
		sb_add(&b, " has no Function Level Reset (neither PCIe FLR nor Advanced Features FLR).");
	x->message = sb_take(&b);
	if (f->has_flr == PP_YES)
		strv_pushf(&x->evidence, "%s: PCIe DevCap bit 28 (FLR) set", f->bdf);
	if (f->has_flr == PP_NO)
		strv_pushf(&x->evidence, f->is_pcie == PP_YES ? "%s: PCIe DevCap bit 28 (FLR) clear"
						     : "%s: no PCIe capability, so no PCIe FLR", f->bdf);
	if (f->has_af_flr == PP_NO)
		strv_pushf(&x->evidence, "%s: no AF capability with TP and FLR", f->bdf);
	if (f->has_reset_method_attr) {
		methods = f->reset_methods.n ? strv_join(&f->reset_methods, " ") : xstrdup("(empty)");
		strv_pushf(&x->evidence, "%s/reset_method: %s%s", f->bdf, methods,
			     f->has_flr == PP_UNKNOWN ? " (config space beyond 64 bytes unreadable)" : "");
		free(methods);
	}
	/* Without the kernel's list (before 5.15, an lspci listing) the method is inferred. */
	inferred = f->reset_methods_known ? NULL : function_reset_method(f);
	if (has_method(f, "pm") || (inferred && strcmp(inferred, "pm") == 0))
		x->hint = xstrdup("the kernel falls back to a D3hot->D0 reset (pm), which may not reset everything; "
				  "prefer a device with FLR where guests restart often");
	else if (f->reset_methods.n || inferred)
		x->hint = xasprintf("the kernel resets it with %s instead; see the other reset findings",
				    f->reset_methods.n ? f->reset_methods.v[0] : inferred);
	else
		x->hint = xstrdup("nothing resets it by itself; see no-reset");
}

void check_pm_reset_only(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	bool pm_only;

	if (f->has_reset_method_attr) {
		pm_only = has_method(f, "pm") && !has_method(f, "device_specific") && !has_method(f, "acpi") &&
			  !has_method(f, "flr") && !has_method(f, "af_flr");
	} else {
		pm_only = f->has_flr == PP_NO && f->has_af_flr == PP_NO && f->has_pm == PP_YES &&
			  f->pm_no_soft_reset == PP_NO;
	}
	if (!pm_only)
		return;
	x = emit(j, PP_INFO);
	sb_label(&b, f);
	sb_add(&b, " can reset itself only by a D3hot->D0 power-state transition, which a device may implement "
		   "without resetting its internal state (PCI PM 1.2, 5.4.1).");
	x->message = sb_take(&b);
	if (f->has_reset_method_attr) {
		char *methods = strv_join(&f->reset_methods, " ");
		strv_pushf(&x->evidence, "%s/reset_method: %s", f->bdf, methods);
		free(methods);
	}
	if (f->pm_no_soft_reset == PP_NO)
		strv_pushf(&x->evidence, "%s: PM capability, PMCSR NoSoftRst=0", f->bdf);
	if ((has_method(f, "bus") || has_method(f, "cxl_bus")) && f->parent)
		x->hint = xasprintf("if a guest finds the device in a stale state, a secondary bus reset of %s "
				    "(`pcipass reset --method bus`) resets it fully", f->parent->bdf);
	else
		x->hint = xstrdup("if a guest finds the device in a stale state, restart the host between guests");
}

void check_stale_reset_method(struct judge *j)
{
	const struct pp_function *f = j->f, *parent = f->parent;
	const struct pp_function *sib[RELATED_MAX];
	size_t n = 0;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	char *methods;

	if (!has_method(f, "bus") || !parent || parent->n_children < 2)
		return;
	for (size_t i = 0; i < parent->n_children && n < RELATED_MAX; i++)
		if (parent->children[i] != f)
			sib[n++] = parent->children[i];
	x = emit(j, PP_WARNING);
	sb_label(&b, f);
	sb_add(&b, " lists bus in reset_method, but bus %02x now also holds ", f->addr.bus);
	sb_names(&b, sib, n, parent->n_children - 1, NAMES_PLAIN);
	sb_add(&b, ": the kernel made the list while it was alone there and now refuses that reset.");
	x->message = sb_take(&b);
	add_related(x, sib, n);
	methods = strv_join(&f->reset_methods, " ");
	strv_pushf(&x->evidence, "%s/reset_method: %s", f->bdf, methods);
	free(methods);
	strv_pushf(&x->evidence, "bus %02x below %s holds %zu functions", f->addr.bus, parent->bdf, parent->n_children);
	if (has_function_reset(f))
		x->hint = xasprintf("the kernel still resets it with %s; do not select bus for it",
				    f->reset_methods.v[0]);
	else
		x->hint = xasprintf("writing to its reset file will fail; reset every function below %s together "
				    "with a secondary bus reset while all of them are unbound or on vfio-pci",
				    parent->bdf);
}
