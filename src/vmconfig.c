/*
 * libvirt XML and QEMU arguments for an assignable set.
 *
 * Which functions: the set's members are the guest's.  vfio attaches whole
 * IOMMU groups, and below a PCIe-to-PCI bridge every device shares the
 * bridge's requester ID, so the other endpoints of those groups and
 * segments must be owned by vfio too; they come along as hostdevs with
 * <address type='unassigned'/> (libvirt 6.0 and later: held by vfio, not
 * shown to the guest; libvirt's test hostdev-pci-address-unassigned.xml).
 * QEMU has no such device: there they are named on stderr.  Bridges never
 * become hostdevs.
 *
 * Where in the guest: chosen, never copied from the host.  The visible
 * functions form guest devices: the functions of one host device (its
 * slot, SR-IOV VFs excepted) together, every other function alone.  Each
 * guest device gets a guest slot of its own, its functions renumbered
 * from 0 in host order, function 0 first with multifunction='on' when
 * there are several (a guest scans function 0 first: a lone host function
 * 1 becomes guest function 0).
 *
 *   q35 (default): each guest device behind a pcie-root-port of its own,
 *   at slot 0 of the port's bus, as libvirt places a PCIe device and as
 *   GPU drivers expect (on the root complex itself they misbehave).  The
 *   root ports are new controllers with indexes from first_index (16 by
 *   default, above what virt-install creates; libvirt's QEMU driver fills a
 *   gap in the indexes with root ports of its own) and sit at pcie.0 slots
 *   0x10-0x1e.
 *
 *   pc (i440fx): each guest device at a slot of pci.0 from 0x10 up.
 *
 * The two formats describe the same guest: the QEMU root ports carry
 * chassis=index as libvirt's do, and id pcipass-rpINDEX.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	h->guest_dev = -1;
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

/* Two visible functions are one guest device when they are one host device (VFs never are). */
static bool one_guest_device(const struct pp_function *a, const struct pp_function *b)
{
	return !a->physfn && !b->physfn && function_same_slot(a, b);
}

/*
 * A guest slot for each guest device, in the order of their first
 * function; functions numbered from 0 in host order (plan->v is sorted).
 */
static int place_guest(struct vm_plan *plan, unsigned first_index)
{
	for (size_t i = 0; i < plan->n && plan->v[i].visible; i++) {
		struct vm_hostdev *h = &plan->v[i];
		struct vm_slot *s;

		if (h->guest_dev >= 0)
			continue;
		if (VM_FIRST_GUEST_SLOT + plan->n_slots > VM_LAST_GUEST_SLOT ||
		    (plan->machine == VM_Q35 && first_index + plan->n_slots > 255))
			return -ERANGE;
		plan->slots = xrealloc(plan->slots, (plan->n_slots + 1) * sizeof(*plan->slots));
		s = &plan->slots[plan->n_slots];
		s->index = first_index + (unsigned)plan->n_slots;
		s->slot = VM_FIRST_GUEST_SLOT + (unsigned)plan->n_slots;
		s->n_functions = 0;
		for (size_t j = i; j < plan->n && plan->v[j].visible; j++) {
			struct vm_hostdev *k = &plan->v[j];

			if (j != i && (k->guest_dev >= 0 || !one_guest_device(h->fn, k->fn)))
				continue;
			k->guest_dev = (int)plan->n_slots;
			k->guest_fn = (unsigned)s->n_functions++;
		}
		h->multifunction_head = s->n_functions > 1;
		plan->n_slots++;
	}
	return 0;
}

int vm_plan_build(const struct pp_model *m, const struct pp_set *set, enum vm_machine machine,
		  unsigned first_index, struct vm_plan *plan)
{
	struct plan_builder b = { .m = m, .set = set, .plan = plan };

	memset(plan, 0, sizeof(*plan));
	plan->machine = machine;
	for (size_t i = 0; i < set->n; i++)
		if (!function_is_bridge(set->members[i]) && !in_plan(plan, set->members[i]))
			plan_add(plan, set->members[i], true, NULL);
	/* Companions bring theirs too (a group that spans a segment, ...): grows while walked. */
	for (size_t i = 0; i < plan->n; i++)
		add_companions_of(&b, plan->v[i].fn);
	if (plan->n)
		qsort(plan->v, plan->n, sizeof(*plan->v), cmp_hostdev);
	return place_guest(plan, first_index);
}

void vm_plan_free(struct vm_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->v[i].why);
	free(plan->v);
	free(plan->slots);
	memset(plan, 0, sizeof(*plan));
}

