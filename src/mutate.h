/*
 * The machinery `unbind`, `reset` and `rebind` share (HACKING, Mutations):
 * a session that locks the state directory before it looks at the host,
 * the safety checks that refuse a change, and driver moves that write,
 * verify and can be undone.  Every sysfs write goes through
 * root_write_attr, so --dry-run and -v print exactly what is written.
 *
 * Test hooks, compiled in only with ./configure --enable-test-hooks (the
 * VM harness and the bats tests that kill a run need such a build): with
 * PCIPASS_TEST_KILL_AFTER=<step> pcipass raises SIGKILL right after that
 * step, with PCIPASS_TEST_PAUSE_AFTER=<step> it sleeps 3 s there (holding
 * the lock).  Steps: state (records saved), override, unbind, probe, bind,
 * reset_method, reset.  Neither fires in a dry run.
 */
#ifndef PCIPASS_MUTATE_H
#define PCIPASS_MUTATE_H

#include "checks.h"
#include "cli.h"
#include "state.h"

struct pp_session {
	struct pp_ctx *ctx;
	const char *command;		/* "unbind", for messages */
	struct pp_model *m;
	struct pp_state state;
	struct pp_checker *checker;
	bool dry_run;
};

/* A driver name from the command line: no '/', no "..", nothing a path could abuse. */

/*
 * Open the root, refuse a live run by a non-root user, take the state lock
 * and only then build the model, so that the model is what the host looks
 * like while this run holds the lock.  0 or PP_EXIT_ERROR (said why).
 */
int session_begin(struct pp_session *s, struct pp_ctx *ctx, const char *command);
void session_end(struct pp_session *s);

/*
 * Judge set as one assignment set and refuse, for each function in
 * check[0..n_check), the findings whose code is listed in codes (NULL
 * terminated): "pcipass: <bdf>: refused: <message> (use --force to
 * override)".  With --force the same line is a warning.  Returns the
 * number of refusals (0 with --force).
 */
size_t refuse_findings(struct pp_session *s, const struct pp_set *set, struct pp_function *const *check,
		       size_t n_check, const char *const *codes);

/* What the host says now (the model is from before this run's writes). */
char *live_driver(const struct pp_session *s, const struct pp_function *f);
char *live_override(const struct pp_session *s, const struct pp_function *f);
bool driver_loaded(const struct pp_session *s, const char *driver);

enum pp_bind_how {
	BIND_PROBE,		/* drivers_probe: the override (or the kernel) picks the driver */
	BIND_DRIVER,		/* drivers/<to>/bind */
	BIND_NONE,		/* leave it without a driver */
};

/* Where a function should end up. */
struct pp_move {
	const char *override;	/* what driver_override must hold; NULL: empty */
	const char *to;		/* the driver it must be bound to; NULL: see how */
	const char *avoid;	/* BIND_PROBE with to == NULL: any driver but this one */
	enum pp_bind_how how;
};

/*
 * Bring f to mv: set driver_override, unbind the current driver if it is
 * not mv->to, bind, then verify the driver link (drivers_probe succeeds
 * even when nothing binds).  Returns 0, or -1 with *why (malloc'd) saying
 * which step failed; what was written stays written, the caller undoes it
 * with the opposite move.  In a dry run it prints the writes the move
 * would make from the state the model shows, and returns 0.
 */
int move_function(struct pp_session *s, const struct pp_function *f, const struct pp_move *mv, char **why);

/* "/dev/vfio/<group>" (or noiommu-<group>) once vfio-pci owns f; NULL after a short wait. */
char *vfio_node(const struct pp_session *s, const struct pp_function *f);

/* The test hooks described above. */
void test_hook(const struct pp_session *s, const char *step);

/* Two driver names (or overrides) are the same; NULL and "" both mean none. */
bool same_driver(const char *a, const char *b);
/* "pcipass: BDF: its driver link names 'X', not a driver" (X escaped); PP_EXIT_ERROR. */
int pp_driver_link_refusal(const char *bdf, const char *driver);
/* "e1000e", or "(none)" */
const char *driver_label(const char *driver);

/* The mutating commands' one way to write sysfs: root_write_attr under the
 * session (dry run prints).  0 or -errno. */
int sysfs_write(struct pp_session *s, const char *rel, const char *value);

/* ---- reset.c ---------------------------------------------------------- */

struct pp_reset_plan {
	struct pp_function *f;
	const char *method;		/* pcipass's name, or "the kernel's own order" */
	const char *kernel_method;	/* to select in reset_method; NULL: leave it */
	bool scoped;			/* hits more than the function */
	struct pp_function **scope;	/* everything it hits, f first (scoped only) */
	size_t n_scope;
};

enum reset_plan_result {
	RESET_PLAN_OK,
	RESET_PLAN_REFUSED,		/* the kernel offers no reset: exit 1 */
	RESET_PLAN_ERROR,		/* the method asked for cannot be used: exit 2 */
};

/* Is asked a method name --method takes? */
bool reset_method_known(const char *asked);
/* Which method, and what it hits.  *why (malloc'd) says why not. */
enum reset_plan_result reset_plan(const struct pp_model *m, struct pp_function *f, const char *asked,
				  struct pp_reset_plan *p, char **why);
void reset_plan_free(struct pp_reset_plan *p);
/* Functions in the scope, other than the one reset, that a host driver owns or a running
 * guest holds ("BDF (driver)", "BDF (vfio-pci, in use by pid N ...)"). */
size_t reset_bystanders(const struct pp_reset_plan *p, struct pp_strv *named);
/* Select, reset, restore.  0 or -errno with *why; *note: something to tell even on success. */
int reset_apply(struct pp_session *s, const struct pp_reset_plan *p, char **why, char **note);

#endif
