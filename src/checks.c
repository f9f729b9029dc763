/*
 * The finding catalogue of design.md section 3: one pure function per rule,
 * all registered in one table.  Checks read the model and the assignment
 * set, nothing else.  What needs the whole model (the page map of every
 * MMIO BAR, the endpoints of each IOMMU group, what lies below a bridge) is
 * computed once per checker, and every list a finding names is cut at
 * RELATED_MAX, so judging each of n functions costs O(log n) plus the size
 * of the set: `explain --all` on a big host stays O(n log n).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "render.h"

/* The most functions one finding lists in `related` (the message counts the rest). */
#define RELATED_MAX 64
/* Devices a message names before "and N more". */
#define NAMED_MAX 3
/* Deeper than any real PCI hierarchy; guards the parent walks. */
#define DEPTH_MAX 256

/* ---- text building ---------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static char *sb_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

/* A short name for messages: the device name pci.ids gives, else the class. */
static const char *short_name(const struct pp_function *f, char *buf, size_t size)
{
	if (f->device_name)
		return f->device_name;
	if (f->class_name)
		return f->class_name;
	snprintf(buf, size, "device %04x:%04x", (unsigned)(f->vendor_id & 0xffff), (unsigned)(f->device_id & 0xffff));
	return buf;
}

/* "0000:01:00.0 (82574L Gigabit Network Connection)" */
static void sb_label(struct sbuf *b, const struct pp_function *f)
{
	char buf[32];

	sb_add(b, "%s (%s)", f->bdf, short_name(f, buf, sizeof(buf)));
}

enum name_style { NAMES_PLAIN, NAMES_DRIVER };

/*
 * "A", "A and B", "A, B and C", "A, B, C and 4 more": the first NAMED_MAX
 * of v labelled, total counting those not in v as well.
 */
static void sb_names(struct sbuf *b, const struct pp_function *const *v, size_t n, size_t total,
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
static void sb_bdfs(struct sbuf *b, const struct pp_function *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_add(b, "%s%s", i ? " " : "", v[i]->bdf);
}

static void add_related(struct pp_finding *x, const struct pp_function *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strv_contains(&x->related, v[i]->bdf))
			strv_push(&x->related, v[i]->bdf);
}

/* ---- facts about functions ---------------------------------------------- */

struct fnlist {
	const struct pp_function **v;
	size_t n, cap;
};

static void fl_push(struct fnlist *l, const struct pp_function *f)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = f;
}

/* What vfio counts in a group: everything but bridges (header type 1 and 2). */
static bool is_endpoint(const struct pp_function *f)
{
	if (f->header_type >= 0)
		return f->header_type == 0;
	return !function_is_bridge(f);
}

static bool is_host_bridge(const struct pp_function *f)
{
	return f->class_code >= 0 && (f->class_code >> 8) == 0x0600;
}

/* Bridges and host bridges stay with the host: not-endpoint. */
static bool never_assigned(const struct pp_function *f)
{
	return !is_endpoint(f) || is_host_bridge(f);
}

static bool host_bound(const struct pp_function *f)
{
	return f->driver && !function_is_user_owned(f);
}

static bool has_method(const struct pp_function *f, const char *method)
{
	return strv_contains(&f->reset_methods, method);
}

/* Resets that reach this function alone (the kernel's names). */
static const char *const function_resets[] = { "device_specific", "acpi", "flr", "af_flr", "pm" };

static bool has_function_reset(const struct pp_function *f)
{
	for (size_t i = 0; i < sizeof(function_resets) / sizeof(function_resets[0]); i++)
		if (has_method(f, function_resets[i]))
			return true;
	return false;
}

static bool same_slot(const struct pp_function *a, const struct pp_function *b)
{
	return a->addr.domain == b->addr.domain && a->addr.bus == b->addr.bus && a->addr.dev == b->addr.dev;
}

static bool is_below(const struct pp_function *f, const struct pp_function *bridge)
{
	size_t depth = 0;

	for (const struct pp_function *p = f->parent; p && depth < DEPTH_MAX; p = p->parent, depth++)
		if (p == bridge)
			return true;
	return false;
}

static const char *port_phrase(const struct pp_function *f)
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
	if (f->header_type == 2)
		return "a CardBus bridge";
	return "a PCI bridge";
}

/* ---- the checker: whole-model facts computed once ------------------------ */

/* One MMIO BAR and the pages it touches. */
struct page_res {
	uint64_t first, last;		/* page numbers */
	const struct pp_function *fn;
	const struct pp_bar *bar;
};

