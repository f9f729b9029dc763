/*
 * Rooted filesystem access.  pcipass reads either the running host or a
 * snapshot of someone else's; in both cases nothing outside the root may
 * be read or written, and a snapshot is untrusted input that may change
 * while we look at it (HACKING, Layers).
 *
 * Every access is one resolution from the root's directory descriptor to
 * a descriptor of the object itself; the object is then used through that
 * descriptor and never looked up again by name:
 *
 *  - with openat2(2) (Linux 5.6+) the kernel resolves the whole path in
 *    one call, RESOLVE_BENEATH for a snapshot (a link climbing above the
 *    root or an absolute link fails with EXDEV) and RESOLVE_IN_ROOT for
 *    the live host ("/" is the root, absolute links are its own), both
 *    with RESOLVE_NO_MAGICLINKS;
 *  - elsewhere (ENOSYS) the same rules by hand: one openat(O_PATH |
 *    O_NOFOLLOW) per component from the root's descriptor, symlinks read
 *    with readlinkat() on the descriptor of their directory and spliced in.
 *
 * A swapped directory or link can therefore only ever lead to something
 * below the root.  Files are opened O_NONBLOCK and fstat()ed: anything but
 * a regular file (a FIFO, a device node, a directory) is refused before a
 * byte is read or written.  Nothing here prints.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif
#endif

#include "sysroot.h"

#define MAX_LINK_HOPS 40

#ifndef RESOLVE_NO_MAGICLINKS
/* Older headers: the ABI is fixed (include/uapi/linux/openat2.h). */
struct open_how {
	unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* -1 unknown, 0 the kernel has no openat2, 1 it has. */
static int openat2_state = -1;

bool root_openat2_available(void)
{
	if (openat2_state < 0) {
#ifdef ENABLE_TEST_HOOKS
		const char *force = getenv("PCIPASS_TEST_NO_OPENAT2");
		if (force && *force == '1') {
			openat2_state = 0;
			return false;
		}
#endif
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH };
		long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

		if (fd >= 0)
			close((int)fd);
		openat2_state = !(fd < 0 && (errno == ENOSYS || errno == EPERM || errno == E2BIG));
	}
	return openat2_state == 1;
}

int root_open(struct pp_root *r, const char *dir)
{
	char *abs;
	int e;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	abs = realpath(dir, NULL);
	if (!abs)
		return -errno;
	r->fd = open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		e = errno;
		free(abs);
		return -e;
	}
	r->live = strcmp(abs, "/") == 0;
	if (r->live)
		abs[0] = '\0';
	r->dir = abs;
	return 0;
}

void root_close(struct pp_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->dir);
	r->dir = NULL;
	r->fd = -1;
}

char *root_path(const struct pp_root *r, const char *rel)
{
	while (*rel == '/')
		rel++;
	return xasprintf("%s/%s", r->dir, rel);
}

/* ---- the fallback walk: one component at a time, never a string twice ---- */

/* A resolved path under construction: components joined by '/', and the
 * descriptor (O_PATH) of each level, the root's at the bottom. */
struct walk {
	char *path;
	size_t len, cap;
	int *fds;
	size_t depth, fdcap;
};

static void walk_push(struct walk *w, const char *comp, size_t n, int fd)
{
	if (w->len + n + 2 > w->cap) {
		w->cap = (w->len + n + 2) * 2;
		w->path = xrealloc(w->path, w->cap);
	}
	if (w->len)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, comp, n);
	w->len += n;
	w->path[w->len] = '\0';
	if (w->depth + 1 >= w->fdcap) {
		w->fdcap = w->fdcap ? w->fdcap * 2 : 16;
		w->fds = xrealloc(w->fds, w->fdcap * sizeof(int));
	}
	w->fds[++w->depth] = fd;
}

static bool walk_pop(struct walk *w)
{
	char *slash;

	if (w->depth == 0)
		return false;
	close(w->fds[w->depth--]);
	slash = memrchr(w->path, '/', w->len);
	w->len = slash ? (size_t)(slash - w->path) : 0;
	w->path[w->len] = '\0';
	return true;
}

static void walk_to_top(struct walk *w)
{
	while (walk_pop(w))
		;
}

static void walk_free(struct walk *w)
{
	for (; w->depth > 0; w->depth--)
		close(w->fds[w->depth]);
	free(w->fds);
	free(w->path);
}

/* Read the link at name under dirfd ("" with an O_PATH fd of the link itself). */
static char *read_link_at(int dirfd, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return NULL;
	target[n] = '\0';
	return xstrdup(target);
}

/*
 * Resolve rel below the root by hand and open the last component with
 * flags (O_NOFOLLOW in flags: a link there is opened as itself, O_PATH
 * only, or refused).  Returns the descriptor, or -errno; *canon (when not
 * NULL) receives the path of what was opened, relative to the root.
 */
