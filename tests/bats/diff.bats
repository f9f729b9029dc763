#!/usr/bin/env bats
# pcipass diff A B on pairs of real captures (tests/sysfs-snapshots/README,
# "IOMMU-off twins and diff pairs"): SR-IOV off and on, cards moved to
# other root ports, the IOMMU on and off; edited copies (derived/) for
# merged groups and worse verdicts; bad input.

setup() {
	load common
	load explain-helpers
}

snap() {
	printf '%s\n' "$SNAPSHOTS/$1.tar.gz"
}

# validate_diff: the document on stdin against schema/pcipass-diff.schema.json.
validate_diff() {
	python3 -c '
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin)))
for e in errors[:5]:
    print("/".join(map(str, e.absolute_path)) + ": " + e.message[:400])
sys.exit(1 if errors else 0)
' "$TOP_SRCDIR/schema/pcipass-diff.schema.json"
}

@test "a capture against itself: no changes, exit 0, as tarball and as directory" {
	run pp diff "$(snap sriov)" "$(snapshot sriov)"
	assert_success
	assert_line --index 0 "before $(snap sriov): kernel 6.1.0-57-amd64, IOMMU on, 12 functions"
	assert_line --index 1 "after  $(snapshot sriov): kernel 6.1.0-57-amd64, IOMMU on, 12 functions"
	assert_line --index 2 "no changes"
	run pp diff --json "$(snap sriov)" "$(snap sriov)"
	assert_success
	echo "$output" | jq -e '.changes == [] and .worse == 0 and .better == 0' >/dev/null
}

@test "SR-IOV enabled (sriov-novfs -> sriov): three VFs added, the PF's verdict worse, exit 1" {
	run pp diff "$(snap sriov-novfs)" "$(snap sriov)"
	assert_failure 1
	assert_output - <<EOF
before $(snap sriov-novfs): kernel 6.1.0-57-amd64, IOMMU on, 9 functions
after  $(snap sriov): kernel 6.1.0-57-amd64, IOMMU on, 12 functions

added     0000:02:00.1  Red Hat, Inc. QEMU NVM Express Controller (verdict ok)
added     0000:02:00.2  Red Hat, Inc. QEMU NVM Express Controller (verdict ok)
added     0000:02:00.3  Red Hat, Inc. QEMU NVM Express Controller (verdict ok)
verdict   0000:02:00.0  ok -> sriov-pf-enabled  [worse]

4 changes: 1 worse, 0 better
EOF
}

@test "SR-IOV disabled (sriov -> sriov-novfs): the assignable VFs are gone, exit 1" {
	run pp diff --json "$(snap sriov)" "$(snap sriov-novfs)"
	assert_failure 1
	echo "$output" | jq -e '
		[.changes[] | select(.kind == "removed") | [.bdf_before, .effect, .before]]
			== [["0000:02:00.1", "worse", "ok"], ["0000:02:00.2", "worse", "ok"], ["0000:02:00.3", "worse", "ok"]]
		and ([.changes[] | select(.kind == "verdict")] | length == 1 and .[0].effect == "better")
		and .worse == 3 and .better == 1' >/dev/null
}

@test "cards moved to other root ports (rootports -> rootports-moved): matched by identity, not by bus" {
	run pp diff "$(snap rootports)" "$(snap rootports-moved)"
	assert_success
	assert_output - <<EOF
before $(snap rootports): kernel 6.1.0-57-amd64, IOMMU on, 11 functions
after  $(snap rootports-moved): kernel 6.1.0-57-amd64, IOMMU on, 11 functions

moved     0000:03:00.0 -> 0000:02:00.0  Red Hat, Inc. QEMU NVM Express Controller
          pci0000:00/04.0/00.0 -> pci0000:00/03.0/00.0
moved     0000:02:00.0 -> 0000:03:00.0  Intel Corporation 82574L Gigabit Network Connection
          pci0000:00/03.0/00.0 -> pci0000:00/04.0/00.0

2 changes: 0 worse, 0 better
EOF
	# the group numbers changed (7 <-> 8) but not the partition: no group line
	run pp diff --json "$(snap rootports)" "$(snap rootports-moved)"
	echo "$output" | jq -e '[.changes[] | .kind] == ["moved", "moved"]
		and .changes[1].identity == "8086:10d3 8086:0000 pci0000:00/04.0/00.0"' >/dev/null
}

