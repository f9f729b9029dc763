/*
 * Snapshot trees on disk: written as a directory or a .tar.gz (libarchive),
 * and a --sysroot tarball unpacked safely.
 *
 * A customer's tarball is untrusted input.  libarchive's own extractor has
 * flags against the classic tricks (ARCHIVE_EXTRACT_SECURE_*), but a
 * snapshot only ever holds directories, regular files and symlinks, so the
 * unpacker here is smaller and stricter: every entry is checked by name,
 * type and size, and written with openat()/mkdirat()/symlinkat() below one
 * directory fd, walking each parent component with O_NOFOLLOW.  Nothing
 * can land outside the private directory, whatever the archive says.
 *
 * Note: <archive.h> (angle brackets) is libarchive's; "archive.h" is ours.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model.h"
#include "archive.h"

bool snap_path_is_tarball(const char *path)
{
	size_t n = strlen(path);

	return (n > 7 && strcmp(path + n - 7, ".tar.gz") == 0) || (n > 4 && strcmp(path + n - 4, ".tgz") == 0);
}

/* ---- removing a tree, safely even from a signal handler ------------------ */

/*
 * Only async-signal-safe calls (openat, getdents64, unlinkat, close), a
 * stack buffer per level and a bounded depth: the handler for SIGINT must
 * be able to clean up as well as atexit() can.
 */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void remove_children(int dirfd, int depth)
{
	char buf[2048] __attribute__((aligned(8)));
	bool removed = true;

	/* Deleting while reading may skip entries: read again from the start
	 * until a pass removes nothing. */
	while (removed) {
		long n;

		removed = false;
		if (lseek(dirfd, 0, SEEK_SET) < 0)
			return;
		while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
				const char *name = de->d_name;

				off += de->d_reclen;
				if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
					continue;
				if (unlinkat(dirfd, name, 0) == 0) {
					removed = true;
					continue;
				}
				if (errno != EISDIR && errno != EPERM)
					continue;
				if (depth < SNAP_MAX_DEPTH + 8) {
					int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
					if (sub >= 0) {
						remove_children(sub, depth + 1);
						close(sub);
					}
				}
				if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
					removed = true;
			}
		}
	}
}

static void remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		remove_children(fd, 0);
		close(fd);
	}
	rmdir(path);
}

/* ---- the private unpack directory and its removal at exit ------------------ */

static char unpack_dir[PATH_MAX];	/* fixed storage: the signal handler reads it */
static volatile sig_atomic_t unpack_live;
/* One run may read several tarballs (pcipass diff A B): each is unpacked
 * into its own numbered subdirectory of unpack_dir, once. */
static struct pp_strv unpacked_from;	/* the tarball paths given, in order */
static struct pp_strv unpacked_dirs;	/* parallel: the directory handed back for each */

static void unpack_cleanup(void)
{
	if (unpack_live) {
		unpack_live = 0;
		remove_tree(unpack_dir);
	}
}

static void unpack_on_signal(int sig)
{
	unpack_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Every signal whose default is to end the process and that can be caught:
 * the unpack directory goes with the process.  SIGKILL cannot be caught;
 * what a killed run leaves behind the next run sweeps (sweep_stale).
 */
static void unpack_register_cleanup(void)
{
	static bool registered;
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGUSR1, SIGSEGV,
		SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
		SIGIO, SIGPWR, SIGSYS,
	};

	if (registered)
		return;
	registered = true;
	atexit(unpack_cleanup);
	for (int i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])) + (SIGRTMAX - SIGRTMIN + 1); i++) {
		int sig = i < (int)(sizeof(sigs) / sizeof(sigs[0])) ? sigs[i] : SIGRTMIN + i - (int)(sizeof(sigs) / sizeof(sigs[0]));
		struct sigaction sa, old;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = unpack_on_signal;
		sigfillset(&sa.sa_mask);	/* one cleanup at a time */
		sa.sa_flags = SA_RESETHAND;
		/* Keep an inherited "ignore" (nohup, SIGPIPE in pipelines). */
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sig, &sa, NULL);
	}
}