static int walk_open(const struct pp_root *r, const char *rel, int flags, char **canon)
{
	struct walk w = { 0 };
	char *todo = xstrdup(rel), *p = todo;
	bool follow_last = !(flags & O_NOFOLLOW);
	int hops = 0, fd = -1, err = 0;

	w.fds = xmalloc(16 * sizeof(int));
	w.fdcap = 16;
	w.fds[0] = r->fd;
	w.path = xstrdup("");
	w.cap = 1;
	for (;;) {
		char *comp, *link;
		size_t n;
		bool last;
		int cfd;

		while (*p == '/')
			p++;
		comp = p;
		n = strcspn(p, "/");
		p += n;
		while (*p == '/')
			p++;
		last = !*p;
		if (n == 0) {
			/* rel was empty or "/": the root itself */
			fd = openat(r->fd, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
			if (fd < 0)
				err = -errno;
			break;
		}
		if ((n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.')) {
			if (n == 2 && !walk_pop(&w)) {
				err = -EXDEV;
				break;
			}
			if (last) {
				fd = openat(w.fds[w.depth], ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
				if (fd < 0)
					err = -errno;
				break;
			}
			continue;
		}
		{
			char name[NAME_MAX + 1];

			if (n > NAME_MAX) {
				err = -ENAMETOOLONG;
				break;
			}
			memcpy(name, comp, n);
			name[n] = '\0';
			if (last)
				cfd = openat(w.fds[w.depth], name, flags | O_NOFOLLOW | O_CLOEXEC);
			else
				cfd = openat(w.fds[w.depth], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd >= 0 && last && (flags & O_PATH) && follow_last) {
				/* O_PATH | O_NOFOLLOW opens a link as itself: is it one? */
				struct stat st;
				if (fstat(cfd, &st) == 0 && S_ISLNK(st.st_mode)) {
					close(cfd);
					cfd = -1;
					errno = ELOOP;
				}
			}
			if (cfd >= 0) {
				if (last) {
					/* the name only: the descriptor is the caller's */
					walk_push(&w, comp, n, -1);
					w.depth--;
					fd = cfd;
					break;
				}
				walk_push(&w, comp, n, cfd);
				continue;
			}
			err = -errno;
			if ((errno != ELOOP && errno != ENOTDIR) || (last && !follow_last))
				break;
			/* Not a directory, or a link: only a link is walked on. */
			link = read_link_at(w.fds[w.depth], name);
			if (!link)
				break;	/* a file in the middle: ENOTDIR stands */
			err = 0;
		}
		if (++hops > MAX_LINK_HOPS) {
			free(link);
			err = -ELOOP;
			break;
		}
		if (link[0] == '/') {
			/* On the live host "/" is the root; in a snapshot an
			 * absolute link points at the analyst's machine. */
			if (!r->live) {
				free(link);
				err = -EXDEV;
				break;
			}
			walk_to_top(&w);
		}
		{
			char *rest = xasprintf("%s/%s", link, p);
			free(link);
			free(todo);
			todo = p = rest;
		}
	}
	free(todo);
	if (fd >= 0 && canon) {
		*canon = w.path;
		w.path = NULL;
	}
	walk_free(&w);
	return fd >= 0 ? fd : (err ? err : -ENOENT);
}

/* ---- one resolution per access ------------------------------------------ */

/* "/proc/self/fd/N" names what fd is: the canonical path, for root_resolve. */
static char *fd_rel_path(const struct pp_root *r, int fd)
{
	char proc[64], abs[PATH_MAX];
	ssize_t n;
	size_t dl = strlen(r->dir);

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, abs, sizeof(abs) - 1);
	if (n < 0)
		return NULL;
	abs[n] = '\0';
	if (r->live)
		return xstrdup(abs + 1);
	if (strncmp(abs, r->dir, dl) != 0 || (abs[dl] != '/' && abs[dl] != '\0'))
		return NULL;	/* the root itself was moved: let the walk say */
	return xstrdup(abs[dl] ? abs + dl + 1 : "");
}

/*
 * Open rel below the root with open(2) flags (O_NOFOLLOW: the last
 * component is not followed).  -errno on failure: ENOENT missing or
 * dangling, EXDEV leaves the root, ELOOP loops.  *canon, when not NULL,
 * receives the path of what was opened relative to the root.
 */
static int rooted_open(const struct pp_root *r, const char *rel, int flags, char **canon)
{
	if (canon)
		*canon = NULL;
	while (*rel == '/')
		rel++;
	if (root_openat2_available()) {
		struct open_how how = {
			.flags = (unsigned long long)(flags | O_CLOEXEC),
			.resolve = RESOLVE_NO_MAGICLINKS | (r->live ? RESOLVE_IN_ROOT : RESOLVE_BENEATH),
		};
		long fd;
		int tries = 0;

		/* EAGAIN: a rename raced a ".." in the lookup; retry a few times. */
		do
			fd = syscall(SYS_openat2, r->fd, *rel ? rel : ".", &how, sizeof(how));
		while (fd < 0 && errno == EAGAIN && ++tries < 16);
		if (fd < 0)
			return -errno;
		if (canon && !(*canon = fd_rel_path(r, (int)fd))) {
			/* no /proc: the walk knows the path */
			close((int)fd);
			return walk_open(r, rel, flags, canon);
		}
		return (int)fd;
	}
	return walk_open(r, rel, flags, canon);
}

/* A descriptor of the regular file at rel, for reading or writing; a
 * FIFO, device node or directory is refused before it is used. */
static int open_regular(const struct pp_root *r, const char *rel, int flags, struct stat *st)
{
	int fd = rooted_open(r, rel, flags | O_NONBLOCK | O_NOCTTY, NULL);

	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

static int fail(int neg)
{
	errno = -neg;
	return -1;
}

/* read() until EOF or max bytes; sysfs returns short reads. */
static ssize_t read_upto(int fd, char *buf, size_t max)
{
	size_t got = 0;

	while (got < max) {
		ssize_t n = read(fd, buf + got, max - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		/* sysfs hands out an attribute in one read; a short read is its end */
		if (got < max && n < 4096)
			break;
	}
	return (ssize_t)got;
}

ssize_t root_read_attr(const struct pp_root *r, const char *rel, char *buf, size_t bufsize)
{
	struct stat st;
	int fd = open_regular(r, rel, O_RDONLY, &st);
	ssize_t n;

	if (fd < 0)
		return fail(fd);
	n = read_upto(fd, buf, bufsize);
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)n >= bufsize) {
		errno = EFBIG;
		return -1;
	}
	buf[n] = '\0';
	/* Callers use buf as a string: an embedded NUL ends it, so trim there. */
	n = (ssize_t)strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

char *root_read_file(const struct pp_root *r, const char *rel, size_t max, size_t *len)
{
	struct stat st;
	int fd = open_regular(r, rel, O_RDONLY, &st);
	char *buf;
	ssize_t n;

	if (fd < 0) {
		fail(fd);
		return NULL;
	}
	buf = xmalloc(max + 1);
	n = read_upto(fd, buf, max);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}

bool root_read_long(const struct pp_root *r, const char *rel, long long *out)
{
	char buf[64], *end;
	long long v;

	if (root_read_attr(r, rel, buf, sizeof(buf)) <= 0)
		return false;
	errno = 0;
	v = strtoll(buf, &end, 0);
	if (errno || end == buf || *end)
		return false;
	*out = v;
	return true;
}

static bool probe(const struct pp_root *r, const char *rel, int flags)
{
	int fd = rooted_open(r, rel, O_PATH | flags, NULL);

	if (fd < 0)
		return fail(fd), false;
	close(fd);
	return true;
}

bool root_exists(const struct pp_root *r, const char *rel)
{
	return probe(r, rel, 0);
}

bool root_lexists(const struct pp_root *r, const char *rel)
{
	return probe(r, rel, O_NOFOLLOW);
}

bool root_is_dir(const struct pp_root *r, const char *rel)
{
	return probe(r, rel, O_DIRECTORY);
}

char *root_resolve(const struct pp_root *r, const char *rel)
{
	char *canon;
	int fd = rooted_open(r, rel, O_PATH, &canon);

	if (fd < 0) {
		fail(fd);
		return NULL;
	}
	close(fd);
	return canon;
}

char *root_resolve_dir(const struct pp_root *r, const char *rel)
{
	char *canon;
	int fd = rooted_open(r, rel, O_PATH | O_DIRECTORY, &canon);

	if (fd < 0) {
		fail(fd);
		return NULL;
	}
	close(fd);
	return canon;
}

char *root_link_basename(const struct pp_root *r, const char *rel)
{
	char *canon = root_resolve(r, rel), *slash, *base;

	if (!canon)
		return NULL;
	slash = strrchr(canon, '/');
	base = xstrdup(slash ? slash + 1 : canon);
	free(canon);
	return base;
}

char *root_link_target(const struct pp_root *r, const char *rel)
{
	/* The directory is resolved inside the root; the link itself is read,
	 * never followed, so its target may point anywhere (a /proc fd link). */
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(".");
	int fd = rooted_open(r, dir, O_RDONLY | O_DIRECTORY, NULL);
	char buf[4096];
	ssize_t n;

	free(dir);
	if (fd < 0)
		return fail(fd), NULL;
	n = readlinkat(fd, slash ? slash + 1 : rel, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

bool root_list_dir(const struct pp_root *r, const char *rel, struct pp_strv *out)
{
	int fd = rooted_open(r, rel, O_RDONLY | O_DIRECTORY, NULL);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return fail(fd), false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		strv_push(out, de->d_name);
	}
	closedir(d);
	if (out->n)
		strv_sort(out);
	return true;
}

/*
 * Reopen an O_PATH descriptor for writing through /proc/self/fd: the
 * object already checked, not a name looked up again.  -ENOENT without /proc.
 */
static int reopen_for_write(int pathfd)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int root_write_attr(const struct pp_root *r, const char *rel, const char *value)
{
	struct stat st, st2;
	size_t len = strlen(value);
	ssize_t n;
	int fd, pfd;

	/* The attribute itself is never a link (O_NOFOLLOW).  It is looked
	 * at first through an O_PATH descriptor, which opens nothing: a
	 * device node or FIFO is refused before its open could do anything. */
	pfd = rooted_open(r, rel, O_PATH | O_NOFOLLOW, NULL);
	if (pfd < 0)
		return fail(pfd), -(int)errno;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(pfd);
		return fail(S_ISREG(st.st_mode) ? -e : S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL), -(int)errno;
	}
	fd = reopen_for_write(pfd);
	close(pfd);
	if (fd == -ENOENT)
		fd = rooted_open(r, rel, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, NULL);
	if (fd < 0)
		return fail(fd), fd;
	/* Still the same regular file (the /proc-less path looked it up again). */
	if (fstat(fd, &st2) < 0 || !S_ISREG(st2.st_mode) || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		close(fd);
		return fail(-EINVAL), -EINVAL;
	}
	/* sysfs stores each write whole; a snapshot's file must not keep a
	 * longer old value after it (what O_TRUNC did, now after the check). */
	if (!r->live && ftruncate(fd, 0) < 0) {
		int e = errno;
		close(fd);
		return fail(-e), -e;
	}
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		close(fd);
		return fail(-e), -e;
	}
	if (close(fd) < 0)
		return -errno;
	if ((size_t)n != len)
		return fail(-EIO), -EIO;
	return 0;
}

/* dir (under the root) as a directory descriptor, made as `mkdir -p` would
 * (0755) where missing; a link anywhere on the way is refused (ENOTDIR),
 * not followed. */
static int open_conf_dir(const struct pp_root *r, const char *dir)
{
	char *copy = xstrdup(dir), *save = NULL;
	int fd = rooted_open(r, ".", O_RDONLY | O_DIRECTORY, NULL);

	for (char *comp = strtok_r(copy, "/", &save); comp && fd >= 0; comp = strtok_r(NULL, "/", &save)) {
		int next;

		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			close(fd);
			fd = -EINVAL;
			break;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && (mkdirat(fd, comp, 0755) == 0 || errno == EEXIST))
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			next = errno == ELOOP ? -ENOTDIR : -errno;
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
}

/* name in dirfd is absent (1), a regular file (0), or something else (-EINVAL). */
static int absent_or_regular(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 1 : -errno;
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

int root_replace_file(const struct pp_root *r, const char *dir, const char *name, const char *content)
{
	size_t len = strlen(content);
	char *tmp;
	int dfd, fd, rc;
	ssize_t n;

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail(-EINVAL), -EINVAL;
	dfd = open_conf_dir(r, dir);
	if (dfd < 0)
		return fail(dfd), dfd;
	rc = absent_or_regular(dfd, name);
	if (rc < 0) {
		close(dfd);
		return fail(rc), rc;
	}
	tmp = xasprintf(".%s.%ld.tmp", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	do
		n = write(fd, content, len);
	while (n < 0 && errno == EINTR);
	rc = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && renameat(dfd, tmp, dfd, name) < 0)
		rc = -errno;
	if (rc)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);	/* the rename is durable once the directory is */
out:
	free(tmp);
	close(dfd);
	return rc ? (fail(rc), rc) : 0;
}

int root_remove_file(const struct pp_root *r, const char *dir, const char *name)
{
	int dfd = rooted_open(r, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, NULL), rc;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return fail(dfd), dfd;
	rc = absent_or_regular(dfd, name);
	if (rc == 0 && unlinkat(dfd, name, 0) < 0)
		rc = errno == ENOENT ? 0 : -errno;
	else if (rc == 1)
		rc = 0;
	if (rc == 0)
		fsync(dfd);
	close(dfd);
	return rc ? (fail(rc), rc) : 0;
}

int root_check_owner(const struct pp_root *r, uid_t uid, char **why)
{
	struct stat st;

	*why = NULL;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	if (st.st_uid != uid) {
		*why = xasprintf("owned by uid %u", (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & S_IWOTH) {
		*why = xstrdup("writable by others");
		return -EPERM;
	}
	return 0;
}

bool valid_driver_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (!(c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	return n <= 64;
}
