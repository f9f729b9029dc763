#!/usr/bin/env bats
# unbind / reset / rebind against real-kernel snapshots, which are plain
# files: --dry-run output is compared whole, refusals must leave every file
# as it was, and a real run on files (where no driver ever binds) shows the
# verify-and-roll-back path.  The same commands on a live kernel are in
# tests/vm/guest-mutations.sh (make check-vm).
#
# Snapshots (tests/sysfs-snapshots): vfio = virtio-net 01:00.0 with eth1 up,
# e1000e 02:00.0 and nvme 03:00.0 on vfio-pci; pcibridge = rtl8139 02:01.0
# (8139cp, reset_method "bus") and e1000 02:02.0 below a PCIe-to-PCI bridge.

setup() {
	load common
}

# fresh NAME: a private copy of snapshot NAME for this test (tests write to it).
fresh() {
	local dir=$BATS_TEST_TMPDIR/$1
	mkdir -p "$dir" && tar -xzf "$SNAPSHOTS/$1.tar.gz" -C "$dir" && printf '%s\n' "$dir"
}

# tree DIR: every file with its content hash, every link with its target, every directory.
tree() {
	(cd "$1" && find . -type f -exec md5sum {} + | sort -k2 &&
		find . -type l -printf '%p -> %l\n' | sort && find . -type d | sort)
}

# records DIR: the state records (the lock file is not one).
records() {
	ls "$1/run/pcipass" 2>/dev/null | grep -v '^lock$' | tr '\n' ' '
}

# ---- --dry-run: the exact writes, and nothing written -----------------------

@test "unbind --dry-run prints the record and the three writes as shell lines, and changes no file" {
	dir=$(fresh vfio)
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" unbind --dry-run 00:1f.3
	assert_success
	assert_output "mkdir -p $dir/run/pcipass
printf '%s\\n' '# 0000:00:1f.3: moved by pcipass; '\\''pcipass rebind 0000:00:1f.3'\\'' restores it' driver=i801_smbus override= target=vfio-pci > $dir/run/pcipass/0000:00:1f.3
echo vfio-pci > $dir/sys/bus/pci/devices/0000:00:1f.3/driver_override
echo 0000:00:1f.3 > $dir/sys/bus/pci/drivers/i801_smbus/unbind
echo 0000:00:1f.3 > $dir/sys/bus/pci/drivers_probe
# 0000:00:1f.3: i801_smbus -> vfio-pci (dry run: nothing written)"
	[ "$stderr" = "" ]
	[ "$(tree "$dir")" = "$before" ]
	[ ! -e "$dir/run" ]
}

@test "unbind --dry-run --force-in-use on an in-use NIC warns with the finding and prints the writes" {
	dir=$(fresh vfio)
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" unbind --dry-run --force-in-use 01:00.0
	assert_success
	assert_line --index 2 "echo vfio-pci > $dir/sys/bus/pci/devices/0000:01:00.0/driver_override"
	assert_line --index 3 "echo 0000:01:00.0 > $dir/sys/bus/pci/drivers/virtio-pci/unbind"
	assert_line --index 4 "echo 0000:01:00.0 > $dir/sys/bus/pci/drivers_probe"
	assert_line --index 5 "# 0000:01:00.0: virtio-pci -> vfio-pci (dry run: nothing written)"
	[[ "$stderr" == "pcipass: 0000:01:00.0: warning: "*"eth1"*" (going ahead: --force-in-use)" ]]
	[ "$(tree "$dir")" = "$before" ]
}

@test "unbind --dry-run --driver pci-stub names that driver in every write" {
	dir=$(fresh vfio)
	mkdir "$dir/sys/bus/pci/drivers/pci-stub"
	run --separate-stderr pp --sysroot "$dir" unbind -n --driver pci-stub 00:1f.3
	assert_success
	assert_line --index 1 --partial " driver=i801_smbus override= target=pci-stub > $dir/run/pcipass/0000:00:1f.3"
	assert_line --index 2 "echo pci-stub > $dir/sys/bus/pci/devices/0000:00:1f.3/driver_override"
	assert_line --index 5 "# 0000:00:1f.3: i801_smbus -> pci-stub (dry run: nothing written)"
}

