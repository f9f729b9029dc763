/*
 * What the rules share: facts about functions, picking the devices a
 * finding names, and the words of messages.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "quirks.h"
#include "rules.h"

/* A short name for messages: the device name pci.ids gives, else the class. */
const char *short_name(const struct pp_function *f, char *buf, size_t size)
{
	if (f->device_name)
		return f->device_name;
	if (f->class_name)
		return f->class_name;
	if (f->listed_name)
		return f->listed_name;
	snprintf(buf, size, "device %04x:%04x", (unsigned)(f->vendor_id & 0xffff), (unsigned)(f->device_id & 0xffff));
	return buf;
}

/* "0000:01:00.0 (82574L Gigabit Network Connection)" */
void sb_label(struct sbuf *b, const struct pp_function *f)
{
	char buf[32];

	sb_add(b, "%s (%s)", f->bdf, short_name(f, buf, sizeof(buf)));
}

/*
 * "A", "A and B", "A, B and C", "A, B, C and 4 more": the first NAMED_MAX
 * of v labelled, total counting those not in v as well.
 */
void sb_names(struct sbuf *b, const struct pp_function *const *v, size_t n, size_t total,
		     enum name_style style)
{
	size_t shown = n < NAMED_MAX ? n : NAMED_MAX;

	if (total < n)
		total = n;
	for (size_t i = 0; i < shown; i++) {
		if (i)
			sb_add(b, i + 1 == shown && total == shown ? " and " : ", ");
		sb_label(b, v[i]);
		if (style == NAMES_DRIVER && v[i]->driver)
			sb_add(b, " bound to %s", v[i]->driver);
		else if (style == NAMES_DRIVER)
			sb_add(b, " (no driver)");
	}
	if (total > shown)
		sb_add(b, " and %zu more", total - shown);
}

/* The BDFs of v separated by spaces, ready to paste on a command line. */
void sb_bdfs(struct sbuf *b, const struct pp_function *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_add(b, "%s%s", i ? " " : "", v[i]->bdf);
}

void add_related(struct pp_finding *x, const struct pp_function *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strv_contains(&x->related, v[i]->bdf))
			strv_push(&x->related, v[i]->bdf);
}

void fl_push(struct fnlist *l, const struct pp_function *f)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = f;
}

/* What vfio counts in a group: everything but bridges (header type 1 and 2). */
bool is_endpoint(const struct pp_function *f)
{
	if (f->header_type >= 0)
		return f->header_type == 0;
	return !function_is_bridge(f);
}

bool is_host_bridge(const struct pp_function *f)
{
	return f->class_code >= 0 && (f->class_code >> 8) == 0x0600;
}

/* Bridges and host bridges stay with the host: not-endpoint. */
/* Policy, not a kernel refusal: the chipset's ISA/LPC bridge (class 0601) stays with the host. */
bool is_isa_bridge(const struct pp_function *f)
{
	return f->class_code >= 0 && (f->class_code >> 8) == 0x0601;
}

bool never_assigned(const struct pp_function *f)
{
	return !is_endpoint(f) || is_host_bridge(f) || is_isa_bridge(f);
}

bool host_bound(const struct pp_function *f)
{
	return !function_manages_dma(f);
}

bool host_uses(const struct pp_function *f)
{
	if (!host_bound(f))
		return false;
	for (size_t i = 0; i < f->n_netifs; i++)
		if (f->netifs[i].up || f->netifs[i].has_address)
			return true;
	for (size_t i = 0; i < f->n_blockdevs; i++)
		if (f->blockdevs[i].mounted || f->blockdevs[i].has_holders || f->blockdevs[i].swap)
			return true;
	return f->framebuffers.n > 0;
}

bool has_method(const struct pp_function *f, const char *method)
{
	return strv_contains(&f->reset_methods, method);
}

/* Resets that reach this function alone (the kernel's names). */
static const char *const function_resets[] = { "device_specific", "acpi", "flr", "af_flr", "pm" };

bool has_function_reset(const struct pp_function *f)
{
	return function_reset_method(f) != NULL;
}

/* Alone on its parent's bus now (and so a "bus" entry still works). */
static bool alone_on_bus(const struct pp_function *f)
{
	return f->parent && f->parent->n_children == 1;
}