/* Endpoints below a bridge: what its secondary bus reset hits. */
struct below {
	bool done;
	struct fnlist endpoints, host_bound;
};

struct pp_checker {
	const struct pp_model *m;
	uint64_t page;

	/* every MMIO BAR 0-5, sorted by first page; reach[i] is the highest last page of res[0..i] */
	struct page_res *res;
	uint64_t *reach;
	size_t n_res;

	/* parallel to m->groups: endpoints, and those bound to a host driver or not */
	struct fnlist *group_endpoints, *group_host_bound, *group_user_owned;

	/* per function index, filled on first use */
	struct below *below;

	/* membership of the set judged last, as one byte per function, and a copy of that set */
	unsigned char *member;
	struct pp_function **marked;
	size_t marked_n;
};

static size_t fn_index(const struct pp_checker *c, const struct pp_function *f)
{
	return (size_t)(f - c->m->functions);
}

static int cmp_res(const void *a, const void *b)
{
	const struct page_res *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return (x->last > y->last) - (x->last < y->last);
}

static void build_page_map(struct pp_checker *c)
{
	const struct pp_model *m = c->m;
	size_t n = 0;

	for (size_t i = 0; i < m->n_functions; i++)
		for (size_t k = 0; k < m->functions[i].n_bars; k++)
			n++;
	c->res = xcalloc(n, sizeof(*c->res));
	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];

		for (size_t k = 0; k < f->n_bars; k++) {
			const struct pp_bar *b = &f->bars[k];

			/* BARs proper: not the ROM (6), the SR-IOV BARs (7-12) or bridge windows. */
			if (b->kind == PP_BAR_IO || b->index < 0 || b->index > 5)
				continue;
			c->res[c->n_res].first = b->start / c->page;
			c->res[c->n_res].last = b->end / c->page;
			c->res[c->n_res].fn = f;
			c->res[c->n_res].bar = b;
			c->n_res++;
		}
	}
	qsort(c->res, c->n_res, sizeof(*c->res), cmp_res);
	c->reach = xcalloc(c->n_res, sizeof(*c->reach));
	for (size_t i = 0; i < c->n_res; i++)
		c->reach[i] = i && c->reach[i - 1] > c->res[i].last ? c->reach[i - 1] : c->res[i].last;
}

static void build_groups(struct pp_checker *c)
{
	const struct pp_model *m = c->m;

	c->group_endpoints = xcalloc(m->n_groups, sizeof(*c->group_endpoints));
	c->group_host_bound = xcalloc(m->n_groups, sizeof(*c->group_host_bound));
	c->group_user_owned = xcalloc(m->n_groups, sizeof(*c->group_user_owned));
	for (size_t g = 0; g < m->n_groups; g++)
		for (size_t i = 0; i < m->groups[g].n_members; i++) {
			const struct pp_function *f = m->groups[g].members[i];

			if (!is_endpoint(f))
				continue;
			fl_push(&c->group_endpoints[g], f);
			fl_push(host_bound(f) ? &c->group_host_bound[g] : &c->group_user_owned[g], f);
		}
}

struct pp_checker *checker_new(const struct pp_model *m)
{
	struct pp_checker *c = xcalloc(1, sizeof(*c));

	c->m = m;
	c->page = m->host.page_size ? m->host.page_size : 4096;
	build_page_map(c);
	build_groups(c);
	c->below = xcalloc(m->n_functions, sizeof(*c->below));
	c->member = xcalloc(m->n_functions, 1);
	return c;
}

void checker_free(struct pp_checker *c)
{
	if (!c)
		return;
	free(c->res);
	free(c->reach);
	for (size_t g = 0; g < c->m->n_groups; g++) {
		free(c->group_endpoints[g].v);
		free(c->group_host_bound[g].v);
		free(c->group_user_owned[g].v);
	}
	free(c->group_endpoints);
	free(c->group_host_bound);
	free(c->group_user_owned);
	for (size_t i = 0; i < c->m->n_functions; i++) {
		free(c->below[i].endpoints.v);
		free(c->below[i].host_bound.v);
	}
	free(c->below);
	free(c->member);
	free(c->marked);
	free(c);
}

