/*
 * pcipass list: every function, one line each (or a tree with -t, or JSON).
 * The verdict column judges each function alone, as if it were the only
 * one given to a guest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "render-json.h"
#include "render-text.h"

static const struct pp_opt list_opts[] = {
	{ OPT_TREE, "tree", 't', NULL, "show the topology as a tree of bridges and functions" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids; twice (-nn) for names and ids" },
	{ OPT_SLOT, "slot", 's', "[[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]", "only functions in this slot (as lspci -s)" },
	{ OPT_ID, "device", 'd', "[VENDOR]:[DEVICE][:CLASS]", "only functions with these ids (as lspci -d)" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_STRICT, "strict", 0, NULL, "judge as explain --strict does" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

static int run_list(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_model *m;
	struct pp_selector sel = { 0 };
	int rc;

	(void)argc;
	(void)argv;
	if (ctx->json && ctx->tree)
		return pp_usage_error("--json and --tree: choose one");
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	rc = selector_parse(m, &sel, ctx->slot_selector, ctx->id_selector);
	if (!rc) {
		for (size_t i = 0; i < m->problems.n; i++)
			pp_warn("%s", m->problems.v[i]);
		if (ctx->tree) {
			rc = render_list_tree(stdout, m, &sel);
		} else {
			/* Each selected function judged alone, as if it were the only one given to a guest. */
			struct pp_checker *c = checker_new(m);
			checker_set_strict(c, ctx->strict);
			struct pp_function **scope = xcalloc(m->n_functions + 1, sizeof(*scope));
			struct pp_verdict v;
			size_t n = 0;

			for (size_t i = 0; i < m->n_functions; i++)
				if (selector_match(m, &sel, &m->functions[i]))
					scope[n++] = &m->functions[i];
			verdict_judge(c, scope, n, true, &v);
			rc = ctx->json ? json_render_verdict(stdout, &v, false) : render_list_table(stdout, &v);
			verdict_free(&v);
			free(scope);
			checker_free(c);
		}
		rc = rc < 0 ? pp_error("stdout: %s", strerror(-rc)) : PP_EXIT_OK;
	}
	selector_free(&sel);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_list = {
	.name = "list",
	.args = NULL,
	.summary = "list every PCI function with driver, IOMMU group, reset methods and verdict",
	.opts = list_opts,
	.min_args = 0,
	.max_args = 0,
	.run = run_list,
};
