/*
 * Group prediction (predict.h): drivers/iommu/iommu.c pci_device_group,
 * step by step, over the model.  For each function, in the order the
 * kernel adds them (address order: a bridge before what is below it):
 *
 *  1. pci_for_each_dma_alias: walk up; a conventional bridge, a
 *     PCIe-to-PCI or PCI-to-PCIe bridge carries the DMA of what is below
 *     under its own requester ID: the function takes the first such
 *     bridge's group (get_pci_alias_or_group).  A bridge flagged
 *     BRIDGE_XLATE_ROOT ends the walk.
 *  2. From there, upward until pci_acs_path_enabled(bus->self) holds: the
 *     first bridge whose path to the root does not isolate gives its group.
 *  3. get_pci_alias_group: devices on the same bus that DMA-alias it (or
 *     that it aliases) share its group.
 *  4. get_pci_function_alias_group: a multifunction device without ACS
 *     shares one group with its other functions that lack ACS.
 *
 * "Takes the group of" becomes a union of two sets, so the result is a
 * partition whatever the order.  pci_acs_enabled and pci_acs_flags_enabled
 * (drivers/pci/pci.c) decide isolation; the quirks come first, as in the
 * kernel (pci_dev_specific_acs_enabled).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "predict.h"

#define ACS_EC 0x0020

bool predict_from_capability(const struct pp_model *m)
{
	return !m->host.iommu_enabled || m->host.noiommu_only;
}

static bool is_multifunction(const struct pp_function *f)
{
	/* header type bit 7, and pci_scan_slot sets it on every function > 0;
	 * VFs are never multifunction (pci_iov_add_virtfn) */
	return (f->multifunction || f->addr.fn > 0) && !f->physfn;
}

/* pci_acs_flags_enabled: bits missing from the capability are hard-wired
 * on (egress control aside); the rest must be set in the control register,
 * as pci_std_enable_acs sets them when the IOMMU asks (enable). */
static bool acs_flags_enabled(const struct pp_function *f, bool enable, struct pp_acs_answer *a)
{
	unsigned int flags = PP_ACS_REQ, ctrl;

	if (f->has_acs != PP_YES) {
		a->missing = flags;
		a->reason = f->has_acs == PP_NO ? "no ACS capability" : "ACS unknown (config space not readable)";
		return false;
	}
	ctrl = f->acs_ctrl;
	if (enable)
		ctrl |= f->acs_cap_bits & PP_ACS_REQ;
	flags &= f->acs_cap_bits | ACS_EC;
	a->missing = flags & ~ctrl;
	a->reason = a->missing ? "ACS capable but not enabled" : "ACS";
	return !a->missing;
}

bool predict_acs_enabled(const struct pp_model *m, const struct pp_function *f, struct pp_acs_answer *a)
{
	bool enable = predict_from_capability(m);
	int q;

	memset(a, 0, sizeof(*a));
	q = acs_quirk(&m->host, f, PP_ACS_REQ, enable, &a->quirk);
	if (q >= 0) {
		a->enabled = q > 0;
		a->missing = q > 0 ? 0 : PP_ACS_REQ;
		a->reason = q > 0 ? "isolated by a kernel quirk" : "a kernel quirk says it does not isolate";
		return a->enabled;
	}
	a->quirk.name = NULL;
	if (f->is_pcie != PP_YES) {
		a->missing = PP_ACS_REQ;
		a->reason = "conventional PCI (no PCIe capability): a shared bus";
		return a->enabled = false;
	}
	switch (f->port) {
	case PP_PORT_PCI_TO_PCIE:
	case PP_PORT_PCIE_TO_PCI:
	case PP_PORT_RC_EVENT_COLLECTOR:
		a->missing = PP_ACS_REQ;
		a->reason = "ACS does not apply to this port type";
		return a->enabled = false;
	case PP_PORT_DOWNSTREAM:
	case PP_PORT_ROOT_PORT:
		return a->enabled = acs_flags_enabled(f, predict_from_capability(m), a);
	case PP_PORT_ENDPOINT:
	case PP_PORT_UPSTREAM:
	case PP_PORT_LEGACY_ENDPOINT:
	case PP_PORT_RC_INTEGRATED:
		if (!is_multifunction(f))
			break;
		return a->enabled = acs_flags_enabled(f, predict_from_capability(m), a);
	default:
		break;
	}
	a->reason = "single function: nothing to isolate";
	return a->enabled = true;
}

