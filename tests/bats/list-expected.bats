#!/usr/bin/env bats
# The whole output of list, list -t and list -nn on every snapshot, fitted
# to 80 columns under LC_ALL=C, compared with tests/bats/expected/NAME/
# (util-linux's way).  tests/bats/update-expected.sh (make update-expected)
# writes them; a diff there is a change every user sees, read it by eye.

setup() {
	load common
}

# expected_tarball NAME: the snapshot tests/bats/expected/NAME was made from.
expected_tarball() {
	if [ -f "$SNAPSHOTS/$1.tar.gz" ]; then
		printf '%s\n' "$1"
	else
		printf 'derived/%s\n' "$1"
	fi
}

# compare NAME FILE ARGS...: list ARGS on snapshot NAME against expected/NAME/FILE.
compare() {
	local name=$1 file=$2 dir
	shift 2
	dir=$(snapshot "$(expected_tarball "$name")")
	run --separate-stderr env COLUMNS=80 "$PCIPASS" --sysroot "$dir" list --width 80 "$@"
	assert_success
	# warnings the tree earns (a junk line in its boot configuration) are
	# expected too, in FILE.stderr; otherwise stderr stays empty
	if [ -f "$BATS_TEST_DIRNAME/expected/$name/$file.stderr" ]; then
		assert_equal "$stderr" "$(cat "$BATS_TEST_DIRNAME/expected/$name/$file.stderr")"
	else
		assert_equal "$stderr" ""
	fi
	diff -u "$BATS_TEST_DIRNAME/expected/$name/$file" - <<<"$output" || fail "$name: list $* differs from expected/$name/$file"
}

@test "every snapshot has its expected outputs, and every expected directory a snapshot" {
	local t name n=0
	for t in "$SNAPSHOTS"/*.tar.gz "$SNAPSHOTS"/derived/*.tar.gz; do
		name=$(basename "$t" .tar.gz)
		for f in list list-t list-nn; do
			[ -s "$BATS_TEST_DIRNAME/expected/$name/$f" ] || fail "expected/$name/$f missing: make update-expected"
		done
		n=$((n + 1))
	done
	assert_equal "$(ls "$BATS_TEST_DIRNAME/expected" | wc -l)" "$n"
}

@test "list at 80 columns: the whole output of every snapshot as expected" {
	local d
	for d in "$BATS_TEST_DIRNAME"/expected/*/; do
		compare "$(basename "$d")" list
	done
}

@test "list -t at 80 columns: the whole output of every snapshot as expected" {
	local d
	for d in "$BATS_TEST_DIRNAME"/expected/*/; do
		compare "$(basename "$d")" list-t -t
	done
}

@test "list -nn at 80 columns: the whole output of every snapshot as expected" {
	local d
	for d in "$BATS_TEST_DIRNAME"/expected/*/; do
		compare "$(basename "$d")" list-nn -nn
	done
}

@test "expected outputs: cuts marked, ids whole, the tree's NOTE words whole, 80 columns where the table can be" {
	local e=$BATS_TEST_DIRNAME/expected
	# every name that was cut ends in the marker: no row of list has a
	# CLASS or DEVICE that is a prefix of the full name without one
	run grep -L '+' "$e"/*/list "$e"/*/list-t
	assert_output ""
	# -nn: each row has its class [cccc] and its [vvvv:dddd], whole
	run sh -c "grep -hE '^0000:' \"\$@\" | grep -Ev '\\[[0-9a-f]{4}\\] .*\\[[0-9a-f]{4}:[0-9a-f]{4}\\] '" - "$e"/*/list-nn
	assert_output ""
	# the tree's NOTE: the port types never cut
	run grep -hoE '(root|upstream|downstream)-po?r?t?$' "$e"/*/list-t
	refute_output --regexp '(root|upstream|downstream)-(p|po|por)$'
	assert_output --partial downstream-port
	# no line wider than 80, but where the columns never cut need more
	run awk 'length > 80 {print FILENAME": "$0}' "$e"/*/list "$e"/*/list-t
	assert_output ""
}

@test "on a terminal that does not give its size, COLUMNS=80 gives the same as --width 80" {
	local s dir
	command -v script >/dev/null || fail "script (util-linux) is needed"
	for s in switch noiommu; do
		dir=$(snapshot "$s")
		run script -qec "stty cols 0 rows 0; COLUMNS=80 '$PCIPASS' --sysroot '$dir' list -t --color=never" /dev/null
		assert_success
		assert_equal "$(printf '%s\n' "$output" | tr -d '\r')" "$(cat "$BATS_TEST_DIRNAME/expected/$s/list-t")"
	done
}
