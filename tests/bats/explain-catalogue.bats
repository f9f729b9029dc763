#!/usr/bin/env bats
# The finding catalogue (man page FINDINGS, HACKING Checks), code by code: a real capture
# where each code fires and one where it must not, with the exact codes and
# severities of every function judged.  Cases QEMU cannot produce come from
# derived trees (tests/sysfs-snapshots/derived/README).

setup() {
	load common
	load explain-helpers
}

@test "iommu-disabled: fires on the guest booted without an IOMMU, not with one" {
	run findings "$(snapshot noiommu)" 03:00.0
	assert_output "host iommu-disabled:blocker
0000:03:00.0 host-driver-bound:info"
	run findings "$(snapshot rootports)" 03:00.0
	assert_output "0000:03:00.0 host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" explain --json 03:00.0
	assert_failure 1
	echo "$output" | jq -e '.assignable == false and .functions[0].assignable == false and (.host.findings[0] |
		.scope == "host" and (.message | startswith("No IOMMU is active on this host")) and
		.hint == "enable VT-d in the firmware setup: the firmware publishes no DMAR table" and
		(.evidence | index("sys/firmware/acpi/tables: DMAR absent, IVRS absent")))'
	# never a value the kernel does not know
	refute_output --partial "amd_iommu=on"
	# vfio's no-IOMMU groups are groups without an IOMMU: still iommu-disabled
	run --separate-stderr pp --sysroot "$(snapshot derived/noiommu-vfio-noiommu)" explain --json 03:00.0
	assert_failure 1
	echo "$output" | jq -e '.host.noiommu_only and .host.iommu_enabled and
		(.host.findings[0] | .code == "iommu-disabled" and (.message | startswith("Only vfio")))'
	run findings "$(snapshot derived/noiommu-vfio-noiommu)" 03:00.0
	refute_output --partial no-iommu-group

}

@test "not-endpoint: root ports, switch ports, PCIe-to-PCI and host bridges; never an endpoint" {
	run findings "$(snapshot rootports)" 00:00.0 00:02.0 01:00.0
	assert_output "0000:00:00.0 not-endpoint:blocker
0000:00:02.0 not-endpoint:blocker
0000:01:00.0 host-in-use:blocker host-driver-bound:info"
	run findings "$(snapshot switch)" 01:00.0 02:00.0 02:01.0
	assert_output "0000:01:00.0 not-endpoint:blocker
0000:02:00.0 not-endpoint:blocker
0000:02:01.0 not-endpoint:blocker"
	run findings "$(snapshot pcibridge)" 01:00.0
	assert_output "0000:01:00.0 not-endpoint:blocker"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 00:02.0
	assert_failure 1
	echo "$output" | jq -e '.functions[0].findings[0] |
		.message == "0000:00:02.0 (QEMU PCIe Root port) is a PCIe root port, not an endpoint: vfio-pci binds only endpoints (header type 0)." and
		.hint == "assign the endpoints below it instead: 0000:01:00.0 (Virtio 1.0 network device)" and
		.related == ["0000:01:00.0"]'

}

@test "group-not-viable: one device of a shared group is refused, the whole group is not" {
	run findings "$(snapshot rootports)" 00:1f.2
	assert_output "0000:00:1f.2 group-not-viable:blocker no-reset:warning no-flr:warning multifunction-partial:warning missing-function0:info no-acs:info host-driver-bound:info"
	run findings "$(snapshot rootports)" 00:1f.0 00:1f.2 00:1f.3
	assert_output "0000:00:1f.0 not-endpoint:blocker
0000:00:1f.2 no-reset:warning no-flr:warning group-shared:info no-acs:info host-driver-bound:info
0000:00:1f.3 no-reset:warning no-flr:warning group-shared:info no-acs:info host-driver-bound:info"
	run findings "$(snapshot pcibridge)" 02:01.0 02:02.0
	refute_output --partial group-not-viable
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 00:1f.2
	assert_failure 1
	echo "$output" | jq -e '.functions[0].findings[0] | .code == "group-not-viable" and
		.related == ["0000:00:1f.0", "0000:00:1f.3"] and
		(.evidence | index("iommu_group 5 also holds 0000:00:1f.0 bound to lpc_ich")) and
		(.hint | startswith("the group holds 0000:00:1f.0, part of the chipset, which stays with the host"))'
}