#define UNPACK_PREFIX "pcipass-sysroot."

/*
 * Unpack directories of runs that were killed (SIGKILL leaves no chance to
 * clean up): "pcipass-sysroot.<pid>.XXXXXX" in tmpdir, ours, whose pid is
 * gone.  A pid reused since only keeps a stale directory one run longer.
 */
static void sweep_stale(const char *tmpdir)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end, *path;
		long pid;
		struct stat st;

		if (strncmp(de->d_name, UNPACK_PREFIX, strlen(UNPACK_PREFIX)) != 0)
			continue;
		pid = strtol(de->d_name + strlen(UNPACK_PREFIX), &end, 10);
		if (end == de->d_name + strlen(UNPACK_PREFIX) || *end != '.' || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		path = xasprintf("%s/%s", tmpdir, de->d_name);
		remove_tree(path);
		free(path);
	}
	closedir(d);
}

/* ---- walking a relative path below a directory fd ------------------------ */

/*
 * Split REL into components, refusing what a snapshot path may not hold.
 * Leading "./" and empty or "." components are dropped (tar -C dir -cf - .
 * writes "./sys/..."). Returns a message for the refusal, NULL when fine.
 */
static const char *split_path(const char *rel, struct pp_strv *comps)
{
	char *copy, *tok, *save;
	const char *why = NULL;

	if (!rel || !*rel)
		return "empty name";
	if (rel[0] == '/')
		return "absolute path";
	if (strlen(rel) >= PATH_MAX - 64)
		return "name too long";
	copy = xstrdup(rel);
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			why = "'..' in the path";
			break;
		}
		if (strlen(tok) > NAME_MAX) {
			why = "name too long";
			break;
		}
		strv_push(comps, tok);
		if (comps->n > SNAP_MAX_DEPTH) {
			why = "path too deep";
			break;
		}
	}
	free(copy);
	return why;
}

/*
 * Open the directory that holds the last component, creating missing
 * parents.  Every step is O_NOFOLLOW: a symlink where a directory should
 * be is refused (ENOTDIR/ELOOP), so nothing is written through a link.
 */
static int open_parent(int topfd, const struct pp_strv *comps)
{
	int fd = dup(topfd);

	for (size_t i = 0; fd >= 0 && i + 1 < comps->n; i++) {
		int next = openat(fd, comps->v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, comps->v[i], 0755) < 0 && errno != EEXIST) {
				int e = errno;
				close(fd);
				errno = e;
				return -1;
			}
			next = openat(fd, comps->v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		{
			int e = errno;
			close(fd);
			errno = e;
		}
		fd = next;
	}
	return fd;
}

/* The entry kinds a snapshot holds. */
enum tree_kind { TREE_DIR, TREE_FILE, TREE_LINK };

/*
 * The tree being written: its top, and the directory of the last entry
 * kept open, since entries come directory by directory (a deep sysfs path
 * would otherwise cost one openat per component per entry).
 */
struct tree {
	int topfd;
	char *parent;		/* path of the cached directory, or NULL */
	int parentfd;
};

static void tree_init(struct tree *t, int topfd)
{
	t->topfd = topfd;
	t->parent = NULL;
	t->parentfd = -1;
}

static void tree_forget(struct tree *t)
{
	if (t->parentfd >= 0)
		close(t->parentfd);
	free(t->parent);
	t->parent = NULL;
	t->parentfd = -1;
}

