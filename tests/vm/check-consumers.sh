#!/bin/bash
# make check-consumers: pcipass's --qemu-args given to a real QEMU inside a
# real kernel, with the devices on vfio-pci; the --libvirt-xml of the same
# sets given to libvirt (virt-xml-validate, virsh -c test:///default).
#
# Usage: check-consumers.sh [--pcipass PATH] [--keep DIR] [--save-fixture]
#
# Boots the host's Debian kernel under qemu-system-x86_64 -accel tcg (q35,
# intel-iommu, intel_iommu=on) with:
#   root port 1: virtio-net 0.0 (multifunction=on), virtio-net 0.1, e1000e 0.2
#   root port 2: e1000e
#   root port 3: pcie-pci-bridge with an rtl8139 and an e1000 below it
# The initramfs carries pcipass, qemu-system-x86_64 with its libraries, its
# TCG accelerator module and SeaBIOS.  tests/vm/guest-consumers.sh binds
# every endpoint to vfio-pci with `pcipass unbind` and, per set, starts
# QEMU (-machine q35 -nodefaults -display none -S -qmp stdio) with the
# set's --qemu-args; tests/vm/judge-consumers.py then checks QMP query-pci
# against the arguments and the XML against libvirt.
#
# --save-fixture copies the guest's `pcipass snapshot` (everything on
# vfio-pci) to tests/bats/vmconfig/guest-consumers.tar.gz and the guest's
# QEMU command line next to it, for tests/bats/vmconfig.bats.
#
# Fails (never skips) when QEMU, the kernel, busybox, virsh or
# virt-xml-validate is missing, when the guest does not finish, or when any
# check fails.  The last line is "check-consumers: N passed, M failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

pcipass=$here/../../pcipass
keep=''
save=0
while [ $# -gt 0 ]; do
	case $1 in
	--pcipass) pcipass=${2:?--pcipass needs a path}; shift 2 ;;
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	--save-fixture) save=1; shift ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-consumers: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

finish() { vm_finish check-consumers "$@"; }
broken() { vm_broken check-consumers "$@"; }

qemu=${PCIPASS_VM_QEMU:-qemu-system-x86_64}
[ -x "$pcipass" ] || broken "pcipass binary '$pcipass' not found (run make first)"
command -v "$qemu" >/dev/null || broken "$qemu not found (install qemu-system-x86)"
command -v virsh >/dev/null || broken "virsh not found (install libvirt-clients)"
command -v virt-xml-validate >/dev/null || broken "virt-xml-validate not found (install libvirt-clients)"
command -v python3 >/dev/null || broken "python3 not found"
kernel=$(vm_default_kernel) ||
	broken "no kernel in /boot with modules in /lib/modules (install linux-image-amd64)"
[ -r "$kernel" ] || broken "kernel '$kernel' missing or unreadable (install linux-image-amd64; run as root)"
vm_find_busybox >/dev/null || broken "no static busybox (install busybox-static)"
# What QEMU loads at run time: the TCG accelerator (a module in Debian's
# build) and the machine's firmware, from the paths it was built with.
qemu_path=$(command -v "$qemu")
tcg=$(ls /usr/lib/*/qemu/accel-tcg-x86_64.so 2>/dev/null | head -n 1)
[ -n "$tcg" ] || broken "QEMU's accel-tcg-x86_64.so not found (install qemu-system-x86)"
bios=''
for b in /usr/share/seabios/bios-256k.bin /usr/share/qemu/bios-256k.bin; do
	[ -f "$b" ] && { bios=$b; break; }
done
[ -n "$bios" ] || broken "bios-256k.bin not found (install seabios)"

vm_workdir check-consumers "$keep"

adds=(--add "$tcg:$tcg" --add "$bios:$bios")
# kvmvapic.bin: the option ROM a q35 machine looks for (a warning without it)
[ -f /usr/share/qemu/kvmvapic.bin ] && adds+=(--add /usr/share/qemu/kvmvapic.bin:/usr/share/qemu/kvmvapic.bin)
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	[ -f "$ids" ] && { adds+=(--add "$ids:$ids"); break; }
done
"$here/mkinitramfs.sh" "$work/initrd.gz" --init "$here/guest-consumers.sh" \
	--add-binary "$pcipass:/usr/bin/pcipass" --add-binary "$qemu_path:/usr/bin/qemu-system-x86_64" \
	"${adds[@]}" || broken "building the initramfs failed"

start=$(date +%s)
"$here/run-vm.sh" --initrd "$work/initrd.gz" --out "$work/results.tar.gz" --timeout 1800 --mem 2048 \
	--cmd-file "$work/qemu-command" -- \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-device virtio-net-pci,bus=rp1,addr=0.0,multifunction=on,mac=52:54:00:12:36:01 \
	-device virtio-net-pci,bus=rp1,addr=0.1,mac=52:54:00:12:36:02 \
	-device e1000e,bus=rp1,addr=0.2,mac=52:54:00:12:36:03 \
	-device pcie-root-port,id=rp2,chassis=2,slot=2 \
	-device e1000e,bus=rp2,mac=52:54:00:12:36:04 \
	-device pcie-root-port,id=rp3,chassis=3,slot=3 \
	-device pcie-pci-bridge,id=pb1,bus=rp3 \
	-device rtl8139,bus=pb1,addr=1.0,mac=52:54:00:12:36:05 \
	-device e1000,bus=pb1,addr=2.0,mac=52:54:00:12:36:06
vmrc=$?
elapsed=$(($(date +%s) - start))
case $vmrc in
0 | 3) ;;
*) broken "the guest did not finish (run-vm.sh exit $vmrc after ${elapsed}s; console: $work/results.tar.gz.console.log)" ;;
esac
mkdir -p "$work/results" && tar -xzf "$work/results.tar.gz" -C "$work/results" ||
	broken "cannot unpack the guest's results"
echo "check-consumers: guest ran ${elapsed}s (boot included); its log:"
sed 's/^/  | /' "$work/results/log"

python3 "$here/judge-consumers.py" "$work/results" | tee "$work/tap.txt"
passed=$(grep -c '^ok ' "$work/tap.txt")
failed=$(grep -c '^not ok ' "$work/tap.txt")
[ $((passed + failed)) -gt 0 ] || broken "the judge printed no checks"

if [ "$save" = 1 ]; then
	fixture=$here/../bats/vmconfig/guest-consumers
	cp "$work/results/snapshot.tar.gz" "$fixture.tar.gz" || broken "no snapshot from the guest"
	sed -e "s|-initrd [^ ]*|-initrd INITRD|" -e "s|file:[^ ]*\.console\.log|file:OUT.console.log|" \
		-e "s|file:[^ ]*\.ttyS1|file:OUT.ttyS1|" "$work/qemu-command" > "$fixture.qemu"
	echo "check-consumers: saved $fixture.tar.gz and $fixture.qemu"
fi
finish "$passed" "$failed"
