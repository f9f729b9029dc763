#!/bin/bash
# make check-vm: pcipass unbind / reset / rebind on a real kernel.
#
# Usage: check-vm.sh [--pcipass PATH] [--keep DIR]
#
# Boots the host's Debian kernel once under qemu-system-x86_64 -accel tcg
# (q35, intel-iommu with interrupt remapping, intel_iommu=on) with:
#   root port 1: virtio-net-pci        (FLR)
#   root port 2: e1000e                (pm, bus; no FLR)
#   root port 3: pcie-pci-bridge with an rtl8139 and an e1000 below it
# The initramfs (tests/vm/mkinitramfs.sh) carries pcipass and its shared
# libraries; tests/vm/guest-mutations.sh runs inside and prints TAP.
#
# Fails (never skips) when QEMU, the kernel or a static busybox is missing,
# when the guest does not finish, or when any guest test fails.  The last
# line is "check-vm: N passed, M failed".  --keep DIR keeps the initramfs,
# console log and results there.
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
	*) echo "check-vm: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

finish() { vm_finish check-vm "$@"; }
broken() { vm_broken check-vm "$@"; }

[ -x "$pcipass" ] || broken "pcipass binary '$pcipass' not found (run make first)"
command -v "${PCIPASS_VM_QEMU:-qemu-system-x86_64}" >/dev/null ||
	broken "qemu-system-x86_64 not found (install qemu-system-x86)"
kernel=$(vm_default_kernel) ||
	broken "no kernel in /boot with modules in /lib/modules (install linux-image-amd64)"
[ -r "$kernel" ] || broken "kernel '$kernel' missing or unreadable (install linux-image-amd64; run as root)"
vm_find_busybox >/dev/null || broken "no static busybox (install busybox-static)"

vm_workdir check-vm "$keep"

adds=()
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	[ -f "$ids" ] && { adds=(--add "$ids:$ids"); break; }
done
# driverctl (a bash script) for the --persist round trip; the guest test
# fails when it is missing.
dcadds=()
if dc=$(command -v driverctl) && [ -x /bin/bash ]; then
	dcadds=(--add-binary /bin/bash:/bin/bash --add "$dc:/usr/sbin/driverctl")
fi
"$here/mkinitramfs.sh" "$work/initrd.gz" --init "$here/guest-mutations.sh" \
	--add-binary "$pcipass:/usr/bin/pcipass" ${adds[@]+"${adds[@]}"} ${dcadds[@]+"${dcadds[@]}"} ||
	broken "building the initramfs failed"

start=$(date +%s)
"$here/run-vm.sh" --initrd "$work/initrd.gz" --out "$work/results.tar.gz" --timeout 900 \
	--cmd-file "$work/qemu-command" -- \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-device virtio-net-pci,bus=rp1,mac=52:54:00:12:34:01 \
	-device pcie-root-port,id=rp2,chassis=2,slot=2 \
	-device e1000e,bus=rp2,mac=52:54:00:12:34:02 \
	-device pcie-root-port,id=rp3,chassis=3,slot=3 \
	-device pcie-pci-bridge,id=pb1,bus=rp3 \
	-device rtl8139,bus=pb1,addr=1.0,mac=52:54:00:12:34:03 \
	-device e1000,bus=pb1,addr=2.0,mac=52:54:00:12:34:04
vmrc=$?
elapsed=$(($(date +%s) - start))
# 0: payload passed; 3: payload ran and reported failures; else no results.
case $vmrc in
0 | 3) ;;
*) broken "the guest did not finish (run-vm.sh exit $vmrc after ${elapsed}s; console: $work/results.tar.gz.console.log)" ;;
esac

tar -xzf "$work/results.tar.gz" -C "$work" ./tap.txt 2>/dev/null || broken "no tap.txt in the guest's results"
cat "$work/tap.txt"

passed=$(grep -c '^ok ' "$work/tap.txt")
failed=$(grep -c '^not ok ' "$work/tap.txt")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$work/tap.txt")
summary=$(tail -n 1 "$work/tap.txt")
echo "check-vm: guest ran ${elapsed}s (boot included)"
sane=1
[ "$summary" = "$passed passed, $failed failed" ] ||
	{ echo "check-vm: FAIL: the guest's summary '$summary' does not match its TAP lines" >&2; sane=0; }
[ -n "$plan" ] && [ "$plan" -gt 0 ] && [ "$plan" -eq $((passed + failed)) ] ||
	{ echo "check-vm: FAIL: plan '1..$plan' does not match $passed + $failed tests" >&2; sane=0; }
[ "$sane" = 1 ] || failed=$((failed + 1))
finish "$passed" "$failed"
