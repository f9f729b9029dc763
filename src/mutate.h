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

/* One step of a run as --json tells it (-v and --dry-run print it as a shell line). */
enum pp_step_kind {
	STEP_MODPROBE,		/* path: the module */
	STEP_SAVE,		/* a state record: path, value its text */
	STEP_REMOVE,		/* path removed (a record, a saved override) */
	STEP_WRITE,		/* a sysfs attribute: path, value */
	STEP_PERSIST,		/* driverctl's saved override: path, value the driver */
	STEP_VERIFY,		/* value: what was checked; ok: whether it held */
};

struct pp_step {
	enum pp_step_kind kind;
	char *path;		/* as the host names it: /sys/..., or under --sysroot DIR */
	char *value;
	bool ok;
};

/* What became of one function (--json "functions", the text result line). */
struct pp_outcome {
	char bdf[PP_BDF_LEN + 8];
	char *from, *to;	/* drivers; NULL: none */
	const char *result;	/* a word of the schema's outcome enum */
	struct pp_strv vfio;	/* the VFIO files that appeared */
	struct pp_strv also;	/* a scoped reset: the other functions it hit */
	char *message;		/* the text line, unprefixed */
};

struct pp_session {
	struct pp_ctx *ctx;
	const char *command;		/* "unbind", for messages */
	struct pp_model *m;
	struct pp_state state;
	struct pp_checker *checker;
	bool dry_run;
	bool json;			/* print one JSON document at the end, no text on stdout */
	struct pp_step *steps;
	size_t n_steps;
	struct pp_outcome *outcomes;
	size_t n_outcomes;
};

/* A driver name from the command line: no '/', no "..", nothing a path could abuse. */

/*
 * Open the root, refuse a live run by a non-root user, take the state lock
 * and only then build the model, so that the model is what the host looks
 * like while this run holds the lock.  0 or PP_EXIT_ERROR (said why).
 */
int session_begin(struct pp_session *s, struct pp_ctx *ctx, const char *command);
void session_end(struct pp_session *s);
/* End a run begun with session_begin: with --json print the document
 * (steps, outcomes, exit status rc), then session_end.  Returns rc (or
 * PP_EXIT_ERROR when stdout fails). */
int session_finish(struct pp_session *s, int rc);

/*
 * A function's outcome: recorded for --json, else printed as the line
 * fmt makes ("# " before it in a dry run, so that the plan pastes into
 * sh).  vfio and also (may be NULL) are copied.  result: moved, already,
 * planned, reset, rolled-back, failed, nothing-to-do, stale-record.
 */
void session_outcome(struct pp_session *s, const char *bdf, const char *from, const char *to, const char *result,
		     const struct pp_strv *vfio, const struct pp_strv *also, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* The same for an outcome already told on stderr (a failure, a rollback):
 * recorded for --json only. */
void session_outcome_told(struct pp_session *s, const char *bdf, const char *from, const char *to,
			  const char *result, const char *message);
/* Where rel (under the root) is, as a shell line names it. */
char *session_path(const struct pp_session *s, const char *rel);
/* Record a step; with -v (or in a dry run, unless it is a verification)
 * print its shell line.  line: the text printed (taken), NULL: none. */
void session_step(struct pp_session *s, enum pp_step_kind kind, const char *rel, const char *value, bool ok,
		  char *line);
/* A verification step: "# verified: what" (or "# not verified: what") with -v. */
void verified(struct pp_session *s, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Save or drop a state record through the session (the plan shows it as shell lines). */
int session_save(struct pp_session *s, const struct pp_moved *rec);
int session_drop(struct pp_session *s, const char *bdf);

/*
 * The driver must be there before a function is handed to it: on the live
 * host a missing driver is loaded as `modprobe NAME` would (libkmod), and
 * its directory under /sys/bus/pci/drivers awaited.  A dry run says it
 * would; on a --sysroot no module is ever loaded (a dry run says what the
 * live host would do, a real run refuses).  0 or PP_EXIT_ERROR (said why).
 */
int session_load_driver(struct pp_session *s, const char *driver);

/* driverctl's saved override (etc/driverctl.d/pci-<BDF>, holding the
 * driver's name): stored or removed through root_replace_file /
 * root_remove_file.  0, or -1 after a warning naming the file. */
int persist_override(struct pp_session *s, const struct pp_function *f, const char *driver);
int unpersist_override(struct pp_session *s, const struct pp_function *f);

/*
 * Judge set as one assignment set and refuse, for each function in
 * check[0..n_check), the findings whose code is listed in codes (NULL
 * terminated): "pcipass: <bdf>: refused: <message> (use --force-in-use to
 * override)".  Each code has its own override or none (HACKING,
 * Mutations): host-in-use --force-in-use, boot-vga --force-boot-vga;
 * not-endpoint (bridges, the host bridge) and in-use-by-vm never.  An
 * overridden refusal is a warning.  Returns the number of refusals.
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

/*
 * The VFIO files vfio-pci made for f, as the host names them: the group's
 * /dev/vfio/<group> (or noiommu-<group>; drivers/vfio/group.c) and the
 * device's cdev /dev/vfio/devices/vfioN, named by the class device
 * <device>/vfio-dev/vfioN (drivers/vfio/vfio_main.c, device_cdev.c; the
 * only interface of kernels built without CONFIG_VFIO_GROUP, 6.6+).
 * Waits a little for either; nodes stays empty when neither appears.
 */
void vfio_nodes(struct pp_session *s, const struct pp_function *f, struct pp_strv *nodes);

/* The test hooks described above. */
void test_hook(const struct pp_session *s, const char *step);

/* Two driver names (or overrides) are the same; NULL and "" both mean none. */
bool same_driver(const char *a, const char *b);
/* "pcipass: BDF: its driver link names 'X', not a driver" (X escaped); PP_EXIT_ERROR. */
int pp_driver_link_refusal(const char *bdf, const char *driver);
/* "e1000e", or "(none)" */
const char *driver_label(const char *driver);

/* The mutating commands' one way to write sysfs: root_write_attr under the
 * session.  value goes with a newline, as `echo value > path` writes it
 * (the plan's line); "" clears.  0 or -errno. */
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
