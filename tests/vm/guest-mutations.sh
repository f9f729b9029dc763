#!/bin/sh
# Guest side of tests/vm/check-vm.sh: pcipass unbind / reset / rebind on a
# real kernel's sysfs.  Runs as /payload.sh under busybox sh, as root.
#
# Topology (check-vm.sh): a virtio-net (FLR) and an e1000e (pm, bus) behind
# their own root ports, and a pcie-pci-bridge with an rtl8139 and an e1000
# below it.  Devices are found by vendor:device, not by address.
#
# Prints TAP ("ok N - ...", "not ok N - ..." with "# " diagnostics), then
# "1..N" and a last line "N passed, M failed"; the same text goes to
# $RESULTS/tap.txt.  Uses pcipass's test hooks PCIPASS_TEST_KILL_AFTER and
# PCIPASS_TEST_PAUSE_AFTER (src/mutate.h).

TAP=${RESULTS:-/tmp}/tap.txt
: > "$TAP"
n=0
passed=0
failed=0
why=''

say() { printf '%s\n' "$*" | tee -a "$TAP"; }

# ---- assertions: each appends to $why; a test passes when $why stays empty
fail() { why="$why${why:+
}$*"; }
want_eq() { # ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}
want_has() { # TEXT NEEDLE WHAT
	case $1 in *"$2"*) ;; *) fail "$3: '$1' does not contain '$2'" ;; esac
}
want_lacks() { # TEXT NEEDLE WHAT
	case $1 in *"$2"*) fail "$3: '$1' contains '$2'" ;; esac
}

# t DESCRIPTION FUNCTION: run one test
t() {
	why=''
	"$2"
	n=$((n + 1))
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		say "ok $n - $1"
	else
		failed=$((failed + 1))
		say "not ok $n - $1"
		printf '%s\n' "$why" | sed 's/^/#   /' | tee -a "$TAP"
		[ -z "$out$err" ] || printf 'last pcipass stdout: %s\nlast pcipass stderr: %s\n' "$out" "$err" |
			sed 's/^/#   /' | tee -a "$TAP"
	fi
}

# pp ARGS...: run pcipass (bounded: a hang fails instead of stalling the guest)
pp() {
	timeout 60 pcipass "$@" >/tmp/pp.out 2>/tmp/pp.err
	rc=$?
	out=$(cat /tmp/pp.out)
	err=$(cat /tmp/pp.err)
}

