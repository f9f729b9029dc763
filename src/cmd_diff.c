/*
 * pcipass diff A B: what changed between two hosts' states (before and
 * after a BIOS or kernel update).  A and B are snapshots or reports (a
 * directory or a .tar.gz) or "/" for this host, each opened by the one
 * root opener and built into its own model; compare.c matches the
 * functions by a stable identity and says what changed.  Exit 1 when a
 * function's verdict got worse, an assignable function is gone or a
 * /dev/vfio node is gone, so a script can gate an upgrade on it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "render-json.h"
#include "render-text.h"

static const struct pp_opt diff_opts[] = {
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document (schema/pcipass-diff.schema.json)" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* One side of the comparison: its root, model and each function's findings. */
struct side {
	const char *source;
	struct pp_root root;
	struct pp_model *m;
	struct pp_checker *checker;
	struct pp_function **all;
	struct pp_verdict v;
};

static int side_open(const struct pp_ctx *ctx, struct side *s, const char *source)
{
	memset(s, 0, sizeof(*s));
	s->source = source;
	s->m = ctx_model_at(ctx, source, &s->root);
	if (!s->m)
		return PP_EXIT_ERROR;
	s->all = xcalloc(s->m->n_functions + 1, sizeof(*s->all));
	for (size_t i = 0; i < s->m->n_functions; i++)
		s->all[i] = &s->m->functions[i];
	s->checker = checker_new(s->m);
	/* Each function judged alone, as list judges it. */
	verdict_judge(s->checker, s->all, s->m->n_functions, true, &s->v);
	return 0;
}

static void side_close(struct side *s)
{
	if (!s->m)
		return;
	verdict_free(&s->v);
	checker_free(s->checker);
	free(s->all);
	model_free(s->m);
	root_close(&s->root);
}

/* ---- text ---------------------------------------------------------------- */

static void print_escaped(const char *s)
{
	char *shown = pp_escape(s ? s : "(none)", 0);

	fputs(shown, stdout);
	free(shown);
}

static void print_device(const struct pp_function *f)
{
	char *d = text_device(f);

	printf("  ");
	print_escaped(d);
	free(d);
}

static void print_groups(const struct pp_group_side *g, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		printf("%s%d (", k ? ", " : "", g[k].id);
		for (size_t i = 0; i < g[k].bdfs.n; i++)
			printf("%s%s", i ? " " : "", g[k].bdfs.v[i]);
		printf(")");
	}
}

static void print_change(const struct pp_change *x)
{
	const struct pp_function *f = x->b ? x->b : x->a;

	switch (x->kind) {
	case CHG_HOST:
		printf("host      %s: ", strcmp(x->what, "iommu") == 0 ? "IOMMU" : x->what);
		print_escaped(x->before);
		printf(" -> ");
		print_escaped(x->after);
		break;
	case CHG_REMOVED:
	case CHG_ADDED:
		printf("%-9s %s", change_kind_name(x->kind), f->bdf);
		print_device(f);
		printf(" (%s ", x->kind == CHG_ADDED ? "verdict" : "was");
		print_escaped(x->kind == CHG_ADDED ? x->after : x->before);
		printf(")");
		break;
	case CHG_MOVED:
		printf("moved     %s -> %s", x->a->bdf, x->b->bdf);
		print_device(f);
		/* the paths on a line of their own: the identity that matched them */
		printf("\n          %s -> %s", x->before, x->after);
		break;
	case CHG_DRIVER:
		printf("driver    %s  ", f->bdf);
		print_escaped(x->before);
		printf(" -> ");
		print_escaped(x->after);
		break;
	case CHG_RESET_LOST:
	case CHG_RESET_GAINED:
		printf("reset     %s  %s ", f->bdf, x->kind == CHG_RESET_LOST ? "lost" : "gained");
		print_escaped(x->kind == CHG_RESET_LOST ? x->before : x->after);
		break;
	case CHG_VERDICT:
		printf("verdict   %s  ", f->bdf);
		print_escaped(x->before);
		printf(" -> ");
		print_escaped(x->after);
		break;
	case CHG_GROUP_SPLIT:
		printf("group     split: group ");
		print_groups(x->ga, x->n_ga);
		printf(" is now groups ");
		print_groups(x->gb, x->n_gb);
		break;
	case CHG_GROUP_MERGED:
		printf("group     merged: groups ");
		print_groups(x->ga, x->n_ga);
		printf(" are now group ");
		print_groups(x->gb, x->n_gb);
		break;
	case CHG_VFIO_GONE:
		printf("vfio      %s gone (%s", x->before, f->bdf);
		if (x->after)
			printf("; its functions now have %s", x->after);
		printf(")");
		break;
	}
	if (x->effect != PP_NEUTRAL)
		printf("  [%s]", effect_name(x->effect));
	printf("\n");
}

static void print_side(const char *label, const struct side *s)
{
	const struct pp_host *h = &s->m->host;

	printf("%s ", label);
	print_escaped(s->source);
	printf(": kernel ");
	print_escaped(h->kernel_release ? h->kernel_release : "unknown");
	printf(", IOMMU %s, %zu functions\n", h->iommu_enabled && !h->noiommu_only ? "on" : "off",
	       s->m->n_functions);
}

