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
	want_eq "$out" "save run/pcipass/$VIRTIO <- driver=virtio-pci override= target=vfio-pci
write $VIRTIO/driver_override <- vfio-pci
write sys/bus/pci/drivers/virtio-pci/unbind <- $VIRTIO
write sys/bus/pci/drivers_probe <- $VIRTIO
$VIRTIO: virtio-pci -> vfio-pci (dry run: nothing written)" "stdout"
	want_eq "$(picture "$VIRTIO")" "$before" "host after unbind --dry-run"
	pp reset --dry-run --method pm "$VIRTIO"
	want_eq "$rc" 0 "reset --dry-run exit status"
	want_eq "$out" "write $VIRTIO/reset_method <- pm
write $VIRTIO/reset <- 1
write $VIRTIO/reset_method <- flr pm bus
$VIRTIO: reset by pm (dry run: nothing written)" "reset --dry-run stdout"
	want_eq "$(picture "$VIRTIO")" "$before" "host after reset --dry-run"
	want_eq "$(records)" "" "no records"
}
t "--dry-run prints the exact writes and changes nothing" t_dry_run

t_refuse_bridge() {
	bridge=$(basename "$(dirname "$(readlink -f "$dev/$VIRTIO")")")
	pp unbind "$bridge"
	want_eq "$rc" 1 "exit status"
	want_has "$err" "pcipass: $bridge: refused: " "stderr"
	want_has "$err" "(use --force to override)" "stderr"
	want_eq "$(drv "$bridge")" pcieport "bridge keeps pcieport"
	want_eq "$(records)" "" "no records"
}
t "a bridge is refused without --force" t_refuse_bridge

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
	pp reset --method pm "$VIRTIO"
	want_eq "$rc" 0 "--method pm: exit status"
	want_eq "$out" "$VIRTIO: reset by pm" "--method pm: stdout"
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
	want_has "$err" "(use --force to override)" "stderr"
	want_eq "$(drv "$E1000E") $(ovr "$E1000E")" "e1000e (null)" "untouched"
	[ ! -e "/run/pcipass/$E1000E" ] || fail "record written"
	pp reset "$E1000E"
	want_eq "$rc" 1 "reset of an in-use device: exit status"
	want_has "$err" "refused" "reset of an in-use device: stderr"
}
t "a device with an interface up is refused without --force" t_host_in_use

t_force() {
	pp unbind --force "$E1000E"
	want_eq "$rc" 0 "unbind --force: exit status"
	want_has "$err" "(going ahead: --force)" "unbind --force: warning"
	want_eq "$(drv "$E1000E")" vfio-pci "on vfio-pci"
	pp reset "$E1000E"
	want_eq "$rc" 0 "reset: exit status"
	want_eq "$out" "$E1000E: reset by pm" "reset: stdout"
	want_eq "$(cat "$dev/$E1000E/reset_method")" "pm bus" "reset_method restored"
	pp rebind "$E1000E"
	want_eq "$rc" 0 "rebind: exit status"
	want_eq "$(drv "$E1000E") $(ovr "$E1000E")" "e1000e (null)" "back on e1000e"
}
t "--force moves an in-use e1000e; pm reset on vfio-pci; rebind" t_force

t_partial_rollback() {
	# vfio-pci takes endpoints only: the root port, moved second, fails,
	# and the e1000e moved before it must go back as well.
	rp=$(basename "$(dirname "$(readlink -f "$dev/$E1000E")")")
	pp unbind --force "$E1000E" "$rp"
	want_eq "$rc" 2 "exit status"
	want_eq "$out" "$E1000E: e1000e -> vfio-pci, /dev/vfio/$(grp "$E1000E")" "stdout: the first function moved"
	want_has "$err" "pcipass: $rp: unbind failed: vfio-pci did not bind it (driver now: (none))
pcipass: $rp: rolled back: on pcieport again
pcipass: $E1000E: rolled back: on e1000e again" "stderr: both rolled back, newest first"
	want_eq "$(drv "$E1000E") $(ovr "$E1000E") $(drv "$rp") $(ovr "$rp")" "e1000e (null) pcieport (null)" "both back"
	want_eq "$(records)" "" "no records left"
}
t "a move that fails part-way rolls back every function it moved, newest first" t_partial_rollback

t_bus_bystander() {
	before_rtl=$(picture "$RTL")
	before_e1000=$(picture "$E1000")
	pp reset --method bus "$RTL"
	want_eq "$rc" 1 "exit status"
	want_eq "$err" "pcipass: $RTL: refused: a bus reset of $RTL also resets $E1000 (e1000), which a host driver still owns; unbind it first or use a function-level method" "stderr"
	want_eq "$out" "" "stdout"
	want_eq "$(picture "$E1000")" "$before_e1000" "bystander keeps its driver"
	want_eq "$(picture "$RTL")" "$before_rtl" "target untouched"
	pp reset --force --method bus "$RTL"
	want_eq "$rc" 1 "--force does not override: exit status"
	want_eq "$(drv "$E1000")" e1000 "bystander still on e1000"
}
t "a bus reset that would hit a host-bound bystander is refused, --force or not" t_bus_bystander

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
