#!/bin/bash
# Make the derived snapshot trees in this directory from the real captures
# one directory up.  Each is a copy of a real capture with one edit, for a
# case QEMU cannot produce (README says which edit and why); the edit is
# checked against the expected old content, so a re-captured source that no
# longer matches stops the script instead of producing a wrong tree.
# Output: NAME.tar.gz, packed like the real ones, plus a DERIVED note at the
# top of the tree saying what was changed.
#
# usage: make-derived.sh [NAME...]     (default: all of them, in order)
# DERIVED_OUT=DIR writes the tarballs to DIR instead of this directory (the
# tests use it to check that the stored tarballs are what this script makes).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
real=$(cd "$here/.." && pwd)
out=${DERIVED_OUT:-$here}
all=(pcibridge-shared-page pcibridge-unaligned-bar switch-bus-range pcibridge-nonroot
	vfio-nointremap vfio-nointremap-unsafe rootports-direct-region rootports-acs-override
	rootports-no-group rootports-quirk vfio-in-use noiommu-vfio-noiommu rootports-swap
	rootports-boot-ids multifunction-boot-modprobe rootports-boot-driverctl
	rootports-merged-group rootports-no-flr multifunction-mf-acs multifunction-mf-acs-alias)

case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
[ $# -gt 0 ] && names=("$@") || names=("${all[@]}")

die() { echo "make-derived.sh: $*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pcipass-derived.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The tarball a derived tree starts from.
source_of() {
	case $1 in
	pcibridge-*) echo "$real/pcibridge.tar.gz" ;;
	switch-*) echo "$real/switch.tar.gz" ;;
	vfio-nointremap) echo "$real/vfio.tar.gz" ;;
	vfio-nointremap-unsafe) echo "$out/vfio-nointremap.tar.gz" ;;
	rootports-boot-ids) echo "$out/rootports-swap.tar.gz" ;;
	rootports-*) echo "$real/rootports.tar.gz" ;;
	multifunction-mf-acs-alias) echo "$out/multifunction-mf-acs.tar.gz" ;;
	multifunction-*) echo "$real/multifunction.tar.gz" ;;
	vfio-in-use) echo "$real/vfio.tar.gz" ;;
	noiommu-vfio-noiommu) echo "$real/noiommu.tar.gz" ;;
	*) die "unknown derived tree '$1' (known: ${all[*]})" ;;
	esac
}

# devdir TREE BDF: the canonical sysfs directory of a function, relative to TREE.
devdir() {
	local d
	d=$(cd "$1/sys/bus/pci/devices/$2" && pwd -P) || die "$2: not in the tree"
	echo "${d#"$(cd "$1" && pwd -P)"/}"
}

# replace_line FILE LINENO OLD NEW: line LINENO (1-based) must read OLD.
replace_line() {
	local file=$1 n=$2 old=$3 new=$4
	[ "$(sed -n "${n}p" "$file")" = "$old" ] || die "$file line $n is not '$old'"
	sed -i "${n}s/.*/$new/" "$file"
}

