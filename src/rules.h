/*
 * What the rule families (rules-*.c) share with the checker (checks.c):
 * the checker's whole-model caches, one judgement in progress, and the
 * helpers every rule uses.  Private to the checks: commands and renderers
 * include checks.h only.
 */
#ifndef PCIPASS_RULES_H
#define PCIPASS_RULES_H

#include "checks.h"

/* The most functions one finding lists in `related` (the message counts the rest). */
#define RELATED_MAX 64

/* Devices a message names before "and N more". */
#define NAMED_MAX 3

/* Deeper than any real PCI hierarchy; guards the parent walks. */
#define DEPTH_MAX 256

/* ---- facts about functions ---------------------------------------------- */

struct fnlist {
	const struct pp_function **v;
	size_t n, cap;
};

/* ---- the checker: whole-model facts computed once ------------------------ */

/* One MMIO BAR and the pages it touches. */
struct page_res {
	uint64_t first, last;		/* page numbers */
	const struct pp_function *fn;
	const struct pp_bar *bar;
};

/* Endpoints below a bridge: what its secondary bus reset hits. */
struct below {
	bool done;
	struct fnlist endpoints, host_bound;
};

struct pp_checker {
	const struct pp_model *m;
	uint64_t page;

	/* every MMIO BAR 0-5, sorted by first page; reach[i] is the highest last page of res[0..i] */
	struct page_res *res;
	uint64_t *reach;
	size_t n_res;

	/* parallel to m->groups: endpoints, and those bound to a host driver or not */
	struct fnlist *group_endpoints, *group_host_bound, *group_user_owned;

	/* per function index, filled on first use */
	struct below *below;

	/* membership of the set judged last, as one byte per function, and a copy of that set */
	bool strict;			/* checker_set_strict */
	unsigned char *member;
	struct pp_function **marked;
	size_t marked_n;
};

struct judge {
	struct pp_checker *c;
	const struct pp_model *m;
	const struct pp_set *set;
	const struct pp_function *f;
	const struct check *check;
	struct pp_findings *out;
};

struct check {
	const char *code;
	enum pp_severity severity;	/* as the catalogue lists it; a rule may raise or lower it */
	bool host_wide;
	bool endpoints_only;		/* not run for bridges, which never go to a guest */
	void (*run)(struct judge *j);
};

/* Some members of a list, and how many there are in all. */
struct pick {
	const struct pp_function *v[RELATED_MAX];
	size_t n, total;
};

typedef bool (*holds_fn)(const void *key, const struct pp_function *f);

enum name_style { NAMES_PLAIN, NAMES_DRIVER };

/* rules-common.c */
const char *short_name(const struct pp_function *f, char *buf, size_t size);
void sb_label(struct sbuf *b, const struct pp_function *f);
void sb_names(struct sbuf *b, const struct pp_function *const *v, size_t n, size_t total,
		     enum name_style style);
void sb_bdfs(struct sbuf *b, const struct pp_function *const *v, size_t n);
void add_related(struct pp_finding *x, const struct pp_function *const *v, size_t n);
void fl_push(struct fnlist *l, const struct pp_function *f);
bool is_endpoint(const struct pp_function *f);
bool is_host_bridge(const struct pp_function *f);
bool is_isa_bridge(const struct pp_function *f);
bool never_assigned(const struct pp_function *f);
bool host_bound(const struct pp_function *f);
/* What host-in-use reports: an interface up or with addresses, a disk
 * mounted, held or swapped on, a framebuffer. */
bool host_uses(const struct pp_function *f);
bool has_method(const struct pp_function *f, const char *method);
bool has_function_reset(const struct pp_function *f);
/* The reset VFIO gets when it enables f (VFIO_DEVICE_FLAGS_RESET): the first
 * usable method of reset_method, or inferred from capabilities; NULL: none. */
const char *function_reset_method(const struct pp_function *f);
/* An lspci listing without hex rows: no capability and no reset_method,
 * so how the function resets is unknown (HACKING, lspci dumps). */
bool reset_evidence_missing(const struct pp_function *f);
/* A reset that reaches f alone: a usable method other than "bus". */
bool function_level_reset(const struct pp_function *f);
/* VFIO's hot-reset set of f (what VFIO_DEVICE_GET_PCI_HOT_RESET_INFO names),
 * f included; 0 when no bus or slot reset is possible.  *out malloc'd. */
/* Does a secondary bus reset of bridge complete (the link comes back)? */
bool bus_reset_completes(const struct pp_function *bridge);
size_t vfio_reset_set(const struct pp_function *f, struct pp_function ***out);
bool is_below(const struct pp_function *f, const struct pp_function *bridge);
const char *port_phrase(const struct pp_function *f);
bool in_set(const struct judge *j, const struct pp_function *f);
struct pp_finding *emit(struct judge *j, enum pp_severity severity);
void pick_outsiders(const struct judge *j, const struct fnlist *list, holds_fn holds, const void *key,
			   struct pick *p);
void pick_others(const struct judge *j, const struct fnlist *list, holds_fn holds, const void *key,
			struct pick *p);
bool holds_group_endpoint(const void *key, const struct pp_function *f);
bool holds_group_host_bound(const void *key, const struct pp_function *f);
bool holds_group_user_owned(const void *key, const struct pp_function *f);
bool holds_endpoint_below(const void *key, const struct pp_function *f);
bool holds_host_bound_below(const void *key, const struct pp_function *f);

size_t slot_siblings(const struct judge *j, const struct pp_function **v);

/* the rules, by family (rules-*.c) */
void check_iommu_disabled(struct judge *j);
void check_no_interrupt_remapping(struct judge *j);
void check_limited_access(struct judge *j);
void check_limited_evidence(struct judge *j);
void check_group_not_viable(struct judge *j);
void check_group_shared(struct judge *j);
void check_no_acs(struct judge *j);
void check_conventional_bridge(struct judge *j);
void check_no_reset(struct judge *j);
void check_bus_reset_scope(struct judge *j);
void check_reset_quirk(struct judge *j);
void check_sriov_pf_enabled(struct judge *j);
void check_acs_override(struct judge *j);
void check_no_iommu_group(struct judge *j);
void check_direct_mapping_required(struct judge *j);
void check_in_use_by_vm(struct judge *j);
void check_no_flr(struct judge *j);
void check_pm_reset_only(struct judge *j);
void check_stale_reset_method(struct judge *j);
void check_unaligned_bar(struct judge *j);
void check_subpage_bar(struct judge *j);
void check_not_endpoint(struct judge *j);
void check_missing_function0(struct judge *j);
void check_multifunction_partial(struct judge *j);
void check_sriov_vf(struct judge *j);
void check_bus_range_mismatch(struct judge *j);
void check_host_in_use(struct judge *j);
void check_boot_vga(struct judge *j);
void check_host_driver_bound(struct judge *j);
void check_boot_takes_host_device(struct judge *j);
void check_boot_id_shared(struct judge *j);
void check_boot_override(struct judge *j);

/* rules-bar.c: would vfio-pci let the guest map this MMIO BAR (VFIO_REGION_INFO_FLAG_MMAP)? */
bool bar_mmappable(const struct pp_checker *c, const struct pp_bar *bar);

/* checks.c: the checker's caches */
size_t fn_index(const struct pp_checker *c, const struct pp_function *f);
const struct below *below_of(struct pp_checker *c, const struct pp_function *bridge);
const struct pp_group *group_of(const struct pp_checker *c, const struct pp_function *f, size_t *index);

#endif
