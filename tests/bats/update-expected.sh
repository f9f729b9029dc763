#!/bin/sh
# Regenerate tests/bats/expected/: the whole output of `pcipass list`,
# `list -t` and `list -nn` on every snapshot (tests/sysfs-snapshots and
# derived/), fitted to 80 columns under LC_ALL=C, as list-expected.bats
# compares them (util-linux's tests/expected, the same idea).
#
#   make update-expected        (or PCIPASS=./pcipass tests/bats/update-expected.sh)
#
# Then read `git diff tests/bats/expected` line by line: a change there is
# a change every user sees.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
: "${PCIPASS:=$top/pcipass}"
: "${SNAPSHOTS:=$top/tests/sysfs-snapshots}"
out=$top/tests/bats/expected
LC_ALL=C COLUMNS=80
export LC_ALL COLUMNS

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tarball in "$SNAPSHOTS"/*.tar.gz "$SNAPSHOTS"/derived/*.tar.gz; do
	name=$(basename "$tarball" .tar.gz)
	mkdir -p "$out/$name" "$tmp/$name"
	tar -xzf "$tarball" -C "$tmp/$name"
	for mode in list: list-t:-t list-nn:-nn; do
		file=${mode%%:*} opt=${mode#*:}
		# shellcheck disable=SC2086 # opt is one option or none
		"$PCIPASS" --sysroot "$tmp/$name" list --width 80 $opt >"$out/$name/$file" 2>"$out/$name/$file.stderr"
		[ -s "$out/$name/$file.stderr" ] || rm -f "$out/$name/$file.stderr"
	done
	rm -rf "${tmp:?}/$name"
done
echo "tests/bats/expected: $(ls "$out" | wc -l) snapshots, 3 outputs each"