# poke_byte FILE OFFSET OLD NEW: one byte of a binary file, hex values.
poke_byte() {
	local file=$1 off=$2 old=$3 new=$4
	[ "$(od -An -tx1 -j "$off" -N1 "$file" | tr -d ' ')" = "$old" ] || die "$file byte $off is not $old"
	printf "\\x$new" | dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

# Each edit_NAME TREE makes the one change and prints the DERIVED note.
edit_pcibridge-shared-page() {
	local f
	f=$1/$(devdir "$1" 0000:01:00.0)/resource
	replace_line "$f" 1 "0x00000000fe600000 0x00000000fe6000ff 0x0000000000140204" \
		"0x00000000fe4a0100 0x00000000fe4a01ff 0x0000000000140204"
	echo "0000:01:00.0/resource line 0 (BAR0, the 256-byte SHPC BAR of the PCIe-to-PCI bridge):"
	echo "0xfe600000-0xfe6000ff -> 0xfe4a0100-0xfe4a01ff, into the 4 KiB page of 0000:02:01.0's BAR1."
}

edit_pcibridge-unaligned-bar() {
	local f
	f=$1/$(devdir "$1" 0000:02:01.0)/resource
	replace_line "$f" 2 "0x00000000fe4a0000 0x00000000fe4a00ff 0x0000000000040200" \
		"0x00000000fe600100 0x00000000fe6001ff 0x0000000000040200"
	echo "0000:02:01.0/resource line 1 (BAR1 of the RTL8139, 256 bytes):"
	echo "0xfe4a0000-0xfe4a00ff -> 0xfe600100-0xfe6001ff, off a page boundary, in the 4 KiB page"
	echo "of 0000:01:00.0's BAR0."
}

edit_switch-bus-range() {
	local f
	f=$1/$(devdir "$1" 0000:00:02.0)/config
	poke_byte "$f" 25 01 02
	echo "0000:00:02.0/config byte 0x19 (secondary bus number of the root port): 0x01 -> 0x02,"
	echo "so its bus range reads 02-04 while the switch upstream port below it sits on bus 01."
}

edit_pcibridge-nonroot() {
	local n=0 f
	while IFS= read -r f; do
		truncate -s 64 "$f"
		n=$((n + 1))
	done < <(find "$1/sys/devices" -name config -type f -size +64c)
	[ "$n" -gt 0 ] || die "no config file longer than 64 bytes"
	echo "every sys/devices/pci*/.../config truncated to its first 64 bytes ($n files),"
	echo "which is what a non-root reader gets from the kernel."
}

edit_vfio-nointremap() {
	local f=$1/proc/cmdline old
	old=$(cat "$f")
	[ "$old" = "console=ttyS0 panic=-1 oops=panic intel_iommu=on pcipass.topology=vfio" ] ||
		die "$f is not the expected command line"
	printf '%s intremap=off\n' "$old" > "$f"
	echo "proc/cmdline: ' intremap=off' appended (the kernel then leaves interrupt remapping off)."
	# The live evidence must say the same: with intremap=off the interrupt
	# chips are the plain ones (PCI-MSI, IO-APIC), not the IR- ones.
	local c n=0
	for c in "$1"/sys/kernel/irq/*/chip_name; do
		case $(cat "$c") in
		IR-*) sed -i 's/^IR-//' "$c"; n=$((n + 1)) ;;
		DMAR-MSI | PCI-MSI | IO-APIC | XT-PIC) ;;
		*) die "$c: unexpected chip $(cat "$c")" ;;
		esac
	done
	[ "$n" -gt 0 ] || die "no IR- interrupt chips in the source tree"
	sed -i 's/ IR-\(PCI-MSI\|IO-APIC\) / \1 /' "$1/proc/interrupts"
	grep -q ' IR-' "$1/proc/interrupts" && die "$1/proc/interrupts: IR- chips left"
	echo "sys/kernel/irq/*/chip_name: IR- prefix dropped ($n chips), and in proc/interrupts."
}

edit_vfio-nointremap-unsafe() {
	local f=$1/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
	[ "$(cat "$f")" = N ] || die "$f is not N"
	echo Y > "$f"
	echo "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts: N -> Y"
	echo "(on top of vfio-nointremap, whose DERIVED note follows)."
}

edit_rootports-direct-region() {
	local f=$1/sys/kernel/iommu_groups/8/reserved_regions
	[ -f "$f" ] || die "$f: missing"
	grep -q ' direct$' "$f" && die "$f already lists a direct region"
	printf '0x000000007d000000 0x000000007f7fffff direct\n' >> "$f"
	echo "sys/kernel/iommu_groups/8/reserved_regions (the group of 0000:03:00.0, nvme): a line"
	echo "'0x000000007d000000 0x000000007f7fffff direct' appended: an RMRR the firmware asks the"
	echo "IOMMU to keep mapped 1:1, as on many HP ProLiant and AMD B650/X670 boards."
}

edit_rootports-acs-override() {
	local f=$1/proc/cmdline old
	old=$(cat "$f")
	[ "$old" = "console=ttyS0 panic=-1 oops=panic intel_iommu=on pcipass.topology=rootports" ] ||
		die "$f is not the expected command line"
	printf '%s pcie_acs_override=downstream,multifunction\n' "$old" > "$f"
	echo "proc/cmdline: ' pcie_acs_override=downstream,multifunction' appended (a patched"
	echo "kernel's option; Debian's kernel does not have it)."
}

edit_rootports-no-group() {
	local d
	d=$1/$(devdir "$1" 0000:03:00.0)
	[ "$(readlink "$d/iommu_group")" = ../../../../kernel/iommu_groups/8 ] || die "$d/iommu_group is not group 8"
	rm "$d/iommu_group" "$1/sys/kernel/iommu_groups/8/devices/0000:03:00.0"
	echo "0000:03:00.0 (nvme) taken out of IOMMU group 8: its iommu_group link and the group's"
	echo "devices/0000:03:00.0 link removed, as for a device outside every DMAR scope."
}

edit_rootports-quirk() {
	local d
	d=$1/$(devdir "$1" 0000:02:00.0)
	replace_line "$d/device" 1 0x10d3 0x1502
	poke_byte "$d/config" 2 d3 02
	poke_byte "$d/config" 3 10 15
	echo "0000:02:00.0 (e1000e, 8086:10d3): device id 0x10d3 -> 0x1502 in its device attribute"
	echo "and config bytes 2-3, the Intel 82579LM that drivers/pci/quirks.c quirk_no_flr lists."
}

edit_vfio-in-use() {
	local d=$1/proc/4242
	[ "$(readlink "$1/sys/bus/pci/devices/0000:03:00.0/iommu_group")" = ../../../../kernel/iommu_groups/8 ] ||
		die "0000:03:00.0 is not in group 8"
	[ ! -e "$d" ] || die "$d exists"
	mkdir -p "$d/fd"
	printf 'qemu-system-x86\n' > "$d/comm"
	printf 'qemu-system-x86_64\0-name\0guest=win11,debug-threads=on\0' > "$d/cmdline"
	ln -s /dev/vfio/8 "$d/fd/27"
	echo "proc/4242 added: a QEMU (comm qemu-system-x86, -name guest=win11) holding /dev/vfio/8,"
	echo "the group of 0000:03:00.0 (nvme on vfio-pci), open as fd 27: a running guest, which"
	echo "capture-sysfs.sh records this way (proc/PID/comm, cmdline cut, the fd links)."
}

edit_noiommu-vfio-noiommu() {
	local g=$1/sys/kernel/iommu_groups/0 d
	d=$1/$(devdir "$1" 0000:03:00.0)
	[ -z "$(ls "$1/sys/kernel/iommu_groups")" ] || die "$1 already has IOMMU groups"
	[ ! -e "$d/iommu_group" ] || die "$d already has a group"
	mkdir -p "$g/devices"
	printf 'vfio-noiommu\n' > "$g/name"
	ln -s "../../../../${d#"$1"/sys/}" "$g/devices/0000:03:00.0"
	ln -s ../../../../kernel/iommu_groups/0 "$d/iommu_group"
	echo "sys/kernel/iommu_groups/0 added, named vfio-noiommu, holding 0000:03:00.0, with its"
	echo "iommu_group link: what vfio.enable_unsafe_noiommu_mode=1 gives a device bound to vfio-pci"
	echo "(vfio_noiommu_group_alloc).  Debian's kernel is built without CONFIG_VFIO_NOIOMMU."
}

edit_rootports-swap() {
	local f=$1/proc/swaps
	[ "$(wc -l < "$f")" = 1 ] || die "$f lists swap already"
	printf '/dev/nvme0n1                            partition\t1048572\t\t0\t\t-2\n' >> "$f"
	echo "proc/swaps: /dev/nvme0n1 (the namespace of 0000:03:00.0, nvme) added as a swap"
	echo "partition in use: the guest had no swap."
}

edit_rootports-boot-ids() {
	local f=$1/proc/cmdline
	grep -q 'ids=' "$f" && die "$f has ids= already"
	printf '%s vfio-pci.ids=1b36:0010\n' "$(cat "$f")" > "$f"
	echo "proc/cmdline: \" vfio-pci.ids=1b36:0010\" appended: the id of the NVMe controller"
	echo "0000:03:00.0, whose namespace nvme0n1 the host swaps on (the rootports-swap edit)."
}

# The boot configuration files the edits below add, each new: no capture
# holds an etc/ or usr/ directory yet.
new_file() {
	[ ! -e "$1" ] || die "$1 exists already"
	mkdir -p "$(dirname "$1")"
	cat > "$1"
}

edit_multifunction-boot-modprobe() {
	new_file "$1/etc/modprobe.d/vfio.conf" <<-'EOF'
	# the guest's NIC by id; 1af4:1041 is both virtio functions of 0000:01:00
	options vfio-pci ids=1af4:1041,nonsense \
		disable_idle_d3=1
	softdep virtio_pci pre: vfio-pci
	frobnicate virtio_pci
	EOF
	new_file "$1/usr/lib/modprobe.d/vfio.conf" <<-'EOF'
	options vfio-pci ids=8086:10d3
	EOF
	new_file "$1/usr/lib/modprobe.d/stub.conf" <<-'EOF'
	options pci_stub ids=8086:10d3:8086:0000
	EOF
	echo "etc/modprobe.d/vfio.conf, usr/lib/modprobe.d/vfio.conf and usr/lib/modprobe.d/stub.conf"
	echo "added: vfio-pci ids= of the two virtio NICs (0000:01:00.0, whose eth1 is up, and"
	echo "0000:01:00.1) with a bad id, a continued line, a softdep and a line modprobe does"
	echo "not know; a usr/lib vfio.conf that the etc one hides; pci-stub ids= of the e1000e"
	echo "0000:01:00.2 with its subsystem ids.  The guest had no modprobe.d."
}

edit_rootports-boot-driverctl() {
	local d=$1/etc/driverctl.d
	echo vfio-pci | new_file "$d/pci-0000:02:00.0"
	echo vfio-pci | new_file "$d/pci-0000:01:00.0"
	echo vfio-pci | new_file "$d/pci-0000:09:00.0"
	: | new_file "$d/pci-0000:03:00.0"
	echo vfio-pci | new_file "$d/pci-nonsense"
	echo "etc/driverctl.d added, as driverctl set-override saves it: vfio-pci for 0000:02:00.0"
	echo "(e1000e) and 0000:01:00.0 (virtio-net, eth0 up), one for an absent 0000:09:00.0, an"
	echo "empty pci-0000:03:00.0 and a pci-nonsense.  The guest had no driverctl."
}

edit_rootports-merged-group() {
	local d g7=$1/sys/kernel/iommu_groups/7 g8=$1/sys/kernel/iommu_groups/8
	d=$1/$(devdir "$1" 0000:03:00.0)
	[ "$(readlink "$d/iommu_group")" = ../../../../kernel/iommu_groups/8 ] || die "$d/iommu_group is not group 8"
	[ "$(ls "$g8/devices")" = 0000:03:00.0 ] || die "$g8 holds more than 0000:03:00.0"
	[ "$(ls "$g7/devices")" = 0000:02:00.0 ] || die "$g7 is not 0000:02:00.0's group alone"
	ln -s "$(readlink "$g8/devices/0000:03:00.0")" "$g7/devices/0000:03:00.0"
	rm -r "$g8"
	ln -sfn ../../../../kernel/iommu_groups/7 "$d/iommu_group"
	echo "0000:03:00.0 (nvme) moved from IOMMU group 8 into group 7 beside 0000:02:00.0 (e1000e):"
	echo "sys/kernel/iommu_groups/8 removed, devices/0000:03:00.0 added to group 7, its iommu_group"
	echo "link pointed at 7.  Two groups merged, as a kernel that loses an ACS quirk merges them."
}

edit_rootports-no-flr() {
	local d
	d=$1/$(devdir "$1" 0000:03:00.0)
	replace_line "$d/reset_method" 1 "flr bus" "bus"
	echo "0000:03:00.0 (nvme) reset_method: 'flr bus' -> 'bus', what a kernel that adds the device"
	echo "to quirk_no_flr (drivers/pci/quirks.c) shows: the FLR capability stays in config space."
}

# set_ids TREE BDF OLDVENDOR OLDDEVICE NEWVENDOR NEWDEVICE: vendor and device
# attributes and config bytes 0-3 (4-digit hex, no 0x).
set_ids() {
	local d
	d=$1/$(devdir "$1" "$2")
	replace_line "$d/vendor" 1 "0x$3" "0x$5"
	replace_line "$d/device" 1 "0x$4" "0x$6"
	poke_byte "$d/config" 0 "${3:2:2}" "${5:2:2}"
	poke_byte "$d/config" 1 "${3:0:2}" "${5:0:2}"
	poke_byte "$d/config" 2 "${4:2:2}" "${6:2:2}"
	poke_byte "$d/config" 3 "${4:0:2}" "${6:0:2}"
}

edit_multifunction-mf-acs() {
	set_ids "$1" 0000:01:00.0 1af4 1041 8086 10c9
	set_ids "$1" 0000:01:00.1 1af4 1041 8086 10c9
	set_ids "$1" 0000:01:00.2 8086 10d3 8086 10c9
	echo "0000:01:00.0-2 (virtio-net, virtio-net, e1000e): vendor/device -> 8086:10c9 (Intel 82576)"
	echo "in their vendor and device attributes and config bytes 0-3: a multifunction endpoint"
	echo "that pci_quirk_mf_endpoint_acs (drivers/pci/quirks.c) says isolates its functions."
	echo "Drivers and the kernel's groups are the capture's (one group): only the ids changed."
}

edit_multifunction-mf-acs-alias() {
	set_ids "$1" 0000:01:00.0 8086 10c9 1b4b 9123
	echo "0000:01:00.0: vendor/device 8086:10c9 -> 1b4b:9123 (Marvell 88SE9123), which"
	echo "quirk_dma_func1_alias (drivers/pci/quirks.c) makes DMA as function 1 too."
}

pack() {
	local tops=() t
	for t in sys proc etc usr META DERIVED; do
		[ -e "$1/$t" ] && tops+=("$t")
	done
	tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
		-cf - "${tops[@]}" | gzip -9n > "$2.tmp"
	mv "$2.tmp" "$2"
}

for n in "${names[@]}"; do
	src=$(source_of "$n")
	tree=$work/$n
	mkdir -p "$tree"
	tar -xzf "$src" -C "$tree"
	label=${src##*/}
	[ "$src" = "$out/$label" ] && label=derived/$label
	{
		echo "Derived from $label by tests/sysfs-snapshots/derived/make-derived.sh, one edit:"
		"edit_$n" "$tree"
		if [ -f "$tree/DERIVED" ]; then
			echo
			cat "$tree/DERIVED"
		fi
	} > "$work/note"
	mv "$work/note" "$tree/DERIVED"
	pack "$tree" "$out/$n.tar.gz"
	echo "$n.tar.gz: $(head -n 2 "$tree/DERIVED" | tail -n 1)" >&2
done
