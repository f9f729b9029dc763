/*
 * libvirt XML and QEMU arguments for an assignable set.
 *
 * Which functions: the set's members are the guest's.  vfio attaches whole
 * IOMMU groups, and below a PCIe-to-PCI bridge every device shares the
 * bridge's requester ID, so the other endpoints of those groups and
 * segments must be owned by vfio too; they come along as hostdevs with
 * <address type='none'/> (libvirt 6.0's way to hold a device for a guest
 * without showing it to the guest, as libvirt's unassigned address does).  Bridges never become hostdevs.
 *
 * Where in the guest: a single function gets no guest <address>; libvirt
 * then places it itself (on q35, each on a pcie-root-port of its own), which
 * is what `virsh edit` users expect and keeps their existing addresses
 * free.  Functions of one multifunction device must share one guest slot,
 * function 0 first with multifunction='on' (guests scan
 * function 0 first), which libvirt does not do by itself: those get
 * explicit addresses on bus 0 (pci.0 on i440fx, pcie.0 on q35; the one bus
 * every machine has) from slot 0x10 up.  libvirt reserves explicit
 * addresses before it assigns its own, so they cannot collide with its
 * choices; 0x10 stays clear of what users usually pin by hand (0x01-0x0f)
 * and of q35's ICH9 slot 0x1f.  SR-IOV VFs are independent functions:
 * each gets its own slot, as libvirt would place it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmconfig.h"

/* ---- the plan -------------------------------------------------------------- */

struct plan_builder {
	const struct pp_model *m;
	const struct pp_set *set;
	struct vm_plan *plan;
};

static bool in_plan(const struct vm_plan *plan, const struct pp_function *f)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].fn == f)
			return true;
	return false;
}

static void plan_add(struct vm_plan *plan, const struct pp_function *f, bool visible, char *why)
{
	struct vm_hostdev *h;

	plan->v = xrealloc(plan->v, (plan->n + 1) * sizeof(*plan->v));
	h = &plan->v[plan->n++];
	memset(h, 0, sizeof(*h));
	h->fn = f;
	h->visible = visible;
	h->why = why;
	h->guest_slot = -1;
}

/* f must come along because of holder (a member or an earlier companion). */
static void pull_in(struct plan_builder *b, const struct pp_function *f, const struct pp_function *holder,
		    const char *fmt_why)
{
	if (f == holder || function_is_bridge(f) || in_plan(b->plan, f))
		return;
	plan_add(b->plan, f, false, xasprintf(fmt_why, holder->bdf));
}

/* The companions that holder brings: its group's and its segment's endpoints. */
static void add_companions_of(struct plan_builder *b, const struct pp_function *holder)
{
	const struct pp_group *g = model_group(b->m, holder->iommu_group);
	char *why;

	if (g) {
		why = xasprintf("same IOMMU group %d as %%s", g->id);
		for (size_t i = 0; i < g->n_members; i++)
			pull_in(b, g->members[i], holder, why);
		free(why);
	}
	if (holder->alias_bridge) {
		why = xasprintf("behind PCIe-to-PCI bridge %s with %%s, sharing its requester ID",
				holder->alias_bridge->bdf);
		for (size_t i = 0; i < b->m->n_functions; i++) {
			const struct pp_function *f = &b->m->functions[i];
			if (f->alias_bridge == holder->alias_bridge)
				pull_in(b, f, holder, why);
		}
		free(why);
	}
}

static int cmp_hostdev(const void *a, const void *b)
{
	const struct vm_hostdev *x = a, *y = b;

	if (x->visible != y->visible)
		return x->visible ? -1 : 1;
	return bdf_compare(&x->fn->addr, &y->fn->addr);
}

/* Multifunction devices among the visible functions share one guest slot each. */
static void place_multifunction(struct vm_plan *plan)
{
	int next_slot = VM_FIRST_GUEST_SLOT;

	for (size_t i = 0; i < plan->n && plan->v[i].visible; i++) {
		struct vm_hostdev *h = &plan->v[i];
		size_t together = 0;

		if (h->guest_slot >= 0 || h->fn->physfn)
			continue;
		for (size_t j = i; j < plan->n && plan->v[j].visible; j++)
			together += !plan->v[j].fn->physfn && function_same_slot(h->fn, plan->v[j].fn);
		if (together < 2 || next_slot > VM_LAST_GUEST_SLOT)
			continue;
		for (size_t j = i; j < plan->n && plan->v[j].visible; j++) {
			struct vm_hostdev *k = &plan->v[j];
			if (!k->fn->physfn && function_same_slot(h->fn, k->fn)) {
				k->guest_slot = next_slot;
				k->multifunction_head = k->fn->addr.fn == 0;
			}
		}
		next_slot++;
	}
}

void vm_plan_build(const struct pp_model *m, const struct pp_set *set, struct vm_plan *plan)
{
	struct plan_builder b = { .m = m, .set = set, .plan = plan };

	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < set->n; i++)
		if (!function_is_bridge(set->members[i]) && !in_plan(plan, set->members[i]))
			plan_add(plan, set->members[i], true, NULL);
	/* Companions bring theirs too (a group that spans a segment, ...): grows while walked. */
	for (size_t i = 0; i < plan->n; i++)
		add_companions_of(&b, plan->v[i].fn);
	if (plan->n)
		qsort(plan->v, plan->n, sizeof(*plan->v), cmp_hostdev);
	place_multifunction(plan);
}