/* ---- libvirt ---------------------------------------------------------------------- */

static const char *machine_name(enum vm_machine machine)
{
	return machine == VM_Q35 ? "q35" : "pc";
}

static void xml_controller(FILE *out, const struct vm_slot *s)
{
	fprintf(out, "<controller type='pci' index='%u' model='pcie-root-port'>\n", s->index);
	fprintf(out, "  <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' function='0x0'/>\n", s->slot);
	fputs("</controller>\n", out);
}

static void xml_hostdev(FILE *out, const struct vm_plan *plan, const struct vm_hostdev *h)
{
	const struct pp_bdf *a = &h->fn->addr;

	if (!h->visible)
		fprintf(out, "<!-- %s: not visible to the guest, held by vfio: %s -->\n", h->fn->bdf, h->why);
	fputs("<hostdev mode='subsystem' type='pci' managed='yes'>\n", out);
	fputs("  <driver name='vfio'/>\n", out);
	fputs("  <source>\n", out);
	fprintf(out, "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n", a->domain,
		a->bus, a->dev, a->fn);
	fputs("  </source>\n", out);
	if (h->guest_dev < 0) {
		fputs("  <address type='unassigned'/>\n", out);
	} else {
		const struct vm_slot *s = &plan->slots[h->guest_dev];

		/* q35: slot 0 of the root port's bus; pc: its own slot of pci.0 */
		fprintf(out, "  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' function='0x%x'%s/>\n",
			plan->machine == VM_Q35 ? s->index : 0, plan->machine == VM_Q35 ? 0 : s->slot, h->guest_fn,
			h->multifunction_head ? " multifunction='on'" : "");
	}
	fputs("</hostdev>\n", out);
}

static void xml_slot_comment(FILE *out, const struct vm_plan *plan, size_t k)
{
	const struct vm_slot *s = &plan->slots[k];

	if (plan->machine == VM_Q35)
		fprintf(out, "<!-- guest bus 0x%02x: pcie-root-port index %u at pcie.0 slot 0x%02x, with", s->index,
			s->index, s->slot);
	else
		fprintf(out, "<!-- guest pci.0 slot 0x%02x, with", s->slot);
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].guest_dev == (int)k)
			fprintf(out, " %s as function %u", plan->v[i].fn->bdf, plan->v[i].guest_fn);
	fputs(" -->\n", out);
}

static void xml_header(FILE *out, const struct vm_plan *plan)
{
	fprintf(out, "<!-- pcipass %s: %s guest, hostdevs for", PACKAGE_VERSION, machine_name(plan->machine));
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].visible)
			fprintf(out, " %s", plan->v[i].fn->bdf);
	/* No "--" in a comment: XML forbids it. */
	fputs(".\n     virsh edit: paste these elements into the domain's <devices>.\n"
	      "     virsh attach-device: one element a file, in order (pcipass explain -o DIR).", out);
	if (plan->machine == VM_Q35 && plan->n_slots == 1)
		fprintf(out, "\n     The controller index %u must be free in the domain.", plan->slots[0].index);
	else if (plan->machine == VM_Q35 && plan->n_slots)
		fprintf(out, "\n     The controller indexes %u-%u must be free in the domain.",
			plan->slots[0].index, plan->slots[plan->n_slots - 1].index);
	fputs(" -->\n", out);
}

static void render_libvirt_stdout(FILE *out, const struct vm_plan *plan)
{
	xml_header(out, plan);
	for (size_t k = 0; k < plan->n_slots; k++) {
		xml_slot_comment(out, plan, k);
		if (plan->machine == VM_Q35)
			xml_controller(out, &plan->slots[k]);
		for (size_t i = 0; i < plan->n; i++)
			if (plan->v[i].guest_dev == (int)k)
				xml_hostdev(out, plan, &plan->v[i]);
	}
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].guest_dev < 0)
			xml_hostdev(out, plan, &plan->v[i]);
}

