/*
 * pcipass list: every function, one line each (or a tree with -t, or JSON).
 * The verdict column judges each function alone, as if it were the only
 * one given to a guest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "checks.h"
#include "cli.h"
#include "render.h"

static const struct pp_opt list_opts[] = {
	{ OPT_TREE, "tree", 't', NULL, "show the topology as a tree of bridges and functions" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids; twice (-nn) for names and ids" },
	{ OPT_SLOT, "slot", 's', "[[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]", "only functions in this slot (as lspci -s)" },
	{ OPT_ID, "device", 'd', "[VENDOR]:[DEVICE][:CLASS]", "only functions with these ids (as lspci -d)" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

enum { COL_SLOT, COL_CLASS, COL_DEVICE, COL_DRIVER, COL_GROUP, COL_RESET, COL_VERDICT };

static struct libscols_table *new_table(bool tree)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	/* Wide and untruncated when piped; fitted to the terminal otherwise. */
	scols_table_set_termforce(tb, isatty(STDOUT_FILENO) ? SCOLS_TERMFORCE_AUTO : SCOLS_TERMFORCE_NEVER);
	scols_table_new_column(tb, tree ? "TREE" : "SLOT", 0, tree ? SCOLS_FL_TREE : 0);
	scols_table_new_column(tb, "CLASS", 0.15, SCOLS_FL_TRUNC);
	scols_table_new_column(tb, "DEVICE", 0.3, SCOLS_FL_TRUNC);
	scols_table_new_column(tb, "DRIVER", 0, 0);
	scols_table_new_column(tb, "GROUP", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "RESET", 0, 0);
	scols_table_new_column(tb, tree ? "NOTE" : "VERDICT", 0, tree ? SCOLS_FL_TRUNC : 0);
	return tb;
}

static void set_cell(struct libscols_line *ln, size_t col, char *s)
{
	/* refer_data hands ownership of s to the line. */
	if (scols_line_refer_data(ln, col, s))
		free(s);
}

/* What the tree says about a function's place: the DMA alias and port role. */
static char *tree_note(const struct pp_function *f)
{
	if (f->port == PP_PORT_PCIE_TO_PCI)
		return xstrdup("PCIe-to-PCI bridge: devices below share its requester ID");
	if (f->alias_bridge)
		return xasprintf("conventional, DMA alias of %s", f->alias_bridge->bdf);
	if (f->physfn)
		return xasprintf("SR-IOV VF of %s", f->physfn->bdf);
	if (f->port == PP_PORT_ROOT_PORT || f->port == PP_PORT_UPSTREAM || f->port == PP_PORT_DOWNSTREAM)
		return xstrdup(port_name(f->port));
	return xstrdup("");
}

static void fill_line(struct libscols_line *ln, const struct pp_function *f, bool tree)
{
	set_cell(ln, COL_SLOT, xstrdup(f->bdf));
	set_cell(ln, COL_CLASS, text_class(f));
	set_cell(ln, COL_DEVICE, text_device(f));
	set_cell(ln, COL_DRIVER, xstrdup(f->driver ? f->driver : "-"));
	set_cell(ln, COL_GROUP, f->iommu_group >= 0 ? xasprintf("%d", f->iommu_group) : xstrdup("-"));
	set_cell(ln, COL_RESET, text_reset_methods(f));
	if (tree)
		set_cell(ln, COL_VERDICT, tree_note(f));
}

/* f judged alone, as if it were the only function given to a guest. */
static void judge_alone(struct pp_checker *c, const struct pp_function *f, struct pp_findings *fs)
{
	struct pp_function *one = (struct pp_function *)f;
	struct pp_set set = { &one, 1 };

	checker_judge(c, &set, f, fs);
}

