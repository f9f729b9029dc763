/*
 * Rooted I/O: every filesystem access under the root ("/" or a snapshot)
 * goes through here, and so does the one write to sysfs.
 */
#ifndef PCIPASS_SYSROOT_H
#define PCIPASS_SYSROOT_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/*
 * All access is relative to the root ("/" or a snapshot): each path is
 * resolved from the root's descriptor in one step (openat2 with
 * RESOLVE_BENEATH / RESOLVE_IN_ROOT, or a per-component O_NOFOLLOW walk
 * where the kernel lacks openat2), so a link leaving the root is refused
 * (EXDEV) instead of followed, however the tree changes meanwhile.
 * Everything here returns -1/NULL with errno or -errno, and prints nothing.
 */
struct pp_root {
	char *dir;		/* absolute, no trailing slash ("" means "/") */
	const char *display;	/* what the user named (a tarball, say); NULL: dir */
	bool live;		/* the running host, not a snapshot */
	int fd;			/* O_PATH of dir */
};

/* 0 or -errno (the caller names dir in its message). */
int root_open(struct pp_root *r, const char *dir);
/* Does the kernel resolve with openat2 (5.6+)?  Test builds: false when
 * PCIPASS_TEST_NO_OPENAT2=1, so that the fallback walk is tested too. */
bool root_openat2_available(void);
/* Before writing under the root: it must be owned by uid and not writable
 * by others.  0, or -EPERM with *why ("owned by uid N", malloc'd). */
int root_check_owner(const struct pp_root *r, uid_t uid, char **why);
void root_close(struct pp_root *r);
/* Absolute host path for a path under the root (for libpci, messages). */
char *root_path(const struct pp_root *r, const char *rel);

/*
 * Read a small attribute file.  Returns the number of bytes read with the
 * trailing newline stripped, or -1 (errno set) when missing or unreadable.
 * Refuses files larger than bufsize-1 with EFBIG, and anything but a
 * regular file (EINVAL; EISDIR) before reading: a FIFO never blocks.
 */
ssize_t root_read_attr(const struct pp_root *r, const char *rel, char *buf, size_t bufsize);
/* Read a whole file up to max bytes into a malloc'd NUL-terminated buffer. */
char *root_read_file(const struct pp_root *r, const char *rel, size_t max, size_t *len);
/* Parse an attribute holding one integer (0x-prefixed hex allowed). */
bool root_read_long(const struct pp_root *r, const char *rel, long long *out);
bool root_exists(const struct pp_root *r, const char *rel);
/* Is there an entry at rel, even a dangling or looping link?  Only the
 * directories above it are followed (and must stay under the root). */
bool root_lexists(const struct pp_root *r, const char *rel);
bool root_is_dir(const struct pp_root *r, const char *rel);
/*
 * Resolve a path that may contain symlinks, without leaving the root.
 * Returns the canonical path relative to the root (no leading slash), or
 * NULL with errno (ENOENT dangling, EXDEV escapes the root, ELOOP loops).
 */
char *root_resolve(const struct pp_root *r, const char *rel);
/* root_resolve for a directory, in the same one resolution (ENOTDIR otherwise). */
char *root_resolve_dir(const struct pp_root *r, const char *rel);
/* Last component of where a symlink points ("../../e1000e" -> "e1000e"). */
char *root_link_basename(const struct pp_root *r, const char *rel);
/* What the symlink at rel says, unresolved (NULL with errno); the directories
 * above it stay inside the root. */
char *root_link_target(const struct pp_root *r, const char *rel);
/* Directory entries (no "." and ".."), sorted.  false when not a directory. */
bool root_list_dir(const struct pp_root *r, const char *rel, struct pp_strv *out);

/*
 * The only function that writes to sysfs.  Prints nothing: the session's
 * sysfs_write (mutate.c) shows the plan and decides on a dry run.  The
 * file is resolved once, checked to be a regular file through an O_PATH
 * descriptor (a device node or FIFO is never opened), reopened from that
 * descriptor and written.  0, or -errno (errno set too).
 */
int root_write_attr(const struct pp_root *r, const char *rel, const char *value);

/*
 * The one writer of a configuration file under the root (driverctl's saved
 * overrides: etc/driverctl.d/pci-<BDF>), with root_write_attr's care: the
 * directory dir is resolved inside the root (its last component created
 * 0755 when missing, never followed when a link), content goes to a new
 * temporary file (O_EXCL, O_NOFOLLOW) that is fsync'ed and renamed over
 * name, so a reader sees the old file or the new one, never a part.  An
 * existing name that is not a regular file is refused (EINVAL).  0 or -errno.
 */
int root_replace_file(const struct pp_root *r, const char *dir, const char *name, const char *content);
/* Remove dir/name (a regular file; absent is fine).  0 or -errno. */
int root_remove_file(const struct pp_root *r, const char *dir, const char *name);

/* Names that may become part of a path: driver names, interface names. */
bool valid_driver_name(const char *s);

#endif