/* The directory holding comps' last component, opened (and cached) safely. */
static int tree_parent(struct tree *t, const struct pp_strv *comps)
{
	struct pp_strv dir = *comps;
	char *path;
	int fd;

	dir.n = comps->n - 1;
	path = strv_join(&dir, "/");
	if (t->parent && strcmp(t->parent, path) == 0) {
		free(path);
		return t->parentfd;
	}
	fd = open_parent(t->topfd, comps);
	if (fd < 0) {
		free(path);
		return -1;
	}
	tree_forget(t);
	t->parent = path;
	t->parentfd = fd;
	return fd;
}

/*
 * Create one entry below the top.  A directory that already exists is
 * fine; a file or link over anything existing fails with EEXIST.
 */
static int tree_put(struct tree *t, const struct pp_strv *comps, enum tree_kind kind, const void *data, size_t len)
{
	const char *leaf;
	int dfd, rc = -1;

	if (comps->n == 0) {
		errno = kind == TREE_DIR ? 0 : EISDIR;
		return kind == TREE_DIR ? 0 : -1;
	}
	leaf = comps->v[comps->n - 1];
	dfd = tree_parent(t, comps);
	if (dfd < 0)
		return -1;
	switch (kind) {
	case TREE_DIR: {
		struct stat st;
		rc = mkdirat(dfd, leaf, 0755);
		if (rc < 0 && errno == EEXIST && fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			rc = 0;
		break;
	}
	case TREE_FILE: {
		int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		const char *p = data;
		size_t left = len;
		int e;

		if (fd < 0)
			break;
		rc = 0;
		while (left > 0) {
			ssize_t n = write(fd, p, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				rc = -1;
				break;
			}
			p += n;
			left -= (size_t)n;
		}
		e = errno;
		if (close(fd) < 0 && rc == 0)
			rc = -1;
		else
			errno = e;
		break;
	}
	case TREE_LINK:
		rc = symlinkat(data, dfd, leaf);
		break;
	}
	return rc;
}

/* proc/PID/fd/N -> /dev/vfio/GROUP or /dev/vfio/devices/vfioN: the record of
 * a process holding a VFIO file.  Read as text (root_link_target), never
 * followed, so the only links allowed to name something outside the tree. */
bool snap_link_is_vfio_holder(const char *rel, const char *target)
{
	const char *p = rel, *t = target;
	size_t n;

	if (strncmp(p, "proc/", 5) != 0)
		return false;
	p += 5;
	n = strspn(p, "0123456789");
	if (!n || strncmp(p + n, "/fd/", 4) != 0)
		return false;
	p += n + 4;
	if (!*p || strspn(p, "0123456789") != strlen(p) || !t || strncmp(t, "/dev/vfio/", 10) != 0)
		return false;
	t += 10;
	if (strncmp(t, "devices/vfio", 12) == 0)
		t += 12;
	return *t && strspn(t, "0123456789") == strlen(t);
}

bool snap_link_allowed(const char *rel, const char *target)
{
	return snap_link_stays_inside(rel, target) || snap_link_is_vfio_holder(rel, target);
}

bool snap_link_stays_inside(const char *rel, const char *target)
{
	struct pp_strv comps = { 0 };
	long depth;
	char *copy, *tok, *save;
	bool inside = true;

	if (!target || !*target || target[0] == '/')
		return false;
	if (split_path(rel, &comps) || comps.n == 0) {
		strv_free(&comps);
		return false;
	}
	depth = (long)comps.n - 1;	/* the link's own directory */
	strv_free(&comps);
	copy = xstrdup(target);
	for (tok = strtok_r(copy, "/", &save); tok && inside; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0)
			inside = --depth >= 0;
		else
			depth++;
	}
	free(copy);
	return inside;
}

/* ---- writing: directory or tarball --------------------------------------- */

