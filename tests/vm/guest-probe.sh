#!/bin/sh
# Guest side of check-kernel.sh (busybox sh): derive the assignment sets of
# this machine from its own sysfs and ask VFIO about each with vfio-probe.
#
# Usage: guest-probe.sh OUTDIR
#
# Writes OUTDIR/sets (one line per set: NNN<TAB>KINDS<TAB>BDF...),
# OUTDIR/NNN.json (vfio-probe's answer) and OUTDIR/NNN.err, and
# OUTDIR/host.json (facts about the guest as a whole).
#
# Sets (each BDF list sorted, each distinct list probed once, its KINDS say
# why it is there):
#   endpoint        every function with header type 0, except the host
#                   bridge (class 0600) and the ISA/LPC bridge (0601), which
#                   pcipass keeps with the host as a policy
#   group:N         the endpoints of IOMMU group N, when more than one
#   slot:D:B:S      the endpoints of a multifunction slot
#   segment:BDF     every endpoint below a PCIe-to-PCI bridge (PCIe port
#                   type 7)
#   sriov:BDF       an SR-IOV PF with VFs enabled, together with its VFs
#                   (the PF and each VF alone are endpoint sets)
# vfio-probe gives every function back to its driver after each set, so
# every set starts from the state the snapshot shows.
set -u
out=$1
mkdir -p "$out"
P=/sys/bus/pci/devices

hdr_type() { od -An -tx1 -j14 -N1 "$P/$1/config" | tr -d ' \n'; }

endpoints=''
for d in "$P"/*; do
	b=${d##*/}
	case $(cat "$d/class") in 0x0600* | 0x0601*) continue ;; esac
	h=$(hdr_type "$b")
	[ $((0x$h & 0x7f)) = 0 ] && endpoints="$endpoints $b"
done
is_endpoint() { case " $endpoints " in *" $1 "*) return 0 ;; esac; return 1; }

# sets file built as KIND<TAB>sorted BDFs, merged afterwards
raw=$out/sets.raw
: > "$raw"
add() { # KIND BDF...
	_k=$1; shift
	[ $# -gt 0 ] || return 0
	printf '%s\t%s\n' "$_k" "$(printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/ $//')" >> "$raw"
}
for b in $endpoints; do add endpoint "$b"; done
for g in /sys/kernel/iommu_groups/*; do
	[ -d "$g/devices" ] || continue
	m=''
	for l in "$g"/devices/*; do
		is_endpoint "${l##*/}" && m="$m ${l##*/}"
	done
	# shellcheck disable=SC2086
	[ "$(echo $m | wc -w)" -gt 1 ] && add "group:${g##*/}" $m
done
for s in $(for b in $endpoints; do echo "${b%.*}"; done | sort | uniq -d); do
	m=''
	for b in $endpoints; do [ "${b%.*}" = "$s" ] && m="$m $b"; done
	# shellcheck disable=SC2086
	add "slot:$s" $m
done
for d in "$P"/*; do
	b=${d##*/}
	[ $((0x$(hdr_type "$b") & 0x7f)) = 1 ] || continue
	[ "$(vfio-probe --port-type "$b")" = 7 ] || continue
	top=$(readlink -f "$d")
	m=''
	for e in $endpoints; do
		case $(readlink -f "$P/$e") in "$top"/*) m="$m $e" ;; esac
	done
	# shellcheck disable=SC2086
	add "segment:$b" $m
done
for d in "$P"/*; do
	[ -r "$d/sriov_numvfs" ] && [ "$(cat "$d/sriov_numvfs")" -gt 0 ] || continue
	m=${d##*/}
	for v in "$d"/virtfn*; do m="$m $(basename "$(readlink "$v")")"; done
	# shellcheck disable=SC2086
	add "sriov:${d##*/}" $m
done

# Merge: one line per distinct set, kinds joined with commas, in order of
# first appearance.
awk -F '\t' '{ if (!($2 in k)) { o[++n] = $2; k[$2] = $1 } else k[$2] = k[$2] "," $1 }
	END { for (i = 1; i <= n; i++) printf "%03d\t%s\t%s\n", i, k[o[i]], o[i] }' "$raw" > "$out/sets"
rm -f "$raw"

{
	printf '{"kernel":"%s","cmdline":"%s","iommu_groups":%d,"dev_vfio":"%s"}\n' \
		"$(uname -r)" "$(cat /proc/cmdline)" "$(ls /sys/kernel/iommu_groups | wc -l)" \
		"$(ls /dev/vfio 2>/dev/null | tr '\n' ' ')"
} > "$out/host.json"

modprobe vfio-pci 2>/dev/null
modprobe vfio_iommu_type1 2>/dev/null
rc=0
while IFS="$(printf '\t')" read -r n kinds bdfs; do
	echo "guest-probe: set $n ($kinds): $bdfs"
	# shellcheck disable=SC2086
	vfio-probe $bdfs > "$out/$n.json" 2> "$out/$n.err" || rc=1
	cat "$out/$n.json"
done < "$out/sets"
dmesg > "$out/dmesg.txt"
exit $rc
