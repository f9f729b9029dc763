/*
 * IOMMU group rules: who else is in the group, why it is big, the DMA alias of a conventional bridge.
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

void check_group_not_viable(struct judge *j)
{
	size_t gi;
	const struct pp_group *g = group_of(j->c, j->f, &gi);
	struct pick p;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!g)
		return;
	pick_outsiders(j, &j->c->group_host_bound[gi], holds_group_host_bound, g, &p);
	if (!p.total)
		return;
	x = emit(j, PP_BLOCKER);
	sb_add(&b, "IOMMU group %d of ", g->id);
	sb_label(&b, j->f);
	sb_add(&b, " also holds ");
	sb_names(&b, p.v, p.n, p.total, NAMES_DRIVER);
	sb_add(&b, ", outside the set, so vfio refuses the group (\"group %d is not viable\").", g->id);
	x->message = sb_take(&b);
	add_related(x, p.v, p.n);
	for (size_t i = 0; i < p.n && i < NAMED_MAX; i++)
		strv_pushf(&x->evidence, "iommu_group %d also holds %s bound to %s", g->id, p.v[i]->bdf, p.v[i]->driver);
	if (p.total > NAMED_MAX)
		strv_pushf(&x->evidence, "iommu_group %d: %zu host-bound endpoints outside the set", g->id, p.total);
	/* Never advise taking what the host needs: the chipset (host and ISA/LPC
	 * bridges) stays, and then this group cannot go to a guest at all. */
	{
		const struct pp_function *chipset = NULL;

		for (size_t i = 0; i < p.n && !chipset; i++)
			if (is_isa_bridge(p.v[i]) || is_host_bridge(p.v[i]))
				chipset = p.v[i];
		if (chipset) {
			sb_add(&b, "the group holds %s, part of the chipset, which stays with the host: this group "
				   "cannot be assigned; use a device in a slot with a group of its own", chipset->bdf);
		} else {
			sb_add(&b, "add ");
			sb_bdfs(&b, p.v, p.n);
			sb_add(&b, "%s to the set, or unbind %s; bridges in the group may stay on pcieport",
			       p.total > p.n ? " (and the rest of the group)" : "",
			       p.total > 1 ? "them from their host drivers" : "it from its host driver");
		}
	}
	x->hint = sb_take(&b);
}

/*
 * The rest of the group: the set's own members there, then endpoints that
 * are unbound or on vfio-pci.  Host-bound outsiders are group-not-viable's.
 */
void check_group_shared(struct judge *j)
{
	size_t gi, outside;
	const struct pp_group *g = group_of(j->c, j->f, &gi);
	const struct pp_function *v[RELATED_MAX];
	size_t n = 0, total = 0;
	struct pick p;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!g)
		return;
	for (size_t i = 0; i < j->set->n; i++) {
		const struct pp_function *s = j->set->members[i];
		if (s != j->f && holds_group_endpoint(g, s)) {
			if (n < RELATED_MAX)
				v[n++] = s;
			total++;
		}
	}
	pick_outsiders(j, &j->c->group_user_owned[gi], holds_group_user_owned, g, &p);
	outside = p.total;
	for (size_t i = 0; i < p.n && n < RELATED_MAX; i++)
		v[n++] = p.v[i];
	total += p.total;
	if (!total)
		return;
	x = emit(j, PP_INFO);
	sb_add(&b, "IOMMU group %d of ", g->id);
	sb_label(&b, j->f);
	sb_add(&b, " also holds ");
	sb_names(&b, v, n, total, NAMES_DRIVER);
	if (!outside)
		sb_add(&b, total > 1 ? ", all in this set." : ", which is in this set.");
	else
		sb_add(&b, ": every endpoint of a group goes to the same guest or stays unbound or on vfio-pci.");
	x->message = sb_take(&b);
	add_related(x, v, n);
	strv_pushf(&x->evidence, "%s/iommu_group -> %d, which holds %zu endpoints", j->f->bdf, g->id,
		     j->c->group_endpoints[gi].n);
	if (!outside) {
		x->hint = xstrdup("nothing to do: they go to the guest together");
	} else {
		sb_add(&b, "keep ");
		sb_bdfs(&b, p.v, p.n);
		sb_add(&b, " unbound or on vfio-pci while the guest runs, or add %s to the set",
		       outside > 1 ? "them" : "it");
		x->hint = sb_take(&b);
	}
}

