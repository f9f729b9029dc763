#!/usr/bin/env bats
# explain's text and JSON contracts, its exit status, and the verdicts list
# shows: the same findings rendered three ways.

setup() {
	load common
	load explain-helpers
}

@test "text: lspci-like header, findings with hints beneath, verdict; exactly" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 0000:03:00.0
	assert_success
	assert_output "0000:03:00.0 Non-Volatile memory controller: Red Hat, Inc. QEMU NVM Express
             Controller
  info     host-driver-bound: 0000:03:00.0 (QEMU NVM Express Controller) is
           bound to the host driver nvme.
           hint: \`pcipass unbind 0000:03:00.0\` moves it to vfio-pci; \`pcipass
                 rebind\` gives it back to nvme

verdict: 0000:03:00.0 can be assigned"
	[ -z "$stderr" ]
}

@test "text: a refused set names its blockers in the verdict and exits 1" {
	run --separate-stderr pp --sysroot "$(snapshot multifunction)" explain 01:00.1
	assert_failure 1
	assert_line --index 0 "0000:01:00.1 Ethernet controller: Red Hat, Inc. Virtio 1.0 network device"
	assert_line --index 1 "  blocker  group-not-viable: IOMMU group 4 of 0000:01:00.1 (Virtio 1.0 network"
	assert_line --index -3 "verdict: 0000:01:00.1 cannot be assigned: 1 blocker (group-not-viable), 1"
	assert_line --index -2 "         warning"
	assert_line --index -1 "completed set: 0000:01:00.0 0000:01:00.1 0000:01:00.2"
}

@test "text: a set that can go together says so, with its warnings counted" {
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain 02:01.0 02:02.0
	assert_success
	assert_line --index -1 "verdict: 0000:02:01.0 0000:02:02.0 can be assigned together, 5 warnings"
}

@test "text: every line of every snapshot's explain --all fits 80 columns" {
	for s in $ALL_SNAPSHOTS $DERIVED_TREES; do
		[[ " $DERIVED_TREES " == *" $s "* ]] && s=derived/$s
		dir=$(snapshot "$s")
		run --separate-stderr pp --sysroot "$dir" explain --all -v
		[ "$status" -le 1 ]
		assert_line --index 0 --regexp '^(host|0000:00:00\.0)'
		run awk -v s="$s" 'length($0) > 80 { print s ": " length($0) ": " $0 }' <<< "$output"
		assert_output ""
	done
}

@test "text: findings run from most to least serious for every function" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		run pp --sysroot "$dir" explain --all
		# severity ranks per function block, in output order, must never rise
		run awk '/^(host|[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:)/ { last = 3 }
			 /^  (blocker|warning|info) / { r = $1 == "blocker" ? 2 : $1 == "warning" ? 1 : 0
				if (r > last) print "out of order: " $0; last = r }' <<< "$output"
		assert_output ""
	done
}

@test "text and JSON: host-wide findings are said once for the set" {
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" explain 01:00.0 02:00.0 03:00.0
	assert_failure 1
	assert_line --index 0 "host: kernel 6.1.0-57-amd64"
	assert_line --index 1 "  blocker  iommu-disabled: No IOMMU is active on this host (no IOMMU groups), so"
	[ "$(grep -c 'iommu-disabled' <<< "$output")" -eq 2 ]	# the finding and the verdict
	assert_line --index -2 "verdict: 0000:01:00.0 0000:02:00.0 0000:03:00.0 cannot be assigned together: 2"
	assert_line --index -1 "         blockers (iommu-disabled, host-in-use), 1 warning"
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" explain --json 01:00.0 02:00.0 03:00.0
	echo "$output" | jq -e '[.host.findings[] | .code + "/" + .scope] == ["iommu-disabled/host"] and
		([.functions[] | .findings[] | select(.scope == "host")] == []) and
		([.functions[].assignable] == [false, false, false])'
}

@test "text: -v adds the evidence under each finding" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" -v explain 02:00.0
	assert_success
	assert_line "           evidence: 0000:02:00.0: PCIe DevCap bit 28 (FLR) clear"
	assert_line "           evidence: 0000:02:00.0/reset_method: pm bus"
	assert_line "           evidence: 0000:02:00.0/driver -> e1000e"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 02:00.0
	refute_output --partial evidence:
}

@test "text: --all judges each function alone and counts the ones that can go" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --all
	assert_failure 1
	assert_line --index -1 "verdict: 2 of 11 functions can be assigned on their own"
	[ "$(grep -c '^0000:' <<< "$output")" -eq 11 ]
}

@test "exit status: 0 when the set can go (warnings allowed), 1 with a blocker" {
	run pp --sysroot "$(snapshot rootports)" explain 02:00.0
	assert_success
	assert_output --partial "verdict: 0000:02:00.0 can be assigned, 1 warning"
	run pp --sysroot "$(snapshot rootports)" explain --json 02:00.0
	assert_success
	run pp --sysroot "$(snapshot rootports)" explain 00:1f.2
	assert_failure 1
	run pp --sysroot "$(snapshot rootports)" explain --json 00:1f.2
	assert_failure 1
	# --all: 1 when any function has a blocker, 0 when none has
	run pp --sysroot "$(snapshot rootports)" explain --all --json
	assert_failure 1
}

@test "JSON: the set, its verdict and each function's verdict and findings" {
	run --separate-stderr pp --sysroot "$(snapshot multifunction)" explain --json 01:00.1 01:00.0
	assert_failure 1
	echo "$output" | jq -e '.schema == 2 and .judged == "together" and
		.set == ["0000:01:00.1", "0000:01:00.0"] and .assignable == false and
		[.functions[] | {address, assignable}] ==
			[{"address": "0000:01:00.1", "assignable": false}, {"address": "0000:01:00.0", "assignable": false}]'
	echo "$output" | jq -e '.functions[1].findings[0] | keys == ["code", "evidence", "hint", "message", "related", "scope", "severity"]'
	run --separate-stderr pp --sysroot "$(snapshot multifunction)" explain --all --json
	echo "$output" | jq -e '.judged == "alone" and .set == null and .assignable == false and (.functions | length) == 9'
}

@test "JSON: list --json and explain --json of every snapshot validate against the schema" {
	for s in $ALL_SNAPSHOTS $DERIVED_TREES; do
		[[ " $DERIVED_TREES " == *" $s "* ]] && s=derived/$s
		dir=$(snapshot "$s")
		for args in "list --json" "explain --all --json" "explain --json 00:00.0"; do
			# shellcheck disable=SC2086 # the words of args are meant to split
			run --separate-stderr pp --sysroot "$dir" $args
			[ "$status" -le 1 ]
			echo "$output" | jq -e '.functions | length > 0'
			run validate_schema <<< "$output"
			assert_success
		done
	done
}

@test "JSON: the schema rejects a wrong verdict, an unknown code and a finding without evidence" {
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain --json 02:01.0
	doc=$output
	run validate_schema <<< "$(jq '.assignable = true' <<< "$doc")"
	assert_failure
	run validate_schema <<< "$(jq '.functions[0].assignable = true' <<< "$doc")"
	assert_failure
	run validate_schema <<< "$(jq '.functions[0].findings[0].code = "bogus"' <<< "$doc")"
	assert_failure
	assert_output --partial "'bogus' is not one of"
	run validate_schema <<< "$(jq '.functions[0].findings[0].evidence = []' <<< "$doc")"
	assert_failure
	run validate_schema <<< "$doc"
	assert_success
}

@test "JSON: the schema lists exactly the catalogue's codes" {
	run jq -r '."$defs".finding.properties.code.enum[]' "$TOP_SRCDIR/schema/pcipass.schema.json"
	assert_output "iommu-disabled
no-interrupt-remapping
not-endpoint
no-iommu-group
direct-mapping-required
sriov-pf-enabled
group-not-viable
host-in-use
in-use-by-vm
boot-takes-host-device
acs-override
no-reset
bus-reset-scope
stale-reset-method
reset-quirk
no-flr
conventional-bridge
boot-vga
multifunction-partial
boot-id-shared
pm-reset-only
subpage-bar
unaligned-bar
missing-function0
group-shared
no-acs
host-driver-bound
boot-override
sriov-vf
bus-range-mismatch
limited-access
limited-evidence"
	# and every one of them fires somewhere in the real and derived trees
	all=""
	for s in $ALL_SNAPSHOTS $DERIVED_TREES; do
		[[ " $DERIVED_TREES " == *" $s "* ]] && s=derived/$s
		dir=$(snapshot "$s")
		all+=$(pp --sysroot "$dir" explain --all --json | jq -r '(.host.findings[].code), (.functions[].findings[].code)')$'\n'
	done
	# limited-evidence is about lspci listings (--from-lspci) only
	all+=$(pp --from-lspci "$TOP_SRCDIR/tests/lspci-dumps/switch.x.txt" explain --all --json |
		jq -r '.host.findings[].code')$'\n'
	# the whole-set-only codes: group-shared needs its group in the set
	all+=$(findings "$(snapshot multifunction)" 01:00.0 01:00.1 01:00.2)
	run jq -r '."$defs".finding.properties.code.enum[]' "$TOP_SRCDIR/schema/pcipass.schema.json"
	for code in "${lines[@]}"; do
		[[ "$all" == *"$code"* ]] || { echo "never fires: $code"; false; }
	done
}

@test "list: VERDICT judges each function alone: ok, warn, or the first blocker's code" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" list -o SLOT,VERDICT --noheadings
	assert_success
	run awk '{ print $1, $NF }' <<< "SLOT VERDICT
$output"
	assert_output "SLOT VERDICT
0000:00:00.0 not-endpoint
0000:00:01.0 host-in-use
0000:00:02.0 not-endpoint
0000:00:03.0 not-endpoint
0000:00:04.0 not-endpoint
0000:00:1f.0 not-endpoint
0000:00:1f.2 group-not-viable
0000:00:1f.3 group-not-viable
0000:01:00.0 host-in-use
0000:02:00.0 warn
0000:03:00.0 ok"
}

@test "list --json: assignable and findings are those of explain --all, function by function" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		a=$(pp --sysroot "$dir" list --json | jq -c '[.functions[] | {address, assignable, findings}]')
		b=$(pp --sysroot "$dir" explain --all --json | jq -c '[.functions[] | {address, assignable, findings}]')
		[ "$a" = "$b" ]
		[ "$(jq length <<< "$a")" -gt 0 ]
	done
	run --separate-stderr pp --sysroot "$(snapshot sriov)" list --json -s 02:00.1
	echo "$output" | jq -e '[.functions[] | {address, assignable, codes: [.findings[].code]}] ==
		[{"address": "0000:02:00.1", "assignable": true, "codes": ["sriov-vf"]}]'
}

@test "completed set: the companions a set needs, ready to paste; none when the chipset would have to come" {
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain 02:01.0
	assert_failure 1
	assert_line --index -1 "completed set: 0000:02:01.0 0000:02:02.0"
	# pasted, it is assignable
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" explain 0000:02:01.0 0000:02:02.0
	assert_success
	refute_output --partial "completed set:"
	run --separate-stderr pp --sysroot "$(snapshot gpu)" explain --json 01:00.1
	echo "$output" | jq -e '.completed_set == ["0000:01:00.0", "0000:01:00.1"]'
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 00:1f.2
	assert_line --index -1 "completed set: none: 0000:00:1f.0, part of the chipset, would have to come along"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 00:1f.2
	echo "$output" | jq -e '.completed_set == null'
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --all --json
	echo "$output" | jq -e '.completed_set == null'
}

@test "JSON: a set holding its whole reset set, and a function alone below its port with only a bus reset, validate (bus-reset-scope info has a hint)" {
	run --separate-stderr pp --sysroot "$(snapshot gpu)" explain --json 01:00.0 01:00.1
	echo "$output" | jq -e '[.functions[].findings[] | select(.code == "bus-reset-scope") | .severity] == ["info", "info"]' >/dev/null
	run validate_schema <<< "$output"
	assert_success
	run --separate-stderr pp --sysroot "$(snapshot derived/rootports-no-flr)" explain --json 03:00.0
	echo "$output" | jq -e '[.functions[0].findings[] | select(.code == "bus-reset-scope") | .hint] == ["nothing to do: nothing else sits below 0000:00:04.0, so its bus reset touches only this function"]' >/dev/null
	run validate_schema <<< "$output"
	assert_success
}
