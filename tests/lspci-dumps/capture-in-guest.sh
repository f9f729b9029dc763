#!/bin/bash
# Boot topologies of tests/sysfs-snapshots/topologies.sh and collect lspci's
# listings from inside each guest (guest-lspci.sh, after the snapshot
# capture of guest-payload.sh), into tests/lspci-dumps:
#   NAME.nnDvvvxxxx.txt         lspci -nnDvvvxxxx as root
#   NAME.nnDvvvxxx.txt.gz       lspci -nnDvvvxxx as root, gzip -9n
#   NAME.x.txt                  lspci -x as root (64 bytes, no text)
#   NAME.user.nnDvvvxxx.txt     lspci -nnDvvvxxx as nobody (64 bytes + text)
#   NAME.lspci.qemu             the QEMU command line of that boot
# Usage: tests/lspci-dumps/capture-in-guest.sh [--keep DIR] NAME...
# (VM stage: ~1 min per topology under TCG.)  The guest's own snapshot of
# the same boot is left in the work directory (kept with --keep) to compare
# with the committed one; it is not committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
snaps=$here/../sysfs-snapshots
vm=$here/../vm
. "$vm/common.sh"
. "$snaps/topologies.sh"

keep=
if [ "${1-}" = --keep ]; then keep=$2; shift 2; fi
[ $# -gt 0 ] || { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2; }
if [ -n "$keep" ]; then work=$keep; mkdir -p "$work"; else
	work=$(mktemp -d "${TMPDIR:-/tmp}/lspci-capture.XXXXXX"); trap 'rm -rf "$work"' EXIT; fi

adds=()
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	[ -f "$ids" ] && { adds=(--add "$ids:$ids"); break; }
done
"$vm/mkinitramfs.sh" "$work/initrd.gz" --init "$snaps/guest-payload.sh" \
	--add "$snaps/capture-sysfs.sh:/usr/bin/capture-sysfs.sh" \
	--add "$here/guest-lspci.sh:/usr/bin/guest-lspci.sh" \
	--add-binary "$(command -v lspci):/usr/bin/lspci" \
	--add-binary "$(command -v setpriv):/usr/local/bin/setpriv" \
	--modules "$topo_modules" "${adds[@]}"

rc=0
for n in "$@"; do
	out=$work/$n
	mkdir -p "$out"
	# shellcheck disable=SC2046 # the device list is split on purpose
	set -- $(topo_qemu_args "$n")
	append="$(topo_append "$n") pcipass.topology=$n"
	if ! "$vm/run-vm.sh" --initrd "$work/initrd.gz" --out "$out/results.tar.gz" --timeout 600 \
		--append "${append# }" --iommu "$(topo_iommu "$n")" --cmd-file "$out/cmd" -- "$@"; then
		echo "$n: VM run failed" >&2
		tail -n 30 "$out/results.tar.gz.console.log" >&2 || true
		rc=1
		continue
	fi
	mkdir -p "$out/r"
	tar -C "$out/r" -xzf "$out/results.tar.gz"
	l=$out/r/lspci
	cp "$l/nnDvvvxxxx.txt" "$here/$n.nnDvvvxxxx.txt"
	gzip -9n <"$l/nnDvvvxxx.txt" >"$here/$n.nnDvvvxxx.txt.gz"
	cp "$l/x.txt" "$here/$n.x.txt"
	cp "$l/user.nnDvvvxxx.txt" "$here/$n.user.nnDvvvxxx.txt"
	sed -e "s|$work/initrd.gz|INITRD|g" -e "s|$out/results.tar.gz|OUT|g" "$out/cmd" >"$here/$n.lspci.qemu"
	echo "$n: $(cat "$l/version"); stderr: $(wc -l <"$l/stderr") lines"
done
exit $rc
