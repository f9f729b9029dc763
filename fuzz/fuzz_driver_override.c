/*
 * Fuzz driver_override handling: what the model makes of the file, and the
 * round trip the mutating commands rely on (write a driver name through
 * root_write_attr, read it back; write "\n" to clear it).
 *
 * Input: the raw contents of the skeleton function's driver_override.
 * Checks:
 *  - the model's driver_override is the first line of the file with
 *    trailing blanks cut, NULL for "", "(null)" or a file too big to be an
 *    attribute (then reported unreadable);
 *  - when the input is a valid driver name, writing it through the one
 *    sysfs writer and rebuilding gives back exactly that name, and writing
 *    "\n" gives NULL again;
 *  - a valid driver name never contains '/' and so cannot leave
 *    sys/bus/pci/drivers/ when joined to it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tree.h"

#define OVERRIDE_PATH "sys/bus/pci/devices/" SKELETON_BDF "/driver_override"

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

/* The value the model should show for raw file contents. */
static char *expected_override(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	size_t n;

	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	if (n == 0 || strcmp(s, "(null)") == 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void check_override(const char *want)
{
	struct pp_root root;
	struct pp_model *m = fuzz_model(&tree, &root);
	const struct pp_function *f;

	FUZZ_ASSERT(m != NULL);
	fuzz_check_model(m);
	f = skeleton_function(m);
	FUZZ_ASSERT(f->has_driver_override_attr);
	if (want)
		FUZZ_ASSERT(f->driver_override && strcmp(f->driver_override, want) == 0);
	else
		FUZZ_ASSERT(f->driver_override == NULL);
	fuzz_model_free(m, &root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name;

	tree_write_attr(&tree, "driver_override", data, size);
	if (size >= 4096) {
		struct pp_root root;
		struct pp_model *m = fuzz_model(&tree, &root);
		const struct pp_function *f;

		FUZZ_ASSERT(m != NULL);
		fuzz_check_model(m);
		f = skeleton_function(m);
		FUZZ_ASSERT(!f->has_driver_override_attr && !f->driver_override);
		FUZZ_ASSERT(strv_contains(&f->unreadable, "driver_override"));
		fuzz_model_free(m, &root);
		return 0;
	}
	name = expected_override(data, size);
	check_override(name);
	free(name);

	/* The input as a driver name a user typed (argv holds no NUL). */
	name = xmalloc(size + 1);
	memcpy(name, data, size);
	name[size] = '\0';
	if (strlen(name) == size && valid_driver_name(name)) {
		struct pp_root root;

		FUZZ_ASSERT(!strchr(name, '/'));
		/* A sysfs store replaces the value; a plain file needs emptying first. */
		tree_write_attr(&tree, "driver_override", "", 0);
		if (root_open(&root, tree.root) != 0)
			abort();
		FUZZ_ASSERT(root_write_attr(&root, OVERRIDE_PATH, name) == 0);
		root_close(&root);
		check_override(strcmp(name, "(null)") == 0 ? NULL : name);
		tree_write_attr(&tree, "driver_override", "", 0);
		if (root_open(&root, tree.root) != 0)
			abort();
		FUZZ_ASSERT(root_write_attr(&root, OVERRIDE_PATH, "\n") == 0);
		root_close(&root);
		check_override(NULL);
	}
	free(name);
	return 0;
}
