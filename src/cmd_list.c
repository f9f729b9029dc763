/*
 * pcipass list: every function, one row each (or a tree with -t, or JSON),
 * in the columns of columns.c, as util-linux's lsblk lays out its own.
 * The host's state and host-wide findings are said once above the table;
 * each row's VERDICT judges that function alone, as if it were the only
 * one given to a guest.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "columns.h"
#include "render-json.h"
#include "predict.h"
#include "render-text.h"

static const struct pp_opt list_opts[] = {
	{ OPT_TREE, "tree", 't', NULL, "show the topology as a tree of bridges and functions" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids; twice (-nn) for names and ids" },
	{ OPT_SLOT, "slot", 's', "[[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]",
	  "only functions in this slot (as lspci -s; -t keeps the bridges above)" },
	{ OPT_ID, "device", 'd', "[VENDOR]:[DEVICE][:CLASS]", "only functions with these ids (as lspci -d)" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_STRICT, "strict", 0, NULL, "judge as explain --strict does" },
	{ OPT_OUTPUT, "output", 'o', "LIST", "the columns to show, comma-separated; +LIST adds to the defaults" },
	{ OPT_LIST_COLUMNS, "list-columns", 0, NULL, "list the columns -o accepts and exit" },
	{ OPT_RAW, "raw", 'r', NULL, "raw output: columns separated by one space, nothing cut" },
	{ OPT_PAIRS, "pairs", 'P', NULL, "KEY=\"value\" pairs, one function a line" },
	{ OPT_NOHEADINGS, "noheadings", 0, NULL, "no column headings and no host lines above the table" },
	{ OPT_SORT, "sort", 'x', "COLUMN", "sort the rows by COLUMN" },
	{ OPT_WIDTH, "width", 'w', "N", "fit the table to N columns, as on a terminal that wide" },
	{ OPT_COLOR, "color", 0, "WHEN", "colour verdicts: auto (a terminal, NO_COLOR unset), always or never" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* Output modes, each declared once (util-linux's err_exclusive_options). */
static const pp_exclusive_group list_exclusive[] = {
	{ OPT_JSON, OPT_RAW, OPT_PAIRS, OPT_LIST_COLUMNS, OPT_END },
	{ OPT_JSON, OPT_TREE, OPT_PAIRS, OPT_END },
	{ OPT_JSON, OPT_OUTPUT, OPT_END },
	{ OPT_JSON, OPT_SORT, OPT_END },
	{ OPT_END },
};

/* The functions shown: those selected, and with -t the bridges above them
 * (the path from the root, as lspci -t -s) and the functions below them. */
static struct pp_function **shown_functions(const struct pp_model *m, const struct pp_selector *sel, bool tree,
					    size_t *n)
{
	struct pp_function **scope = xcalloc(m->n_functions + 1, sizeof(*scope));
	bool *in = xcalloc(m->n_functions + 1, sizeof(*in));

	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];

		if (!selector_match(m, sel, f))
			continue;
		in[i] = true;
		if (!tree)
			continue;
		for (const struct pp_function *up = f->parent; up; up = up->parent)
			in[up - m->functions] = true;
	}
	if (tree && sel->active)
		/* below a selected bridge: its subtree (address order puts parents first
		 * on every topology pcipass reads, so one pass upward suffices) */
		for (size_t i = 0; i < m->n_functions; i++)
			for (const struct pp_function *up = m->functions[i].parent; up; up = up->parent)
				if (selector_match(m, sel, up)) {
					in[i] = true;
					break;
				}
	*n = 0;
	for (size_t i = 0; i < m->n_functions; i++)
		if (in[i])
			scope[(*n)++] = &m->functions[i];
	free(in);
	return scope;
}

static int run_list(struct pp_ctx *ctx, int argc, char **argv)
{
	int cols[PP_MAX_COLS];
	struct pp_list_opts lo = { .cols = cols, .sort = -1 };
	struct pp_model *m;
	struct pp_selector sel = { 0 };
	int rc;

	(void)argc;
	(void)argv;
	if (ctx->list_columns) {
		columns_print(stdout);
		return PP_EXIT_OK;
	}
	/* The columns and --sort are checked before anything is read. */
	if (columns_choose(ctx->output, ctx->tree, ctx->numeric, cols, &lo.ncols))
		return PP_EXIT_ERROR;
	if (ctx->sort) {
		int id = column_by_name(ctx->sort);

		if (id < 0)
			return PP_EXIT_ERROR;
		for (size_t c = 0; c < lo.ncols && lo.sort < 0; c++)
			if (cols[c] == id)
				lo.sort = (int)c;
		if (lo.sort < 0)
			return pp_usage_error("--sort %s: not a column shown (add it with -o +%s)", pp_columns[id].name,
					      pp_columns[id].name);
	}
	lo.tree = ctx->tree;
	lo.raw = ctx->raw;
	lo.pairs = ctx->pairs;
	lo.noheadings = ctx->noheadings;
	lo.width = ctx->width;
	lo.numeric = ctx->numeric;
	lo.facts = pp_verbose > 0 && !ctx->raw && !ctx->pairs;
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	/* Functions the next boot moves to another driver are marked by
	 * default: the BOOT column joins the defaults when there are any. */
	if (!ctx->output && lo.ncols < PP_MAX_COLS)
		for (size_t i = 0; i < m->n_functions; i++)
			if (m->functions[i].boot_by) {
				cols[lo.ncols++] = COL_BOOT;
				break;
			}
	/* With the IOMMU off, the groups it would make (predict.c). */
	lo.predicted = !m->host.iommu_enabled || m->host.noiommu_only;
	if (lo.predicted)
		predict_ensure(m);
	rc = selector_parse(m, &sel, ctx->slot_selector, ctx->id_selector);
	if (!rc) {
		struct pp_checker *c = checker_new(m);
		struct pp_verdict v;
		size_t n;
		struct pp_function **scope = shown_functions(m, &sel, ctx->tree, &n);

		checker_set_strict(c, ctx->strict);
		for (size_t i = 0; i < m->problems.n; i++)
			pp_warn("%s", m->problems.v[i]);
		/* Each function judged alone, as if it were the only one given to a guest. */
		verdict_judge(c, scope, n, true, &v);
		rc = ctx->json ? json_render_verdict(stdout, &v, false) : render_list(stdout, &lo, &v);
		/* a failed write is reported once, at exit (close_stdout) */
		rc = rc == -ENOMEM ? pp_error("memory: %s", strerror(ENOMEM)) : PP_EXIT_OK;
		verdict_free(&v);
		free(scope);
		checker_free(c);
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
	.exclusive = list_exclusive,
};
