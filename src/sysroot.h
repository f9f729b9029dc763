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
 * All reads are relative to the root ("/" or a snapshot).  Relative paths
 * are joined under it; symlinks are resolved by hand, component by
 * component, so that a link leaving the root is refused instead of followed.
 */
struct pp_root {
	char *dir;		/* absolute, no trailing slash ("" means "/") */
	const char *display;	/* what the user named (a tarball, say); NULL: dir */
	bool live;		/* the running host, not a snapshot */
	int fd;			/* O_PATH of dir */
	struct dircache *dircache;	/* verified directories, see sysroot.c */
};

int root_open(struct pp_root *r, const char *dir);
void root_close(struct pp_root *r);
/* Absolute host path for a path under the root (for libpci, messages). */
char *root_path(const struct pp_root *r, const char *rel);

/*
 * Read a small attribute file.  Returns the number of bytes read with the
 * trailing newline stripped, or -1 (errno set) when missing or unreadable.
 * Refuses files larger than bufsize-1 with EFBIG.
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
/* Last component of where a symlink points ("../../e1000e" -> "e1000e"). */
char *root_link_basename(const struct pp_root *r, const char *rel);
/* Directory entries (no "." and ".."), sorted.  false when not a directory. */
bool root_list_dir(const struct pp_root *r, const char *rel, struct pp_strv *out);

/*
 * The only function that writes to sysfs.  Prints nothing: the session's
 * sysfs_write (mutate.c) shows the plan and decides on a dry run.
 * 0, or -1 with errno.
 */
int root_write_attr(const struct pp_root *r, const char *rel, const char *value);

/* Names that may become part of a path: driver names, interface names. */
bool valid_driver_name(const char *s);

#endif
