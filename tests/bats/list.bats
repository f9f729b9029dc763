#!/usr/bin/env bats
# pcipass list on this machine's own /sys (the snapshots come in snapshots.bats).

setup() {
	load common
}

@test "list on the live host lists every function lspci lists" {
	run pp list
	assert_success
	for bdf in $(lspci -D | awk '{print $1}'); do
		assert_output --partial "$bdf"
	done
}

@test "list --json on the live host is one JSON document with the contract fields" {
	run --separate-stderr pp list --json
	assert_success
	echo "$output" | jq -e '.schema == 2 and (.pcipass_version | type == "string") and (.functions | length > 0)'
	echo "$output" | jq -e '[.functions[] | has("address","vendor_id","device_id","vendor_name","device_name","class","driver","iommu_group","reset_methods","parent")] | all'
}

@test "unknown option is a usage error with a hint" {
	run --separate-stderr pp list --bogus
	assert_failure 2
	[[ "$stderr" == *"pcipass: --bogus: unknown option"* ]]
	[[ "$stderr" == *"Try 'pcipass --help'."* ]]
}

@test "unknown command is a usage error" {
	run --separate-stderr pp frobnicate
	assert_failure 2
	[[ "$stderr" == "pcipass: frobnicate: unknown command"* ]]
}

@test "a sysroot that is not a sysfs tree is refused in one line" {
	run --separate-stderr pp --sysroot "$BATS_TEST_TMPDIR" list
	assert_failure 2
	[[ "$stderr" == "pcipass: $BATS_TEST_TMPDIR/sys/bus/pci/devices: not a sysfs tree"* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "a sysroot that does not exist is refused" {
	run --separate-stderr pp --sysroot /nonexistent/x list
	assert_failure 2
	[[ "$stderr" == "pcipass: /nonexistent/x: No such file or directory" ]]
}
