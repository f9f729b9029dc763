/*
 * Helpers the fuzz harnesses share: a scratch directory on tmpfs that
 * holds the sysfs tree under test ("root") and, beside it, a canary
 * directory that must never be read ("outside").
 */
#ifndef PCIPASS_FUZZ_TREE_H
#define PCIPASS_FUZZ_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct fuzz_tree {
	char *base;	/* the scratch directory */
	char *root;	/* base/root: what --sysroot would name */
	char *outside;	/* base/outside: the canary */
	int root_fd;	/* O_DIRECTORY of root */
};

/*
 * Make the scratch directory, an empty root and the canary, a directory
 * beside the root that fuzz-made links may point to.  While a model is
 * built or rendered (fuzz_model, fuzz_check_model), every open() and
 * openat() is checked: a file or directory opened outside the root aborts
 * the run, which libFuzzer reports as a crash.
 */
void tree_init(struct fuzz_tree *t);
/* Empty the root (the canary stays). */
void tree_clear(struct fuzz_tree *t);

/*
 * Create files, directories and links below the root.  Paths are relative
 * and are walked one component at a time without following links, so a
 * link the fuzzer planted can never make the harness write outside.
 * They return false when the path is unusable (".." component, a file in
 * the way); harnesses just skip that operation.
 */
bool tree_mkdir(struct fuzz_tree *t, const char *path);
bool tree_write(struct fuzz_tree *t, const char *path, const void *data, size_t len);
bool tree_symlink(struct fuzz_tree *t, const char *path, const char *target);

/*
 * A small healthy tree: 0000:00:01.0, a virtio NIC bound to virtio-pci in
 * IOMMU group 3, with every attribute the kernel shows.  The attribute
 * harnesses overwrite one file of it per input.
 */
#define SKELETON_BDF "0000:00:01.0"
#define SKELETON_DIR "sys/devices/pci0000:00/0000:00:01.0"
void tree_skeleton(struct fuzz_tree *t);
/* What every attribute harness does once: quiet stderr, make the tree, the skeleton. */
void fuzz_skeleton_setup(struct fuzz_tree *t);
/* Write one attribute of the skeleton function ("resource", ...). */
void tree_write_attr(struct fuzz_tree *t, const char *attr, const void *data, size_t len);
/* The skeleton function in m, which must be there. */
const struct pp_function *skeleton_function(const struct pp_model *m);

/* Stop on a broken invariant: libFuzzer reports the abort as a crash. */
#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/*
 * pcipass's messages go to stderr once per input; send them to /dev/null
 * unless FUZZ_VERBOSE is set.  Only the stdio stream is replaced: the
 * sanitizers and libFuzzer keep writing their reports to fd 2.
 */
void fuzz_quiet_stderr(void);

/* Build the model of t's root; NULL when model_build refused it. */
struct pp_model *fuzz_model(struct fuzz_tree *t, struct pp_root *root);
void fuzz_model_free(struct pp_model *m, struct pp_root *root);

/*
 * Invariants every model must keep, whatever the tree: canonical paths
 * inside sys/devices without "..", a parent chain without cycles, groups
 * sorted with their members, sane BARs and reset methods.  Also renders
 * every function to JSON and runs every check (checks.c) on each function
 * alone and on the set of all functions: findings must come from the
 * catalogue, carry a message and name only real BDFs.
 */
void fuzz_check_model(const struct pp_model *m);

#endif
