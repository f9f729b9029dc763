/*
 * pcipass report: the one bundle a support engineer asks for.  It is a
 * snapshot (so `pcipass --sysroot report.tar.gz ...` replays it) with two
 * more files at the top: report.txt (host summary, then the outputs of
 * `list -t`, `list` and `explain --all`) and report.json (the same, from
 * `list --json` and `explain --all --json`).
 *
 * The rendered parts are the commands' own output, produced by running the
 * commands themselves with stdout captured, so the report says exactly
 * what pcipass says on that host and nothing is rendered twice.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "render-json.h"
#include "snapshot.h"

static const struct pp_opt report_opts[] = {
	{ OPT_OUTPUT, "output", 'o', "FILE",
	  "write to FILE: a tarball if it ends in .tar.gz, else a new directory "
	  "(default: pcipass-report-DATE.tar.gz)" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* The vfio modules whose parameters decide what vfio allows. */
static const char *const vfio_modules[] = { "vfio", "vfio_pci", "vfio_iommu_type1" };

/* What a command printed, and how it ended. */
struct captured {
	char *text;
	size_t len;
	int rc;
};

/*
 * Run one command on a copy of ctx, its stdout going to a temporary file.
 * Its stderr (warnings about the tree) still reaches the user.
 */
static int capture(const struct pp_command *c, const struct pp_ctx *base, bool tree, bool json, bool all,
		   struct captured *out)
{
	struct pp_ctx sub = *base;
	FILE *tmp = tmpfile();
	int saved;
	long size;

	memset(out, 0, sizeof(*out));
	memset(&sub.root, 0, sizeof(sub.root));
	sub.root.fd = -1;
	sub.tree = tree;
	sub.json = json;
	sub.all = all;
	sub.numeric = 0;
	sub.slot_selector = sub.id_selector = sub.output = NULL;
	sub.libvirt_xml = sub.qemu_args = false;
	if (!tmp)
		return pp_error("temporary file: %s", strerror(errno));
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0) {
		int e = errno;
		if (saved >= 0)
			close(saved);
		fclose(tmp);
		return pp_error("stdout: %s", strerror(e));
	}
	out->rc = c->run(&sub, 0, NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	clearerr(stdout);

	size = ftell(tmp);
	if (size < 0) {
		fclose(tmp);
		return pp_error("temporary file: %s", strerror(errno));
	}
	out->text = xmalloc((size_t)size + 1);
	rewind(tmp);
	out->len = fread(out->text, 1, (size_t)size, tmp);
	out->text[out->len] = '\0';
	fclose(tmp);
	/* explain exits 1 when something has a blocker: that is its answer, not a failure. */
	if (out->rc == PP_EXIT_ERROR)
		return pp_error("report: `pcipass %s` failed", c->name);
	return 0;
}

/* ---- the host summary ------------------------------------------------------ */

struct text {
	char *s;
	size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *piece;

	va_start(ap, fmt);
	if (vasprintf(&piece, fmt, ap) < 0)
		piece = NULL;
	va_end(ap);
	if (!piece) {
		pp_error("memory: out of memory");
		exit(PP_EXIT_ERROR);
	}
	t->s = xrealloc(t->s, t->len + strlen(piece) + 1);
	strcpy(t->s + t->len, piece);
	t->len += strlen(piece);
	free(piece);
}

static const char *tri_word(enum pp_tri t)
{
	return t == PP_YES ? "yes" : t == PP_NO ? "no" : "unknown";
}

/* Whether the data was read as root: this run's uid, or the snapshot's META. */
static char *read_as_root(const struct pp_model *m)
{
	char *meta, *line, *save, *answer = NULL;

	if (m->root->live)
		return geteuid() == 0 ? xstrdup("yes") : xasprintf("no (uid %u)", (unsigned)geteuid());
	meta = root_read_file(m->root, "META", 64 * 1024, NULL);
	for (line = meta ? strtok_r(meta, "\n", &save) : NULL; line && !answer; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "root=", 5) == 0)
			answer = xstrdup(line + 5);
	free(meta);
	return answer ? answer : xstrdup("unknown");
}

/* name = value for each parameter of the vfio modules; json gets the same. */
static void vfio_parameters(const struct pp_model *m, struct text *t, json_object *json)
{
	for (size_t i = 0; i < sizeof(vfio_modules) / sizeof(vfio_modules[0]); i++) {
		char *dir = xasprintf("sys/module/%s/parameters", vfio_modules[i]);
		struct pp_strv names = { 0 };
		json_object *params = NULL;

		if (root_list_dir(m->root, dir, &names)) {
			params = json_object_new_object();
			if (!names.n)
				add(t, "  %s: loaded, no parameters\n", vfio_modules[i]);
			for (size_t k = 0; k < names.n; k++) {
				char *p = xasprintf("%s/%s", dir, names.v[k]), value[512];
				bool ok = valid_driver_name(names.v[k]) &&
					  root_read_attr(m->root, p, value, sizeof(value)) >= 0;

				add(t, "  %s.%s = %s\n", vfio_modules[i], names.v[k], ok ? value : "(unreadable)");
				json_object_object_add(params, names.v[k], ok ? json_object_new_string(value) : NULL);
				free(p);
			}
		} else {
			add(t, "  %s: no parameters in sysfs (module not loaded)\n", vfio_modules[i]);
		}
		json_object_object_add(json, vfio_modules[i], params);
		strv_free(&names);
		free(dir);
	}
}

