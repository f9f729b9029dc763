#!/bin/sh
# Derive the hostile trees from one real capture: each is a copy of the
# capture with exactly one fault (see README in this directory).
#
# Usage: make-hostile.sh CAPTURE.tar.gz OUTDIR [FAULT...]
#   OUTDIR/base      the capture as it is
#   OUTDIR/canary    a directory beside the trees that links point into;
#                    pcipass must never touch it
#   OUTDIR/FAULT     one tree per fault (all of them when none is named)
# Prints the names of the trees it made, one per line.
#
# The capture must be sriov.tar.gz or share its layout: the victims are the
# virtio NIC 0000:01:00.0 (below root port 00:02.0) for attribute faults and
# the NVMe VF 0000:02:00.1 (PF 0000:02:00.0 below 00:03.0) for physfn faults.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 CAPTURE.tar.gz OUTDIR [FAULT...]" >&2
	exit 2
fi
capture=$1
out=$2
shift 2

ALL_FAULTS="config-truncated config-missing config-random config-1mib
resource-garbage resource-inverted vendor-empty class-garbage reset-method-20k
group-dangling group-nonnumeric group-loop driver-dangling driver-nonname driver-loop
physfn-dangling physfn-nonbdf physfn-loop outside-absolute outside-relative
devices-entry-not-bdf dir-not-bdf no-devices many-groups cmdline-1mib"

VICTIM=sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0
VF=sys/devices/pci0000:00/0000:00:03.0/0000:02:00.1
VF3=sys/devices/pci0000:00/0000:00:03.0/0000:02:00.3

mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ ! -d "$out/base" ]; then
	mkdir "$out/base.tmp"
	tar -xzf "$capture" -C "$out/base.tmp"
	for p in "$VICTIM/config" "$VF/physfn" sys/bus/pci/devices; do
		if [ ! -e "$out/base.tmp/$p" ]; then
			echo "$0: $capture: no $p: not the sriov layout" >&2
			exit 2
		fi
	done
	mv "$out/base.tmp" "$out/base"
fi

# The canary: shaped like the places links point to, so that a reader that
# followed one would find plausible data there (and be caught by strace).
canary=$out/canary
if [ ! -d "$canary" ]; then
	mkdir -p "$canary/iommu_groups/5/devices" "$canary/drivers/virtio-pci"
	printf '0x8086\n' >"$canary/vendor"
	printf '0x020000\n' >"$canary/class"
	printf 'flr bus\n' >"$canary/reset_method"
	printf 'CANARY intel_iommu=on\n' >"$canary/cmdline"
	cp "$out/base/$VICTIM/config" "$canary/config"
	cp "$out/base/$VICTIM/resource" "$canary/resource"
fi

# Deterministic "random" bytes (perl-base is essential on Debian).
random_bytes() {
	perl -e 'srand($ARGV[0]); print map { chr(int(rand(256))) } 1 .. $ARGV[1]' "$1" "$2"
}

# relative_to_canary LINKDIR: "../" enough times to climb from LINKDIR (a
# directory below the tree) out of the tree, then into the canary.
relative_to_canary() {
	up=../
	rest=$1
	while [ "$rest" != . ]; do
		up=../$up
		rest=$(dirname "$rest")
	done
	printf '%scanary' "$up"
}

# put FILE: replace FILE with stdin.  The copies share their files with
# base (hard links), so a file is unlinked first, never written in place.
put() {
	rm -f "$1"
	cat >"$1"
}

