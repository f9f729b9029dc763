/*
 * The command line: option tables and their parser (help is printed from
 * the same tables, so the two cannot disagree), the one way every command
 * opens its root (a directory or a snapshot tarball), and the one
 * sanitiser for the BDFs and names users type.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive.h"
#include "cli.h"
#include "lspci-dump.h"

static const struct pp_opt global_opts[] = {
	{ GOPT_SYSROOT, "sysroot", 0, "DIR", "read DIR/sys and DIR/proc instead of /sys and /proc (DIR may be a snapshot .tar.gz)" },
	{ GOPT_FROM_LSPCI, "from-lspci", 0, "FILE", "read the lspci listing in FILE (best -nnDvvvxxxx; -vvv or -nnk text too; gzip, an nvidia-bug-report log, - for stdin) instead of /sys: read-only" },
	{ GOPT_VERBOSE, "verbose", 'v', NULL, "unbind, reset, rebind: print every step as a shell line and each verification; list and explain: the capability facts" },
	{ GOPT_HELP, "help", 'h', NULL, "show this help and exit" },
	{ GOPT_VERSION, "version", 'V', NULL, "show the version and exit" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

static void print_opts(FILE *out, const struct pp_opt *opts)
{
	for (const struct pp_opt *o = opts; o->long_name; o++) {
		char left[64];
		const char *arg = o->arg_name ? o->arg_name : "";
		const char *sp = o->arg_name ? " " : "";

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->long_name, sp, arg);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->long_name, sp, arg);
		/* A long synopsis gets a line of its own: the help column stays
		 * aligned and a reader (or the completion) never mistakes the
		 * first word of the help for the option's argument. */
		if (strlen(left) > 25)
			fprintf(out, "  %s\n  %-26s %s\n", left, "", o->help);
		else
			fprintf(out, "  %-26s %s\n", left, o->help);
	}
}

static const struct pp_command *const *commands;
static size_t n_commands;

