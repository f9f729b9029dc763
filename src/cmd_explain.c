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
#include "render.h"
#include "vmconfig.h"

#define WIDTH 80
#define FINDING_INDENT 11	/* "  blocker  " */
#define HINT_INDENT 17		/* "           hint: " */

static const struct pp_opt explain_opts[] = {
	{ OPT_ALL, "all", 'a', NULL, "judge every function alone, as list does (exit 1 if any has a blocker)" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids in headers; twice (-nn) for names and ids" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_LIBVIRT_XML, "libvirt-xml", 0, NULL,
	  "print libvirt <hostdev> elements for the set, or its blockers (exit 1)" },
	{ OPT_QEMU_ARGS, "qemu-args", 0, NULL, "print QEMU -device vfio-pci arguments for the set, or its blockers" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

struct explain {
	const struct pp_model *m;
	struct pp_checker *checker;
	const struct pp_function **scope;	/* the functions reported, in order */
	size_t n;
	bool alone;				/* --all: each function is its own set */
	struct pp_set together;			/* without --all: the one set */
	struct pp_function *single;		/* with --all: the member of the current set */
	struct pp_set one;
};

/* The set f is judged in. */
static const struct pp_set *set_of(struct explain *e, const struct pp_function *f)
{
	if (!e->alone)
		return &e->together;
	e->single = (struct pp_function *)f;
	e->one.members = &e->single;
	e->one.n = 1;
	return &e->one;
}

static void judge(struct explain *e, const struct pp_function *f, struct pp_findings *out)
{
	checker_judge(e->checker, set_of(e, f), f, out);
}

/* ---- text --------------------------------------------------------------- */

/*
 * Print text word by word from column col, breaking lines before WIDTH and
 * indenting continuation lines.  A word longer than a whole line (a sysfs
 * path in the evidence) is cut after a '/' where possible.
 */
static void print_wrapped(size_t col, size_t indent, const char *text)
{
	bool line_start = true;
	size_t room = WIDTH > indent ? WIDTH - indent : 1;

	for (const char *p = text; *p;) {
		size_t w;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = strcspn(p, " ");
		if (!line_start && col + 1 + w > WIDTH && (w <= room || col + 1 >= WIDTH - 8)) {
			printf("\n%*s", (int)indent, "");
			col = indent;
			line_start = true;
		}
		if (!line_start) {
			putchar(' ');
			col++;
		}
		while (col + w > WIDTH && WIDTH > col + 1) {
			/* the part that fits, up to its last '/' if it has one */
			size_t fit = WIDTH - col, cut = fit;

			while (cut > 1 && p[cut - 1] != '/')
				cut--;
			if (cut <= 1)
				cut = fit;
			fwrite(p, 1, cut, stdout);
			printf("\n%*s", (int)indent, "");
			col = indent;
			p += cut;
			w -= cut;
		}
		fwrite(p, 1, w, stdout);
		col += w;
		p += w;
		line_start = false;
	}
	putchar('\n');
}

static void print_finding(const struct pp_finding *x)
{
	int col;

	col = printf("  %-8s %s: ", severity_name(x->severity), x->code);
	print_wrapped((size_t)col, FINDING_INDENT, x->message);
	if (x->hint && *x->hint) {
		col = printf("%*shint: ", FINDING_INDENT, "");
		print_wrapped((size_t)col, HINT_INDENT, x->hint);
	}
	if (pp_verbose)
		for (size_t i = 0; i < x->evidence.n; i++) {
			col = printf("%*sevidence: ", FINDING_INDENT, "");
			print_wrapped((size_t)col, FINDING_INDENT + 10, x->evidence.v[i]);
		}
}

/* "0000:00:1f.2 SATA controller: Intel Corporation 82801IR/IO/IH ...", as lspci -D words it. */
static void print_header(const struct pp_function *f)
{
	char *class = text_class(f), *device = text_device(f), *line;

	line = xasprintf("%s: %s", class, device);
	printf("%s ", f->bdf);
	print_wrapped(strlen(f->bdf) + 1, strlen(f->bdf) + 1, line);
	free(line);
	free(class);
	free(device);
}

/* Distinct codes, in the order met. */
static void add_code(struct pp_strv *codes, const char *code)
{
	if (!strv_contains(codes, code))
		strv_push(codes, code);
}

static int print_text(struct explain *e)
{
	struct pp_findings *all = xcalloc(e->n, sizeof(*all));
	struct pp_strv host_codes = { 0 }, blocker_codes = { 0 };
	size_t blockers = 0, warnings = 0, assignable = 0;
	bool host_header = false;
	char *line;

	for (size_t i = 0; i < e->n; i++)
		judge(e, e->scope[i], &all[i]);

	/* Host-wide findings once, from the first function that has each. */
	for (size_t i = 0; i < e->n; i++)
		for (size_t k = 0; k < all[i].n; k++) {
			const struct pp_finding *x = &all[i].v[k];

			if (!x->host_wide || strv_contains(&host_codes, x->code))
				continue;
			if (!host_header) {
				const char *kernel = e->m->host.kernel_release;
				printf("host%s%s\n", kernel ? ": kernel " : "", kernel ? kernel : "");
				host_header = true;
			}
			strv_push(&host_codes, x->code);
			print_finding(x);
			blockers += x->severity == PP_BLOCKER;
			warnings += x->severity == PP_WARNING;
			if (x->severity == PP_BLOCKER)
				add_code(&blocker_codes, x->code);
		}
	if (host_header)
		putchar('\n');

	for (size_t i = 0; i < e->n; i++) {
		size_t shown = 0;

		print_header(e->scope[i]);
		for (size_t k = 0; k < all[i].n; k++) {
			const struct pp_finding *x = &all[i].v[k];

			if (x->host_wide)
				continue;
			print_finding(x);
			shown++;
			blockers += x->severity == PP_BLOCKER;
			warnings += x->severity == PP_WARNING;
			if (x->severity == PP_BLOCKER)
				add_code(&blocker_codes, x->code);
		}
		if (!shown)
			printf(host_header ? "  no findings beyond the host's\n" : "  no findings\n");
		assignable += findings_worst(&all[i]) < PP_BLOCKER;
		putchar('\n');
	}

	if (e->alone) {
		line = xasprintf("%zu of %zu function%s can be assigned on %s own", assignable, e->n,
				 e->n == 1 ? "" : "s", e->n == 1 ? "its" : "their");
	} else {
		struct pp_strv bdfs = { 0 };
		char *list;

		for (size_t i = 0; i < e->n; i++)
			strv_push(&bdfs, e->scope[i]->bdf);
		list = strv_join(&bdfs, " ");
		strv_free(&bdfs);
		if (!blockers) {
			line = xasprintf("%s can be assigned%s", list, e->n > 1 ? " together" : "");
		} else {
			char *codes = strv_join(&blocker_codes, ", ");
			line = xasprintf("%s cannot be assigned%s: %zu blocker%s (%s)", list,
					 e->n > 1 ? " together" : "", blockers, blockers == 1 ? "" : "s", codes);
			free(codes);
		}
		free(list);
		if (warnings) {
			char *more = xasprintf("%s, %zu warning%s", line, warnings, warnings == 1 ? "" : "s");
			free(line);
			line = more;
		}
	}
	printf("verdict: ");
	print_wrapped(9, 9, line);
	free(line);

	for (size_t i = 0; i < e->n; i++)
		findings_free(&all[i]);
	free(all);
	strv_free(&host_codes);
	strv_free(&blocker_codes);
	if (fflush(stdout) == EOF || ferror(stdout))
		return pp_error("stdout: write error");
	return e->alone ? (assignable == e->n ? PP_EXIT_OK : PP_EXIT_BLOCKED)
			: (blockers ? PP_EXIT_BLOCKED : PP_EXIT_OK);
}

/* ---- JSON --------------------------------------------------------------- */

static json_object *explain_json_item(void *arg, size_t i)
{
	struct explain *e = arg;
	struct pp_findings fs = { 0 };
	json_object *o;

	judge(e, e->scope[i], &fs);
	o = json_function_verdict(e->m, e->scope[i], &fs);
	findings_free(&fs);
	return o;
}

static int print_json(struct explain *e)
{
	json_object *doc = json_document(e->m), *set;
	bool assignable = true;
	int rc;

	/* The verdict leads the document, so judge once for it and again while streaming. */
	for (size_t i = 0; i < e->n; i++) {
		struct pp_findings fs = { 0 };

		judge(e, e->scope[i], &fs);
		assignable &= findings_worst(&fs) < PP_BLOCKER;
		findings_free(&fs);
	}
	json_object_object_add(doc, "judged", json_object_new_string(e->alone ? "alone" : "together"));
	if (e->alone) {
		set = NULL;
	} else {
		set = json_object_new_array();
		for (size_t i = 0; i < e->n; i++)
			json_object_array_add(set, json_object_new_string(e->scope[i]->bdf));
	}
	json_object_object_add(doc, "set", set);
	json_object_object_add(doc, "assignable", json_object_new_boolean(assignable));
	rc = json_print_stream(doc, "functions", e->n, explain_json_item, e);
	if (rc)
		return rc;
	return assignable ? PP_EXIT_OK : PP_EXIT_BLOCKED;
}

/* --libvirt-xml, --qemu-args: the set's VM configuration (vmconfig.c), or its blockers. */
static int print_vmconfig(struct explain *e, enum vm_format fmt)
{
	struct pp_findings *fs = xcalloc(e->n, sizeof(*fs));
	int rc;

	for (size_t i = 0; i < e->n; i++)
		judge(e, e->scope[i], &fs[i]);
	rc = vmconfig_emit(e->m, &e->together, fs, fmt);
	for (size_t i = 0; i < e->n; i++)
		findings_free(&fs[i]);
	free(fs);
	return rc;
}

static int run_explain(struct pp_ctx *ctx, int argc, char **argv)
{
	struct explain e = { 0 };
	struct pp_function **fns = NULL;
	struct pp_model *m;
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
	e.m = m;
	e.alone = ctx->all;
	if (ctx->all) {
		e.n = m->n_functions;
		e.scope = xcalloc(e.n, sizeof(*e.scope));
		for (size_t i = 0; i < e.n; i++)
			e.scope[i] = &m->functions[i];
	} else {
		rc = ctx_functions(m, argc, argv, &fns, &e.n);
		if (rc) {
			ctx_release(ctx, m);
			return rc;
		}
		e.scope = xcalloc(e.n, sizeof(*e.scope));
		for (size_t i = 0; i < e.n; i++)
			e.scope[i] = fns[i];
		e.together.members = fns;
		e.together.n = e.n;
	}
	for (size_t i = 0; i < m->problems.n; i++)
		pp_warn("%s", m->problems.v[i]);
	e.checker = checker_new(m);
	if (ctx->libvirt_xml || ctx->qemu_args)
		rc = print_vmconfig(&e, ctx->libvirt_xml ? VM_LIBVIRT_XML : VM_QEMU_ARGS);
	else
		rc = ctx->json ? print_json(&e) : print_text(&e);
	checker_free(e.checker);
	free(e.scope);
	free(fns);
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
