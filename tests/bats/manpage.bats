#!/usr/bin/env bats
# man/pcipass.8: lint-clean, and documenting exactly what the code has:
# its commands, its options, its findings, its JSON members.

setup() {
	load common
	load cli-tables
	MANPAGE=$TOP_SRCDIR/man/pcipass.8
}

# The lines of one .SH section of the man page source.
man_section() {
	awk -v want="$1" '/^\.SH / { sub(/^\.SH +"?/, ""); sub(/"$/, ""); on = ($0 == want); next } on' "$MANPAGE"
}

@test "groff -man -ww -z prints nothing" {
	command -v groff || fail "groff is not installed (apt-get install groff)"
	run groff -man -ww -z "$MANPAGE"
	assert_success
	assert_output ""
}

@test "mandoc -Tlint prints nothing" {
	command -v mandoc || skip "mandoc is not installed"
	run mandoc -Tlint "$MANPAGE"
	assert_success
	assert_output ""
}

@test "the man page has a section for exactly the commands of the command table" {
	diff -u <(code_commands | cut -f1 | sort) <(man_commands | sort)
	# and the SYNOPSIS shows each of them
	local name
	for name in $(code_commands | cut -f1); do
		man_section SYNOPSIS | grep -qx "\.B \(pcipass \)\{0,1\}$name\( .*\)\{0,1\}" ||
			fail "SYNOPSIS does not show $name"
	done
}

@test "each command's options in the man page are exactly those of its option table" {
	run man_options
	assert_success
	diff -u <(code_options | awk -F '\t' '$1 != "*" { print $1 "\t" $2 "\t" $3 "\t" ($4 == "-" ? "-" : "ARG") }' | sort) \
		<(man_options | awk -F '\t' '$1 != "*"' | sort)
}

@test "OPTIONS documents exactly the global options" {
	diff -u <(code_options | awk -F '\t' '$1 == "*" { print $2 "\t" $3 "\t" ($4 == "-" ? "-" : "ARG") }' | sort) \
		<(man_options | awk -F '\t' '$1 == "*" { print $2 "\t" $3 "\t" $4 }' | sort)
}

@test "FINDINGS documents exactly the codes of the checks table, with their severity" {
	run code_findings
	assert_success
	[ "$(code_findings | wc -l)" -ge 22 ]
	diff -u <(code_findings | sort) <(man_findings | sort)
}

@test "every finding code the program emits on the snapshots is in FINDINGS" {
	local name codes=
	for name in $ALL_SNAPSHOTS; do
		[ -f "$SNAPSHOTS/$name.tar.gz" ] || continue
		run --separate-stderr pp --sysroot "$(snapshot "$name")" list --json
		assert_success
		codes+=$(printf '%s\n' "$output" | jq -r '.functions[].findings[]?.code')$'\n'
	done
	codes=$(printf '%s' "$codes" | sed '/^$/d' | sort -u)
	[ -n "$codes" ] || fail "no findings in list --json on any snapshot"
	local c
	for c in $codes; do
		man_findings | cut -f1 | grep -qx -- "$c" || fail "$c is emitted but not in FINDINGS"
	done
}

@test "JSON OUTPUT names every member list --json and explain --json emit, and the schema version" {
	local name json
	json=$(for name in $ALL_SNAPSHOTS; do
		[ -f "$SNAPSHOTS/$name.tar.gz" ] || continue
		pp --sysroot "$(snapshot "$name")" list --json 2>/dev/null
		# exit 1 (blockers) is a verdict; only 2 is an error
		pp --sysroot "$(snapshot "$name")" explain --all --json 2>/dev/null || [ $? -eq 1 ]
		pp --sysroot "$(snapshot "$name")" explain --json 0000:00:00.0 2>/dev/null || [ $? -eq 1 ]
	done)
	[ -n "$json" ]
	local section
	section=$(man_section "JSON OUTPUT")
	local key
	for key in $(printf '%s\n' "$json" | jq -r 'keys[]' | sort -u) \
		$(printf '%s\n' "$json" | jq -r '.host | keys[]' | sort -u) \
		$(printf '%s\n' "$json" | jq -r '.functions[] | keys[]' | sort -u) \
		$(printf '%s\n' "$json" | jq -r '.functions[].findings[]? | keys[]' | sort -u); do
		printf '%s\n' "$section" | grep -q "^\.BR\{0,1\} $key\( \|\$\)" ||
			fail "JSON OUTPUT does not name the member $key"
	done
	local emitted
	emitted=$(printf '%s\n' "$json" | jq -s 'map(.schema) | unique | .[]')
	printf '%s\n' "$section" | grep -qx "(an integer, $emitted for this version, incremented on any change that breaks a" ||
		fail "JSON OUTPUT does not give schema $emitted"
}