static const struct below *below_of(struct pp_checker *c, const struct pp_function *bridge)
{
	struct below *b = &c->below[fn_index(c, bridge)];

	if (!b->done) {
		struct pp_function **all;
		size_t n = model_subtree(bridge, &all);

		for (size_t i = 0; i < n; i++) {
			if (!is_endpoint(all[i]))
				continue;
			fl_push(&b->endpoints, all[i]);
			if (host_bound(all[i]))
				fl_push(&b->host_bound, all[i]);
		}
		free(all);
		b->done = true;
	}
	return b;
}

static const struct pp_group *group_of(const struct pp_checker *c, const struct pp_function *f, size_t *index)
{
	const struct pp_group *g = model_group(c->m, f->iommu_group);

	if (g)
		*index = (size_t)(g - c->m->groups);
	return g;
}

bool set_contains(const struct pp_set *set, const struct pp_function *f)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->members[i] == f)
			return true;
	return false;
}

/*
 * Mark the set's members.  Judging the same set again costs one compare;
 * a new set clears only the previous set's marks, so judging n sets of
 * one function each stays O(n).
 */
static void mark_set(struct pp_checker *c, const struct pp_set *set)
{
	if (set->n == c->marked_n && (!set->n || memcmp(set->members, c->marked, set->n * sizeof(*c->marked)) == 0))
		return;
	for (size_t i = 0; i < c->marked_n; i++)
		c->member[fn_index(c, c->marked[i])] = 0;
	c->marked = xrealloc(c->marked, (set->n ? set->n : 1) * sizeof(*c->marked));
	if (set->n)
		memcpy(c->marked, set->members, set->n * sizeof(*c->marked));
	c->marked_n = set->n;
	for (size_t i = 0; i < set->n; i++)
		c->member[fn_index(c, set->members[i])] = 1;
}

/* ---- one judgement --------------------------------------------------------- */

struct check;

struct judge {
	struct pp_checker *c;
	const struct pp_model *m;
	const struct pp_set *set;
	const struct pp_function *f;
	const struct check *check;
	struct pp_findings *out;
};

struct check {
	const char *code;
	enum pp_severity severity;	/* as the catalogue lists it; a rule may raise or lower it */
	bool host_wide;
	bool endpoints_only;		/* not run for bridges, which never go to a guest */
	void (*run)(struct judge *j);
};

/* The function being judged always counts as part of its set. */
static bool in_set(const struct judge *j, const struct pp_function *f)
{
	return f == j->f || j->c->member[fn_index(j->c, f)];
}

static struct pp_finding *emit(struct judge *j, enum pp_severity severity)
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

/* Some members of a list, and how many there are in all. */
struct pick {
	const struct pp_function *v[RELATED_MAX];
	size_t n, total;
};

typedef bool (*holds_fn)(const void *key, const struct pp_function *f);

/*
 * The members of list that are outside the set.  holds(key, f) tells
 * whether f belongs to list, so the total is counted from the set's side
 * and the scan stops after RELATED_MAX: never a walk of a whole big list.
 */
