/*
 * Resets: the kernel's methods, what each one hits, and doing one through
 * the sysfs writer.  FLR, AF FLR and PM reset stay inside the function; a
 * secondary bus reset hits everything below the parent bridge, a slot reset
 * everything in the slot.  cmd_reset.c decides whether to go ahead (with
 * reset_bystanders and the checks); this file plans and performs.
 *
 * On kernels with reset_method (5.15+) the method is selected by writing
 * it there, reset is written, and the old list is written back.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mutate.h"

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

static void push_subtree(struct pp_function ***v, size_t *n, struct pp_function *f)
{
	struct pp_function **below;
	size_t nb = model_subtree(f, &below);

	fnv_add_unique(v, n, f);
	for (size_t i = 0; i < nb; i++)
		fnv_add_unique(v, n, below[i]);
	free(below);
}

/* Every function a reset of f by method (pcipass name) hits, f first. */
static size_t reset_scope(const struct pp_model *m, struct pp_function *f, const char *method,
			  struct pp_function ***out)
{
	size_t n = 0;

	*out = NULL;
	fnv_add_unique(out, &n, f);
	if (strcmp(method, "slot") == 0 && f->slot_name) {
		for (size_t i = 0; i < m->n_functions; i++)
			if (m->functions[i].slot_name && strcmp(m->functions[i].slot_name, f->slot_name) == 0)
				push_subtree(out, &n, &m->functions[i]);
	} else if (f->parent) {
		/* bus (and cxl_bus): everything below the parent bridge. */
		struct pp_function **below;
		size_t nb = model_subtree(f->parent, &below);

		for (size_t i = 0; i < nb; i++)
			fnv_add_unique(out, &n, below[i]);
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

size_t reset_bystanders(const struct pp_reset_plan *p, struct pp_strv *named)
{
	size_t hostbound = 0;

	for (size_t i = 0; i < p->n_scope; i++) {
		const struct pp_function *g = p->scope[i];

		if (g == p->f)
			continue;
		/* A bystander a running guest holds is as off-limits as a host driver's. */
		if (g->vfio_holders.n)
			strv_pushf(named, "%s (%s, in use by %s)", g->bdf, g->driver ? g->driver : "vfio", g->vfio_holders.v[0]);
		else if (!function_is_user_owned(g))
			strv_pushf(named, "%s (%s)", g->bdf, g->driver);
		else
			continue;
		hostbound++;
	}
	return hostbound;
}


static void plan_fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_fail(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
}

bool reset_method_known(const char *asked)
{
	return strcmp(asked, "auto") == 0 || method_index(asked, N_USER_METHODS) >= 0;
}

enum reset_plan_result reset_plan(const struct pp_model *m, struct pp_function *f, const char *asked,
				  struct pp_reset_plan *p, char **why)
{
	int mi = -1;

	memset(p, 0, sizeof(*p));
	p->f = f;
	*why = NULL;
	if (strcmp(asked, "auto") != 0 && (mi = method_index(asked, N_USER_METHODS)) < 0) {
		plan_fail(why, "--method %.32s: unknown (auto, flr, af_flr, pm, bus, slot)", asked);
		return RESET_PLAN_ERROR;
	}
	if (!f->has_reset_attr || (f->has_reset_method_attr && f->reset_methods.n == 0)) {
		plan_fail(why, "the kernel offers no reset method for it (no-reset)");
		return RESET_PLAN_REFUSED;
	}
	if (mi < 0 && f->has_reset_method_attr) {
		/* The kernel's first method, looked up by the kernel's own name
		 * (pcipass's "slot" is not one: the kernel calls it "bus"). */
		p->kernel_method = f->reset_methods.v[0];
		for (size_t i = 0; i < N_METHODS && mi < 0; i++)
			if (strcmp(methods[i].name, p->kernel_method) == 0 &&
			    strcmp(methods[i].kernel, p->kernel_method) == 0)
				mi = (int)i;
		if (mi < 0) {
			plan_fail(why, "the kernel lists reset method '%s', which pcipass does not know",
				  p->kernel_method);
			return RESET_PLAN_ERROR;
		}
	} else if (mi >= 0) {
		p->kernel_method = methods[mi].kernel;
		if (!f->has_reset_method_attr) {
			plan_fail(why, "this kernel has no reset_method (Linux 5.15 or later selects methods); "
				  "use --method auto");
			return RESET_PLAN_ERROR;
		}
		if (!strv_contains(&f->reset_methods, p->kernel_method)) {
			char *offered = strv_join(&f->reset_methods, " ");
			plan_fail(why, "reset method %s: not offered by the kernel for it (reset_method: %s)", asked,
				  offered);
			free(offered);
			return RESET_PLAN_ERROR;
		}
		if (strcmp(methods[mi].name, "slot") == 0 && !f->slot_name) {
			plan_fail(why, "reset method slot: it is not in a PCI slot the kernel knows");
			return RESET_PLAN_ERROR;
		}
	}
	if (mi >= 0) {
		p->method = methods[mi].name;
		p->scoped = methods[mi].scoped;
		p->n_scope = p->scoped ? reset_scope(m, f, p->method, &p->scope) : 0;
	} else {
		/* No reset_method: the kernel walks its own order; assume the worst it can do. */
		p->method = "the kernel's own order";
		p->scoped = !kernel_order_is_function_level(f);
		p->n_scope = p->scoped ? reset_scope(m, f, "bus", &p->scope) : 0;
	}
	return RESET_PLAN_OK;
}

void reset_plan_free(struct pp_reset_plan *p)
{
	free(p->scope);
	p->scope = NULL;
	p->n_scope = 0;
}

int reset_apply(struct pp_session *s, const struct pp_reset_plan *p, char **why, char **note)
{
	const struct pp_function *f = p->f;
	char *old_list = NULL, *path;
	bool selected = false;
	int rc = 0;

	*why = *note = NULL;
	/* 1. select the method, unless it is already the only one */
	if (p->kernel_method && !(f->reset_methods.n == 1 && strcmp(f->reset_methods.v[0], p->kernel_method) == 0)) {
		path = xasprintf("sys/bus/pci/devices/%s/reset_method", f->bdf);
		old_list = strv_join(&f->reset_methods, " ");
		rc = sysfs_write(s, path, p->kernel_method);
		free(path);
		if (rc < 0) {
			*why = xasprintf("the kernel refused reset method %s: %s (nothing was reset)", p->kernel_method,
					 strerror(-rc));
			free(old_list);
			return rc;
		}
		selected = true;
		test_hook(s, "reset_method");
	}
	/* 2. reset */
	path = xasprintf("sys/bus/pci/devices/%s/reset", f->bdf);
	rc = sysfs_write(s, path, "1");
	free(path);
	if (rc < 0) {
		/* ENOTTY: the kernel probed the method again and found it
		 * unusable: typically a "bus" entry computed when the function
		 * was still alone on its bus. */
		if (rc != -ENOTTY)
			*why = xstrdup(strerror(-rc));
		else if (p->scoped)
			*why = xasprintf("%s (the kernel does a bus reset only for a function alone on its bus; "
					 "nothing was reset)", strerror(-rc));
		else
			*why = xasprintf("%s (the kernel found the method unusable; nothing was reset)", strerror(-rc));
	} else {
		test_hook(s, "reset");
	}
	/* 3. write back the old list; if the kernel no longer accepts one of
	 * its entries, "default" makes it recompute its own list. */
	if (selected) {
		int e;

		path = xasprintf("sys/bus/pci/devices/%s/reset_method", f->bdf);
		e = sysfs_write(s, path, old_list);
		if (e < 0) {
			if (sysfs_write(s, path, "default") < 0)
				*note = xasprintf("could not restore reset_method '%s': %s", old_list, strerror(-e));
			else
				*note = xasprintf("reset_method '%s' not accepted back (%s); restored the kernel's default",
						  old_list, strerror(-e));
		} else if (*why) {
			*note = xstrdup("reset_method restored");
		}
		if (e >= 0 && !s->dry_run) {
			char now[256];
			ssize_t n = root_read_attr(s->m->root, path, now, sizeof(now));

			verified(s, n >= 0 && strcmp(now, old_list) == 0, "%s reset_method is '%s' again", f->bdf,
				 old_list);
		}
		free(path);
	}
	free(old_list);
	return rc < 0 ? rc : 0;
}
