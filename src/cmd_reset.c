/*
 * pcipass reset: reset one function by a method the user can name, after
 * working out what else that method hits.  FLR, AF FLR and PM reset stay
 * inside the function; a secondary bus reset hits everything below the
 * parent bridge, a slot reset everything in the slot (libvirt's
 * "Active devices on bus" refusal).  Those are refused, with or without
 * --force, while a host driver other than vfio-pci/pci-stub owns any
 * function they would hit: resetting a device under a live driver can take
 * the host down with it.  A bridge is never reset by name (not-endpoint has
 * no override), and every other function a scoped reset hits is named in
 * the result.
 *
 * reset.c plans and performs; this file decides and tells.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mutate.h"
#include "render-text.h"

static const struct pp_opt reset_opts[] = {
	{ OPT_METHOD, "method", 'm', "METHOD", "auto (the kernel's first), flr, af_flr, pm, bus or slot" },
	{ OPT_DRY_RUN, "dry-run", 'n', NULL, "print the plan as shell lines that would do it, change nothing" },
	{ OPT_FORCE_IN_USE, "force-in-use", 0, NULL, "go ahead with a device the host uses (its disk, NIC, console)" },
	{ OPT_FORCE_BOOT_VGA, "force-boot-vga", 0, NULL, "go ahead with the boot VGA (the host's console goes dark)" },
	{ OPT_JSON, "json", 'j', NULL, "print the plan or the result as JSON" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

static const char *const reset_refusals[] = { "boot-vga", "host-in-use", "in-use-by-vm", NULL };


static int run_reset(struct pp_ctx *ctx, int argc, char **argv)
{
	const char *asked = ctx->method ? ctx->method : "auto";
	struct pp_session s;
	struct pp_reset_plan plan = { 0 };
	struct pp_function **set = NULL;
	size_t n_set = 0;
	char *why = NULL, *note = NULL;
	int rc;

	if ((rc = check_bdf_args(argc, argv)))
		return rc;
	if (!reset_method_known(asked))
		return pp_usage_error("--method %.32s: unknown (auto, flr, af_flr, pm, bus, slot)", asked);
	if ((rc = session_begin(&s, ctx, "reset")))
		return rc;
	if ((rc = ctx_functions(s.m, argc, argv, &set, &n_set)))
		goto out;

	/* A bridge is never reset by name, whatever else could be said of it. */
	{
		static const char *const bridge_refusal[] = { "not-endpoint", NULL };
		struct pp_set js = { .members = set, .n = 1 };

		if (refuse_findings(&s, &js, set, 1, bridge_refusal)) {
			rc = PP_EXIT_BLOCKED;
			goto out;
		}
	}

	/* Plan: which method, and what it hits. */
	switch (reset_plan(s.m, set[0], asked, &plan, &why)) {
	case RESET_PLAN_OK:
		break;
	case RESET_PLAN_REFUSED:
		pp_warn("%s: refused: %s", set[0]->bdf, why);
		rc = PP_EXIT_BLOCKED;
		goto out;
	case RESET_PLAN_ERROR:
		rc = pp_error("%s: %s", set[0]->bdf, why);
		goto out;
	}

	/* Safety, before any write: no host driver under a scoped reset, and
	 * none of the refusals the checks raise. */
	{
		struct pp_set js = { .members = set, .n = 1 };
		struct pp_strv named = { 0 };
		size_t refused = reset_bystanders(&plan, &named);

		if (refused)
			print_bystander_refusal(stderr, plan.f->bdf, plan.kernel_method ? plan.method : "bus",
						&named);
		strv_free(&named);
		refused += refuse_findings(&s, &js, set, 1, reset_refusals);
		if (refused) {
			rc = PP_EXIT_BLOCKED;
			goto out;
		}
	}

	/* Apply: select, reset, restore. */
	rc = reset_apply(&s, &plan, &why, &note);
	if (rc < 0) {
		rc = pp_error("%s: reset by %s failed: %s%s%s%s", plan.f->bdf, plan.method, why, note ? " (" : "",
			      note ? note : "", note ? ")" : "");
		session_outcome_told(&s, plan.f->bdf, plan.f->driver, plan.f->driver, "failed", why);
		goto out;
	}
	if (note)
		pp_warn("%s: %s", plan.f->bdf, note);
	{
		/* Everything else the reset hit, by name: none is host-bound (refused above). */
		struct pp_strv also = { 0 };
		char *list;

		for (size_t i = 0; i < plan.n_scope; i++)
			if (plan.scope[i] != plan.f)
				strv_pushf(&also, "%s", plan.scope[i]->bdf);
		list = strv_join(&also, ", ");
		session_outcome(&s, plan.f->bdf, plan.f->driver, plan.f->driver, s.dry_run ? "planned" : "reset", NULL,
				&also, "%s: reset by %s%s%s%s", plan.f->bdf, plan.method, also.n ? ", also resetting " : "",
				list, s.dry_run ? " (dry run: nothing written)" : "");
		free(list);
		strv_free(&also);
	}
	rc = PP_EXIT_OK;
out:
	free(why);
	free(note);
	reset_plan_free(&plan);
	free(set);
	return session_finish(&s, rc);
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
