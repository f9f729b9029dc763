/*
 * The finding catalogue (design.md section 3): pure functions of the model
 * and an assignment set.  Checks never touch the filesystem.
 */
#ifndef PCIPASS_CHECKS_H
#define PCIPASS_CHECKS_H

#include <json-c/json.h>

#include "pcipass.h"

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
size_t checks_catalogue(const char *const **codes);
json_object *finding_json(const struct pp_finding *f);
/* One function as `list --json` shows it, plus "assignable" and "findings" from fs. */
json_object *json_function_verdict(const struct pp_model *m, const struct pp_function *f,
				   const struct pp_findings *fs);

#endif
