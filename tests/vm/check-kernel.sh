#!/bin/bash
# make check-kernel: pcipass's verdicts against what the kernel's VFIO does.
#
# Usage: check-kernel.sh [--pcipass PATH] [--keep DIR] [--update] [TOPOLOGY...]
#
# For each topology of tests/sysfs-snapshots/topologies.sh (default: all;
# name some to run only those, e.g. `check-kernel.sh gpu`), boots the host's
# Debian kernel once under qemu-system-x86_64 -accel tcg.  In the guest
# (tests/sysfs-snapshots/guest-payload.sh) the topology is prepared and
# captured with capture-sysfs.sh exactly as make-snapshots.sh does; then
# tests/vm/guest-probe.sh derives the assignment sets from the guest's sysfs
# (each endpoint alone, each IOMMU group, each multifunction slot, each
# conventional segment, each SR-IOV PF with its VFs) and asks VFIO about
# each one with tests/vm/vfio-probe (built here with gcc -static).
#
# Back on the host, the fresh capture is packed as the snapshot, the guest's
# answers are assembled into the kernel facts (tests/vm/compare-kernel.py
# assemble) and `pcipass --sysroot SNAPSHOT explain --json SET...` is
# compared with them fact by fact (compare-kernel.py compare; its header
# states each fact and the mapping).  Prints the table (topology, set,
# fact, kernel, pcipass, agree) and ends with "check-kernel: N passed, M
# failed"; exits 1 when M > 0.  A topology that does not boot or finish, a
# set the guest could not probe, a missing tool: each counts as failed.
#
#   --update    write the fresh captures over tests/sysfs-snapshots/NAME.tar.gz
#               (and NAME.qemu) and the facts to tests/vm/kernel-facts/NAME.json
#               (the recorded ground truth); then run derived/make-derived.sh
#               and `make check`
#   --keep DIR  keep the work directory (initramfs, console logs, results)
#
# Takes 1-3 minutes per topology on 2 cores.  QEMU runs one at a time.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
snapdir=$(cd "$here/../sysfs-snapshots" && pwd)
. "$here/common.sh"
. "$snapdir/topologies.sh"

pcipass=$here/../../pcipass
keep=''
update=0
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--pcipass) pcipass=${2:?--pcipass needs a path}; shift 2 ;;
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	--update) update=1; shift ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "check-kernel: unknown option '$1' (try --help)" >&2; exit 2 ;;
	*)
		case " ${topo_names[*]} " in
		*" $1 "*) names+=("$1") ;;
		*) echo "check-kernel: unknown topology '$1' (known: ${topo_names[*]})" >&2; exit 2 ;;
		esac
		shift ;;
	esac