static void pick_outsiders(const struct judge *j, const struct fnlist *list, holds_fn holds, const void *key,
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
static void pick_others(const struct judge *j, const struct fnlist *list, holds_fn holds, const void *key,
			struct pick *p)
{
	p->n = 0;
	p->total = list->n - (holds(key, j->f) ? 1 : 0);
	for (size_t i = 0; i < list->n && p->n < RELATED_MAX && p->n < p->total; i++)
		if (list->v[i] != j->f)
			p->v[p->n++] = list->v[i];
}

static bool holds_group_endpoint(const void *key, const struct pp_function *f)
{
	return f->iommu_group == ((const struct pp_group *)key)->id && is_endpoint(f);
}

static bool holds_group_host_bound(const void *key, const struct pp_function *f)
{
	return holds_group_endpoint(key, f) && host_bound(f);
}

static bool holds_group_user_owned(const void *key, const struct pp_function *f)
{
	return holds_group_endpoint(key, f) && !host_bound(f);
}

static bool holds_endpoint_below(const void *key, const struct pp_function *f)
{
	return is_endpoint(f) && is_below(f, key);
}

static bool holds_host_bound_below(const void *key, const struct pp_function *f)
{
	return holds_endpoint_below(key, f) && host_bound(f);
}

/* ---- the checks, in catalogue order of importance ------------------------- */

static bool cmdline_word(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; p && (p = strstr(p, word)); p += n)
		if ((p == cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static void check_iommu_disabled(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	const char *cmd = h->cmdline ? h->cmdline : "";
	struct pp_finding *x;

	if (h->iommu_enabled)
		return;
	x = emit(j, PP_BLOCKER);
	x->message = xstrdup("No IOMMU is active on this host (no IOMMU groups), so no PCI function can be "
			     "isolated for a guest.");
	strv_pushf(&x->evidence, "sys/kernel/iommu_groups: no groups");
	if (h->cmdline)
		strv_pushf(&x->evidence, "proc/cmdline: %s", h->cmdline);
	if (cmdline_word(cmd, "intel_iommu=off"))
		x->hint = xstrdup("remove intel_iommu=off from the kernel command line and boot with intel_iommu=on");
	else if (cmdline_word(cmd, "amd_iommu=off"))
		x->hint = xstrdup("remove amd_iommu=off from the kernel command line");
	else if (cmdline_word(cmd, "iommu=off"))
		x->hint = xstrdup("remove iommu=off from the kernel command line");
	else if (h->cpu_vendor == PP_CPU_INTEL && cmdline_word(cmd, "intel_iommu=on"))
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

static void check_no_interrupt_remapping(struct judge *j)
{
	const struct pp_host *h = &j->m->host;
	const char *cmd = h->cmdline ? h->cmdline : "";
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
	if (cmdline_word(cmd, "intremap=off") || cmdline_word(cmd, "nointremap"))
		x->hint = xasprintf("remove %s from the kernel command line%s",
				    cmdline_word(cmd, "nointremap") ? "nointremap" : "intremap=off",
				    unsafe ? " and drop allow_unsafe_interrupts" : "");
	else if (cmdline_word(cmd, "amd_iommu_intr=legacy"))
		x->hint = xasprintf("remove amd_iommu_intr=legacy from the kernel command line%s",
				    unsafe ? " and drop allow_unsafe_interrupts" : "");
	else if (unsafe)
		x->hint = xstrdup("assign devices only to trusted guests, or use a platform whose IOMMU remaps "
				  "interrupts and drop allow_unsafe_interrupts");
	else
		x->hint = xstrdup("enable interrupt remapping in the firmware setup; only for trusted guests, "
				  "vfio_iommu_type1.allow_unsafe_interrupts=1 lets vfio attach groups anyway");
}

static void check_not_endpoint(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!never_assigned(f))
		return;
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " is %s, not an endpoint: bridges stay with the host and are never assigned.", port_phrase(f));
	x->message = sb_take(&b);
	if (f->header_type >= 0 && f->header_type != 0)
		strv_pushf(&x->evidence, "%s: header type %d (config byte 0x0e)", f->bdf, f->header_type);
	if (f->class_code >= 0)
		strv_pushf(&x->evidence, "%s: class %04lx", f->bdf, (unsigned long)(f->class_code >> 8));
	if (f->port >= 0)
		strv_pushf(&x->evidence, "%s: PCIe port type %d (%s)", f->bdf, (int)f->port, port_name(f->port));
	if (is_host_bridge(f)) {
		x->hint = xstrdup("the host bridge stays with the host; assign endpoint functions instead");
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

static void check_group_not_viable(struct judge *j)
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
	sb_add(&b, "add ");
	sb_bdfs(&b, p.v, p.n);
	sb_add(&b, "%s to the set, or unbind %s; bridges in the group may stay on pcieport",
	       p.total > p.n ? " (and the rest of the group)" : "",
	       p.total > 1 ? "them from their host drivers" : "it from its host driver");
	x->hint = sb_take(&b);
}

static void check_missing_function0(struct judge *j)
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
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " is function %u of multifunction device %04x:%02x:%02x, but its function 0, ", f->addr.fn,
	       f->addr.domain, f->addr.bus, f->addr.dev);
	sb_label(&b, fn0);
	sb_add(&b, ", is not in the set: guests scan function 0 first and would not find it.");
	x->message = sb_take(&b);
	add_related(x, &fn0, 1);
	strv_pushf(&x->evidence, "%s exists%s", fn0->bdf, fn0->multifunction ? " (header type bit 7: multifunction)" : "");
	x->hint = xasprintf("add %s to the set", fn0->bdf);
}

static void check_no_reset(struct judge *j)
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

static void check_bus_reset_scope(struct judge *j)
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

/* Functions other than f whose MMIO BARs touch the pages of bar. */
struct sharing {
	const struct pp_function *fn[RELATED_MAX];
	const struct pp_bar *bar[RELATED_MAX];
	size_t n, outside;
	const struct pp_function *first_outside;
	const struct pp_bar *first_outside_bar;
};

static void page_sharers(const struct judge *j, const struct pp_bar *bar, struct sharing *s)
{
	const struct pp_checker *c = j->c;
	uint64_t p0 = bar->start / c->page, p1 = bar->end / c->page;
	size_t lo = 0, hi = c->n_res;

	memset(s, 0, sizeof(*s));
	/* hi: the first resource starting past p1; walk down while one can still reach p0. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->res[mid].first <= p1)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && c->reach[i] >= p0;) {
		const struct page_res *r = &c->res[i];
		bool seen = false;

		if (r->last < p0 || r->fn == j->f)
			continue;
		for (size_t k = 0; k < s->n; k++)
			seen |= s->fn[k] == r->fn;
		if (seen || s->n == RELATED_MAX)
			continue;
		s->fn[s->n] = r->fn;
		s->bar[s->n] = r->bar;
		s->n++;
		if (!in_set(j, r->fn)) {
			if (!s->outside) {
				s->first_outside = r->fn;
				s->first_outside_bar = r->bar;
			}
			s->outside++;
		}
	}
}

static void bar_evidence(struct pp_finding *x, const struct pp_function *f, const struct pp_bar *b)
{
	strv_pushf(&x->evidence, "%s/resource line %d: 0x%llx-0x%llx", f->bdf, b->index, (unsigned long long)b->start,
		     (unsigned long long)b->end);
}

/* The outsiders sharing a page, for related and the hint. */
static size_t sharing_outsiders(const struct judge *j, const struct sharing *s, const struct pp_function **v)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (!in_set(j, s->fn[i]))
			v[n++] = s->fn[i];
	return n;
}

static void sharing_hint(const struct judge *j, struct pp_finding *x, const struct sharing *s)
{
	const struct pp_function *out[RELATED_MAX];
	size_t n = sharing_outsiders(j, s, out), assignable = 0;
	struct sbuf b = { 0 };

	add_related(x, out, n);
	sb_add(&b, "boot with pci=resource_alignment=%s so the kernel gives its BARs whole pages", j->f->bdf);
	for (size_t i = 0; i < n; i++)
		assignable += !never_assigned(out[i]);
	if (assignable) {
		sb_add(&b, ", or add");
		for (size_t i = 0; i < n; i++)
			if (!never_assigned(out[i]))
				sb_add(&b, " %s", out[i]->bdf);
		sb_add(&b, " to the set");
	}
	x->hint = sb_take(&b);
}

static void check_unaligned_bar(struct judge *j)
{
	const struct pp_function *f = j->f;

	for (size_t i = 0; i < f->n_bars; i++) {
		const struct pp_bar *bar = &f->bars[i];
		struct sharing s;
		struct pp_finding *x;
		struct sbuf b = { 0 };

		if (bar->kind == PP_BAR_IO || bar->index > 5 || bar->start % j->c->page == 0)
			continue;
		page_sharers(j, bar, &s);
		if (!s.outside)
			continue;
		x = emit(j, PP_BLOCKER);
		sb_add(&b, "BAR%d of ", bar->index);
		sb_label(&b, f);
		sb_add(&b, " starts at 0x%llx, not on a %llu-byte page boundary, and shares its page with BAR%d of ",
		       (unsigned long long)bar->start, (unsigned long long)j->c->page, s.first_outside_bar->index);
		sb_label(&b, s.first_outside);
		if (s.outside > 1)
			sb_add(&b, " and %zu more", s.outside - 1);
		sb_add(&b, ", outside the set: a guest given that page could reach the other device's registers.");
		x->message = sb_take(&b);
		bar_evidence(x, f, bar);
		bar_evidence(x, s.first_outside, s.first_outside_bar);
		strv_pushf(&x->evidence, "page size %llu", (unsigned long long)j->c->page);
		sharing_hint(j, x, &s);
	}
}

static void check_subpage_bar(struct judge *j)
{
	const struct pp_function *f = j->f;

	for (size_t i = 0; i < f->n_bars; i++) {
		const struct pp_bar *bar = &f->bars[i];
		uint64_t size = bar->end - bar->start + 1;
		bool aligned = bar->start % j->c->page == 0;
		struct sharing s;
		struct pp_finding *x;
		struct sbuf b = { 0 };

		if (bar->kind == PP_BAR_IO || bar->index > 5 || size >= j->c->page)
			continue;
		page_sharers(j, bar, &s);
		if (!aligned && s.outside)
			continue;	/* unaligned-bar says it */
		x = emit(j, s.outside ? PP_BLOCKER : PP_INFO);
		sb_add(&b, "BAR%d of ", bar->index);
		sb_label(&b, f);
		sb_add(&b, " is %llu bytes, smaller than a %llu-byte page", (unsigned long long)size,
		       (unsigned long long)j->c->page);
		if (s.outside) {
			sb_add(&b, ", and shares that page with BAR%d of ", s.first_outside_bar->index);
			sb_label(&b, s.first_outside);
			if (s.outside > 1)
				sb_add(&b, " and %zu more", s.outside - 1);
			sb_add(&b, ", outside the set: the guest could reach that device's registers.");
		} else if (!aligned) {
			sb_add(&b, "; it does not start on a page boundary, so vfio-pci cannot map it and traps every "
				   "guest access (slower).");
		} else if (s.n) {
			sb_add(&b, "; the rest of its page holds only BARs of functions in this set.");
		} else {
			sb_add(&b, "; it starts on a page boundary and no other device uses that page, so vfio-pci "
				   "maps the whole page.");
		}
		x->message = sb_take(&b);
		bar_evidence(x, f, bar);
		if (s.outside)
			bar_evidence(x, s.first_outside, s.first_outside_bar);
		strv_pushf(&x->evidence, "page size %llu", (unsigned long long)j->c->page);
		if (s.outside)
			sharing_hint(j, x, &s);
		else
			x->hint = xstrdup(aligned ? "nothing to do: vfio-pci reserves the rest of the page"
						  : "nothing to do for safety; for speed, boot with "
						    "pci=resource_alignment to give the BAR a page of its own");
	}
}

static void check_host_in_use(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf what = { 0 }, b = { 0 }, hint = { 0 };
	size_t uses = 0;

	if (!host_bound(f))
		return;
	for (size_t i = 0; i < f->n_netifs; i++) {
		const struct pp_netif *n = &f->netifs[i];

		if (!n->up && !n->has_address)
			continue;
		sb_add(&what, "%sinterface %s is %s", uses++ ? ", " : "", n->name,
		       n->up && n->has_address ? "up with addresses" : n->up ? "up" : "configured with addresses");
		sb_add(&hint, "%sip link set %s down", hint.len ? "; " : "", n->name);
	}
	for (size_t i = 0; i < f->n_blockdevs; i++) {
		const struct pp_blockdev *d = &f->blockdevs[i];

		if (!d->mounted && !d->has_holders)
			continue;
		sb_add(&what, "%sdisk %s is %s", uses++ ? ", " : "", d->name,
		       d->mounted && d->has_holders ? "mounted and held" : d->mounted ? "mounted" : "held by dm/md");
		sb_add(&hint, "%s%s %s", hint.len ? "; " : "", d->mounted ? "unmount" : "stop the holders of",
		       d->name);
	}
	for (size_t i = 0; i < f->framebuffers.n; i++) {
		sb_add(&what, "%sframebuffer %s lives on it", uses++ ? ", " : "", f->framebuffers.v[i]);
		sb_add(&hint, "%smove the console off %s", hint.len ? "; " : "", f->framebuffers.v[i]);
	}
	if (!uses) {
		free(what.s);
		free(hint.s);
		return;
	}
	x = emit(j, PP_WARNING);
	sb_label(&b, f);
	sb_add(&b, " is in use by the host (%s): taking it away cuts that off.", what.s);
	x->message = sb_take(&b);
	for (size_t i = 0; i < f->n_netifs; i++)
		if (f->netifs[i].up || f->netifs[i].has_address)
			strv_pushf(&x->evidence, "net/%s: operstate %s%s", f->netifs[i].name,
				     f->netifs[i].operstate ? f->netifs[i].operstate : "unknown",
				     f->netifs[i].has_address ? ", IPv6 address in proc/net/if_inet6" : "");
	for (size_t i = 0; i < f->n_blockdevs; i++) {
		if (f->blockdevs[i].mounted)
			strv_pushf(&x->evidence, "proc/mounts: /dev/%s", f->blockdevs[i].name);
		if (f->blockdevs[i].has_holders)
			strv_pushf(&x->evidence, "block/%s/holders is not empty", f->blockdevs[i].name);
	}
	for (size_t i = 0; i < f->framebuffers.n; i++)
		strv_pushf(&x->evidence, "graphics/%s belongs to %s", f->framebuffers.v[i], f->bdf);
	sb_add(&hint, " first; `pcipass unbind` refuses it without --force");
	x->hint = sb_take(&hint);
	free(what.s);
}

static void check_boot_vga(struct judge *j)
{
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (j->f->boot_vga != 1)
		return;
	x = emit(j, PP_WARNING);
	sb_label(&b, j->f);
	sb_add(&b, " is the boot VGA device: the firmware and the host console use it.");
	x->message = sb_take(&b);
	strv_pushf(&x->evidence, "%s/boot_vga: 1", j->f->bdf);
	x->hint = xstrdup("give the host another console (serial or a second GPU) first; `pcipass unbind` refuses "
			  "it without --force, and the guest may need the card's ROM");
}

static void check_conventional_bridge(struct judge *j)
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

/* Other functions of f's device, VFs excepted: they sit next to f in the sorted model. */
static size_t slot_siblings(const struct judge *j, const struct pp_function **v)
{
	const struct pp_model *m = j->m;
	size_t at = fn_index(j->c, j->f), n = 0;

	for (size_t i = at; i-- > 0 && same_slot(&m->functions[i], j->f);)
		if (!m->functions[i].physfn && n < 8)
			v[n++] = &m->functions[i];
	for (size_t i = at + 1; i < m->n_functions && same_slot(&m->functions[i], j->f); i++)
		if (!m->functions[i].physfn && n < 8)
			v[n++] = &m->functions[i];
	return n;
}

static void check_multifunction_partial(struct judge *j)
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
	x = emit(j, PP_WARNING);
	sb_label(&b, j->f);
	sb_add(&b, " goes without ");
	sb_names(&b, out, k, k, NAMES_PLAIN);
	sb_add(&b, ", %s of the same device: the functions of a device share its resets and usually its "
		   "IOMMU group.", k > 1 ? "other functions" : "another function");
	x->message = sb_take(&b);
	add_related(x, out, k);
	strv_pushf(&x->evidence, "slot %04x:%02x:%02x has %zu functions", j->f->addr.domain, j->f->addr.bus, j->f->addr.dev,
		     n + 1);
	sb_add(&b, "add ");
	sb_bdfs(&b, out, k);
	sb_add(&b, " to the set, or keep %s unbound or on vfio-pci while the guest runs", k > 1 ? "them" : "it");
	x->hint = sb_take(&b);
}