/* "ok", "warn", or the code of the first (most fundamental) blocker. */
static char *verdict_text(struct pp_checker *c, const struct pp_function *f)
{
	struct pp_findings fs = { 0 };
	const char *blocker;
	char *s;

	judge_alone(c, f, &fs);
	blocker = findings_first_blocker(&fs);
	s = xstrdup(blocker ? blocker : findings_worst(&fs) == PP_WARNING ? "warn" : "ok");
	findings_free(&fs);
	return s;
}

static void add_subtree(struct libscols_table *tb, struct libscols_line *parent,
			const struct pp_function *f)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);

	if (!ln)
		return;
	fill_line(ln, f, true);
	for (size_t i = 0; i < f->n_children; i++)
		add_subtree(tb, ln, f->children[i]);
}

/* "pci0000:00" from "sys/devices/pci0000:00/0000:00:1c.0/..." */
static char *root_bus_of(const struct pp_function *f)
{
	const char *p = f->sysfs_dir + strlen("sys/devices/");
	const char *slash = strchr(p, '/');

	return slash ? strndup(p, (size_t)(slash - p)) : xstrdup(p);
}

static int print_tree(const struct pp_model *m, const struct pp_selector *sel)
{
	struct libscols_table *tb = new_table(true);
	struct libscols_line *bus_line = NULL;
	char *bus_name = NULL;
	int rc;

	if (!tb)
		return pp_error("libsmartcols: cannot create a table");
	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];
		char *bus;

		/* A selector keeps the subtrees rooted at matching functions. */
		if (sel->active ? !selector_match(m, sel, f) || (f->parent && selector_match(m, sel, f->parent))
				: f->parent != NULL)
			continue;
		bus = root_bus_of(f);
		if (!bus_name || strcmp(bus, bus_name) != 0) {
			bus_line = scols_table_new_line(tb, NULL);
			set_cell(bus_line, COL_SLOT, xstrdup(bus));
			free(bus_name);
			bus_name = bus;
		} else {
			free(bus);
		}
		add_subtree(tb, bus_line, f);
	}
	free(bus_name);
	rc = scols_print_table(tb) ? pp_error("stdout: write error") : 0;
	scols_unref_table(tb);
	return rc;
}

static int print_table(const struct pp_model *m, const struct pp_selector *sel, struct pp_checker *c)
{
	struct libscols_table *tb = new_table(false);
	int rc;

	if (!tb)
		return pp_error("libsmartcols: cannot create a table");
	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];
		struct libscols_line *ln;

		if (!selector_match(m, sel, f))
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln)
			break;
		fill_line(ln, f, false);
		set_cell(ln, COL_VERDICT, verdict_text(c, f));
	}
	rc = scols_print_table(tb) ? pp_error("stdout: write error") : 0;
	scols_unref_table(tb);
	return rc;
}

struct list_json {
	const struct pp_model *m;
	const struct pp_selector *sel;
	struct pp_checker *checker;
};

static json_object *list_json_item(void *arg, size_t i)
{
	const struct list_json *lj = arg;
	const struct pp_function *f = &lj->m->functions[i];
	struct pp_findings fs = { 0 };
	json_object *o;

	if (!selector_match(lj->m, lj->sel, f))
		return NULL;
	judge_alone(lj->checker, f, &fs);
	o = json_function_verdict(lj->m, f, &fs);
	findings_free(&fs);
	return o;
}

static int print_json(const struct pp_model *m, const struct pp_selector *sel, struct pp_checker *c)
{
	struct list_json lj = { m, sel, c };

	return json_print_stream(json_document(m), "functions", m->n_functions, list_json_item, &lj);
}

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
		struct pp_checker *c = ctx->tree ? NULL : checker_new(m);

		for (size_t i = 0; i < m->problems.n; i++)
			pp_warn("%s", m->problems.v[i]);
		if (ctx->json)
			rc = print_json(m, &sel, c);
		else if (ctx->tree)
			rc = print_tree(m, &sel);
		else
			rc = print_table(m, &sel, c);
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
};
