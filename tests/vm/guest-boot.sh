#!/bin/sh
# Guest side of tests/vm/check-boot.sh: the next boot's configuration read
# from a real kernel's /proc/cmdline, and vfio-pci's own matching of the
# same ids.  Runs as /payload.sh under busybox sh, as root.
#
# The guest booted with vfio-pci.ids= naming the virtio-net (1af4:1041), the
# e1000e with a subsystem it does not have (8086:10d3:1234:5678), a bad entry,
# and the nvme by 0x-prefixed ids, any subsystem and its exact class
# (0x1b36:0x0010:ffffffff:ffffffff:010802:ffffff).  vfio-pci is a module the guest does not load at boot, so every
# device is on its own driver: pcipass must say which ones the ids take,
# and block the up NIC and the nvme whose namespace the guest swaps on (the
# host's own disk: the next boot would not come up).
# Then vfio-pci is loaded with exactly that value, each device is unbound,
# and /sys/bus/pci/drivers/vfio-pci/bind (which accepts only a device the
# driver's ids match) says which ones vfio-pci takes: the kernel's answer.
#
# Prints TAP, then "1..N" and "N passed, M failed"; the same to $RESULTS/tap.txt.

TAP=${RESULTS:-/tmp}/tap.txt
: > "$TAP"
n=0
passed=0
failed=0
why=''
say() { printf '%s\n' "$*" | tee -a "$TAP"; }
fail() { why="$why${why:+
}$*"; }
want_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
want_has() { case $1 in *"$2"*) ;; *) fail "$3: '$1' does not contain '$2'" ;; esac; }
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
	fi
}
pp() {
	timeout 60 pcipass "$@" >/tmp/pp.out 2>/tmp/pp.err
	rc=$?
	out=$(cat /tmp/pp.out)
	err=$(cat /tmp/pp.err)
}

dev=/sys/bus/pci/devices
drv() { if [ -L "$dev/$1/driver" ]; then basename "$(readlink "$dev/$1/driver")"; else echo none; fi; }
find_dev() { # VENDOR DEVICE -> first BDF with those ids
	for d in "$dev"/*; do
		if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}

virtio=$(find_dev 0x1af4 0x1041)
e1000e=$(find_dev 0x8086 0x10d3)
nvme=$(find_dev 0x1b36 0x0010)
ids=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^vfio-pci\.ids=//p')
say "# cmdline: $(cat /proc/cmdline)"
say "# virtio-net $virtio ($(drv "$virtio")), e1000e $e1000e ($(drv "$e1000e")), nvme $nvme ($(drv "$nvme"))"
eth=$(ls "$dev/$virtio/virtio"*/net 2>/dev/null | head -n 1)
ip link set "$eth" up 2>/dev/null
# the host's disk: the nvme's namespace, in use as swap
disk=$(ls "$dev/$nvme/nvme/"*/ 2>/dev/null | grep -m 1 '^nvme[0-9]*n[0-9]*$')
mkswap "/dev/$disk" >/dev/null 2>&1 && swapon "/dev/$disk" 2>/dev/null

# pcipass's prediction, from the live host, before vfio-pci exists
pp list -o SLOT,BOOTFROM,BOOT,BLOCKERS --raw --noheadings
predicted=$out
predicted_err=$err

test_setup() {
	want_eq "$(drv "$virtio") $(drv "$e1000e") $(drv "$nvme")" "virtio-pci e1000e nvme" "drivers at boot"
	want_eq "$([ -d /sys/module/vfio_pci ] && echo loaded || echo absent)" absent "vfio_pci at boot"
	want_eq "$ids" "1af4:1041,8086:10d3:1234:5678,nonsense,0x1b36:0x0010:ffffffff:ffffffff:010802:ffffff" \
		"the ids on the command line"
	want_eq "$(( $(cat "/sys/class/net/$eth/flags" 2>/dev/null || echo 0) & 1 ))" 1 "$eth is up (IFF_UP)"
	want_has "$(cat /proc/swaps)" "/dev/$disk" "the nvme's namespace '$disk' is in use as swap"
}
t "the guest booted with vfio-pci.ids= and every device on its own driver" test_setup

test_predicted() {
	want_has "$predicted" "$virtio cmdline vfio-pci" "list: the virtio-net"
	want_has "$predicted" "$e1000e - - " "list: the e1000e (its subsystem differs)"
	want_has "$predicted" "$nvme cmdline vfio-pci" "list: the nvme (by class)"
	want_has "$(echo "$predicted" | grep "^$virtio ")" "boot-takes-host-device" "list: the up NIC's blockers"
	want_has "$(echo "$predicted" | grep "^$nvme ")" "boot-takes-host-device" "list: the host disk's controller"
	pp explain "$nvme"
	want_eq "$rc" 1 "explain of the host disk's controller exits"
	want_has "$out" "$disk" "explain names the disk the host uses"
	want_has "$predicted_err" 'kernel command line: vfio-pci id "nonsense" is not vendor:device' "the bad id named"
	pp explain "$virtio"
	want_eq "$rc" 1 "explain of the up NIC exits"
	want_has "$out" "boot-takes-host-device" "explain names the blocker"
}
t "pcipass reads the live command line: the ids take the up virtio-net and the swap disk's nvme (blockers), not the e1000e" test_predicted

# The kernel's answer: vfio-pci loaded with the same value, each device
# offered to it alone through its bind file.
ip link set "$eth" down 2>/dev/null
swapoff "/dev/$disk" 2>/dev/null
modprobe vfio_pci "ids=$ids" 2>/tmp/modprobe.err
for b in "$virtio" "$e1000e" "$nvme"; do
	d=$(drv "$b")
	[ "$d" = none ] || echo "$b" > "/sys/bus/pci/drivers/$d/unbind"
	echo "$b" > /sys/bus/pci/drivers/vfio-pci/bind 2>/dev/null
done

test_kernel() {
	want_eq "$([ -d /sys/bus/pci/drivers/vfio-pci ] && echo yes)" yes "vfio-pci loaded ($(cat /tmp/modprobe.err))"
	for b in "$virtio" "$e1000e" "$nvme"; do
		if echo "$predicted" | grep -q "^$b cmdline vfio-pci"; then want=vfio-pci; else want=none; fi
		want_eq "$(drv "$b")" "$want" "$b after vfio-pci/bind"
	done
}
t "the kernel's vfio-pci takes exactly the functions pcipass said (vfio_pci_fill_ids, pci_match_one_device)" test_kernel

say "1..$n"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
