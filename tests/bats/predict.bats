#!/usr/bin/env bats
# Group prediction (predict.c): the kernel's pci_device_group computed from
# config space, compared with the groups the real kernels made in the
# snapshots; why BDF names the joining steps; slots, the slot advisor.

setup() {
	load common
}

# partition KEY: the functions grouped by KEY (iommu_group or
# predicted_group) of list --json, over the functions that have a kernel
# group (all of them with IOMMU_OFF=1), one sorted group per line.
partition() {
	local dir=$1 key=$2
	pp --sysroot "$dir" list --json | jq -r --arg k "$key" --arg all "${IOMMU_OFF:-}" '
		[.functions[] | select($all != "" or .iommu_group != null)]
		| group_by(.[$k]) | map(map(.address) | sort | join(" ")) | sort | .[]'
}

@test "the predicted partition is the kernel's on every snapshot with the IOMMU on" {
	local s dir
	for s in rootports pcibridge multifunction switch sriov vfio gpu amdvi; do
		dir=$(snapshot "$s")
		[ "$(partition "$dir" iommu_group)" = "$(partition "$dir" predicted_group)" ] ||
			fail "$s: predicted groups differ from the kernel's"
		run pp --sysroot "$dir" list --json
		assert_success
		echo "$output" | jq -e '.host.group_prediction | .basis == "acs-control" and .matches_kernel == true
			and .differences == []' >/dev/null || fail "$s: host.group_prediction does not say it matches"
	done
}

@test "noiommu (IOMMU off) predicts from ACS capabilities the groups rootports got with the IOMMU on" {
	# noiommu is rootports booted without the IOMMU (tests/sysfs-snapshots/README): same BDFs.
	local off on
	off=$(snapshot noiommu)
	on=$(snapshot rootports)
	[ "$(IOMMU_OFF=1 partition "$off" predicted_group)" = "$(partition "$on" iommu_group)" ]
	run pp --sysroot "$off" list --json
	assert_success
	echo "$output" | jq -e '.host.group_prediction | .basis == "acs-capability" and .matches_kernel == null' >/dev/null
	echo "$output" | jq -e '[.functions[] | .predicted_group | type == "number"] | all' >/dev/null
}

# pair_partition ON DIR KEY: the partition of KEY in DIR over the functions that have a
# kernel group in the capture ON (the AMD IOMMU's own function has none).
pair_partition() {
	local on=$1 dir=$2 key=$3 keep
	keep=$(pp --sysroot "$on" list --json | jq -c '[.functions[] | select(.iommu_group != null) | .address]')
	pp --sysroot "$dir" list --json | jq -r --arg k "$key" --argjson keep "$keep" '
		[.functions[] | select(.address as $a | $keep | index($a))]
		| group_by(.[$k]) | map(map(.address) | sort | join(" ")) | sort | .[]'
}

@test "each IOMMU-off capture predicts, from ACS capabilities, the kernel's groups of its IOMMU-on twin" {
	# The twins are the same QEMU devices booted with and without the IOMMU
	# (tests/sysfs-snapshots/README, "IOMMU-off twins and diff pairs").
	local pair on off want got n=0
	for pair in rootports:noiommu pcibridge:pcibridge-noiommu multifunction:multifunction-noiommu \
		switch:switch-noiommu sriov:sriov-noiommu gpu:gpu-noiommu amdvi:amdvi-noiommu; do
		on=$(snapshot "${pair%%:*}")
		off=$(snapshot "${pair#*:}")
		run pp --sysroot "$off" list --json
		assert_success
		echo "$output" | jq -e '.host.iommu_enabled == false and .host.group_prediction.basis == "acs-capability"
			and ([.functions[] | .iommu_group] | all(. == null))' >/dev/null ||
			fail "${pair#*:}: not an IOMMU-off capture with a prediction from capabilities"
		want=$(pair_partition "$on" "$on" iommu_group)
		got=$(pair_partition "$on" "$off" predicted_group)
		[ -n "$want" ] || fail "${pair%%:*}: no kernel groups"
		[ "$got" = "$want" ] || fail "${pair#*:}: predicted $got, the kernel made $want"
		n=$((n + 1))
	done
	[ "$n" = 7 ]
}

