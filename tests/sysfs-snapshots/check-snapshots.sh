#!/bin/bash
# Sanity-check snapshot tarballs with an independent reader (pciutils).
#
# Usage: check-snapshots.sh [-q] [SNAPSHOT.tar.gz...]   (default: all here)
#
# For each tarball: the layout (top level only sys/, proc/, META, and etc/,
# lib/, run/, usr/ for the boot configuration; no
# absolute or ../ paths), that resourceN/rom/vpd files are empty, and that
# `lspci -A linux-sysfs -O sysfs.path=DIR/sys/bus/pci -D -nn -k` lists every
# function of sys/bus/pci/devices without error.  Prints lspci's output
# unless -q.  Exit status 1 if any check fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
quiet=0
[ "${1:-}" = -q ] && { quiet=1; shift; }
[ $# -gt 0 ] || set -- "$here"/*.tar.gz
command -v lspci >/dev/null || { echo "lspci not found (install pciutils)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcipass-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rc=0
for t in "$@"; do
	name=$(basename "$t" .tar.gz)
	fail() { echo "$name: FAIL: $*"; rc=1; }
	d=$tmp/$name
	mkdir -p "$d"
	tops=$(tar -tzf "$t" | sed 's|/.*||' | sort -u | tr '\n' ' ')
	# etc/, lib/, run/ and usr/ only for the boot configuration (modprobe.d, driverctl.d)
	[ "$(echo "$tops" | sed -e 's/etc //' -e 's/lib //' -e 's/run //' -e 's/usr //')" = "META proc sys " ] ||
		fail "top level is '$tops'"
	if tar -tzf "$t" | grep -qE '^/|(^|/)\.\.(/|$)'; then fail "absolute or ../ paths"; fi
	tar -C "$d" -xzf "$t"
	nonempty=$(find "$d/sys" -type f \( -name 'resource[0-9]' -o -name 'resource[0-9]_wc' \
		-o -name rom -o -name vpd \) ! -empty | wc -l)
	[ "$nonempty" = 0 ] || fail "$nonempty resourceN/rom/vpd files have content"
	ndev=$(ls "$d/sys/bus/pci/devices" | wc -l)
	if ! out=$(lspci -A linux-sysfs -O "sysfs.path=$d/sys/bus/pci" -D -nn -k 2>"$d.err"); then
		fail "lspci failed: $(cat "$d.err")"
	fi
	# libkmod complains when the running kernel has no /lib/modules; harmless.
	if grep -v 'Unable to load libkmod resources' "$d.err" | grep -q .; then
		fail "lspci stderr: $(cat "$d.err")"
	fi
	nlisted=$(printf '%s\n' "$out" | grep -c '^[0-9a-f]\{4\}:')
	ndrv=$(printf '%s\n' "$out" | grep -c 'Kernel driver in use:')
	[ "$nlisted" = "$ndev" ] || fail "lspci lists $nlisted functions, sys/bus/pci/devices has $ndev"
	echo "$name: $nlisted functions listed, $ndrv with a kernel driver in use ($(grep '^kernel_release=' "$d/META" | cut -d= -f2))"
	[ $quiet = 1 ] || printf '%s\n\n' "$out"
done
exit $rc
