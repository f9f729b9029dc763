#!/bin/bash
# The sanitizer and valgrind passes (issue 7), outside the source tree.
#
#   scripts/check-sanitizers.sh [asan|valgrind|all] [WORKDIR]
#
# asan:     a VPATH build with --enable-asan --enable-ubsan (leak detection
#           on), then the whole `make check`.  Sanitizer reports go to files
#           (log_path) and any such file fails the pass, whatever the tests
#           concluded; a sanitizer exit is 86, never a pcipass status.
# valgrind: a plain -O1 -g VPATH build; `valgrind --leak-check=full` over
#           list, list --json, list -t, explain --all and explain --all --json
#           on every snapshot (tests/sysfs-snapshots/*.tar.gz and derived/*),
#           list --json straight from each tarball, and list / explain --all
#           on every hostile tree.  Any valgrind error (invalid access,
#           uninitialised value, definite or indirect leak) fails the run;
#           pcipass's own 0/1/2 are fine.  (valgrind's error status is 99, not
#           1, because 1 is what explain returns for blockers.)
#
# The source is copied first (git's tracked and untracked, non-ignored
# files), because configure refuses a VPATH build of a source directory that
# is itself configured, as a developer's checkout usually is.  WORKDIR
# defaults to $TMPDIR/pcipass-sanitizers and is reused.
#
# Needs: the build dependencies plus valgrind, strace, perl, jq, bats (as
# make check does).  Ends with "sanitizers: N passed, M failed".
set -uo pipefail

mode=${1:-all}
case $mode in asan | valgrind | all) ;; *)
	echo "usage: $0 [asan|valgrind|all] [WORKDIR]" >&2
	exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-${TMPDIR:-/tmp}/pcipass-sanitizers}
jobs=${JOBS:-2}
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "sanitizers: FAILED: $*"; }

finish() {
	echo "sanitizers: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# ---- a configured-free copy of the source --------------------------------
copy_source() {
	local src=$work/src
	rm -rf "$src"
	mkdir -p "$src"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z -c -o --exclude-standard |
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$src"
	else
		(cd "$top" && tar --exclude=./build-* -cf - .) | tar -xf - -C "$src"
		[ -f "$src/Makefile" ] && make -C "$src" distclean >/dev/null 2>&1
	fi
	(cd "$src" && autoreconf -fi >"$work/autoreconf.log" 2>&1) || {
		cat "$work/autoreconf.log"
		return 1
	}
}

# build DIR CONFIGURE-ARGS...: VPATH build in $work/DIR
build() {
	local dir=$work/$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && ../src/configure "$@" >configure.log 2>&1) || {
		tail -n 20 "$dir/configure.log"
		return 1
	}
	nice make -C "$dir" -j"$jobs" >"$dir/make.log" 2>&1 || {
		tail -n 30 "$dir/make.log"
		return 1
	}
}

run_asan() {
	local dir=$work/build-asan reports=$work/asan-reports
	echo "=== ASan+UBSan build and make check in $dir"
	if ! build build-asan --enable-asan --enable-ubsan; then
		fail "ASan+UBSan build"
		return
	fi
	rm -rf "$reports"
	mkdir -p "$reports"
	export ASAN_OPTIONS="detect_leaks=1:exitcode=86:log_path=$reports/asan:strict_string_checks=1:detect_stack_use_after_return=1"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$reports/ubsan"
	export LSAN_OPTIONS="exitcode=86:log_path=$reports/lsan"
	if nice make -C "$dir" -j"$jobs" check >"$dir/check.log" 2>&1; then
		pass
		grep -E '^# (TOTAL|PASS|FAIL|ERROR)' "$dir/check.log" | sed 's/^/  /'
	else
		fail "make check under ASan+UBSan (see $dir/test-suite.log)"
		grep -E '^# (TOTAL|PASS|FAIL|ERROR)|^(FAIL|ERROR):' "$dir/check.log" | head -n 30
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	if [ -n "$(ls -A "$reports")" ]; then
		fail "sanitizer reports during make check:"
		for f in "$reports"/*; do
			echo "--- $f"
			head -n 40 "$f"
		done
	else
		echo "  no sanitizer report"
		pass
	fi
}

# vg NAME ARGS...: pcipass ARGS under valgrind; counts one check
vg() {
	local name=$1 log=$work/valgrind-logs/$1.log rc=0
	shift
	nice valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--track-origins=yes --log-file="$log" \
		"$work/build-plain/pcipass" "$@" >/dev/null 2>"$log.stderr" || rc=$?
	case $rc in
	0 | 1 | 2)
		if [ -s "$log" ]; then
			fail "valgrind $name: pcipass $*"
			head -n 40 "$log"
		else
			pass
		fi ;;
	99)
		fail "valgrind $name: pcipass $*"
		head -n 40 "$log" ;;
	*)
		fail "valgrind $name: pcipass $* exited $rc"
		head -n 20 "$log" "$log.stderr" ;;
	esac
}

run_valgrind() {
	local snaps=$work/snapshots tb name tree cmd i
	echo "=== valgrind over every snapshot"
	if ! command -v valgrind >/dev/null; then
		fail "valgrind is not installed (apt-get install valgrind)"
		return
	fi
	if ! build build-plain CFLAGS="-O1 -g"; then
		fail "plain build for valgrind"
		return
	fi
	rm -rf "$snaps" "$work/valgrind-logs"
	mkdir -p "$snaps" "$work/valgrind-logs"
	for tb in "$top"/tests/sysfs-snapshots/*.tar.gz "$top"/tests/sysfs-snapshots/derived/*.tar.gz; do
		[ -f "$tb" ] || continue
		name=$(basename "$tb" .tar.gz)
		tree=$snaps/$name
		mkdir -p "$tree"
		tar -xzf "$tb" -C "$tree"
		i=0
		for cmd in "list" "list --json" "list -t" "explain --all" "explain --all --json"; do
			i=$((i + 1))
			# shellcheck disable=SC2086
			vg "$name.$i" --sysroot "$tree" $cmd
		done
		vg "$name.tarball" --sysroot "$tb" list --json
	done
	if "$top/tests/sysfs-snapshots/hostile/make-hostile.sh" "$top/tests/sysfs-snapshots/sriov.tar.gz" \
		"$work/hostile" >"$work/hostile.list"; then
		while read -r name; do
			vg "hostile-$name.list" --sysroot "$work/hostile/$name" list --json
			vg "hostile-$name.explain" --sysroot "$work/hostile/$name" explain --all
		done <"$work/hostile.list"
	else
		fail "make-hostile.sh"
	fi
	echo "  $(find "$work/valgrind-logs" -name '*.log' | wc -l) valgrind runs, logs in $work/valgrind-logs"
}

mkdir -p "$work"
work=$(cd "$work" && pwd)
if ! copy_source; then
	fail "copying and autoreconf of the source"
	finish
fi
case $mode in
asan) run_asan ;;
valgrind) run_valgrind ;;
all) run_asan; run_valgrind ;;
esac
finish