@test "the twins group functions together, not each alone: the comparison can fail" {
	# pcibridge, multifunction, switch and gpu have groups of more than one
	# function; a prediction of one group per function would not pass above.
	local s
	for s in pcibridge multifunction switch gpu; do
		pair_partition "$(snapshot "$s")" "$(snapshot "$s")" iommu_group | grep -q ' ' ||
			fail "$s: no shared group"
		pair_partition "$(snapshot "$s")" "$(snapshot "$s-noiommu")" predicted_group | grep -q ' ' ||
			fail "$s-noiommu: no shared predicted group"
	done
}

@test "the prediction on the new IOMMU-on captures (sriov-novfs, rootports-moved) is their own groups" {
	local s dir
	for s in sriov-novfs rootports-moved; do
		dir=$(snapshot "$s")
		[ "$(partition "$dir" iommu_group)" = "$(partition "$dir" predicted_group)" ] ||
			fail "$s: predicted groups differ from the kernel's"
		run pp --sysroot "$dir" list --json
		echo "$output" | jq -e '.host.group_prediction | .basis == "acs-control" and .matches_kernel == true' >/dev/null ||
			fail "$s: host.group_prediction does not say it matches"
	done
}

@test "quirks from edited copies: an ACS quirk splits a multifunction device, a DMA-alias quirk joins two functions" {
	# derived/README: multifunction with the three functions' ids changed to
	# the 82576 (pci_quirk_mf_endpoint_acs), then function 0 to the Marvell
	# 88SE9123 (quirk_dma_func1_alias).  The kernel's groups are the
	# capture's (one group), so the prediction must differ from them.
	local dir
	dir=$(snapshot derived/multifunction-mf-acs)
	[ "$(partition "$dir" iommu_group | grep '0000:01:')" = "0000:01:00.0 0000:01:00.1 0000:01:00.2" ]
	[ "$(partition "$dir" predicted_group | grep '0000:01:')" = $'0000:01:00.0\n0000:01:00.1\n0000:01:00.2' ]
	run pp --sysroot "$dir" list --json
	echo "$output" | jq -e '.host.group_prediction.matches_kernel == false' >/dev/null
	dir=$(snapshot derived/multifunction-mf-acs-alias)
	[ "$(partition "$dir" predicted_group | grep '0000:01:')" = $'0000:01:00.0 0000:01:00.1\n0000:01:00.2' ]
	run pp --sysroot "$dir" why 01:00.0
	assert_success
	assert_line --index 0 "0000:01:00.0: predicted group 4: 0000:01:00.0 0000:01:00.1"
	assert_line --partial "alias-quirk: DMA-alias quirk quirk_dma_func1_alias"
	# the multifunction capture itself: no quirk, one group
	[ "$(partition "$(snapshot multifunction)" predicted_group | grep '0000:01:')" = "0000:01:00.0 0000:01:00.1 0000:01:00.2" ]
}

@test "every function of list --json and explain --json carries predicted_group" {
	local s
	for s in rootports pcibridge noiommu host; do
		run pp --sysroot "$(snapshot "$s")" list --json
		assert_success
		echo "$output" | jq -e '[.functions[] | has("predicted_group")] | all' >/dev/null || fail "$s: list"
		run pp --sysroot "$(snapshot "$s")" explain --all --json
		echo "$output" | jq -e '[.functions[] | has("predicted_group")] | all' >/dev/null || fail "$s: explain"
	done
}

