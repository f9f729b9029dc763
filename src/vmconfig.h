/*
 * From an assignable set to the lines a user pastes into a VM definition:
 * libvirt <hostdev> elements or QEMU -device vfio-pci arguments.  A pure
 * renderer of the model, the set and the set's findings.
 */
#ifndef PCIPASS_VMCONFIG_H
#define PCIPASS_VMCONFIG_H

#include <stdio.h>

#include "checks.h"

/* Guest slots on bus 0 for multifunction devices start here (see vmconfig.c). */
#define VM_FIRST_GUEST_SLOT 0x10
#define VM_LAST_GUEST_SLOT 0x1e		/* 0x1f is the ICH9 LPC/SATA/SMBus slot on q35 */

enum vm_format { VM_LIBVIRT_XML, VM_QEMU_ARGS };

struct vm_hostdev {
	const struct pp_function *fn;
	bool visible;			/* asked for: the guest sees it */
	char *why;			/* companions: why it must come along */
	int guest_slot;			/* bus 0 slot, or -1: libvirt/QEMU place it */
	bool multifunction_head;	/* function 0 of a guest slot with several functions */
};

struct vm_plan {
	struct vm_hostdev *v;		/* visible ones first, each part in address order */
	size_t n;
};

/*
 * Every function vfio must own for set: the members, visible to the
 * guest, and their companions: the other endpoints of the members' IOMMU
 * groups and conventional PCI segments (f->alias_bridge), and of theirs in
 * turn; never bridges.
 */
void vm_plan_build(const struct pp_model *m, const struct pp_set *set, struct vm_plan *plan);
void vm_plan_free(struct vm_plan *plan);
void vm_render_libvirt_xml(FILE *out, const struct vm_plan *plan);
void vm_render_qemu_args(FILE *out, const struct vm_plan *plan);

/*
 * explain --libvirt-xml / --qemu-args: findings[i] are set->members[i]'s.
 * With no blocker, print the configuration on stdout and return 0;
 * otherwise print the blockers on stderr and return PP_EXIT_BLOCKED.
 */
int vmconfig_emit(const struct pp_model *m, const struct pp_set *set, const struct pp_findings *findings,
		  enum vm_format fmt);

#endif