void check_no_acs(struct judge *j)
{
	const struct pp_function *f = j->f, *culprit = NULL;
	const struct pp_group *g = model_group(j->m, f->iommu_group);
	const struct pp_function *sib[8], *others[RELATED_MAX];
	size_t ancestors = 0, n_others = 0, total, depth = 0;
	bool mf_culprit = false;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!g || f->alias_bridge)
		return;	/* no group, or conventional-bridge explains it */
	for (const struct pp_function *p = f->parent; p && depth < DEPTH_MAX; p = p->parent, depth++)
		ancestors += p->iommu_group == g->id;
	if (g->n_members <= 1 + ancestors)
		return;
	total = g->n_members - 1 - ancestors;
	/* A multifunction device isolates its functions only with ACS on each (kernel pci_device_group). */
	if (f->has_acs == PP_NO) {
		size_t n = slot_siblings(j, sib);
		for (size_t i = 0; i < n; i++)
			mf_culprit |= sib[i]->iommu_group == g->id;
	}
	if (mf_culprit) {
		culprit = f;
	} else {
		depth = 0;
		for (const struct pp_function *p = f->parent; p && depth < DEPTH_MAX; p = p->parent, depth++)
			if ((p->port == PP_PORT_ROOT_PORT || p->port == PP_PORT_DOWNSTREAM ||
			     p->port == PP_PORT_PCI_TO_PCIE) && p->has_acs == PP_NO) {
				culprit = p;
				break;
			}
	}
	if (!culprit)
		return;
	for (size_t i = 0; i < g->n_members && n_others < RELATED_MAX; i++) {
		const struct pp_function *o = g->members[i];
		if (o != f && !is_below(f, o))
			others[n_others++] = o;
	}
	x = emit(j, PP_INFO);
	sb_add(&b, "IOMMU group %d holds %zu more function%s than ", g->id, total, total > 1 ? "s" : "");
	sb_label(&b, f);
	if (mf_culprit)
		sb_add(&b, " because it is one function of multifunction device %04x:%02x:%02x and has no ACS to "
			   "isolate it from the others.", f->addr.domain, f->addr.bus, f->addr.dev);
	else {
		sb_add(&b, " because %s above it, ", port_phrase(culprit));
		sb_label(&b, culprit);
		sb_add(&b, ", lacks ACS.");
	}
	x->message = sb_take(&b);
	add_related(x, others, n_others);
	strv_pushf(&x->evidence, "%s: no ACS extended capability (ID 0x000d)", culprit->bdf);
	strv_pushf(&x->evidence, "iommu_group %d holds %zu functions", g->id, g->n_members);
	x->hint = xstrdup("the group can only be assigned whole; for a smaller group, put the device in a slot "
			  "below an ACS-capable port (overriding ACS only hides the problem)");
}

void check_conventional_bridge(struct judge *j)
{
	const struct pp_function *f = j->f, *ab = f->alias_bridge;
	const struct below *bl;
	struct pick others, out;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!ab)
		return;
	bl = below_of(j->c, ab);
	pick_others(j, &bl->endpoints, holds_endpoint_below, ab, &others);
	pick_outsiders(j, &bl->endpoints, holds_endpoint_below, ab, &out);
	x = emit(j, PP_WARNING);
	sb_label(&b, f);
	sb_add(&b, " is a conventional PCI device behind PCIe-to-PCI bridge ");
	sb_label(&b, ab);
	sb_add(&b, ": the IOMMU sees its DMA under the bridge's requester ID");
	if (others.total) {
		sb_add(&b, ", shared with ");
		sb_names(&b, others.v, others.n, others.total, NAMES_PLAIN);
		if (!out.total)
			sb_add(&b, others.total > 1 ? ", all in this set" : ", which is in this set");
	}
	sb_add(&b, ".");
	x->message = sb_take(&b);
	add_related(x, others.v, others.n);
	if (f->is_pcie == PP_NO)
		strv_pushf(&x->evidence, "%s: no PCIe capability", f->bdf);
	strv_pushf(&x->evidence, "%s: PCIe port type %d (%s)", ab->bdf, (int)ab->port, port_name(ab->port));
	if (out.total) {
		sb_add(&b, "add ");
		sb_bdfs(&b, out.v, out.n);
		sb_add(&b, " to the set, or keep %s unbound or on vfio-pci while the guest runs",
		       out.total > 1 ? "them" : "it");
	} else if (others.total) {
		sb_add(&b, "keep these functions together: every device behind %s goes to the same guest", ab->bdf);
	} else {
		sb_add(&b, "nothing else sits behind %s; devices added there later join this guest's DMA alias",
		       ab->bdf);
	}
	x->hint = sb_take(&b);
}

void check_no_iommu_group(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!j->m->host.iommu_enabled || j->m->host.noiommu_only || f->iommu_group >= 0)
		return;
	/* vfio_group_find_or_alloc: no group, no VFIO device. */
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " has no IOMMU group although the IOMMU is on: vfio-pci cannot bind it.");
	x->message = sb_take(&b);
	strv_pushf(&x->evidence, "%s/iommu_group: absent", f->bdf);
	x->hint = xstrdup("it is outside every IOMMU's scope (or excluded, as intel_iommu=igfx_off does for the "
			  "integrated GPU): it cannot be assigned");
}

void check_direct_mapping_required(struct judge *j)
{
	const struct pp_group *g = j->f->iommu_group >= 0 ? model_group(j->m, j->f->iommu_group) : NULL;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!g || g->direct_region != PP_YES)
		return;
	/* iommu core: a group whose devices need a direct (1:1) mapping is not
	 * given to a user domain (require_direct, since 6.5; Intel RMRR since 3.17). */
	x = emit(j, PP_BLOCKER);
	sb_label(&b, j->f);
	sb_add(&b, " is in IOMMU group %d, which firmware requires to keep a 1:1 mapping (an RMRR or IVMD "
		   "region): the kernel refuses to give that group to VFIO.", g->id);
	x->message = sb_take(&b);
	strv_push(&x->evidence, g->direct_evidence);
	x->hint = xstrdup("update the firmware or move the card to another slot; some firmware setups can drop "
			  "the reserved region for add-in cards");
}