@test ".TH carries the package version of configure.ac" {
	local v
	v=$(sed -n 's/^AC_INIT(\[pcipass\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")
	run grep '^\.TH ' "$MANPAGE"
	assert_output --regexp "^\.TH PCIPASS 8 [0-9]{4}-[0-9]{2}-[0-9]{2} \"pcipass $v\" \"System Administration\"\$"
}

@test "EXIT STATUS gives exactly the codes of util.h" {
	diff -u <(sed -n 's/^[[:space:]]*PP_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$TOP_SRCDIR/src/util.h") \
		<(man_section "EXIT STATUS" | awk 'prev == ".TP" { print $2 } { prev = $1 }')
}

@test "the sections the issue asks for are all there, in order" {
	run sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$MANPAGE"
	assert_output "NAME
SYNOPSIS
DESCRIPTION
COMMANDS
OPTIONS
ADDRESSES
FINDINGS
JSON OUTPUT
EXIT STATUS
ENVIRONMENT
FILES
NOTES
EXAMPLES
SEE ALSO"
}

@test "SEE ALSO names lspci(8), setpci(8), driverctl(8) and virsh(1)" {
	run man_section "SEE ALSO"
	local ref
	for ref in "lspci (8)," "setpci (8)," "driverctl (8)," "virsh (1),"; do
		assert_line ".BR $ref"
	done
}

@test "FILES names the state directory and where make install puts the schema" {
	run man_section FILES
	assert_line ".IR \\%/run/pcipass/ BDF"
	assert_line ".I \\%/run/pcipass/lock"
	assert_line ".I \\%/usr/share/pcipass/pcipass.schema.json"
	# the same path the install rule uses, for prefix /usr
	grep -q '^dist_pkgdata_DATA = schema/pcipass.schema.json$' "$TOP_SRCDIR/Makefile.am"
	assert_line ".I \\%/usr/share/pcipass/pcipass\\-diff.schema.json"
	grep -q '^dist_pkgdata_DATA += schema/pcipass-diff.schema.json$' "$TOP_SRCDIR/Makefile.am"
}

@test "the man page renders on an 80-column terminal without overlong lines" {
	command -v groff || fail "groff is not installed"
	run bash -c "groff -man -Tascii -P-cbou '$MANPAGE' | awk 'length > 78'"
	assert_success
	assert_output ""
}

@test "ENVIRONMENT is true: COLUMNS sizes the table on a terminal that reports no size" {
	command -v script || skip "script(1) is not installed"
	local snap
	snap=$(snapshot rootports)
	run script -qec "stty cols 0 rows 0; COLUMNS=80 '$PCIPASS' --sysroot '$snap' list" /dev/null
	assert_success
	local widest
	widest=$(printf '%s\n' "$output" | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' | awk '{ if (length > w) w = length } END { print w }')
	[ "$widest" -le 80 ] || fail "widest line $widest > 80"
	run script -qec "stty cols 0 rows 0; COLUMNS=200 '$PCIPASS' --sysroot '$snap' list" /dev/null
	widest=$(printf '%s\n' "$output" | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' | awk '{ if (length > w) w = length } END { print w }')
	[ "$widest" -gt 80 ] || fail "widest line $widest <= 80 with COLUMNS=200"
}

@test "the snapshot example of EXAMPLES works as written on a snapshot tarball" {
	grep -qx '\$ pcipass \\-\\-sysroot host.tar.gz list \\-t' "$MANPAGE"
	cp "$SNAPSHOTS/rootports.tar.gz" "$BATS_TEST_TMPDIR/host.tar.gz"
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr pp --sysroot host.tar.gz list -t
	assert_success
	assert_line --regexp '^pci0000:00 '
	assert_line --partial '0000:03:00.0'
}
