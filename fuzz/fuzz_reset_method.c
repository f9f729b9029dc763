/*
 * Fuzz the parser of a function's "reset_method" file (model.c): the input
 * is the whole file of the skeleton function.
 *
 * Checks beyond "no crash": each method kept is a whitespace-separated
 * word of the input and a valid name (no '/', it is written back to sysfs
 * by `reset`), none twice; a file too large for the attribute buffer is
 * reported unreadable instead of half-parsed; the other attributes of the
 * function are unaffected.
 */
#include "config.h"

#include <stdlib.h>
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

/* Is word one of the whitespace-separated words of text[0..len)? */
static bool has_word(const uint8_t *text, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++) {
		bool start = i == 0 || strchr(" \t\n", text[i - 1]);
		bool end = i + n == len || strchr(" \t\n", text[i + n]) || text[i + n] == '\0';
		if (start && end && memcmp(text + i, word, n) == 0)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_root root;
	struct pp_model *m;
	const struct pp_function *f;

	tree_write_attr(&tree, "reset_method", data, size);
	m = fuzz_model(&tree, &root);
	FUZZ_ASSERT(m != NULL);
	fuzz_check_model(m);
	f = skeleton_function(m);
	for (size_t r = 0; r < f->reset_methods.n; r++)
		FUZZ_ASSERT(has_word(data, size, f->reset_methods.v[r]));
	if (size >= 4096) {
		FUZZ_ASSERT(!f->has_reset_method_attr && f->reset_methods.n == 0);
		FUZZ_ASSERT(strv_contains(&f->unreadable, "reset_method"));
	} else {
		FUZZ_ASSERT(f->has_reset_method_attr);
	}
	FUZZ_ASSERT(f->has_reset_attr);
	FUZZ_ASSERT(f->vendor_id == 0x1af4 && f->iommu_group == 3 && f->n_bars == 4);
	fuzz_model_free(m, &root);
	return 0;
}
