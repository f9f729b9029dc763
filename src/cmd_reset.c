/*
 * pcipass reset: reset one function by a method the user can name, after
 * working out what else that method hits.  FLR, AF FLR and PM reset stay
 * inside the function; a secondary bus reset hits everything below the
 * parent bridge, a slot reset everything in the slot (seed 001, libvirt's
 * "Active devices on bus" refusal).  Those are refused, with or without
 * --force, while a host driver other than vfio-pci/pci-stub owns any
 * function they would hit: resetting a device under a live driver can take
 * the host down with it.
 *
 * On kernels with reset_method (5.15+) the method is selected by writing
 * it there, reset is written, and the old list is written back.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mutate.h"

static const struct pp_opt reset_opts[] = {
	{ OPT_METHOD, "method", 'm', "METHOD", "auto (the kernel's first), flr, af_flr, pm, bus or slot" },
	{ OPT_DRY_RUN, "dry-run", 'n', NULL, "print every write it would make, make none" },
	{ OPT_FORCE, "force", 'f', NULL, "go ahead with a bridge, the boot VGA or a device the host uses" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

static const char *const reset_refusals[] = { "not-endpoint", "boot-vga", "host-in-use", NULL };

/* pcipass's method names and what the kernel calls them in reset_method. */
static const struct {
	const char *name;
	const char *kernel;
	bool scoped;		/* hits more than the function */
} methods[] = {
	{ "flr", "flr", false },
	{ "af_flr", "af_flr", false },
	{ "pm", "pm", false },
	/* The kernel's "bus" method tries the hotplug slot's reset first and
	 * the parent bridge's secondary bus reset after it. */
	{ "bus", "bus", true },
	{ "slot", "bus", true },
	/* Only reachable through auto, when the kernel lists them first. */
	{ "device_specific", "device_specific", false },
	{ "acpi", "acpi", false },
	{ "cxl_bus", "cxl_bus", true },
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))
#define N_USER_METHODS 5	/* the first five can be asked for by name */