@test "unbind --group --dry-run records every endpoint of the group before the first write" {
	dir=$(fresh pcibridge)
	mkdir "$dir/sys/bus/pci/drivers/vfio-pci"
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" unbind --group --dry-run 02:02.0
	assert_success
	assert_output "mkdir -p $dir/run/pcipass
printf '%s\\n' '# 0000:02:02.0: moved by pcipass; '\\''pcipass rebind 0000:02:02.0'\\'' restores it' driver=e1000 override= target=vfio-pci > $dir/run/pcipass/0000:02:02.0
mkdir -p $dir/run/pcipass
printf '%s\\n' '# 0000:02:01.0: moved by pcipass; '\\''pcipass rebind 0000:02:01.0'\\'' restores it' driver=8139cp override= target=vfio-pci > $dir/run/pcipass/0000:02:01.0
echo vfio-pci > $dir/sys/bus/pci/devices/0000:02:02.0/driver_override
echo 0000:02:02.0 > $dir/sys/bus/pci/drivers/e1000/unbind
echo 0000:02:02.0 > $dir/sys/bus/pci/drivers_probe
# 0000:02:02.0: e1000 -> vfio-pci (dry run: nothing written)
echo vfio-pci > $dir/sys/bus/pci/devices/0000:02:01.0/driver_override
echo 0000:02:01.0 > $dir/sys/bus/pci/drivers/8139cp/unbind
echo 0000:02:01.0 > $dir/sys/bus/pci/drivers_probe
# 0000:02:01.0: 8139cp -> vfio-pci (dry run: nothing written)"
	[ "$(tree "$dir")" = "$before" ]
}

@test "unbind of a function already on vfio-pci writes nothing" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" unbind 02:00.0
	assert_success
	assert_output "0000:02:00.0: already bound to vfio-pci"
	[ "$(records "$dir")" = "" ]
}

@test "vfio-pci not loaded on a --sysroot: the dry run says the live host would load it, a real run refuses" {
	dir=$(fresh rootports)
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" unbind --dry-run 02:00.0
	assert_success
	assert_line --index 0 "# modprobe vfio-pci (not for a --sysroot: the live host would load it here)"
	assert_line --index 3 "echo vfio-pci > $dir/sys/bus/pci/devices/0000:02:00.0/driver_override"
	[ "$stderr" = "" ]
	[ "$(tree "$dir")" = "$before" ]
	run --separate-stderr pp --sysroot "$dir" unbind 02:00.0
	assert_failure 2
	assert_output ""
	[ "$stderr" = "pcipass: vfio-pci: driver not loaded, and pcipass loads no module for a --sysroot (on the live host it would load vfio-pci as modprobe does)" ]
	[ "$(records "$dir")" = "" ]
	[ "$(tree "$dir" | grep -v 'run/pcipass\|^\./run$')" = "$before" ]
}

@test "reset --dry-run selects the method, resets, and restores reset_method" {
	dir=$(fresh vfio)
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" reset --dry-run 02:00.0
	assert_success
	assert_output "echo pm > $dir/sys/bus/pci/devices/0000:02:00.0/reset_method
echo 1 > $dir/sys/bus/pci/devices/0000:02:00.0/reset
echo 'pm bus' > $dir/sys/bus/pci/devices/0000:02:00.0/reset_method
# 0000:02:00.0: reset by pm (dry run: nothing written)"
	run --separate-stderr pp --sysroot "$dir" reset --dry-run --method bus 03:00.0
	assert_success
	assert_output "echo bus > $dir/sys/bus/pci/devices/0000:03:00.0/reset_method
echo 1 > $dir/sys/bus/pci/devices/0000:03:00.0/reset
echo 'flr bus' > $dir/sys/bus/pci/devices/0000:03:00.0/reset_method
# 0000:03:00.0: reset by bus (dry run: nothing written)"
	run --separate-stderr pp --sysroot "$dir" reset --dry-run --method slot 03:00.0
	assert_success
	assert_line --index 0 "echo bus > $dir/sys/bus/pci/devices/0000:03:00.0/reset_method"
	assert_line --index 3 "# 0000:03:00.0: reset by slot (dry run: nothing written)"
	[ "$(tree "$dir")" = "$before" ]
}

