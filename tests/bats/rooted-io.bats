#!/usr/bin/env bats
# The rooted I/O layer under attack (HACKING, Layers): every reproducer of
# the adversarial review, on private copies of the snapshots.  Each bad
# input ends as "pcipass: <what>: <why>", exit 2 (1 for a refusal), no
# crash, no hang (timeout), nothing written outside the root.

load common

# fresh NAME: a private, writable copy of a snapshot
fresh() {
	local dir
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/tree.XXXXXX")
	tar -xzf "$SNAPSHOTS/$1.tar.gz" -C "$dir"
	printf '%s\n' "$dir"
}

NIC=sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0


swap_race() {
	local bin
	bin=$(dirname "$PCIPASS_HOOKS")/race/swap-race
	[ -x "$bin" ] || fail "tests/race/swap-race not built (make check builds it)"
	dir=$(fresh vfio)
	cp -a "$dir/sys/bus/pci/drivers" "$BATS_TEST_TMPDIR/decoy"
	run timeout 300 "$bin" "$PCIPASS" "$dir" "$BATS_TEST_TMPDIR/decoy" 20
	assert_success
	assert_output "swap-race: 20 rounds, nothing written outside the root"
}

@test "a directory swapped for a link out of the root: nothing is written outside (openat2)" {
	swap_race
}

@test "a directory swapped for a link out of the root: nothing is written outside (per-component walk)" {
	PCIPASS=$PCIPASS_HOOKS
	PCIPASS_TEST_NO_OPENAT2=1 swap_race
}

@test "the fallback walk reads the same model as openat2" {
	PCIPASS=$PCIPASS_HOOKS
	for s in vfio host sriov switch; do
		dir=$(snapshot $s)
		a=$(pp --sysroot "$dir" explain --all --json || true)
		b=$(PCIPASS_TEST_NO_OPENAT2=1 pp --sysroot "$dir" explain --all --json || true)
		[ -n "$a" ]
		[ "$a" = "$b" ]
	done
}

@test "the fallback walk refuses links out of the root like openat2" {
	PCIPASS=$PCIPASS_HOOKS
	dir=$(fresh vfio)
	ln -sfn /etc "$dir/$NIC/driver"
	ln -s ../../../../../../../.. "$dir/sys/bus/pci/devices/0000:00:1f.7"
	for env in "" 1; do
		PCIPASS_TEST_NO_OPENAT2=$env run --separate-stderr pp --sysroot "$dir" list
		assert_success
		[[ "$stderr" == *"sys/bus/pci/devices/0000:00:1f.7: link leaves the root, skipped"* ]]
	done
}

@test "a device node in place of an attribute is never opened, let alone written" {
	command -v strace >/dev/null || fail "strace not installed (scripts/install-deps.sh installs it)"
	dir=$(fresh vfio)
	rm "$dir/sys/bus/pci/drivers/virtio-pci/unbind"
	mknod "$dir/sys/bus/pci/drivers/virtio-pci/unbind" c 1 3
	# LeakSanitizer cannot run under ptrace: off for this one run
	ASAN_OPTIONS=detect_leaks=0 run --separate-stderr timeout 20 strace -f -qq -e trace=open,openat,openat2 -o "$BATS_TEST_TMPDIR/trace" \
		"$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[[ "$stderr" == *"pcipass: 0000:01:00.0: unbind failed: writing 0000:01:00.0 to sys/bus/pci/drivers/virtio-pci/unbind: Invalid argument"* ]]
	! grep 'virtio-pci/unbind' "$BATS_TEST_TMPDIR/trace" | grep -v O_PATH
}

@test "a FIFO as a state record: refused at once, lock released" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	mkfifo "$dir/run/pcipass/0000:01:00.0"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" rebind --dry-run 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/run/pcipass/0000:01:00.0: not a regular file" ]
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/run/pcipass/0000:01:00.0: not a regular file" ]
}

