/*
 * list's columns (columns.c), as util-linux's lsblk declares its own: one
 * table of {name, width hint, flags, help, JSON type} behind -o/--output,
 * --list-columns and --sort, and the text of each cell.
 */
#ifndef PCIPASS_COLUMNS_H
#define PCIPASS_COLUMNS_H

#include <stdio.h>

#include "checks.h"
#include "model.h"

enum pp_colid {
	COL_SLOT,
	COL_CLASS,
	COL_CLASSID,
	COL_DEVICE,
	COL_ID,
	COL_SUBSYS,
	COL_DRIVER,
	COL_GROUP,
	COL_RESET,
	COL_VERDICT,
	COL_BLOCKERS,
	COL_PORT,
	COL_PARENT,
	COL_NOTE,
	COL_FLR,
	COL_ACSCTL,
	COL_NOSOFTRST,
	COL_LINK,
	COL_BOOT,
	COL_BOOTFROM,
	COL_COUNT
};

struct pp_coldef {
	const char *name;
	double whint;		/* libsmartcols: < 1 a share of the terminal, >= 1 columns */
	int flags;		/* SCOLS_FL_* */
	const char *help;
	int json_type;		/* SCOLS_JSON_* */
};

extern const struct pp_coldef pp_columns[COL_COUNT];

/* The columns list shows: -o LIST (or +LIST after the defaults), else the
 * defaults for -t and -n.  Returns 0, or PP_EXIT_ERROR after naming an
 * unknown column.  *n is at most COL_COUNT * 2. */
#define PP_MAX_COLS (COL_COUNT * 2)
int columns_choose(const char *spec, bool tree, int numeric, int *cols, size_t *n);
/* --sort COL: the column's id, or -1 after a usage error. */
int column_by_name(const char *name);
/* --list-columns: name and help, one a line. */
void columns_print(FILE *out);

/* The text of one cell (never NULL; "-" for nothing); fs may be NULL when
 * the function was not judged. */
char *column_cell(enum pp_colid col, const struct pp_function *f, const struct pp_findings *fs, int numeric,
		  bool predicted);
/* A function's own verdict, host-wide findings left out: the first
 * function-level blocker's code, "warn" or "ok". */
const char *function_verdict(const struct pp_findings *fs);
/* The capability facts the verdict rests on, lspci-style lines ("FLR+ ...")
 * each pushed to out. */
void function_facts(const struct pp_function *f, struct pp_strv *out);

#endif