# ---- what the kernel says
dev=/sys/bus/pci/devices
drv() { if [ -L "$dev/$1/driver" ]; then basename "$(readlink "$dev/$1/driver")"; else echo none; fi; }
ovr() { cat "$dev/$1/driver_override"; }
grp() { basename "$(readlink "$dev/$1/iommu_group")"; }
rec() { cat "/run/pcipass/$1" 2>/dev/null; }
# The records in /run/pcipass (the lock file is not one).
records() { ls /run/pcipass 2>/dev/null | grep -v '^lock$' | tr '\n' ' '; }
find_dev() { # VENDOR DEVICE -> first BDF with those ids
	for d in "$dev"/*; do
		if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}
netif() { ls "$dev/$1/net" 2>/dev/null | head -n 1; }
# A picture of everything pcipass could change for one function.
picture() {
	echo "driver=$(drv "$1") override=$(ovr "$1") reset_method=$(cat "$dev/$1/reset_method" 2>/dev/null)"
	echo "records: $(records)"
}

VIRTIO=$(find_dev 0x1af4 0x1041)
E1000E=$(find_dev 0x8086 0x10d3)
RTL=$(find_dev 0x10ec 0x8139)
E1000=$(find_dev 0x8086 0x100e)
say "# virtio-net $VIRTIO, e1000e $E1000E, rtl8139 $RTL, e1000 $E1000 on $(uname -r)"
modprobe vfio-pci 2>/dev/null
for b in $VIRTIO $E1000E $RTL $E1000; do
	say "# $b: $(picture "$b" | head -n 1) group $(grp "$b")"
done

# ------------------------------------------------------------------------
t_topology() {
	[ -n "$VIRTIO" ] && [ -n "$E1000E" ] && [ -n "$RTL" ] && [ -n "$E1000" ] ||
		fail "missing devices: virtio '$VIRTIO' e1000e '$E1000E' rtl8139 '$RTL' e1000 '$E1000'"
	want_eq "$(drv "$VIRTIO")" virtio-pci "virtio-net driver"
	want_eq "$(drv "$E1000E")" e1000e "e1000e driver"
	want_eq "$(drv "$RTL")" 8139cp "rtl8139 driver"
	want_eq "$(drv "$E1000")" e1000 "e1000 driver"
	[ -d /sys/bus/pci/drivers/vfio-pci ] || fail "vfio-pci did not load"
	want_eq "$(grp "$RTL")" "$(grp "$E1000")" "rtl8139 and e1000 share the bridge's group"
}
t "topology: four endpoints on their host drivers, vfio-pci loaded" t_topology

t_bad_bdf() {
	pp unbind zz:00.0
	want_eq "$rc" 2 "exit status"
	want_eq "$err" "pcipass: zz:00.0: not a PCI address (expected [DDDD:]BB:DD.F)
Try 'pcipass --help'." "stderr"
	pp reset 0000:01:00.0/../../../../etc
	want_eq "$rc" 2 "traversal in a BDF: exit status"
	want_has "$err" "not a PCI address" "traversal in a BDF: stderr"
	pp unbind ../../../../etc/passwd
	want_eq "$rc" 2 "a path as BDF: exit status"
	pp unbind 0000:0a:00.0
	want_eq "$rc" 2 "absent function: exit status"
	want_eq "$err" "pcipass: 0000:0a:00.0: no such PCI function" "absent function: stderr"
	want_eq "$(records)" "" "no records"
}
t "bad BDFs and path traversal: exit 2, nothing recorded" t_bad_bdf

t_bad_driver() {
	pp unbind --driver ../../../../tmp/x "$VIRTIO"
	want_eq "$rc" 2 "--driver ../..: exit status"
	want_has "$err" "pcipass: --driver ../../../../tmp/x: not a driver name" "--driver ../..: stderr"
	pp unbind --driver vfio/../x "$VIRTIO"
	want_eq "$rc" 2 "--driver a/b: exit status"
	pp unbind --driver .. "$VIRTIO"
	want_eq "$rc" 2 "--driver ..: exit status"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "device untouched"
}
t "a driver name with / or .. is refused before any path is built" t_bad_driver

t_not_root() {
	grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
	grep -q '^nogroup:' /etc/group || echo 'nogroup:x:65534:' >> /etc/group
	err=$(su -s /bin/sh nobody -c "/usr/bin/pcipass unbind $VIRTIO" 2>&1 >/dev/null)
	rc=$?
	want_eq "$rc" 2 "exit status"
	want_eq "$err" "pcipass: unbind: needs root: it writes to /sys and /run/pcipass (--dry-run shows the writes without them)" "stderr"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "device untouched"
	want_eq "$(records)" "" "no records"
}
t "not root: a clear error before any write" t_not_root

t_dry_run() {
	before=$(picture "$VIRTIO")
	pp unbind --dry-run "$VIRTIO"
	want_eq "$rc" 0 "exit status"
	want_eq "$out" "mkdir -p /run/pcipass
printf '%s\\n' '# $VIRTIO: moved by pcipass; '\\''pcipass rebind $VIRTIO'\\'' restores it' driver=virtio-pci override= target=vfio-pci > /run/pcipass/$VIRTIO
echo vfio-pci > /sys/bus/pci/devices/$VIRTIO/driver_override
echo $VIRTIO > /sys/bus/pci/drivers/virtio-pci/unbind
echo $VIRTIO > /sys/bus/pci/drivers_probe
# $VIRTIO: virtio-pci -> vfio-pci (dry run: nothing written)" "stdout"
	want_eq "$(picture "$VIRTIO")" "$before" "host after unbind --dry-run"
	pp reset --dry-run --method pm "$VIRTIO"
	want_eq "$rc" 0 "reset --dry-run exit status"
	want_eq "$out" "echo pm > /sys/bus/pci/devices/$VIRTIO/reset_method
echo 1 > /sys/bus/pci/devices/$VIRTIO/reset
echo 'flr pm bus' > /sys/bus/pci/devices/$VIRTIO/reset_method
# $VIRTIO: reset by pm (dry run: nothing written)" "reset --dry-run stdout"
	want_eq "$(picture "$VIRTIO")" "$before" "host after reset --dry-run"
	want_eq "$(records)" "" "no records"
}
t "--dry-run prints the exact writes as shell lines and changes nothing" t_dry_run

t_pasted() {
	# The plan pasted into sh moves the device as the real run would
	# (without the checks); pcipass then finds its record and takes it back.
	pp unbind --dry-run "$VIRTIO"
	printf '%s\n' "$out" | sh -eu 2>/tmp/sh.err
	want_eq "$?" 0 "sh ran the plan"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "vfio-pci vfio-pci" "moved by the pasted lines"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci" "the pasted record"
	pp -v rebind "$VIRTIO"
	want_eq "$rc" 0 "rebind: exit status"
	want_has "$out" "# verified: $VIRTIO is on virtio-pci" "rebind -v: the verification"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "back"
	want_eq "$(records)" "" "no records"
}
t "unbind --dry-run pasted into sh does the move; rebind -v takes it back, verified" t_pasted

t_refuse_bridge() {
	bridge=$(basename "$(dirname "$(readlink -f "$dev/$VIRTIO")")")
	pp unbind --force-in-use --force-boot-vga "$bridge"
	want_eq "$rc" 1 "exit status"
	want_has "$err" "pcipass: $bridge: refused: " "stderr"
	want_has "$err" "(no override)" "stderr"
	want_eq "$(drv "$bridge")" pcieport "bridge keeps pcieport"
	pp reset --force-in-use --force-boot-vga "$bridge"
	want_eq "$rc" 1 "reset: exit status"
	want_has "$err" "not an endpoint" "reset: stderr"
	host=$(find_dev 0x8086 0x29c0) || host=0000:00:00.0
	pp unbind --dry-run --force-in-use --force-boot-vga "$host"
	want_eq "$rc" 1 "host bridge: exit status"
	want_has "$err" "the host needs it" "host bridge: stderr"
	want_eq "$out" "" "host bridge: no plan"
	want_eq "$(records)" "" "no records"
}
t "a bridge or the host bridge is refused whatever the flags" t_refuse_bridge

VIRTIO_GROUP=$(grp "$VIRTIO")
t_unbind() {
	pp unbind "$VIRTIO"
	want_eq "$rc" 0 "exit status"
	want_eq "$out" "$VIRTIO: virtio-pci -> vfio-pci, /dev/vfio/$VIRTIO_GROUP" "stdout"
	want_eq "$(drv "$VIRTIO")" vfio-pci "driver link"
	want_eq "$(ovr "$VIRTIO")" vfio-pci "driver_override"
	[ -c "/dev/vfio/$VIRTIO_GROUP" ] || fail "/dev/vfio/$VIRTIO_GROUP is not a character device"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci
override=
target=vfio-pci" "record"
}
t "unbind moves the virtio-net to vfio-pci and /dev/vfio/<group> appears" t_unbind

t_unbind_again() {
	before=$(rec "$VIRTIO")
	pp unbind "$VIRTIO"
	want_eq "$rc" 0 "exit status"
	want_eq "$out" "$VIRTIO: already bound to vfio-pci" "stdout"
	want_eq "$(rec "$VIRTIO")" "$before" "record unchanged"
}
t "unbind of a function already on vfio-pci writes nothing" t_unbind_again

t_reset_flr() {
	pp reset "$VIRTIO"
	want_eq "$rc" 0 "exit status"
	want_eq "$out" "$VIRTIO: reset by flr" "stdout"
	want_eq "$(cat "$dev/$VIRTIO/reset_method")" "flr pm bus" "reset_method after"
	pp -v reset --method pm "$VIRTIO"
	want_eq "$rc" 0 "--method pm: exit status"
	want_eq "$out" "echo pm > /sys/bus/pci/devices/$VIRTIO/reset_method
echo 1 > /sys/bus/pci/devices/$VIRTIO/reset
echo 'flr pm bus' > /sys/bus/pci/devices/$VIRTIO/reset_method
# verified: $VIRTIO reset_method is 'flr pm bus' again
$VIRTIO: reset by pm" "--method pm -v: stdout"
	want_eq "$(cat "$dev/$VIRTIO/reset_method")" "flr pm bus" "reset_method restored after pm"
	want_eq "$(drv "$VIRTIO")" vfio-pci "still on vfio-pci"
	pp reset --method af_flr "$VIRTIO"
	want_eq "$rc" 2 "--method af_flr (not offered): exit status"
	want_eq "$err" "pcipass: $VIRTIO: reset method af_flr: not offered by the kernel for it (reset_method: flr pm bus)" "--method af_flr: stderr"
}
t "reset of a vfio-owned device succeeds, names the method, restores reset_method" t_reset_flr

t_rebind() {
	pp rebind "$VIRTIO"
	want_eq "$rc" 0 "exit status"
	want_eq "$out" "$VIRTIO: vfio-pci -> virtio-pci" "stdout"
	want_eq "$(drv "$VIRTIO")" virtio-pci "driver link"
	want_eq "$(ovr "$VIRTIO")" "(null)" "driver_override cleared"
	[ ! -e "/run/pcipass/$VIRTIO" ] || fail "record not dropped"
	[ -n "$(ls -d "$dev/$VIRTIO"/virtio*/net/* 2>/dev/null)" ] || fail "virtio-net has no interface again"
	pp rebind "$VIRTIO"
	want_eq "$rc" 0 "second rebind: exit status"
	want_eq "$out" "$VIRTIO: nothing to do: pcipass has no record of it and virtio-pci holds it" "second rebind: stdout"
}
t "rebind restores the original driver, clears the override, drops the record" t_rebind

t_override_kept() {
	# A driver_override the admin had set survives the round trip.
	echo pci-stub > "$dev/$VIRTIO/driver_override"
	pp unbind "$VIRTIO"
	want_eq "$rc" 0 "unbind: exit status"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci
override=pci-stub" "record"
	pp rebind "$VIRTIO"
	want_eq "$rc" 0 "rebind: exit status"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci pci-stub" "back on virtio-pci with the old override"
	echo > "$dev/$VIRTIO/driver_override"
	want_eq "$(ovr "$VIRTIO")" "(null)" "override cleared again"
}
t "a previous driver_override is recorded and put back by rebind" t_override_kept

t_rollback() {
	# pcieport's probe turns down anything but a PCIe port: nothing binds.
	pp unbind --driver pcieport "$VIRTIO"
	want_eq "$rc" 2 "exit status"
	want_eq "$err" "pcipass: $VIRTIO: unbind failed: pcieport did not bind it (driver now: (none))
pcipass: $VIRTIO: rolled back: on virtio-pci again" "stderr"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "back where it was"
	[ ! -e "/run/pcipass/$VIRTIO" ] || fail "record left behind"
}
t "an unbind whose probe binds nothing rolls back to the original driver" t_rollback

t_host_in_use() {
	ifc=$(netif "$E1000E")
	[ -n "$ifc" ] || fail "e1000e has no interface"
	ip link set "$ifc" up
	pp unbind "$E1000E"
	want_eq "$rc" 1 "exit status"
	want_has "$err" "pcipass: $E1000E: refused: " "stderr"
	want_has "$err" "$ifc" "the refusal names the interface"
	want_has "$err" "(use --force-in-use to override)" "stderr"
	want_eq "$(drv "$E1000E") $(ovr "$E1000E")" "e1000e (null)" "untouched"
	[ ! -e "/run/pcipass/$E1000E" ] || fail "record written"
	pp reset "$E1000E"
	want_eq "$rc" 1 "reset of an in-use device: exit status"
	want_has "$err" "refused" "reset of an in-use device: stderr"
}
t "a device with an interface up is refused without --force-in-use" t_host_in_use

t_force() {
	pp unbind --force-in-use "$E1000E"
	want_eq "$rc" 0 "unbind --force-in-use: exit status"
	want_has "$err" "(going ahead: --force-in-use)" "unbind --force-in-use: warning"
	want_eq "$(drv "$E1000E")" vfio-pci "on vfio-pci"
	pp reset "$E1000E"
	want_eq "$rc" 0 "reset: exit status"
	want_eq "$out" "$E1000E: reset by pm" "reset: stdout"
	want_eq "$(cat "$dev/$E1000E/reset_method")" "pm bus" "reset_method restored"
	pp rebind "$E1000E"
	want_eq "$rc" 0 "rebind: exit status"
	want_eq "$(drv "$E1000E") $(ovr "$E1000E")" "e1000e (null)" "back on e1000e"
}
t "--force-in-use moves an in-use e1000e; pm reset on vfio-pci; rebind" t_force

t_partial_rollback() {
	# A root port named with an endpoint: the whole set is refused before
	# anything moves (bridges are never moved, whatever the flags).
	rp=$(basename "$(dirname "$(readlink -f "$dev/$E1000E")")")
	pp unbind --force-in-use "$E1000E" "$rp"
	want_eq "$rc" 1 "exit status"
	want_eq "$out" "" "stdout: nothing moved"
	want_has "$err" "pcipass: $rp: refused: " "stderr: the root port"
	want_eq "$(drv "$E1000E") $(ovr "$E1000E") $(drv "$rp") $(ovr "$rp")" "e1000e (null) pcieport (null)" "both untouched"
	want_eq "$(records)" "" "no records left"
}
t "an endpoint named with its root port: refused whole before any write" t_partial_rollback

t_bus_bystander() {
	before_rtl=$(picture "$RTL")
	before_e1000=$(picture "$E1000")
	pp reset --method bus "$RTL"
	want_eq "$rc" 1 "exit status"
	want_eq "$err" "pcipass: $RTL: refused: a bus reset of $RTL also resets $E1000 (e1000), which a host driver still owns; unbind it first or use a function-level method" "stderr"
	want_eq "$out" "" "stdout"
	want_eq "$(picture "$E1000")" "$before_e1000" "bystander keeps its driver"
	want_eq "$(picture "$RTL")" "$before_rtl" "target untouched"
	pp reset --force-in-use --method bus "$RTL"
	want_eq "$rc" 1 "--force-in-use does not override: exit status"
	want_eq "$(drv "$E1000")" e1000 "bystander still on e1000"
}
t "a bus reset that would hit a host-bound bystander is refused, --force-in-use or not" t_bus_bystander

t_group() {
	g=$(grp "$RTL")
	bridge=$(basename "$(dirname "$(readlink -f "$dev/$RTL")")")
	bridge_drv=$(drv "$bridge")
	pp unbind --group "$RTL"
	want_eq "$rc" 0 "exit status"
	want_eq "$out" "$RTL: 8139cp -> vfio-pci, /dev/vfio/$g
$E1000: e1000 -> vfio-pci, /dev/vfio/$g" "stdout"
	want_eq "$(drv "$RTL") $(drv "$E1000")" "vfio-pci vfio-pci" "both endpoints on vfio-pci"
	want_eq "$(drv "$bridge")" "$bridge_drv" "the bridge stays"
	# Now nothing host-bound is in the way, but the kernel itself will not
	# do a bus reset of one of two devices on a bus (its "bus" entry was
	# computed when the rtl8139 was alone there).
	pp reset --method bus "$RTL"
	want_eq "$rc" 2 "stale bus reset: exit status"
	want_eq "$err" "pcipass: $RTL: reset by bus failed: Inappropriate ioctl for device (the kernel does a bus reset only for a function alone on its bus; nothing was reset)" "stale bus reset: stderr"
	want_eq "$(cat "$dev/$RTL/reset_method")" "bus" "reset_method unchanged"
	pp rebind --all
	want_eq "$rc" 0 "rebind --all: exit status"
	want_eq "$out" "$RTL: vfio-pci -> 8139cp
$E1000: vfio-pci -> e1000" "rebind --all: stdout"
	want_eq "$(drv "$RTL") $(drv "$E1000")" "8139cp e1000" "back on their drivers"
	want_eq "$(records)" "" "no records left"
}
t "unbind --group takes both endpoints below the bridge, rebind --all returns them" t_group

t_in_use_by_vm() {
	g=$(grp "$VIRTIO")
	pp unbind "$VIRTIO"
	want_eq "$rc" 0 "unbind: exit status"
	# what a running guest does: hold the group file open
	sleep 60 3<"/dev/vfio/$g" &
	holder=$!
	sleep 1
	pp list -o SLOT,VERDICT
	want_has "$out" "$VIRTIO in-use-by-vm" "list names it in use by a guest"
	pp explain "$VIRTIO"
	want_has "$out" "pid $holder" "explain names the holder's pid"
	pp reset "$VIRTIO"
	want_eq "$rc" 1 "reset: exit status"
	want_has "$err" "is in use by a running guest" "reset: stderr"
	want_has "$err" "(no override)" "reset: no override"
	pp reset --force-in-use --force-boot-vga "$VIRTIO"
	want_eq "$rc" 1 "reset with every override: exit status"
	pp rebind "$VIRTIO"
	want_eq "$rc" 1 "rebind: exit status"
	want_has "$err" "is in use by a running guest" "rebind: stderr"
	want_eq "$(drv "$VIRTIO")" vfio-pci "still on vfio-pci"
	kill "$holder"
	wait "$holder" 2>/dev/null
	pp rebind "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO")" "0 virtio-pci" "rebind once the holder is gone"
}
t "a process holding /dev/vfio/N: list names it, reset and rebind refuse" t_in_use_by_vm

t_modprobe() {
	# vfio-pci unloaded (nothing on it now): unbind loads it through libkmod.
	rmmod vfio_pci 2>/dev/null
	[ ! -d /sys/bus/pci/drivers/vfio-pci ] || fail "vfio-pci could not be unloaded"
	pp unbind --dry-run "$VIRTIO"
	want_eq "$rc" 0 "dry run: exit status"
	want_eq "$(printf '%s\n' "$out" | head -n 1)" "modprobe vfio-pci" "dry run: the plan loads it first"
	[ ! -d /sys/bus/pci/drivers/vfio-pci ] || fail "the dry run loaded vfio-pci"
	pp -v unbind "$VIRTIO"
	want_eq "$rc" 0 "exit status"
	want_has "$out" "modprobe vfio-pci
# verified: /sys/bus/pci/drivers/vfio-pci exists" "-v: loaded and verified"
	want_has "$out" "# verified: $VIRTIO is on vfio-pci
# verified: /dev/vfio/$(grp "$VIRTIO") exists" "-v: the bind and its VFIO file verified"
	want_eq "$(drv "$VIRTIO")" vfio-pci "on vfio-pci"
	pp rebind "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO")" "0 virtio-pci" "rebind"
}
t "vfio-pci unloaded: unbind --dry-run plans modprobe, unbind loads it (libkmod)" t_modprobe

t_persist() {
	command -v driverctl >/dev/null || { fail "driverctl not in the initramfs (install driverctl)"; return; }
	pp unbind --persist "$VIRTIO"
	want_eq "$rc" 0 "unbind --persist: exit status"
	want_eq "$(cat "/etc/driverctl.d/pci-$VIRTIO" 2>&1)" vfio-pci "the saved override"
	want_has "$(driverctl list-overrides 2>&1)" "$VIRTIO vfio-pci" "driverctl list-overrides"
	pp rebind "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO")" "0 virtio-pci" "rebind without --persist"
	# what driverctl does at the next boot, from pcipass's saved file
	driverctl load-override "$VIRTIO" >/tmp/dc.out 2>&1
	want_eq "$? $(drv "$VIRTIO") $(ovr "$VIRTIO")" "0 vfio-pci vfio-pci" "driverctl load-override applies it"
	pp rebind --persist "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO") $(ovr "$VIRTIO")" "0 virtio-pci (null)" "rebind --persist"
	[ ! -e "/etc/driverctl.d/pci-$VIRTIO" ] || fail "the saved override is still there"
	want_lacks "$(driverctl list-overrides 2>&1)" "$VIRTIO" "driverctl list-overrides after"
	driverctl load-override "$VIRTIO" >/tmp/dc.out 2>&1
	want_eq "$?" 1 "driverctl load-override finds nothing saved"
	pp unbind --persist --json "$VIRTIO"
	want_has "$out" '"action": "persist"' "--json: the persist step"
	pp rebind --persist "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO")" "0 virtio-pci" "cleaned up"
}
t "--persist round-trips with driverctl: list-overrides, load-override, rebind --persist" t_persist

t_concurrent_lock() {
	PCIPASS_TEST_PAUSE_AFTER=override timeout 60 pcipass unbind "$VIRTIO" >/tmp/a.out 2>/tmp/a.err &
	apid=$!
	sleep 1
	pp unbind "$VIRTIO"
	wait $apid
	arc=$?
	want_eq "$arc" 0 "first run: exit status"
	want_eq "$(cat /tmp/a.out)" "$VIRTIO: virtio-pci -> vfio-pci, /dev/vfio/$VIRTIO_GROUP" "first run: stdout"
	want_eq "$rc" 0 "second run: exit status"
	want_eq "$err" "pcipass: waiting for another pcipass run to finish" "second run waited for the lock"
	want_eq "$out" "$VIRTIO: already bound to vfio-pci" "second run saw the first one's result"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci" "record names the original driver"
	pp rebind "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO")" "0 virtio-pci" "rebind"
}
t "two unbinds of one device serialize on the lock: one moves it, one finds it moved" t_concurrent_lock

t_concurrent_race() {
	timeout 60 pcipass unbind "$VIRTIO" >/tmp/a.out 2>&1 &
	apid=$!
	timeout 60 pcipass unbind "$VIRTIO" >/tmp/b.out 2>&1 &
	bpid=$!
	wait $apid
	arc=$?
	wait $bpid
	brc=$?
	want_eq "$arc $brc" "0 0" "exit statuses"
	moved=$(cat /tmp/a.out /tmp/b.out | grep -c -- '-> vfio-pci')
	already=$(cat /tmp/a.out /tmp/b.out | grep -c 'already bound to vfio-pci')
	want_eq "$moved $already" "1 1" "one moved it, one found it moved"
	want_eq "$(drv "$VIRTIO")" vfio-pci "driver link"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci" "record names the original driver"
	pp rebind "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO") $(ovr "$VIRTIO")" "0 virtio-pci (null)" "rebind"
}
t "two unbinds started together: one wins, the record stays right" t_concurrent_race

t_killed() {
	PCIPASS_TEST_KILL_AFTER=unbind timeout 60 pcipass unbind "$VIRTIO" >/dev/null 2>&1
	krc=$?
	want_eq "$krc" 137 "killed run's status (SIGKILL)"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "none vfio-pci" "left between unbind and probe"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci" "record survived"
	pp rebind "$VIRTIO"
	want_eq "$rc" 0 "rebind: exit status"
	want_eq "$out" "$VIRTIO: (none) -> virtio-pci" "rebind: stdout"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "recovered"
	[ ! -e "/run/pcipass/$VIRTIO" ] || fail "record not dropped"
}
t "a run killed between unbind and probe leaves a record rebind recovers from" t_killed

t_killed_rerun() {
	PCIPASS_TEST_KILL_AFTER=unbind timeout 60 pcipass unbind "$VIRTIO" >/dev/null 2>&1
	pp unbind "$VIRTIO"
	want_eq "$rc" 0 "second unbind: exit status"
	want_eq "$out" "$VIRTIO: (none) -> vfio-pci, /dev/vfio/$VIRTIO_GROUP" "second unbind: stdout"
	want_has "$(rec "$VIRTIO")" "driver=virtio-pci" "record keeps the original driver"
	pp rebind "$VIRTIO"
	want_eq "$rc $(drv "$VIRTIO") $(ovr "$VIRTIO")" "0 virtio-pci (null)" "rebind"
}
t "unbind after a killed unbind finishes the move and keeps the original driver" t_killed_rerun

t_readonly_state() {
	rm -f /run/pcipass/lock
	mount -t tmpfs -o ro,mode=0755 tmpfs /run/pcipass || fail "mount ro tmpfs"
	pp unbind "$VIRTIO"
	want_eq "$rc" 2 "exit status"
	want_eq "$err" "pcipass: /run/pcipass/lock: Read-only file system" "stderr"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "untouched"
	umount /run/pcipass
}
t "a read-only state directory: clear error before any sysfs write" t_readonly_state

t_full_state() {
	mount -t tmpfs -o size=8k,mode=0755 tmpfs /run/pcipass || fail "mount small tmpfs"
	dd if=/dev/zero of=/run/pcipass/filler bs=1024 count=64 2>/dev/null
	pp unbind "$VIRTIO"
	want_eq "$rc" 2 "exit status"
	want_eq "$err" "pcipass: /run/pcipass/$VIRTIO: No space left on device" "stderr"
	want_eq "$(drv "$VIRTIO") $(ovr "$VIRTIO")" "virtio-pci (null)" "untouched"
	want_eq "$(ls -a /run/pcipass | tr '\n' ' ')" ". .. filler lock " "no temp file left"
	umount /run/pcipass
}
t "a full state directory: clear error before any sysfs write" t_full_state

say "1..$n"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
