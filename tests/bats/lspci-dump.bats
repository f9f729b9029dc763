#!/usr/bin/env bats
# --from-lspci FILE (HACKING, lspci dumps): the listings of tests/lspci-dumps
# are lspci's view of the real-kernel snapshots next to them, so a listing and
# its snapshot must give the same functions, topology, identity, groups,
# drivers, capabilities and verdicts, except where the listing lacks the
# evidence.  Broken files are edited copies made here, from those listings.

setup() {
	load common
	load explain-helpers
	DUMPS=$TOP_SRCDIR/tests/lspci-dumps
}

# The facts of every function a listing must carry over, sorted by address.
FACTS='[.functions[] | {address, vendor_id, device_id, subsystem_vendor_id, subsystem_device_id, class,
	revision, header_type, multifunction, port_type, parent, conventional_bridge, driver, iommu_group,
	predicted_group, flr, af_flr, acs, slot,
	bars: [.bars[] | if .index == 6 then del(.type) else . end]}]'
# The BARs come from the -v text's Region lines and bridge windows; a ROM
# the BIOS shadows (flags) is not in it.  Findings that rest on what lspci
# never shows: host use (mounts, network, swap), boot_vga, reset_method.
LACKING='["host-in-use", "boot-vga", "stale-reset-method"]'

# same_as_snapshot NAME LISTING: the facts are equal; the codes of each
# function are the snapshot's minus only those resting on missing evidence.
same_as_snapshot() {
	local name=$1 listing=$2 snap dump
	snap=$(pp --sysroot "$(snapshot "$name")" list --json) || fail "snapshot $name: $?"
	dump=$(pp --from-lspci "$listing" list --json) || fail "listing $listing: $?"
	diff <(jq -S "$FACTS" <<<"$snap") <(jq -S "$FACTS" <<<"$dump") || fail "$name: facts differ"
	jq -e -n --argjson s "$snap" --argjson d "$dump" --argjson lacking "$LACKING" '
		[$s.functions, $d.functions] | transpose | all(
			([.[0].findings[].code] - $lacking) == [.[1].findings[].code])' >/dev/null ||
		fail "$name: findings differ beyond the missing evidence"
}

@test "a -nnDvvvxxxx listing equals its snapshot, function by function: switch, multifunction, conventional bridge" {
	for name in switch multifunction pcibridge; do
		same_as_snapshot "$name" "$DUMPS/$name.nnDvvvxxxx.txt"
	done
}

@test "a listing from a guest without an IOMMU: same facts, and no iommu-disabled it cannot know" {
	same_as_snapshot noiommu "$DUMPS/noiommu.nnDvvvxxxx.txt"
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" explain --json 03:00.0
	assert_failure 1
	run --separate-stderr pp --from-lspci "$DUMPS/noiommu.nnDvvvxxxx.txt" explain --json 03:00.0
	assert_success
	jq -e '.host.source == "lspci-dump" and (.host.evidence_lacks | index("iommu-groups")) and
		([.host.findings[].code] == ["limited-evidence"]) and
		(.host.findings[0].message | test("no IOMMU groups"))' <<<"$output"
	run pp --from-lspci "$DUMPS/noiommu.nnDvvvxxxx.txt" list
	assert_line --index 1 --partial "IOMMU: unknown (the listing names no groups; GROUP pN: predicted)"
}

@test "list -t draws the snapshot's tree from the bridges' bus numbers" {
	for name in switch pcibridge multifunction; do
		# the first lines are about the host: what lspci cannot show differs there
		diff <(pp --sysroot "$(snapshot "$name")" list -t -o SLOT,DRIVER,GROUP | sed 1d) \
		     <(pp --from-lspci "$DUMPS/$name.nnDvvvxxxx.txt" list -t -o SLOT,DRIVER,GROUP | sed 1,2d) ||
			fail "$name: trees differ"
	done
}

@test "JSON: host.source names the input, every function keeps iommu_group and predicted_group; the schema holds" {
	run --separate-stderr pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list --json
	assert_success
	validate_schema <<<"$output"
	jq -e '.host.source == "lspci-dump" and .host.input_damage == null and
		(.host.evidence_lacks | index("extended-config-space") | not) and
		(.functions | length == 11 and all(has("iommu_group") and (.predicted_group | type == "number"))) and
		.host.group_prediction.matches_kernel == true' <<<"$output"
	run --separate-stderr pp --sysroot "$(snapshot switch)" list --json
	jq -e '.host.source == "snapshot" and .host.evidence_lacks == []' <<<"$output"
	run --separate-stderr pp --from-lspci "$DUMPS/switch.x.txt" explain --all --json
	validate_schema <<<"$output"
	jq -e '.functions | all(.iommu_group == null and (.predicted_group | type == "number"))' <<<"$output"
}