const struct pp_function *predict_acs_path(const struct pp_model *m, const struct pp_function *start,
					   struct pp_acs_answer *a)
{
	size_t depth = 0;

	for (const struct pp_function *p = start; p && depth <= m->n_functions; p = p->parent, depth++)
		if (!predict_acs_enabled(m, p, a))
			return p;
	return NULL;
}

const char *acs_bits_text(unsigned int bits, char *buf, size_t size)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ PP_ACS_SV, "SV" }, { PP_ACS_RR, "RR" }, { PP_ACS_CR, "CR" }, { PP_ACS_UF, "UF" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 4; i++)
		if (bits & names[i].bit)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? " " : "",
						names[i].name);
	return buf;
}

/* The bridge whose requester ID carries f's DMA (pci_for_each_dma_alias),
 * or NULL; *xlate is set when the walk stops at a translation root. */
static const struct pp_function *alias_bridge(const struct pp_function *f, const struct pp_function **xlate,
					      size_t limit)
{
	size_t depth = 0;

	*xlate = NULL;
	for (const struct pp_function *p = f->parent; p && depth <= limit; p = p->parent, depth++) {
		struct pp_alias_quirk_hit h;

		dma_alias_quirk(p, &h);
		if (h.kind == ALIAS_XLATE_ROOT) {
			*xlate = p;
			return NULL;
		}
		if (p->is_pcie == PP_YES) {
			if (p->port == PP_PORT_PCIE_TO_PCI || p->port == PP_PORT_PCI_TO_PCIE)
				return p;
			continue;
		}
		return p;	/* a conventional bridge: its own ID, or its bus's with PCIE_BRIDGE_ALIAS */
	}
	return NULL;
}

static bool same_bus(const struct pp_function *a, const struct pp_function *b)
{
	return a->addr.domain == b->addr.domain && a->addr.bus == b->addr.bus && a->parent == b->parent;
}

/* Does a DMA under b's requester ID (a DMA-alias quirk of a)? */
static bool aliases(const struct pp_function *a, const struct pp_function *b)
{
	struct pp_alias_quirk_hit h;
	size_t n = dma_alias_quirk(a, &h);
	int devfn = (b->addr.dev << 3) | b->addr.fn;

	for (size_t i = 0; i < n; i++)
		if (h.devfns[i] == devfn)
			return true;
	return false;
}

/* ---- the partition ------------------------------------------------- */