static int method_index(const char *name, size_t limit)
{
	for (size_t i = 0; i < limit; i++)
		if (strcmp(methods[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void push_unique(struct pp_function ***v, size_t *n, struct pp_function *f)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == f)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = f;
}

static void push_subtree(struct pp_function ***v, size_t *n, struct pp_function *f)
{
	struct pp_function **below;
	size_t nb = model_subtree(f, &below);

	push_unique(v, n, f);
	for (size_t i = 0; i < nb; i++)
		push_unique(v, n, below[i]);
	free(below);
}

/* Every function a reset of f by method (pcipass name) hits, f first. */
static size_t reset_scope(const struct pp_model *m, struct pp_function *f, const char *method,
			  struct pp_function ***out)
{
	size_t n = 0;

	*out = NULL;
	push_unique(out, &n, f);
	if (strcmp(method, "slot") == 0) {
		for (size_t i = 0; i < m->n_functions; i++)
			if (m->functions[i].slot_name && strcmp(m->functions[i].slot_name, f->slot_name) == 0)
				push_subtree(out, &n, &m->functions[i]);
	} else if (f->parent) {
		/* bus (and cxl_bus): everything below the parent bridge. */
		struct pp_function **below;
		size_t nb = model_subtree(f->parent, &below);

		for (size_t i = 0; i < nb; i++)
			push_unique(out, &n, below[i]);
		free(below);
	}
	return n;
}

/* On a kernel without reset_method: does its own order stay inside the function? */
static bool kernel_order_is_function_level(const struct pp_function *f)
{
	return f->has_flr == PP_YES || f->has_af_flr == PP_YES ||
	       (f->has_pm == PP_YES && f->pm_no_soft_reset == PP_NO);
}

/* Refuse a scoped reset while a host driver owns anything it hits besides f. */
static size_t refuse_bystanders(struct pp_function *f, const char *method, struct pp_function **scope, size_t n)
{
	struct pp_strv named = { 0 };
	size_t hostbound = 0;

	for (size_t i = 0; i < n; i++) {
		char *s;

		if (scope[i] == f || function_is_user_owned(scope[i]))
			continue;
		s = xasprintf("%s (%s)", scope[i]->bdf, scope[i]->driver);
		strv_push(&named, s);
		free(s);
		hostbound++;
	}
	if (hostbound) {
		char *list = strv_join(&named, ", ");
		pp_warn("%s: refused: a %s reset of %s also resets %s, which %s still own%s; unbind %s first or "
			"use a function-level method",
			f->bdf, method, f->bdf, list, hostbound == 1 ? "a host driver" : "host drivers",
			hostbound == 1 ? "s" : "", hostbound == 1 ? "it" : "them");
		free(list);
	}
	strv_free(&named);
	return hostbound;
}

static int run_reset(struct pp_ctx *ctx, int argc, char **argv)
{
	const char *asked = ctx->method ? ctx->method : "auto";
	const char *method = NULL, *kernel_method = NULL;
	struct pp_session s;
	struct pp_function **set = NULL, **scope = NULL, *f;
	size_t n_set = 0, n_scope = 0;
	char *old_list = NULL, *why = NULL;
	bool selected = false;
	int rc, mi = -1;

	if ((rc = check_bdf_args(argc, argv)))
		return rc;
	if (strcmp(asked, "auto") != 0 && (mi = method_index(asked, N_USER_METHODS)) < 0)
		return pp_usage_error("--method %.32s: unknown (auto, flr, af_flr, pm, bus, slot)", asked);
	if ((rc = session_begin(&s, ctx, "reset")))
		return rc;
	if ((rc = ctx_functions(s.m, argc, argv, &set, &n_set)))
		goto out;
	f = set[0];

	/* Plan: which method, and what it hits. */
	if (!f->has_reset_attr || (f->has_reset_method_attr && f->reset_methods.n == 0)) {
		pp_warn("%s: refused: the kernel offers no reset method for it (no-reset)", f->bdf);
		rc = PP_EXIT_BLOCKED;
		goto out;
	}
	if (mi < 0 && f->has_reset_method_attr) {
		kernel_method = f->reset_methods.v[0];
		mi = method_index(kernel_method, N_METHODS);
		if (mi < 0) {
			rc = pp_error("%s: the kernel lists reset method '%s', which pcipass does not know", f->bdf,
				      kernel_method);
			goto out;
		}
	} else if (mi >= 0) {
		kernel_method = methods[mi].kernel;
		if (!f->has_reset_method_attr) {
			rc = pp_error("%s: this kernel has no reset_method (Linux 5.15 or later selects methods); "
				      "use --method auto", f->bdf);
			goto out;
		}
		if (!strv_contains(&f->reset_methods, kernel_method)) {
			char *offered = strv_join(&f->reset_methods, " ");
			rc = pp_error("%s: reset method %s: not offered by the kernel for it (reset_method: %s)", f->bdf,
				      asked, offered);
			free(offered);
			goto out;
		}
		if (strcmp(methods[mi].name, "slot") == 0 && !f->slot_name) {
			rc = pp_error("%s: reset method slot: it is not in a PCI slot the kernel knows", f->bdf);
			goto out;
		}
	}
	if (mi >= 0) {
		method = methods[mi].name;
		n_scope = methods[mi].scoped ? reset_scope(s.m, f, method, &scope) : 0;
	} else {
		/* No reset_method: the kernel walks its own order; assume the worst it can do. */
		method = "the kernel's own order";
		n_scope = kernel_order_is_function_level(f) ? 0 : reset_scope(s.m, f, "bus", &scope);
	}

	/* Safety, before any write. */
	{
		struct pp_set js = { .members = set, .n = 1 };
		size_t refused = refuse_bystanders(f, mi >= 0 ? method : "bus", scope, n_scope);

		refused += refuse_findings(&s, &js, set, 1, reset_refusals);
		if (refused) {
			rc = PP_EXIT_BLOCKED;
			goto out;
		}
	}

	/* Apply: select, reset, restore. */
	if (kernel_method && !(f->reset_methods.n == 1 && strcmp(f->reset_methods.v[0], kernel_method) == 0)) {
		char *p = xasprintf("sys/bus/pci/devices/%s/reset_method", f->bdf);

		old_list = strv_join(&f->reset_methods, " ");
		if (root_write_attr(s.m->root, p, kernel_method) < 0) {
			rc = pp_error("%s: the kernel refused reset method %s: %s (nothing was reset)", f->bdf,
				      kernel_method, strerror(errno));
			free(p);
			goto out;
		}
		free(p);
		selected = true;
		test_hook(&s, "reset_method");
	}
	{
		char *p = xasprintf("sys/bus/pci/devices/%s/reset", f->bdf);

		if (root_write_attr(s.m->root, p, "1") < 0) {
			int e = errno;
			/* ENOTTY: the kernel probed the method again and found it
			 * unusable: typically a "bus" entry computed when the
			 * function was still alone on its bus. */
			bool scoped = mi >= 0 && methods[mi].scoped;

			if (e != ENOTTY)
				why = xstrdup(strerror(e));
			else if (scoped)
				why = xasprintf("%s (the kernel does a bus reset only for a function alone on its bus; "
						"nothing was reset)", strerror(e));
			else
				why = xasprintf("%s (the kernel found the method unusable; nothing was reset)",
						strerror(e));
		}
		else
			test_hook(&s, "reset");
		free(p);
	}
	if (selected) {
		char *p = xasprintf("sys/bus/pci/devices/%s/reset_method", f->bdf);

		/* Write back the old list; if the kernel no longer accepts one of
		 * its entries, "default" makes it recompute its own list. */
		if (root_write_attr(s.m->root, p, old_list) < 0) {
			int e = errno;
			if (root_write_attr(s.m->root, p, "default") < 0)
				pp_warn("%s: could not restore reset_method '%s': %s", f->bdf, old_list, strerror(e));
			else
				pp_warn("%s: reset_method '%s' not accepted back (%s); restored the kernel's default",
					f->bdf, old_list, strerror(e));
		}
		free(p);
	}
	if (why) {
		rc = pp_error("%s: reset by %s failed: %s%s", f->bdf, method, why,
			      selected ? " (reset_method restored)" : "");
		goto out;
	}
	if (s.dry_run)
		printf("%s: reset by %s (dry run: nothing written)\n", f->bdf, method);
	else
		printf("%s: reset by %s\n", f->bdf, method);
	rc = PP_EXIT_OK;
out:
	free(why);
	free(old_list);
	free(scope);
	free(set);
	session_end(&s);
	return rc;
}

const struct pp_command cmd_reset = {
	.name = "reset",
	.args = "BDF",
	.summary = "reset a function by a chosen method, refusing resets that would hit host-bound devices",
	.opts = reset_opts,
	.min_args = 1,
	.max_args = 1,
	.run = run_reset,
};
