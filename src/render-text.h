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

/* report.txt's head: where the data came from and the host facts. */
void render_host_summary(FILE *out, const struct pp_model *m, const char *source, const char *date);

/* list: one line per judged function with its verdict word; -t: the tree. */
int render_list_table(FILE *out, const struct pp_verdict *v);
int render_list_tree(FILE *out, const struct pp_model *m, const struct pp_selector *sel);

#endif