static void render_text(const struct side *a, const struct side *b, const struct pp_comparison *c)
{
	print_side("before", a);
	print_side("after ", b);
	printf("\n");
	for (size_t i = 0; i < c->n; i++)
		print_change(&c->v[i]);
	if (!c->n)
		printf("no changes\n");
	else
		printf("\n%zu change%s: %zu worse, %zu better\n", c->n, c->n == 1 ? "" : "s", c->worse, c->better);
}

/* ---- JSON ---------------------------------------------------------------- */

static json_object *groups_json(const struct pp_group_side *g, size_t n)
{
	json_object *a;

	if (!n)
		return NULL;
	a = json_object_new_array();
	for (size_t k = 0; k < n; k++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "group", json_object_new_int(g[k].id));
		json_object_object_add(o, "functions", json_strv(&g[k].bdfs));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *side_json(const struct side *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "source", json_string_or_null(s->source));
	json_object_object_add(o, "host", json_host(s->m));
	json_object_object_add(o, "functions", json_object_new_int64((int64_t)s->m->n_functions));
	return o;
}

static json_object *change_json(const struct pp_change *x)
{
	json_object *o = json_object_new_object();
	const struct pp_function *f = x->b ? x->b : x->a;
	char *id = f ? compare_identity(f) : NULL;

	json_object_object_add(o, "kind", json_object_new_string(change_kind_name(x->kind)));
	json_object_object_add(o, "effect", json_object_new_string(effect_name(x->effect)));
	json_object_object_add(o, "what", json_string_or_null(x->what));
	json_object_object_add(o, "bdf_before", x->a ? json_object_new_string(x->a->bdf) : NULL);
	json_object_object_add(o, "bdf_after", x->b ? json_object_new_string(x->b->bdf) : NULL);
	json_object_object_add(o, "identity", json_string_or_null(id));
	json_object_object_add(o, "before", json_string_or_null(x->before));
	json_object_object_add(o, "after", json_string_or_null(x->after));
	json_object_object_add(o, "groups_before", groups_json(x->ga, x->n_ga));
	json_object_object_add(o, "groups_after", groups_json(x->gb, x->n_gb));
	free(id);
	return o;
}

static int render_json(const struct side *a, const struct side *b, const struct pp_comparison *c)
{
	json_object *doc = json_object_new_object(), *changes = json_object_new_array();

	json_object_object_add(doc, "schema", json_object_new_int(PCIPASS_JSON_SCHEMA));
	json_object_object_add(doc, "pcipass_version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(doc, "before", side_json(a));
	json_object_object_add(doc, "after", side_json(b));
	for (size_t i = 0; i < c->n; i++)
		json_object_array_add(changes, change_json(&c->v[i]));
	json_object_object_add(doc, "changes", changes);
	json_object_object_add(doc, "worse", json_object_new_int64((int64_t)c->worse));
	json_object_object_add(doc, "better", json_object_new_int64((int64_t)c->better));
	return json_print(stdout, doc);
}

static int run_diff(struct pp_ctx *ctx, int argc, char **argv)
{
	struct side a, b;
	struct pp_comparison c;
	int rc;

	(void)argc;
	if (ctx->sysroot)
		return pp_usage_error("diff: --sysroot: give the two roots as its arguments (\"/\" is this host)");
	if (ctx->from_lspci)
		return pp_usage_error("diff: --from-lspci: diff compares snapshots and reports, not listings");
	for (int i = 0; i < 2; i++)
		if (!*argv[i])
			return pp_usage_error("diff: an empty argument names no snapshot");
	if (side_open(ctx, &a, argv[0]))
		return PP_EXIT_ERROR;
	if (side_open(ctx, &b, argv[1])) {
		side_close(&a);
		return PP_EXIT_ERROR;
	}
	for (size_t i = 0; i < a.m->problems.n; i++)
		pp_warn("%s", a.m->problems.v[i]);
	for (size_t i = 0; i < b.m->problems.n; i++)
		pp_warn("%s", b.m->problems.v[i]);
	compare_models(a.m, &a.v, b.m, &b.v, &c);
	if (ctx->json) {
		rc = render_json(&a, &b, &c) ? pp_error("stdout: write failed") : 0;
	} else {
		render_text(&a, &b, &c);
		rc = 0;	/* a failed write is reported once, at exit (close_stdout) */
	}
	if (!rc)
		rc = c.worse ? PP_EXIT_BLOCKED : PP_EXIT_OK;
	comparison_free(&c);
	side_close(&b);
	side_close(&a);
	return rc;
}

const struct pp_command cmd_diff = {
	.name = "diff",
	.args = "A B",
	.summary = "compare two snapshots, reports or roots: functions, groups, drivers, resets and verdicts",
	.opts = diff_opts,
	.min_args = 2,
	.max_args = 2,
	.run = run_diff,
};
