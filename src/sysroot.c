/*
 * Rooted filesystem access.  pcipass reads either the running host or a
 * snapshot of someone else's; in both cases nothing outside the root may
 * be read, and a snapshot is untrusted input.  So symlinks are resolved
 * here by hand, component by component, and a link that climbs above the
 * root (or, in a snapshot, is absolute) is refused rather than followed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "sysroot.h"

#define MAX_LINK_HOPS 40

/*
 * Directories already checked to be real directories (not links) under the
 * root.  A run resolves tens of thousands of paths that share their
 * leading components; each component is stat'ed once, not once per path.
 */
struct dircache {
	char **slot;
	size_t cap, used;
};

static size_t hash_path(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static bool dircache_has(const struct dircache *c, const char *path)
{
	if (!c || !c->cap)
		return false;
	for (size_t i = hash_path(path) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		if (!c->slot[i])
			return false;
		if (strcmp(c->slot[i], path) == 0)
			return true;
	}
}

static void dircache_add(struct dircache *c, const char *path)
{
	if ((c->used + 1) * 2 > c->cap) {
		struct dircache bigger = { .cap = c->cap ? c->cap * 2 : 1024 };

		bigger.slot = xcalloc(bigger.cap, sizeof(char *));
		for (size_t i = 0; i < c->cap; i++)
			if (c->slot[i]) {
				size_t j = hash_path(c->slot[i]) & (bigger.cap - 1);
				while (bigger.slot[j])
					j = (j + 1) & (bigger.cap - 1);
				bigger.slot[j] = c->slot[i];
			}
		bigger.used = c->used;
		free(c->slot);
		*c = bigger;
	}
	for (size_t i = hash_path(path) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		if (!c->slot[i]) {
			c->slot[i] = xstrdup(path);
			c->used++;
			return;
		}
		if (strcmp(c->slot[i], path) == 0)
			return;
	}
}

static void dircache_free(struct dircache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->slot[i]);
	free(c->slot);
	free(c);
}

int root_open(struct pp_root *r, const char *dir)
{
	char *abs;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	abs = realpath(dir, NULL);
	if (!abs)
		return pp_error("%s: %s", dir, strerror(errno));
	r->fd = open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = errno;
		free(abs);
		return pp_error("%s: %s", dir, strerror(e));
	}
	r->live = strcmp(abs, "/") == 0;
	if (r->live)
		abs[0] = '\0';
	r->dir = abs;
	r->dircache = xcalloc(1, sizeof(struct dircache));
	return 0;
}

void root_close(struct pp_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->dir);
	dircache_free(r->dircache);
	r->dircache = NULL;
	r->dir = NULL;
	r->fd = -1;
}

char *root_path(const struct pp_root *r, const char *rel)
{
	while (*rel == '/')
		rel++;
	return xasprintf("%s/%s", r->dir, rel);
}

/* A resolved path under construction: components joined by '/'. */
struct walk {
	char *path;
	size_t len, cap;
};

static void walk_push(struct walk *w, const char *comp, size_t n)
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
}

static bool walk_pop(struct walk *w)
{
	char *slash;

	if (w->len == 0)
		return false;
	slash = memrchr(w->path, '/', w->len);
	w->len = slash ? (size_t)(slash - w->path) : 0;
	w->path[w->len] = '\0';
	return true;
}

char *root_resolve(const struct pp_root *r, const char *rel)
{
	struct walk w = { 0 };
	/* The path still to walk; links splice their target in front of it. */
	char *todo = xstrdup(rel), *p;
	int hops = 0;

	walk_push(&w, "", 0);
	p = todo;
	for (;;) {
		char *comp, *end;
		size_t n;
		struct stat st;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp = p;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		p = comp + n;
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			if (!walk_pop(&w)) {
				errno = EXDEV;
				goto fail;
			}
			continue;
		}
		walk_push(&w, comp, n);
		if (dircache_has(r->dircache, w.path))
			continue;
		if (fstatat(r->fd, w.path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto fail;
		if (S_ISDIR(st.st_mode))
			dircache_add(r->dircache, w.path);
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tl;
			char *rest;

			if (++hops > MAX_LINK_HOPS) {
				errno = ELOOP;
				goto fail;
			}
			tl = readlinkat(r->fd, w.path, target, sizeof(target) - 1);
			if (tl < 0)
				goto fail;
			target[tl] = '\0';
			walk_pop(&w);
			if (target[0] == '/') {
				/* On the live host "/" is the root; in a snapshot an
				 * absolute link points at the analyst's machine. */
				if (!r->live) {
					errno = EXDEV;
					goto fail;
				}
				w.len = 0;
				w.path[0] = '\0';
			}
			rest = xasprintf("%s/%s", target, p);
			free(todo);
			todo = p = rest;
		}
	}
	free(todo);
	return w.path;
fail:
	free(todo);
	free(w.path);
	return NULL;
}