@test "group-shared: the rest of the group is listed when it goes along, absent for a group of one" {
	# (not assignable: eth1 on 01:00.0 is up, host-in-use; group-shared is said all the same)
	run --separate-stderr pp --sysroot "$(snapshot multifunction)" explain --json 01:00.0 01:00.1 01:00.2
	assert_failure 1
	echo "$output" | jq -e '[.functions[] | .findings[] | select(.code == "host-in-use") | .related] == [[]]'
	echo "$output" | jq -e '[.functions[] | .findings[] | select(.code == "group-shared") | .related] ==
		[["0000:01:00.1", "0000:01:00.2"], ["0000:01:00.0", "0000:01:00.2"], ["0000:01:00.0", "0000:01:00.1"]]'
	run findings "$(snapshot rootports)" 01:00.0
	refute_output --partial group-shared
}

@test "conventional-bridge: devices behind the PCIe-to-PCI bridge, not those behind root ports" {
	run findings "$(snapshot pcibridge)" 02:02.0 03:00.0
	assert_output "0000:02:02.0 group-not-viable:blocker bus-reset-scope:warning no-flr:warning conventional-bridge:warning host-driver-bound:info
0000:03:00.0 host-in-use:blocker host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:02.0
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "conventional-bridge") |
		.related == ["0000:02:01.0"] and (.evidence | index("0000:01:00.0: PCIe port type 7 (pcie-to-pci-bridge)"))'
}

@test "no-acs: a multifunction device without ACS names itself; a group of one says nothing" {
	run findings "$(snapshot multifunction)" 01:00.0 01:00.1 01:00.2
	assert_output "0000:01:00.0 host-in-use:blocker stale-reset-method:warning group-shared:info no-acs:info host-driver-bound:info
0000:01:00.1 group-shared:info no-acs:info host-driver-bound:info
0000:01:00.2 no-flr:warning pm-reset-only:info group-shared:info no-acs:info host-driver-bound:info"
	# the switch's devices share a group only with their own downstream port
	run findings "$(snapshot switch)" 03:00.0 04:00.0
	assert_output "0000:03:00.0 host-in-use:blocker host-driver-bound:info
0000:04:00.0 no-flr:warning pm-reset-only:info host-driver-bound:info"
	run findings "$(snapshot rootports)" 01:00.0
	refute_output --partial no-acs
}

@test "no-flr: e1000e and conventional devices lack it, virtio and nvme have it" {
	run findings "$(snapshot rootports)" 01:00.0 02:00.0 03:00.0
	assert_output "0000:01:00.0 host-in-use:blocker host-driver-bound:info
0000:02:00.0 no-flr:warning pm-reset-only:info host-driver-bound:info
0000:03:00.0 host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 02:00.0
	echo "$output" | jq -e '.functions[0].findings[0] | .code == "no-flr" and
		(.evidence | index("0000:02:00.0: PCIe DevCap bit 28 (FLR) clear"))'
}

@test "no-reset: no function-level reset and no VFIO reset set (root bus); not where a bus reset reaches it" {
	run findings "$(snapshot rootports)" 00:1f.2 00:1f.3
	assert_output "0000:00:1f.2 group-not-viable:blocker no-reset:warning no-flr:warning multifunction-partial:warning missing-function0:info group-shared:info no-acs:info host-driver-bound:info
0000:00:1f.3 group-not-viable:blocker no-reset:warning no-flr:warning multifunction-partial:warning missing-function0:info group-shared:info no-acs:info host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 00:1f.2
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "no-reset") |
		.severity == "warning" and .evidence == ["0000:00:1f.2: no reset_method attribute: the kernel found no method"] and
		(.message | contains("root bus"))'
	echo "$output" | jq -e '.functions[0].reset == {"function_reset": null, "reset_set": [], "set_reset": false}'
	# behind a PCIe-to-PCI bridge the bus reset reaches it: bus-reset-scope, not no-reset
	run findings "$(snapshot pcibridge)" 02:02.0
	refute_output --partial no-reset
	run findings "$(snapshot rootports)" 02:00.0
	refute_output --partial no-reset
}