struct snap_out {
	char *path;		/* where it goes */
	char *tmp;		/* where it is built */
	bool tarball;
	bool created;		/* tmp exists on disk */
	int topfd;		/* directory form: the temporary directory */
	struct tree tree;	/* directory form: writing below topfd */
	struct archive *ar;	/* tarball form */
	void *seen;		/* tsearch set of paths written */
	struct pp_strv seen_owned;	/* the strings the set points to */
	size_t entries;
	unsigned long long bytes;
};

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Record rel as written; false when it already was. */
static bool mark_seen(struct snap_out *o, const char *rel)
{
	char *copy;
	void *node;

	if (tfind(rel, &o->seen, cmp_strp))
		return false;
	strv_push(&o->seen_owned, rel);
	copy = o->seen_owned.v[o->seen_owned.n - 1];
	node = tsearch(copy, &o->seen, cmp_strp);
	if (!node) {
		pp_error("memory: out of memory");	/* fatal, like xmalloc */
		exit(PP_EXIT_ERROR);
	}
	return true;
}

const char *snap_out_path(const struct snap_out *o)
{
	return o->path;
}

/* "dir/.base.XXXXXX" next to path, so that the final rename stays on one filesystem. */
static char *temp_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xasprintf(".%s.XXXXXX", path);
	return xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
}

/* The output path is the user's, not under any --sysroot: plain calls. */
static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int snap_out_open(const char *path, struct snap_out **out)
{
	struct snap_out *o;
	struct stat st;
	size_t len = strlen(path);

	*out = NULL;
	if (len == 0)
		return pp_usage_error("-o: needs a file or directory name");
	o = xcalloc(1, sizeof(*o));
	o->topfd = -1;
	tree_init(&o->tree, -1);
	o->path = xstrdup(path);
	/* "out/" names a directory: drop the slash for the temporary's name. */
	while (strlen(o->path) > 1 && o->path[strlen(o->path) - 1] == '/')
		o->path[strlen(o->path) - 1] = '\0';
	o->tarball = snap_path_is_tarball(o->path);
	o->tmp = temp_name_for(o->path);

	if (lstat(o->path, &st) == 0) {
		if (o->tarball && !S_ISREG(st.st_mode)) {
			pp_fail("%s: exists and is not a regular file", o->path);
			goto fail;
		}
		if (!o->tarball && !(S_ISDIR(st.st_mode) && dir_is_empty(o->path))) {
			pp_fail("%s: exists and is not an empty directory", o->path);
			goto fail;
		}
	} else if (errno != ENOENT) {
		pp_fail("%s: %s", o->path, strerror(errno));
		goto fail;
	}

	if (o->tarball) {
		int fd = mkstemp(o->tmp);

		if (fd < 0) {
			pp_fail("%s: cannot create a file next to it: %s", o->path, strerror(errno));
			goto fail;
		}
		o->created = true;
		o->topfd = fd;
		/* mkstemp makes 0600; a report is meant to be shared: honour the umask. */
		{
			mode_t um = umask(0);
			umask(um);
			fchmod(fd, 0666 & ~um);
		}
		o->ar = archive_write_new();
		if (!o->ar || archive_write_add_filter_gzip(o->ar) != ARCHIVE_OK ||
		    archive_write_set_format_pax_restricted(o->ar) != ARCHIVE_OK ||
		    archive_write_open_fd(o->ar, fd) != ARCHIVE_OK) {
			pp_fail("%s: libarchive: %s", o->path, o->ar ? archive_error_string(o->ar) : "out of memory");
			goto fail;
		}
		/* archive_write_open_fd does not take the fd: it is closed after the archive. */
	} else {
		if (!mkdtemp(o->tmp)) {
			pp_fail("%s: cannot create a directory next to it: %s", o->path, strerror(errno));
			goto fail;
		}
		o->created = true;
		o->topfd = open(o->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		tree_init(&o->tree, o->topfd);
		if (o->topfd < 0) {
			pp_fail("%s: %s", o->tmp, strerror(errno));
			goto fail;
		}
	}
	*out = o;
	return 0;
fail:
	snap_out_abort(o);
	return PP_EXIT_ERROR;
}

/* Write one entry whose parents exist; comps and norm name it. */
static int write_entry(struct snap_out *o, const struct pp_strv *comps, const char *norm, enum tree_kind kind,
		       const void *data, size_t len)
{
	int rc = 0;

	if (++o->entries > SNAP_MAX_ENTRIES || (o->bytes += len) > SNAP_MAX_TOTAL_BYTES)
		return pp_fail("%s: more than %u entries or %llu MiB: refusing to write a snapshot that large",
				o->path, SNAP_MAX_ENTRIES, SNAP_MAX_TOTAL_BYTES >> 20);
	if (!o->tarball) {
		if (tree_put(&o->tree, comps, kind, data, len) < 0)
			rc = pp_fail("%s/%s: %s", o->path, norm, strerror(errno));
		return rc;
	}
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, norm);
	/* Fixed owner and times: the same tree gives the same tarball. */
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	switch (kind) {
	case TREE_DIR:
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		break;
	case TREE_FILE:
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		break;
	case TREE_LINK:
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, data);
		break;
	}
	if (archive_write_header(o->ar, e) != ARCHIVE_OK ||
	    (kind == TREE_FILE && len && archive_write_data(o->ar, data, len) != (la_ssize_t)len))
		rc = pp_fail("%s: %s", o->path, archive_error_string(o->ar));
	archive_entry_free(e);
	return rc;
}