static size_t uf_find(size_t *up, size_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

static void uf_join(size_t *up, size_t a, size_t b)
{
	a = uf_find(up, a);
	b = uf_find(up, b);
	if (a != b) {
		if (a < b)
			up[b] = a;
		else
			up[a] = b;
	}
}

void predict_ensure(const struct pp_model *cm)
{
	struct pp_model *m = (struct pp_model *)cm;	/* a cache of the model's own facts */
	size_t n = m->n_functions, *up, *id;

	if (m->predicted)
		return;
	if (host_lacks(&m->host, "config-space")) {
		/* a listing without hex rows: no ACS, no aliases, no prediction
		 * (HACKING, lspci dumps); never a guess */
		for (size_t i = 0; i < n; i++)
			m->functions[i].predicted_group = -1;
		m->n_predicted_groups = 0;
		m->predicted = true;
		return;
	}
	up = xcalloc(n + 1, sizeof(*up));
	id = xcalloc(n + 1, sizeof(*id));
	for (size_t i = 0; i < n; i++)
		up[i] = i;
	for (size_t i = 0, bus_lo = 0, bus_hi = 0; i < n; i++) {
		struct pp_function *f = &m->functions[i];
		const struct pp_function *xlate, *ab, *bad;
		struct pp_acs_answer a;

		/* The functions are in address order, so f's bus is the run
		 * [bus_lo, bus_hi): step 3 looks there only (linear, not n^2). */
		if (i == bus_hi) {
			bus_lo = i;
			while (bus_hi < n && m->functions[bus_hi].addr.domain == f->addr.domain &&
			       m->functions[bus_hi].addr.bus == f->addr.bus)
				bus_hi++;
		}
		ab = alias_bridge(f, &xlate, n);

		/* 1. the DMA alias walk */
		if (ab) {
			uf_join(up, i, (size_t)(ab - m->functions));
			continue;
		}
		/* 2. upward until the ACS path isolates */
		if (f->parent && !xlate && (bad = predict_acs_path(m, f->parent, &a)) != NULL) {
			(void)bad;
			uf_join(up, i, (size_t)(f->parent - m->functions));
			continue;
		}
		/* 3. DMA aliases on the same bus, both ways; 4. functions without ACS */
		for (size_t k = bus_lo; k < bus_hi; k++) {
			struct pp_function *t = &m->functions[k];
			struct pp_acs_answer ta;

			if (t == f || !same_bus(f, t))
				continue;
			if (aliases(f, t) || aliases(t, f))
				uf_join(up, i, k);
			else if (t->addr.dev == f->addr.dev && is_multifunction(f) && !predict_acs_enabled(m, f, &a) &&
				 !predict_acs_enabled(m, t, &ta))
				uf_join(up, i, k);
		}
	}
	m->n_predicted_groups = 0;
	for (size_t i = 0; i < n; i++)
		id[i] = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		size_t r = uf_find(up, i);

		if (id[r] == (size_t)-1)
			id[r] = m->n_predicted_groups++;
		m->functions[i].predicted_group = (int)id[r];
	}
	free(up);
	free(id);
	m->predicted = true;
}

size_t predict_members(const struct pp_model *m, int gid, struct pp_function ***out)
{
	size_t n = 0;

	predict_ensure(m);
	*out = xcalloc(m->n_functions + 1, sizeof(**out));
	for (size_t i = 0; gid >= 0 && i < m->n_functions; i++)
		if (m->functions[i].predicted_group == gid)
			(*out)[n++] = &m->functions[i];
	return n;
}

char *predict_outlook(const struct pp_model *m, const struct pp_function *f)
{
	struct pp_function **v;
	size_t n, others = 0;
	struct sbuf b = { 0 };

	if (!predict_from_capability(m) || (predict_ensure(m), f->predicted_group < 0))
		return NULL;
	n = predict_members(m, f->predicted_group, &v);
	for (size_t i = 0; i < n; i++)
		if (v[i] != f && !function_is_bridge(v[i]))
			others++;
	if (!others || function_is_bridge(f)) {
		sb_add(&b, "assignable once the IOMMU is on (predicted group %d)", f->predicted_group);
	} else {
		size_t named = 0;

		sb_add(&b, "predicted group %d shares it with", f->predicted_group);
		for (size_t i = 0; i < n; i++)
			if (v[i] != f && !function_is_bridge(v[i]) && named++ < 3)
				sb_add(&b, " %s", v[i]->bdf);
		if (others > 3)
			sb_add(&b, " and %zu more", others - 3);
		sb_add(&b, " once the IOMMU is on");
	}
	free(v);
	return sb_take(&b);
}

struct group_pair {
	int kernel, predicted;
	size_t i;
};