@test "bus-reset-scope: warning while a reset-set member is outside the set, info when the set covers it" {
	run findings "$(snapshot pcibridge)" 02:01.0
	assert_output "0000:02:01.0 group-not-viable:blocker bus-reset-scope:warning stale-reset-method:warning no-flr:warning conventional-bridge:warning subpage-bar:info host-driver-bound:info"
	# the whole conventional segment together: VFIO resets it with a hot reset (design: the kernel decides)
	run findings "$(snapshot pcibridge)" 02:01.0 02:02.0
	assert_output "0000:02:01.0 stale-reset-method:warning no-flr:warning conventional-bridge:warning bus-reset-scope:info subpage-bar:info group-shared:info host-driver-bound:info
0000:02:02.0 no-flr:warning conventional-bridge:warning bus-reset-scope:info group-shared:info host-driver-bound:info"
	run pp --sysroot "$(snapshot pcibridge)" explain 02:01.0 02:02.0
	assert_success
	# pm bus: a function-level reset exists, so the bus reset is not the only one
	run findings "$(snapshot rootports)" 02:00.0
	refute_output --partial bus-reset-scope
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:01.0
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "bus-reset-scope") |
		.related == ["0000:02:02.0"] and
		.evidence == ["0000:02:01.0/reset_method: bus", "reset set: everything below 0000:01:00.0 (vfio_pci_dev_set_hot_reset)"] and
		.hint == "assign 0000:02:02.0 with it (bound to vfio-pci) so VFIO can reset the set"'
	echo "$output" | jq -e '.functions[0].reset == {"function_reset": null, "reset_set": ["0000:02:01.0", "0000:02:02.0"], "set_reset": false}'
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:01.0 02:02.0
	echo "$output" | jq -e '[.functions[].reset.set_reset] == [true, true]'
}

@test "stale-reset-method: bus listed while others now share the bus; not for a function alone on it" {
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:01.0
	echo "$output" | jq -e '[.functions[0].findings[] | select(.code == "stale-reset-method")] | length == 1'
	run findings "$(snapshot multifunction)" 01:00.0 01:00.1
	assert_output "0000:01:00.0 group-not-viable:blocker host-in-use:blocker stale-reset-method:warning multifunction-partial:warning group-shared:info no-acs:info host-driver-bound:info
0000:01:00.1 group-not-viable:blocker multifunction-partial:warning group-shared:info no-acs:info host-driver-bound:info"
	# the SR-IOV PF listed bus before its VFs appeared on bus 02
	run findings "$(snapshot sriov)" 02:00.0
	assert_output "0000:02:00.0 sriov-pf-enabled:blocker stale-reset-method:warning host-driver-bound:info"
	run findings "$(snapshot rootports)" 02:00.0 03:00.0
	refute_output --partial stale-reset-method
}

@test "pm-reset-only: pm is the only function-level reset; not when flr is there too" {
	run findings "$(snapshot multifunction)" 01:00.2
	assert_output "0000:01:00.2 group-not-viable:blocker no-flr:warning multifunction-partial:warning pm-reset-only:info missing-function0:info no-acs:info host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 02:00.0
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "pm-reset-only") |
		.evidence == ["0000:02:00.0/reset_method: pm bus", "0000:02:00.0: PM capability, PMCSR NoSoftRst=0"]'
	# virtio-net: flr pm bus
	run findings "$(snapshot multifunction)" 01:00.0 01:00.1 01:00.2
	assert_line --index 0 --partial "0000:01:00.0 "
	refute_line --index 0 --partial pm-reset-only
	refute_line --index 1 --partial pm-reset-only
}