@test "-xxx (256 bytes): ACS unknown, never reported missing; groups and drivers still from the text" {
	run --separate-stderr pp --from-lspci "$DUMPS/switch.nnDvvvxxx.txt.gz" list --json
	assert_success
	validate_schema <<<"$output"
	# PCIe functions: acs null (unknown); the switch ports keep the kernel's groups
	jq -e '(.host.evidence_lacks | index("extended-config-space")) and
		.host.group_prediction.matches_kernel == null and
		([.functions[] | select(.port_type != "conventional") | .acs] | all(. == null)) and
		([.functions[] | select(.address == "0000:02:01.0") | .iommu_group] == [6]) and
		([.functions[] | select(.address == "0000:04:00.0") | .driver] == ["e1000e"]) and
		([.functions[] | select(.port_type != "conventional") | .findings[].code] | index("no-acs") | not)' <<<"$output"
	jq -e '.host.findings[] | select(.code == "limited-evidence") | .message | test("no extended config space")' <<<"$output"
	# everything the snapshot knows below 256 bytes is the same
	diff <(pp --sysroot "$(snapshot switch)" list --json | jq -S '[.functions[] | {address, parent, driver, iommu_group, flr, port_type}]') \
	     <(jq -S '[.functions[] | {address, parent, driver, iommu_group, flr, port_type}]' <<<"$output")
}

@test "-x (64 bytes, no text): the functions and the tree; limited-access says why, no invented blocker" {
	run --separate-stderr pp --from-lspci "$DUMPS/switch.x.txt" explain --all --json
	assert_failure 1	# the bridges are not endpoints
	jq -e '([.functions[].address] | length) == 11 and
		([.host.findings[].code] | sort) == ["limited-access", "limited-evidence"] and
		(.host.findings[] | select(.code == "limited-access") | .message | test("lspci -x")) and
		([.functions[].findings[] | select(.severity == "blocker") | .code] | unique) == ["not-endpoint"] and
		([.functions[].port_type] | unique) == ["unknown"]' <<<"$output"
	diff <(pp --sysroot "$(snapshot switch)" list --json | jq -S '[.functions[] | {address, parent, vendor_id, device_id, class}]') \
	     <(jq -S '[.functions[] | {address, parent, vendor_id, device_id, class}]' <<<"$output")
}

# subset_as_snapshot NAME LISTING FIELDS: the listed fields are equal, and
# no function has a blocker the snapshot does not give it.
subset_as_snapshot() {
	local name=$1 listing=$2 fields=$3 snap dump
	# explain --all exits 1 when some function has a blocker
	snap=$(pp --sysroot "$(snapshot "$name")" explain --all --json) || [ $? -eq 1 ]
	dump=$(pp --from-lspci "$listing" explain --all --json) || [ $? -eq 1 ]
	diff <(jq -S "[.functions[] | {$fields}]" <<<"$snap") <(jq -S "[.functions[] | {$fields}]" <<<"$dump") ||
		fail "$listing: $fields differ"
	jq -e -n --argjson s "$snap" --argjson d "$dump" '
		[$s.functions, $d.functions] | transpose | all(
			([.[1].findings[] | select(.severity == "blocker") | .code] -
			 [.[0].findings[] | select(.severity == "blocker") | .code]) == [])' >/dev/null ||
		fail "$listing: a blocker the snapshot does not have"
}

@test "every topology's -xxx, -x and user listings: the snapshot's facts they hold, never a blocker it lacks" {
	for name in switch multifunction pcibridge noiommu; do
		subset_as_snapshot "$name" "$DUMPS/$name.nnDvvvxxx.txt.gz" \
			"address, parent, vendor_id, device_id, class, driver, iommu_group, flr, port_type"
		subset_as_snapshot "$name" "$DUMPS/$name.x.txt" "address, parent, vendor_id, device_id, class, revision"
		# as a user: 64 bytes, but the text still names groups and drivers
		subset_as_snapshot "$name" "$DUMPS/$name.user.nnDvvvxxx.txt" \
			"address, parent, vendor_id, device_id, class, driver, iommu_group"
	done
	run --separate-stderr pp --from-lspci "$DUMPS/switch.user.nnDvvvxxx.txt" list --json
	jq -e '(.host.evidence_lacks | index("config-beyond-64-bytes")) and
		(.host.evidence_lacks | index("iommu-groups") | not) and .host.iommu_groups == 7 and
		(.host.findings | map(.code) | index("limited-access"))' <<<"$output"
}

