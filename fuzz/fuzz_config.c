/*
 * Fuzz config space decoding: the input is the skeleton function's
 * "config" file (truncated, random, oversized), which model.c hands to
 * libpci's capability walker through a padded cache.
 *
 * Checks: the function stays in the model with its group and driver
 * whatever config holds; its ids come from config when it has the 64-byte
 * header and from the sysfs attributes otherwise (or when config holds the
 * 0xffff ids of an SR-IOV VF); config_len is what was
 * read, capped at 4096; under 64 bytes, config counts as unreadable and
 * every capability fact stays unknown.
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

	tree_write_attr(&tree, "config", data, size);
	m = fuzz_model(&tree, &root);
	FUZZ_ASSERT(m != NULL);
	fuzz_check_model(m);
	f = skeleton_function(m);
	FUZZ_ASSERT(f->iommu_group == 3);
	if (size >= 64 && (data[0] & data[1]) != 0xff && (data[2] & data[3]) != 0xff) {
		FUZZ_ASSERT(f->vendor_id == (data[0] | data[1] << 8));
		FUZZ_ASSERT(f->device_id == (data[2] | data[3] << 8));
	} else {
		/* short config, or 0xffff ids as an SR-IOV VF reads: the attributes */
		FUZZ_ASSERT(f->vendor_id == 0x1af4 && f->device_id == 0x1041);
	}
	FUZZ_ASSERT(f->driver && strcmp(f->driver, "virtio-pci") == 0);
	if (size < 64) {
		FUZZ_ASSERT(strv_contains(&f->unreadable, "config"));
		FUZZ_ASSERT(f->has_flr == PP_UNKNOWN && f->has_pm == PP_UNKNOWN && f->header_type == -1);
	} else {
		FUZZ_ASSERT(f->config_len == (size < 4096 ? size : 4096));
		FUZZ_ASSERT(f->header_type == (data[0x0e] & 0x7f));
		if (size > 64)
			FUZZ_ASSERT(f->has_flr != PP_UNKNOWN || strv_contains(&f->unreadable, "config"));
	}
	fuzz_model_free(m, &root);
	return 0;
}