@test "subpage-bar: info, mapped on the RTL8139's own page, trapped when a bridge BAR shares it, absent for 4 KiB BARs" {
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:01.0
	echo "$output" | jq -e '[.functions[0].findings[] | select(.code == "subpage-bar")] |
		length == 1 and .[0].severity == "info" and .[0].related == [] and
		.[0].evidence == ["0000:02:01.0/resource line 1: 0xfe4a0000-0xfe4a00ff", "page size 4096"]'
	run findings "$(snapshot derived/pcibridge-shared-page)" 02:01.0
	assert_output "0000:02:01.0 group-not-viable:blocker bus-reset-scope:warning stale-reset-method:warning no-flr:warning conventional-bridge:warning subpage-bar:info host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot derived/pcibridge-shared-page)" explain --json 02:01.0
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "subpage-bar") |
		.related == ["0000:01:00.0"] and (.message | endswith("(slower, never unsafe).")) and
		.hint == "nothing to do for safety; for speed, boot with pci=resource_alignment=0000:02:01.0 so the kernel gives its BARs whole pages"'
	run findings "$(snapshot rootports)" 00:01.0 01:00.0 02:00.0 03:00.0
	refute_output --partial subpage-bar
}

@test "unaligned-bar: a BAR off a page boundary in another device's page; never on SeaBIOS layouts" {
	run findings "$(snapshot derived/pcibridge-unaligned-bar)" 02:01.0
	assert_output "0000:02:01.0 group-not-viable:blocker bus-reset-scope:warning stale-reset-method:warning no-flr:warning conventional-bridge:warning unaligned-bar:info host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot derived/pcibridge-unaligned-bar)" explain --json 02:01.0
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "unaligned-bar") |
		.related == ["0000:01:00.0"] and
		.evidence == ["0000:02:01.0/resource line 1: 0xfe600100-0xfe6001ff",
			      "0000:01:00.0/resource line 0: 0xfe600000-0xfe6000ff", "page size 4096"]'
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		run findings_all "$dir"
		assert_line --regexp '^0000:00:00\.0 '
		refute_output --partial unaligned-bar
	done
}

@test "missing-function0: function 1 alone is refused, with function 0 it is not; SR-IOV VFs are exempt" {
	run findings "$(snapshot multifunction)" 01:00.1
	assert_output "0000:01:00.1 group-not-viable:blocker multifunction-partial:warning missing-function0:info no-acs:info host-driver-bound:info"
	run findings "$(snapshot multifunction)" 01:00.0 01:00.1
	refute_output --partial missing-function0
	run findings "$(snapshot sriov)" 02:00.2
	assert_output "0000:02:00.2 sriov-vf:info"
	run --separate-stderr pp --sysroot "$(snapshot multifunction)" explain --json 01:00.1
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "missing-function0") |
		.related == ["0000:01:00.0"] and .severity == "info" and
		.hint == "give it guest function 0 (--libvirt-xml and --qemu-args place it so)"'
	# never advise adding the host's LPC bridge
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 00:1f.2
	refute_output --partial "add 0000:00:1f.0"
}

@test "multifunction-partial: functions left out of the set are named; the whole device or a PF with VFs is quiet" {
	run --separate-stderr pp --sysroot "$(snapshot multifunction)" explain --json 01:00.0 01:00.1
	echo "$output" | jq -e '[.functions[] | .findings[] | select(.code == "multifunction-partial") | .related] ==
		[["0000:01:00.2"], ["0000:01:00.2"]]'
	run findings "$(snapshot multifunction)" 01:00.0 01:00.1 01:00.2
	refute_output --partial multifunction-partial
	run findings "$(snapshot sriov)" 02:00.0
	refute_output --partial multifunction-partial
}

@test "boot-vga: the boot display only" {
	run findings "$(snapshot rootports)" 00:01.0
	assert_output "0000:00:01.0 host-in-use:blocker no-reset:warning no-flr:warning boot-vga:warning host-driver-bound:info"
	# every QEMU guest has exactly one boot VGA, bochs-drm at 00:01.0
	for s in rootports pcibridge multifunction switch sriov noiommu vfio; do
		dir=$(snapshot "$s")
		run findings_all "$dir"
		assert_line --regexp '^0000:00:00\.0 '
		[ "$(grep boot-vga <<< "$output" | cut -d' ' -f1)" = "0000:00:01.0" ]
	done
}

