/*
 * pcipass report: the one bundle a support engineer asks for.  It is a
 * snapshot (so `pcipass --sysroot report.tar.gz ...` replays it) with two
 * more files at the top: report.txt (host summary, then the outputs of
 * `list -t`, `list` and `explain --all`) and report.json (the same, from
 * `list --json` and `explain --all --json`).
 *
 * The model is built once and rendered by the same functions list and
 * explain use, so the report says exactly what pcipass says on that host.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "checks.h"
#include "columns.h"
#include "render-json.h"
#include "predict.h"
#include "render-text.h"
#include "redact.h"
#include "snapshot.h"

static const struct pp_opt report_opts[] = {
	{ OPT_OUTPUT, "output", 'o', "FILE",
	  "write to FILE: a tarball if it ends in .tar.gz, else a new directory "
	  "(default: pcipass-report-DATE.tar.gz); .tgz is a tarball too" },
	{ OPT_FORCE, "force", 'f', NULL, "replace a FILE that exists and is not a directory" },
	{ OPT_REDACT, "redact", 0, NULL,
	  "leave out serial numbers, MAC and IP addresses, guest names, mount points and the command "
	  "line's values pcipass does not read" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* Render into memory: the report is one model rendered several ways. */
struct rendering {
	FILE *f;
	char *text;
	size_t len;
};

static FILE *rendering_open(struct rendering *r)
{
	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->text, &r->len);
	if (!r->f) {
		pp_error("memory: %s", strerror(errno));
		exit(PP_EXIT_ERROR);
	}
	return r->f;
}

static void rendering_close(struct rendering *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}

static void section(FILE *out, const char *title)
{
	fprintf(out, "\n== %s\n\n", title);
}

/* A rendered JSON document as a json-c object (it is ours: it parses). */
static json_object *json_of(int (*render)(FILE *, const struct pp_verdict *, bool), const struct pp_verdict *v,
			    bool explain)
{
	struct rendering r;
	json_object *o;

	render(rendering_open(&r), v, explain);
	rendering_close(&r);
	o = json_tokener_parse(r.text);
	free(r.text);
	return o ? o : json_object_new_string("(not JSON: see report.txt)");
}

static int run_report(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_model *m;
	struct pp_checker *checker = NULL;
	struct pp_function **all = NULL;
	struct pp_verdict v = { 0 };
	struct snap_out *out = NULL;
	struct snap_result res;
	struct pp_redaction redaction = { 0 };
	struct rendering txt = { 0 };
	int cols[PP_MAX_COLS];
	struct pp_list_opts lo = { .cols = cols, .sort = -1 };
	json_object *doc = NULL;
	char *path = ctx->output ? xstrdup(ctx->output) : snapshot_default_name("report");
	const char *source = ctx->sysroot ? ctx->sysroot : "/";
	char date[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	(void)argc;
	(void)argv;
	pp_color = false;	/* report.txt is a file, whatever stdout is */
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if ((rc = ctx_refuse_overwrite(ctx, path))) {
		free(path);
		return rc;
	}
	m = ctx_model(ctx);
	if (!m) {
		free(path);
		return PP_EXIT_ERROR;
	}
	for (size_t i = 0; i < m->problems.n; i++)
		pp_warn("%s", m->problems.v[i]);
	/* Redacted before anything is judged: the evidence quotes the command line. */
	if (ctx->redact)
		redact_model(m);
	/* One model, one verdict (every function alone, as list and explain --all judge). */
	checker = checker_new(m);
	all = xcalloc(m->n_functions + 1, sizeof(*all));
	for (size_t i = 0; i < m->n_functions; i++)
		all[i] = &m->functions[i];
	verdict_judge(checker, all, m->n_functions, true, &v);
	/* as list and explain show them: with the IOMMU off, the predicted groups */
	lo.predicted = !m->host.iommu_enabled || m->host.noiommu_only;
	if (lo.predicted)
		predict_ensure(m);

	rc = snap_out_open(path, &out);
	if (!rc)
		rc = snapshot_record(m, source, out, &res, ctx->redact ? &redaction : NULL);
	if (!rc) {
		FILE *f = rendering_open(&txt);
		json_object *head = json_report_head(m, source, date, ctx->redact ? &redaction : NULL);

		render_host_summary(f, m, source, date, ctx->redact ? &redaction : NULL);
		fprintf(f, "snapshot: %zu attributes, %zu kept empty, %zu links, %zu unreadable\n", res.files,
			res.empty, res.links, res.unreadable);
		section(f, "tree (pcipass list -t)");
		columns_choose(NULL, true, 0, cols, &lo.ncols);
		lo.tree = true;
		render_list(f, &lo, &v);
		section(f, "list (pcipass list)");
		columns_choose(NULL, false, 0, cols, &lo.ncols);
		lo.tree = false;
		render_list(f, &lo, &v);
		section(f, "explain (pcipass explain --all)");
		render_explain(f, &v);
		rendering_close(&txt);
		rc = snap_out_file(out, "report.txt", txt.text, txt.len);

		doc = json_object_new_object();
		json_object_object_add(doc, "schema", json_object_new_int(PCIPASS_JSON_SCHEMA));
		json_object_object_add(doc, "pcipass_version", json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(doc, "report", head);
		{
			/* The host as list --json says it, host-wide findings included. */
			json_object *list = json_of(json_render_verdict, &v, false), *host = NULL;

			if (json_object_object_get_ex(list, "host", &host))
				json_object_get(host);
			else
				host = json_host(m);
			json_object_object_add(doc, "host", host);
			json_object_object_add(doc, "list", list);
		}
		json_object_object_add(doc, "explain", json_of(json_render_verdict, &v, true));
	}
	if (!rc) {
		const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
									 JSON_C_TO_STRING_NOSLASHESCAPE);
		char *withnl = xasprintf("%s\n", s);

		rc = snap_out_file(out, "report.json", withnl, strlen(withnl));
		free(withnl);
	}
	if (out) {
		if (rc)
			snap_out_abort(out);
		else
			rc = snap_out_commit(out);
	}
	if (rc)
		pp_report();	/* archive.c's message, if it failed there */
	if (!rc) {
		printf("%s: report.txt, report.json and the snapshot (%zu functions)\n", path, m->n_functions);
		if (fflush(stdout) == EOF)
			rc = pp_error("stdout: write error");
	}
	json_object_put(doc);
	free(txt.text);
	verdict_free(&v);
	redaction_free(&redaction);
	checker_free(checker);
	free(all);
	free(path);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_report = {
	.name = "report",
	.args = NULL,
	.summary = "bundle a host summary, the tree, the list, explain --all (text and JSON) and a snapshot",
	.opts = report_opts,
	.min_args = 0,
	.max_args = 0,
	.run = run_report,
};