void vm_plan_free(struct vm_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->v[i].why);
	free(plan->v);
	memset(plan, 0, sizeof(*plan));
}

/* ---- rendering ------------------------------------------------------------------ */

void vm_render_libvirt_xml(FILE *out, const struct vm_plan *plan)
{
	fprintf(out, "<!-- pcipass %s: hostdevs for", PACKAGE_VERSION);
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].visible)
			fprintf(out, " %s", plan->v[i].fn->bdf);
	fputs("; paste them into the domain's <devices> -->\n<devices>\n", out);
	for (size_t i = 0; i < plan->n; i++) {
		const struct vm_hostdev *h = &plan->v[i];
		const struct pp_bdf *a = &h->fn->addr;

		if (!h->visible)
			fprintf(out, "  <!-- %s: not visible to the guest, held by vfio: %s -->\n", h->fn->bdf, h->why);
		fputs("  <hostdev mode='subsystem' type='pci' managed='yes'>\n", out);
		fputs("    <driver name='vfio'/>\n", out);
		fputs("    <source>\n", out);
		fprintf(out, "      <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
			a->domain, a->bus, a->dev, a->fn);
		fputs("    </source>\n", out);
		if (!h->visible)
			fputs("    <address type='none'/>\n", out);
		else if (h->guest_slot >= 0)
			fprintf(out, "    <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' function='0x%x'%s/>\n",
				h->guest_slot, a->fn, h->multifunction_head ? " multifunction='on'" : "");
		fputs("  </hostdev>\n", out);
	}
	fputs("</devices>\n", out);
}

void vm_render_qemu_args(FILE *out, const struct vm_plan *plan)
{
	/* addr= without bus= lands on the machine's root bus, whichever it is. */
	for (size_t i = 0; i < plan->n; i++) {
		const struct vm_hostdev *h = &plan->v[i];

		if (!h->visible)
			continue;
		fprintf(out, "-device vfio-pci,host=%s", h->fn->bdf);
		if (h->guest_slot >= 0)
			fprintf(out, ",addr=0x%02x.%x%s", h->guest_slot, h->fn->addr.fn,
				h->multifunction_head ? ",multifunction=on" : "");
		fputc('\n', out);
	}
}

/* ---- explain's entry point ------------------------------------------------------- */

/* The blockers, host-wide ones once; returns how many were printed. */
static size_t print_blockers(const struct pp_set *set, const struct pp_findings *findings)
{
	struct pp_strv host_codes = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		for (size_t k = 0; k < findings[i].n; k++) {
			const struct pp_finding *x = &findings[i].v[k];

			if (x->severity != PP_BLOCKER)
				continue;
			if (x->host_wide) {
				if (strv_contains(&host_codes, x->code))
					continue;
				strv_push(&host_codes, x->code);
				fprintf(stderr, "  host: %s: %s\n", x->code, x->message);
			} else {
				fprintf(stderr, "  %s: %s: %s\n", set->members[i]->bdf, x->code, x->message);
			}
			if (x->hint && *x->hint)
				fprintf(stderr, "    hint: %s\n", x->hint);
			n++;
		}
	strv_free(&host_codes);
	return n;
}

static int count_blockers(const struct pp_set *set, const struct pp_findings *findings)
{
	int n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += (int)findings_count(&findings[i], PP_BLOCKER);
	return n;
}

int vmconfig_emit(const struct pp_model *m, const struct pp_set *set, const struct pp_findings *findings,
		  enum vm_format fmt)
{
	const char *what = fmt == VM_LIBVIRT_XML ? "libvirt XML" : "QEMU arguments";
	struct vm_plan plan;

	if (count_blockers(set, findings)) {
		struct pp_strv bdfs = { 0 };
		char *list;

		for (size_t i = 0; i < set->n; i++)
			strv_push(&bdfs, set->members[i]->bdf);
		list = strv_join(&bdfs, " ");
		pp_warn("%s: cannot be assigned%s, no %s written; the blockers:", list, set->n > 1 ? " together" : "",
			what);
		free(list);
		strv_free(&bdfs);
		print_blockers(set, findings);
		return PP_EXIT_BLOCKED;
	}
	vm_plan_build(m, set, &plan);
	if (fmt == VM_LIBVIRT_XML) {
		vm_render_libvirt_xml(stdout, &plan);
	} else {
		vm_render_qemu_args(stdout, &plan);
		/* QEMU has no hidden hostdev: say what must stay vfio's, apart from the arguments. */
		for (size_t i = 0; i < plan.n; i++)
			if (!plan.v[i].visible)
				pp_warn("note: %s is not given to the guest but must stay unbound or on vfio-pci "
					"while it runs (%s)", plan.v[i].fn->bdf, plan.v[i].why);
	}
	vm_plan_free(&plan);
	if (fflush(stdout) == EOF || ferror(stdout))
		return pp_error("stdout: write error");
	return PP_EXIT_OK;
}
