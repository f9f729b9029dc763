/*
 * BAR rules: MMIO BARs that vfio-pci cannot map into the guest and must trap.
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

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

/* For speed only: a BAR vfio-pci traps is never a safety problem. */
static void speed_hint(const struct judge *j, struct pp_finding *x, const struct sharing *s)
{
	const struct pp_function *out[RELATED_MAX] = { 0 };
	size_t n = sharing_outsiders(j, s, out);

	add_related(x, out, n);
	x->hint = xasprintf("nothing to do for safety; for speed, boot with pci=resource_alignment=%s so the kernel "
			    "gives its BARs whole pages", j->f->bdf);
}

void check_unaligned_bar(struct judge *j)
{
	const struct pp_function *f = j->f;

	for (size_t i = 0; i < f->n_bars; i++) {
		const struct pp_bar *bar = &f->bars[i];
		struct sharing s;
		struct pp_finding *x;
		struct sbuf b = { 0 };

		if (bar->kind == PP_BAR_IO || bar->index > 5 || bar->start % j->c->page == 0)
			continue;
		/* vfio_pci_probe_mmaps: never mapped, every guest access trapped. */
		page_sharers(j, bar, &s);
		x = emit(j, PP_INFO);
		sb_add(&b, "BAR%d of ", bar->index);
		sb_label(&b, f);
		sb_add(&b, " starts at 0x%llx, not on a %llu-byte page boundary: vfio-pci never maps it into the guest, "
			   "it traps every access instead (slower, never unsafe)", (unsigned long long)bar->start,
		       (unsigned long long)j->c->page);
		if (s.outside) {
			sb_add(&b, "; the page also holds BAR%d of ", s.first_outside_bar->index);
			sb_label(&b, s.first_outside);
			if (s.outside > 1)
				sb_add(&b, " and %zu more", s.outside - 1);
		}
		sb_add(&b, ".");
		x->message = sb_take(&b);
		bar_evidence(x, f, bar);
		if (s.outside)
			bar_evidence(x, s.first_outside, s.first_outside_bar);
		strv_pushf(&x->evidence, "page size %llu", (unsigned long long)j->c->page);
		speed_hint(j, x, &s);
	}
}

void check_subpage_bar(struct judge *j)
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
		if (!aligned)
			continue;	/* unaligned-bar says it */
		x = emit(j, PP_INFO);
		sb_add(&b, "BAR%d of ", bar->index);
		sb_label(&b, f);
		sb_add(&b, " is %llu bytes, smaller than a %llu-byte page", (unsigned long long)size,
		       (unsigned long long)j->c->page);
		if (bar_mmappable(j->c, bar)) {
			sb_add(&b, "; it starts on a page boundary and nothing else lies in that page, so vfio-pci "
				   "reserves the rest of the page and maps it.");
		} else if (!aligned) {
			sb_add(&b, "; it does not start on a page boundary, so vfio-pci cannot map it and traps every "
				   "guest access (slower, never unsafe).");
		} else {
			sb_add(&b, "; ");
			if (s.n) {
				sb_add(&b, "BAR%d of ", s.outside ? s.first_outside_bar->index : s.bar[0]->index);
				sb_label(&b, s.outside ? s.first_outside : s.fn[0]);
			} else {
				sb_add(&b, "another of its own BARs");
			}
			sb_add(&b, " lies in the rest of its page, so vfio-pci cannot reserve it: it traps every guest "
				   "access instead of mapping the BAR (slower, never unsafe).");
		}
		x->message = sb_take(&b);
		bar_evidence(x, f, bar);
		if (s.outside)
			bar_evidence(x, s.first_outside, s.first_outside_bar);
		strv_pushf(&x->evidence, "page size %llu", (unsigned long long)j->c->page);
		if (bar_mmappable(j->c, bar))
			x->hint = xstrdup("nothing to do: vfio-pci reserves the rest of the page");
		else
			speed_hint(j, x, &s);
	}
}

bool bar_mmappable(const struct pp_checker *c, const struct pp_bar *bar)
{
	/* vfio_pci_probe_mmaps: a BAR not on a page boundary is never mapped;
	 * one of a page or more always is; a smaller one only when it starts
	 * a page and the rest of that page can be reserved, i.e. no other
	 * resource lies in it. */
	uint64_t page = bar->start / c->page, rest_first = bar->end + 1, rest_last = (page + 1) * c->page - 1;

	if (bar->start % c->page)
		return false;
	if (bar->end - bar->start + 1 >= c->page)
		return true;
	for (size_t i = 0; i < c->n_res && c->res[i].first <= page; i++) {
		const struct pp_bar *o = c->res[i].bar;

		if (o != bar && o->end >= rest_first && o->start <= rest_last)
			return false;
	}
	return true;
}
