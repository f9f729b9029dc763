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

# ---- listings without hex rows (lspci -vvv, -nnvvv, -nnk; HACKING, lspci dumps)

# text_only LISTING OUT: the listing with its hex rows stripped
text_only() {
	grep -vE '^[0-9a-f]{2,3}: ' "$1" >"$2"
}

# What a listing's text says and its hex agrees with.  lspci prints no
# Subsystem line for subsystem ids 0000 or ffff: the text leaves them null.
TEXT_FACTS='[.functions[] | {address, vendor_id, device_id, class, revision, parent, driver, iommu_group, slot, bars,
	subsystem_vendor_id: (if .subsystem_vendor_id == "0000" or .subsystem_vendor_id == "ffff" then null
			      else .subsystem_vendor_id end),
	subsystem_device_id: (if .subsystem_vendor_id == "0000" or .subsystem_vendor_id == "ffff" then null
			      else .subsystem_device_id end)}]'

@test "text without hex rows reads as its full listing: functions, ids, drivers, groups, topology; no blocker gained" {
	local t=$BATS_TEST_TMPDIR full text
	for name in switch multifunction pcibridge noiommu; do
		text_only "$DUMPS/$name.nnDvvvxxxx.txt" "$t/$name"
		[ "$(grep -cE '^[0-9a-f]{2}: [0-9a-f]{2} ' "$t/$name")" -eq 0 ]
		full=$(pp --from-lspci "$DUMPS/$name.nnDvvvxxxx.txt" list --json) || fail "$name: full listing"
		text=$(pp --from-lspci "$t/$name" list --json) || fail "$name: text-only copy"
		validate_schema <<<"$text"
		diff <(jq -S "$TEXT_FACTS" <<<"$full") <(jq -S "$TEXT_FACTS" <<<"$text") || fail "$name: facts differ"
		# no config space: nothing that needs it is guessed
		jq -e '(.host.evidence_lacks | index("config-space")) and .host.group_prediction.matches_kernel == null and
			all(.functions[]; .predicted_group == null and .header_type == null and .flr == null and
			    .acs == null and .port_type == "unknown" and .reset.function_reset == null and
			    .unreadable == [] and (.listed_name | type) == "string")' <<<"$text" >/dev/null ||
			fail "$name: a fact that needs config space"
		jq -e -n --argjson f "$full" --argjson x "$text" '
			[$f.functions, $x.functions] | transpose | all(
				([.[1].findings[] | select(.severity == "blocker") | .code] -
				 [.[0].findings[] | select(.severity == "blocker") | .code]) == [])' >/dev/null ||
			fail "$name: a function gained a blocker"
	done
	# the tree is the full listing's, from the bridges' "Bus:" lines
	diff <(pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list -t -o SLOT,DRIVER,GROUP | sed 1,2d) \
	     <(pp --from-lspci "$t/switch" list -t -o SLOT,DRIVER,GROUP | sed 1,2d)
}

@test "text without hex rows: limited-evidence names the missing config space; why and slots refuse" {
	local t=$BATS_TEST_TMPDIR
	text_only "$DUMPS/switch.nnDvvvxxxx.txt" "$t/text"
	run --separate-stderr pp --from-lspci "$t/text" explain --json 04:00.0
	assert_success
	validate_schema <<<"$output"
	jq -e '([.host.findings[].code] == ["limited-evidence"]) and
		(.host.findings[0].message | test("no config space")) and
		(.host.findings[0].evidence == ["META lacks=config-space,reset-methods,kernel,host-use"]) and
		([.functions[0].findings[].code] == ["host-driver-bound"])' <<<"$output" >/dev/null
	run pp --from-lspci "$t/text" list
	assert_line --index 0 "input: lspci listing; lacks: config-space, reset-methods, kernel, host-use"
	for cmd in why slots; do
		run --separate-stderr pp --from-lspci "$t/text" $cmd 04:00.0
		[ "$cmd" = why ] || run --separate-stderr pp --from-lspci "$t/text" $cmd
		assert_failure 2
		[[ $stderr == "pcipass: $cmd: $t/text: the lspci listing has no hex rows"* ]]
	done
	run --separate-stderr pp --from-lspci "$t/text" unbind 04:00.0
	assert_failure 2
}