static int out_entry(struct snap_out *o, const char *rel, enum tree_kind kind, const void *data, size_t len)
{
	struct pp_strv comps = { 0 };
	const char *why = split_path(rel, &comps);
	char *norm;
	size_t n;
	int rc = 0;

	/* Our own names: a refusal here is a bug in the recorder, not bad input. */
	if (why || comps.n == 0) {
		strv_free(&comps);
		return pp_fail("%s: entry '%s': %s (bug)", o->path, rel, why ? why : "empty name");
	}
	if (kind == TREE_LINK && !snap_link_allowed(rel, data)) {
		strv_free(&comps);
		return pp_fail("%s: entry '%s': link to '%s' leaves the tree (bug)", o->path, rel,
				(const char *)data);
	}
	norm = strv_join(&comps, "/");
	if (!mark_seen(o, norm))
		goto done;
	/* Parents first, once each: a tarball lists directories before their content. */
	n = comps.n;
	for (size_t i = 1; i < n && !rc; i++) {
		char *parent;

		comps.n = i;
		parent = strv_join(&comps, "/");
		if (mark_seen(o, parent))
			rc = write_entry(o, &comps, parent, TREE_DIR, NULL, 0);
		free(parent);
	}
	comps.n = n;
	if (!rc)
		rc = write_entry(o, &comps, norm, kind, data, len);
done:
	free(norm);
	strv_free(&comps);
	return rc;
}

int snap_out_dir(struct snap_out *o, const char *rel)
{
	return out_entry(o, rel, TREE_DIR, NULL, 0);
}

int snap_out_file(struct snap_out *o, const char *rel, const void *data, size_t len)
{
	return out_entry(o, rel, TREE_FILE, data ? data : "", len);
}

int snap_out_symlink(struct snap_out *o, const char *rel, const char *target)
{
	return out_entry(o, rel, TREE_LINK, target, 0);
}

/* The set's keys belong to seen_owned. */
static void keep_key(void *key)
{
	(void)key;
}

static void snap_out_free(struct snap_out *o)
{
	tree_forget(&o->tree);
	tdestroy(o->seen, keep_key);
	strv_free(&o->seen_owned);
	free(o->path);
	free(o->tmp);
	free(o);
}

void snap_out_abort(struct snap_out *o)
{
	if (!o)
		return;
	if (o->ar) {
		archive_write_free(o->ar);
		o->ar = NULL;
	}
	if (o->topfd >= 0)
		close(o->topfd);
	if (o->created && o->tarball)
		unlink(o->tmp);
	else if (o->created)
		remove_tree(o->tmp);
	snap_out_free(o);
}