done
[ ${#names[@]} -gt 0 ] || names=("${topo_names[@]}")

passed=0
failed=0
finish() {
	echo "check-kernel: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
broken() { # the whole run cannot go on: one failed check
	echo "check-kernel: FAIL: $*" >&2
	failed=$((failed + 1))
	finish
}

[ -x "$pcipass" ] || broken "pcipass binary '$pcipass' not found (run make first)"
pcipass=$(cd "$(dirname "$pcipass")" && pwd)/$(basename "$pcipass")
for tool in "${PCIPASS_VM_QEMU:-qemu-system-x86_64}" python3 gcc; do
	command -v "$tool" >/dev/null || broken "$tool not found (see scripts/install-deps.sh)"
done
kernel=$(vm_default_kernel) || broken "no kernel in /boot with modules in /lib/modules (install linux-image-amd64)"
[ -r "$kernel" ] || broken "kernel '$kernel' missing or unreadable (run as root)"
vm_find_busybox >/dev/null || broken "no static busybox (install busybox-static)"

vm_workdir check-kernel "$keep"

gcc -static -O2 -Wall -Wno-format-truncation -o "$work/vfio-probe" "$here/vfio-probe.c" ||
	broken "building vfio-probe (gcc -static; install libc6-dev) failed"
"$here/mkinitramfs.sh" "$work/initrd.gz" --init "$snapdir/guest-payload.sh" \
	--add "$snapdir/capture-sysfs.sh:/usr/bin/capture-sysfs.sh" \
	--add "$here/guest-probe.sh:/usr/bin/guest-probe.sh" \
	--add-binary "$work/vfio-probe:/usr/bin/vfio-probe" \
	--modules "$topo_modules" || broken "building the initramfs failed"

# Deterministic tarball of DIR's sys/ proc/ META (as make-snapshots.sh).
pack() {
	tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@0 -cf - sys proc META | gzip -9n > "$2"
}

table=$work/table.tsv
: > "$table"
total_start=$(date +%s)
for n in "${names[@]}"; do
	out=$work/$n
	rm -rf "$out"
	mkdir -p "$out"
	# shellcheck disable=SC2046 # word splitting of the device list is wanted
	set -- $(topo_qemu_args "$n")
	append="$(topo_append "$n") pcipass.topology=$n"
	start=$(date +%s)
	"$here/run-vm.sh" --initrd "$work/initrd.gz" --out "$out/results.tar.gz" --timeout 900 \
		--iommu "$(topo_iommu "$n")" --append "${append# }" --cmd-file "$out/cmd" -- "$@"
	vmrc=$?
	echo "# $n: guest ran $(($(date +%s) - start))s (boot included), run-vm.sh exit $vmrc" >&2
	if [ "$vmrc" != 0 ] && [ "$vmrc" != 3 ]; then
		printf '%s\t-\tbooted\tyes\t-\tNO\n' "$n" >> "$table"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$out/r"
	if ! tar -C "$out/r" -xzf "$out/results.tar.gz" || [ ! -d "$out/r/snapshot" ]; then
		printf '%s\t-\tcaptured\tyes\tno\tNO\n' "$n" >> "$table"
		failed=$((failed + 1))
		continue
	fi
	[ "$vmrc" = 0 ] || echo "# $n: the guest payload reported errors (see $out/results.tar.gz.console.log)" >&2
	pack "$out/r/snapshot" "$out/$n.tar.gz"
	sed -e "s|$work/initrd.gz|INITRD|g" -e "s|$out/results.tar.gz|OUT|g" "$out/cmd" > "$out/$n.qemu"
	python3 "$here/compare-kernel.py" assemble "$n" "$out/r/probe" "$out/$n.qemu" > "$out/$n.json" ||
		{ printf '%s\t-\tassembled\tyes\tno\tNO\n' "$n" >> "$table"; failed=$((failed + 1)); continue; }
	python3 "$here/compare-kernel.py" compare "$out/$n.json" "$out/$n.tar.gz" "$pcipass" > "$out/compare.txt"
	grep -v '^compare: ' "$out/compare.txt" >> "$table"
	p=$(sed -n 's/^compare: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out/compare.txt")
	f=$(sed -n 's/^compare: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out/compare.txt")
	if [ -z "$p" ] || [ -z "$f" ]; then
		printf '%s\t-\tcompared\tyes\tno\tNO\n' "$n" >> "$table"
		failed=$((failed + 1))
	else
		passed=$((passed + p))
		failed=$((failed + f))
	fi
	if [ "$update" = 1 ]; then
		cp "$out/$n.tar.gz" "$snapdir/$n.tar.gz"
		cp "$out/$n.qemu" "$snapdir/$n.qemu"
		mkdir -p "$here/kernel-facts"
		cp "$out/$n.json" "$here/kernel-facts/$n.json"
		echo "# $n: updated $snapdir/$n.tar.gz, $n.qemu and kernel-facts/$n.json" >&2
	fi
done

{
	printf 'TOPOLOGY\tSET\tFACT\tKERNEL\tPCIPASS\tAGREE\n'
	cat "$table"
} | column -t -s $'\t'
echo "# all topologies: $(($(date +%s) - total_start))s" >&2
finish
