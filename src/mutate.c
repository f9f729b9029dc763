/*
 * plan -> safety check -> dry-run or apply -> verify -> roll back.
 *
 * The commands (cmd_unbind.c, cmd_reset.c, cmd_rebind.c) decide what to
 * do; this file knows how to do it to the kernel's driver core safely:
 *
 *  - the state lock is taken before the model is built, so two runs on
 *    the same device serialize and the second sees what the first did;
 *  - the model is from before any write, so after a write the live sysfs
 *    is read again (driver link, driver_override) instead of trusting it;
 *  - every write names its step, so a failure says where it stopped and
 *    the caller can move the function back.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "mutate.h"
#include "render-text.h"

/* How long a verification waits for the driver core (polls every 50 ms). */
#define VERIFY_WAIT_MS 2000
#define POLL_MS 50
/* How long a run waits for another's state lock (PCIPASS_LOCK_TIMEOUT: seconds). */
#define LOCK_WAIT_S 60

int pp_driver_link_refusal(const char *bdf, const char *driver)
{
	char *shown = pp_escape(driver, 64);
	int rc = pp_error("%s: its driver link names '%s', not a driver", bdf, shown);

	free(shown);
	return rc;
}

const char *driver_label(const char *driver)
{
	return driver && *driver ? driver : "(none)";
}

bool same_driver(const char *a, const char *b)
{
	if (!a || !*a)
		return !b || !*b;
	return b && strcmp(a, b) == 0;
}

int session_begin(struct pp_session *s, struct pp_ctx *ctx, const char *command)
{
	struct pp_model_opts mo = { .numeric = ctx->numeric };
	int rc;

	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->command = command;
	s->dry_run = ctx->dry_run;
	s->state.dirfd = s->state.lockfd = -1;
	/* A tarball is unpacked into a private directory removed at exit:
	 * writing there would change nothing and claim it did. */
	/* An lspci listing has no drivers to move and no sysfs to write: its
	 * tree is pcipass's own reconstruction (HACKING, lspci dumps). */
	if (ctx->from_lspci) {
		char *shown = pp_escape(ctx->from_lspci, 0);

		rc = pp_usage_error("%s: %s: an lspci listing is evidence to read, not a host to change; run "
				    "%s on the host itself", command, shown, command);
		free(shown);
		return rc;
	}
	if (ctx->sysroot && snap_path_is_tarball(ctx->sysroot) && !ctx->dry_run) {
		char *shown = pp_escape(ctx->sysroot, 0);

		rc = pp_usage_error("%s: %s: a snapshot tarball is read-only; use --dry-run, or unpack it to a "
				    "directory", command, shown);
		free(shown);
		return rc;
	}
	if (ctx_open_root(ctx))
		return PP_EXIT_ERROR;
	if (ctx->root.live && !ctx->dry_run && geteuid() != 0) {
		root_close(&ctx->root);
		return pp_error("%s: needs root: it writes to /sys and %s (--dry-run shows the writes without them)",
				command, "/" STATE_DIR);
	}
	/* A sysroot directory another user can change could be swapped under
	 * us; the live root is the system's own and is not judged. */
	if (!ctx->dry_run && !ctx->root.live) {
		char *why = NULL;

		if (root_check_owner(&ctx->root, geteuid(), &why) < 0) {
			char *shown = pp_escape(ctx->root.dir, 0);
			rc = pp_error("%s: %s: refusing to write under it", shown, why ? why : strerror(errno));

			free(shown);
			free(why);
			root_close(&ctx->root);
			return rc;
		}
	}
	rc = state_open(&s->state, &ctx->root, ctx->dry_run);
	if (rc == -EWOULDBLOCK) {
		const char *env = getenv("PCIPASS_LOCK_TIMEOUT");
		unsigned int secs = env && *env ? (unsigned int)strtoul(env, NULL, 10) : LOCK_WAIT_S;

		/* The tests (bats and VM) check this line as it is; the holder's
		 * pid is named if the wait times out. */
		pp_warn("waiting for another pcipass run to finish");
		rc = state_wait_lock(&s->state, secs * 1000);
	}
	if (rc) {
		root_close(&ctx->root);
		return pp_report();
	}
	s->m = model_build(&ctx->root, &mo);
	if (!s->m) {
		state_close(&s->state);
		root_close(&ctx->root);
		return PP_EXIT_ERROR;
	}
	s->checker = checker_new(s->m);
	return 0;
}