static void check_no_flr(struct judge *j)
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

static void check_pm_reset_only(struct judge *j)
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

static void check_stale_reset_method(struct judge *j)
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

static void check_bus_range_mismatch(struct judge *j)
{
	const struct pp_function *f = j->f, *p = f->parent;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!p || p->secondary_bus < 0 || p->subordinate_bus < 0)
		return;
	if ((int)f->addr.bus >= p->secondary_bus && (int)f->addr.bus <= p->subordinate_bus)
		return;
	x = emit(j, PP_WARNING);
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

static void check_sriov_vf(struct judge *j)
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

/*
 * The rest of the group: the set's own members there, then endpoints that
 * are unbound or on vfio-pci.  Host-bound outsiders are group-not-viable's.
 */
static void check_group_shared(struct judge *j)
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

static void check_no_acs(struct judge *j)
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

static void check_host_driver_bound(struct judge *j)
{
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!host_bound(j->f))
		return;
	x = emit(j, PP_INFO);
	sb_label(&b, j->f);
	sb_add(&b, " is bound to the host driver %s.", j->f->driver);
	x->message = sb_take(&b);
	strv_pushf(&x->evidence, "%s/driver -> %s", j->f->bdf, j->f->driver);
	x->hint = xasprintf("`pcipass unbind %s` moves it to vfio-pci; `pcipass rebind` gives it back to %s",
			    j->f->bdf, j->f->driver);
}

