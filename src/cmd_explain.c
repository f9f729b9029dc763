/*
 * pcipass explain: why a set of functions can or cannot go to one guest.
 * The BDFs given form one assignment set; --all judges every function
 * alone, as list does.  Text is for a sysadmin at 80 columns, JSON for
 * scripts; both come from the same findings.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "render-json.h"
#include "render-text.h"
#include "vmconfig.h"

static const struct pp_opt explain_opts[] = {
	{ OPT_ALL, "all", 'a', NULL, "judge every function alone, as list does (exit 1 if any has a blocker)" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids in headers; twice (-nn) for names and ids" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_LIBVIRT_XML, "libvirt-xml", 0, NULL,
	  "print libvirt <hostdev> elements for the set, or its blockers (exit 1)" },
	{ OPT_QEMU_ARGS, "qemu-args", 0, NULL, "print QEMU -device vfio-pci arguments for the set, or its blockers" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

static int run_explain(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_function **scope = NULL;
	struct pp_checker *c;
	struct pp_verdict v;
	struct pp_model *m;
	size_t n = 0;
	int rc;

	if (ctx->all && argc)
		return pp_usage_error("explain: --all and BDF arguments: choose one");
	if (!ctx->all && !argc)
		return pp_usage_error("explain: needs BDF... (one assignment set) or --all");
	if (ctx->libvirt_xml && ctx->qemu_args)
		return pp_usage_error("explain: --libvirt-xml and --qemu-args: choose one");
	if ((ctx->libvirt_xml || ctx->qemu_args) && (ctx->all || ctx->json))
		return pp_usage_error("explain: --%s is for one set of BDFs, without --all or --json",
				      ctx->libvirt_xml ? "libvirt-xml" : "qemu-args");
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	if (ctx->all) {
		n = m->n_functions;
		scope = xcalloc(n + 1, sizeof(*scope));
		for (size_t i = 0; i < n; i++)
			scope[i] = &m->functions[i];
	} else if ((rc = ctx_functions(m, argc, argv, &scope, &n))) {
		ctx_release(ctx, m);
		return rc;
	}
	for (size_t i = 0; i < m->problems.n; i++)
		pp_warn("%s", m->problems.v[i]);
	c = checker_new(m);
	verdict_judge(c, scope, n, ctx->all, &v);
	if (ctx->libvirt_xml || ctx->qemu_args) {
		struct pp_set set = { scope, n };

		rc = vmconfig_emit(m, &set, v.per_fn, ctx->libvirt_xml ? VM_LIBVIRT_XML : VM_QEMU_ARGS);
	} else {
		rc = ctx->json ? json_render_verdict(stdout, &v, true) : render_explain(stdout, &v);
		if (rc < 0)
			rc = pp_error("stdout: %s", strerror(-rc));
		else
			rc = v.assignable ? PP_EXIT_OK : PP_EXIT_BLOCKED;
	}
	verdict_free(&v);
	checker_free(c);
	free(scope);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_explain = {
	.name = "explain",
	.args = "BDF...",
	.summary = "say whether the functions given can go to one guest together, and why not",
	.opts = explain_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run_explain,
};