# apply FAULT DIR: put FAULT into the copy of the capture at DIR.
apply() {
	d=$2
	v=$d/$VICTIM
	case $1 in
	config-truncated)	head -c 10 "$out/base/$VICTIM/config" | put "$v/config" ;;
	config-missing)		rm "$v/config" ;;
	config-random)		random_bytes 7 4096 | put "$v/config" ;;
	config-1mib)
		# the real 4 KiB, then zeros up to 1 MiB
		put "$v/config" <"$out/base/$VICTIM/config"
		truncate -s 1M "$v/config" ;;
	resource-garbage)	printf 'this is not a resource file\n\001\002\003\n' | put "$v/resource" ;;
	resource-inverted)
		# end before start on every line that has a range
		awk '$1 != $2 { print $2, $1, $3; next } { print }' "$out/base/$VICTIM/resource" | put "$v/resource" ;;
	vendor-empty)		put "$v/vendor" </dev/null ;;
	class-garbage)		printf 'banana\n' | put "$v/class" ;;
	reset-method-20k)
		# 20 KiB: far more than an attribute can hold
		perl -e 'print "flr " x 5120' | put "$v/reset_method" ;;
	group-dangling)		ln -sfn ../../../../kernel/iommu_groups/999 "$v/iommu_group" ;;
	group-nonnumeric)
		mkdir "$d/sys/kernel/iommu_groups/five"
		ln -sfn ../../../../kernel/iommu_groups/five "$v/iommu_group" ;;
	group-loop)		ln -sfn iommu_group "$v/iommu_group" ;;
	driver-dangling)	ln -sfn ../../../../bus/pci/drivers/no-such-driver "$v/driver" ;;
	driver-nonname)
		# a driver directory whose name is no driver name
		mkdir "$d/sys/bus/pci/drivers/virtio pci;rm -rf"
		ln -sfn "../../../../bus/pci/drivers/virtio pci;rm -rf" "$v/driver" ;;
	driver-loop)		ln -sfn driver "$v/driver" ;;
	physfn-dangling)	ln -sfn ../0000:02:00.7 "$d/$VF/physfn" ;;
	physfn-nonbdf)
		mkdir "$d/sys/devices/pci0000:00/0000:00:03.0/nvme-pf"
		ln -sfn ../nvme-pf "$d/$VF/physfn" ;;
	physfn-loop)		ln -sfn physfn "$d/$VF/physfn" ;;
	outside-absolute)
		# absolute links (they would name the analyst's own machine)
		ln -sfn "$canary/iommu_groups/5" "$v/iommu_group"
		ln -sfn "$canary/drivers/virtio-pci" "$v/driver"
		ln -sfn "$canary/config" "$d/$VF3/config"
		ln -sfn "$canary" "$d/sys/bus/pci/devices/0000:02:00.2"
		rm "$d/proc/cmdline"
		ln -sfn "$canary/cmdline" "$d/proc/cmdline" ;;
	outside-relative)
		# relative links that climb above the root
		ln -sfn "$(relative_to_canary "$VICTIM")/iommu_groups/5" "$v/iommu_group"
		ln -sfn "$(relative_to_canary "$VICTIM")/drivers/virtio-pci" "$v/driver"
		ln -sfn "$(relative_to_canary "$VF3")/config" "$d/$VF3/config"
		ln -sfn "$(relative_to_canary sys/bus/pci/devices)" "$d/sys/bus/pci/devices/0000:02:00.2"
		rm "$d/proc/cmdline"
		ln -sfn "$(relative_to_canary proc)/cmdline" "$d/proc/cmdline" ;;
	devices-entry-not-bdf)
		mkdir "$d/sys/bus/pci/devices/not-a-bdf"
		ln -s ../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0 "$d/sys/bus/pci/devices/eth0" ;;
	dir-not-bdf)
		# the NIC's own directory renamed; its devices link follows
		mv "$v" "$d/sys/devices/pci0000:00/0000:00:02.0/ethernet"
		ln -sfn ../../../devices/pci0000:00/0000:00:02.0/ethernet "$d/sys/bus/pci/devices/0000:01:00.0" ;;
	no-devices)		rm -r "$d/sys/bus/pci/devices" ;;
	many-groups)
		# 5000 groups that hold no device
		seq 100 5099 | (cd "$d/sys/kernel/iommu_groups" && xargs mkdir) ;;
	cmdline-1mib)
		# the real line, then 1 MiB of options
		perl -e 'chomp(my $l = <STDIN>); print $l, " quiet" x 174763, "\n"' \
			<"$out/base/proc/cmdline" | put "$d/proc/cmdline" ;;
	*)
		echo "$0: $1: no such fault" >&2
		exit 2 ;;
	esac
}

[ $# -gt 0 ] || set -- $ALL_FAULTS
for fault in "$@"; do
	rm -rf "$out/$fault"
	cp -al "$out/base" "$out/$fault"
	apply "$fault" "$out/$fault"
	echo "$fault"
done
