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
#include <libkmod.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "mutate.h"
#include "render-json.h"
#include "render-text.h"

/* How long a verification waits for the driver core (polls every 50 ms). */
#define VERIFY_WAIT_MS 2000
#define POLL_MS 50
/* How long a run waits for another's state lock (PCIPASS_LOCK_TIMEOUT: seconds). */
#define LOCK_WAIT_S 60
/* driverctl's saved overrides ("confdir" in the driverctl script), read
 * by `driverctl load-override` from its udev rule at every boot. */
#define DRIVERCTL_DIR "etc/driverctl.d"

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

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
	s->json = ctx->json;
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
	for (size_t i = 0; i < s->n_steps; i++) {
		free(s->steps[i].path);
		free(s->steps[i].value);
	}
	for (size_t i = 0; i < s->n_outcomes; i++) {
		free(s->outcomes[i].from);
		free(s->outcomes[i].to);
		strv_free(&s->outcomes[i].vfio);
		strv_free(&s->outcomes[i].also);
		free(s->outcomes[i].message);
	}
	free(s->steps);
	free(s->outcomes);
	s->steps = NULL;
	s->outcomes = NULL;
	s->n_steps = s->n_outcomes = 0;
	if (s->checker)
		checker_free(s->checker);
	model_free(s->m);
	state_close(&s->state);
	root_close(&s->ctx->root);
	s->checker = NULL;
	s->m = NULL;
}

int session_finish(struct pp_session *s, int rc)
{
	if (s->json && s->m && json_print(stdout, json_mutation(s, rc)) < 0)
		rc = PP_EXIT_ERROR;
	session_end(s);
	return rc;
}

void session_outcome(struct pp_session *s, const char *bdf, const char *from, const char *to, const char *result,
		     const struct pp_strv *vfio, const struct pp_strv *also, const char *fmt, ...)
{
	struct pp_outcome *o;
	va_list ap;

	s->outcomes = xrealloc(s->outcomes, (s->n_outcomes + 1) * sizeof(*s->outcomes));
	o = &s->outcomes[s->n_outcomes++];
	memset(o, 0, sizeof(*o));
	snprintf(o->bdf, sizeof(o->bdf), "%s", bdf);
	o->from = from ? xstrdup(from) : NULL;
	o->to = to ? xstrdup(to) : NULL;
	o->result = result;
	for (size_t i = 0; vfio && i < vfio->n; i++)
		strv_push(&o->vfio, vfio->v[i]);
	for (size_t i = 0; also && i < also->n; i++)
		strv_push(&o->also, also->v[i]);
	va_start(ap, fmt);
	if (vasprintf(&o->message, fmt, ap) < 0)
		o->message = NULL;
	va_end(ap);
	if (!s->json && o->message)
		printf("%s%s\n", s->dry_run ? "# " : "", o->message);
}

void session_outcome_told(struct pp_session *s, const char *bdf, const char *from, const char *to,
			  const char *result, const char *message)
{
	bool json = s->json;

	s->json = true;		/* recorded, not printed */
	session_outcome(s, bdf, from, to, result, NULL, NULL, "%s", message);
	s->json = json;
}

char *session_path(const struct pp_session *s, const char *rel)
{
	const struct pp_root *r = s->m->root;

	if (r->live)
		return xasprintf("/%s", rel);
	/* A tarball is unpacked into a private directory gone at exit: its
	 * paths are shown under the tarball's name, which a pasted plan cannot
	 * write through (never under "/": that would be this host's /sys). */
	if (s->ctx->sysroot && snap_path_is_tarball(s->ctx->sysroot))
		return xasprintf("%s/%s", s->ctx->sysroot, rel);
	return root_path(r, rel);
}

void session_step(struct pp_session *s, enum pp_step_kind kind, const char *rel, const char *value, bool ok,
		  char *line)
{
	struct pp_step *st;
	bool shown = kind == STEP_VERIFY ? pp_verbose && !s->dry_run : s->dry_run || pp_verbose;

	s->steps = xrealloc(s->steps, (s->n_steps + 1) * sizeof(*s->steps));
	st = &s->steps[s->n_steps++];
	st->kind = kind;
	st->path = rel ? (kind == STEP_MODPROBE ? xstrdup(rel) : session_path(s, rel)) : NULL;
	st->value = value ? xstrdup(value) : NULL;
	st->ok = ok;
	if (line && shown && !s->json)
		printf("%s\n", line);
	free(line);
}

void verified(struct pp_session *s, bool ok, const char *fmt, ...)
{
	char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (!what)
		return;
	session_step(s, STEP_VERIFY, NULL, what, ok, xasprintf("# %s: %s", ok ? "verified" : "not verified", what));
	free(what);
}

/* "mkdir -p DIR" when the directory under the root is missing. */
static char *mkdir_line(struct pp_session *s, const char *rel_dir)
{
	char *path = session_path(s, rel_dir), *q = sh_quote(path), *line;

	line = xasprintf("mkdir -p %s", q);
	free(path);
	free(q);
	return line;
}

