/*
 * lspci's -s and -d selectors, parsed by libpci itself so that they mean
 * exactly what they mean to lspci.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "model-internal.h"

/* ---- selectors: libpci's own parser, so -s/-d mean what lspci means ---- */

int selector_parse(struct pp_model *m, struct pp_selector *sel, const char *slot, const char *id)
{
	struct pci_filter *flt = xcalloc(1, sizeof(*flt));
	char *err;

	pci_filter_init(m->pacc, flt);
	sel->filter = flt;
	sel->active = slot || id;
	if (slot) {
		char *copy = xstrdup(slot);
		err = pci_filter_parse_slot(flt, copy);
		free(copy);
		if (err)
			return pp_usage_error("-s %s: %s", slot, err);
	}
	if (id) {
		char *copy = xstrdup(id);
		err = pci_filter_parse_id(flt, copy);
		free(copy);
		if (err)
			return pp_usage_error("-d %s: %s", id, err);
	}
	return 0;
}

bool selector_match(const struct pp_model *m, const struct pp_selector *sel, const struct pp_function *f)
{
	(void)m;
	if (!sel || !sel->active)
		return true;
	return pci_filter_match(sel->filter, f->pdev);
}

void selector_free(struct pp_selector *sel)
{
	free(sel->filter);
	sel->filter = NULL;
}
