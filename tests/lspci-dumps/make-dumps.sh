#!/bin/sh
# Regenerate the lspci listings of tests/lspci-dumps from the committed
# real-kernel snapshots (tests/lspci-dumps/README says how and why).
#   tests/lspci-dumps/make-dumps.sh            (from the top of the tree)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
snaps=$here/../sysfs-snapshots
tmp=$(mktemp -d "${TMPDIR:-/tmp}/make-dumps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# lspci (pciutils) reading the snapshot's sys/bus/pci as its sysfs: the
# same config bytes, IOMMU groups and driver links the guest's own lspci
# would read.  "Kernel modules:" needs the guest's modules.alias: dropped.
dump() { # NAME OUT LSPCI-ARGS...
	name=$1 out=$2
	shift 2
	rm -rf "$tmp/$name"
	mkdir "$tmp/$name"
	tar -C "$tmp/$name" -xzf "$snaps/$name.tar.gz"
	LC_ALL=C lspci -A linux-sysfs -O "sysfs.path=$tmp/$name/sys/bus/pci" "$@" 2>/dev/null |
		grep -v '^	Kernel modules:' >"$here/$out"
}

for name in switch multifunction pcibridge noiommu; do
	dump "$name" "$name.nnDvvvxxxx.txt" -nnDvvvxxxx
done
dump switch switch.nnDvvvxxx.txt -nnDvvvxxx		# 256 bytes: no extended capabilities
dump switch switch.x.txt -x				# 64 bytes, no -v text: what a user's lspci -x shows
gzip -9n <"$here/switch.nnDvvvxxx.txt" >"$here/switch.nnDvvvxxx.txt.gz"
rm "$here/switch.nnDvvvxxx.txt"