@test "host-in-use: an interface that is up or a framebuffer; a NIC whose link is down is only bound" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 01:00.0 00:01.0
	echo "$output" | jq -e '[.functions[] | .findings[] | select(.code == "host-in-use") | .evidence] ==
		[["net/eth1: operstate up, IPv6 address in proc/net/if_inet6"], ["graphics/fb0 belongs to 0000:00:01.0"]]'
	echo "$output" | jq -e '.functions[0].findings[0].message ==
		"0000:01:00.0 (Virtio 1.0 network device) is in use by the host (interface eth1 is up with addresses): taking it away cuts that off."'
	run findings "$(snapshot rootports)" 02:00.0
	refute_output --partial host-in-use
}

@test "host-driver-bound: a host driver, but not vfio-pci and not an unbound VF" {
	run findings "$(snapshot vfio)" 02:00.0 03:00.0 01:00.0
	assert_output "0000:02:00.0 no-flr:warning pm-reset-only:info
0000:03:00.0 
0000:01:00.0 host-in-use:blocker host-driver-bound:info"
	run findings "$(snapshot sriov)" 02:00.3
	assert_output "0000:02:00.3 sriov-vf:info"
}

@test "no-interrupt-remapping: blocker with intremap=off, warning once allow_unsafe_interrupts is Y, silent when on" {
	run findings "$(snapshot derived/vfio-nointremap)" 03:00.0
	assert_output "host no-interrupt-remapping:blocker
0000:03:00.0 "
	run pp --sysroot "$(snapshot derived/vfio-nointremap)" explain 03:00.0
	assert_failure 1
	run findings "$(snapshot derived/vfio-nointremap-unsafe)" 03:00.0
	assert_output "host no-interrupt-remapping:warning
0000:03:00.0 "
	run pp --sysroot "$(snapshot derived/vfio-nointremap-unsafe)" explain 03:00.0
	assert_success
	run findings "$(snapshot vfio)" 03:00.0
	assert_output "0000:03:00.0 "
	run --separate-stderr pp --sysroot "$(snapshot derived/vfio-nointremap)" explain --json 03:00.0
	echo "$output" | jq -e '.host.findings[0] | .scope == "host" and
		.evidence == ["sys/kernel/irq/*/chip_name: MSI chips without IR- (not remapped)",
			      "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts: N"] and
		.hint == "remove intremap=off from the kernel command line"'
}

@test "bus-range-mismatch: a function outside its bridge's bus range; never on the real captures" {
	run findings "$(snapshot derived/switch-bus-range)" 01:00.0
	assert_output "0000:01:00.0 not-endpoint:blocker bus-range-mismatch:info"
	run --separate-stderr pp --sysroot "$(snapshot derived/switch-bus-range)" explain --json 01:00.0
	echo "$output" | jq -e '.functions[0].findings[1].related == ["0000:00:02.0"]'
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		run findings_all "$dir"
		assert_line --regexp '^0000:00:00\.0 '
		refute_output --partial bus-range-mismatch
	done
}

@test "sriov-vf: the VFs name their PF and its driver; the PF is not a VF" {
	run findings "$(snapshot sriov)" 02:00.1 02:00.0
	assert_output "0000:02:00.1 sriov-vf:info
0000:02:00.0 sriov-pf-enabled:blocker stale-reset-method:warning host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot sriov)" explain --json 02:00.1
	echo "$output" | jq -e '.functions[0].findings[0] | .related == ["0000:02:00.0"] and
		.evidence == ["0000:02:00.1/physfn -> 0000:02:00.0", "0000:02:00.0/driver -> nvme"] and
		(.message | endswith("whose driver nvme must stay loaded while a guest uses it."))'
}