static void check_limited_access(struct judge *j)
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

/*
 * The table.  Order matters twice: it is the order findings of one
 * severity are listed in, and the first blocker is the verdict `list`
 * shows, so the most fundamental rule comes first.
 */
static const struct check checks[] = {
	{ "iommu-disabled", PP_BLOCKER, true, false, check_iommu_disabled },
	{ "no-interrupt-remapping", PP_BLOCKER, true, false, check_no_interrupt_remapping },
	{ "not-endpoint", PP_BLOCKER, false, false, check_not_endpoint },
	{ "group-not-viable", PP_BLOCKER, false, true, check_group_not_viable },
	{ "missing-function0", PP_BLOCKER, false, true, check_missing_function0 },
	{ "no-reset", PP_BLOCKER, false, true, check_no_reset },
	{ "bus-reset-scope", PP_WARNING, false, true, check_bus_reset_scope },
	{ "unaligned-bar", PP_BLOCKER, false, true, check_unaligned_bar },
	{ "subpage-bar", PP_INFO, false, true, check_subpage_bar },
	{ "host-in-use", PP_WARNING, false, true, check_host_in_use },
	{ "boot-vga", PP_WARNING, false, true, check_boot_vga },
	{ "conventional-bridge", PP_WARNING, false, true, check_conventional_bridge },
	{ "multifunction-partial", PP_WARNING, false, true, check_multifunction_partial },
	{ "no-flr", PP_WARNING, false, true, check_no_flr },
	{ "pm-reset-only", PP_WARNING, false, true, check_pm_reset_only },
	{ "stale-reset-method", PP_WARNING, false, true, check_stale_reset_method },
	{ "bus-range-mismatch", PP_WARNING, false, false, check_bus_range_mismatch },
	{ "sriov-vf", PP_INFO, false, true, check_sriov_vf },
	{ "group-shared", PP_INFO, false, true, check_group_shared },
	{ "no-acs", PP_INFO, false, true, check_no_acs },
	{ "host-driver-bound", PP_INFO, false, true, check_host_driver_bound },
	{ "limited-access", PP_INFO, true, false, check_limited_access },
};
#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