@test "resets are inferred from capabilities and quirks, as before 5.15" {
	run pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" explain --json 04:00.0
	jq -e '.functions[0].reset.function_reset == "pm" and
		(.functions[0].findings[] | select(.code == "no-flr") | .hint | test("D3hot->D0 reset"))' <<<"$output"
	run pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" explain --json 03:00.0
	jq -e '.functions[0].reset.function_reset == "flr"' <<<"$output"
}

@test "gzip and standard input read the same as the plain file" {
	local plain
	plain=$(pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list --json | jq -S 'del(.host.sysroot)')
	gzip -c "$DUMPS/switch.nnDvvvxxxx.txt" >"$BATS_TEST_TMPDIR/s.txt.gz"
	diff <(pp --from-lspci "$BATS_TEST_TMPDIR/s.txt.gz" list --json | jq -S 'del(.host.sysroot)') <(echo "$plain")
	diff <(pp --from-lspci - list --json <"$DUMPS/switch.nnDvvvxxxx.txt" | jq -S 'del(.host.sysroot)') <(echo "$plain")
	diff <(pp --from-lspci - list --json <"$BATS_TEST_TMPDIR/s.txt.gz" | jq -S 'del(.host.sysroot)') <(echo "$plain")
	run pp --from-lspci - list --json <"$DUMPS/switch.nnDvvvxxxx.txt"
	jq -e '.host.sysroot == "(standard input)"' <<<"$output"
}

@test "a whole nvidia-bug-report log (synthetic wrapper around a real listing) reads like the listing" {
	local log=$BATS_TEST_TMPDIR/nvidia-bug-report.log sep=____________________________________________
	{
		echo "$sep"
		echo
		echo "Start of NVIDIA bug report log file.  Please include this file, along"
		echo "with a detailed description of your problem, when reporting a graphics"
		echo "driver bug via the NVIDIA Linux forum (see forums.developer.nvidia.com)"
		echo
		echo "$sep"
		echo
		echo "[    0.412345] pci 0000:00:02.0: [1b36:000c] type 01 class 0x060400"
		echo "[    0.412399] pci 0000:01:00.0: PCI bridge to [bus 02-04]"
		echo "$sep"
		echo
		echo "/usr/bin/lspci -nn"
		echo
		# headers without hex rows: names only, merged with the listing below
		grep -E '^[0-9a-f]{4}:' "$DUMPS/switch.nnDvvvxxxx.txt"
		echo "$sep"
		echo
		echo "/usr/bin/lspci -nnDvvvxxxx"
		echo
		cat "$DUMPS/switch.nnDvvvxxxx.txt"
		echo "$sep"
		echo
		echo "/sbin/lsmod"
		echo
		echo "Module                  Size  Used by"
		echo "00: this is not a hex row outside a device"
	} >"$log"
	gzip -k "$log"
	diff <(pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list --json | jq -S "$FACTS") \
	     <(pp --from-lspci "$log.gz" list --json | jq -S "$FACTS")
	run --separate-stderr pp --from-lspci "$log.gz" list --json
	jq -e '.host.input_damage == null' <<<"$output"
}

