/*
 * Fuzz the --from-lspci pre-pass (lspci-dump.c): a customer's file is
 * untrusted text.
 *
 * Input: the file's bytes; the first byte picks the chunk size the reader
 * is fed in (as read() may split a file anywhere).
 *
 * Beyond "no crash", it checks what the sysroot builder relies on:
 *  - the result does not depend on where the input was split: fed whole
 *    and fed in chunks, the devices, their bytes and the counts are equal;
 *  - every device address is in range and no address is listed twice;
 *  - a device's bytes stay inside config space (end <= 4096) and only
 *    bytes below end are marked given; has_hex iff something was given;
 *  - a driver name from the text is a valid one (it becomes a link name);
 *  - at most DUMP_MAX_DEVICES devices.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lspci-dump.h"
#include "sysroot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void invariant(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static void check(const struct dump_scan *s)
{
	invariant(s->n <= DUMP_MAX_DEVICES, "too many devices");
	for (size_t i = 0; i < s->n; i++) {
		const struct dump_device *d = &s->dev[i];
		bool any = false;

		invariant(d->domain <= 0xffffff && d->bus <= 0xff && d->dev <= 0x1f && d->fn <= 7, "address range");
		invariant(d->end <= 4096, "bytes beyond config space");
		for (size_t k = 0; k < 4096; k++) {
			bool given = d->given[k / 8] & (1u << (k % 8));

			invariant(!given || k < d->end, "a byte given beyond end");
			any |= given;
		}
		invariant(any == d->has_hex, "has_hex and the bytes disagree");
		invariant(!d->driver[0] || valid_driver_name(d->driver), "driver name");
		for (size_t k = i + 1; k < s->n; k++)
			invariant(!(d->domain == s->dev[k].domain && d->bus == s->dev[k].bus &&
				    d->dev == s->dev[k].dev && d->fn == s->dev[k].fn), "an address listed twice");
	}
}

static bool same(const struct dump_scan *a, const struct dump_scan *b)
{
	if (a->n != b->n || a->dropped != b->dropped || a->text_only != b->text_only || a->lines != b->lines)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct dump_device *x = &a->dev[i], *y = &b->dev[i];

		if (x->domain != y->domain || x->bus != y->bus || x->dev != y->dev || x->fn != y->fn ||
		    x->end != y->end || x->has_hex != y->has_hex || x->conflict != y->conflict ||
		    x->iommu_group != y->iommu_group || strcmp(x->driver, y->driver) != 0 ||
		    memcmp(x->config, y->config, x->end) != 0 || memcmp(x->given, y->given, sizeof(x->given)) != 0)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dump_scan whole = { 0 }, split = { 0 };
	size_t chunk;

	if (size < 1 || size > (1u << 20))
		return 0;
	chunk = (size_t)data[0] % 61 + 1;
	data++;
	size--;
	dump_scan_feed(&whole, (const char *)data, size);
	dump_scan_finish(&whole);
	for (size_t at = 0; at < size; at += chunk)
		dump_scan_feed(&split, (const char *)data + at, size - at < chunk ? size - at : chunk);
	dump_scan_finish(&split);
	check(&whole);
	invariant(same(&whole, &split), "the result depends on where the input was split");
	dump_scan_free(&whole);
	dump_scan_free(&split);
	return 0;
}
