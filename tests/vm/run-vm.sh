#!/bin/bash
# Boot the host's kernel with an initramfs from mkinitramfs.sh under QEMU
# (TCG, q35) and collect what the guest payload left in /results.
#
# Usage: run-vm.sh --initrd FILE --out OUTFILE [options] [-- QEMU-ARGS...]
#
#   --initrd FILE      initramfs built by mkinitramfs.sh
#   --out OUTFILE      where the guest's /results land, as a .tar.gz
#   --iommu KIND       intel (default): -device intel-iommu,intremap=on,
#                      caching-mode=on and intel_iommu=on; amd: -device
#                      amd-iommu,intremap=on and iommu=pt (QEMU's emulated
#                      devices time out on DMA without it); none: no IOMMU
#   --no-iommu         same as --iommu none
#   --timeout SEC      kill QEMU after SEC seconds (default 300)
#   --append 'ARGS'    extra kernel command line arguments
#   --kernel PATH      kernel image (default: newest /boot/vmlinuz-* with
#                      modules; PCIPASS_VM_KERNEL overrides)
#   --mem MB           guest memory (default 1024)
#   --cmd-file FILE    write the exact QEMU command line (shell-quoted) there
#   -- QEMU-ARGS...    passed to QEMU last, typically -device/-drive options
#
# No NIC is added by default (-nic none); q35's own functions (host bridge,
# VGA at 00:01.0, ICH9 at 00:1f.*) are there.  The second serial port (ttyS1,
# ISA, adds no PCI function) carries the results; the console (ttyS0) goes to
# OUTFILE.console.log.
#
# Exit status: 0 results written and payload exited 0; 3 results written but
# the payload exited non-zero; 2 no results (guest crashed or never reached
# the end, see the console log); 124 timeout; 1 usage or missing tools.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit "${1:-1}"
}

initrd=''
out=''
iommu=intel
timeout_s=300
append=''
kernel=''
mem=1024
cmd_file=''
while [ $# -gt 0 ]; do
	case $1 in
	--initrd) initrd=${2:?--initrd needs a file}; shift 2 ;;
	--out) out=${2:?--out needs a file}; shift 2 ;;
	--no-iommu) iommu=none; shift ;;
	--iommu)
		case ${2:-} in intel | amd | none) iommu=$2 ;; *) vm_die "--iommu wants intel, amd or none" ;; esac
		shift 2 ;;
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--kernel) kernel=${2:?--kernel needs a file}; shift 2 ;;
	--mem) mem=${2:?--mem needs MB}; shift 2 ;;
	--cmd-file) cmd_file=${2:?--cmd-file needs a file}; shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) vm_die "unknown argument '$1' (QEMU arguments go after '--'; try --help)" ;;
	esac
done
[ -n "$initrd" ] && [ -n "$out" ] || usage 1
case $timeout_s in ''|*[!0-9]*) vm_die "--timeout wants whole seconds" ;; esac

qemu=${PCIPASS_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null ||
	vm_die "$qemu not found (install qemu-system-x86)"
command -v timeout >/dev/null || vm_die "timeout(1) not found (coreutils)"
command -v base64 >/dev/null || vm_die "base64(1) not found (coreutils)"
if [ -z "$kernel" ]; then
	kernel=$(vm_default_kernel) ||
		vm_die "no kernel in /boot with modules in /lib/modules (install linux-image-amd64)"
fi
[ -r "$kernel" ] || vm_die "kernel '$kernel' missing or not readable (install linux-image-amd64; Debian's vmlinuz is root-only)"
[ -r "$initrd" ] || vm_die "initramfs '$initrd' not found (build it with tests/vm/mkinitramfs.sh)"

console=$out.console.log
ttys1=$out.ttyS1
mkdir -p "$(dirname "$out")"
rm -f "$out" "$console" "$ttys1"

kargs='console=ttyS0 panic=-1 oops=panic'
machine=q35
iommu_dev=()
case $iommu in
intel)
	kargs="$kargs intel_iommu=on"
	# intremap=on needs a split irqchip.
	machine=q35,kernel-irqchip=split
	iommu_dev=(-device intel-iommu,intremap=on,caching-mode=on)
	;;
amd)
	kargs="$kargs iommu=pt"
	machine=q35,kernel-irqchip=split
	iommu_dev=(-device amd-iommu,intremap=on)
	;;
esac
[ -z "$append" ] || kargs="$kargs $append"

cmd=("$qemu" -accel tcg -machine "$machine" -m "$mem" -nographic
	-monitor none -no-reboot -nic none
	-kernel "$kernel" -initrd "$initrd" -append "$kargs"
	-serial "file:$console" -serial "file:$ttys1"
	${iommu_dev[@]+"${iommu_dev[@]}"} "$@")

# Quote an argument for sh only when it needs it (keeps the file readable).
shquote() {
	case $1 in
	'' | *[!A-Za-z0-9_,.:/=+@%-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
	*) printf '%s' "$1" ;;
	esac
}
if [ -n "$cmd_file" ]; then
	{
		sep=''
		for a in "${cmd[@]}"; do printf '%s' "$sep"; shquote "$a"; sep=' '; done
		echo
	} > "$cmd_file"
fi

vm_note "booting $(basename "$kernel") (timeout ${timeout_s}s), console: $console"
start=$(date +%s)
set +e
timeout --kill-after=10 "$timeout_s" "${cmd[@]}" </dev/null >"$out.qemu-stderr" 2>&1
qrc=$?
set -e
elapsed=$(( $(date +%s) - start ))

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	vm_note "timeout: QEMU killed after ${timeout_s}s; last console lines:"
	tail -n 15 "$console" >&2 || true
	exit 124
fi
if [ "$qrc" != 0 ]; then
	vm_note "QEMU exited with status $qrc:"
	cat "$out.qemu-stderr" >&2
	exit 2
fi
rm -f "$out.qemu-stderr"

if ! grep -q '^@@PCIPASS-VM-END rc=[0-9]*@@' "$ttys1" 2>/dev/null; then
	vm_note "no results from the guest after ${elapsed}s; last console lines ($console):"
	tail -n 15 "$console" >&2 || true
	exit 2
fi
prc=$(tr -d '\r' < "$ttys1" | sed -n 's/^@@PCIPASS-VM-END rc=\([0-9]*\)@@$/\1/p' | tail -n 1)
if ! tr -d '\r' < "$ttys1" |
	sed -n '/^@@PCIPASS-VM-BEGIN@@$/,/^@@PCIPASS-VM-END /{/^@@/d;p}' |
	base64 -d > "$out.tmp"; then
	rm -f "$out.tmp"
	vm_die "could not decode the results in $ttys1"
fi
gzip -t "$out.tmp" 2>/dev/null || { rm -f "$out.tmp"; vm_die "results in $ttys1 are corrupt"; }
mv "$out.tmp" "$out"
rm -f "$ttys1"
vm_note "results in $out after ${elapsed}s (payload exit status $prc)"
[ "$prc" = 0 ] || exit 3
exit 0