@test "FIFOs as a driver's unbind or a device's reset file: no hang" {
	dir=$(fresh vfio)
	rm "$dir/sys/bus/pci/drivers/virtio-pci/unbind"
	mkfifo "$dir/sys/bus/pci/drivers/virtio-pci/unbind"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[[ "$stderr" == *"virtio-pci/unbind: Invalid argument"* ]]
	dir=$(fresh vfio)
	R=sys/devices/pci0000:00/0000:00:04.0/0000:03:00.0/reset
	rm "$dir/$R"
	mkfifo "$dir/$R"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" reset 03:00.0
	[ "$status" -ne 124 ]
	[ "$status" -lt 128 ]
	# and the next run is not kept waiting
	run timeout 10 "$PCIPASS" --sysroot "$dir" rebind --dry-run 03:00.0
	[ "$status" -ne 124 ]
}

@test "a FIFO as the lock file: refused, no hang" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	mkfifo "$dir/run/pcipass/lock"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/run/pcipass/lock: not a regular file" ]
}

@test "the lock waits with a timeout and names the holder's pid" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	echo 4242 >"$dir/run/pcipass/lock"
	flock "$dir/run/pcipass/lock" sleep 4 &
	sleep 0.5
	PCIPASS_LOCK_TIMEOUT=1 run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	wait
	assert_failure 2
	[ "$stderr" = "pcipass: waiting for another pcipass run to finish
pcipass: $dir/run/pcipass/lock: still held by pid 4242 after 1 s: giving up" ]
}

@test "reset when the kernel's first method is slot: no crash" {
	dir=$(fresh vfio)
	echo slot >"$dir/sys/devices/pci0000:00/0000:00:04.0/0000:03:00.0/reset_method"
	echo 0000:07:00 >"$dir/sys/bus/pci/slots/0-3/address"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" reset --dry-run 03:00.0
	[ "$status" -lt 128 ]
	[[ "$stderr" == "pcipass: "* ]]
}

@test "escapes from a snapshot never reach the terminal; JSON stays valid UTF-8" {
	dir=$(fresh vfio)
	E=$(printf '\033]0;PWNED-title\007\033[2J\033[31mFAKE')
	mkdir "$dir/sys/bus/pci/drivers/$E"
	rm "$dir/$NIC/driver"
	ln -s "../../../../bus/pci/drivers/$E" "$dir/$NIC/driver"
	mkdir "$dir/sys/bus/pci/devices/x$(printf '\033[1;31m')OWNED"
	printf 'vfio\377\376-pci\n' >"$dir/$NIC/driver_override"
	printf '6.1.0-\033[2Jevil\n' >"$dir/proc/sys/kernel/osrelease" 2>/dev/null || true
	for cmd in "explain 01:00.0" "explain --all" "list" "list -t" "unbind 01:00.0" "rebind --dry-run 01:00.0"; do
		run timeout 20 "$PCIPASS" --sysroot "$dir" $cmd
		[ "$status" -lt 128 ]
		[[ "$output" != *$'\e'* ]]
		[[ "$output" != *$'\a'* ]]
	done
	run timeout 20 "$PCIPASS" --sysroot "$dir" "$(printf 'li\033[2Jst')"
	assert_failure 2
	[[ "$output" != *$'\e'* ]]
	pp --sysroot "$dir" list --json 2>/dev/null | python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8"))'
	pp --sysroot "$dir" explain --all --json 2>/dev/null | python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8"))'
	pp --sysroot "$dir" report -o "$BATS_TEST_TMPDIR/r.tar.gz" >/dev/null 2>&1
	tar -xzOf "$BATS_TEST_TMPDIR/r.tar.gz" --wildcards '*report.txt' | { ! grep -q $'\e'; }
}

@test "a driver_override that is no driver name is not recorded" {
	dir=$(fresh vfio)
	printf 'x\ndriver=nvme\n' >"$dir/$NIC/driver_override"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[[ "$stderr" == *"pcipass: 0000:01:00.0: its driver_override 'x\\x0adriver=nvme' is not a driver name: refusing to record it" ]]
	[ ! -e "$dir/run/pcipass/0000:01:00.0" ]
	# and one written by hand is refused when read
	printf 'driver=x\noverride=a b\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:01:00.0"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" rebind --dry-run 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/run/pcipass/0000:01:00.0: holds a value that is not a driver name; fix or remove the file" ]
}

