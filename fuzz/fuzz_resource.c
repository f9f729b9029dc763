/*
 * Fuzz the parser of a function's "resource" file (model.c): the input is
 * the whole file of the skeleton function, read through the rooted reader
 * and the model builder exactly as a snapshot's would be.
 *
 * Checks beyond "no crash": every BAR kept comes from a line of the input
 * (index below the line count), has start <= end and a known kind, and the
 * JSON renderer accepts it (tree.c: fuzz_check_model).
 */
#include "config.h"

#include <string.h>

#include "tree.h"

static struct fuzz_tree tree;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_skeleton_setup(&tree);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_root root;
	struct pp_model *m;
	const struct pp_function *f;
	size_t lines = 1;

	tree_write_attr(&tree, "resource", data, size);
	m = fuzz_model(&tree, &root);
	FUZZ_ASSERT(m != NULL);
	fuzz_check_model(m);
	f = skeleton_function(m);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	FUZZ_ASSERT(f->n_bars <= lines);
	for (size_t b = 0; b < f->n_bars; b++) {
		FUZZ_ASSERT((size_t)f->bars[b].index < lines);
		FUZZ_ASSERT(b == 0 || f->bars[b - 1].index < f->bars[b].index);
	}
	/* The rest of the function does not depend on this file. */
	FUZZ_ASSERT(f->vendor_id == 0x1af4 && f->iommu_group == 3);
	FUZZ_ASSERT(f->driver && strcmp(f->driver, "virtio-pci") == 0);
	fuzz_model_free(m, &root);
	return 0;
}
