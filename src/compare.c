/*
 * pcipass diff's comparison (compare.h): two models, each built once by
 * the one root opener, matched function by function by a stable identity
 * and compared fact by fact.  The verdicts are the ones list gives (each
 * function judged alone); the groups are compared as partitions.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compare.h"

const char *change_kind_name(enum pp_change_kind k)
{
	switch (k) {
	case CHG_HOST: return "host";
	case CHG_REMOVED: return "removed";
	case CHG_ADDED: return "added";
	case CHG_MOVED: return "moved";
	case CHG_DRIVER: return "driver";
	case CHG_RESET_LOST: return "reset-lost";
	case CHG_RESET_GAINED: return "reset-gained";
	case CHG_VERDICT: return "verdict";
	case CHG_GROUP_SPLIT: return "group-split";
	case CHG_GROUP_MERGED: return "group-merged";
	case CHG_VFIO_GONE: return "vfio-gone";
	}
	return "unknown";
}

const char *effect_name(enum pp_effect e)
{
	return e == PP_WORSE ? "worse" : e == PP_BETTER ? "better" : "neutral";
}

static void add_ids(struct sbuf *b, const struct pp_function *f)
{
	int v[4] = { f->vendor_id, f->device_id, f->subsys_vendor_id, f->subsys_device_id };

	for (int i = 0; i < 4; i++) {
		if (v[i] < 0)
			sb_add(b, "????");
		else
			sb_add(b, "%04x", (unsigned)v[i]);
		sb_add(b, "%s", i == 0 || i == 2 ? ":" : " ");
	}
}

/* The device/function numbers from the host bridge down: "pci0000:00/02.0/00.0". */
static void add_path(struct sbuf *b, const struct pp_function *f)
{
	if (!f->parent)
		sb_add(b, "pci%04x:%02x", f->addr.domain, f->addr.bus);
	else
		add_path(b, f->parent);
	sb_add(b, "/%02x.%x", f->addr.dev, f->addr.fn);
}

char *compare_path(const struct pp_function *f)
{
	struct sbuf b = { 0 };

	add_path(&b, f);
	return sb_take(&b);
}

char *compare_identity(const struct pp_function *f)
{
	struct sbuf b = { 0 };

	add_ids(&b, f);
	add_path(&b, f);
	return sb_take(&b);
}

/* The ids and the function's own device/function number: how a card moved
 * to another slot is still recognised (compare_models, second pass). */
static char *slot_free_identity(const struct pp_function *f)
{
	struct sbuf b = { 0 };

	add_ids(&b, f);
	sb_add(&b, "%02x.%x", f->addr.dev, f->addr.fn);
	return sb_take(&b);
}

static struct pp_change *add_change(struct pp_comparison *c, enum pp_change_kind kind, const struct pp_function *a,
				    const struct pp_function *b)
{
	struct pp_change *x;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	x = &c->v[c->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->a = a;
	x->b = b;
	return x;
}

static void set_effect(struct pp_comparison *c, struct pp_change *x, enum pp_effect e)
{
	x->effect = e;
	if (e == PP_WORSE)
		c->worse++;
	else if (e == PP_BETTER)
		c->better++;
}

/* What a function's verdict is, kept: a verdict judged alone hands out
 * one function's findings at a time (checks.h, verdict_findings). */
struct judged {
	const char *word;	/* list's word: static (the code table, "warn", "ok") */
	int rank;		/* 0 ok (or info only), 1 a warning, 2 a blocker */
};

static struct judged *judged_all(const struct pp_verdict *v)
{
	struct judged *out = xcalloc(v->n + 1, sizeof(*out));

	for (size_t i = 0; i < v->n; i++) {
		const struct pp_findings *fs = verdict_findings(v, i);
		int w = findings_worst(fs);

		out[i].word = verdict_word(fs);
		out[i].rank = w == PP_BLOCKER ? 2 : w == PP_WARNING ? 1 : 0;
	}
	return out;
}

/*
 * match[i] for each function of A: its index in B, or -1.  First the whole
 * identity; then, among what is left, the ids with the function's own
 * device/function number when exactly one function on each side has them
 * (a card moved to another slot).
 */
static void match_functions(const struct pp_model *a, const struct pp_model *b, long *ma, long *mb)
{
	char **ia = xcalloc(a->n_functions + 1, sizeof(*ia)), **ib = xcalloc(b->n_functions + 1, sizeof(*ib));

	for (size_t i = 0; i < a->n_functions; i++)
		ma[i] = -1;
	for (size_t j = 0; j < b->n_functions; j++)
		mb[j] = -1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < a->n_functions; i++)
			ia[i] = pass ? slot_free_identity(&a->functions[i]) : compare_identity(&a->functions[i]);
		for (size_t j = 0; j < b->n_functions; j++)
			ib[j] = pass ? slot_free_identity(&b->functions[j]) : compare_identity(&b->functions[j]);
		for (size_t i = 0; i < a->n_functions; i++) {
			size_t in_a = 0, in_b = 0, found = 0;

			if (ma[i] >= 0)
				continue;
			for (size_t k = 0; k < a->n_functions; k++)
				in_a += ma[k] < 0 && strcmp(ia[k], ia[i]) == 0;
			for (size_t j = 0; j < b->n_functions; j++)
				if (mb[j] < 0 && strcmp(ib[j], ia[i]) == 0) {
					in_b++;
					found = j;
				}
			/* The whole identity is unique on a host (the path ends in
			 * the function's own number); the second pass is trusted
			 * only when it is unique too. */
			if (in_a == 1 && in_b == 1) {
				ma[i] = (long)found;
				mb[found] = (long)i;
			}
		}
		for (size_t i = 0; i < a->n_functions; i++)
			free(ia[i]);
		for (size_t j = 0; j < b->n_functions; j++)
			free(ib[j]);
	}
	free(ia);
	free(ib);
}