@test "bad input: one line 'pcipass: FILE: ...' and exit 2" {
	local t=$BATS_TEST_TMPDIR
	: >"$t/empty"
	run --separate-stderr pp --from-lspci "$t/empty" list
	assert_failure 2
	assert_equal "$stderr" "pcipass: $t/empty: empty file"
	printf '[    0.000000] Linux version 6.1.0\nnothing of lspci here\n' >"$t/dmesg"
	run --separate-stderr pp --from-lspci "$t/dmesg" list
	assert_failure 2
	[[ $stderr == "pcipass: $t/dmesg: no lspci device listing found"* ]]
	# lspci -vvv alone: the text without hex rows
	grep -vE '^[0-9a-f]{2,3}: ' "$DUMPS/switch.nnDvvvxxxx.txt" >"$t/text-only"
	run --separate-stderr pp --from-lspci "$t/text-only" list
	assert_failure 2
	[[ $stderr == "pcipass: $t/text-only: lspci text for 11 devices but no hex config rows"* ]]
	run --separate-stderr pp --from-lspci "$t/absent" list
	assert_failure 2
	[[ $stderr == "pcipass: $t/absent: "* ]]
	# a gzip stream cut short
	gzip -c "$DUMPS/switch.nnDvvvxxxx.txt" | head -c 3000 >"$t/cut.gz"
	run --separate-stderr pp --from-lspci "$t/cut.gz" list
	assert_failure 2
	[[ $stderr == "pcipass: $t/cut.gz: "* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run --separate-stderr pp --from-lspci "" list
	assert_failure 2
	run --separate-stderr pp --from-lspci "$DUMPS/switch.x.txt" --sysroot "$(snapshot switch)" list
	assert_failure 2
	[[ $stderr == "pcipass: --sysroot and --from-lspci: choose one"* ]]
}

@test "100 MB of junk: refused in bounded time, no crash" {
	local junk=$BATS_TEST_TMPDIR/junk
	head -c 100000000 /dev/urandom >"$junk"
	run --separate-stderr timeout 60 "$PCIPASS" --from-lspci "$junk" list
	assert_failure 2
	[[ $stderr == "pcipass: $junk: no lspci device listing found"* ]]
	rm -f "$junk"
}

@test "damaged rows are dropped and named; the healthy functions stay" {
	local t=$BATS_TEST_TMPDIR src=$DUMPS/switch.nnDvvvxxxx.txt
	# a stderr message spliced into a row of 04:00.0 (as lspci's own reader refuses)
	awk '/^0000:04:00.0/ {d=1} d && /^30: / {$0 = substr($0, 1, 20) "pcilib: sysfs_read_vpd: read failed"; d=0} 1' \
		"$src" >"$t/spliced"
	run --separate-stderr pp --from-lspci "$t/spliced" list --json
	assert_success
	jq -e '(.functions | length) == 11 and (.host.input_damage | test("^1 row dropped \\(first: 04:00.0: a row with other text spliced in\\)"))' <<<"$output"
	run pp --from-lspci "$t/spliced" list
	assert_line --index 0 --partial "damage: 1 row dropped"
	# 17 bytes in one row, an offset beyond config space, a 300-character header
	awk '/^0000:03:00.0/ {print substr($0, 1, 13) sprintf("%300s", "x"); d=1; next}
	     d && /^20: / {$0 = $0 " 00"; d=0} 1' "$src" >"$t/odd"
	printf '0000:05:00.0 Fake\n00: 86 80 d3 10\nfff0: 00 11\n\n' >>"$t/odd"
	run --separate-stderr pp --from-lspci "$t/odd" list --json
	assert_success
	jq -e '(.functions | length) == 12 and (.host.input_damage | test("^2 rows dropped \\(first: 03:00.0: a row of more than 16 bytes\\)"))' <<<"$output"
	# a device listed twice with other bytes: the first listing kept, named
	{ cat "$src"; echo; awk '/^0000:04:00.0/ {d=1} d' "$src" | sed 's/^00: 86 80 d3 10/00: 86 80 d4 10/'; } >"$t/twice"
	run --separate-stderr pp --from-lspci "$t/twice" list --json
	assert_success
	jq -e '(.functions | length) == 11 and
		([.functions[] | select(.address == "0000:04:00.0") | .device_id] == ["10d3"]) and
		(.host.input_damage | test("1 device listed twice with different bytes"))' <<<"$output"
	# a file cut in the middle of a row: what came before stays
	head -c 60000 "$src" >"$t/truncated"
	run --separate-stderr pp --from-lspci "$t/truncated" list --json
	assert_success
	jq -e '(.functions | length) >= 1 and (.functions | length) < 11' <<<"$output"
}

@test "mail clients' non-breaking spaces and CRLF line ends do not hide drivers and groups" {
	local t=$BATS_TEST_TMPDIR
	sed 's/^\t/\xc2\xa0\xc2\xa0/; s/$/\r/' "$DUMPS/switch.nnDvvvxxxx.txt" >"$t/mail"
	diff <(pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list --json | jq -S "$FACTS") \
	     <(pp --from-lspci "$t/mail" list --json | jq -S "$FACTS")
}

@test "mutating commands refuse a listing, even with --dry-run; the private tree is gone at exit" {
	for cmd in unbind reset rebind; do
		run --separate-stderr pp --from-lspci "$DUMPS/switch.x.txt" "$cmd" --dry-run 04:00.0
		assert_failure 2
		[[ $stderr == "pcipass: $cmd: $DUMPS/switch.x.txt: an lspci listing is evidence to read, not a host to change"* ]]
	done
	mkdir "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp run pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" explain 03:00.0
	assert_success
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ""
}

@test "report from a listing keeps its source in the replay" {
	run --separate-stderr pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" report -o "$BATS_TEST_TMPDIR/r.tar.gz"
	assert_success
	run --separate-stderr pp --sysroot "$BATS_TEST_TMPDIR/r.tar.gz" list --json
	assert_success
	jq -e '.host.source == "lspci-dump" and (.functions | length) == 11' <<<"$output"
}
