/*
 * Boot rules: what the boot configuration (vfio-pci.ids=, modprobe.d,
 * driverctl; model-boot.c) does at the next boot to the set and to the
 * functions the host needs.  Pure functions of the model and the set (see
 * HACKING, "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* "kernel command line: vfio-pci.ids=10de:1b80", "etc/driverctl.d/pci-...: vfio-pci" */
static void sb_entry(struct sbuf *b, const struct pp_boot_entry *e)
{
	if (e->kind == PP_BOOT_DRIVERCTL)
		sb_add(b, "%s: %s", e->source, e->driver);
	else if (strcmp(e->source, BOOTCFG_CMDLINE) == 0)
		sb_add(b, "%s: %s.ids=%s", e->source, e->driver, e->text);
	else
		sb_add(b, "%s: options %s ids=%s", e->source, e->driver, e->text);
}

static bool taken_by(const struct pp_function *f, const struct pp_boot_entry *e)
{
	for (size_t i = 0; i < f->n_boot_entries; i++)
		if (f->boot_entries[i] == e)
			return true;
	return false;
}

/* Will the boot configuration move it off the driver it has now? */
static bool moved_at_boot(const struct pp_function *f)
{
	return f->boot_by && !(f->driver && strcmp(f->driver, f->boot_by->driver) == 0);
}

/* What the host uses it for, briefly: "eth1 up, nvme0n1 swap, fb0" (the
 * uses host-in-use counts). */
static void sb_uses(struct sbuf *b, const struct pp_function *g)
{
	const char *sep = "";

	for (size_t i = 0; i < g->n_netifs; i++)
		if (g->netifs[i].up || g->netifs[i].has_address) {
			sb_add(b, "%s%s %s", sep, g->netifs[i].name, g->netifs[i].up ? "up" : "configured");
			sep = ", ";
		}
	for (size_t i = 0; i < g->n_blockdevs; i++) {
		const struct pp_blockdev *d = &g->blockdevs[i];

		if (d->mounted || d->has_holders || d->swap) {
			sb_add(b, "%s%s %s", sep, d->name, d->swap ? "swap" : d->mounted ? "mounted" : "held");
			sep = ", ";
		}
	}
	for (size_t i = 0; i < g->framebuffers.n; i++) {
		sb_add(b, "%s%s", sep, g->framebuffers.v[i]);
		sep = ", ";
	}
}

/*
 * The host uses a function the boot configuration takes: at the next boot
 * it does not get its disk, network or console, and may not come up.
 * Judged for f itself and for every function an entry that takes f takes
 * too (an id written for the guest's card that also matches the root
 * disk's controller).
 */
void check_boot_takes_host_device(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pick p = { .n = 0 };
	struct pp_strv evidence = { 0 };
	struct pp_finding *x;
	struct sbuf b = { 0 }, e = { 0 };

	for (size_t i = 0; i < f->n_boot_entries; i++) {
		const struct pp_boot_entry *en = f->boot_entries[i];

		for (size_t k = 0; k < en->n_matches; k++) {
			const struct pp_function *g = en->matches[k];
			bool seen = false;

			if (g->boot_by != en || !moved_at_boot(g) || !host_uses(g))
				continue;
			for (size_t s = 0; s < p.n && !seen; s++)
				seen = p.v[s] == g;
			if (seen)
				continue;
			p.total++;
			if (p.n < RELATED_MAX)
				p.v[p.n++] = g;
			sb_entry(&e, en);
			strv_pushf(&evidence, "%s takes %s", e.s, g->bdf);
			free(sb_take(&e));
		}
	}
	if (!p.total) {
		strv_free(&evidence);
		return;
	}
	x = emit(j, PP_BLOCKER);
	sb_add(&b, "At the next boot the boot configuration takes ");
	sb_names(&b, p.v, p.n, p.total, NAMES_DRIVER);
	sb_add(&b, ", which the host uses now (");
	for (size_t i = 0; i < p.n && i < NAMED_MAX; i++) {
		sb_add(&b, "%s", i ? "; " : "");
		sb_uses(&b, p.v[i]);
	}
	sb_add(&b, "): the host may not come up.");
	x->message = sb_take(&b);
	add_related(x, p.v, p.n);
	x->evidence = evidence;
	x->hint = xstrdup("narrow the entry to the card meant for the guest (a driverctl override of its address, "
			  "or vendor:device:subvendor:subdevice when two cards share an id) before rebooting");
}

