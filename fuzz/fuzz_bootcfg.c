/*
 * Fuzz the boot configuration readers (bootcfg.c) and what the model makes
 * of them (model-boot.c).  The input is cut at its first two NUL bytes into
 * proc/cmdline, etc/modprobe.d/fuzz.conf and driverctl's override of the
 * skeleton function (etc/driverctl.d/pci-0000:00:01.0).
 *
 * Checks beyond "no crash" (and the model's invariants, tree.c):
 *  - every entry is of a driver it may be: ids and softdep of vfio-pci or
 *    pci-stub, a driverctl override of a valid driver name for the
 *    skeleton's address; its source is the command line or the files
 *    written, its text printable (escaped);
 *  - every function an id takes matches it as pci_match_one_device would,
 *    and vfio-pci takes no bridge;
 *  - the skeleton's deciding entry is one that takes it, a driverctl
 *    override when there is one;
 *  - boot_id_parse agrees with the C library's sscanf("%x:%x:...") on ids
 *    made of hex digits and colons only, fields of at most 8 digits (where
 *    the kernel's and the C library's %x cannot differ).
 */
#include "config.h"

#include <stdio.h>
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

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Only hex digits and colons, each field 1-8 digits, at most 6 fields. */
static bool plain_id(const char *s, size_t n)
{
	size_t digits = 0, fields = 1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':') {
			if (!digits || ++fields > 6)
				return false;
			digits = 0;
		} else if (!strchr("0123456789abcdefABCDEF", s[i]) || ++digits > 8) {
			return false;
		}
	}
	return n > 0 && digits > 0;
}

static void check_parser(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1), *piece, *p;

	memcpy(s, data, size);
	s[size] = '\0';
	for (p = s; (piece = strsep(&p, ",\n "));) {
		unsigned int v[6] = { 0, 0, 0xffffffffu, 0xffffffffu, 0, 0 };
		struct pp_boot_id id;
		int fields;

		if (!plain_id(piece, strlen(piece)))
			continue;
		fields = sscanf(piece, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
		FUZZ_ASSERT(boot_id_parse(piece, &id) == (fields >= 2));
		if (fields >= 2)
			FUZZ_ASSERT(id.vendor == v[0] && id.device == v[1] && id.subvendor == v[2] &&
				    id.subdevice == v[3] && id.class_code == v[4] && id.class_mask == v[5]);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut1 = memchr(data, '\0', size), *cut2;
	size_t n1 = cut1 ? (size_t)(cut1 - data) : size;
	struct pp_root root;
	struct pp_model *m;
	const struct pp_function *f;
	bool overridden = false;

	check_parser(data, n1);
	/* the three files always exist, empty when the input ends early */
	tree_write(&tree, "proc/cmdline", data, n1);
	if (cut1) {
		const uint8_t *rest = cut1 + 1;
		size_t left = size - n1 - 1;

		cut2 = memchr(rest, '\0', left);
		tree_write(&tree, "etc/modprobe.d/fuzz.conf", rest, cut2 ? (size_t)(cut2 - rest) : left);
		if (cut2)
			tree_write(&tree, "etc/driverctl.d/pci-" SKELETON_BDF, cut2 + 1, left - (size_t)(cut2 - rest) - 1);
		else
			tree_write(&tree, "etc/driverctl.d/pci-" SKELETON_BDF, "", 0);
	} else {
		tree_write(&tree, "etc/modprobe.d/fuzz.conf", "", 0);
		tree_write(&tree, "etc/driverctl.d/pci-" SKELETON_BDF, "", 0);
	}
	m = fuzz_model(&tree, &root);
	FUZZ_ASSERT(m != NULL);
	fuzz_check_model(m);
	f = skeleton_function(m);
	for (size_t i = 0; i < m->host.boot.n; i++) {
		const struct pp_boot_entry *e = &m->host.boot.v[i];

		FUZZ_ASSERT(printable(e->source) && (!e->text || printable(e->text)));
		FUZZ_ASSERT(strcmp(e->source, BOOTCFG_CMDLINE) == 0 ||
			    strncmp(e->source, "etc/modprobe.d/fuzz.conf:", 25) == 0 ||
			    strcmp(e->source, "etc/driverctl.d/pci-" SKELETON_BDF) == 0);
		if (e->kind == PP_BOOT_DRIVERCTL) {
			FUZZ_ASSERT(valid_driver_name(e->driver) && e->n_matches == 1 && e->matches[0] == f);
			overridden = true;
			continue;
		}
		FUZZ_ASSERT(strcmp(e->driver, "vfio-pci") == 0 || strcmp(e->driver, "pci-stub") == 0);
		if (e->kind == PP_BOOT_SOFTDEP)
			continue;
		for (size_t k = 0; k < e->n_matches; k++) {
			const struct pp_function *g = e->matches[k];

			FUZZ_ASSERT(boot_id_matches(&e->id, (unsigned)g->vendor_id, (unsigned)g->device_id,
						    (unsigned)g->subsys_vendor_id, (unsigned)g->subsys_device_id,
						    (unsigned)g->class_code));
			FUZZ_ASSERT(strcmp(e->driver, "vfio-pci") != 0 || g->header_type == 0);
		}
	}
	if (f->boot_by) {
		bool found = false;

		for (size_t i = 0; i < f->n_boot_entries; i++)
			found |= f->boot_entries[i] == f->boot_by;
		FUZZ_ASSERT(found);
		FUZZ_ASSERT(!overridden || f->boot_by->kind == PP_BOOT_DRIVERCTL);
	} else {
		FUZZ_ASSERT(f->n_boot_entries == 0 && !overridden);
	}
	fuzz_model_free(m, &root);
	return 0;
}
