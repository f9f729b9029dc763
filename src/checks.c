/*
 * The finding catalogue (HACKING, Checks): one pure function per rule,
 * all registered in one table.  Checks read the model and the assignment
 * set, nothing else.  What needs the whole model (the page map of every
 * MMIO BAR, the endpoints of each IOMMU group, what lies below a bridge) is
 * computed once per checker, and every list a finding names is cut at
 * RELATED_MAX, so judging each of n functions costs O(log n) plus the size
 * of the set: `explain --all` on a big host stays O(n log n).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

size_t fn_index(const struct pp_checker *c, const struct pp_function *f)
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

const struct below *below_of(struct pp_checker *c, const struct pp_function *bridge)
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

const struct pp_group *group_of(const struct pp_checker *c, const struct pp_function *f, size_t *index)
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

/*
 * The table.  Order matters twice: it is the order findings of one
 * severity are listed in, and the first blocker is the verdict `list`
 * shows, so the most fundamental rule comes first.
 */
static const struct check checks[] = {
	/* blockers: the kernel, vfio-pci, QEMU or libvirt refuses, or the host breaks */
	{ "iommu-disabled", PP_BLOCKER, true, false, check_iommu_disabled },
	{ "no-interrupt-remapping", PP_BLOCKER, true, false, check_no_interrupt_remapping },
	{ "not-endpoint", PP_BLOCKER, false, false, check_not_endpoint },
	{ "no-iommu-group", PP_BLOCKER, false, true, check_no_iommu_group },
	{ "direct-mapping-required", PP_BLOCKER, false, true, check_direct_mapping_required },
	{ "sriov-pf-enabled", PP_BLOCKER, false, true, check_sriov_pf_enabled },
	{ "group-not-viable", PP_BLOCKER, false, true, check_group_not_viable },
	{ "host-in-use", PP_BLOCKER, false, true, check_host_in_use },
	{ "in-use-by-vm", PP_BLOCKER, false, true, check_in_use_by_vm },
	{ "boot-takes-host-device", PP_BLOCKER, false, false, check_boot_takes_host_device },
	/* warnings: it works, at a cost */
	{ "acs-override", PP_WARNING, true, false, check_acs_override },
	{ "no-reset", PP_WARNING, false, true, check_no_reset },
	{ "bus-reset-scope", PP_WARNING, false, true, check_bus_reset_scope },
	{ "stale-reset-method", PP_WARNING, false, true, check_stale_reset_method },
	{ "reset-quirk", PP_WARNING, false, true, check_reset_quirk },
	{ "no-flr", PP_WARNING, false, true, check_no_flr },
	{ "conventional-bridge", PP_WARNING, false, true, check_conventional_bridge },
	{ "boot-vga", PP_WARNING, false, true, check_boot_vga },
	{ "multifunction-partial", PP_WARNING, false, true, check_multifunction_partial },
	{ "boot-id-shared", PP_WARNING, false, false, check_boot_id_shared },
	/* info: facts that explain the verdict */
	{ "pm-reset-only", PP_INFO, false, true, check_pm_reset_only },
	{ "subpage-bar", PP_INFO, false, true, check_subpage_bar },
	{ "unaligned-bar", PP_INFO, false, true, check_unaligned_bar },
	{ "missing-function0", PP_INFO, false, true, check_missing_function0 },
	{ "group-shared", PP_INFO, false, true, check_group_shared },
	{ "no-acs", PP_INFO, false, true, check_no_acs },
	{ "host-driver-bound", PP_INFO, false, true, check_host_driver_bound },
	{ "boot-override", PP_INFO, false, false, check_boot_override },
	{ "sriov-vf", PP_INFO, false, true, check_sriov_vf },
	{ "bus-range-mismatch", PP_INFO, false, false, check_bus_range_mismatch },
	{ "limited-access", PP_INFO, true, false, check_limited_access },
	{ "limited-evidence", PP_INFO, true, false, check_limited_evidence },
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

void checker_set_strict(struct pp_checker *c, bool strict)
{
	c->strict = strict;
}

static const char *const strict_codes[] = { "no-reset", "no-flr", "bus-reset-scope", "conventional-bridge",
					    "acs-override", "reset-quirk" };

/* --strict raises the isolation warnings, and says so in the finding. */
static void apply_strict(struct pp_finding *x)
{
	char *hint;

	if (x->severity != PP_WARNING)
		return;
	for (size_t i = 0; i < sizeof(strict_codes) / sizeof(strict_codes[0]); i++)
		if (strcmp(x->code, strict_codes[i]) == 0) {
			x->severity = PP_BLOCKER;
			hint = xasprintf("%s%s(a blocker under --strict: state or DMA may pass between guests)",
					 x->hint ? x->hint : "", x->hint && *x->hint ? " " : "");
			free(x->hint);
			x->hint = hint;
			return;
		}
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
	if (c->strict)
		for (size_t i = first; i < out->n; i++)
			apply_strict(&out->v[i]);
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

static void fn_facts(const struct pp_checker *c, const struct pp_set *set, const struct pp_function *f,
		     struct pp_fn_facts *out)
{
	struct pp_function **rs;
	size_t n = vfio_reset_set(f, &rs);

	out->function_reset = function_reset_method(f);
	/* The hot reset takes every group of the reset set; each member must
	 * be a VFIO device of this guest: in the set, or already on vfio-pci
	 * in the group of a member (vfio_pci_dev_set_resettable). */
	out->set_reset = n > 0 && bus_reset_completes(f->parent);
	for (size_t i = 0; i < n; i++) {
		bool mine = set_contains(set, rs[i]) || rs[i] == f;

		for (size_t k = 0; !mine && k < set->n; k++)
			mine = function_on_vfio(rs[i]) && rs[i]->iommu_group >= 0 &&
			       rs[i]->iommu_group == set->members[k]->iommu_group;
		/* a PF with VFs enabled cannot be bound to vfio-pci (EBUSY) */
		out->set_reset &= mine && is_endpoint(rs[i]) && rs[i]->sriov_numvfs <= 0;
		strv_push(&out->reset_set, rs[i]->bdf);
	}
	free(rs);
	strv_sort(&out->reset_set);
	out->bar_mmap = xcalloc(f->n_bars + 1, sizeof(*out->bar_mmap));
	for (size_t i = 0; i < f->n_bars; i++)
		out->bar_mmap[i] = f->bars[i].kind != PP_BAR_IO && f->bars[i].index >= 0 && f->bars[i].index <= 5 &&
				   bar_mmappable(c, &f->bars[i]);
}

/* Add f to the completion unless it is there; false when the host keeps it. */
static bool complete_with(struct pp_verdict *v, const struct pp_function *f)
{
	if (strv_contains(&v->completed_set, f->bdf))
		return true;
	if (never_assigned(f)) {
		if (!v->completion_blocked)
			v->completion_blocked = f;
		return false;
	}
	strv_push(&v->completed_set, f->bdf);
	return true;
}

/* The companions (HACKING, Checks: sets and companions), computed to a fixed
 * point: each function added may bring its own group and reset set. */
static void complete_set(const struct pp_checker *c, struct pp_verdict *v)
{
	for (size_t i = 0; i < v->n; i++)
		strv_push(&v->completed_set, v->scope[i]->bdf);
	for (size_t done = 0; done < v->completed_set.n && !v->completion_blocked; done++) {
		struct pp_bdf b;
		const struct pp_function *f;
		const struct pp_group *g;
		struct pp_function **rs;
		size_t nrs;

		if (!bdf_parse_sysfs(v->completed_set.v[done], &b) || !(f = model_find(c->m, &b)))
			continue;
		g = f->iommu_group >= 0 ? model_group(c->m, f->iommu_group) : NULL;
		for (size_t k = 0; g && k < g->n_members; k++)
			if (is_endpoint(g->members[k]) && host_bound(g->members[k]))
				complete_with(v, g->members[k]);
		if (function_level_reset(f))
			continue;
		nrs = vfio_reset_set(f, &rs);
		for (size_t k = 0; k < nrs; k++)
			if (is_endpoint(rs[k]) && !function_on_vfio(rs[k]))
				complete_with(v, rs[k]);
		free(rs);
	}
	if (v->completion_blocked)
		strv_free(&v->completed_set);
	else
		strv_sort(&v->completed_set);
}

/* A verdict judged alone: the function judged last by verdict_findings. */
struct verdict_replay {
	struct pp_checker *c;
	bool valid;
	size_t i;
	struct pp_findings fs;
	struct pp_fn_facts fx;
};

static void facts_free(struct pp_fn_facts *fx)
{
	strv_free(&fx->reset_set);
	free(fx->bar_mmap);
	memset(fx, 0, sizeof(*fx));
}

/* Count the findings of scope[i] into the verdict, each host-wide code once. */
static void verdict_count(struct pp_verdict *v, struct pp_findings *fs)
{
	v->n_assignable += findings_worst(fs) < PP_BLOCKER;
	for (size_t k = 0; k < fs->n; k++) {
		struct pp_finding *x = &fs->v[k];
		bool seen = false;

		if (x->host_wide) {
			for (size_t h = 0; h < v->n_host && !seen; h++)
				seen = strcmp(v->host[h]->code, x->code) == 0;
			if (seen)
				continue;
			if (v->host_kept) {
				/* taken from fs, which is about to be freed */
				v->host_kept[v->n_host] = *x;
				memset(x, 0, sizeof(*x));
				x = &v->host_kept[v->n_host];
			}
			v->host[v->n_host++] = x;
		}
		v->blockers += x->severity == PP_BLOCKER;
		v->warnings += x->severity == PP_WARNING;
		if (x->severity == PP_BLOCKER && !strv_contains(&v->blocker_codes, x->code))
			strv_push(&v->blocker_codes, x->code);
	}
}

void verdict_judge(struct pp_checker *c, struct pp_function **scope, size_t n, bool alone, struct pp_verdict *v)
{
	struct pp_set together = { scope, n }, one = { NULL, 1 };
	struct pp_function *single;

	memset(v, 0, sizeof(*v));
	v->m = c->m;
	v->alone = alone;
	v->scope = scope;
	v->n = n;
	v->host = xcalloc(N_CHECKS, sizeof(*v->host));
	one.members = &single;
	if (alone) {
		v->host_kept = xcalloc(N_CHECKS, sizeof(*v->host_kept));
		v->replay = xcalloc(1, sizeof(*v->replay));
		v->replay->c = c;
		for (size_t i = 0; i < n; i++) {
			struct pp_findings fs = { 0 };

			single = scope[i];
			checker_judge(c, &one, scope[i], &fs);
			verdict_count(v, &fs);
			findings_free(&fs);
		}
		v->assignable = v->n_assignable == n;
		return;
	}
	v->per_fn = xcalloc(n ? n : 1, sizeof(*v->per_fn));
	v->facts = xcalloc(n ? n : 1, sizeof(*v->facts));
	for (size_t i = 0; i < n; i++) {
		checker_judge(c, &together, scope[i], &v->per_fn[i]);
		fn_facts(c, &together, scope[i], &v->facts[i]);
		verdict_count(v, &v->per_fn[i]);
	}
	v->assignable = v->blockers == 0;
	complete_set(c, v);
}

static void replay(const struct pp_verdict *v, size_t i)
{
	struct verdict_replay *r = v->replay;
	struct pp_function *single = v->scope[i];
	struct pp_set one = { &single, 1 };

	if (r->valid && r->i == i)
		return;
	findings_free(&r->fs);
	facts_free(&r->fx);
	checker_judge(r->c, &one, single, &r->fs);
	fn_facts(r->c, &one, single, &r->fx);
	r->i = i;
	r->valid = true;
}

const struct pp_findings *verdict_findings(const struct pp_verdict *v, size_t i)
{
	if (v->per_fn)
		return &v->per_fn[i];
	replay(v, i);
	return &v->replay->fs;
}

const struct pp_fn_facts *verdict_facts(const struct pp_verdict *v, size_t i)
{
	if (v->facts)
		return &v->facts[i];
	replay(v, i);
	return &v->replay->fx;
}

void verdict_free(struct pp_verdict *v)
{
	for (size_t i = 0; v->per_fn && i < v->n; i++) {
		findings_free(&v->per_fn[i]);
		facts_free(&v->facts[i]);
	}
	if (v->host_kept) {
		struct pp_findings kept = { v->host_kept, v->n_host, N_CHECKS };

		findings_free(&kept);
	}
	if (v->replay) {
		findings_free(&v->replay->fs);
		facts_free(&v->replay->fx);
		free(v->replay);
	}
	free(v->per_fn);
	free(v->facts);
	strv_free(&v->completed_set);
	free(v->host);
	strv_free(&v->blocker_codes);
	memset(v, 0, sizeof(*v));
}

const char *verdict_word(const struct pp_findings *fs)
{
	const char *blocker = findings_first_blocker(fs);

	return blocker ? blocker : findings_worst(fs) == PP_WARNING ? "warn" : "ok";
}
