#!/bin/sh
# Guest side of make-snapshots.sh (runs as /payload.sh under busybox sh).
# The topology name comes from the kernel command line: pcipass.topology=NAME.
# Prepares the guest for that topology (interfaces up, SR-IOV VFs, vfio-pci
# bindings), records a human-readable check in $RESULTS/guest-check.txt and
# the snapshot itself in $RESULTS/snapshot.
. /lib/vm-helpers.sh

topo=$(sed -n 's/.*pcipass\.topology=\([^ ]*\).*/\1/p' /proc/cmdline)
log() { echo "snapshot[$topo] [$(cut -d' ' -f1 /proc/uptime)]: $*"; }
fail=0
bad() { log "FAILED: $*"; fail=1; }

driver_of() { # BDF -> driver name or empty
	[ -L "/sys/bus/pci/devices/$1/driver" ] &&
		basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
}
bdfs_of_driver() { # DRIVER -> BDFs bound to it
	for _d in /sys/bus/pci/devices/*; do
		[ "$(driver_of "${_d##*/}")" = "$1" ] && echo "${_d##*/}"
	done
}

# Let the asynchronous probes finish: NVMe controllers leave their
# transitional states, live ones get their namespaces (if they have any).
settle() {
	_i=0
	while [ $_i -lt 100 ]; do
		_busy=0
		for _s in /sys/class/nvme/nvme*/state; do
			[ -r "$_s" ] || continue
			case $(cat "$_s" 2>/dev/null) in new | resetting | connecting) _busy=1 ;; esac
		done
		[ $_busy = 0 ] && break
		usleep 200000
		_i=$((_i + 1))
	done
	[ $_i -lt 100 ] || log "nvme controllers did not settle"
	_i=0
	while [ $_i -lt 15 ]; do
		_busy=0
		for _c in /sys/class/nvme/nvme*; do
			[ "$(cat "$_c/state" 2>/dev/null)" = live ] || continue
			ls -d "$_c"/nvme*n* >/dev/null 2>&1 || _busy=1
		done
		[ $_busy = 0 ] && break
		usleep 200000
		_i=$((_i + 1))
	done
}

# Bring the first virtio-net interface up so that one NIC is "in use".
first_virtio_up() {
	for _n in /sys/class/net/*; do
		[ "$(basename "$(readlink "$_n/device/driver" 2>/dev/null)")" = virtio_net ] || continue
		ip link set "${_n##*/}" up || bad "ip link set ${_n##*/} up"
		_i=0
		while [ "$(cat "$_n/operstate")" != up ] && [ $_i -lt 50 ]; do
			usleep 100000; _i=$((_i + 1))
		done
		log "${_n##*/} is $(cat "$_n/operstate")"
		return 0
	done
	log "no virtio-net interface"
}

to_vfio() { # BDF: rebind to vfio-pci the way pcipass does (design.md 5)
	_p=/sys/bus/pci/devices/$1
	echo vfio-pci > "$_p/driver_override" || bad "driver_override $1"
	if [ -L "$_p/driver" ]; then
		echo "$1" > "$_p/driver/unbind" || bad "unbind $1"
	fi
	echo "$1" > /sys/bus/pci/drivers_probe || bad "drivers_probe $1"
	[ "$(driver_of "$1")" = vfio-pci ] || bad "$1 not bound to vfio-pci"
}

log "preparing"
settle
# NAME-noiommu is set up as NAME (topologies.sh).
case ${topo%-noiommu} in
rootports | noiommu | pcibridge | multifunction | switch | amdvi | sriov-novfs | rootports-moved)
	first_virtio_up
	;;
gpu)
	;;