static void usage_main(FILE *out)
{
	fprintf(out, "Usage: %s [--sysroot DIR] COMMAND [options] [arguments]\n\n", pp_progname);
	fputs("Triage PCI functions for passthrough to virtual machines (VFIO).\n\nCommands:\n", out);
	for (size_t i = 0; i < n_commands; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nGlobal options:\n", out);
	print_opts(out, global_opts);
	fprintf(out, "\nRun '%s COMMAND --help' for the options of one command.\n", pp_progname);
	fputs("Exit status: 0 assignable or success, 1 blockers found or refused, 2 error.\n", out);
}

static void usage_command(FILE *out, const struct pp_command *c)
{
	fprintf(out, "Usage: %s [--sysroot DIR] %s [options]%s%s\n\n%s.\n\nOptions:\n", pp_progname, c->name,
		c->args ? " " : "", c->args ? c->args : "", c->summary);
	print_opts(out, c->opts);
	fputs("\nGlobal options:\n", out);
	print_opts(out, global_opts);
}

static const struct pp_command *find_command(const char *name)
{
	for (size_t i = 0; i < n_commands; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* Build getopt's tables from the command's options plus the global ones. */
static void build_getopt(const struct pp_command *c, struct option *longs, char *shorts)
{
	const struct pp_opt *sets[2] = { c ? c->opts : NULL, global_opts };
	size_t nl = 0, ns = 0;

	if (!c)
		shorts[ns++] = '+';	/* first pass: stop at the command name */
	for (size_t s = 0; s < 2; s++)
		for (const struct pp_opt *o = sets[s]; o && o->long_name; o++) {
			longs[nl].name = o->long_name;
			longs[nl].has_arg = o->arg_name ? required_argument : no_argument;
			longs[nl].flag = NULL;
			/* Long names get their own values, apart from the short
			 * letters, so that an error can name the form used. */
			longs[nl].val = (int)o->key + 0x200;
			nl++;
			if (o->short_name) {
				shorts[ns++] = (char)o->short_name;
				if (o->arg_name)
					shorts[ns++] = ':';
			}
		}
	memset(&longs[nl], 0, sizeof(longs[nl]));
	shorts[ns] = '\0';
}

static const struct pp_opt *opt_by_val(const struct pp_command *c, int val)
{
	const struct pp_opt *sets[2] = { c ? c->opts : NULL, global_opts };

	for (size_t s = 0; s < 2; s++)
		for (const struct pp_opt *o = sets[s]; o && o->long_name; o++)
			if ((o->short_name && o->short_name == val) || (int)o->key + 0x200 == val)
				return o;
	return NULL;
}

/* --color's WHEN until the parse ends; "auto" when not given. */
static const char *color_when = "auto";

static int apply_opt(struct pp_ctx *ctx, const struct pp_command *c, const struct pp_opt *o, char *arg)
{
	switch ((int)o->key) {
	case GOPT_SYSROOT: ctx->sysroot = arg; break;
	case GOPT_FROM_LSPCI: ctx->from_lspci = arg; break;
	case GOPT_VERBOSE: pp_verbose++; break;
	case GOPT_HELP:
		if (c)
			usage_command(stdout, c);
		else
			usage_main(stdout);
		exit(PP_EXIT_OK);
	case GOPT_VERSION:
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		exit(PP_EXIT_OK);
	case OPT_JSON: ctx->json = true; break;
	case OPT_NUMERIC: ctx->numeric++; break;
	case OPT_TREE: ctx->tree = true; break;
	case OPT_SLOT: ctx->slot_selector = arg; break;
	case OPT_ID: ctx->id_selector = arg; break;
	case OPT_ALL: ctx->all = true; break;
	case OPT_DRY_RUN: ctx->dry_run = true; break;
	case OPT_FORCE: ctx->force = true; break;
	case OPT_DRIVER: ctx->driver = arg; break;
	case OPT_GROUP: ctx->group = true; break;
	case OPT_METHOD: ctx->method = arg; break;
	case OPT_OUTPUT: ctx->output = arg; break;
	case OPT_LIBVIRT_XML: ctx->libvirt_xml = true; break;
	case OPT_QEMU_ARGS: ctx->qemu_args = true; break;
	case OPT_MACHINE: ctx->machine = arg; break;
	case OPT_CONTROLLER_INDEX: ctx->controller_index = arg; break;
	case OPT_STRICT: ctx->strict = true; break;
	case OPT_FORCE_IN_USE: ctx->force_in_use = true; break;
	case OPT_FORCE_BOOT_VGA: ctx->force_boot_vga = true; break;
	case OPT_PERSIST: ctx->persist = true; break;
	/* list's table (columns.c), colours, report --redact */
	case OPT_LIST_COLUMNS: ctx->list_columns = true; break;
	case OPT_RAW: ctx->raw = true; break;
	case OPT_PAIRS: ctx->pairs = true; break;
	case OPT_NOHEADINGS: ctx->noheadings = true; break;
	case OPT_SORT: ctx->sort = arg; break;
	case OPT_WIDTH: {
		char *end;
		unsigned long w;

		errno = 0;
		w = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-' || w < 20 || w > 10000)
			return pp_usage_error("--width %.32s: not a number of columns (20 to 10000)", arg);
		ctx->width = w;
		break;
	}
	case OPT_COLOR:
		if (strcmp(arg, "auto") && strcmp(arg, "always") && strcmp(arg, "never")) {
			char *shown = pp_escape(arg, 32);

			pp_usage_error("--color %s: expected auto, always or never", shown);
			free(shown);
			return PP_EXIT_ERROR;
		}
		color_when = arg;
		break;
	case OPT_REDACT: ctx->redact = true; break;
	default:
		return pp_error("option --%s: not handled (bug)", o->long_name);
	}
	return 0;
}

/* util-linux's err_exclusive_options: the first option seen of each group,
 * and a usage error naming both when another of the group follows. */
static int check_exclusive(const struct pp_command *c, const struct pp_opt *o, const struct pp_opt **seen)
{
	if (!c || !c->exclusive)
		return 0;
	for (size_t g = 0; c->exclusive[g][0] != OPT_END; g++)
		for (size_t k = 0; k < 8 && c->exclusive[g][k] != OPT_END; k++) {
			if (c->exclusive[g][k] != o->key)
				continue;
			if (seen[g] && seen[g]->key != o->key)
				return pp_usage_error("--%s and --%s: choose one", seen[g]->long_name,
						      o->long_name);
			seen[g] = o;
		}
	return 0;
}

static int parse_opts(struct pp_ctx *ctx, const struct pp_command *c, int argc, char **argv)
{
	struct option longs[64];
	char shorts[128];
	const struct pp_opt *seen[16] = { 0 };
	int ch;

	build_getopt(c, longs, shorts);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct pp_opt *o;

		if (ch == '?' || ch == ':') {
			/* getopt sets optopt to the option it recognised (short
			 * letter or long value), 0 for a long name it does not know. */
			const struct pp_opt *bad = optopt ? opt_by_val(c, optopt) : NULL;
			const char *why = !bad ? "unknown option" : bad->arg_name ? "needs an argument"
										  : "takes no argument";

			if (optopt && optopt < 0x100)
				return pp_usage_error("-%c: %s", optopt, why);
			if (bad)
				return pp_usage_error("--%s: %s", bad->long_name, why);
			return pp_usage_error("%.64s: %s", argv[optind - 1], why);
		}
		o = opt_by_val(c, ch);
		if (!o)
			return pp_usage_error("%s: unknown option", argv[optind - 1]);
		if (check_exclusive(c, o, seen) || apply_opt(ctx, c, o, optarg))
			return PP_EXIT_ERROR;
	}
	return 0;
}

int ctx_open_root_at(const char *sysroot, struct pp_root *root)
{
	const char *dir = sysroot ? sysroot : "/";
	int rc;

	if (sysroot && !*sysroot)
		return pp_usage_error("--sysroot: an empty path names no directory");
	/* A snapshot tarball is unpacked, every entry checked, into a private directory first. */
	if (sysroot && sysroot_unpack(sysroot, &dir))
		return pp_report();
	rc = root_open(root, dir);
	if (rc < 0) {
		char *shown = pp_escape(dir, 0);

		rc = pp_error("%s: %s", shown, strerror(-rc));
		free(shown);
		return rc;
	}
	root->display = sysroot;
	return 0;
}

int ctx_open_root(struct pp_ctx *ctx)
{
	const char *dir;
	int rc;

	if (!ctx->from_lspci)
		return ctx_open_root_at(ctx->sysroot, &ctx->root);
	if (ctx->sysroot)
		return pp_usage_error("--sysroot and --from-lspci: choose one");
	if (!*ctx->from_lspci)
		return pp_usage_error("--from-lspci: an empty path names no file");
	/* The listing becomes a sysroot in a private directory (HACKING, lspci dumps). */
	if (lspci_dump_load(ctx->from_lspci, &dir))
		return pp_report();
	rc = root_open(&ctx->root, dir);
	if (rc < 0)
		return pp_error("%s: %s", dir, strerror(-rc));
	ctx->root.display = strcmp(ctx->from_lspci, "-") == 0 ? "(standard input)" : ctx->from_lspci;
	return 0;
}

int ctx_refuse_overwrite(const struct pp_ctx *ctx, const char *path)
{
	struct stat st;
	char *shown;
	int rc;

	/* An existing file is somebody's: replaced only when asked (a directory
	 * is filled only when empty: snap_out_open refuses any other). */
	if (ctx->force || lstat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return 0;
	shown = pp_escape(path, 0);
	rc = pp_error("%s: exists; use --force to replace it", shown);
	free(shown);
	return rc;
}

int ctx_refuse_without_config(struct pp_ctx *ctx, struct pp_model *m, const char *cmd, const char *needs)
{
	char *shown;
	int rc;

	if (!host_lacks(&m->host, "config-space"))
		return 0;
	shown = pp_escape(ctx->root.display, 0);
	rc = pp_error("%s: %s: the lspci listing has no hex rows, so no config space %s; ask for "
		      "`sudo lspci -nnDvvvxxxx`", cmd, shown, needs);
	free(shown);
	ctx_release(ctx, m);
	return rc;
}

/* The model of an opened root, with ctx's naming options; closes the root on failure. */
static struct pp_model *model_of(const struct pp_ctx *ctx, struct pp_root *root)
{
	struct pp_model_opts mo = { .numeric = ctx->numeric };
	struct pp_model *m = model_build(root, &mo);

	if (!m)
		root_close(root);
	return m;
}

struct pp_model *ctx_model_at(const struct pp_ctx *ctx, const char *sysroot, struct pp_root *root)
{
	return ctx_open_root_at(sysroot, root) ? NULL : model_of(ctx, root);
}

struct pp_model *ctx_model(struct pp_ctx *ctx)
{
	return ctx_open_root(ctx) ? NULL : model_of(ctx, &ctx->root);
}

void ctx_release(struct pp_ctx *ctx, struct pp_model *m)
{
	model_free(m);
	root_close(&ctx->root);
}

/* The one place an argument that is not a BDF is echoed: escaped and cut. */
static int bad_bdf_arg(const char *arg)
{
	char *shown;
	int rc;

	if (!*arg)
		return pp_usage_error("an empty argument is not a PCI address (expected [DDDD:]BB:DD.F)");
	shown = pp_escape(arg, 64);
	rc = pp_usage_error("%s: not a PCI address (expected [DDDD:]BB:DD.F)", shown);
	free(shown);
	return rc;
}

int check_bdf_args(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct pp_bdf b;

		if (!bdf_parse_user(argv[i], &b))
			return bad_bdf_arg(argv[i]);
	}
	return 0;
}

int check_driver_arg(const char *option, const char *name)
{
	/* valid_driver_name already refuses '/', "." and ".."; a driver
	 * name never holds ".." either, so refuse it anywhere. */
	if (!valid_driver_name(name) || strstr(name, "..")) {
		char *shown = pp_escape(name, 64);
		int rc = pp_usage_error("%s %s: not a driver name (letters, digits, '-', '_', '.')", option, shown);

		free(shown);
		return rc;
	}
	return 0;
}

int ctx_functions(const struct pp_model *m, int argc, char **argv, struct pp_function ***out, size_t *n)
{
	struct pp_function **v = xcalloc((size_t)argc + 1, sizeof(*v));
	size_t k = 0;

	for (int i = 0; i < argc; i++) {
		struct pp_bdf b;
		struct pp_function *f;
		bool dup = false;

		if (!bdf_parse_user(argv[i], &b)) {
			free(v);
			return bad_bdf_arg(argv[i]);
		}
		f = model_find(m, &b);
		if (!f) {
			char bdf[PP_BDF_LEN + 8];
			bdf_format(&b, bdf);
			free(v);
			return pp_error("%s: no such PCI function", bdf);
		}
		for (size_t j = 0; j < k; j++)
			dup |= v[j] == f;
		if (!dup)
			v[k++] = f;
	}
	*out = v;
	*n = k;
	return 0;
}


int cli_parse(struct pp_ctx *ctx, const struct pp_command *const *table, size_t n, int argc, char **argv,
	      const struct pp_command **cmd, int *nargs, char ***args)
{
	const struct pp_command *c;
	int rc;

	commands = table;
	n_commands = n;
	/* stdout is checked once, at exit, for every command (util.c). */
	atexit(close_stdout);
	/* First pass: global options up to the command name. */
	rc = parse_opts(ctx, NULL, argc, argv);
	if (rc)
		return rc;
	if (optind >= argc)
		return pp_usage_error("no command given");
	c = find_command(argv[optind]);
	if (!c) {
		char *shown = pp_escape(argv[optind], 64);

		rc = pp_usage_error("%s: unknown command", shown);
		free(shown);
		return rc;
	}
	/* Second pass: the command's arguments, options anywhere among them. */
	argc -= optind;
	argv += optind;
	optind = 0;
	rc = parse_opts(ctx, c, argc, argv);
	if (rc)
		return rc;
	*nargs = argc - optind;
	if (*nargs < c->min_args)
		return pp_usage_error("%s: needs %s", c->name, c->args ? c->args : "an argument");
	if (c->max_args >= 0 && *nargs > c->max_args)
		return pp_usage_error("%s: too many arguments", c->name);
	ctx->color = pp_color = color_wanted(color_when);
	*cmd = c;
	*args = argv + optind;
	return 0;
}