@test "limited-access: config cut to 64 bytes says so, and never reports an FLR it could not see" {
	run findings_all "$(snapshot derived/pcibridge-nonroot)"
	assert_line --index 0 "host limited-access:info"
	assert_line "0000:02:01.0 group-not-viable:blocker bus-reset-scope:warning stale-reset-method:warning no-flr:warning conventional-bridge:warning subpage-bar:info host-driver-bound:info"
	assert_line "0000:02:02.0 group-not-viable:blocker bus-reset-scope:warning conventional-bridge:warning host-driver-bound:info"
	assert_line "0000:03:00.0 host-in-use:blocker host-driver-bound:info"
	# said once for the host, on no function
	[ "$(grep -c 'limited-access' <<< "$output")" -eq 1 ]
	# 02:02.0 has no reset_method: as root its missing FLR shows, as non-root it cannot be seen
	run findings "$(snapshot pcibridge)" 02:02.0
	assert_output --partial " no-flr:warning"
	# 02:01.0: no-flr from the kernel's reset_method, and the evidence says so
	run --separate-stderr pp --sysroot "$(snapshot derived/pcibridge-nonroot)" explain --json 02:01.0
	echo "$output" | jq -e '.functions[0].findings[] | select(.code == "no-flr") |
		.evidence == ["0000:02:01.0/reset_method: bus (config space beyond 64 bytes unreadable)"]'
	run findings_all "$(snapshot pcibridge)"
	refute_output --partial limited-access
	# text: said once, in the host section
	run pp --sysroot "$(snapshot derived/pcibridge-nonroot)" explain 02:01.0 02:02.0 03:00.0
	[ "$(grep -c 'limited-access' <<< "$output")" -eq 1 ]
	assert_line --index 0 "host: kernel 6.1.0-57-amd64"
	assert_line --index 1 --partial "  info     limited-access: Config space beyond the first 64 bytes is unreadable"
}

@test "no-iommu-group: the IOMMU is on but the function has none; never where every function has a group" {
	run findings "$(snapshot derived/rootports-no-group)" 03:00.0
	assert_output "0000:03:00.0 no-iommu-group:blocker host-driver-bound:info"
	run findings "$(snapshot rootports)" 03:00.0
	refute_output --partial no-iommu-group
	# with no IOMMU at all, iommu-disabled says it instead
	run findings "$(snapshot noiommu)" 03:00.0
	refute_output --partial no-iommu-group
}

@test "direct-mapping-required: a direct reserved region blocks the group; msi regions do not" {
	run findings "$(snapshot derived/rootports-direct-region)" 03:00.0
	assert_output "0000:03:00.0 direct-mapping-required:blocker host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot derived/rootports-direct-region)" explain --json 03:00.0
	assert_failure 1
	echo "$output" | jq -e '.functions[0].findings[0].evidence ==
		["iommu_groups/8/reserved_regions: 0x000000007d000000 0x000000007f7fffff direct"]'
	run findings "$(snapshot rootports)" 03:00.0
	refute_output --partial direct-mapping-required
}

@test "sriov-pf-enabled: a PF with VFs enabled is refused (vfio-pci: EBUSY); its VFs and other endpoints are not" {
	run --separate-stderr pp --sysroot "$(snapshot sriov)" explain --json 02:00.0
	assert_failure 1
	echo "$output" | jq -e '.functions[0].findings[0] | .code == "sriov-pf-enabled" and
		.evidence == ["0000:02:00.0/sriov_numvfs: 3"] and (.hint | contains("sriov_numvfs"))'
	run findings "$(snapshot sriov)" 02:00.1
	refute_output --partial sriov-pf-enabled
	run findings "$(snapshot rootports)" 03:00.0
	refute_output --partial sriov-pf-enabled
}

@test "acs-override: said once for the host when the command line has pcie_acs_override" {
	run findings "$(snapshot derived/rootports-acs-override)" 03:00.0
	assert_output "host acs-override:warning
0000:03:00.0 host-driver-bound:info"
	run pp --sysroot "$(snapshot derived/rootports-acs-override)" explain 02:00.0 03:00.0
	assert_success
	[ "$(grep -c 'acs-override:' <<< "$output")" -eq 1 ]
	run findings "$(snapshot rootports)" 03:00.0
	refute_output --partial acs-override
}