sriov)
	first_virtio_up
	pf=''
	for t in /sys/bus/pci/devices/*/sriov_totalvfs; do
		[ -r "$t" ] && [ "$(cat "$t")" -gt 0 ] && { pf=${t%/*}; break; }
	done
	if [ -z "$pf" ]; then
		bad "no SR-IOV capable function"
	else
		log "PF ${pf##*/}, totalvfs $(cat "$pf/sriov_totalvfs")"
		echo 3 > "$pf/sriov_numvfs" || bad "echo 3 > sriov_numvfs"
		wait_for "$pf/virtfn2" 20 || bad "virtfn2 missing"
		for v in "$pf"/virtfn*; do
			[ "$(readlink -f "$v/physfn")" = "$(readlink -f "$pf")" ] ||
				bad "${v##*/}: physfn link wrong"
		done
		# The VFs' nvme probe fails (their secondary controllers are
		# offline until an NVMe virt-mgmt command brings them online) and
		# the driver lets go of them; wait until that is over.
		_i=0
		while [ $_i -lt 150 ]; do
			_bound=0
			for v in "$pf"/virtfn*; do
				[ -L "$v/driver" ] && _bound=1
			done
			[ $_bound = 0 ] && break
			usleep 100000
			_i=$((_i + 1))
		done
		settle
	fi
	;;
vfio)
	first_virtio_up
	modprobe vfio-pci || bad "modprobe vfio-pci"
	modprobe vfio_iommu_type1 || bad "modprobe vfio_iommu_type1"
	for d in $(bdfs_of_driver e1000e) $(bdfs_of_driver nvme); do
		log "binding $d to vfio-pci"
		to_vfio "$d"
	done
	ls -l /dev/vfio
	;;
*)
	bad "unknown topology '$topo'"
	;;
esac

{
	echo "topology $topo, kernel $(uname -r)"
	echo "cmdline: $(cat /proc/cmdline)"
	printf '%-14s %-14s %-6s %-11s %-16s %s\n' BDF DRIVER GROUP CLASS RESET_METHOD EXTRA
	for d in /sys/bus/pci/devices/*; do
		b=${d##*/}
		g=-
		[ -L "$d/iommu_group" ] && g=$(basename "$(readlink "$d/iommu_group")")
		rm_=-
		[ -r "$d/reset_method" ] && rm_=$(cat "$d/reset_method" 2>/dev/null | tr ' ' ',')
		[ -e "$d/reset" ] || rm_="$rm_(no-reset-file)"
		extra=''
		[ -L "$d/physfn" ] && extra="$extra physfn=$(basename "$(readlink "$d/physfn")")"
		[ -r "$d/sriov_numvfs" ] && extra="$extra sriov_numvfs=$(cat "$d/sriov_numvfs")"
		[ "$(cat "$d/boot_vga" 2>/dev/null)" = 1 ] && extra="$extra boot_vga"
		for n in "$d"/net/* "$d"/virtio*/net/*; do
			[ -d "$n" ] && extra="$extra ${n##*/}=$(cat "$n/operstate")"
		done
		printf '%-14s %-14s %-6s %-11s %-16s %s\n' "$b" "$(driver_of "$b")" "$g" \
			"$(cat "$d/class")" "$rm_" "$extra"
	done
	echo "/dev/vfio: $(ls /dev/vfio 2>/dev/null | tr '\n' ' ')"
	echo "modules: $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
} > "$RESULTS/guest-check.txt"
cat "$RESULTS/guest-check.txt"

log "capturing"
# No per-read timeout: QEMU's emulated devices do not block, and a fork
# per attribute costs minutes under TCG.
CAPTURE_TIMEOUT=0 \
CAPTURE_NOTE="QEMU guest, topology $topo (tests/sysfs-snapshots/make-snapshots.sh)" \
	capture-sysfs.sh "$RESULTS/snapshot" || bad "capture"

# tests/vm/check-kernel.sh adds the VFIO prober: ask the kernel about every
# assignment set of this topology (after the capture, which it must not
# disturb).
if [ -x /usr/bin/guest-probe.sh ]; then
	log "probing"
	/usr/bin/guest-probe.sh "$RESULTS/probe" || bad "probing"
fi
# tests/lspci-dumps/capture-in-guest.sh adds lspci: its listings of the
# same guest, after the capture.
if [ -x /usr/bin/guest-lspci.sh ]; then
	log "lspci"
	/usr/bin/guest-lspci.sh "$RESULTS/lspci" || bad "lspci"
fi
exit $fail