void session_end(struct pp_session *s)
{
	if (s->checker)
		checker_free(s->checker);
	model_free(s->m);
	state_close(&s->state);
	root_close(&s->ctx->root);
	s->checker = NULL;
	s->m = NULL;
}

size_t refuse_findings(struct pp_session *s, const struct pp_set *set, struct pp_function *const *check,
		       size_t n_check, const char *const *codes)
{
	size_t refused = 0;

	for (size_t i = 0; i < n_check; i++) {
		struct pp_findings fs = { 0 };

		checker_judge(s->checker, set, check[i], &fs);
		for (size_t k = 0; k < fs.n; k++) {
			const struct pp_finding *fd = &fs.v[k];
			bool listed = false;

			for (const char *const *c = codes; *c; c++)
				listed |= strcmp(fd->code, *c) == 0;
			if (!listed)
				continue;
			/* A running guest's device is never taken or reset under it. */
			bool forced = s->ctx->force && strcmp(fd->code, "in-use-by-vm") != 0;

			render_refusal(stderr, check[i], fd, forced,
				       strcmp(fd->code, "in-use-by-vm") == 0 ? NULL : "--force");
			refused += !forced;
		}
		findings_free(&fs);
	}
	return refused;
}

static char *dev_path(const struct pp_function *f, const char *attr)
{
	/* f->bdf came from the kernel's own directory name and was parsed
	 * strictly (bdf_parse_sysfs); it is safe as a path component. */
	return xasprintf("sys/bus/pci/devices/%s/%s", f->bdf, attr);
}

char *live_driver(const struct pp_session *s, const struct pp_function *f)
{
	char *p = dev_path(f, "driver"), *name;

	if (s->dry_run) {
		free(p);
		return xstrdup(f->driver);
	}
	name = root_link_basename(s->m->root, p);
	free(p);
	return name;
}

char *live_override(const struct pp_session *s, const struct pp_function *f)
{
	char buf[256], *p;
	ssize_t n;

	if (s->dry_run)
		return xstrdup(f->driver_override);
	p = dev_path(f, "driver_override");
	n = root_read_attr(s->m->root, p, buf, sizeof(buf));
	free(p);
	if (n <= 0 || strcmp(buf, "(null)") == 0)
		return NULL;
	return xstrdup(buf);
}

bool driver_loaded(const struct pp_session *s, const char *driver)
{
	char *p = xasprintf("sys/bus/pci/drivers/%s", driver);
	bool yes = root_is_dir(s->m->root, p);

	free(p);
	return yes;
}

