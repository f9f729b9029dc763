/*
 * Reset rules: which resets reach the function, and what a bus reset would hit instead.
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

void check_no_reset(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	bool none = f->has_reset_method_attr ? f->reset_methods.n == 0 : !f->has_reset_attr;

	if (!none)
		return;
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " has no reset method: its state passes from the host to the guest and from one guest to "
		   "the next.");
	x->message = sb_take(&b);
	if (f->has_reset_method_attr)
		strv_pushf(&x->evidence, "%s/reset_method: empty", f->bdf);
	else
		strv_pushf(&x->evidence, "%s: no reset file and no reset_method", f->bdf);
	if (f->parent) {
		const struct below *bl = below_of(j->c, f->parent);
		struct pick p;

		pick_others(j, &bl->endpoints, holds_endpoint_below, f->parent, &p);
		sb_add(&b, "only a secondary bus reset of %s reaches it", f->parent->bdf);
		if (p.total) {
			sb_add(&b, ", and it also resets ");
			sb_names(&b, p.v, p.n, p.total, NAMES_PLAIN);
			sb_add(&b, ": assign them together");
			add_related(x, p.v, p.n);
		}
		sb_add(&b, "; otherwise restart the host between guests");
		x->hint = sb_take(&b);
	} else {
		x->hint = xstrdup("it sits on a root bus, where no bus reset exists: prefer another device, or "
				  "restart the host between guests");
	}
}

void check_bus_reset_scope(struct judge *j)
{
	const struct pp_function *f = j->f, *parent = f->parent;
	const struct below *bl;
	struct pick all, hb;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	char *methods;

	if (!f->has_reset_method_attr || !parent || has_function_reset(f) ||
	    !(has_method(f, "bus") || has_method(f, "cxl_bus")))
		return;
	bl = below_of(j->c, parent);
	pick_others(j, &bl->endpoints, holds_endpoint_below, parent, &all);
	if (!all.total)
		return;
	pick_outsiders(j, &bl->host_bound, holds_host_bound_below, parent, &hb);
	x = emit(j, hb.total ? PP_BLOCKER : PP_WARNING);
	sb_add(&b, "The only reset of ");
	sb_label(&b, f);
	sb_add(&b, " is a secondary bus reset of %s, which would also reset ", parent->bdf);
	sb_names(&b, all.v, all.n, all.total, NAMES_DRIVER);
	if (hb.total) {
		sb_add(&b, "; ");
		sb_bdfs(&b, hb.v, hb.n < NAMED_MAX ? hb.n : NAMED_MAX);
		if (hb.total > NAMED_MAX)
			sb_add(&b, " and %zu more", hb.total - NAMED_MAX);
		sb_add(&b, " %s outside the set on a host driver", hb.total == 1 ? "is" : "are");
	}
	sb_add(&b, ".");
	x->message = sb_take(&b);
	add_related(x, all.v, all.n);
	methods = strv_join(&f->reset_methods, " ");
	strv_pushf(&x->evidence, "%s/reset_method: %s", f->bdf, methods);
	free(methods);
	for (size_t i = 0; i < hb.n && i < NAMED_MAX; i++)
		strv_pushf(&x->evidence, "%s below %s is bound to %s", hb.v[i]->bdf, parent->bdf, hb.v[i]->driver);
	if (hb.total) {
		sb_add(&b, "add ");
		sb_bdfs(&b, hb.v, hb.n);
		sb_add(&b, " to the set or unbind %s; reset with `pcipass reset --method bus` only when every "
			   "function below %s is unbound or bound to vfio-pci", hb.total > 1 ? "them" : "it",
		       parent->bdf);
	} else {
		sb_add(&b, "reset with `pcipass reset --method bus` only while every function below %s is unbound "
			   "or bound to vfio-pci", parent->bdf);
	}
	x->hint = sb_take(&b);
}

void check_no_flr(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	char *methods;

	if (f->has_flr == PP_YES || f->has_af_flr == PP_YES || has_method(f, "flr") || has_method(f, "af_flr"))
		return;
	/* Never report what could not be seen: unknown bits need the kernel's own list. */
	if ((f->has_flr == PP_UNKNOWN || f->has_af_flr == PP_UNKNOWN) && !f->has_reset_method_attr)
		return;
	x = emit(j, PP_WARNING);
	sb_label(&b, f);
	sb_add(&b, " has no Function Level Reset (neither PCIe FLR nor Advanced Features FLR).");
	x->message = sb_take(&b);
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
	if (has_method(f, "pm"))
		x->hint = xstrdup("the kernel falls back to a D3hot->D0 reset (pm), which may not reset everything; "
				  "prefer a device with FLR where guests restart often");
	else if (f->reset_methods.n)
		x->hint = xasprintf("the kernel resets it with %s instead; see the other reset findings",
				    f->reset_methods.v[0]);
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
	x = emit(j, PP_WARNING);
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