static int cmp_group_pair(const void *a, const void *b)
{
	const struct group_pair *x = a, *y = b;

	if (x->kernel != y->kernel)
		return x->kernel < y->kernel ? -1 : 1;
	if (x->predicted != y->predicted)
		return x->predicted < y->predicted ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* f's line of the difference: both groups' members, in address order. */
static void push_difference(const struct pp_model *m, const struct pp_function *f, struct pp_strv *diff)
{
	struct sbuf kb = { 0 }, pb = { 0 };
	char *k, *p;

	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *t = &m->functions[i];

		if (t->iommu_group < 0)
			continue;
		if (t->iommu_group == f->iommu_group)
			sb_add(&kb, " %s", t->bdf);
		if (t->predicted_group == f->predicted_group)
			sb_add(&pb, " %s", t->bdf);
	}
	k = sb_take(&kb);
	p = sb_take(&pb);
	strv_pushf(diff, "%s: kernel group %d holds%s; predicted group %d holds%s", f->bdf, f->iommu_group, k,
		   f->predicted_group, p);
	free(k);
	free(p);
}

/*
 * Among the functions the kernel grouped, f's kernel group and its
 * predicted group hold the same functions exactly when the functions
 * sharing the kernel group, those sharing the predicted group and those
 * sharing both are as many.  Counting them by sorting the (kernel,
 * predicted) pairs once keeps a big host O(n log n); only a function
 * whose groups differ is listed member by member.
 */
