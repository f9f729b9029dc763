/*
 * Use rules: what the host is doing with the function (interfaces, disks, console, drivers).
 * Each rule is a pure function of the model and the set (see HACKING,
 * "Adding a check"); checks.c lists them in its table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

void check_host_in_use(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf what = { 0 }, b = { 0 }, hint = { 0 };
	size_t uses = 0;

	if (!host_uses(f))
		return;
	for (size_t i = 0; i < f->n_netifs; i++) {
		const struct pp_netif *n = &f->netifs[i];

		if (!n->up && !n->has_address)
			continue;
		sb_add(&what, "%sinterface %s is %s", uses++ ? ", " : "", n->name,
		       n->up && n->has_address ? "up with addresses" : n->up ? "up" : "configured with addresses");
		sb_add(&hint, "%sip link set %s down", hint.len ? "; " : "", n->name);
	}
	for (size_t i = 0; i < f->n_blockdevs; i++) {
		const struct pp_blockdev *d = &f->blockdevs[i];

		if (!d->mounted && !d->has_holders && !d->swap)
			continue;
		sb_add(&what, "%sdisk %s is %s", uses++ ? ", " : "", d->name,
		       d->swap ? "swap in use" : d->mounted && d->has_holders ? "mounted and held"
		       : d->mounted ? "mounted" : "held by dm/md");
		sb_add(&hint, "%s%s %s", hint.len ? "; " : "",
		       d->swap ? "swapoff" : d->mounted ? "unmount" : "stop the holders of", d->name);
	}
	for (size_t i = 0; i < f->framebuffers.n; i++) {
		sb_add(&what, "%sframebuffer %s lives on it", uses++ ? ", " : "", f->framebuffers.v[i]);
		sb_add(&hint, "%smove the console off %s", hint.len ? "; " : "", f->framebuffers.v[i]);
	}
	if (!uses) {
		free(what.s);
		free(hint.s);
		return;
	}
	x = emit(j, PP_BLOCKER);
	sb_label(&b, f);
	sb_add(&b, " is in use by the host (%s): taking it away cuts that off.", what.s);
	x->message = sb_take(&b);
	for (size_t i = 0; i < f->n_netifs; i++)
		if (f->netifs[i].up || f->netifs[i].has_address)
			strv_pushf(&x->evidence, "net/%s: operstate %s%s", f->netifs[i].name,
				     f->netifs[i].operstate ? f->netifs[i].operstate : "unknown",
				     f->netifs[i].has_address ? ", IPv6 address in proc/net/if_inet6" : "");
	for (size_t i = 0; i < f->n_blockdevs; i++) {
		if (f->blockdevs[i].mounted)
			strv_pushf(&x->evidence, "proc/mounts: /dev/%s", f->blockdevs[i].name);
		if (f->blockdevs[i].has_holders)
			strv_pushf(&x->evidence, "block/%s/holders is not empty", f->blockdevs[i].name);
		if (f->blockdevs[i].swap)
			strv_pushf(&x->evidence, "proc/swaps: /dev/%s", f->blockdevs[i].name);
	}
	for (size_t i = 0; i < f->framebuffers.n; i++)
		strv_pushf(&x->evidence, "graphics/%s belongs to %s", f->framebuffers.v[i], f->bdf);
	sb_add(&hint, " first; `pcipass unbind` refuses it without --force");
	x->hint = sb_take(&hint);
	free(what.s);
}

void check_boot_vga(struct judge *j)
{
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (j->f->boot_vga != 1)
		return;
	x = emit(j, PP_WARNING);
	sb_label(&b, j->f);
	sb_add(&b, " is the boot VGA device: the firmware and the host console use it.");
	x->message = sb_take(&b);
	strv_pushf(&x->evidence, "%s/boot_vga: 1", j->f->bdf);
	x->hint = xstrdup("give the host another console (serial or a second GPU) first; `pcipass unbind` refuses "
			  "it without --force, and the guest may need the card's ROM");
}

void check_host_driver_bound(struct judge *j)
{
	struct pp_finding *x;
	struct sbuf b = { 0 };

	if (!host_bound(j->f))
		return;
	x = emit(j, PP_INFO);
	sb_label(&b, j->f);
	sb_add(&b, " is bound to the host driver %s.", j->f->driver);
	x->message = sb_take(&b);
	strv_pushf(&x->evidence, "%s/driver -> %s", j->f->bdf, j->f->driver);
	x->hint = xasprintf("`pcipass unbind %s` moves it to vfio-pci; `pcipass rebind` gives it back to %s",
			    j->f->bdf, j->f->driver);
}

void check_in_use_by_vm(struct judge *j)
{
	const struct pp_function *f = j->f;
	struct pp_finding *x;
	struct sbuf b = { 0 };
	char *who;

	if (!f->vfio_holders.n)
		return;
	/* A guest that holds the VFIO file owns the device: taking it, or
	 * resetting it under the guest, breaks that guest. */
	x = emit(j, PP_BLOCKER);
	who = strv_join(&f->vfio_holders, ", ");
	sb_label(&b, f);
	sb_add(&b, " is in use by a running guest, which holds its VFIO file open (%s).", who);
	x->message = sb_take(&b);
	for (size_t i = 0; i < f->vfio_holders.n; i++)
		strv_pushf(&x->evidence, "proc/*/fd: %s", f->vfio_holders.v[i]);
	x->hint = xstrdup("shut that guest down (or detach the device from it) first");
	free(who);
}