@test "the IOMMU turned off, on every twin: a host line, every function matched, no group compared" {
	local pair on off
	for pair in rootports:noiommu pcibridge:pcibridge-noiommu multifunction:multifunction-noiommu \
		switch:switch-noiommu sriov:sriov-noiommu gpu:gpu-noiommu amdvi:amdvi-noiommu; do
		on=${pair%%:*} off=${pair#*:}
		run pp diff --json "$(snap "$on")" "$(snap "$off")"
		[ "$status" -le 1 ] || fail "$on -> $off: exit $status"
		echo "$output" | jq -e '
			([.changes[] | select(.kind == "host")] == [{"kind": "host", "effect": "neutral", "what": "iommu",
				"bdf_before": null, "bdf_after": null, "identity": null, "before": "on", "after": "off",
				"groups_before": null, "groups_after": null}])
			and ([.changes[] | select(.kind | test("added|removed|moved|group"))] == [])
			and ([.changes[] | select(.kind == "verdict") | .after] | all(. == "iommu-disabled"))
			and ((.worse > 0) == ([.changes[] | select(.effect == "worse")] != []))' >/dev/null ||
			fail "$on -> $off: $output"
		[ "$status" = "$(echo "$output" | jq 'if .worse > 0 then 1 else 0 end')" ]
	done
}

@test "IOMMU on vs off (rootports <-> noiommu): the assignable functions get worse one way only" {
	run pp diff "$(snap rootports)" "$(snap noiommu)"
	assert_failure 1
	assert_line "host      IOMMU: on -> off"
	assert_line "verdict   0000:02:00.0  warn -> iommu-disabled  [worse]"
	assert_line "verdict   0000:03:00.0  ok -> iommu-disabled  [worse]"
	assert_line "12 changes: 2 worse, 0 better"
	run pp diff "$(snap noiommu)" "$(snap rootports)"
	assert_success
	assert_line "host      IOMMU: off -> on"
	assert_line "verdict   0000:03:00.0  iommu-disabled -> ok  [better]"
}

@test "groups merged and split (derived rootports-merged-group): partitions, with their functions" {
	run pp diff "$(snap rootports)" "$SNAPSHOTS/derived/rootports-merged-group.tar.gz"
	assert_failure 1
	assert_line "group     merged: groups 7 (0000:02:00.0), 8 (0000:03:00.0) are now group 7 (0000:02:00.0 0000:03:00.0)"
	assert_line "verdict   0000:03:00.0  ok -> group-not-viable  [worse]"
	run pp diff --json "$SNAPSHOTS/derived/rootports-merged-group.tar.gz" "$(snap rootports)"
	assert_success
	echo "$output" | jq -e '[.changes[] | select(.kind == "group-split")]
		== [{"kind": "group-split", "effect": "neutral", "what": null, "bdf_before": null, "bdf_after": null,
		     "identity": null, "before": null, "after": null,
		     "groups_before": [{"group": 7, "functions": ["0000:02:00.0", "0000:03:00.0"]}],
		     "groups_after": [{"group": 7, "functions": ["0000:02:00.0"]}, {"group": 8, "functions": ["0000:03:00.0"]}]}]
		and .better == 2 and .worse == 0' >/dev/null
}

@test "a verdict made worse by an edited copy exits 1 with exactly that change" {
	run pp diff "$(snap rootports)" "$SNAPSHOTS/derived/rootports-swap.tar.gz"
	assert_failure 1
	assert_line --index 2 "verdict   0000:03:00.0  ok -> host-in-use  [worse]"
	assert_line --index 3 "1 change: 1 worse, 0 better"
	run pp diff "$(snap rootports)" "$SNAPSHOTS/derived/rootports-direct-region.tar.gz"
	assert_failure 1
	assert_line "verdict   0000:03:00.0  ok -> direct-mapping-required  [worse]"
	run pp diff "$SNAPSHOTS/derived/rootports-swap.tar.gz" "$(snap rootports)"
	assert_success
	assert_line "verdict   0000:03:00.0  host-in-use -> ok  [better]"
}

@test "drivers changed and /dev/vfio nodes gone (rootports <-> vfio)" {
	run pp diff "$(snap rootports)" "$(snap vfio)"
	assert_success
	assert_line "driver    0000:02:00.0  e1000e -> vfio-pci"
	assert_line "driver    0000:03:00.0  nvme -> vfio-pci"
	run pp diff "$(snap vfio)" "$(snap rootports)"
	assert_failure 1
	assert_line "driver    0000:03:00.0  vfio-pci -> nvme"
	assert_line "vfio      /dev/vfio/7 gone (0000:02:00.0)  [worse]"
	assert_line "vfio      /dev/vfio/8 gone (0000:03:00.0)  [worse]"
	# the groups kept their functions: the nodes are the same
	run pp diff "$(snap vfio)" "$SNAPSHOTS/derived/vfio-in-use.tar.gz"
	assert_failure 1
	assert_line "verdict   0000:03:00.0  ok -> in-use-by-vm  [worse]"
	refute_line --partial "vfio      "
}

@test "reset methods lost and gained are said per method (derived rootports-no-flr)" {
	# the kernel's reset_method decides: FLR lost there is no-flr (a
	# warning) although config space still advertises it
	run pp diff "$(snap rootports)" "$SNAPSHOTS/derived/rootports-no-flr.tar.gz"
	assert_failure 1
	assert_line --index 2 "reset     0000:03:00.0  lost flr"
	assert_line --index 3 "verdict   0000:03:00.0  ok -> warn  [worse]"
	assert_line --index 4 "2 changes: 1 worse, 0 better"
	run pp diff --json "$SNAPSHOTS/derived/rootports-no-flr.tar.gz" "$(snap rootports)"
	assert_success
	echo "$output" | jq -e '[.changes[] | [.kind, .bdf_after, .before, .after]] == [["reset-gained", "0000:03:00.0", null, "flr"], ["verdict", "0000:03:00.0", "warn", "ok"]]' >/dev/null
	# the e1000e (pm bus) and the nvme (flr bus) swapped root ports: were
	# they matched by path they would show as reset changes; by ids they do not
	run pp diff --json "$(snap rootports)" "$(snap rootports-moved)"
	echo "$output" | jq -e '[.changes[] | select(.kind | startswith("reset"))] == []' >/dev/null
}

@test "every pair's JSON validates against the diff schema; the exit status follows .worse" {
	local pair
	for pair in sriov-novfs:sriov sriov:sriov-novfs rootports:rootports-moved rootports:noiommu \
		noiommu:rootports vfio:rootports rootports:vfio gpu:gpu-noiommu \
		rootports:derived/rootports-merged-group derived/rootports-merged-group:rootports \
		rootports:derived/rootports-no-flr derived/rootports-no-flr:rootports; do
		run pp diff --json "$(snap "${pair%%:*}")" "$(snap "${pair#*:}")"
		[ "$status" -le 1 ] || fail "$pair: exit $status"
		[ "$status" = "$(echo "$output" | jq 'if .worse > 0 then 1 else 0 end')" ] || fail "$pair: status $status"
		run validate_diff <<<"$output"
		assert_success
	done
	doc=$(pp diff --json "$(snap rootports)" "$(snap rootports-moved)")
	run validate_diff <<<"$(jq '.changes[0].kind = "bogus"' <<<"$doc")"
	assert_failure
	run validate_diff <<<"$(jq '.changes[0].groups_before = []' <<<"$doc")"
	assert_failure
}

@test "a report is a snapshot: diff of a report and the capture it was made from finds nothing" {
	local out=$BATS_TEST_TMPDIR/r.tar.gz
	pp --sysroot "$(snap switch)" report -o "$out" >/dev/null
	run pp diff "$out" "$(snap switch)"
	assert_success
	assert_line --index 2 "no changes"
}

@test "two tarballs in one run: each unpacked once, nothing left behind" {
	local tmp=$BATS_TEST_TMPDIR/tmp
	mkdir "$tmp"
	TMPDIR=$tmp run pp diff "$(snap sriov)" "$(snap rootports)"
	assert_failure 1
	[ -z "$(ls -A "$tmp")" ]
	# the same tarball twice is unpacked once
	# LeakSanitizer cannot run under ptrace: the sanitizer run checks leaks without strace
	TMPDIR=$tmp run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -e trace=mkdir,mkdirat -o "$BATS_TEST_TMPDIR/trace" "$PCIPASS" diff "$(snap sriov)" "$(snap sriov)"
	assert_success
	[ "$(grep -c "pcipass-sysroot\.[0-9]*\.[A-Za-z0-9]*/1\"" "$BATS_TEST_TMPDIR/trace")" = 1 ]
	! grep -q "pcipass-sysroot\.[0-9]*\.[A-Za-z0-9]*/2\"" "$BATS_TEST_TMPDIR/trace"
	[ -z "$(ls -A "$tmp")" ]
}

@test "bad input: exit 2 with pcipass: <what>: <why>, nothing on stdout, nothing left behind" {
	local tmp=$BATS_TEST_TMPDIR/tmp bad=$BATS_TEST_TMPDIR/truncated.tar.gz
	mkdir "$tmp" "$BATS_TEST_TMPDIR/empty"
	head -c 20000 "$(snap rootports)" >"$bad"
	printf 'not a tarball\n' >"$BATS_TEST_TMPDIR/text.tar.gz"
	TMPDIR=$tmp run --separate-stderr pp diff "$(snap rootports)" "$bad"
	assert_failure 2
	assert_output ""
	[[ $stderr == "pcipass: $bad: corrupt or truncated tarball"* ]]
	[ -z "$(ls -A "$tmp")" ]
	run --separate-stderr pp diff "$(snap rootports)" "$BATS_TEST_TMPDIR/text.tar.gz"
	assert_failure 2
	[[ $stderr == "pcipass: $BATS_TEST_TMPDIR/text.tar.gz: not a snapshot tarball"* ]]
	run --separate-stderr pp diff "$BATS_TEST_TMPDIR/nonexistent" "$(snap rootports)"
	assert_failure 2
	assert_output ""
	[ "$stderr" = "pcipass: $BATS_TEST_TMPDIR/nonexistent: No such file or directory" ]
	run --separate-stderr pp diff "$BATS_TEST_TMPDIR/empty" "$(snap rootports)"
	assert_failure 2
	assert_output ""
	[[ $stderr == "pcipass: "* ]]
	run --separate-stderr pp diff "$(snap rootports)"
	assert_failure 2
	[[ $stderr == "pcipass: diff: needs A B"* ]]
	run --separate-stderr pp diff a b c
	assert_failure 2
	[[ $stderr == "pcipass: diff: too many arguments"* ]]
	run --separate-stderr pp --sysroot "$(snap rootports)" diff "$(snap rootports)" "$(snap noiommu)"
	assert_failure 2
	[[ $stderr == "pcipass: diff: --sysroot: give the two roots as its arguments"* ]]
	run --separate-stderr pp diff "" "$(snap rootports)"
	assert_failure 2
	[[ $stderr == "pcipass: diff: an empty argument names no snapshot"* ]]
}

@test "the names of the roots reach the terminal escaped" {
	local dir=$BATS_TEST_TMPDIR/$'snap\e[31mred'
	mkdir "$dir"
	tar -xzf "$(snap rootports)" -C "$dir"
	run pp diff "$dir" "$(snap rootports)"
	assert_success
	assert_line --index 0 "before $BATS_TEST_TMPDIR/snap\\x1b[31mred: kernel 6.1.0-57-amd64, IOMMU on, 11 functions"
	[[ $output != *$'\e'* ]]
}

@test "this host as B: / is read like any root (read only)" {
	run pp diff "$(snap host)" /
	[ "$status" -le 1 ]
	assert_line --partial "after  /: kernel "
}

@test "README's \"Questions it answers\" examples print what README shows" {
	# Each "    $ pcipass ARGS" block of that section, run in tests/sysfs-snapshots,
	# prints the indented lines that follow it (trailing blanks dropped).
	python3 - "$TOP_SRCDIR/README" "$BATS_TEST_TMPDIR/ex" <<'PY'
import sys, os
text = open(sys.argv[1]).read()
sec = text.split("Questions it answers\n", 1)[1].split("\nTests and real-kernel data\n", 1)[0]
os.makedirs(sys.argv[2])
n, cur = 0, None
for line in sec.split("\n"):
    if line.startswith("    $ pcipass "):
        n += 1
        cur = open(f"{sys.argv[2]}/{n:02d}", "w")
        cur.write(line[len("    $ pcipass "):] + "\n")
    elif cur and (line.startswith("    ") or line == ""):
        cur.write(line[4:] + "\n")
    elif cur:
        cur.close(); cur = None
PY
	local f n=0 args want got
	for f in "$BATS_TEST_TMPDIR"/ex/*; do
		args=$(head -n 1 "$f")
		want=$(tail -n +2 "$f" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
		# shellcheck disable=SC2086 # the example's words, as README spells them
		got=$(cd "$SNAPSHOTS" && "$PCIPASS" $args | sed 's/[ ]*$//')
		[ "$got" = "$want" ] || fail "pcipass $args: $(diff <(echo "$want") <(echo "$got"))"
		n=$((n + 1))
	done
	[ "$n" = 5 ]
}

@test "hostile trees (tests/sysfs-snapshots/hostile): diff ends with 0, 1 or 2, escaped, JSON that parses" {
	local h=$BATS_TEST_TMPDIR/hostile t n=0
	"$TOP_SRCDIR/tests/sysfs-snapshots/hostile/make-hostile.sh" "$SNAPSHOTS/sriov.tar.gz" "$h" >/dev/null
	for t in "$h"/*/; do
		t=${t%/}
		run pp diff "$h/base" "$t"
		[ "$status" -le 2 ] || fail "${t##*/}: exit $status"
		[[ $output != *$'\e'* ]] || fail "${t##*/}: an escape reached the terminal"
		run --separate-stderr pp diff --json "$t" "$h/base"
		[ "$status" -le 2 ] || fail "${t##*/}: exit $status"
		if [ "$status" -le 1 ]; then
			validate_diff <<<"$output" || fail "${t##*/}: JSON does not validate"
		fi
		n=$((n + 1))
	done
	[ "$n" -gt 10 ]
}
