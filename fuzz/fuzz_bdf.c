/*
 * Fuzz the address grammar (bdf.c), driver names (sysroot.c) and the -s/-d
 * selectors (model.c, on top of libpci's parser).
 *
 * Input: text.  The whole input is tried as a sysfs BDF, a user BDF, a
 * driver name, a -s slot and a -d id; when it holds a newline, the part
 * before is the -s argument and the part after the -d argument.
 *
 * Beyond "no crash", it checks what the rest of pcipass relies on:
 *  - an accepted BDF holds only hex digits, ':' and '.', is in range and
 *    survives format -> parse unchanged, so it is safe inside a path;
 *  - every sysfs-spelled BDF is also a valid user BDF with the same value;
 *  - an accepted driver name has no '/', is not "." or "..", <= 64 chars;
 *  - when a string is both a user BDF and an lspci -s slot, the selector
 *    picks exactly the function with that address (same meaning as lspci).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "tree.h"

#define MAX_INPUT 256

static struct pci_access *pacc;
static struct pp_model model;
static struct pp_function devs[6];
static const struct pp_bdf addrs[6] = {
	{ 0, 0, 0, 0 }, { 0, 0, 0x1f, 2 }, { 0, 1, 0, 0 }, { 0, 1, 0, 1 },
	{ 1, 1, 0, 0 }, { 0x10000, 0xe1, 0x1f, 7 },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	/* libpci needs an initialised access to make devices; nothing is read. */
	pacc = pci_alloc();
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", "/nonexistent-pcipass-fuzz");
	pci_init(pacc);
	model.pacc = pacc;
	for (size_t i = 0; i < 6; i++) {
		struct pci_dev *d = pci_get_dev(pacc, (int)addrs[i].domain, (int)addrs[i].bus,
						(int)addrs[i].dev, (int)addrs[i].fn);
		d->vendor_id = (u16)(0x8086 + i);
		d->device_id = (u16)(0x1000 + i);
		d->device_class = 0x0200;
		d->prog_if = 0;
		d->known_fields |= PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT;
		devs[i].addr = addrs[i];
		devs[i].pdev = d;
	}
	return 0;
}

static bool only_bdf_chars(const char *s)
{
	return strspn(s, "0123456789abcdefABCDEF:.") == strlen(s);
}

static void check_bdf(const struct pp_bdf *b)
{
	FUZZ_ASSERT(b->bus <= 0xff && b->dev <= 0x1f && b->fn <= 7);
}

static void try_sysfs_bdf(const char *s)
{
	struct pp_bdf b, again, user;
	char text[PP_BDF_LEN + 8];

	if (!bdf_parse_sysfs(s, &b))
		return;
	FUZZ_ASSERT(only_bdf_chars(s));
	check_bdf(&b);
	bdf_format(&b, text);
	FUZZ_ASSERT(bdf_parse_sysfs(text, &again) && bdf_compare(&b, &again) == 0);
	FUZZ_ASSERT(bdf_parse_user(s, &user) && bdf_compare(&b, &user) == 0);
}

static void try_user_bdf(const char *s)
{
	struct pp_bdf b, again;
	char text[PP_BDF_LEN + 8];

	if (!bdf_parse_user(s, &b))
		return;
	FUZZ_ASSERT(only_bdf_chars(s) && strlen(s) <= 20);
	check_bdf(&b);
	bdf_format(&b, text);
	FUZZ_ASSERT(strlen(text) < sizeof(text));
	FUZZ_ASSERT(bdf_parse_user(text, &again) && bdf_compare(&b, &again) == 0);
}

static void try_driver_name(const char *s)
{
	if (!valid_driver_name(s))
		return;
	FUZZ_ASSERT(!strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
	FUZZ_ASSERT(*s && strlen(s) <= 64);
}

static void try_selector(const char *slot, const char *id)
{
	struct pp_selector sel = { 0 };
	struct pp_bdf b;
	bool typed = slot && !id && bdf_parse_user(slot, &b);

	if (selector_parse(&model, &sel, slot, id) == 0) {
		for (size_t i = 0; i < 6; i++) {
			bool match = selector_match(&model, &sel, &devs[i]);
			if (typed) {
				/* "bb:dd.f" means any domain to lspci, "dddd:bb:dd.f" one. */
				bool any_domain = strchr(slot, ':') == strrchr(slot, ':');
				bool want = devs[i].addr.bus == b.bus && devs[i].addr.dev == b.dev &&
					    devs[i].addr.fn == b.fn && (any_domain || devs[i].addr.domain == b.domain);
				FUZZ_ASSERT(match == want);
			}
		}
	}
	selector_free(&sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[MAX_INPUT + 1], *nl;

	if (size > MAX_INPUT)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (strlen(s) != size)
		return 0;	/* argv strings hold no NUL */

	try_sysfs_bdf(s);
	try_user_bdf(s);
	try_driver_name(s);
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		try_selector(s, NULL);
		try_selector(NULL, nl + 1);
		try_selector(s, nl + 1);
	} else {
		try_selector(s, NULL);
		try_selector(NULL, s);
	}
	return 0;
}