@test "a tree whose groups the prediction cannot make is flagged; pcie_acs_override alone changes nothing" {
	# rootports-acs-override only adds the option to the command line: the
	# groups are the standard kernel's, so the prediction still matches.
	run pp --sysroot "$SNAPSHOTS/derived/rootports-acs-override.tar.gz" list --json
	assert_success
	echo "$output" | jq -e '.host.group_prediction.matches_kernel == true' >/dev/null
	# the non-root tree has no ACS to read: the multifunction and port tests fail closed
	run pp --sysroot "$SNAPSHOTS/derived/pcibridge-nonroot.tar.gz" list --json
	echo "$output" | jq -e '.host.group_prediction.matches_kernel == false and (.host.group_prediction.differences | length > 0)' >/dev/null
}

@test "why: a conventional device joins its PCIe-to-PCI bridge's group by the DMA alias" {
	run pp --sysroot "$(snapshot pcibridge)" why 02:02.0
	assert_success
	assert_line --index 0 "0000:02:02.0: predicted group 5: 0000:01:00.0 0000:02:01.0 0000:02:02.0"
	assert_line --index 1 "kernel group 5: the same functions"
	assert_line --index 2 "  0000:02:02.0  alias-bridge: its DMA carries the requester ID of pcie-to-pci-bridge 0000:01:00.0: joins that bridge's group"
	assert_line --index 3 "  0000:01:00.0  isolated: root-port 0000:00:02.0 above it and every port up to the root isolate (0000:00:02.0: ACS SV RR CR UF)"
}

@test "why: a switch downstream port without ACS joins its endpoint into its group, naming the bits" {
	run pp --sysroot "$(snapshot switch)" why 04:00.0
	assert_success
	assert_line --index 0 "0000:04:00.0: predicted group 6: 0000:02:01.0 0000:04:00.0"
	assert_line --index 2 "  0000:04:00.0  no-acs: downstream-port 0000:02:01.0 above it does not isolate (lacks ACS SV RR CR UF: no ACS capability): joins its group"
	assert_line --index 3 "  0000:02:01.0  isolated: upstream-port 0000:01:00.0 above it and every port up to the root isolate"
}

@test "why: functions of a multifunction device without ACS share one group" {
	run pp --sysroot "$(snapshot multifunction)" why 01:00.2
	assert_success
	assert_line --index 0 "0000:01:00.2: predicted group 4: 0000:01:00.0 0000:01:00.1 0000:01:00.2"
	assert_line --index 2 "  0000:01:00.2  multifunction: function of multifunction device 0000:01:00 without isolation (lacks ACS SV RR CR UF: no ACS capability): shares its group with 0000:01:00.0 0000:01:00.1"
	run pp --sysroot "$(snapshot rootports)" why 00:1f.3
	assert_line --index 2 "  0000:00:1f.3  multifunction: function of multifunction device 0000:00:1f without isolation (lacks ACS SV RR CR UF: conventional PCI (no PCIe capability): a shared bus): shares its group with 0000:00:1f.0 0000:00:1f.2"
	assert_line --index 3 "  0000:00:1f.3  root-bus: on root bus 0000:00: nothing above it to join"
}

@test "why: with the IOMMU off the group is predicted from ACS capabilities" {
	run pp --sysroot "$(snapshot noiommu)" why 03:00.0
	assert_success
	assert_line --index 0 "0000:03:00.0: predicted group 8 (from ACS capabilities: the IOMMU is off): 0000:03:00.0"
	assert_line --index 1 "  0000:03:00.0  isolated: root-port 0000:00:04.0 above it and every port up to the root isolate (0000:00:04.0: ACS SV RR CR UF capable)"
	run pp --sysroot "$(snapshot noiommu)" why --json 03:00.0
	assert_success
	echo "$output" | jq -e '.why | .from_capability and .iommu_group == null and .steps[0].step == "isolated"' >/dev/null
}

@test "why: a switch endpoint's JSON names the culprit port and the missing bits" {
	run pp --sysroot "$(snapshot switch)" why --json 03:00.0
	assert_success
	echo "$output" | jq -e '.why.steps[0] | .step == "no-acs" and .joins == "0000:02:00.0"
		and .culprit == "0000:02:00.0" and .acs_missing == "SV RR CR UF"' >/dev/null
}

