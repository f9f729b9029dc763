#!/bin/bash
# Regenerate the sysfs snapshots in this directory from real kernels.
#
# Usage: make-snapshots.sh [NAME...]
#
# NAME is one of: rootports pcibridge multifunction switch sriov noiommu vfio
# host (default: all, one after the other).  Each QEMU topology boots the
# host's kernel (tests/vm/run-vm.sh) with guest-payload.sh, which prepares
# the guest and runs capture-sysfs.sh; the result is stored as NAME.tar.gz
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
all=(rootports pcibridge multifunction switch sriov noiommu vfio host)

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

# QEMU arguments per topology (after run-vm.sh's own: q35, intel-iommu).
rp() { echo "-device pcie-root-port,id=rp$1,chassis=$1,slot=$1"; }
nvme_drive='-drive if=none,id=d0,file=null-co://,format=raw'
qemu_args() {
	case $1 in
	rootports | noiommu | vfio)
		echo "$(rp 1) -device virtio-net-pci,bus=rp1,mac=52:54:00:00:00:01"
		echo "$(rp 2) -device e1000e,bus=rp2,mac=52:54:00:00:00:02"
		echo "$(rp 3) -device nvme,serial=pcipass0,drive=d0,bus=rp3 $nvme_drive"
		;;
	pcibridge)
		echo "$(rp 1) -device pcie-pci-bridge,id=pb1,bus=rp1"
		echo "-device rtl8139,bus=pb1,addr=1.0,mac=52:54:00:00:00:01"
		echo "-device e1000,bus=pb1,addr=2.0,mac=52:54:00:00:00:02"
		echo "$(rp 2) -device virtio-net-pci,bus=rp2,mac=52:54:00:00:00:03"
		;;
	multifunction)
		echo "$(rp 1)"
		echo "-device virtio-net-pci,bus=rp1,addr=0.0,multifunction=on,mac=52:54:00:00:00:01"
		echo "-device virtio-net-pci,bus=rp1,addr=0.1,mac=52:54:00:00:00:02"
		echo "-device e1000e,bus=rp1,addr=0.2,mac=52:54:00:00:00:03"
		;;
	switch)
		echo "$(rp 1) -device x3130-upstream,id=up1,bus=rp1"
		echo "-device xio3130-downstream,id=dn1,bus=up1,chassis=11,slot=1"
		echo "-device xio3130-downstream,id=dn2,bus=up1,chassis=12,slot=2"
		echo "-device virtio-net-pci,bus=dn1,mac=52:54:00:00:00:01"
		echo "-device e1000e,bus=dn2,mac=52:54:00:00:00:02"
		;;
	sriov)
		echo "$(rp 1) -device virtio-net-pci,bus=rp1,mac=52:54:00:00:00:01"
		echo "$(rp 2) -device nvme-subsys,id=s0"
		echo "-device nvme,serial=pcipass0,subsys=s0,bus=rp2,sriov_max_vfs=3,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=10,msix_qsize=16"
		;;
	esac
}

initrd=$work/initrd.cpio.gz
built=0
build_initrd() {
	[ $built = 1 ] && return 0
	"$vm/mkinitramfs.sh" "$initrd" --init "$here/guest-payload.sh" \
		--add "$here/capture-sysfs.sh:/usr/bin/capture-sysfs.sh"
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
	set -- $(qemu_args "$n")
	opts=(--initrd "$initrd" --out "$out/results.tar.gz" --timeout 400
		--append "pcipass.topology=$n" --cmd-file "$out/cmd")
	[ "$n" = noiommu ] && opts+=(--no-iommu)
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
