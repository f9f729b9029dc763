#!/usr/bin/env bats
# explain on bad input: one clear line (plus the usage hint), exit 2,
# nothing on stdout; duplicate BDFs are merged, not an error.

setup() {
	load common
	load explain-helpers
}

# refused ARG MESSAGE: explain ARG fails with exactly MESSAGE and the hint.
refused() {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain "$1"
	assert_failure 2
	[ -z "$output" ]
	[ "$stderr" = "$2
Try 'pcipass --help'." ] || { printf 'stderr was:\n%s\n' "$stderr"; false; }
}

@test "a BDF with non-hex digits is refused" {
	refused 0000:zz:00.0 "pcipass: 0000:zz:00.0: not a PCI address (expected [DDDD:]BB:DD.F)"
}

@test "a BDF with too many parts is refused" {
	refused 1:2:3:4 "pcipass: 1:2:3:4: not a PCI address (expected [DDDD:]BB:DD.F)"
}

@test "a path is refused before it reaches sysfs" {
	refused ../x "pcipass: ../x: not a PCI address (expected [DDDD:]BB:DD.F)"
	refused ../../../etc/passwd "pcipass: ../../../etc/passwd: not a PCI address (expected [DDDD:]BB:DD.F)"
}

@test "out-of-range device and function numbers are refused" {
	refused 0000:02:20.0 "pcipass: 0000:02:20.0: not a PCI address (expected [DDDD:]BB:DD.F)"
	refused 0000:02:00.8 "pcipass: 0000:02:00.8: not a PCI address (expected [DDDD:]BB:DD.F)"
	refused 0000:100:00.0 "pcipass: 0000:100:00.0: not a PCI address (expected [DDDD:]BB:DD.F)"
}

@test "5,000 characters are cut to 64 in the message" {
	long=$(printf 'a%.0s' $(seq 5000))
	refused "$long" "pcipass: $(printf 'a%.0s' $(seq 64))...: not a PCI address (expected [DDDD:]BB:DD.F)"
}

@test "an empty argument and control characters get a readable message" {
	refused "" "pcipass: an empty argument is not a PCI address (expected [DDDD:]BB:DD.F)"
	refused $'\e[31m02:00.0' "pcipass: \\x1b[31m02:00.0: not a PCI address (expected [DDDD:]BB:DD.F)"
}

@test "an absent function is a runtime error naming it with its domain" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 02:00.0 09:00.0
	assert_failure 2
	[ -z "$output" ]
	[ "$stderr" = "pcipass: 0000:09:00.0: no such PCI function" ]
}

@test "one bad BDF among good ones refuses the whole set" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 02:00.0 03:00.0 zz
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" == "pcipass: zz: not a PCI address"* ]]
}

@test "duplicate BDFs in any spelling are merged into one member" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --json 02:00.0 0000:02:00.0 2:0.0 03:00.0 02:00.0
	assert_success
	[ -z "$stderr" ]
	echo "$output" | jq -e '.set == ["0000:02:00.0", "0000:03:00.0"] and [.functions[].address] == .set'
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 02:00.0 0000:02:00.0
	assert_success
	[ "$(grep -c '^0000:02:00.0 ' <<< "$output")" -eq 1 ]
	assert_line --index -1 "verdict: 0000:02:00.0 can be assigned, 1 warning"
}

@test "no BDF and no --all, or both, are usage errors" {
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain
	assert_failure 2
	[ "$stderr" = "pcipass: explain: needs BDF... (one assignment set), -s/-d or --all
Try 'pcipass --help'." ]
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain --all 02:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: explain: --all and BDF arguments: choose one
Try 'pcipass --help'." ]
	[ -z "$output" ]
}

@test "explain --help describes the set and --all" {
	run --separate-stderr pp explain --help
	assert_success
	assert_line --index 0 "Usage: pcipass [--sysroot DIR] explain [options] BDF..."
	assert_output --partial "judge every function alone, as list does (exit 1 if any has a blocker)"
}