int session_save(struct pp_session *s, const struct pp_moved *rec)
{
	char *text = moved_text(rec), *rel = xasprintf(STATE_DIR "/%s", rec->bdf), *path = session_path(s, rel);
	char *qpath = sh_quote(path), *dir = mkdir_line(s, STATE_DIR);
	struct sbuf line = { 0 };
	int rc;

	/* printf '%s\n' 'line' ...: the record's bytes, one quoted word per line. */
	sb_add(&line, "%s\nprintf '%%s\\n'", dir);
	for (char *p = text, *nl; *p; p = nl + 1) {
		char *one, *q;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		one = xasprintf("%.*s", (int)(nl - p), p);
		q = sh_quote(one);
		sb_add(&line, " %s", *one ? q : "''");
		free(one);
		free(q);
	}
	sb_add(&line, " > %s", qpath);
	session_step(s, STEP_SAVE, rel, text, true, sb_take(&line));
	rc = state_save(&s->state, rec);
	free(text);
	free(rel);
	free(path);
	free(qpath);
	free(dir);
	return rc;
}

int session_drop(struct pp_session *s, const char *bdf)
{
	char *rel = xasprintf(STATE_DIR "/%s", bdf), *path = session_path(s, rel), *q = sh_quote(path);

	session_step(s, STEP_REMOVE, rel, NULL, true, xasprintf("rm -f %s", q));
	free(rel);
	free(path);
	free(q);
	return state_drop(&s->state, bdf);
}

/* modprobe NAME through libkmod: the name or alias looked up, blacklist
 * applied to aliases only, as modprobe does.  0 or -errno. */
static int load_module(const char *name)
{
	struct kmod_ctx *kc = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *l;
	int rc;

	if (!kc)
		return -ENOMEM;
	kmod_load_resources(kc);
	rc = kmod_module_new_from_lookup(kc, name, &list);
	if (rc >= 0 && !list)
		rc = -ENOENT;
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, NULL, NULL, NULL,
						     NULL);
		kmod_module_unref(mod);
		if (rc > 0)
			rc = -EPERM;	/* blacklisted */
		if (rc == 0)
			break;
	}
	kmod_module_unref_list(list);
	kmod_unref(kc);
	return rc;
}

int session_load_driver(struct pp_session *s, const char *driver)
{
	char *rel;
	bool there;
	int rc;

	if (driver_loaded(s, driver))
		return 0;
	if (!s->m->root->live) {
		if (!s->dry_run)
			return pp_error("%s: driver not loaded, and pcipass loads no module for a --sysroot (on the "
					"live host it would load %s as modprobe does)", driver, driver);
		session_step(s, STEP_MODPROBE, driver, NULL, true,
			     xasprintf("# modprobe %s (not for a --sysroot: the live host would load it here)", driver));
		return 0;
	}
	session_step(s, STEP_MODPROBE, driver, NULL, true, xasprintf("modprobe %s", driver));
	if (s->dry_run)
		return 0;
	rc = load_module(driver);
	if (rc < 0)
		return pp_error("%s: driver not loaded and loading module %s failed: %s", driver, driver,
				rc == -ENOENT ? "no such module" : rc == -EPERM ? "blacklisted or not permitted"
									  : strerror(-rc));
	rel = xasprintf("sys/bus/pci/drivers/%s", driver);
	there = root_is_dir(s->m->root, rel);
	for (int waited = 0; !there && waited < VERIFY_WAIT_MS; waited += POLL_MS) {
		sleep_ms(POLL_MS);
		there = root_is_dir(s->m->root, rel);
	}
	verified(s, there, "/%s exists", rel);
	free(rel);
	if (!there)
		return pp_error("%s: module loaded, but no PCI driver of that name registered", driver);
	return 0;
}

/* Name a failed file operation on PATH (errno set); -1 for the caller's rc. */
static int warn_errno(const char *path)
{
	char *shown = pp_escape(path, 0);

	pp_warn("%s: %s", shown, strerror(errno));
	free(shown);
	return -1;
}

static char *driverctl_name(const struct pp_function *f)
{
	/* driverctl's own name for it: "$bus-$dev" (save_override in driverctl). */
	return xasprintf("pci-%s", f->bdf);
}

int persist_override(struct pp_session *s, const struct pp_function *f, const char *driver)
{
	char *name = driverctl_name(f), *rel = xasprintf(DRIVERCTL_DIR "/%s", name), *path = session_path(s, rel);
	char *q = sh_quote(path), *dir = mkdir_line(s, DRIVERCTL_DIR);
	char *content = xasprintf("%s\n", driver);	/* what driverctl's `echo "$drv" >` writes */
	int rc = 0;

	session_step(s, STEP_PERSIST, rel, driver, true, xasprintf("%s\necho %s > %s", dir, driver, q));
	if (!s->dry_run && root_replace_file(s->m->root, DRIVERCTL_DIR, name, content) < 0)
		rc = warn_errno(path);
	free(name);
	free(rel);
	free(path);
	free(q);
	free(dir);
	free(content);
	return rc;
}

