#!/bin/sh
# Guest side of check-replay.sh (runs as /payload.sh under busybox sh).
#
# Puts the guest in a state worth recording (one interface up, the e1000e
# function of the multifunction device and the e1000 behind the PCIe-to-PCI
# bridge on vfio-pci), then, with nothing changing in between:
#   - pcipass snapshot -o $RESULTS/snap.tar.gz (as root)
#   - every case below, run live: $RESULTS/live/NAME.out and NAME.rc
#   - pcipass snapshot -o $RESULTS/snapdir (the directory form)
#   - as uid 65534: a snapshot (nonroot.tar.gz) and the nonroot-* cases
# $RESULTS/cases lists "NAME<TAB>ARGS" (ARGS with the guest's BDFs filled
# in), so the host replays exactly the same commands with --sysroot.
. /lib/vm-helpers.sh

log() { echo "guest-replay: $*"; }
fail=0
bad() { log "FAILED: $*"; fail=1; }

driver_of() {
	[ -L "/sys/bus/pci/devices/$1/driver" ] && basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
}
first_with_driver() { # DRIVER -> first BDF bound to it
	for _d in /sys/bus/pci/devices/*; do
		[ "$(driver_of "${_d##*/}")" = "$1" ] && { echo "${_d##*/}"; return 0; }
	done
	return 1
}
with_ids() { # VENDOR DEVICE -> BDFs with these ids, in order
	for _d in /sys/bus/pci/devices/*; do
		[ "$(cat "$_d/vendor")" = "$1" ] && [ "$(cat "$_d/device")" = "$2" ] && echo "${_d##*/}"
	done
}
to_vfio() { # BDF: the driver_override way (design.md section 5)
	_p=/sys/bus/pci/devices/$1
	echo vfio-pci > "$_p/driver_override" || bad "driver_override $1"
	[ -L "$_p/driver" ] && { echo "$1" > "$_p/driver/unbind" || bad "unbind $1"; }
	echo "$1" > /sys/bus/pci/drivers_probe || bad "drivers_probe $1"
	[ "$(driver_of "$1")" = vfio-pci ] || bad "$1 is not on vfio-pci"
}

# NVMe probes asynchronously: wait for its namespace before recording.
i=0
while [ $i -lt 100 ] && ! ls /sys/class/nvme/nvme*/nvme*n* >/dev/null 2>&1; do
	usleep 200000
	i=$((i + 1))
done

modprobe vfio-pci || bad "modprobe vfio-pci"
modprobe vfio_iommu_type1 || bad "modprobe vfio_iommu_type1"

# The multifunction device: two virtio-net functions and an e1000e, one slot.
mf0=$(with_ids 0x1af4 0x1041 | head -n 1)
mf=${mf0%.0}
mf1=$mf.1
e1000e=$mf.2
rtl=$(first_with_driver 8139cp) || bad "no rtl8139 on 8139cp"
e1000=$(first_with_driver e1000) || bad "no e1000"
nvme=$(first_with_driver nvme) || bad "no nvme"
log "multifunction $mf0 $mf1 $e1000e, bridge segment $rtl $e1000, nvme $nvme"
[ "$(driver_of "$e1000e")" = e1000e ] || bad "$e1000e is not the e1000e function"
to_vfio "$e1000e"
to_vfio "$e1000"

# One interface in use by the host, stable before anything is recorded:
# up, with its IPv6 link-local address listed.
for n in /sys/bus/pci/devices/"$mf0"/virtio*/net/*; do
	[ -d "$n" ] || continue
	ifc=${n##*/}
	ip link set "$ifc" up || bad "ip link set $ifc up"
	i=0
	while [ $i -lt 100 ] && ! grep -q " $ifc\$" /proc/net/if_inet6; do
		usleep 100000
		i=$((i + 1))
	done
	log "$ifc is $(cat "$n/operstate"), $(grep -c " $ifc\$" /proc/net/if_inet6) IPv6 address(es)"
done
sleep 1

mkdir -p "$RESULTS/live"
{
	printf 'list-json\tlist --json\n'
	printf 'list-tree\tlist -t\n'
	printf 'explain-all-json\texplain --all --json\n'
	printf 'explain-all-text\texplain --all\n'
	printf 'mf-set-json\texplain --json %s %s\n' "$mf0" "$mf1"
	printf 'mf-set-xml\texplain --libvirt-xml %s %s\n' "$mf0" "$mf1"
	printf 'mf-set-qemu\texplain --qemu-args %s %s\n' "$mf0" "$mf1"
	printf 'mf-whole-xml\texplain --libvirt-xml %s %s %s\n' "$mf0" "$mf1" "$e1000e"
	printf 'mf-no-fn0-json\texplain --json %s\n' "$mf1"
	printf 'mf-no-fn0-xml\texplain --libvirt-xml %s\n' "$mf1"
	printf 'bridge-json\texplain --json %s\n' "$rtl"
	printf 'bridge-xml\texplain --libvirt-xml %s\n' "$rtl"
	printf 'bridge-qemu\texplain --qemu-args %s\n' "$rtl"
	printf 'nvme-json\texplain --json %s\n' "$nvme"
	printf 'nvme-xml\texplain --libvirt-xml %s\n' "$nvme"
} > "$RESULTS/cases"

pcipass snapshot -o "$RESULTS/snap.tar.gz" || bad "snapshot"
while IFS="$(printf '\t')" read -r name args; do
	# shellcheck disable=SC2086 # ARGS are words
	pcipass $args > "$RESULTS/live/$name.out" 2> "$RESULTS/live/$name.err"
	echo $? > "$RESULTS/live/$name.rc"
done < "$RESULTS/cases"
pcipass snapshot -o "$RESULTS/snapdir" || bad "snapshot (directory)"

# The same as nobody: config space cut to 64 bytes, limited-access findings.
chmod 0777 "$RESULTS" "$RESULTS/live"
printf 'nonroot-explain-all-json\texplain --all --json\nnonroot-mf-set-json\texplain --json %s %s\n' \
	"$mf0" "$mf1" > "$RESULTS/nonroot-cases"
# util-linux setpriv (busybox has an applet of that name without --reuid)
asnobody() { /usr/local/bin/setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
asnobody pcipass snapshot -o "$RESULTS/nonroot.tar.gz" || bad "snapshot as uid 65534"
while IFS="$(printf '\t')" read -r name args; do
	# shellcheck disable=SC2086
	asnobody pcipass $args > "$RESULTS/live/$name.out" 2> "$RESULTS/live/$name.err"
	echo $? > "$RESULTS/live/$name.rc"
done < "$RESULTS/nonroot-cases"

# What the guest had, for the host to check the snapshot's empty files against.
find /sys/devices/pci0000:00 -name 'resource[0-9]' > "$RESULTS/guest-resource-files"
uname -r > "$RESULTS/guest-kernel"
log "done"
exit $fail
