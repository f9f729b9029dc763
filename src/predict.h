/*
 * The kernel's IOMMU grouping computed from config space (predict.c):
 * drivers/iommu/iommu.c pci_device_group over the model, with the ACS and
 * DMA-alias quirks of quirks-acs.c.  With the IOMMU off it answers what the
 * groups will be once it is on (ACS as the kernel would enable it: the
 * capability bits); with it on, the same computation over the control bits
 * as read, to compare with the kernel's groups.  Pure functions of the
 * model: nothing here reads a file.
 */
#ifndef PCIPASS_PREDICT_H
#define PCIPASS_PREDICT_H

#include "model.h"
#include "quirks.h"

/* REQ_ACS_FLAGS of iommu.c: Source Validation, P2P Request Redirect,
 * P2P Completion Redirect, Upstream Forwarding. */
#define PP_ACS_SV 0x0001
#define PP_ACS_RR 0x0004
#define PP_ACS_CR 0x0008
#define PP_ACS_UF 0x0010
#define PP_ACS_REQ (PP_ACS_SV | PP_ACS_RR | PP_ACS_CR | PP_ACS_UF)

/* pci_acs_enabled(f, REQ_ACS_FLAGS), with the reason. */
struct pp_acs_answer {
	bool enabled;
	unsigned int missing;		/* required bits not in force (all of them without a capability) */
	const char *reason;		/* "no ACS capability", "conventional PCI", ... */
	struct pp_acs_quirk quirk;	/* quirk.name NULL when no quirk answered */
};

/* Is the prediction over ACS capability bits (IOMMU off) rather than control bits as read? */
bool predict_from_capability(const struct pp_model *m);
bool predict_acs_enabled(const struct pp_model *m, const struct pp_function *f, struct pp_acs_answer *a);
/* pci_acs_path_enabled(start, NULL): NULL when every device from start to the
 * root isolates, else the first that does not (a filled). */
const struct pp_function *predict_acs_path(const struct pp_model *m, const struct pp_function *start,
					   struct pp_acs_answer *a);
/* "SV RR" for a mask of ACS bits, into buf. */
const char *acs_bits_text(unsigned int bits, char *buf, size_t size);

/* Fill every function's predicted_group (once; the model is otherwise unchanged). */
void predict_ensure(const struct pp_model *m);
/* The functions of predicted group id, in address order; returns how many (*out freed by the caller). */
size_t predict_members(const struct pp_model *m, int id, struct pp_function ***out);
/*
 * For the list and explain renderers: with the IOMMU off, the verdict the
 * function would get from its predicted group ("assignable once the IOMMU
 * is on", or which functions it would share its group with); NULL with
 * the IOMMU on (the kernel's groups are the facts).  Returned string is the caller's.
 */
char *predict_outlook(const struct pp_model *m, const struct pp_function *f);

/* IOMMU on: does the predicted partition equal the kernel's (over the
 * functions that have a group)?  Each function whose groups differ is
 * added to diff as "BDF: kernel group N holds ..., predicted ...". */
bool predict_matches_kernel(const struct pp_model *m, struct pp_strv *diff);
/* Why a difference may exist: "pcie_acs_override on the kernel command line", or NULL. */
const char *predict_known_divergence(const struct pp_model *m);

/* What a single-function PCIe card placed below port would join: the
 * function whose group it takes (a filled with why), or NULL when it
 * would have a group of its own (a: the port's ACS). */
const struct pp_function *predict_card_joins(const struct pp_model *m, const struct pp_function *port,
					     struct pp_acs_answer *a);

/* ---- why this group ------------------------------------------------ */

enum pp_why_kind {
	WHY_ALIAS_BRIDGE,	/* its DMA carries the requester ID of a bridge above (joins its group) */
	WHY_ALIAS_QUIRK,	/* a DMA-alias quirk: it also uses other requester IDs on its bus */
	WHY_NO_ACS,		/* the port above (or one above it) does not isolate: joins the port's group */
	WHY_MULTIFUNCTION,	/* functions of one device without ACS between them */
	WHY_XLATE_ROOT,		/* the alias walk stops at a bridge that is the translation root */
	WHY_ISOLATED,		/* the ACS path to the root isolates it: the walk ends */
	WHY_ROOT_BUS,		/* on a root bus: nothing above to join */
};

struct pp_why_step {
	enum pp_why_kind kind;
	const struct pp_function *from;	/* the device this step is about */
	const struct pp_function *to;	/* ALIAS_BRIDGE, NO_ACS: the device joined; ISOLATED: the port above */
	const struct pp_function *culprit;	/* NO_ACS: the device on the path without ACS */
	struct pp_acs_answer acs;	/* NO_ACS, MULTIFUNCTION: the culprit's (from's) answer */
	struct pp_function **with;	/* MULTIFUNCTION, ALIAS_QUIRK: the functions joined */
	size_t n_with;
	const char *quirk, *source;	/* ALIAS_QUIRK, XLATE_ROOT */
};

/* The steps from f up to where its group stops growing; returns how many. */
size_t predict_why(const struct pp_model *m, const struct pp_function *f, struct pp_why_step **out);
void predict_why_free(struct pp_why_step *v, size_t n);

#endif