@test "lspci -nnk alone: ids, class and drivers; no groups, no topology" {
	local t=$BATS_TEST_TMPDIR
	# what -nnk prints: the device line (no prog-if: that is -v), Subsystem, the kernel lines; no blank lines
	awk '/^0000:/ { sub(/ \(prog-if .*\)$/, ""); print; next }
	     /^\t(Subsystem|Kernel driver in use|Kernel modules):/ { print }' \
		"$DUMPS/switch.nnDvvvxxxx.txt" >"$t/nnk"
	[ "$(grep -c '^$' "$t/nnk")" -eq 0 ]
	run --separate-stderr pp --from-lspci "$t/nnk" list --json
	assert_success
	diff <(pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list --json |
		jq -S '[.functions[] | {address, vendor_id, device_id, class, revision, driver}]') \
	     <(jq -S '[.functions[] | {address, vendor_id, device_id, class, revision, driver}]' <<<"$output")
	jq -e '(.functions | length) == 11 and all(.functions[]; .iommu_group == null and .parent == null and
		.predicted_group == null) and (.host.evidence_lacks | index("iommu-groups") and index("config-space"))' \
		<<<"$output" >/dev/null
	# 02:01.0 is a PCI bridge by its class alone: still not an endpoint
	jq -e '.functions[] | select(.address == "0000:02:01.0") | [.findings[].code] | index("not-endpoint")' \
		<<<"$output" >/dev/null
	run pp --from-lspci "$t/nnk" list
	assert_line --index 1 --partial "IOMMU: unknown (the listing names no groups and has no config space to predict them from)"
}

@test "plain lspci -vvv (no -nn): the names it prints, ids null, never invented; groups and tree kept" {
	local t=$BATS_TEST_TMPDIR
	# lspci without -nn: no [cccc] after the class, no [vvvv:dddd] after the device or subsystem
	grep -vE '^[0-9a-f]{2,3}: ' "$DUMPS/switch.nnDvvvxxxx.txt" |
		sed -E 's/ \[[0-9a-f]{4}\]: /: /; s/ \[[0-9a-f]{4}:[0-9a-f]{4}\]//g' >"$t/vvv"
	[ "$(grep -cE '\[[0-9a-f]{4}(:[0-9a-f]{4})?\]' "$t/vvv")" -eq 0 ]
	run --separate-stderr pp --from-lspci "$t/vvv" list --json
	assert_success
	jq -e 'all(.functions[]; .vendor_id == null and .device_id == null and .class == null and
		.subsystem_vendor_id == null and .vendor_name == null and (.listed_name | type) == "string")' \
		<<<"$output" >/dev/null
	jq -e '.functions[] | select(.address == "0000:04:00.0") |
		.listed_name == "Ethernet controller: Intel Corporation 82574L Gigabit Network Connection" and
		.driver == "e1000e" and .iommu_group == 6 and .parent == "0000:02:01.0"' <<<"$output" >/dev/null
	# the bridges are bridges by their "Bus:" lines (the kernel's secondary_bus_number)
	jq -e '.functions[] | select(.address == "0000:02:01.0") | .bus_range == {"secondary": 4, "subordinate": 4} and
		([.findings[].code] | index("not-endpoint"))' <<<"$output" >/dev/null
	run pp --from-lspci "$t/vvv" list -o SLOT,CLASS,DEVICE,DRIVER,GROUP
	assert_line --regexp '^0000:04:00\.0 +Ethernet controller +Intel Corporation 82574L Gigabit Network Connection +e1000e +6$'
	diff <(pp --from-lspci "$DUMPS/switch.nnDvvvxxxx.txt" list -t -o SLOT,DRIVER,GROUP | sed 1,2d) \
	     <(pp --from-lspci "$t/vvv" list -t -o SLOT,DRIVER,GROUP | sed 1,2d)
}