size_t checks_catalogue(const char *const **codes)
{
	static const char *names[N_CHECKS + 1];

	if (!names[0])
		for (size_t i = 0; i < N_CHECKS; i++)
			names[i] = checks[i].code;
	*codes = names;
	return N_CHECKS;
}

void checker_judge(struct pp_checker *c, const struct pp_set *set, const struct pp_function *f,
		   struct pp_findings *out)
{
	struct judge j = { .c = c, .m = c->m, .set = set, .f = f, .out = out };
	size_t first = out->n;
	bool bridge = never_assigned(f);

	mark_set(c, set);
	for (size_t i = 0; i < N_CHECKS; i++) {
		if (checks[i].endpoints_only && bridge)
			continue;
		j.check = &checks[i];
		checks[i].run(&j);
	}
	/* Most serious first; within a severity, table order (insertion sort is stable). */
	for (size_t i = first + 1; i < out->n; i++) {
		struct pp_finding t = out->v[i];
		size_t k = i;

		while (k > first && out->v[k - 1].severity < t.severity) {
			out->v[k] = out->v[k - 1];
			k--;
		}
		out->v[k] = t;
	}
}

void findings_free(struct pp_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].message);
		free(fs->v[i].hint);
		strv_free(&fs->v[i].related);
		strv_free(&fs->v[i].evidence);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