int snap_out_commit(struct snap_out *o)
{
	int rc = 0;

	if (o->tarball) {
		if (archive_write_close(o->ar) != ARCHIVE_OK)
			rc = pp_fail("%s: %s", o->path, archive_error_string(o->ar));
		archive_write_free(o->ar);
		o->ar = NULL;
		if (!rc && fsync(o->topfd) < 0)
			rc = pp_fail("%s: %s", o->path, strerror(errno));
	} else {
		/* mkdtemp made it 0700; a snapshot is meant to be read by others. */
		mode_t um = umask(0);
		umask(um);
		if (chmod(o->tmp, 0777 & ~um) < 0)
			rc = pp_fail("%s: %s", o->tmp, strerror(errno));
	}
	if (!rc && rename(o->tmp, o->path) < 0)
		rc = pp_fail("%s: %s", o->path, strerror(errno));
	if (rc) {
		snap_out_abort(o);
		return rc;
	}
	close(o->topfd);
	snap_out_free(o);
	return 0;
}

/* ---- reading: unpacking a --sysroot tarball ------------------------------ */

/* An entry name as shown in a message: printable and bounded. */
static char *shown_name(const char *s)
{
	size_t n = strlen(s), max = 100;
	char *out = xmalloc(max + 4), *p = out;

	for (size_t i = 0; i < n && i < max; i++)
		*p++ = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n > max) {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p = '\0';
	return out;
}

static int refuse(const char *file, const char *entry, const char *fmt, const char *arg)
{
	char *shown = shown_name(entry), *why = xasprintf(fmt, arg ? arg : "");

	pp_fail("%s: entry '%s': %s, refused", file, shown, why);
	free(shown);
	free(why);
	return PP_EXIT_ERROR;
}

static const char *entry_type_refusal(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return "hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
	case AE_IFREG:
	case AE_IFLNK:
		return NULL;
	case AE_IFCHR:
	case AE_IFBLK:
		return "device node";
	case AE_IFIFO:
		return "FIFO";
	case AE_IFSOCK:
		return "socket";
	}
	return "unknown entry type";
}

static int corrupt(const char *file, struct archive *a)
{
	const char *msg = archive_error_string(a);

	return pp_fail("%s: corrupt or truncated tarball (%s)", file, msg ? msg : "unreadable");
}