@test "two spellings of one address: the other one is skipped, the host-in-use refusal holds" {
	dir=$(fresh vfio)
	S=$dir/sys/devices/pci0000:00/0000:00:04.0/0000:03:00.0
	D=$dir/sys/devices/pci0000:00/0000:00:1e.0
	mkdir "$D"
	cp "$S/config" "$S/driver_override" "$S/reset" "$S/reset_method" "$S/resource" "$D/"
	ln -s ../../../kernel/iommu_groups/8 "$D/iommu_group"
	ln -s ../../../devices/pci0000:00/0000:00:1e.0 "$dir/sys/bus/pci/devices/00000:01:00.0"
	before=$(cat "$dir/$NIC/driver_override")
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" list
	assert_success
	[ "$stderr" = "pcipass: sys/bus/pci/devices/00000:01:00.0: not the kernel's spelling of 0000:01:00.0, skipped" ]
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind 01:00.0
	assert_failure 1
	[[ "$stderr" == "pcipass: 0000:01:00.0: refused: "*"in use by the host"* ]]
	[ "$(cat "$dir/$NIC/driver_override")" = "$before" ]
}

@test "a root owned by someone else, or writable by others, is not written under" {
	dir=$(fresh vfio)
	chown 65534 "$dir"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir: owned by uid 65534: refusing to write under it" ]
	chown "$(id -u)" "$dir"
	chmod o+w "$dir"
	run --separate-stderr timeout 10 "$PCIPASS" --sysroot "$dir" unbind --force-in-use 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir: writable by others: refusing to write under it" ]
	[ ! -e "$dir/run" ]
	# reading it is fine
	run timeout 10 "$PCIPASS" --sysroot "$dir" list
	assert_success
}

@test "test hooks do nothing in pcipass itself (only tests/pcipass-hooks has them)" {
	! grep -q PCIPASS_TEST_KILL_AFTER "$PCIPASS"
	grep -q PCIPASS_TEST_KILL_AFTER "$PCIPASS_HOOKS"
	dir=$(fresh vfio)
	PCIPASS_TEST_KILL_AFTER=state run timeout 10 "$PCIPASS" --sysroot "$dir" unbind 00:1f.3
	[ "$status" -ne 137 ]
}

@test "the unpack directory goes on SIGUSR1, SIGALRM, SIGTERM; a killed run's is swept" {
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	for sig in USR1 ALRM TERM; do
		# stdout into a one-page pipe nobody reads: pcipass blocks writing
		# its ~19 KB, its unpack directory in place, until the signal
		run timeout 30 python3 -c '
import fcntl, os, signal, subprocess, sys, time
tmp, sig = sys.argv[1], getattr(signal, "SIG" + sys.argv[2])
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ: one page
p = subprocess.Popen(sys.argv[3:], stdout=w, stderr=subprocess.DEVNULL)
os.close(w)
for _ in range(100):
    if any(n.startswith("pcipass-sysroot") for n in os.listdir(tmp)):
        break
    time.sleep(0.05)
time.sleep(0.3)
if p.poll() is not None:
    sys.exit("pcipass ended before the signal")
p.send_signal(sig)
p.wait(timeout=10)
left = [n for n in os.listdir(tmp) if n.startswith("pcipass-sysroot")]
sys.exit("left behind: %s" % left if left else 0)
' "$TMPDIR" "$sig" "$PCIPASS" --sysroot "$SNAPSHOTS/gpu.tar.gz" explain --all -v
		assert_success
	done
	# SIGKILL leaves it; the next run sweeps it
	sh -c 'exit 0' &
	dead=$!
	wait
	mkdir -p "$TMPDIR/pcipass-sysroot.$dead.abcdef/sys"
	run pp --sysroot "$SNAPSHOTS/vfio.tar.gz" list
	assert_success
	[ -z "$(ls "$TMPDIR" | grep '^pcipass-sysroot')" ]
}
