#!/bin/bash
# make check-boot: the next boot's configuration on a real kernel.
#
# Usage: check-boot.sh [--pcipass PATH] [--keep DIR]
#
# Boots the host's Debian kernel once under qemu-system-x86_64 -accel tcg
# (q35, intel-iommu with interrupt remapping) with a virtio-net, an e1000e
# and an nvme behind their own root ports, and on the kernel command line
#   vfio-pci.ids=1af4:1041,8086:10d3:1234:5678,nonsense,0x1b36:0x0010:ffffffff:ffffffff:010802:ffffff
# (the virtio-net; the e1000e with a subsystem it does not have; a bad id;
# the nvme by its class).
# tests/vm/guest-boot.sh brings the NIC up, asks pcipass which functions the
# ids take (and whether that breaks the host), then loads vfio-pci with the
# same ids and lets the kernel say which functions its bind file accepts.
#
# Fails (never skips) when QEMU, the kernel or a static busybox is missing,
# when the guest does not finish, or when any guest test fails.  The last
# line is "check-boot: N passed, M failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

pcipass=$here/../../pcipass
keep=''
while [ $# -gt 0 ]; do
	case $1 in
	--pcipass) pcipass=${2:?--pcipass needs a path}; shift 2 ;;
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-boot: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

finish() { vm_finish check-boot "$@"; }
broken() { vm_broken check-boot "$@"; }

[ -x "$pcipass" ] || broken "pcipass binary '$pcipass' not found (run make first)"
command -v "${PCIPASS_VM_QEMU:-qemu-system-x86_64}" >/dev/null ||
	broken "qemu-system-x86_64 not found (install qemu-system-x86)"
kernel=$(vm_default_kernel) ||
	broken "no kernel in /boot with modules in /lib/modules (install linux-image-amd64)"
[ -r "$kernel" ] || broken "kernel '$kernel' missing or unreadable (install linux-image-amd64; run as root)"
vm_find_busybox >/dev/null || broken "no static busybox (install busybox-static)"

vm_workdir check-boot "$keep"

"$here/mkinitramfs.sh" "$work/initrd.gz" --init "$here/guest-boot.sh" \
	--add-binary "$pcipass:/usr/bin/pcipass" || broken "building the initramfs failed"

# The nvme gets a disk the guest swaps on: the host's own disk, which the
# ids take too (the breakage users report: the host does not come up).
truncate -s 16M "$work/nvme.img" || broken "cannot make the nvme's disk image"

start=$(date +%s)
"$here/run-vm.sh" --initrd "$work/initrd.gz" --out "$work/results.tar.gz" --timeout 600 \
	--append 'vfio-pci.ids=1af4:1041,8086:10d3:1234:5678,nonsense,0x1b36:0x0010:ffffffff:ffffffff:010802:ffffff' \
	--cmd-file "$work/qemu-command" -- \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-device virtio-net-pci,bus=rp1,mac=52:54:00:12:34:01 \
	-device pcie-root-port,id=rp2,chassis=2,slot=2 \
	-device e1000e,bus=rp2,mac=52:54:00:12:34:02 \
	-device pcie-root-port,id=rp3,chassis=3,slot=3 \
	-drive "file=$work/nvme.img,if=none,id=nvmedisk,format=raw" \
	-device nvme,bus=rp3,serial=boot0,drive=nvmedisk
vmrc=$?
elapsed=$(($(date +%s) - start))
case $vmrc in
0 | 3) ;;
*) broken "the guest did not finish (run-vm.sh exit $vmrc after ${elapsed}s; console: $work/results.tar.gz.console.log)" ;;
esac

tar -xzf "$work/results.tar.gz" -C "$work" ./tap.txt 2>/dev/null || broken "no tap.txt in the guest's results"
cat "$work/tap.txt"
passed=$(grep -c '^ok ' "$work/tap.txt")
failed=$(grep -c '^not ok ' "$work/tap.txt")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$work/tap.txt")
echo "check-boot: guest ran ${elapsed}s (boot included)"
[ "$(tail -n 1 "$work/tap.txt")" = "$passed passed, $failed failed" ] && [ -n "$plan" ] &&
	[ "$plan" -eq $((passed + failed)) ] && [ "$plan" -gt 0 ] ||
	{ echo "check-boot: FAIL: the guest's TAP does not add up" >&2; failed=$((failed + 1)); }
finish "$passed" "$failed"
