/*
 * The two on-disk forms of a snapshot (HACKING, Snapshots): a directory
 * tree or a .tar.gz of the same tree.  Writing goes through one small
 * interface (snap_out) so the recorder does not care which form it fills;
 * reading a tarball means unpacking it, with every entry checked, into a
 * private directory that is removed when pcipass exits.
 */
#ifndef PCIPASS_ARCHIVE_H
#define PCIPASS_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

/* Limits for an untrusted tarball (and for what we write ourselves). */
#define SNAP_MAX_ENTRY_BYTES (16u << 20)	/* sysfs attributes are 4 KiB; config 4 KiB */
#define SNAP_MAX_TOTAL_BYTES (1024ull << 20)
#define SNAP_MAX_ENTRIES 2000000u
#define SNAP_MAX_DEPTH 128			/* path components */

/* True when PATH names the tarball form (".tar.gz" or ".tgz"). */
bool snap_path_is_tarball(const char *path);

/*
 * An output being filled: a hidden temporary next to PATH until
 * snap_out_commit() renames it into place, so a failed run leaves nothing
 * half-written.  A directory PATH must not exist or be empty; a tarball
 * PATH is replaced if it exists.  Entries are relative paths without "."
 * or ".." components; parents are created implicitly; writing the same
 * path twice keeps the first and returns 0.  Every function returns 0 or
 * PP_EXIT_ERROR, printing nothing: the message waits for pp_report (util.h).
 */
struct snap_out;

int snap_out_open(const char *path, struct snap_out **out);
int snap_out_dir(struct snap_out *o, const char *rel);
int snap_out_file(struct snap_out *o, const char *rel, const void *data, size_t len);
int snap_out_symlink(struct snap_out *o, const char *rel, const char *target);
/* Finish and move into place; frees o whatever the result. */
int snap_out_commit(struct snap_out *o);
/* Drop everything written so far; frees o. */
void snap_out_abort(struct snap_out *o);
const char *snap_out_path(const struct snap_out *o);

/*
 * Whether a symlink at REL (relative to the tree's top) pointing at TARGET
 * stays inside the tree when read literally: not absolute, and no ".."
 * climbing above the top.  Links that escape through other links are
 * caught by root_resolve() when read.
 */
bool snap_link_stays_inside(const char *rel, const char *target);
/* Is rel -> target a recorded VFIO holder (proc/PID/fd/N -> /dev/vfio/...)? */
bool snap_link_is_vfio_holder(const char *rel, const char *target);
/* What a snapshot may hold as a link: inside the tree, or a VFIO holder record. */
bool snap_link_allowed(const char *rel, const char *target);

/*
 * --sysroot accepts a directory or a snapshot tarball.  For a regular
 * file, unpack it (once per run and tarball: pcipass diff reads two)
 * into a private directory under $TMPDIR and set *dir to it; for anything
 * else *dir = sysroot.  Refuses corrupt
 * or truncated archives, absolute paths, ".." components, hard links,
 * devices, FIFOs, sockets, links leaving the tree, oversized entries:
 * returns PP_EXIT_ERROR with "FILE: why" left for pp_report (util.h),
 * with nothing left on disk.  The directory is removed at exit (and on SIGINT, SIGTERM, SIGHUP,
 * SIGPIPE).
 */
int sysroot_unpack(const char *sysroot, const char **dir);

/*
 * A private empty directory under $TMPDIR for a sysroot pcipass builds
 * itself (lspci-dump.c), removed at exit and on signals exactly like an
 * unpacked tarball (each its own subdirectory of the run's one private
 * directory).
 * 0, or PP_EXIT_ERROR with the message left for pp_report.
 */
int sysroot_private_dir(const char **dir);
/* Remove it now (a failed build leaves nothing behind). */
void sysroot_private_dir_remove(void);

#endif