static void host_summary(const struct pp_model *m, const char *source, const char *date, struct text *t,
			 json_object *report_json)
{
	const struct pp_host *h = &m->host;
	char *as_root = read_as_root(m);
	json_object *vfio = json_object_new_object();
	static const char *const vendors[] = { "unknown", "Intel VT-d", "AMD-Vi" };

	add(t, "pcipass report\n\n");
	add(t, "pcipass version: %s\n", PACKAGE_VERSION);
	add(t, "created: %s\n", date);
	add(t, "source: %s%s\n", source, m->root->live ? " (this host)" : "");
	add(t, "read as root: %s\n", as_root);
	add(t, "\n== host\n\n");
	add(t, "kernel: %s\n", h->kernel_release ? h->kernel_release : "unknown");
	add(t, "command line: %s\n", h->cmdline ? h->cmdline : "unknown");
	if (h->iommu_enabled)
		add(t, "IOMMU: enabled (%s), %zu groups\n", vendors[h->iommu_vendor], m->n_groups);
	else
		add(t, "IOMMU: disabled (no IOMMU groups)\n");
	add(t, "interrupt remapping: %s%s%s%s\n", tri_word(h->intremap), h->intremap_evidence ? " (" : "",
	    h->intremap_evidence ? h->intremap_evidence : "", h->intremap_evidence ? ")" : "");
	add(t, "page size: %lu\n", h->page_size);
	add(t, "config space: %s\n", h->config_limited ? "64 bytes only (not read as root)" : "complete");
	add(t, "PCI functions: %zu\n", m->n_functions);
	add(t, "vfio module parameters:\n");
	vfio_parameters(m, t, vfio);
	if (m->problems.n) {
		add(t, "could not be read:\n");
		for (size_t i = 0; i < m->problems.n; i++)
			add(t, "  %s\n", m->problems.v[i]);
	}

	json_object_object_add(report_json, "created", json_object_new_string(date));
	json_object_object_add(report_json, "source", json_object_new_string(source));
	json_object_object_add(report_json, "read_as_root", json_object_new_string(as_root));
	json_object_object_add(report_json, "vfio_parameters", vfio);
	json_object_object_add(report_json, "problems", json_strv(&m->problems));
	free(as_root);
}

static void section(struct text *t, const char *title, const struct captured *c)
{
	add(t, "\n== %s\n\n", title);
	add(t, "%s", c->text);
	if (c->len && c->text[c->len - 1] != '\n')
		add(t, "\n");
}

/* A captured JSON document, or a string saying why it is missing. */
static json_object *parsed(const struct captured *c)
{
	json_object *o = json_tokener_parse(c->text);

	return o ? o : json_object_new_string("(not JSON: see report.txt)");
}

static int run_report(struct pp_ctx *ctx, int argc, char **argv)
{
	struct captured tree = { 0 }, list = { 0 }, explain = { 0 }, list_json = { 0 }, explain_json = { 0 };
	struct pp_model *m = NULL;
	struct snap_out *out = NULL;
	struct snap_result res;
	struct text txt = { 0 };
	json_object *doc = NULL, *report_json;
	char *path = ctx->output ? xstrdup(ctx->output) : snapshot_default_name("report");
	const char *source = ctx->sysroot ? ctx->sysroot : "/";
	char date[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	(void)argc;
	(void)argv;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	rc = capture(&cmd_list, ctx, true, false, false, &tree);
	if (!rc)
		rc = capture(&cmd_list, ctx, false, false, false, &list);
	if (!rc)
		rc = capture(&cmd_explain, ctx, false, false, true, &explain);
	if (!rc)
		rc = capture(&cmd_list, ctx, false, true, false, &list_json);
	if (!rc)
		rc = capture(&cmd_explain, ctx, false, true, true, &explain_json);
	if (!rc && !(m = ctx_model(ctx)))
		rc = PP_EXIT_ERROR;
	if (!rc)
		rc = snap_out_open(path, &out);
	if (!rc)
		rc = snapshot_record(m, source, out, &res);
	if (!rc) {
		doc = json_object_new_object();
		report_json = json_object_new_object();
		json_object_object_add(doc, "schema", json_object_new_int(PCIPASS_JSON_SCHEMA));
		json_object_object_add(doc, "pcipass_version", json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(doc, "report", report_json);
		json_object_object_add(doc, "host", json_host(m));
		host_summary(m, source, date, &txt, report_json);
		add(&txt, "snapshot: %zu attributes, %zu kept empty, %zu links, %zu unreadable\n", res.files,
		    res.empty, res.links, res.unreadable);
		section(&txt, "tree (pcipass list -t)", &tree);
		section(&txt, "list (pcipass list)", &list);
		section(&txt, "explain (pcipass explain --all)", &explain);
		json_object_object_add(doc, "list", parsed(&list_json));
		json_object_object_add(doc, "explain", parsed(&explain_json));
		rc = snap_out_file(out, "report.txt", txt.s, txt.len);
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
	if (!rc) {
		printf("%s: report.txt, report.json and the snapshot (%zu functions)\n", path, m->n_functions);
		if (fflush(stdout) == EOF)
			rc = pp_error("stdout: write error");
	}
	json_object_put(doc);
	free(txt.s);
	free(tree.text);
	free(list.text);
	free(explain.text);
	free(list_json.text);
	free(explain_json.text);
	free(path);
	if (m)
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
