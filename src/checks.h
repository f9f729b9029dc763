/*
 * The finding catalogue (HACKING, Checks): pure functions of the model
 * and an assignment set.  Checks never touch the filesystem.
 */
#ifndef PCIPASS_CHECKS_H
#define PCIPASS_CHECKS_H


#include "model.h"

enum pp_severity { PP_INFO = 0, PP_WARNING = 1, PP_BLOCKER = 2 };

struct pp_finding {
	const char *code;		/* stable API: "no-flr", ... */
	enum pp_severity severity;
	const struct pp_function *fn;	/* the function it is about; NULL for the host */
	bool host_wide;			/* about the host, the same for every function:
					 * text output says it once per set */
	char *message;			/* one sentence naming the devices involved */
	char *hint;			/* what to do about it */
	struct pp_strv related;		/* BDFs of the other functions involved */
	struct pp_strv evidence;	/* the attributes and bits it rests on */
};

struct pp_findings {
	struct pp_finding *v;
	size_t n, cap;
};

/* The functions a user wants in one guest. */
struct pp_set {
	struct pp_function **members;
	size_t n;
};

/* Per-model precomputation (the sorted page map, ...), built once. */
struct pp_checker;

struct pp_checker *checker_new(const struct pp_model *m);
void checker_free(struct pp_checker *c);
/* --strict: for hosts whose guests must not see each other's state, the
 * reset and isolation warnings (no-reset, no-flr, bus-reset-scope,
 * conventional-bridge, acs-override, reset-quirk) count as blockers. */
void checker_set_strict(struct pp_checker *c, bool strict);
bool set_contains(const struct pp_set *set, const struct pp_function *f);
/*
 * Judge f as a member of set; appends its findings to out, most serious
 * first.  Host-wide findings (iommu-disabled, ...) carry fn == f too, so a
 * script reading one function sees everything that concerns it.
 */
void checker_judge(struct pp_checker *c, const struct pp_set *set, const struct pp_function *f,
		   struct pp_findings *out);
void findings_free(struct pp_findings *fs);
/* The worst severity present, or -1 when there are no findings. */
int findings_worst(const struct pp_findings *fs);
/* The first blocker's code, or NULL. */
const char *findings_first_blocker(const struct pp_findings *fs);
const char *severity_name(enum pp_severity s);
/* How many findings in fs have severity s. */
size_t findings_count(const struct pp_findings *fs, enum pp_severity s);
/* The catalogue: every code a check can report, in table order. */

/*
 * The verdict on a scope of functions: judged together as one set (explain
 * BDF...), or each alone as the smallest set it can be (list, explain
 * --all).  Everything a renderer shows and a command's exit status rests
 * on is decided here, so renderers only lay it out.
 */
/* What VFIO will do with one function of a set: the facts `explain --json`
 * shows and tests/vm compares with the kernel's answers. */
struct pp_fn_facts {
	const char *function_reset;	/* VFIO_DEVICE_FLAGS_RESET rests on it; NULL: none */
	struct pp_strv reset_set;	/* VFIO_DEVICE_GET_PCI_HOT_RESET_INFO's devices, sorted; empty: none */
	bool set_reset;			/* a hot reset of that set succeeds when the set goes to one guest */
	bool *bar_mmap;			/* parallel to f->bars: mappable MMIO BAR 0-5 */
};

struct verdict_replay;

struct pp_verdict {
	const struct pp_model *m;
	bool alone;
	struct pp_function **scope;	/* the functions judged, in order */
	size_t n;
	/* together: parallel to scope, most serious first; alone: NULL (read
	 * them with verdict_findings and verdict_facts) */
	struct pp_findings *per_fn;
	struct pp_fn_facts *facts;
	const struct pp_finding **host;	/* host-wide findings, each code once */
	size_t n_host;
	struct pp_finding *host_kept;	/* alone: the host-wide findings, owned */
	struct verdict_replay *replay;	/* alone: the one function judged again */
	size_t blockers, warnings;	/* host-wide ones counted once */
	size_t n_assignable;		/* functions with no blocker */
	bool assignable;		/* alone: every function; together: the set */
	struct pp_strv blocker_codes;	/* distinct, in the order met */
	/* together: the smallest set that contains this one and its companions
	 * (host-bound members of its groups, and the reset sets of functions
	 * with no function-level reset), sorted; empty when it cannot be
	 * completed, with completion_blocked naming the function the host keeps */
	struct pp_strv completed_set;
	const struct pp_function *completion_blocked;
};
/* c must outlive v: a verdict judged alone judges again from it. */
void verdict_judge(struct pp_checker *c, struct pp_function **scope, size_t n, bool alone, struct pp_verdict *v);
void verdict_free(struct pp_verdict *v);
/*
 * The findings and facts of scope[i].  Judged together, they are kept.
 * Judged alone (list, explain --all, report), each function's judgment
 * is summed up and dropped, and these judge scope[i] again: a big host's
 * findings are never all in memory at once, and judging is a small part
 * of a run.  What they return stays valid until the next call for
 * another function, or verdict_free.
 */
const struct pp_findings *verdict_findings(const struct pp_verdict *v, size_t i);
const struct pp_fn_facts *verdict_facts(const struct pp_verdict *v, size_t i);
/* The short verdict of one judged function: the first blocker's code, "warn" or "ok". */
const char *verdict_word(const struct pp_findings *fs);

#endif
