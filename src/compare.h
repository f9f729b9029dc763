/*
 * Two models compared (compare.c): what `pcipass diff A B` reports.
 * Functions are matched by a stable identity, never by bus number; groups
 * are compared as partitions, never by their numbers.  Pure functions of
 * the two models and their verdicts: nothing here reads a file or prints.
 */
#ifndef PCIPASS_COMPARE_H
#define PCIPASS_COMPARE_H

#include "checks.h"
#include "model.h"

enum pp_change_kind {
	CHG_HOST,		/* a host fact: kernel release, the IOMMU on or off */
	CHG_REMOVED,		/* in A only */
	CHG_ADDED,		/* in B only */
	CHG_MOVED,		/* the same function at another address */
	CHG_DRIVER,		/* bound to another driver (or to none) */
	CHG_RESET_LOST,		/* a reset method of reset_method gone */
	CHG_RESET_GAINED,
	CHG_VERDICT,		/* list's verdict of the function alone */
	CHG_GROUP_SPLIT,	/* the members of one group of A lie in several groups of B */
	CHG_GROUP_MERGED,	/* one group of B holds members of several groups of A */
	CHG_VFIO_GONE,		/* /dev/vfio/N of A: no such node for those functions in B */
};

enum pp_effect { PP_WORSE = -1, PP_NEUTRAL = 0, PP_BETTER = 1 };

/* One IOMMU group as the comparison shows it: its number and its matched members. */
struct pp_group_side {
	int id;
	struct pp_strv bdfs;
};

struct pp_change {
	enum pp_change_kind kind;
	enum pp_effect effect;
	const struct pp_function *a, *b;	/* the function before and after (NULL where none) */
	char *what;				/* CHG_HOST: "kernel", "iommu" */
	char *before, *after;			/* the values compared (moved: the paths); NULL: none */
	struct pp_group_side *ga, *gb;		/* group changes: the groups before and after */
	size_t n_ga, n_gb;
};

struct pp_comparison {
	struct pp_change *v;
	size_t n, cap;
	size_t worse, better;
};

/*
 * The function's stable identity: "VVVV:DDDD SSSS:TTTT pciDDDD:BB/DD.F/..",
 * the vendor/device and subsystem ids and the device/function numbers of
 * each bridge from the host bridge down to it (the bus numbers below the
 * host bridge are firmware's and the kernel's choice, and change).
 */
char *compare_identity(const struct pp_function *f);
/* Its path alone: "pci0000:00/03.0/00.0". */
char *compare_path(const struct pp_function *f);

/*
 * Compare A with B.  va and vb are each model's verdict with every
 * function judged alone, scope parallel to m->functions.
 */
void compare_models(const struct pp_model *a, const struct pp_verdict *va, const struct pp_model *b,
		    const struct pp_verdict *vb, struct pp_comparison *out);
void comparison_free(struct pp_comparison *c);

const char *change_kind_name(enum pp_change_kind k);
const char *effect_name(enum pp_effect e);

#endif