static char *driver_text(const struct pp_function *f)
{
	return f->driver ? xstrdup(f->driver) : NULL;
}

static void compare_resets(struct pp_comparison *c, const struct pp_function *fa, const struct pp_function *fb)
{
	for (size_t k = 0; k < fa->reset_methods.n; k++)
		if (!strv_contains(&fb->reset_methods, fa->reset_methods.v[k]))
			add_change(c, CHG_RESET_LOST, fa, fb)->before = xstrdup(fa->reset_methods.v[k]);
	for (size_t k = 0; k < fb->reset_methods.n; k++)
		if (!strv_contains(&fa->reset_methods, fb->reset_methods.v[k]))
			add_change(c, CHG_RESET_GAINED, fa, fb)->after = xstrdup(fb->reset_methods.v[k]);
}

/* The matched members of group id of m (the side whose match array is mm), as one side of a group change. */
static void group_side(const struct pp_model *m, const long *mm, int id, struct pp_group_side *s)
{
	s->id = id;
	memset(&s->bdfs, 0, sizeof(s->bdfs));
	for (size_t i = 0; i < m->n_functions; i++)
		if (mm[i] >= 0 && m->functions[i].iommu_group == id)
			strv_push(&s->bdfs, m->functions[i].bdf);
}

/*
 * The partitions of the matched functions that have a group on both
 * sides.  A group of `from` whose members lie in more than one group of
 * `to` is reported (split when from is A, merged when from is B).
 */
static void compare_partitions(struct pp_comparison *c, const struct pp_model *from, const long *mfrom,
			       const struct pp_model *to, const long *mto, enum pp_change_kind kind)
{
	for (size_t g = 0; g < from->n_groups; g++) {
		int id = from->groups[g].id, *seen = xcalloc(to->n_groups + 1, sizeof(int));
		size_t n_seen = 0;
		struct pp_change *x;

		for (size_t i = 0; i < from->n_functions; i++) {
			const struct pp_function *f = &from->functions[i], *t;
			bool dup = false;

			if (f->iommu_group != id || mfrom[i] < 0)
				continue;
			t = &to->functions[mfrom[i]];
			if (t->iommu_group < 0)
				continue;
			for (size_t k = 0; k < n_seen; k++)
				dup |= seen[k] == t->iommu_group;
			if (!dup)
				seen[n_seen++] = t->iommu_group;
		}
		if (n_seen > 1) {
			struct pp_group_side *one = xcalloc(1, sizeof(*one)), *many = xcalloc(n_seen, sizeof(*many));

			group_side(from, mfrom, id, one);
			for (size_t k = 0; k < n_seen; k++)
				group_side(to, mto, seen[k], &many[k]);
			x = add_change(c, kind, NULL, NULL);
			if (kind == CHG_GROUP_SPLIT) {
				x->ga = one, x->n_ga = 1;
				x->gb = many, x->n_gb = n_seen;
			} else {
				x->ga = many, x->n_ga = n_seen;
				x->gb = one, x->n_gb = 1;
			}
		}
		free(seen);
	}
}

/* Does group id of m hold a function on vfio-pci?  Then the kernel has made /dev/vfio/id. */
static bool group_has_vfio_node(const struct pp_model *m, int id)
{
	const struct pp_group *g = id >= 0 ? model_group(m, id) : NULL;

	for (size_t k = 0; g && k < g->n_members; k++)
		if (function_on_vfio(g->members[k]))
			return true;
	return false;
}

/* Each /dev/vfio/N of A: is there one for the same functions in B? */
static void compare_vfio_nodes(struct pp_comparison *c, const struct pp_model *a, const long *ma,
			       const struct pp_model *b)
{
	for (size_t g = 0; g < a->n_groups; g++) {
		int id = a->groups[g].id, now = -1;
		const struct pp_function *first = NULL;

		if (!group_has_vfio_node(a, id))
			continue;
		for (size_t i = 0; i < a->n_functions && now < 0; i++) {
			const struct pp_function *f = &a->functions[i];

			if (f->iommu_group != id || !function_on_vfio(f))
				continue;
			if (!first)
				first = f;
			if (ma[i] >= 0 && group_has_vfio_node(b, b->functions[ma[i]].iommu_group))
				now = b->functions[ma[i]].iommu_group;
		}
		if (now == id)
			continue;
		{
			struct pp_change *x = add_change(c, CHG_VFIO_GONE, first, NULL);

			x->before = xasprintf("/dev/vfio/%d", id);
			x->after = now >= 0 ? xasprintf("/dev/vfio/%d", now) : NULL;
			/* A guest configured with the old node no longer starts. */
			set_effect(c, x, PP_WORSE);
		}
	}
}

