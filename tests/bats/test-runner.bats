#!/usr/bin/env bats
# scripts/test.sh's stage logic (scripts/stage-runner.sh) on fake stages:
# every stage runs with its stdin closed, a stage that stops early or
# without its closing line is a failed stage, a failing stage does not stop
# the ones after it, and the totals add up.

setup() {
	load common
	RUNNER=$TOP_SRCDIR/scripts/stage-runner.sh
	cd "$BATS_TEST_TMPDIR" || return 1
	: >ran
}

# stages SCRIPT: write the stage definitions (bash functions) to stages.bash,
# then `runner` sources the runner and runs them.
stages() {
	cat >stages.bash
}

# runner NAME...: a bash that sources the stage runner and stages.bash,
# runs stage NAME with function NAME for each NAME, then the summary.  Its
# own stdin is a file of lines a careless stage would eat.
runner() {
	printf 'line %s\n' 1 2 3 >input
	bash -c '
		. "$1"; . ./stages.bash; shift
		STAGES_PLANNED=$#
		for s in "$@"; do run_stage "$s" "$s"; done
		stage_summary
	' runner "$RUNNER" "$@" <input
}

# The real scripts/test.sh lists every target and runs them through the runner.
@test "scripts/test.sh lists every test target and runs each through run_stage" {
	run bash "$TOP_SRCDIR/scripts/test.sh" --list
	assert_success
	assert_output "check
check-vm
check-replay
check-boot
check-kernel
check-consumers
check-asan
check-valgrind
check-fuzz
distcheck"
	grep -q '^\. "\$top/scripts/stage-runner.sh"' "$TOP_SRCDIR/scripts/test.sh"
	# no stage list read from a file or stdin
	run grep -nE 'while .*read|done *<' "$TOP_SRCDIR/scripts/test.sh"
	assert_failure
}

@test "stages that end with their line pass, and the totals add their counts" {
	stages <<'EOF'
one() { echo "doing one"; echo "one: 3 passed, 0 failed"; }
two() { echo "two: 4 passed, 0 failed"; echo "trailing noise"; }
EOF
	run runner one two
	assert_success
	assert_line --regexp "^=== one: ok, 3 passed, [0-9]+s\$"
	assert_line --regexp "^=== two: ok, 4 passed, [0-9]+s\$"
	assert_line --index $((${#lines[@]} - 1)) "tests: 7 passed, 0 failed"
}

@test "a stage that exits 0 without its closing line fails" {
	stages <<'EOF'
early() { echo "early: starting"; echo "3 passed, 0 failed"; echo "other: 2 passed, 0 failed"; return 0; }
after() { echo after >>ran; echo "after: 1 passed, 0 failed"; }
EOF
	run runner early after
	assert_failure
	assert_line --partial '=== early: FAILED (no closing line "early: N passed, M failed")'
	assert_line --partial "failed stage: early (no closing line"
	assert_line --index $((${#lines[@]} - 1)) "tests: 1 passed, 1 failed"
	assert_equal "$(cat ran)" "after"
}

@test "a stage that reads stdin gets end-of-file and does not swallow later stages" {
	stages <<'EOF'
greedy() { n=$(cat | wc -l); echo "greedy read $n lines"; echo "greedy: 1 passed, 0 failed"; }
reader() { if read -r l; then echo "reader got: $l"; fi; echo "reader: 1 passed, 0 failed"; }
last() { echo last >>ran; echo "last: 2 passed, 0 failed"; }
EOF
	run runner greedy reader last
	assert_success
	assert_line "greedy read 0 lines"
	refute_line --partial "reader got:"
	assert_equal "$(cat ran)" "last"
	assert_line --index $((${#lines[@]} - 1)) "tests: 4 passed, 0 failed"
}

@test "a failing stage does not stop the later ones, and every failure is counted" {
	stages <<'EOF'
crash() { echo "crash: 5 passed, 0 failed"; exit 3; }
silent() { return 1; }
reported() { echo "reported: 2 passed, 2 failed"; return 1; }
liar() { echo "liar: 1 passed, 1 failed"; return 0; }
fine() { echo fine >>ran; echo "fine: 10 passed, 0 failed"; }
EOF
	run runner crash silent reported liar fine
	assert_failure
	assert_line --regexp "^=== crash: FAILED \(exit status 3\), [0-9]+s\$"
	assert_line --regexp "^=== silent: FAILED \(exit status 1\), [0-9]+s\$"
	assert_line --regexp "^=== reported: FAILED \(exit status 1\), [0-9]+s\$"
	assert_line --regexp "^=== liar: FAILED \(1 failed\), [0-9]+s\$"
	assert_line --regexp "^=== fine: ok, 10 passed, [0-9]+s\$"
	assert_equal "$(cat ran)" "fine"
	assert_equal "$(grep -c '^failed stage: ' <<<"$output")" 4
	# crash: 5+1, silent: 0+1, reported: 2+2, liar: 1+1, fine: 10+0
	assert_line --index $((${#lines[@]} - 1)) "tests: 18 passed, 5 failed"
}

@test "a planned stage that never ran fails the run" {
	stages <<'EOF'
only() { echo "only: 1 passed, 0 failed"; }
EOF
	run bash -c '. "$1"; . ./stages.bash; STAGES_PLANNED=2; run_stage only only; stage_summary' runner "$RUNNER" </dev/null
	assert_failure
	assert_line "failed stage: only 1 of 2 stages ran"
	assert_line --index $((${#lines[@]} - 1)) "tests: 1 passed, 1 failed"
}

@test "a stage's closing line must carry its own name" {
	stages <<'EOF'
mine() { echo "theirs: 9 passed, 0 failed"; }
EOF
	run runner mine
	assert_failure
	assert_line --index $((${#lines[@]} - 1)) "tests: 0 passed, 1 failed"
}
