/*
 * The next boot, in the model: which functions each entry of the boot
 * configuration (bootcfg.c) takes, and for each function the entry that
 * decides.  What the kernel does at boot, in the order it does it:
 *
 * - driverctl's udev rule writes driver_override; pci_match_device then lets
 *   only that driver bind the device, whatever ids another driver has.
 * - an ids= entry becomes a dynamic id (pci_add_dynid) matched as
 *   pci_match_one_device matches; vfio-pci refuses all but normal headers
 *   (vfio_pci_core_register_device); pci-stub takes anything.
 * - a dynamic id binds only a device with no driver yet (driver_attach), so
 *   vfio-pci wins over the native driver only when it loads first: built
 *   in, from the initramfs, or through "softdep NATIVE pre: vfio-pci".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model-internal.h"

static void take(struct pp_boot_entry *e, struct pp_function *f)
{
	e->matches = xrealloc(e->matches, (e->n_matches + 1) * sizeof(*e->matches));
	e->matches[e->n_matches++] = f;
	f->boot_entries = xrealloc(f->boot_entries, (f->n_boot_entries + 1) * sizeof(*f->boot_entries));
	f->boot_entries[f->n_boot_entries++] = e;
	if (!f->boot_by)
		f->boot_by = e;
}

static bool ids_take(const struct pp_boot_entry *e, const struct pp_function *f)
{
	if (f->vendor_id < 0 || f->device_id < 0)
		return false;
	if (strcmp(e->driver, "vfio-pci") == 0 && f->header_type != 0)
		return false;
	/* driverctl's override shuts out every other driver */
	if (f->boot_by && f->boot_by->kind == PP_BOOT_DRIVERCTL && strcmp(f->boot_by->driver, e->driver) != 0)
		return false;
	/* an unknown subsystem or class matches only an id that does not ask for it */
	return boot_id_matches(&e->id, (unsigned)f->vendor_id, (unsigned)f->device_id,
			       f->subsys_vendor_id >= 0 ? (unsigned)f->subsys_vendor_id : BOOT_ANY_ID - 1,
			       f->subsys_device_id >= 0 ? (unsigned)f->subsys_device_id : BOOT_ANY_ID - 1,
			       f->class_code >= 0 ? (unsigned)f->class_code : BOOT_ANY_ID);
}

void attach_boot(struct pp_model *m)
{
	struct pp_bootcfg *cfg = &m->host.boot;

	bootcfg_read(m->root, m->host.cmdline, cfg);
	for (size_t i = 0; i < cfg->problems.n; i++)
		strv_push(&m->problems, cfg->problems.v[i]);
	/* driverctl first: its override decides before any id is matched */
	for (size_t i = 0; i < cfg->n; i++) {
		struct pp_boot_entry *e = &cfg->v[i];
		struct pp_function *f;

		if (e->kind != PP_BOOT_DRIVERCTL)
			continue;
		if ((f = model_find(m, &e->addr)))
			take(e, f);
		else
			strv_pushf(&m->problems, "%s: no function %s on this host: the override waits for it",
				   e->source, e->text);
	}
	for (size_t i = 0; i < cfg->n; i++) {
		struct pp_boot_entry *e = &cfg->v[i];

		if (e->kind != PP_BOOT_IDS)
			continue;
		for (size_t k = 0; k < m->n_functions; k++)
			if (ids_take(e, &m->functions[k]))
				take(e, &m->functions[k]);
	}
	/* "softdep NATIVE pre: vfio-pci": the functions NATIVE drives now */
	for (size_t i = 0; i < cfg->n; i++) {
		struct pp_boot_entry *e = &cfg->v[i];

		if (e->kind != PP_BOOT_SOFTDEP)
			continue;
		for (size_t k = 0; k < m->n_functions; k++) {
			struct pp_function *f = &m->functions[k];

			if (!f->driver || !module_name_eq(f->driver, e->module))
				continue;
			e->matches = xrealloc(e->matches, (e->n_matches + 1) * sizeof(*e->matches));
			e->matches[e->n_matches++] = f;
			if (f->boot_by && !f->boot_softdep && strcmp(f->boot_by->driver, e->driver) == 0)
				f->boot_softdep = e;
		}
	}
}