int unpersist_override(struct pp_session *s, const struct pp_function *f)
{
	char *name = driverctl_name(f), *rel = xasprintf(DRIVERCTL_DIR "/%s", name), *path = session_path(s, rel);
	char *q = sh_quote(path);
	int rc = 0;

	session_step(s, STEP_REMOVE, rel, NULL, true, xasprintf("rm -f %s", q));
	if (!s->dry_run && root_remove_file(s->m->root, DRIVERCTL_DIR, name) < 0)
		rc = warn_errno(path);
	free(name);
	free(rel);
	free(path);
	free(q);
	return rc;
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
			/* Each refusal has its own override, or none: a bridge or the
			 * host bridge never moves, a running guest's device is never
			 * taken or reset under it (HACKING, Mutations). */
			const char *option = NULL;
			bool forced = false;

			if (strcmp(fd->code, "host-in-use") == 0)
				option = "--force-in-use", forced = s->ctx->force_in_use;
			else if (strcmp(fd->code, "boot-vga") == 0)
				option = "--force-boot-vga", forced = s->ctx->force_boot_vga;
			render_refusal(stderr, check[i], fd, forced, option);
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

int sysfs_write(struct pp_session *s, const char *rel, const char *value)
{
	char *path = session_path(s, rel), *qpath = sh_quote(path), *qvalue = sh_quote(value);
	char *line = *value ? xasprintf("echo %s > %s", qvalue, qpath) : xasprintf("echo > %s", qpath);
	char *written = xasprintf("%s\n", value);
	int rc = 0;

	/* The plan is what a person would paste: echo adds the newline the
	 * kernel's attributes accept and strip, and so does the real write. */
	session_step(s, STEP_WRITE, rel, value, true, line);
	if (!s->dry_run && root_write_attr(s->m->root, rel, written) < 0)
		rc = -errno;
	if (rc)
		s->steps[s->n_steps - 1].ok = false;
	free(written);
	free(path);
	free(qpath);
	free(qvalue);
	return rc;
}

/* One write, named for the error message. */
static int do_write(struct pp_session *s, const char *rel, const char *value, const char *step, char **why)
{
	int rc = sysfs_write(s, rel, value);

	if (rc < 0) {
		const char *shown = *value ? value : "a newline";

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
		/* A lone newline clears it (an empty write would not reach the kernel). */
		rc = do_write(s, p, first_override ? first_override : "", "override", why);
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
		if (move_done(mv, cur)) {
			verified(s, true, "%s is on %s", f->bdf, driver_label(cur));
			break;
		}
		/* Only a live kernel changes links behind our back; a snapshot never will. */
		if (waited >= VERIFY_WAIT_MS || !s->m->root->live) {
			verified(s, false, "%s is on %s", f->bdf, driver_label(cur));
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

void vfio_nodes(struct pp_session *s, const struct pp_function *f, struct pp_strv *nodes)
{
	char *group[2] = { NULL, NULL }, *classdir = xasprintf("sys/bus/pci/devices/%s/vfio-dev", f->bdf);

	if (f->iommu_group >= 0) {
		group[0] = xasprintf("dev/vfio/%d", f->iommu_group);
		group[1] = xasprintf("dev/vfio/noiommu-%d", f->iommu_group);
	}
	for (int waited = 0;; waited += POLL_MS) {
		struct pp_strv cdevs = { 0 };

		for (int i = 0; i < 2; i++)
			if (group[i] && root_exists(s->m->root, group[i]))
				strv_push(nodes, group[i]);
		/* The class device names the cdev; both must be there. */
		if (root_list_dir(s->m->root, classdir, &cdevs))
			for (size_t i = 0; i < cdevs.n; i++) {
				char *dev = xasprintf("dev/vfio/devices/%s", cdevs.v[i]);

				if (strncmp(cdevs.v[i], "vfio", 4) == 0 && root_exists(s->m->root, dev))
					strv_push(nodes, dev);
				free(dev);
			}
		strv_free(&cdevs);
		if (nodes->n || waited >= VERIFY_WAIT_MS || !s->m->root->live)
			break;
		sleep_ms(POLL_MS);
	}
	/* As the host names them (under --sysroot DIR: DIR/dev/...). */
	for (size_t i = 0; i < nodes->n; i++) {
		char *shown = session_path(s, nodes->v[i]);

		free(nodes->v[i]);
		nodes->v[i] = shown;
	}
	if (nodes->n) {
		char *list = strv_join(nodes, " and ");

		verified(s, true, "%s exists", list);
		free(list);
	} else {
		verified(s, false, "no VFIO file for %s (/dev/vfio/%d, /dev/vfio/devices/vfioN)", f->bdf, f->iommu_group);
	}
	free(group[0]);
	free(group[1]);
	free(classdir);
}