int findings_worst(const struct pp_findings *fs)
{
	int worst = -1;

	for (size_t i = 0; i < fs->n; i++)
		if ((int)fs->v[i].severity > worst)
			worst = (int)fs->v[i].severity;
	return worst;
}

const char *findings_first_blocker(const struct pp_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].severity == PP_BLOCKER)
			return fs->v[i].code;
	return NULL;
}

size_t findings_count(const struct pp_findings *fs, enum pp_severity s)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n; i++)
		n += fs->v[i].severity == s;
	return n;
}

const char *severity_name(enum pp_severity s)
{
	switch (s) {
	case PP_BLOCKER: return "blocker";
	case PP_WARNING: return "warning";
	case PP_INFO: return "info";
	}
	return "info";
}

json_object *finding_json(const struct pp_finding *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(f->code));
	json_object_object_add(o, "severity", json_object_new_string(severity_name(f->severity)));
	json_object_object_add(o, "scope", json_object_new_string(f->host_wide ? "host" : "function"));
	json_object_object_add(o, "message", json_object_new_string(f->message ? f->message : ""));
	json_object_object_add(o, "related", json_strv(&f->related));
	json_object_object_add(o, "hint", json_object_new_string(f->hint ? f->hint : ""));
	json_object_object_add(o, "evidence", json_strv(&f->evidence));
	return o;
}

json_object *json_function_verdict(const struct pp_model *m, const struct pp_function *f,
				   const struct pp_findings *fs)
{
	json_object *o = json_function(m, f), *a = json_object_new_array();

	for (size_t i = 0; i < fs->n; i++)
		json_object_array_add(a, finding_json(&fs->v[i]));
	json_object_object_add(o, "assignable", json_object_new_boolean(findings_worst(fs) < PP_BLOCKER));
	json_object_object_add(o, "findings", a);
	return o;
}
