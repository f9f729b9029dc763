/*
 * pcipass snapshot: record this host's PCI state (or copy the --sysroot
 * one) as a tree a support engineer replays with --sysroot.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "snapshot.h"

static const struct pp_opt snapshot_opts[] = {
	{ OPT_OUTPUT, "output", 'o', "PATH",
	  "write to PATH: a tarball if it ends in .tar.gz, else a new directory "
	  "(default: pcipass-snapshot-DATE.tar.gz); .tgz is a tarball too" },
	{ OPT_FORCE, "force", 'f', NULL, "replace a PATH that exists and is not a directory" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* "pcipass-snapshot-20261121-101500.tar.gz" in the current directory. */
char *snapshot_default_name(const char *what)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime_r(&now, &tm));
	return xasprintf("pcipass-%s-%s.tar.gz", what, stamp);
}

static int run_snapshot(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_model *m;
	struct snap_out *out;
	struct snap_result res;
	char *path = ctx->output ? xstrdup(ctx->output) : snapshot_default_name("snapshot");
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = ctx_refuse_overwrite(ctx, path))) {
		free(path);
		return rc;
	}
	m = ctx_model(ctx);
	if (!m) {
		free(path);
		return PP_EXIT_ERROR;
	}
	rc = snap_out_open(path, &out);
	if (!rc) {
		rc = snapshot_record(m, ctx->sysroot ? ctx->sysroot : "/", out, &res, NULL);
		if (rc)
			snap_out_abort(out);
		else
			rc = snap_out_commit(out);
	}
	if (rc)
		pp_report();	/* archive.c's message, if it failed there */
	if (!rc) {
		printf("%s: %zu attributes, %zu kept empty, %zu links", path, res.files, res.empty, res.links);
		if (res.unreadable)
			printf("; %zu could not be read (listed in UNREADABLE)", res.unreadable);
		putchar('\n');
		if (fflush(stdout) == EOF)
			rc = pp_error("stdout: write error");
	}
	free(path);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_snapshot = {
	.name = "snapshot",
	.args = NULL,
	.summary = "record this host's PCI state for replay with --sysroot (never reads resourceN, rom, vpd)",
	.opts = snapshot_opts,
	.min_args = 0,
	.max_args = 0,
	.run = run_snapshot,
};
