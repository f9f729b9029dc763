/*
 * Text output (render-text.c): every function writes to the stream it is
 * given and returns 0 or -errno (a failed write is -EIO).
 */
#ifndef PCIPASS_RENDER_TEXT_H
#define PCIPASS_RENDER_TEXT_H

#include <stdio.h>

#include "checks.h"
#include "model.h"

/* "Network controller", "Red Hat, Inc. Virtio network device", "flr,pm,bus": per -n/-nn. */
char *text_class(const struct pp_function *f);
char *text_device(const struct pp_function *f);
char *text_reset_methods(const struct pp_function *f);

/* One finding: severity, code, message; hint; evidence with -v. */
void render_finding(FILE *out, const struct pp_finding *x);
/* explain: host-wide findings once, each function's own, the verdict line. */
int render_explain(FILE *out, const struct pp_verdict *v);
/* A mutation refused (or allowed by the override) because of a finding;
 * override NULL: nothing overrides it. */
void render_refusal(FILE *out, const struct pp_function *f, const struct pp_finding *x, bool forced,
		    const char *override);
/* A scoped reset refused for the host-bound functions it would hit. */
void print_bystander_refusal(FILE *out, const char *bdf, const char *method, const struct pp_strv *named);

/* report.txt's head: where the data came from and the host facts; with
 * redaction (report --redact), what was left out. */
struct pp_redaction;
void render_host_summary(FILE *out, const struct pp_model *m, const char *source, const char *date,
			 const struct pp_redaction *redaction);

/* What list shows and how (columns.h names the columns). */
struct pp_list_opts {
	const int *cols;	/* enum pp_colid */
	size_t ncols;
	bool tree;		/* -t: the functions of v under their bridges, by root bus */
	bool raw, pairs, noheadings;
	int sort;		/* index into cols, -1: address order */
	size_t width;		/* --width; 0: the terminal's, whole lines when not one */
	int numeric;		/* -n counts */
	bool facts;		/* -v: each function's capability facts after the table */
	bool predicted;		/* IOMMU off: GROUP shows predicted_group (predict_ensure done) */
};
/* list: the host's state and findings once, then one row per function of v
 * (judged alone), each saying only what is about that function. */
int render_list(FILE *out, const struct pp_list_opts *lo, const struct pp_verdict *v);
/* The lines above list's table: IOMMU, interrupt remapping, ACS override,
 * host-wide blockers and warnings. */
void render_list_host(FILE *out, const struct pp_verdict *v, size_t width);
/* The tree's NOTE: port type, DMA alias, VF of. */
char *text_tree_note(const struct pp_function *f);
/* -v: the capability facts a verdict rests on, lspci-style, one a line. */
void render_facts(FILE *out, const struct pp_function *f, int indent);

#endif