/* Read one regular file's data, bounded by the per-entry and total limits. */
static int read_entry_data(const char *file, const char *name, struct archive *a, char **data, size_t *len,
			   unsigned long long *total)
{
	size_t cap = 4096, got = 0;
	char *buf = xmalloc(cap);

	for (;;) {
		la_ssize_t n;

		if (cap - got < 4096) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = archive_read_data(a, buf + got, cap - got);
		if (n < 0) {
			free(buf);
			return corrupt(file, a);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		*total += (unsigned long long)n;
		if (got > SNAP_MAX_ENTRY_BYTES || *total > SNAP_MAX_TOTAL_BYTES) {
			free(buf);
			return refuse(file, name, got > SNAP_MAX_ENTRY_BYTES ? "oversized entry (over %s)"
									    : "the tarball unpacks to more than %s",
				      got > SNAP_MAX_ENTRY_BYTES ? "16 MiB" : "1 GiB");
		}
	}
	*data = buf;
	*len = got;
	return 0;
}

static int unpack_entries(const char *file, struct archive *a, struct tree *t, struct pp_strv *links)
{
	struct archive_entry *e;
	unsigned long long total = 0;
	size_t count = 0;

	for (;;) {
		struct pp_strv comps = { 0 };
		const char *name, *why;
		char *norm = NULL, *data = NULL;
		size_t len = 0;
		int r = archive_read_next_header(a, &e), rc = 0, kind;

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK)
			return corrupt(file, a);
		name = archive_entry_pathname(e);
		if (!name)
			return refuse(file, "", "no name%s", NULL);
		if (++count > SNAP_MAX_ENTRIES)
			return refuse(file, name, "more than %s entries", "2000000");
		why = entry_type_refusal(e);
		if (!why)
			why = split_path(name, &comps);
		if (!why && archive_entry_sparse_count(e) > 0)
			why = "sparse file";
		if (why) {
			strv_free(&comps);
			return refuse(file, name, "%s", why);
		}
		kind = archive_entry_filetype(e);
		if (comps.n == 0) {
			/* "." or "./": the top itself */
			strv_free(&comps);
			if (kind == AE_IFDIR)
				continue;
			return refuse(file, name, "%s", "not a directory at the top");
		}
		norm = strv_join(&comps, "/");
		if (kind == AE_IFLNK) {
			const char *target = archive_entry_symlink(e);

			if (!snap_link_allowed(norm, target))
				rc = refuse(file, name, "link to '%s' leaves the tree", target ? target : "");
			else if (tree_put(t, &comps, TREE_LINK, target, 0) == 0) {
				/* holder records are read as text, never resolved */
				if (!snap_link_is_vfio_holder(norm, target))
					strv_push(links, norm);
			}
			else
				rc = -1;
		} else if (kind == AE_IFREG) {
			if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
			    archive_entry_size(e) > (la_int64_t)SNAP_MAX_ENTRY_BYTES)
				rc = refuse(file, name, "oversized entry (over %s)", "16 MiB");
			else
				rc = read_entry_data(file, name, a, &data, &len, &total);
			if (!rc && tree_put(t, &comps, TREE_FILE, data, len) < 0)
				rc = -1;
		} else if (tree_put(t, &comps, TREE_DIR, NULL, 0) < 0) {
			rc = -1;
		}
		if (rc < 0) {
			if (errno == EEXIST)
				rc = refuse(file, name, "%s", "conflicts with an entry before it");
			else if (errno == ENOTDIR || errno == ELOOP)
				rc = refuse(file, name, "%s", "lies below a symlink or a file");
			else
				rc = pp_fail("%s: unpacking '%s': %s", file, norm, strerror(errno));
		}
		free(data);
		free(norm);
		strv_free(&comps);
		if (rc)
			return rc;
	}
}

/*
 * Second pass, with the whole tree in place: follow every link the way
 * pcipass will read it, so a chain of links that each look harmless but
 * together climb out (a -> "..", b -> "a/..") is refused here too.
 */
static int check_links(const char *file, const char *dir, const struct pp_strv *links, const char **top)
{
	struct pp_root r;
	int rc = 0;

	rc = root_open(&r, dir);
	if (rc < 0)
		return pp_fail("%s: %s", dir, strerror(-rc));
	for (size_t i = 0; i < links->n && !rc; i++) {
		char *canon = root_resolve(&r, links->v[i]);

		if (!canon && (errno == EXDEV || errno == ELOOP))
			rc = refuse(file, links->v[i], "%s",
				    errno == EXDEV ? "link leaves the tree" : "link loops");
		free(canon);
	}
	*top = NULL;
	if (!rc && root_is_dir(&r, "sys/bus/pci/devices")) {
		*top = "";
	} else if (!rc) {
		/* Also accept one wrapping directory: tar czf x.tar.gz snapdir/ */
		struct pp_strv names = { 0 };
		static char sub[NAME_MAX + 1];

		root_list_dir(&r, ".", &names);
		if (names.n == 1 && strlen(names.v[0]) <= NAME_MAX) {
			char *p = xasprintf("%s/sys/bus/pci/devices", names.v[0]);
			char *canon = root_resolve(&r, names.v[0]);

			/* the wrapper must be a real directory, not a link */
			if (canon && strcmp(canon, names.v[0]) == 0 && root_is_dir(&r, p)) {
				strcpy(sub, names.v[0]);
				*top = sub;
			}
			free(canon);
			free(p);
		}
		strv_free(&names);
		if (!*top)
			rc = pp_fail("%s: no sys/bus/pci/devices inside: not a pcipass snapshot", file);
	}
	root_close(&r);
	return rc;
}