/*
 * Open a regular file below the root for reading, refusing links out of
 * it.  The common case, a plain file in an already verified directory,
 * costs one openat; only links take the slow walk.  O_NONBLOCK and the
 * S_ISREG check keep a FIFO or device node in a snapshot from hanging us.
 */
static int root_open_file(const struct pp_root *r, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *canon;
	int fd = -1;
	struct stat st;

	while (*rel == '/')
		rel++;
	if (slash && slash > rel) {
		char *dir = strndup(rel, (size_t)(slash - rel));
		bool known = dir && dircache_has(r->dircache, dir);

		free(dir);
		if (known && strcmp(slash + 1, "..") != 0 && strcmp(slash + 1, ".") != 0) {
			fd = openat(r->fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
			if (fd < 0 && errno != ELOOP)
				return -1;
		}
	}
	if (fd < 0) {
		canon = root_resolve(r, rel);
		if (!canon)
			return -1;
		fd = openat(r->fd, *canon ? canon : ".", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
		free(canon);
		if (fd < 0)
			return -1;
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	return fd;
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
	int fd = root_open_file(r, rel);
	ssize_t n;

	if (fd < 0)
		return -1;
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
	int fd = root_open_file(r, rel);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
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

bool root_exists(const struct pp_root *r, const char *rel)
{
	char *canon = root_resolve(r, rel);

	free(canon);
	return canon != NULL;
}

bool root_lexists(const struct pp_root *r, const char *rel)
{
	const char *slash, *leaf;
	char *dir, *canon, *full;
	struct stat st;
	bool there;

	while (*rel == '/')
		rel++;
	slash = strrchr(rel, '/');
	leaf = slash ? slash + 1 : rel;
	if (!*leaf || strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0)
		return root_exists(r, rel);
	/* The directories above are resolved under the root; the leaf is not followed. */
	dir = slash ? strndup(rel, (size_t)(slash - rel)) : xstrdup("");
	canon = dir ? root_resolve(r, dir) : NULL;
	free(dir);
	if (!canon)
		return false;
	full = *canon ? xasprintf("%s/%s", canon, leaf) : xstrdup(leaf);
	there = fstatat(r->fd, full, &st, AT_SYMLINK_NOFOLLOW) == 0;
	free(full);
	free(canon);
	return there;
}

bool root_is_dir(const struct pp_root *r, const char *rel)
{
	char *canon = root_resolve(r, rel);
	struct stat st;
	bool dir;

	if (!canon)
		return false;
	dir = dircache_has(r->dircache, canon) ||
	      (fstatat(r->fd, *canon ? canon : ".", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
	free(canon);
	return dir;
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

bool root_list_dir(const struct pp_root *r, const char *rel, struct pp_strv *out)
{
	char *canon = root_resolve(r, rel);
	int fd;
	DIR *d;
	struct dirent *de;

	if (!canon)
		return false;
	fd = openat(r->fd, *canon ? canon : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	free(canon);
	if (fd < 0)
		return false;
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

int root_write_attr(const struct pp_root *r, const char *rel, const char *value)
{
	char *canon;
	int fd;
	size_t len = strlen(value);
	ssize_t n;

	canon = root_resolve(r, rel);
	if (!canon)
		return -1;
	fd = openat(r->fd, canon, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	free(canon);
	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	if (n < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
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
