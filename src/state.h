/*
 * What pcipass remembers between runs: for every function it moved, the
 * driver and driver_override it had before, so that `rebind` can put it
 * back even after a reboot of pcipass (not of the host) or a killed run.
 *
 * One file per function, <root>/run/pcipass/<bdf>, of key=value lines:
 *
 *	driver=e1000e		driver bound before pcipass moved it ("" = none)
 *	override=		driver_override before ("" = none)
 *	target=vfio-pci		driver pcipass moved it to
 *
 * model.c reads the driver= line for `pcipass list`.  Files are replaced
 * atomically (temp file + rename), and every mutating run holds an
 * exclusive flock on <root>/run/pcipass/lock from before it builds the
 * model until it exits, so two runs never act on the same stale picture.
 */
#ifndef PCIPASS_STATE_H
#define PCIPASS_STATE_H

#include "model.h"

#define STATE_DIR "run/pcipass"

/* One function pcipass moved. */
struct pp_moved {
	char bdf[PP_BDF_LEN + 8];
	char *driver;		/* NULL: it had no driver */
	char *override;		/* NULL: driver_override was empty */
	char *target;		/* the driver pcipass bound it to */
};

struct pp_state {
	const struct pp_root *root;
	int dirfd;		/* run/pcipass; -1 when it does not exist (dry run) */
	int lockfd;		/* -1 in a dry run: a dry run writes nothing, not even a lock */
	bool dry_run;
	long holder;		/* after -EWOULDBLOCK: the pid holding the lock, 0 unknown */
};

/*
 * Nothing here prints (the session in mutate.c shows the plan): a failure returns PP_EXIT_ERROR or -1 with the
 * message ("<path>: <why>") left for pp_report (util.h).
 *
 * Open (creating it unless dry_run) the state directory below the root and
 * try the lock.  0 when held (the lock file then holds our pid),
 * -EWOULDBLOCK when another run holds it (st->holder: its pid, 0 when
 * unknown; wait with state_wait_lock), PP_EXIT_ERROR on failure
 * (read-only, not a directory, a lock that is not a regular file, ...).
 */
int state_open(struct pp_state *st, const struct pp_root *r, bool dry_run);
/* Wait up to timeout_ms for the lock; 0, or PP_EXIT_ERROR ("still held by
 * pid N after S s: giving up") with the state closed. */
int state_wait_lock(struct pp_state *st, unsigned int timeout_ms);
void state_close(struct pp_state *st);

/* 1 and *out filled when bdf has a record, 0 when not, -1 (message pending).
 * A record that is not a regular file (a FIFO, say) is an error, not a wait. */
int state_load(const struct pp_state *st, const char *bdf, struct pp_moved *out);
/* Write the record atomically.  0, or -1 (message pending); the old record
 * survives a failure.  A record that is not moved_valid is refused (EINVAL). */
int state_save(const struct pp_state *st, const struct pp_moved *mv);
/* The record's text as state_save writes it (malloc'd). */
char *moved_text(const struct pp_moved *mv);
/* Remove the record (absent is fine).  0, or -1 (message pending). */
int state_drop(const struct pp_state *st, const char *bdf);
/* The BDFs that have a record, sorted; names that are not BDFs are skipped. */
void state_list(const struct pp_state *st, struct pp_strv *bdfs);
/* Parse a record's text into out (bdf names it); false when a value is not a driver name. */
bool moved_parse(const char *text, const char *bdf, struct pp_moved *out);
/* Every name in mv is empty or a valid driver name: what a record may hold. */
bool moved_valid(const struct pp_moved *mv);
void moved_free(struct pp_moved *mv);

#endif
