/*
 * The state directory <root>/run/pcipass (see state.h for the format).
 *
 * It lives under the same root as sysfs so that a run against a snapshot
 * keeps its records inside the snapshot.  Every access is relative to the
 * root's directory fd and refuses symlinks (O_NOFOLLOW at each level): a
 * snapshot is untrusted, and on the live host /run/pcipass must not be
 * redirected elsewhere by a link.  sysroot.c stays the only sysfs writer;
 * this file writes only its own records.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "state.h"

#define STATE_FILE_MAX 4096

/* ENOTREG: our own errno-like value for "a FIFO, device or socket here". */
#define ENOTREG (-1)

static int state_fail(const struct pp_state *st, const char *name, int err)
{
	char *rel = name ? xasprintf(STATE_DIR "/%s", name) : xstrdup(STATE_DIR);
	char *where = root_path(st->root, rel);

	pp_fail("%s: %s", where, err == ENOTREG ? "not a regular file" : strerror(err));
	free(where);
	free(rel);
	return -1;
}

/* fd is a regular file; false with errno (ENOTREG for a FIFO, device, ...). */
static bool is_regular(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return false;
	if (S_ISREG(sb.st_mode))
		return true;
	errno = S_ISDIR(sb.st_mode) ? EISDIR : ENOTREG;
	return false;
}

/* Open (or create) one directory level, refusing a symlink in its place. */
static int open_dir_at(int parent, const char *name, bool create, int *err)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
			*err = errno;
			return -1;
		}
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		*err = errno == ELOOP ? ENOTDIR : errno;	/* a symlink: "Not a directory" says it */
	return fd;
}

/* The pid the lock file names (written by its holder), or 0. */
static long lock_holder(int lockfd)
{
	char buf[32];
	ssize_t n = pread(lockfd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && pid > 0 ? pid : 0;
}

/* Holding the lock: say so in it, for the next run's message. */
static void lock_claim(int lockfd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(lockfd, 0) == 0 && pwrite(lockfd, buf, (size_t)n, 0) < 0)
		return;	/* only a courtesy to the next run's message */
}

int state_open(struct pp_state *st, const struct pp_root *r, bool dry_run)
{
	int runfd, err = 0;

	st->root = r;
	st->dirfd = st->lockfd = -1;
	st->dry_run = dry_run;
	st->holder = 0;

	runfd = open_dir_at(r->fd, "run", !dry_run, &err);
	if (runfd < 0) {
		if (dry_run && err == ENOENT)
			return 0;
		char *where = root_path(r, "run");
		pp_fail("%s: %s (pcipass keeps its records in %s/pcipass)", where, strerror(err), where);
		free(where);
		return PP_EXIT_ERROR;
	}
	st->dirfd = open_dir_at(runfd, "pcipass", !dry_run, &err);
	close(runfd);
	if (st->dirfd < 0) {
		if (dry_run && err == ENOENT)
			return 0;
		state_fail(st, NULL, err);
		return PP_EXIT_ERROR;
	}
	if (dry_run)
		return 0;

	/* O_NONBLOCK and the type check: a FIFO in its place never hangs us. */
	st->lockfd = openat(st->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
	if (st->lockfd < 0 || !is_regular(st->lockfd)) {
		state_fail(st, "lock", errno);
		state_close(st);
		return PP_EXIT_ERROR;
	}
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			state_fail(st, "lock", errno);
			state_close(st);
			return PP_EXIT_ERROR;
		}
		st->holder = lock_holder(st->lockfd);
		return -EWOULDBLOCK;
	}
	lock_claim(st->lockfd);
	return 0;
}

int state_wait_lock(struct pp_state *st, unsigned int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000000L };

	for (unsigned int waited = 0;; waited += 100) {
		if (flock(st->lockfd, LOCK_EX | LOCK_NB) == 0) {
			lock_claim(st->lockfd);
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			state_fail(st, "lock", errno);
			state_close(st);
			return PP_EXIT_ERROR;
		}
		st->holder = lock_holder(st->lockfd);
		if (waited >= timeout_ms)
			break;
		nanosleep(&tick, NULL);
	}
	{
		char *where = root_path(st->root, STATE_DIR "/lock");

		if (st->holder)
			pp_fail("%s: still held by pid %ld after %u s: giving up", where, st->holder, timeout_ms / 1000);
		else
			pp_fail("%s: still held by another run after %u s: giving up", where, timeout_ms / 1000);
		free(where);
	}
	state_close(st);
	return PP_EXIT_ERROR;
}

void state_close(struct pp_state *st)
{
	/* Closing the lock file releases the flock. */
	if (st->lockfd >= 0)
		close(st->lockfd);
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->lockfd = st->dirfd = -1;
}

void moved_free(struct pp_moved *mv)
{
	free(mv->driver);
	free(mv->override);
	free(mv->target);
	mv->driver = mv->override = mv->target = NULL;
}

