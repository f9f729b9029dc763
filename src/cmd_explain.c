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
	{ OPT_SLOT, "slot", 's', "[[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]",
	  "the functions in this slot form the set (as lspci -s); with --all each is judged alone" },
	{ OPT_ID, "device", 'd', "[VENDOR]:[DEVICE][:CLASS]", "the functions with these ids form the set (as lspci -d)" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids in headers; twice (-nn) for names and ids" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_LIBVIRT_XML, "libvirt-xml", 0, NULL,
	  "print libvirt <hostdev> elements for the set, or its blockers (exit 1)" },
	{ OPT_QEMU_ARGS, "qemu-args", 0, NULL, "print QEMU -device vfio-pci arguments for the set, or its blockers" },
	{ OPT_COLOR, "color", 0, "WHEN", "colour severities: auto (a terminal, NO_COLOR unset), always or never" },
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

	bool selecting = ctx->slot_selector || ctx->id_selector;

	if ((ctx->all || selecting) && argc)
		return pp_usage_error("explain: %s and BDF arguments: choose one", ctx->all ? "--all" : "-s/-d");
	if (!ctx->all && !selecting && !argc)
		return pp_usage_error("explain: needs BDF... (one assignment set), -s/-d or --all");
	if (ctx->libvirt_xml && ctx->qemu_args)
		return pp_usage_error("explain: --libvirt-xml and --qemu-args: choose one");
	if ((ctx->libvirt_xml || ctx->qemu_args) && (ctx->all || ctx->json))
		return pp_usage_error("explain: --%s is for one set of BDFs, without --all or --json",
				      ctx->libvirt_xml ? "libvirt-xml" : "qemu-args");
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	if (ctx->all || selecting) {
		/* lspci's selectors: the functions they match (every one with --all alone) */
		struct pp_selector sel = { 0 };

		if ((rc = selector_parse(m, &sel, ctx->slot_selector, ctx->id_selector))) {
			ctx_release(ctx, m);
			return rc;
		}
		scope = xcalloc(m->n_functions + 1, sizeof(*scope));
		for (size_t i = 0; i < m->n_functions; i++)
			if (selector_match(m, &sel, &m->functions[i]))
				scope[n++] = &m->functions[i];
		selector_free(&sel);
		if (!n) {
			free(scope);
			ctx_release(ctx, m);
			return pp_error("explain: no function matches %s%s%s", ctx->slot_selector ? "-s " : "-d ",
					ctx->slot_selector ? "the slot" : "the ids",
					ctx->slot_selector && ctx->id_selector ? " and -d the ids" : "");
		}
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
		/* a failed write is reported once, at exit (close_stdout) */
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