@test "reset --dry-run of a function whose only method is listed writes reset alone" {
	dir=$(fresh pcibridge)
	# Both functions below the bridge owned by vfio-pci: no bystander to protect.
	for f in 0000:02:01.0 0000:02:02.0; do
		ln -sfn ../../../../../bus/pci/drivers/vfio-pci "$dir/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/$f/driver"
	done
	mkdir -p "$dir/sys/bus/pci/drivers/vfio-pci"
	[ "$(pp --sysroot "$dir" list --json | jq -r '[.functions[] | select(.address | startswith("0000:02:")) | .driver] | join(" ")')" = "vfio-pci vfio-pci" ]
	run --separate-stderr pp --sysroot "$dir" reset --dry-run 02:01.0
	assert_success
	# The other function below the bridge is reset too, and named.
	assert_output "echo 1 > $dir/sys/bus/pci/devices/0000:02:01.0/reset
# 0000:02:01.0: reset by bus, also resetting 0000:02:02.0 (dry run: nothing written)"
}

@test "reset: a method the kernel does not offer, or an unknown one, is an error" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" reset --method flr 02:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: 0000:02:00.0: reset method flr: not offered by the kernel for it (reset_method: pm bus)" ]
	run --separate-stderr pp --sysroot "$dir" reset --method warm 02:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: --method warm: unknown (auto, flr, af_flr, pm, bus, slot)
Try 'pcipass --help'." ]
	run --separate-stderr pp --sysroot "$dir" reset --method slot 00:1f.2
	assert_failure 1
	[ "$stderr" = "pcipass: 0000:00:1f.2: refused: the kernel offers no reset method for it (no-reset)" ]
}

@test "rebind --dry-run restores the override, leaves vfio-pci, binds the recorded driver, drops the record" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=e1000e\noverride=\ntarget=vfio-pci\n' > "$dir/run/pcipass/0000:02:00.0"
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" rebind --dry-run 02:00.0
	assert_success
	assert_output "echo > $dir/sys/bus/pci/devices/0000:02:00.0/driver_override
echo 0000:02:00.0 > $dir/sys/bus/pci/drivers/vfio-pci/unbind
echo 0000:02:00.0 > $dir/sys/bus/pci/drivers/e1000e/bind
rm -f $dir/run/pcipass/0000:02:00.0
# 0000:02:00.0: vfio-pci -> e1000e (dry run: nothing written)"
	[ "$(tree "$dir")" = "$before" ]
}

@test "rebind --dry-run puts a previous override naming another driver back after the bind" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=e1000e\noverride=pci-stub\ntarget=vfio-pci\n' > "$dir/run/pcipass/0000:02:00.0"
	run --separate-stderr pp --sysroot "$dir" rebind --dry-run 02:00.0
	assert_success
	# Set first, the override would make the bind fail: it goes back last.
	assert_output "echo > $dir/sys/bus/pci/devices/0000:02:00.0/driver_override
echo 0000:02:00.0 > $dir/sys/bus/pci/drivers/vfio-pci/unbind
echo 0000:02:00.0 > $dir/sys/bus/pci/drivers/e1000e/bind
echo pci-stub > $dir/sys/bus/pci/devices/0000:02:00.0/driver_override
rm -f $dir/run/pcipass/0000:02:00.0
# 0000:02:00.0: vfio-pci -> e1000e (dry run: nothing written)"
}