bool reset_evidence_missing(const struct pp_function *f)
{
	return f->reset_attr_unknown && f->config_len == 0 && !f->reset_methods_known;
}

const char *function_reset_method(const struct pp_function *f)
{
	if (reset_evidence_missing(f))
		return NULL;
	if (f->reset_methods_known) {
		/* The kernel tries its list in order (__pci_reset_function_locked);
		 * VFIO_DEVICE_FLAGS_RESET says whether one worked when vfio-pci
		 * enabled the device.  A "bus" entry works only while the
		 * function is alone on its bus (pci_parent_bus_reset). */
		for (size_t i = 0; i < f->reset_methods.n; i++) {
			const char *m = f->reset_methods.v[i];

			for (size_t k = 0; k < sizeof(function_resets) / sizeof(function_resets[0]); k++)
				if (strcmp(m, function_resets[k]) == 0)
					return function_resets[k];
			if (strcmp(m, "bus") == 0 && alone_on_bus(f) && !has_reset_quirk(f->parent, QUIRK_NO_BUS_RESET))
				return "bus";
		}
		return NULL;
	}
	/* Before 5.15: infer from the capabilities, in the kernel's order. */
	if (has_reset_quirk(f, QUIRK_DEVICE_SPECIFIC))
		return "device_specific";
	if (f->has_flr == PP_YES && !has_reset_quirk(f, QUIRK_NO_FLR))
		return "flr";
	if (f->has_af_flr == PP_YES && !has_reset_quirk(f, QUIRK_NO_FLR))
		return "af_flr";
	if (f->has_pm == PP_YES && f->pm_no_soft_reset == PP_NO && !has_reset_quirk(f, QUIRK_NO_PM_RESET))
		return "pm";
	/* pci_parent_bus_reset: the kernel offers "bus" (and creates the reset
	 * file) for a function alone below a bridge; a listing cannot show the file. */
	if ((f->has_reset_attr || f->reset_attr_unknown) && alone_on_bus(f) &&
	    !has_reset_quirk(f->parent, QUIRK_NO_BUS_RESET))
		return "bus";
	return NULL;
}

bool function_level_reset(const struct pp_function *f)
{
	const char *m = function_reset_method(f);

	return m && strcmp(m, "bus") != 0;
}

bool bus_reset_completes(const struct pp_function *bridge)
{
	/* pci_bridge_wait_for_secondary_bus: after a secondary bus reset, a
	 * port faster than 5 GT/s with Link Active reporting waits for
	 * DLLLA (pcie_wait_for_link_delay) and fails with ENOTTY when it does
	 * not come -- but only when some device below has a PM capability
	 * (pci_bus_max_d3cold_delay; otherwise there is nothing to wait
	 * for).  A link that reads inactive with devices behind it (QEMU's
	 * cold-plugged root ports) never comes back active. */
	bool pm_below = false;

	if (bridge->link_speed_cap <= 2 || !bridge->link_active_reporting || bridge->link_active != PP_NO)
		return true;
	for (size_t i = 0; i < bridge->n_children; i++)
		pm_below |= bridge->children[i]->has_pm == PP_YES;
	return !pm_below;
}

size_t vfio_reset_set(const struct pp_function *f, struct pp_function ***out)
{
	/* vfio_pci_dev_set_hot_reset: a function on a root bus has none;
	 * otherwise the slot or bus below its parent bridge, everything under
	 * it (vfio_pci_for_each_slot_or_bus), unless the bridge cannot reset
	 * its bus (PCI_DEV_FLAGS_NO_BUS_RESET on a device there). */
	size_t n;

	*out = NULL;
	if (!f->parent)
		return 0;
	n = model_subtree(f->parent, out);
	for (size_t i = 0; i < n; i++)
		if (has_reset_quirk((*out)[i], QUIRK_NO_BUS_RESET)) {
			free(*out);
			*out = NULL;
			return 0;
		}
	return n;
}

bool is_below(const struct pp_function *f, const struct pp_function *bridge)
{
	size_t depth = 0;

	for (const struct pp_function *p = f->parent; p && depth < DEPTH_MAX; p = p->parent, depth++)
		if (p == bridge)
			return true;
	return false;
}

