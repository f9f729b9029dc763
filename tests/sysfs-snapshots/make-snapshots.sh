#!/bin/bash
# Regenerate the sysfs snapshots in this directory from real kernels.
#
# Usage: make-snapshots.sh [NAME...]
#
# NAME is one of the topologies of topologies.sh (rootports pcibridge
# multifunction switch sriov noiommu vfio gpu amdvi, and the pairs
# topo_pair_names) or host (default: all, one after the other).  tests/vm/check-kernel.sh --update
# makes the same captures and records the kernel's VFIO facts besides.
# Each QEMU topology boots the host's kernel (tests/vm/run-vm.sh) with
# guest-payload.sh, which prepares the guest and runs capture-sysfs.sh; the result is stored as NAME.tar.gz
# (top level: sys/ proc/ META) and the QEMU command line as NAME.qemu.
# "host" captures this machine's own /sys instead (NAME.txt says so).
#
# Needs root (the kernel image in /boot is root-only, config reads are
# truncated for non-root), qemu-system-x86, linux-image-amd64,
# busybox-static, cpio.  Each boot takes 15-60 s under TCG.
# PCIPASS_KEEP_WORK=1 keeps the work directory (console logs, guest checks).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vm=$here/../vm
. "$here/topologies.sh"
all=("${topo_names[@]}" "${topo_pair_names[@]}" host)

case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
[ $# -gt 0 ] && names=("$@") || names=("${all[@]}")
for n in "${names[@]}"; do
	case " ${all[*]} " in *" $n "*) ;; *) echo "unknown snapshot '$n' (known: ${all[*]})" >&2; exit 1 ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pcipass-snapshots.XXXXXX")
if [ -n "${PCIPASS_KEEP_WORK:-}" ]; then
	echo "work directory (kept): $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi

# Deterministic tarball of DIR's sys/ proc/ META.
pack() {
	local dir=$1 out=$2
	tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@0 -cf - sys proc META | gzip -9n > "$out.tmp"
	mv "$out.tmp" "$out"
}

# QEMU arguments per topology: topologies.sh (shared with
# tests/vm/check-kernel.sh, which also records the kernel's VFIO facts).
. "$here/topologies.sh"

initrd=$work/initrd.cpio.gz
built=0
build_initrd() {
	[ $built = 1 ] && return 0
	"$vm/mkinitramfs.sh" "$initrd" --init "$here/guest-payload.sh" \
		--add "$here/capture-sysfs.sh:/usr/bin/capture-sysfs.sh" --modules "$topo_modules"
	built=1
}

rc=0
for n in "${names[@]}"; do
	echo "=== $n" >&2
	out=$work/$n
	mkdir -p "$out"
	if [ "$n" = host ]; then
		CAPTURE_NOTE="the build machine's own /sys (not a VM)" \
			"$here/capture-sysfs.sh" "$out/snapshot"
		pack "$out/snapshot" "$here/host.tar.gz"
		{
			echo "host.tar.gz is the build machine's own /sys and /proc, captured"
			echo "directly with capture-sysfs.sh (not in a VM).  No QEMU was involved."
			echo
			sed 's/^/    /' "$out/snapshot/META"
		} > "$here/host.txt"
		continue
	fi
	build_initrd
	# shellcheck disable=SC2046 # word splitting of the device list is wanted
	set -- $(topo_qemu_args "$n")
	append="$(topo_append "$n") pcipass.topology=$n"
	opts=(--initrd "$initrd" --out "$out/results.tar.gz" --timeout 400
		--append "${append# }" --iommu "$(topo_iommu "$n")" --cmd-file "$out/cmd")
	if ! "$vm/run-vm.sh" "${opts[@]}" -- "$@"; then
		echo "$n: VM run failed; console log follows" >&2
		tail -n 40 "$out/results.tar.gz.console.log" >&2 || true
		rc=1
		continue
	fi
	mkdir -p "$out/r"
	tar -C "$out/r" -xzf "$out/results.tar.gz"
	cat "$out/r/guest-check.txt"
	pack "$out/r/snapshot" "$here/$n.tar.gz"
	# The command line with the temporary paths replaced by placeholders.
	sed -e "s|$initrd|INITRD|g" -e "s|$out/results.tar.gz|OUT|g" "$out/cmd" > "$here/$n.qemu"
	cp "$out/r/guest-check.txt" "$work/$n.check"
done
ls -l "$here"/*.tar.gz >&2
exit $rc
