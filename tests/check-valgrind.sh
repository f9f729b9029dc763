#!/bin/bash
# make check-valgrind: pcipass under `valgrind --leak-check=full` on every
# snapshot and every hostile tree.
#
#   tests/check-valgrind.sh PCIPASS SRCDIR WORKDIR
#
# PCIPASS must be a build without sanitizers.  On every snapshot
# (SRCDIR/tests/sysfs-snapshots/*.tar.gz and derived/*.tar.gz): list,
# list --json, list -t, explain --all and explain --all --json on the
# unpacked tree, and list --json straight from the tarball; on every hostile
# tree (hostile/make-hostile.sh): list --json and explain --all.  Any
# valgrind error (invalid access, uninitialised value, definite or indirect
# leak) fails that run; pcipass's own 0/1/2 are fine (valgrind's error
# status is 99, because 1 is what explain returns for blockers).  Each run
# counts once.  Ends with "check-valgrind: N passed, M failed".
set -uo pipefail

pcipass=${1:?usage: check-valgrind.sh PCIPASS SRCDIR WORKDIR}
top=${2:?usage: check-valgrind.sh PCIPASS SRCDIR WORKDIR}
work=${3:?usage: check-valgrind.sh PCIPASS SRCDIR WORKDIR}
passed=0
failed=0

fail() {
	failed=$((failed + 1))
	echo "check-valgrind: FAILED: $*"
}

finish() {
	echo "check-valgrind: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# vg NAME ARGS...: pcipass ARGS under valgrind; counts one run.
vg() {
	local name=$1 log=$work/logs/$1.log rc=0
	shift
	valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--track-origins=yes --log-file="$log" \
		"$pcipass" "$@" </dev/null >/dev/null 2>"$log.stderr" || rc=$?
	case $rc in
	0 | 1 | 2)
		# Errors are the "==PID==" lines.  "--PID--" lines are valgrind's own
		# notes: 3.19 does not know openat2 (syscall 437) and says so, and
		# pcipass then takes its O_NOFOLLOW walk, which is what runs here.
		if grep -q '^==' "$log"; then
			fail "valgrind $name: pcipass $*"
			head -n 40 "$log"
		else
			passed=$((passed + 1))
		fi ;;
	99)
		fail "valgrind $name: pcipass $*"
		head -n 40 "$log" ;;
	*)
		fail "valgrind $name: pcipass $* exited $rc"
		head -n 20 "$log" "$log.stderr" ;;
	esac
}

if ! command -v valgrind >/dev/null; then
	fail "valgrind is not installed (apt-get install valgrind)"
	finish
fi
if [ ! -x "$pcipass" ]; then
	fail "$pcipass: no such program"
	finish
fi
rm -rf "$work"
mkdir -p "$work/snapshots" "$work/logs"
work=$(cd "$work" && pwd)

n=0
for tb in "$top"/tests/sysfs-snapshots/*.tar.gz "$top"/tests/sysfs-snapshots/derived/*.tar.gz; do
	[ -f "$tb" ] || continue
	n=$((n + 1))
	name=$(basename "$tb" .tar.gz)
	tree=$work/snapshots/$name
	mkdir -p "$tree"
	if ! tar -xzf "$tb" -C "$tree"; then
		fail "unpacking $tb"
		continue
	fi
	i=0
	for cmd in "list" "list --json" "list -t" "explain --all" "explain --all --json"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		vg "$name.$i" --sysroot "$tree" $cmd
	done
	vg "$name.tarball" --sysroot "$tb" list --json
done
[ "$n" -gt 0 ] || fail "no snapshot under $top/tests/sysfs-snapshots"

if "$top/tests/sysfs-snapshots/hostile/make-hostile.sh" "$top/tests/sysfs-snapshots/sriov.tar.gz" \
	"$work/hostile" >"$work/hostile.list"; then
	[ -s "$work/hostile.list" ] || fail "make-hostile.sh made no tree"
	while read -r name; do
		vg "hostile-$name.list" --sysroot "$work/hostile/$name" list --json
		vg "hostile-$name.explain" --sysroot "$work/hostile/$name" explain --all
	done <"$work/hostile.list"
else
	fail "make-hostile.sh"
fi
echo "check-valgrind: $((passed + failed)) valgrind runs, logs in $work/logs"
finish