@test "rebind --all --dry-run: every record; a function recorded as driverless is reprobed" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=e1000e\noverride=\ntarget=vfio-pci\n' > "$dir/run/pcipass/0000:02:00.0"
	printf 'driver=\noverride=\ntarget=vfio-pci\n' > "$dir/run/pcipass/0000:03:00.0"
	run --separate-stderr pp --sysroot "$dir" rebind --all --dry-run
	assert_success
	assert_output "echo > $dir/sys/bus/pci/devices/0000:02:00.0/driver_override
echo 0000:02:00.0 > $dir/sys/bus/pci/drivers/vfio-pci/unbind
echo 0000:02:00.0 > $dir/sys/bus/pci/drivers/e1000e/bind
rm -f $dir/run/pcipass/0000:02:00.0
# 0000:02:00.0: vfio-pci -> e1000e (dry run: nothing written)
echo > $dir/sys/bus/pci/devices/0000:03:00.0/driver_override
echo 0000:03:00.0 > $dir/sys/bus/pci/drivers/vfio-pci/unbind
echo 0000:03:00.0 > $dir/sys/bus/pci/drivers_probe
rm -f $dir/run/pcipass/0000:03:00.0
# 0000:03:00.0: vfio-pci -> (reprobe) (dry run: nothing written)"
}

@test "rebind of a function pcipass has no record of and a host driver holds: nothing to do" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" rebind 01:00.0
	assert_success
	assert_output "0000:01:00.0: nothing to do: pcipass has no record of it and virtio-pci holds it"
}

@test "list --json reads the records: moved_from_driver" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=e1000e\noverride=\ntarget=vfio-pci\n' > "$dir/run/pcipass/0000:02:00.0"
	run --separate-stderr pp --sysroot "$dir" list --json
	assert_success
	[ "$(jq -r '.functions[] | select(.address == "0000:02:00.0") | .moved_from_driver' <<<"$output")" = e1000e ]
	[ "$(jq -r '.functions[] | select(.address == "0000:03:00.0") | .moved_from_driver' <<<"$output")" = null ]
}

# ---- refusals: exit 1, the finding's message, every file as it was ----------

@test "unbind of a NIC whose interface is up is refused and changes no file" {
	dir=$(fresh vfio)
	before=$(tree "$dir" | grep -v '^\./run\|run/pcipass')
	run --separate-stderr pp --sysroot "$dir" unbind 01:00.0
	assert_failure 1
	assert_output ""
	[[ "$stderr" == "pcipass: 0000:01:00.0: refused: "*"interface eth1 is up"*" (use --force-in-use to override)" ]]
	[ "$(tree "$dir" | grep -v '^\./run\|run/pcipass')" = "$before" ]
	[ "$(records "$dir")" = "" ]
}