static void compare_host(struct pp_comparison *c, const struct pp_model *a, const struct pp_model *b)
{
	const char *ka = a->host.kernel_release, *kb = b->host.kernel_release;
	bool on_a = a->host.iommu_enabled && !a->host.noiommu_only;
	bool on_b = b->host.iommu_enabled && !b->host.noiommu_only;
	struct pp_change *x;

	if ((ka || kb) && (!ka || !kb || strcmp(ka, kb) != 0)) {
		x = add_change(c, CHG_HOST, NULL, NULL);
		x->what = xstrdup("kernel");
		x->before = ka ? xstrdup(ka) : NULL;
		x->after = kb ? xstrdup(kb) : NULL;
	}
	if (on_a != on_b) {
		x = add_change(c, CHG_HOST, NULL, NULL);
		x->what = xstrdup("iommu");
		x->before = xstrdup(on_a ? "on" : "off");
		x->after = xstrdup(on_b ? "on" : "off");
		/* the verdicts say what it costs; the host line says why */
	}
}

void compare_models(const struct pp_model *a, const struct pp_verdict *va, const struct pp_model *b,
		    const struct pp_verdict *vb, struct pp_comparison *out)
{
	struct judged *fa = judged_all(va), *fb = judged_all(vb);
	long *ma = xcalloc(a->n_functions + 1, sizeof(long)), *mb = xcalloc(b->n_functions + 1, sizeof(long));
	bool groups_a = a->host.iommu_enabled, groups_b = b->host.iommu_enabled;

	memset(out, 0, sizeof(*out));
	match_functions(a, b, ma, mb);
	compare_host(out, a, b);
	for (size_t i = 0; i < a->n_functions; i++)
		if (ma[i] < 0) {
			struct pp_change *x = add_change(out, CHG_REMOVED, &a->functions[i], NULL);

			x->before = xstrdup(fa[i].word);
			/* A function a guest could have had is gone. */
			set_effect(out, x, fa[i].rank < 2 ? PP_WORSE : PP_NEUTRAL);
		}
	for (size_t j = 0; j < b->n_functions; j++)
		if (mb[j] < 0)
			add_change(out, CHG_ADDED, NULL, &b->functions[j])->after = xstrdup(fb[j].word);
	for (size_t j = 0; j < b->n_functions; j++) {
		const struct pp_function *x = mb[j] >= 0 ? &a->functions[mb[j]] : NULL, *y = &b->functions[j];
		struct pp_change *ch;

		if (!x)
			continue;
		if (bdf_compare(&x->addr, &y->addr) != 0) {
			ch = add_change(out, CHG_MOVED, x, y);
			ch->before = compare_path(x);
			ch->after = compare_path(y);
		}
		if ((x->driver || y->driver) && (!x->driver || !y->driver || strcmp(x->driver, y->driver) != 0)) {
			ch = add_change(out, CHG_DRIVER, x, y);
			ch->before = driver_text(x);
			ch->after = driver_text(y);
		}
		compare_resets(out, x, y);
	}
	for (size_t j = 0; j < b->n_functions; j++) {
		const struct judged *before, *after = &fb[j];
		struct pp_change *ch;

		if (mb[j] < 0)
			continue;
		before = &fa[mb[j]];
		if (strcmp(before->word, after->word) == 0)
			continue;
		ch = add_change(out, CHG_VERDICT, &a->functions[mb[j]], &b->functions[j]);
		ch->before = xstrdup(before->word);
		ch->after = xstrdup(after->word);
		set_effect(out, ch, after->rank > before->rank ? PP_WORSE : after->rank < before->rank ? PP_BETTER : PP_NEUTRAL);
	}
	/* With the IOMMU off on one side there are no groups to compare: the
	 * host line says so and the verdicts carry the cost. */
	if (groups_a && groups_b) {
		compare_partitions(out, a, ma, b, mb, CHG_GROUP_SPLIT);
		compare_partitions(out, b, mb, a, ma, CHG_GROUP_MERGED);
	}
	compare_vfio_nodes(out, a, ma, b);
	free(fa);
	free(fb);
	free(ma);
	free(mb);
}

void comparison_free(struct pp_comparison *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct pp_change *x = &c->v[i];

		free(x->what);
		free(x->before);
		free(x->after);
		for (size_t k = 0; k < x->n_ga; k++)
			strv_free(&x->ga[k].bdfs);
		for (size_t k = 0; k < x->n_gb; k++)
			strv_free(&x->gb[k].bdfs);
		free(x->ga);
		free(x->gb);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
