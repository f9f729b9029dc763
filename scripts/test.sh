#!/bin/bash
# The second command of the README, and what CI (.ci/run) runs: every test
# target, one after the other, each with its standard input closed.
#
#   bash scripts/test.sh            run them all
#   bash scripts/test.sh --list     print the stage names, one a line
#
# Configures the tree when needed, then runs each stage below.  Every stage
# ends with "NAME: N passed, M failed"; one that exits non-zero or without
# that line is a failed stage (scripts/stage-runner.sh).  The last line is
# "tests: N passed, M failed" over all of them, and the status is non-zero
# when anything failed or a stage did not run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$PWD

# The stages, in order: NAME and the function that runs it.  make check
# and make distcheck are automake's own targets, so their closing line is
# written here from automake's counts; every other target prints its own.
STAGES=(
	check
	check-vm
	check-replay
	check-boot
	check-kernel
	check-consumers
	check-asan
	check-valgrind
	check-fuzz
	distcheck
)

jobs=$(nproc 2>/dev/null || echo 2)

# automake_counts NAME LOG...: "NAME: N passed, M failed" from the summary
# automake writes at the top of test-suite.log (or prints during distcheck);
# nothing when no summary was found (so the stage fails).
automake_counts() {
	local name=$1
	shift
	awk -v name="$name" '
		/^# TOTAL: *[0-9]+/ { total += $3; seen = 1 }
		/^# PASS: *[0-9]+/  { pass += $3 }
		/^# XFAIL: *[0-9]+/ { pass += $3 }
		/^# SKIP: *[0-9]+/  { bad += $3 }
		/^# FAIL: *[0-9]+/  { bad += $3 }
		/^# XPASS: *[0-9]+/ { bad += $3 }
		/^# ERROR: *[0-9]+/ { bad += $3 }
		END { if (seen) printf "%s: %d passed, %d failed\n", name, pass, bad }
	' "$@"
}

stage_make() {
	make "$1"
}

stage_check() {
	local rc=0
	rm -f test-suite.log
	make -j"$jobs" check || rc=$?
	[ -f test-suite.log ] && automake_counts check test-suite.log
	return "$rc"
}

# distcheck's own make check prints its summary (coloured when on a
# terminal; never here, as the output goes through a pipe).
stage_distcheck() {
	local out rc
	out=$(mktemp "${TMPDIR:-/tmp}/pcipass-distcheck.XXXXXX") || return 1
	make -j"$jobs" distcheck 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	automake_counts distcheck "$out"
	rm -f "$out"
	return "$rc"
}

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${STAGES[@]}"
	exit 0
fi

# shellcheck source=scripts/stage-runner.sh
. "$top/scripts/stage-runner.sh"

if [ ! -x ./configure ]; then
	autoreconf -fi </dev/null || exit 2
fi
if [ ! -f Makefile ]; then
	./configure </dev/null || exit 2
fi

STAGES_PLANNED=${#STAGES[@]}
for name in "${STAGES[@]}"; do
	case $name in
	check) run_stage check stage_check ;;
	distcheck) run_stage distcheck stage_distcheck ;;
	*) run_stage "$name" stage_make "$name" ;;
	esac
done
stage_summary