/* A record's value: a driver name, or empty for none.  Anything else is refused. */
static bool take_name(const char *value, char **out)
{
	if (!value || !*value) {
		free(*out);
		*out = NULL;
		return true;
	}
	if (!valid_driver_name(value))
		return false;
	free(*out);
	*out = xstrdup(value);
	return true;
}

bool moved_parse(const char *text, const char *bdf, struct pp_moved *out)
{
	struct pp_record rec = { 0 };
	bool ok;

	memset(out, 0, sizeof(*out));
	snprintf(out->bdf, sizeof(out->bdf), "%s", bdf);
	record_parse(&rec, text);
	ok = take_name(record_get(&rec, "driver"), &out->driver) &
	     take_name(record_get(&rec, "override"), &out->override) &
	     take_name(record_get(&rec, "target"), &out->target);
	record_free(&rec);
	return ok;
}

int state_load(const struct pp_state *st, const char *bdf, struct pp_moved *out)
{
	char buf[STATE_FILE_MAX + 1];
	ssize_t n;
	size_t got = 0;
	int fd;
	bool bad = false;

	memset(out, 0, sizeof(*out));
	if (st->dirfd < 0)
		return 0;
	/* O_NONBLOCK and the type check: a FIFO or device here never hangs us. */
	fd = openat(st->dirfd, bdf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return state_fail(st, bdf, errno);
	}
	if (!is_regular(fd)) {
		int e = errno;
		close(fd);
		return state_fail(st, bdf, e);
	}
	while (got < STATE_FILE_MAX && (n = read(fd, buf + got, STATE_FILE_MAX - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return state_fail(st, bdf, e);
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	bad = !moved_parse(buf, bdf, out);
	if (bad) {
		char *where = root_path(st->root, STATE_DIR);
		pp_fail("%s/%s: holds a value that is not a driver name; fix or remove the file", where, bdf);
		free(where);
		moved_free(out);
		return -1;
	}
	return 1;
}

bool moved_valid(const struct pp_moved *mv)
{
	const char *names[] = { mv->driver, mv->override, mv->target };

	for (size_t i = 0; i < 3; i++)
		if (names[i] && *names[i] && !valid_driver_name(names[i]))
			return false;
	return true;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

char *moved_text(const struct pp_moved *mv)
{
	struct pp_record rec = { 0 };
	char *fields, *text;

	record_set(&rec, "driver", mv->driver);
	record_set(&rec, "override", mv->override);
	record_set(&rec, "target", mv->target);
	fields = record_format(&rec);
	record_free(&rec);
	text = xasprintf("# %s: moved by pcipass; 'pcipass rebind %s' restores it\n%s", mv->bdf, mv->bdf, fields);
	free(fields);
	return text;
}

int state_save(const struct pp_state *st, const struct pp_moved *mv)
{
	char *text, *tmp;
	int fd, err;

	/* Validated on the way in as on the way out: a record holds driver names only. */
	if (!moved_valid(mv)) {
		const char *what = "target", *bad = mv->target;
		char *shown;

		if (mv->driver && *mv->driver && !valid_driver_name(mv->driver))
			what = "driver", bad = mv->driver;
		else if (mv->override && *mv->override && !valid_driver_name(mv->override))
			what = "driver_override", bad = mv->override;
		shown = pp_escape(bad, 64);
		pp_fail("%s: its %s '%s' is not a driver name: refusing to record it", mv->bdf, what, shown);
		free(shown);
		return -1;
	}
	if (st->dry_run)
		return 0;
	text = moved_text(mv);
	tmp = xasprintf(".%s.%ld.tmp", mv->bdf, (long)getpid());
	fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlinkat(st->dirfd, tmp, 0);
		goto fail;
	}
	if (close(fd) < 0) {
		err = errno;
		unlinkat(st->dirfd, tmp, 0);
		goto fail;
	}
	if (renameat(st->dirfd, tmp, st->dirfd, mv->bdf) < 0) {
		err = errno;
		unlinkat(st->dirfd, tmp, 0);
		goto fail;
	}
	/* The rename is durable only once the directory is. */
	fsync(st->dirfd);
	free(tmp);
	free(text);
	return 0;
fail:
	free(tmp);
	free(text);
	return state_fail(st, mv->bdf, err);
}

int state_drop(const struct pp_state *st, const char *bdf)
{
	if (st->dry_run || st->dirfd < 0)
		return 0;
	if (unlinkat(st->dirfd, bdf, 0) < 0 && errno != ENOENT)
		return state_fail(st, bdf, errno);
	fsync(st->dirfd);
	return 0;
}

void state_list(const struct pp_state *st, struct pp_strv *bdfs)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (st->dirfd < 0)
		return;
	fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct pp_bdf b;
		if (bdf_parse_sysfs(de->d_name, &b))
			strv_push(bdfs, de->d_name);
	}
	closedir(d);
	if (bdfs->n)
		strv_sort(bdfs);
}
