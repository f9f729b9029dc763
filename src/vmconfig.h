/*
 * From an assignable set to what a user gives a VM definition: libvirt
 * <controller>/<hostdev> elements or QEMU -device arguments.  A renderer
 * of the model, the set and the set's findings; see vmconfig.c for where
 * the guest addresses come from.
 */
#ifndef PCIPASS_VMCONFIG_H
#define PCIPASS_VMCONFIG_H

#include <stdio.h>

#include "checks.h"

/*
 * Guest slots on bus 0 pcipass uses, from the first: on q35 for the
 * pcie-root-ports it adds, on i440fx for the devices themselves.  0x1f is
 * ICH9's slot on q35; 0x01-0x0f is where libvirt and users place things.
 */
#define VM_FIRST_GUEST_SLOT 0x10
#define VM_LAST_GUEST_SLOT 0x1e
/* The first pcie-root-port controller index (= guest bus number) on q35:
 * above the 14 root ports virt-install gives a q35 domain (indexes 1-14)
 * and its pcie-to-pci-bridge (15). */
#define VM_DEFAULT_FIRST_INDEX 16

enum vm_format { VM_LIBVIRT_XML, VM_QEMU_ARGS };
enum vm_machine { VM_Q35, VM_PC };

struct vm_hostdev {
	const struct pp_function *fn;
	bool visible;			/* asked for: the guest sees it */
	char *why;			/* companions: why it must come along */
	int guest_dev;			/* index into vm_plan.slots; -1 for companions */
	unsigned guest_fn;		/* its function in the guest slot, from 0 */
	bool multifunction_head;	/* function 0 of a guest slot with several functions */
};

/* One guest slot: on q35 a pcie-root-port (bus = its index, slot 0), on pc pci.0's slot. */
struct vm_slot {
	unsigned index;			/* q35: the root port's controller index and guest bus */
	unsigned slot;			/* q35: the root port's slot on pcie.0; pc: the device's on pci.0 */
	size_t n_functions;
};

struct vm_plan {
	enum vm_machine machine;
	struct vm_hostdev *v;		/* visible ones first, each part in address order */
	size_t n;
	struct vm_slot *slots;		/* in the order of their first function */
	size_t n_slots;
};

/*
 * Every function vfio must own for set: the members, visible to the
 * guest, and their companions: the other endpoints of the members' IOMMU
 * groups and conventional PCI segments (f->alias_bridge), and of theirs in
 * turn; never bridges.  Then the guest addresses (vmconfig.c).
 * 0, or -ERANGE when the set needs more guest slots than there are.
 */
int vm_plan_build(const struct pp_model *m, const struct pp_set *set, enum vm_machine machine,
		  unsigned first_index, struct vm_plan *plan);
void vm_plan_free(struct vm_plan *plan);

struct vm_options {
	enum vm_format format;
	enum vm_machine machine;
	unsigned first_index;		/* q35: first pcie-root-port index */
	const char *output_dir;		/* libvirt: one file per element there; NULL: stdout */
};

/*
 * explain --libvirt-xml / --qemu-args: findings[i] are set->members[i]'s.
 * With no blocker, print the configuration (stdout or opts->output_dir) and
 * return 0; otherwise print the blockers on stderr and return PP_EXIT_BLOCKED.
 */
int vmconfig_emit(const struct pp_model *m, const struct pp_set *set, const struct pp_findings *findings,
		  const struct vm_options *opts);

#endif