/* One element in DIR/NN-WHAT.xml; the path is printed on stdout. */
static int write_element(const char *dir, unsigned *seq, const char *what, const struct vm_plan *plan,
			 const struct vm_slot *s, const struct vm_hostdev *h)
{
	char *path = xasprintf("%s/%02u-%s.xml", dir, ++*seq, what);
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f) {
		rc = pp_error("%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (s)
		xml_controller(f, s);
	else
		xml_hostdev(f, plan, h);
	if (ferror(f) | (fclose(f) == EOF))
		rc = pp_error("%s: write error", path);
	else
		printf("%s\n", path);
	free(path);
	return rc;
}

/* Attach order: each root port before the hostdevs on it; companions last. */
static int render_libvirt_dir(const char *dir, const struct vm_plan *plan)
{
	unsigned seq = 0;
	char *what;
	int rc = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return pp_error("%s: %s", dir, strerror(errno));
	for (size_t k = 0; k < plan->n_slots && !rc; k++) {
		if (plan->machine == VM_Q35) {
			what = xasprintf("controller-pcie-root-port-%u", plan->slots[k].index);
			rc = write_element(dir, &seq, what, plan, &plan->slots[k], NULL);
			free(what);
		}
		for (size_t i = 0; i < plan->n && !rc; i++)
			if (plan->v[i].guest_dev == (int)k) {
				what = xasprintf("hostdev-%04x-%02x-%02x.%x", plan->v[i].fn->addr.domain,
						 plan->v[i].fn->addr.bus, plan->v[i].fn->addr.dev, plan->v[i].fn->addr.fn);
				rc = write_element(dir, &seq, what, plan, NULL, &plan->v[i]);
				free(what);
			}
	}
	for (size_t i = 0; i < plan->n && !rc; i++)
		if (plan->v[i].guest_dev < 0) {
			what = xasprintf("hostdev-%04x-%02x-%02x.%x-unassigned", plan->v[i].fn->addr.domain,
					 plan->v[i].fn->addr.bus, plan->v[i].fn->addr.dev, plan->v[i].fn->addr.fn);
			rc = write_element(dir, &seq, what, plan, NULL, &plan->v[i]);
			free(what);
		}
	return rc;
}

/* ---- QEMU ------------------------------------------------------------------------- */

static void render_qemu_args(FILE *out, const struct vm_plan *plan)
{
	for (size_t k = 0; k < plan->n_slots; k++) {
		const struct vm_slot *s = &plan->slots[k];

		if (plan->machine == VM_Q35)
			fprintf(out, "-device pcie-root-port,id=pcipass-rp%u,bus=pcie.0,addr=0x%02x.0,chassis=%u\n",
				s->index, s->slot, s->index);
		for (size_t i = 0; i < plan->n; i++) {
			const struct vm_hostdev *h = &plan->v[i];
			const struct pp_bdf *a = &h->fn->addr;

			if (h->guest_dev != (int)k)
				continue;
			fprintf(out, "-device vfio-pci,host=%s,id=pcipass-%04x-%02x-%02x.%x", h->fn->bdf, a->domain, a->bus,
				a->dev, a->fn);
			if (plan->machine == VM_Q35)
				fprintf(out, ",bus=pcipass-rp%u,addr=0x00.%x", s->index, h->guest_fn);
			else
				fprintf(out, ",bus=pci.0,addr=0x%02x.%x", s->slot, h->guest_fn);
			fputs(h->multifunction_head ? ",multifunction=on\n" : "\n", out);
		}
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
		  const struct vm_options *opts)
{
	const char *what = opts->format == VM_LIBVIRT_XML ? "libvirt XML" : "QEMU arguments";
	struct vm_plan plan;
	int rc = PP_EXIT_OK;

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
	if (vm_plan_build(m, set, opts->machine, opts->first_index, &plan) < 0) {
		vm_plan_free(&plan);
		return pp_error("%zu functions: more guest devices than pcipass places (%d slots from 0x%02x%s)",
				set->n, VM_LAST_GUEST_SLOT - VM_FIRST_GUEST_SLOT + 1, VM_FIRST_GUEST_SLOT,
				opts->machine == VM_Q35 ? ", controller indexes up to 255" : "");
	}
	if (opts->format == VM_LIBVIRT_XML) {
		if (opts->output_dir)
			rc = render_libvirt_dir(opts->output_dir, &plan);
		else
			render_libvirt_stdout(stdout, &plan);
	} else {
		render_qemu_args(stdout, &plan);
		/* QEMU has no hidden hostdev: say what must stay vfio's, apart from the arguments. */
		for (size_t i = 0; i < plan.n; i++)
			if (!plan.v[i].visible)
				pp_warn("note: %s is not given to the guest but must stay unbound or on vfio-pci "
					"while it runs (%s)", plan.v[i].fn->bdf, plan.v[i].why);
	}
	vm_plan_free(&plan);
	if (fflush(stdout) == EOF || ferror(stdout))
		return pp_error("stdout: write error");
	return rc;
}
