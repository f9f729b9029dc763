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
};

/*
 * Open (creating it unless dry_run) the state directory below the root and
 * take the lock, waiting for another run to finish.  Returns 0, or
 * PP_EXIT_ERROR after saying why (read-only, not a directory, ...).
 */
int state_open(struct pp_state *st, const struct pp_root *r, bool dry_run);
void state_close(struct pp_state *st);

/* 1 and *out filled when bdf has a record, 0 when not, -1 after an error message. */
int state_load(const struct pp_state *st, const char *bdf, struct pp_moved *out);
/* Write the record atomically.  0, or -1 after an error message; the old record survives a failure. */
int state_save(const struct pp_state *st, const struct pp_moved *mv);
/* Remove the record (absent is fine).  0, or -1 after an error message. */
int state_drop(const struct pp_state *st, const char *bdf);
/* The BDFs that have a record, sorted; names that are not BDFs are skipped. */
void state_list(const struct pp_state *st, struct pp_strv *bdfs);
/* Parse a record's text into out (bdf names it); false when a value is not a driver name. */
bool moved_parse(const char *text, const char *bdf, struct pp_moved *out);
/* Every name in mv is empty or a valid driver name: what a record may hold. */
bool moved_valid(const struct pp_moved *mv);
void moved_free(struct pp_moved *mv);

#endif