@test "reset-quirk: a device of the kernel's quirk tables, with the table named; not the same device unquirked" {
	run findings "$(snapshot derived/rootports-quirk)" 02:00.0
	assert_output "0000:02:00.0 reset-quirk:warning no-flr:warning pm-reset-only:info host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot derived/rootports-quirk)" explain --json 02:00.0
	echo "$output" | jq -e '.functions[0].findings[0].evidence == ["8086:1502: drivers/pci/quirks.c: quirk_no_flr"]'
	run findings "$(snapshot rootports)" 02:00.0
	refute_output --partial reset-quirk
}

@test "GPU-shaped pair and conventional segment: assignable together, each alone is not reset by VFIO" {
	# the kernel's answer (design §7): the whole segment on vfio-pci gets a working hot reset
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:01.0 02:02.0
	assert_success
	echo "$output" | jq -e '.assignable and ([.functions[].reset.set_reset] == [true, true])'
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:02.0
	echo "$output" | jq -e '.functions[0].reset.set_reset == false'
}

@test "in-use-by-vm: a running guest holds the group; reset and rebind refuse it, whatever the flags" {
	run findings "$(snapshot derived/vfio-in-use)" 03:00.0
	assert_output "0000:03:00.0 in-use-by-vm:blocker"
	run --separate-stderr pp --sysroot "$(snapshot derived/vfio-in-use)" explain --json 03:00.0
	assert_failure 1
	echo "$output" | jq -e '.functions[0].findings[0].evidence == ["proc/*/fd: pid 4242 (qemu-system-x86, guest win11): /dev/vfio/8"]'
	run findings "$(snapshot vfio)" 03:00.0
	refute_output --partial in-use-by-vm
	for cmd in "reset --dry-run" "reset --dry-run --force-in-use" "reset --dry-run --force-in-use --force-boot-vga" "rebind --dry-run"; do
		# shellcheck disable=SC2086 # cmd's words are meant to split
		run --separate-stderr pp --sysroot "$(snapshot derived/vfio-in-use)" $cmd 03:00.0
		assert_failure 1
		[ -z "$output" ]
		[[ "$stderr" == *"refused: 0000:03:00.0 (QEMU NVM Express Controller) is in use by a running guest"*"(no override)" ]]
	done
	# a snapshot of the tree keeps the holder: it replays the same
	run pp --sysroot "$(snapshot derived/vfio-in-use)" snapshot -o "$BATS_TEST_TMPDIR/copy"
	assert_success
	run findings "$BATS_TEST_TMPDIR/copy" 03:00.0
	assert_output "0000:03:00.0 in-use-by-vm:blocker"
}

@test "--strict: the reset and isolation warnings become blockers and say so; other warnings stay" {
	run pp --sysroot "$(snapshot pcibridge)" explain 02:01.0 02:02.0
	assert_success
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --strict --json 02:01.0 02:02.0
	assert_failure 1
	echo "$output" | jq -e '[.functions[0].findings[] | "\(.code):\(.severity)"] ==
		["no-flr:blocker", "conventional-bridge:blocker", "stale-reset-method:warning", "bus-reset-scope:info", "subpage-bar:info", "group-shared:info", "host-driver-bound:info"]'
	echo "$output" | jq -e '[.functions[0].findings[] | select(.severity == "blocker") | .hint | endswith("(a blocker under --strict: state or DMA may pass between guests)")] == [true, true]'
	# a set with none of those warnings is unchanged
	run findings "$(snapshot rootports)" 03:00.0
	assert_output "0000:03:00.0 host-driver-bound:info"
	run pp --sysroot "$(snapshot rootports)" list --strict
	assert_success
}

@test "host-in-use: swap on the function's disk blocks it; the same disk without swap does not" {
	run findings "$(snapshot derived/rootports-swap)" 03:00.0
	assert_output "0000:03:00.0 host-in-use:blocker host-driver-bound:info"
	run --separate-stderr pp --sysroot "$(snapshot derived/rootports-swap)" explain --json 03:00.0
	echo "$output" | jq -e '.functions[0].findings[0] | (.message | contains("disk nvme0n1 is swap in use")) and
		.evidence == ["proc/swaps: /dev/nvme0n1"] and (.hint | startswith("swapoff nvme0n1"))'
	run findings "$(snapshot rootports)" 03:00.0
	refute_output --partial host-in-use
}