const char *port_phrase(const struct pp_function *f)
{
	switch (f->port) {
	case PP_PORT_ROOT_PORT: return "a PCIe root port";
	case PP_PORT_UPSTREAM: return "a PCIe switch upstream port";
	case PP_PORT_DOWNSTREAM: return "a PCIe switch downstream port";
	case PP_PORT_PCIE_TO_PCI: return "a PCIe-to-PCI bridge";
	case PP_PORT_PCI_TO_PCIE: return "a PCI-to-PCIe bridge";
	default: break;
	}
	if (is_host_bridge(f))
		return "the host bridge";
	if (is_isa_bridge(f))
		return "the chipset's ISA/LPC bridge";
	if (f->header_type == 2)
		return "a CardBus bridge";
	return "a PCI bridge";
}

/* The function being judged always counts as part of its set. */
bool in_set(const struct judge *j, const struct pp_function *f)
{
	return f == j->f || j->c->member[fn_index(j->c, f)];
}

struct pp_finding *emit(struct judge *j, enum pp_severity severity)
{
	struct pp_findings *out = j->out;
	struct pp_finding *x;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 8;
		out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
	}
	x = &out->v[out->n++];
	memset(x, 0, sizeof(*x));
	x->code = j->check->code;
	x->severity = severity;
	x->fn = j->f;
	x->host_wide = j->check->host_wide;
	return x;
}

/*
 * The members of list that are outside the set.  holds(key, f) tells
 * whether f belongs to list, so the total is counted from the set's side
 * and the scan stops after RELATED_MAX: never a walk of a whole big list.
 */
void pick_outsiders(const struct judge *j, const struct fnlist *list, holds_fn holds, const void *key,
			   struct pick *p)
{
	size_t inside = holds(key, j->f) ? 1 : 0;

	for (size_t i = 0; i < j->set->n; i++)
		if (j->set->members[i] != j->f && holds(key, j->set->members[i]))
			inside++;
	p->n = 0;
	p->total = list->n > inside ? list->n - inside : 0;
	for (size_t i = 0; i < list->n && p->n < RELATED_MAX && p->n < p->total; i++)
		if (!in_set(j, list->v[i]))
			p->v[p->n++] = list->v[i];
}

/* The members of list other than f, in or out of the set. */
void pick_others(const struct judge *j, const struct fnlist *list, holds_fn holds, const void *key,
			struct pick *p)
{
	p->n = 0;
	p->total = list->n - (holds(key, j->f) ? 1 : 0);
	for (size_t i = 0; i < list->n && p->n < RELATED_MAX && p->n < p->total; i++)
		if (list->v[i] != j->f)
			p->v[p->n++] = list->v[i];
}

bool holds_group_endpoint(const void *key, const struct pp_function *f)
{
	return f->iommu_group == ((const struct pp_group *)key)->id && is_endpoint(f);
}

bool holds_group_host_bound(const void *key, const struct pp_function *f)
{
	return holds_group_endpoint(key, f) && host_bound(f);
}

bool holds_group_user_owned(const void *key, const struct pp_function *f)
{
	return holds_group_endpoint(key, f) && !host_bound(f);
}

bool holds_endpoint_below(const void *key, const struct pp_function *f)
{
	return is_endpoint(f) && is_below(f, key);
}

bool holds_host_bound_below(const void *key, const struct pp_function *f)
{
	return holds_endpoint_below(key, f) && host_bound(f);
}

/* Other functions of f's device, VFs excepted: they sit next to f in the sorted model. */
size_t slot_siblings(const struct judge *j, const struct pp_function **v)
{
	const struct pp_model *m = j->m;
	size_t at = fn_index(j->c, j->f), n = 0;

	for (size_t i = at; i-- > 0 && function_same_slot(&m->functions[i], j->f);)
		if (!m->functions[i].physfn && n < 8)
			v[n++] = &m->functions[i];
	for (size_t i = at + 1; i < m->n_functions && function_same_slot(&m->functions[i], j->f); i++)
		if (!m->functions[i].physfn && n < 8)
			v[n++] = &m->functions[i];
	return n;
}