@test "why: a usage error without a BDF, an error for an absent one" {
	run pp --sysroot "$(snapshot rootports)" why
	assert_failure 2
	run pp --sysroot "$(snapshot rootports)" why 0000:09:00.0
	assert_failure 2
}

@test "slots on rootports: exact output" {
	run pp --sysroot "$(snapshot rootports)" slots
	assert_success
	assert_output - <<'EOS'
SLOT ADDRESS    PORT         ISOLATES  LINK                                      A CARD THERE SHARES ITS GROUP WITH
0    0000:01:00 0000:00:02.0 yes (ACS) x1 2.5 GT/s PCIe (max x32 16.0 GT/s PCIe) nothing (a group of its own)
0-2  0000:02:00 0000:00:03.0 yes (ACS) x1 2.5 GT/s PCIe (max x32 16.0 GT/s PCIe) nothing (a group of its own)
0-3  0000:03:00 0000:00:04.0 yes (ACS) x1 2.5 GT/s PCIe (max x32 16.0 GT/s PCIe) nothing (a group of its own)
EOS
}

@test "slots on pcibridge: exact output" {
	run pp --sysroot "$(snapshot pcibridge)" slots
	assert_success
	assert_output - <<'EOS'
SLOT ADDRESS    PORT         ISOLATES              LINK                                      A CARD THERE SHARES ITS GROUP WITH
0    0000:02:00 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
1    0000:02:01 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:02.0
2    0000:02:02 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0
3    0000:02:03 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
4    0000:02:04 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
5    0000:02:05 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
6    0000:02:06 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
7    0000:02:07 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
8    0000:02:08 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
9    0000:02:09 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
10   0000:02:0a 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
11   0000:02:0b 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
12   0000:02:0c 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
13   0000:02:0d 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
14   0000:02:0e 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
15   0000:02:0f 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
16   0000:02:10 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
17   0000:02:11 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
18   0000:02:12 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
19   0000:02:13 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
20   0000:02:14 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
21   0000:02:15 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
22   0000:02:16 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
23   0000:02:17 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
24   0000:02:18 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
25   0000:02:19 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
26   0000:02:1a 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
27   0000:02:1b 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
28   0000:02:1c 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
29   0000:02:1d 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
30   0000:02:1e 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
31   0000:02:1f 0000:01:00.0 no (conventional bus) 33 MHz PCI                                0000:01:00.0 0000:02:01.0 0000:02:02.0
0-2  0000:03:00 0000:00:03.0 yes (ACS)             x1 2.5 GT/s PCIe (max x32 16.0 GT/s PCIe) nothing (a group of its own)
EOS
}

@test "slots on switch: exact output" {
	run pp --sysroot "$(snapshot switch)" slots
	assert_success
	assert_output - <<'EOS'
SLOT ADDRESS    PORT         ISOLATES    LINK             A CARD THERE SHARES ITS GROUP WITH
0    0000:03:00 0000:02:00.0 no (no ACS) x1 2.5 GT/s PCIe 0000:02:00.0
0-2  0000:04:00 0000:02:01.0 no (no ACS) x1 2.5 GT/s PCIe 0000:02:01.0
EOS
}

@test "slots --json: the port, whether it isolates, and who a card would share with" {
	run pp --sysroot "$(snapshot switch)" slots --json
	assert_success
	echo "$output" | jq -e '.slots[0] | .name == "0" and .port == "0000:02:00.0" and .port_type == "downstream-port"
		and .isolates == false and .occupants == ["0000:03:00.0"] and .shares_group_with == ["0000:02:00.0"]' >/dev/null
	run pp --sysroot "$(snapshot rootports)" slots --json
	echo "$output" | jq -e '[.slots[] | .isolates] == [true, true, true]' >/dev/null
}
