#!/bin/bash
# make check-asan: the whole bats suite (make check) on a build with
# AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer.
#
#   tests/check-asan.sh WORKDIR
#
# WORKDIR/src is an unconfigured copy of the source (the Makefile puts a
# `make distdir` there); the build is a VPATH build in WORKDIR/obj,
# configured once with --enable-asan --enable-ubsan and reused after.
# Sanitizer reports go to files (log_path), and any such file fails the
# pass whatever the tests concluded; a sanitizer exit is 86, never a
# pcipass status.  Counts each bats test, plus one failure for a failed
# build or for sanitizer reports.  Ends with "check-asan: N passed, M failed".
set -uo pipefail

work=${1:?usage: check-asan.sh WORKDIR}
work=$(cd "$work" && pwd) || exit 2
obj=$work/obj
reports=$work/reports
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
passed=0
failed=0

finish() {
	echo "check-asan: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

mkdir -p "$obj"
if [ ! -f "$obj/Makefile" ]; then
	echo "check-asan: configuring $obj (--enable-asan --enable-ubsan)"
	if ! (cd "$obj" && ../src/configure --enable-asan --enable-ubsan >configure.log 2>&1); then
		tail -n 20 "$obj/configure.log"
		echo "check-asan: FAILED: configure"
		failed=$((failed + 1))
		finish
	fi
fi
echo "check-asan: building in $obj"
if ! make -C "$obj" -j"$jobs" >"$obj/make.log" 2>&1; then
	tail -n 30 "$obj/make.log"
	echo "check-asan: FAILED: build"
	failed=$((failed + 1))
	finish
fi

rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=1:exitcode=86:log_path=$reports/asan:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$reports/ubsan"
export LSAN_OPTIONS="exitcode=86:log_path=$reports/lsan"
echo "check-asan: make check under ASan+UBSan"
rm -f "$obj/test-suite.log"
make -C "$obj" -j"$jobs" check >"$obj/check.log" 2>&1
rc=$?
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
grep -E '^(# (TOTAL|PASS|SKIP|FAIL|ERROR)|(FAIL|ERROR):)' "$obj/check.log" | sed 's/^/  /'
if [ -f "$obj/test-suite.log" ]; then
	p=$(sed -n 's/^# PASS: *//p' "$obj/test-suite.log" | head -n 1)
	f=$(sed -n 's/^# FAIL: *//p' "$obj/test-suite.log" | head -n 1)
	e=$(sed -n 's/^# ERROR: *//p' "$obj/test-suite.log" | head -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "check-asan: FAILED: make check exited $rc (see $obj/check.log)"
	failed=$((failed + 1))
fi
if [ -n "$(ls -A "$reports")" ]; then
	echo "check-asan: FAILED: sanitizer reports during make check:"
	for f in "$reports"/*; do
		echo "--- $f"
		head -n 40 "$f"
	done
	failed=$((failed + 1))
else
	echo "check-asan: no sanitizer report"
fi
finish