@test "a root port or the host bridge is refused whatever the flags (not-endpoint has no override)" {
	dir=$(fresh vfio)
	before=$(tree "$dir/sys")
	run --separate-stderr pp --sysroot "$dir" unbind --force-in-use --force-boot-vga 00:02.0
	assert_failure 1
	[[ "$stderr" == "pcipass: 0000:00:02.0: refused: "*"not an endpoint"*" (no override)" ]]
	for cmd in "unbind -n --force-in-use --force-boot-vga" "reset -n --force-in-use --force-boot-vga"; do
		run --separate-stderr pp --sysroot "$dir" $cmd 00:00.0
		assert_failure 1
		assert_output ""
		[[ "$stderr" == "pcipass: 0000:00:00.0: refused: "*"is the host bridge: the host needs it"*" (no override)" ]]
	done
	run --separate-stderr pp --sysroot "$dir" unbind --force 00:02.0
	assert_failure 2
	[ "$stderr" = "pcipass: --force: unknown option
Try 'pcipass --help'." ]
	[ "$(tree "$dir/sys")" = "$before" ]
	[ "$(records "$dir")" = "" ]
}

@test "unbind of the boot VGA is refused, each reason on its own line" {
	dir=$(fresh vfio)
	before=$(tree "$dir/sys")
	run --separate-stderr pp --sysroot "$dir" unbind 00:01.0
	assert_failure 1
	[[ "$stderr" == *"pcipass: 0000:00:01.0: refused: "*"boot VGA"*" (use --force-boot-vga to override)"* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c '^pcipass: 0000:00:01.0: refused: ')" -ge 1 ]
	[ "$(tree "$dir/sys")" = "$before" ]
}

@test "a bus reset that would hit a host-bound bystander is refused, --force or not" {
	dir=$(fresh pcibridge)
	before=$(tree "$dir/sys")
	for force in "" --force-in-use; do
		run --separate-stderr pp --sysroot "$dir" reset $force --method bus 02:01.0
		assert_failure 1
		assert_output ""
		[ "$stderr" = "pcipass: 0000:02:01.0: refused: a bus reset of 0000:02:01.0 also resets 0000:02:02.0 (e1000), which a host driver still owns; unbind it first or use a function-level method" ]
	done
	# auto picks the kernel's first method, here "bus": same refusal.
	run --separate-stderr pp --sysroot "$dir" reset 02:01.0
	assert_failure 1
	[[ "$stderr" == *"also resets 0000:02:02.0 (e1000)"* ]]
	[ "$(tree "$dir/sys")" = "$before" ]
}

@test "reset of a function without a reset file is refused" {
	dir=$(fresh pcibridge)
	run --separate-stderr pp --sysroot "$dir" reset 02:02.0
	assert_failure 1
	[ "$stderr" = "pcipass: 0000:02:02.0: refused: the kernel offers no reset method for it (no-reset)" ]
}

# ---- bad input: exit 2 before any path is built --------------------------------

@test "bad BDFs, path traversal and bad driver names: exit 2, no file touched" {
	dir=$(fresh vfio)
	before=$(tree "$dir")
	for args in "unbind zz:00.0" "unbind ../../../etc/passwd" "reset 0000:01:00.0/../../x" \
		"rebind 01:00.0/.." "unbind 0000:01:00.0:00" "unbind --driver ../../x 00:1f.3" \
		"unbind --driver vfio/../x 00:1f.3" "unbind --driver .. 00:1f.3" "unbind --driver a..b 00:1f.3"; do
		run --separate-stderr pp --sysroot "$dir" $args
		[ "$status" -eq 2 ] || { echo "'$args' exited $status" >&2; return 1; }
		[[ "$stderr" == *"not a PCI address"* || "$stderr" == *"not a driver name"* ]] ||
			{ echo "'$args': $stderr" >&2; return 1; }
	done
	[ "$(tree "$dir")" = "$before" ]
}

@test "exact messages: a malformed BDF and a driver name with a slash" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" unbind ../../etc
	assert_failure 2
	[ "$stderr" = "pcipass: ../../etc: not a PCI address (expected [DDDD:]BB:DD.F)
Try 'pcipass --help'." ]
	run --separate-stderr pp --sysroot "$dir" unbind --driver ../x 00:1f.3
	assert_failure 2
	[ "$stderr" = "pcipass: --driver ../x: not a driver name (letters, digits, '-', '_', '.')
Try 'pcipass --help'." ]
}

@test "rebind needs BDFs or --all, not both" {
	run --separate-stderr pp rebind
	assert_failure 2
	[ "$stderr" = "pcipass: rebind: needs BDF... or --all
Try 'pcipass --help'." ]
	run --separate-stderr pp rebind --all 01:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: rebind: give BDFs or --all, not both
Try 'pcipass --help'." ]
}

@test "not root on the live host: a clear error before anything is opened for writing" {
	if [ "$(id -u)" -eq 0 ]; then
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$PCIPASS" unbind 00:00.0
	else
		run --separate-stderr pp unbind 00:00.0
	fi
	assert_failure 2
	[ "$stderr" = "pcipass: unbind: needs root: it writes to /sys and /run/pcipass (--dry-run shows the writes without them)" ]
}

# ---- real runs on files: verify fails (no kernel binds), roll back ------------

@test "unbind on a snapshot: the probe binds nothing, so every write is undone and the record dropped" {
	dir=$(fresh vfio)
	run --separate-stderr pp -v --sysroot "$dir" unbind 00:1f.3
	assert_failure 2
	assert_output "mkdir -p $dir/run/pcipass
printf '%s\\n' '# 0000:00:1f.3: moved by pcipass; '\\''pcipass rebind 0000:00:1f.3'\\'' restores it' driver=i801_smbus override= target=vfio-pci > $dir/run/pcipass/0000:00:1f.3
echo vfio-pci > $dir/sys/bus/pci/devices/0000:00:1f.3/driver_override
echo 0000:00:1f.3 > $dir/sys/bus/pci/drivers/i801_smbus/unbind
echo 0000:00:1f.3 > $dir/sys/bus/pci/drivers_probe
# not verified: 0000:00:1f.3 is on i801_smbus
echo > $dir/sys/bus/pci/devices/0000:00:1f.3/driver_override
# verified: 0000:00:1f.3 is on i801_smbus
rm -f $dir/run/pcipass/0000:00:1f.3"
	[ "$stderr" = "pcipass: 0000:00:1f.3: unbind failed: vfio-pci did not bind it (driver now: i801_smbus)
pcipass: 0000:00:1f.3: rolled back: on i801_smbus again" ]
	[ "$(records "$dir")" = "" ]
	# The files took the writes (the last one to driver_override was the undo).
	[ "$(head -c 13 "$dir/sys/bus/pci/drivers_probe")" = "0000:00:1f.3" ]
}

@test "a run killed after saving its record leaves it readable; rebind drops it" {
	dir=$(fresh vfio)
	PCIPASS_TEST_KILL_AFTER=state run "$PCIPASS_HOOKS" --sysroot "$dir" unbind 00:1f.3
	[ "$status" -eq 137 ]
	[ "$(cat "$dir/run/pcipass/0000:00:1f.3")" = "# 0000:00:1f.3: moved by pcipass; 'pcipass rebind 0000:00:1f.3' restores it
driver=i801_smbus
override=
target=vfio-pci" ]
	[ "$(ls -a "$dir/run/pcipass" | tr '\n' ' ')" = ". .. 0000:00:1f.3 lock " ]
	# Nothing was written to sysfs, so rebind has nothing to undo but the record.
	run --separate-stderr pp -v --sysroot "$dir" rebind 00:1f.3
	assert_success
	assert_output "# verified: 0000:00:1f.3 is on i801_smbus
rm -f $dir/run/pcipass/0000:00:1f.3
0000:00:1f.3: i801_smbus -> i801_smbus"
	[ "$(records "$dir")" = "" ]
}

@test "a second run waits for the lock the first one holds" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	flock "$dir/run/pcipass/lock" sleep 2 &
	sleep 0.5
	start=$(date +%s%N)
	run --separate-stderr pp --sysroot "$dir" unbind 01:00.0
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	wait
	assert_failure 1
	[[ "$stderr" == "pcipass: waiting for another pcipass run to finish
pcipass: 0000:01:00.0: refused: "* ]]
	[ "$elapsed_ms" -ge 1000 ]
}

@test "a state directory that is a symlink is refused before any write" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run" "$dir/elsewhere"
	ln -s ../elsewhere "$dir/run/pcipass"
	before=$(tree "$dir")
	run --separate-stderr pp --sysroot "$dir" unbind 00:1f.3
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/run/pcipass: Not a directory" ]
	[ "$(tree "$dir")" = "$before" ]
}

@test "a record holding a path instead of a driver name is refused" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=../../../x\noverride=\ntarget=vfio-pci\n' > "$dir/run/pcipass/0000:02:00.0"
	before=$(tree "$dir/sys")
	run --separate-stderr pp --sysroot "$dir" rebind 02:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/run/pcipass/0000:02:00.0: holds a value that is not a driver name; fix or remove the file" ]
	[ "$(tree "$dir/sys")" = "$before" ]
}