bool predict_matches_kernel(const struct pp_model *m, struct pp_strv *diff)
{
	size_t n = m->n_functions, c = 0;
	struct group_pair *pairs = xcalloc(n + 1, sizeof(*pairs));
	size_t *in_kernel = xcalloc(n + 1, sizeof(*in_kernel)), *in_both = xcalloc(n + 1, sizeof(*in_both));
	size_t *in_predicted;
	bool same = true;

	predict_ensure(m);
	in_predicted = xcalloc(m->n_predicted_groups + 1, sizeof(*in_predicted));
	for (size_t i = 0; i < n; i++)
		if (m->functions[i].iommu_group >= 0) {
			pairs[c++] = (struct group_pair){ m->functions[i].iommu_group, m->functions[i].predicted_group, i };
			in_predicted[m->functions[i].predicted_group]++;
		}
	qsort(pairs, c, sizeof(*pairs), cmp_group_pair);
	for (size_t lo = 0, hi; lo < c; lo = hi) {
		for (hi = lo; hi < c && pairs[hi].kernel == pairs[lo].kernel; hi++)
			;
		for (size_t a = lo, b; a < hi; a = b) {
			for (b = a; b < hi && pairs[b].predicted == pairs[a].predicted; b++)
				;
			for (size_t k = a; k < b; k++) {
				in_kernel[pairs[k].i] = hi - lo;
				in_both[pairs[k].i] = b - a;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct pp_function *f = &m->functions[i];

		if (f->iommu_group < 0 ||
		    (in_kernel[i] == in_both[i] && in_predicted[f->predicted_group] == in_both[i]))
			continue;
		same = false;
		if (diff)
			push_difference(m, f, diff);
	}
	free(pairs);
	free(in_kernel);
	free(in_both);
	free(in_predicted);
	return same;
}

const char *predict_known_divergence(const struct pp_model *m)
{
	if (m->host.cmdline && strstr(m->host.cmdline, "pcie_acs_override="))
		return "pcie_acs_override on the kernel command line (an out-of-tree patch that ignores missing ACS)";
	return NULL;
}

/* ---- why ----------------------------------------------------------- */

static struct pp_why_step *add_step(struct pp_why_step **v, size_t *n, enum pp_why_kind kind,
				    const struct pp_function *from)
{
	struct pp_why_step *s;

	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	s = &(*v)[(*n)++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->from = from;
	return s;
}

size_t predict_why(const struct pp_model *m, const struct pp_function *f, struct pp_why_step **out)
{
	size_t n = 0, depth = 0;
	const struct pp_function *cur = f;

	predict_ensure(m);
	*out = NULL;
	while (cur && depth++ <= m->n_functions) {
		const struct pp_function *xlate, *ab = alias_bridge(cur, &xlate, m->n_functions), *bad;
		struct pp_alias_quirk_hit h;
		struct pp_acs_answer a;
		struct pp_why_step *s;

		/* DMA-alias quirks and functions without ACS join at this level */
		dma_alias_quirk(cur, &h);
		for (size_t k = 0; k < m->n_functions; k++) {
			struct pp_function *t = &m->functions[k];

			if (t != cur && same_bus(cur, t) && (aliases(cur, t) || aliases(t, cur))) {
				if (!n || (*out)[n - 1].kind != WHY_ALIAS_QUIRK || (*out)[n - 1].from != cur) {
					struct pp_alias_quirk_hit th;

					s = add_step(out, &n, WHY_ALIAS_QUIRK, cur);
					if (h.kind == ALIAS_NONE)
						dma_alias_quirk(t, &th);
					else
						th = h;
					s->quirk = th.name;
					s->source = th.source;
				}
				s = &(*out)[n - 1];
				fnv_add_unique(&s->with, &s->n_with, t);
			}
		}
		if (ab) {
			s = add_step(out, &n, WHY_ALIAS_BRIDGE, cur);
			s->to = ab;
			dma_alias_quirk(ab, &h);
			if (h.kind == ALIAS_PCIE_BRIDGE) {
				s->quirk = h.name;
				s->source = h.source;
			}
			cur = ab;
			continue;
		}
		if (xlate) {
			s = add_step(out, &n, WHY_XLATE_ROOT, cur);
			s->to = xlate;
			dma_alias_quirk(xlate, &h);
			s->quirk = h.name;
			s->source = h.source;
		}
		if (!xlate && cur->parent && (bad = predict_acs_path(m, cur->parent, &a)) != NULL) {
			s = add_step(out, &n, WHY_NO_ACS, cur);
			s->to = cur->parent;
			s->culprit = bad;
			s->acs = a;
			cur = cur->parent;
			continue;
		}
		if (is_multifunction(cur) && !predict_acs_enabled(m, cur, &a)) {
			struct pp_why_step *mf = NULL;

			for (size_t k = 0; k < m->n_functions; k++) {
				struct pp_function *t = &m->functions[k];
				struct pp_acs_answer ta;

				if (t == cur || !same_bus(cur, t) || t->addr.dev != cur->addr.dev ||
				    predict_acs_enabled(m, t, &ta))
					continue;
				if (!mf) {
					mf = add_step(out, &n, WHY_MULTIFUNCTION, cur);
					mf->acs = a;
				}
				fnv_add_unique(&mf->with, &mf->n_with, t);
			}
		}
		if (!cur->parent) {
			add_step(out, &n, WHY_ROOT_BUS, cur);
		} else if (!xlate) {
			s = add_step(out, &n, WHY_ISOLATED, cur);
			s->to = cur->parent;
		}
		break;
	}
	return n;
}

void predict_why_free(struct pp_why_step *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].with);
	free(v);
}

const struct pp_function *predict_card_joins(const struct pp_model *m, const struct pp_function *port,
					     struct pp_acs_answer *a)
{
	const struct pp_function *xlate, *ab;

	memset(a, 0, sizeof(*a));
	/* a new PCIe endpoint below port: the alias walk starts at port */
	if (port->is_pcie != PP_YES || port->port == PP_PORT_PCIE_TO_PCI || port->port == PP_PORT_PCI_TO_PCIE) {
		a->reason = "a conventional bus: DMA carries the bridge's requester ID";
		a->missing = PP_ACS_REQ;
		return port;
	}
	ab = alias_bridge(port, &xlate, m->n_functions);
	if (ab) {
		a->reason = "behind a conventional bridge: DMA carries its requester ID";
		a->missing = PP_ACS_REQ;
		return ab;
	}
	if (!xlate && predict_acs_path(m, port, a))
		return port;
	predict_acs_enabled(m, port, a);
	return NULL;
}