/*
 * An ids= entry that takes f takes other functions too: the same id on two
 * cards.  Names them, outside the set, with their drivers now.
 */
void check_boot_id_shared(struct judge *j)
{
	const struct pp_function *f = j->f;

	for (size_t i = 0; i < f->n_boot_entries; i++) {
		const struct pp_boot_entry *en = f->boot_entries[i];
		struct pick p = { .n = 0 };
		struct pp_finding *x;
		struct sbuf b = { 0 };

		if (en->kind != PP_BOOT_IDS)
			continue;
		for (size_t k = 0; k < en->n_matches; k++) {
			const struct pp_function *g = en->matches[k];

			if (g == f || in_set(j, g))
				continue;
			p.total++;
			if (p.n < RELATED_MAX)
				p.v[p.n++] = g;
		}
		if (!p.total)
			continue;
		x = emit(j, PP_WARNING);
		sb_add(&b, "The id %s of %s (%s) that takes ", en->text, en->driver, en->source);
		sb_label(&b, f);
		sb_add(&b, " also takes ");
		sb_names(&b, p.v, p.n, p.total, NAMES_DRIVER);
		sb_add(&b, " at the next boot.");
		x->message = sb_take(&b);
		add_related(x, p.v, p.n);
		sb_entry(&b, en);
		strv_push(&x->evidence, b.s);
		free(sb_take(&b));
		for (size_t k = 0; k < p.n; k++)
			if (p.v[k]->vendor_id >= 0)
				strv_pushf(&x->evidence, "%s: %04x:%04x subsystem %04x:%04x", p.v[k]->bdf,
					   (unsigned)p.v[k]->vendor_id, (unsigned)p.v[k]->device_id,
					   (unsigned)p.v[k]->subsys_vendor_id & 0xffff,
					   (unsigned)p.v[k]->subsys_device_id & 0xffff);
		x->hint = xasprintf("if only %s is meant, replace the id by a driverctl override of its address "
				    "(`driverctl set-override %s %s`), or add the subsystem ids when they differ",
				    f->bdf, f->bdf, en->driver);
	}
}

/* Which entry takes f at the next boot, and from where. */
void check_boot_override(struct judge *j)
{
	const struct pp_function *f = j->f;
	const struct pp_boot_entry *by = f->boot_by;
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!by)
		return;
	x = emit(j, PP_INFO);
	sb_add(&b, "At the next boot %s takes ", by->driver);
	sb_label(&b, f);
	if (by->kind == PP_BOOT_DRIVERCTL)
		sb_add(&b, " (driverctl override %s)", by->source);
	else
		sb_add(&b, " (the id %s, %s)", by->text, by->source);
	sb_add(&b, "%s", moved_at_boot(f) ? "" : ", the driver it has now");
	if (by->kind == PP_BOOT_IDS && moved_at_boot(f) && f->driver)
		sb_add(&b, ", when %s loads before %s%s", by->driver, f->driver,
		       f->boot_softdep ? " (a softdep says it does)" : "");
	sb_add(&b, ".");
	x->message = sb_take(&b);
	for (size_t i = 0; i < f->n_boot_entries; i++) {
		sb_entry(&b, f->boot_entries[i]);
		if (taken_by(f, f->boot_entries[i]) && f->boot_entries[i] != by)
			sb_add(&b, " (matches too; %s decides)", by->kind == PP_BOOT_DRIVERCTL ? "the override" : "the first");
		strv_push(&x->evidence, b.s);
		free(sb_take(&b));
	}
	if (f->boot_softdep)
		strv_pushf(&x->evidence, "%s: softdep %s pre: %s", f->boot_softdep->source, f->boot_softdep->module,
			   f->boot_softdep->driver);
	if (by->kind == PP_BOOT_IDS && moved_at_boot(f) && f->driver && !f->boot_softdep)
		x->hint = xasprintf("a dynamic id binds only a device no driver has taken yet: %s must be built in or "
				    "loaded before %s (the initramfs, or `softdep %s pre: %s` in /etc/modprobe.d)",
				    by->driver, f->driver, f->driver, by->driver);
	else if (by->kind == PP_BOOT_DRIVERCTL)
		x->hint = xasprintf("`driverctl unset-override %s` removes it", f->bdf);
	else
		x->hint = xstrdup("remove the entry to keep the host's driver at the next boot");
}