void test_hook(const struct pp_session *s, const char *step)
{
#ifdef ENABLE_TEST_HOOKS
	const char *kill_after = getenv("PCIPASS_TEST_KILL_AFTER");
	const char *pause_after = getenv("PCIPASS_TEST_PAUSE_AFTER");

	if (s->dry_run)
		return;
	if (kill_after && strcmp(kill_after, step) == 0) {
		fflush(NULL);
		raise(SIGKILL);
	}
	if (pause_after && strcmp(pause_after, step) == 0) {
		fflush(NULL);
		sleep(3);
	}
#else
	(void)s;
	(void)step;
#endif
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int sysfs_write(struct pp_session *s, const char *rel, const char *value)
{
	const char *shown = strcmp(value, "\n") == 0 ? "\\n" : value;

	/* The plan, in sysfs-relative names: what a person would type. */
	if (s->dry_run || pp_verbose)
		printf("write %s <- %s\n", strncmp(rel, "sys/bus/pci/devices/", 20) == 0 ? rel + 20 : rel, shown);
	if (s->dry_run)
		return 0;
	return root_write_attr(s->m->root, rel, value) < 0 ? -errno : 0;
}

/* One write, named for the error message. */
static int do_write(struct pp_session *s, const char *rel, const char *value, const char *step, char **why)
{
	int rc = sysfs_write(s, rel, value);

	if (rc < 0) {
		const char *shown = strcmp(value, "\n") == 0 ? "\\n" : value;

		*why = xasprintf("writing %s to %s: %s", shown, rel, strerror(-rc));
		return -1;
	}
	test_hook(s, step);
	return 0;
}

/* Does the live driver satisfy mv? */
static bool move_done(const struct pp_move *mv, const char *driver)
{
	switch (mv->how) {
	case BIND_NONE:
		return !driver;
	case BIND_DRIVER:
		return same_driver(driver, mv->to);
	case BIND_PROBE:
		if (mv->to)
			return same_driver(driver, mv->to);
		return !mv->avoid || !same_driver(driver, mv->avoid);
	}
	return false;
}

int move_function(struct pp_session *s, const struct pp_function *f, const struct pp_move *mv, char **why)
{
	char *cur = live_driver(s, f), *ovr = live_override(s, f), *p;
	/* An override naming another driver would make the bind fail
	 * (driver_override beats the bind file): bind with it cleared, then
	 * put it back, which is exactly the state the function was in. */
	bool late = mv->how == BIND_DRIVER && mv->override && !same_driver(mv->override, mv->to) &&
		    !same_driver(cur, mv->to);
	const char *first_override = late ? NULL : mv->override;
	int rc = -1;

	*why = NULL;
	if (cur && !valid_driver_name(cur)) {
		char *shown = pp_escape(cur, 64);

		*why = xasprintf("its driver link names '%s', not a driver", shown);
		free(shown);
		goto out;
	}

	/* 1. driver_override first: from here on only that driver may claim it. */
	if (!same_driver(ovr, first_override)) {
		p = dev_path(f, "driver_override");
		/* A newline clears it (an empty write would not reach the kernel). */
		rc = do_write(s, p, first_override ? first_override : "\n", "override", why);
		free(p);
		if (rc < 0)
			goto out;
	}

	/* 2. Let go of the current driver unless it is the one wanted. */
	if (cur && !(mv->how != BIND_NONE && mv->to && strcmp(cur, mv->to) == 0)) {
		p = xasprintf("sys/bus/pci/drivers/%s/unbind", cur);
		rc = do_write(s, p, f->bdf, "unbind", why);
		free(p);
		if (rc < 0)
			goto out;
		free(cur);
		cur = NULL;
	}

	/* 3. Bind. */
	rc = 0;
	if (mv->how == BIND_PROBE && !(mv->to && same_driver(cur, mv->to))) {
		rc = do_write(s, "sys/bus/pci/drivers_probe", f->bdf, "probe", why);
	} else if (mv->how == BIND_DRIVER && !same_driver(cur, mv->to)) {
		p = xasprintf("sys/bus/pci/drivers/%s/bind", mv->to);
		rc = do_write(s, p, f->bdf, "bind", why);
		free(p);
	}
	if (rc < 0)
		goto out;
	if (late) {
		p = dev_path(f, "driver_override");
		rc = do_write(s, p, mv->override, "override", why);
		free(p);
		if (rc < 0)
			goto out;
	}
	if (s->dry_run)
		goto out;

	/* 4. Verify: the writes succeeding proves nothing, the link does. */
	for (int waited = 0;; waited += POLL_MS) {
		free(cur);
		cur = live_driver(s, f);
		if (move_done(mv, cur))
			break;
		/* Only a live kernel changes links behind our back; a snapshot never will. */
		if (waited >= VERIFY_WAIT_MS || !s->m->root->live) {
			if (mv->how == BIND_NONE)
				*why = xasprintf("it is still bound to %s", cur);
			else if (mv->to)
				*why = xasprintf("%s did not bind it (driver now: %s)", mv->to, driver_label(cur));
			else
				*why = xasprintf("the probe left it on %s", driver_label(cur));
			rc = -1;
			goto out;
		}
		sleep_ms(POLL_MS);
	}
	rc = 0;
out:
	free(cur);
	free(ovr);
	return rc;
}

char *vfio_node(const struct pp_session *s, const struct pp_function *f)
{
	char *rel[2];
	char *found = NULL;

	if (f->iommu_group < 0)
		return NULL;
	rel[0] = xasprintf("dev/vfio/%d", f->iommu_group);
	rel[1] = xasprintf("dev/vfio/noiommu-%d", f->iommu_group);
	for (int waited = 0; !found; waited += POLL_MS) {
		for (int i = 0; i < 2 && !found; i++)
			if (root_exists(s->m->root, rel[i]))
				found = root_path(s->m->root, rel[i]);
		if (found || waited >= VERIFY_WAIT_MS || !s->m->root->live)
			break;
		sleep_ms(POLL_MS);
	}
	free(rel[0]);
	free(rel[1]);
	return found;
}
