/*
 * The command line (cli.c).  Each command lives in its own cmd_*.c and
 * exports one `struct pp_command`; main.c lists them.  Options are declared
 * once, with their help text, so `--help` and the parser cannot disagree.
 */
#ifndef PCIPASS_CLI_H
#define PCIPASS_CLI_H

#include "model.h"

/* Every option pcipass knows; a command names the ones it accepts. */
enum pp_optkey {
	OPT_END = 0,
	OPT_JSON,
	OPT_NUMERIC,
	OPT_TREE,
	OPT_SLOT,
	OPT_ID,
	OPT_ALL,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_DRIVER,
	OPT_GROUP,
	OPT_METHOD,
	OPT_OUTPUT,
	OPT_LIBVIRT_XML,
	OPT_QEMU_ARGS,
	OPT_MACHINE,
	OPT_CONTROLLER_INDEX,
	OPT_STRICT,
	/* unbind, reset, rebind: one override per refusal, persistence */
	OPT_FORCE_IN_USE,
	OPT_FORCE_BOOT_VGA,
	OPT_PERSIST,
	/* list's table (columns.c), colours, report --redact */
	OPT_LIST_COLUMNS,
	OPT_RAW,
	OPT_PAIRS,
	OPT_NOHEADINGS,
	OPT_SORT,
	OPT_WIDTH,
	OPT_COLOR,
	OPT_REDACT,
	/* global options, accepted by every command */
	GOPT_SYSROOT,
	GOPT_FROM_LSPCI,
	GOPT_VERBOSE,
	GOPT_HELP,
	GOPT_VERSION,
};

struct pp_opt {
	enum pp_optkey key;
	const char *long_name;
	int short_name;		/* 0 when none */
	const char *arg_name;	/* NULL when the option takes no argument */
	const char *help;
};

/* What the options said, for the command to act on. */
struct pp_ctx {
	const char *sysroot;		/* NULL means "/" */
	const char *from_lspci;		/* --from-lspci FILE: an lspci listing made a sysroot (lspci-dump.c) */
	struct pp_root root;
	bool json;
	int numeric;			/* -n counts */
	bool tree;
	const char *slot_selector;	/* -s */
	const char *id_selector;	/* -d */
	bool all;
	bool dry_run;
	bool force;			/* snapshot/report -o: replace a file */
	bool force_in_use;		/* unbind/reset: a device the host uses */
	bool force_boot_vga;		/* unbind/reset: the boot VGA */
	bool persist;			/* unbind/rebind: driverctl's saved override */
	const char *driver;
	bool group;
	const char *method;
	const char *output;
	bool libvirt_xml;
	bool qemu_args;
	bool strict;			/* --strict: reset and isolation warnings block */
	const char *machine;		/* explain --machine */
	const char *controller_index;	/* explain --controller-index */
	/* list's table (columns.c), colours, report --redact */
	bool list_columns;
	bool raw;
	bool pairs;
	bool noheadings;
	const char *sort;
	size_t width;			/* 0: the terminal's */
	bool color;			/* --color resolved against the terminal and NO_COLOR */
	bool redact;
};

/* Options a command refuses together ("--raw and --json: choose one"), as
 * util-linux's err_exclusive_options: each group ends with OPT_END and the
 * list of groups with an empty group. */
typedef enum pp_optkey pp_exclusive_group[8];

struct pp_command {
	const char *name;
	const char *args;		/* "BDF..." for the synopsis */
	const char *summary;
	const struct pp_opt *opts;	/* ends with key OPT_END */
	int min_args, max_args;		/* max -1: unlimited */
	int (*run)(struct pp_ctx *ctx, int argc, char **argv);
	const pp_exclusive_group *exclusive;	/* NULL: none */
};

/* Parse argv: global options, the command (looked up in table), its
 * options; args and nargs are its arguments.  0, or the exit status after a message. */
int cli_parse(struct pp_ctx *ctx, const struct pp_command *const *table, size_t n, int argc, char **argv,
	      const struct pp_command **cmd, int *nargs, char ***args);

/* Open ctx->sysroot (a directory or a snapshot tarball), ctx->from_lspci or "/" into ctx->root:
 * the one opener every command uses.  0, or PP_EXIT_ERROR after a message. */
int ctx_open_root(struct pp_ctx *ctx);
/* The same for a root that is not --sysroot (pcipass diff opens two):
 * sysroot NULL means "/"; root->display is set to it. */
int ctx_open_root_at(const char *sysroot, struct pp_root *root);
/* snapshot/report -o PATH: 0, or PP_EXIT_ERROR after a message when PATH is an
 * existing file (not a directory) and --force was not given. */
int ctx_refuse_overwrite(const struct pp_ctx *ctx, const char *path);
/* A command that reads config space (why, slots) cannot judge an lspci
 * listing without hex rows (HACKING, lspci dumps): names what it would have
 * read it for (NEEDS), releases ctx and m, returns the exit status; 0 when m
 * has config space. */
int ctx_refuse_without_config(struct pp_ctx *ctx, struct pp_model *m, const char *cmd, const char *needs);
/* Open the root and build the model; NULL after an error message. */
struct pp_model *ctx_model(struct pp_ctx *ctx);
/* Open sysroot into root (ctx_open_root_at) and build its model with ctx's
 * options; NULL after an error message.  Released with model_free and root_close. */
struct pp_model *ctx_model_at(const struct pp_ctx *ctx, const char *sysroot, struct pp_root *root);
void ctx_release(struct pp_ctx *ctx, struct pp_model *m);

/*
 * Resolve the BDFs a user typed to functions of the model, in order, with
 * duplicates merged.  Returns 0, or PP_EXIT_ERROR after saying which
 * argument is malformed or absent.
 */
int ctx_functions(const struct pp_model *m, int argc, char **argv,
		  struct pp_function ***out, size_t *n);

/* Refuse, before anything is opened, an argument that is not a PCI address
 * or a driver name (echoed escaped).  0 or PP_EXIT_ERROR. */
int check_bdf_args(int argc, char **argv);
int check_driver_arg(const char *option, const char *name);

extern const struct pp_command cmd_list;
extern const struct pp_command cmd_unbind;
extern const struct pp_command cmd_reset;
extern const struct pp_command cmd_rebind;
extern const struct pp_command cmd_explain;
extern const struct pp_command cmd_snapshot;
extern const struct pp_command cmd_report;
extern const struct pp_command cmd_why;
extern const struct pp_command cmd_slots;
extern const struct pp_command cmd_diff;

#endif