/* The run's private directory, made on the first tarball and removed at exit. */
static int unpack_dir_create(void)
{
	const char *tmpdir = getenv("TMPDIR");

	if (unpack_live)
		return 0;
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	if ((size_t)snprintf(unpack_dir, sizeof(unpack_dir), "%s/" UNPACK_PREFIX "%ld.XXXXXX", tmpdir,
			     (long)getpid()) >= sizeof(unpack_dir))
		return pp_fail("TMPDIR: path too long");
	sweep_stale(tmpdir);
	unpack_register_cleanup();
	if (!mkdtemp(unpack_dir))
		return pp_fail("%s: cannot create a directory to unpack into: %s", unpack_dir, strerror(errno));
	unpack_live = 1;
	return 0;
}

/* Private sysroots pcipass builds itself (lspci-dump.c), in the same
 * private directory as unpacked tarballs, so one cleanup removes both. */
static struct pp_strv private_dirs;

int sysroot_private_dir(const char **dir)
{
	char *sub;
	int rc = unpack_dir_create();

	if (rc)
		return rc;
	sub = xasprintf("%s/listing%zu", unpack_dir, private_dirs.n + 1);
	if (mkdir(sub, 0700) < 0) {
		rc = pp_fail("%s: cannot create a private directory: %s", sub, strerror(errno));
		free(sub);
		return rc;
	}
	strv_push(&private_dirs, sub);
	free(sub);
	*dir = private_dirs.v[private_dirs.n - 1];
	return 0;
}

void sysroot_private_dir_remove(void)
{
	if (private_dirs.n)
		remove_tree(private_dirs.v[private_dirs.n - 1]);
}

int sysroot_unpack(const char *sysroot, const char **dir)
{
	struct stat st;
	struct archive *a;
	const char *top = NULL;
	struct pp_strv links = { 0 };
	char *sub;
	int topfd, rc;

	*dir = sysroot;
	if (stat(sysroot, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;	/* a directory, or an error root_open() will name */
	for (size_t i = 0; i < unpacked_from.n; i++)
		if (strcmp(unpacked_from.v[i], sysroot) == 0) {
			*dir = unpacked_dirs.v[i];
			return 0;
		}
	rc = unpack_dir_create();
	if (rc)
		return rc;
	sub = xasprintf("%s/%zu", unpack_dir, unpacked_from.n + 1);
	if (mkdir(sub, 0700) < 0 ||
	    (topfd = open(sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = pp_fail("%s: %s", sub, strerror(errno));
		remove_tree(sub);
		free(sub);
		return rc;
	}

	a = archive_read_new();
	/* tar (ustar, pax, GNU), gzip-compressed or not; no external programs. */
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, sysroot, 64 * 1024) != ARCHIVE_OK) {
		const char *msg = archive_error_string(a);
		rc = pp_fail("%s: not a snapshot tarball (%s)", sysroot, msg ? msg : "unreadable");
	} else {
		struct tree t;

		tree_init(&t, topfd);
		rc = unpack_entries(sysroot, a, &t, &links);
		tree_forget(&t);
	}
	archive_read_free(a);
	close(topfd);
	if (!rc)
		rc = check_links(sysroot, sub, &links, &top);
	strv_free(&links);
	if (rc) {
		/* nothing of a refused tarball stays on disk */
		remove_tree(sub);
		free(sub);
		return rc;
	}
	strv_push(&unpacked_from, sysroot);
	if (*top)
		strv_pushf(&unpacked_dirs, "%s/%s", sub, top);
	else
		strv_push(&unpacked_dirs, sub);
	free(sub);
	*dir = unpacked_dirs.v[unpacked_dirs.n - 1];
	return 0;
}
