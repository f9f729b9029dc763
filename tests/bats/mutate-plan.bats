#!/usr/bin/env bats
# The plan and the result of unbind / reset / rebind, on private copies of
# real-kernel snapshots: --dry-run's shell lines pasted into sh do what the
# real run does, --json validates against the schema's $defs/mutation, -v
# shows each verification, the VFIO files a bind is verified by (group or
# cdev), rebind --all clears stale records, --persist writes and removes
# driverctl's saved override.  The same on a live kernel is in
# tests/vm/guest-mutations.sh.
#
# A real run on files never sees a driver bind (nothing plays the kernel):
# where a test needs the kernel's side, a background job makes the change
# the kernel would make while the run pauses after its probe
# (PCIPASS_TEST_PAUSE_AFTER, tests/pcipass-hooks).

setup() {
	load common
	load explain-helpers
}

# fresh NAME [SUBDIR]: a private copy of snapshot NAME (tests write to it).
fresh() {
	local dir=$BATS_TEST_TMPDIR/${2:-$1}
	mkdir -p "$dir" && tar -xzf "$SNAPSHOTS/$1.tar.gz" -C "$dir" && printf '%s\n' "$dir"
}

# tree DIR: every file with its content hash, every link with its target,
# every directory; the state lock and its directory (a real run's, even a
# run that records nothing) left out.
tree() {
	(cd "$1" && find . -type f ! -path ./run/pcipass/lock -exec md5sum {} + | sort -k2 &&
		find . -type l -printf '%p -> %l\n' | sort && find . -type d ! -path ./run ! -path ./run/pcipass | sort)
}

hooks() {
	"$PCIPASS_HOOKS" "$@"
}

# ---- pasteable: the dry run through sh equals the real run -------------------

@test "unbind --dry-run pasted into sh leaves the tree the real run leaves after its last write" {
	a=$(fresh vfio a)
	b=$(fresh vfio b)
	run --separate-stderr pp --sysroot "$a" unbind --dry-run 00:1f.3
	assert_success
	sh -eu <<<"$output"
	# The real run stopped right after its probe: every write made, none undone.
	PCIPASS_TEST_KILL_AFTER=probe run hooks --sysroot "$b" unbind 00:1f.3
	[ "$status" -eq 137 ]
	[ "$(tree "$a")" = "$(tree "$b")" ]
	[ "$(cat "$a/sys/bus/pci/devices/0000:00:1f.3/driver_override")" = vfio-pci ]
	# and pcipass reads the record the pasted lines wrote
	run pp --sysroot "$a" rebind --dry-run 00:1f.3
	assert_line --index 0 "echo > $a/sys/bus/pci/devices/0000:00:1f.3/driver_override"
}

@test "a sysroot whose name holds a space and a quote: the pasted lines still hit it" {
	a=$(fresh vfio "it's a tree")
	b=$(fresh vfio b)
	run --separate-stderr pp --sysroot "$a" unbind --dry-run 00:1f.3
	assert_success
	assert_line --index 2 "echo vfio-pci > '$BATS_TEST_TMPDIR/it'\\''s a tree/sys/bus/pci/devices/0000:00:1f.3/driver_override'"
	(cd "$BATS_TEST_TMPDIR" && sh -eu <<<"$output")
	PCIPASS_TEST_KILL_AFTER=probe run hooks --sysroot "$b" unbind 00:1f.3
	[ "$status" -eq 137 ]
	[ "$(tree "$a")" = "$(tree "$b")" ]
}

@test "reset --dry-run pasted into sh equals the real reset, written back reset_method included" {
	a=$(fresh vfio a)
	b=$(fresh vfio b)
	run --separate-stderr pp --sysroot "$a" reset --dry-run 02:00.0
	assert_success
	sh -eu <<<"$output"
	run --separate-stderr pp -v --sysroot "$b" reset 02:00.0
	assert_success
	assert_line --index 3 "# verified: 0000:02:00.0 reset_method is 'pm bus' again"
	assert_line --index 4 "0000:02:00.0: reset by pm"
	[ "$(tree "$a")" = "$(tree "$b")" ]
	[ "$(cat "$b/sys/bus/pci/devices/0000:02:00.0/reset_method")" = "pm bus" ]
}

@test "unbind --persist --dry-run pasted into sh equals the real run: driverctl's saved override" {
	a=$(fresh vfio a)
	b=$(fresh vfio b)
	run --separate-stderr pp --sysroot "$a" unbind --persist --dry-run 02:00.0
	assert_success
	assert_output "# 0000:02:00.0: already bound to vfio-pci
mkdir -p $a/etc/driverctl.d
echo vfio-pci > $a/etc/driverctl.d/pci-0000:02:00.0"
	sh -eu <<<"$output"
	run --separate-stderr pp --sysroot "$b" unbind --persist 02:00.0
	assert_success
	assert_output "0000:02:00.0: already bound to vfio-pci"
	[ "$(tree "$a")" = "$(tree "$b")" ]
	# driverctl's save_override: `echo "$drv" > "$confdir/$bus-$dev"`
	[ "$(od -An -c "$b/etc/driverctl.d/pci-0000:02:00.0" | tr -s ' ')" = " v f i o - p c i \n" ]
	[ "$(stat -c %a "$b/etc/driverctl.d")" = 755 ]
	[ "$(ls -A "$b/etc/driverctl.d")" = "pci-0000:02:00.0" ]
}

# ---- --persist -----------------------------------------------------------------

@test "rebind --persist removes driverctl's saved override; absent is fine" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" unbind --persist 02:00.0 03:00.0
	assert_success
	[ "$(ls "$dir/etc/driverctl.d" | tr '\n' ' ')" = "pci-0000:02:00.0 pci-0000:03:00.0 " ]
	# what was saved is what the next-boot reader finds (bootcfg.c): list's BOOT
	run --separate-stderr pp --sysroot "$dir" list -o SLOT,BOOTFROM,BOOT --raw --noheadings
	assert_success
	assert_line "0000:02:00.0 driverctl vfio-pci"
	assert_line "0000:03:00.0 driverctl vfio-pci"
	[ "$(grep -c driverctl <<<"$output")" = 2 ]
	# the plan ends with the saved override's removal
	run --separate-stderr pp --sysroot "$dir" rebind --persist --dry-run 02:00.0
	assert_success
	assert_line --index -1 "rm -f $dir/etc/driverctl.d/pci-0000:02:00.0"
	# a function already back on its host driver: only the saved override goes
	echo vfio-pci >"$dir/etc/driverctl.d/pci-0000:00:1f.3"
	run --separate-stderr pp -v --sysroot "$dir" rebind --persist 00:1f.3
	assert_success
	assert_output "0000:00:1f.3: nothing to do: pcipass has no record of it and i801_smbus holds it
rm -f $dir/etc/driverctl.d/pci-0000:00:1f.3"
	[ "$(ls "$dir/etc/driverctl.d" | tr '\n' ' ')" = "pci-0000:02:00.0 pci-0000:03:00.0 " ]
	run --separate-stderr pp --sysroot "$dir" rebind --persist 00:1f.3
	assert_success
	[ "$stderr" = "" ]
	# the removed override is gone from list's BOOT too
	run --separate-stderr pp --sysroot "$dir" list -o SLOT,BOOT --raw --noheadings
	assert_line "0000:00:1f.3 -"
	assert_line "0000:02:00.0 vfio-pci"
}

@test "--persist refuses a saved-override directory that is a link, or a name that is not a file" {
	dir=$(fresh vfio)
	mkdir -p "$dir/etc" "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$dir/etc/driverctl.d"
	run --separate-stderr pp --sysroot "$dir" unbind --persist 02:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/etc/driverctl.d/pci-0000:02:00.0: Not a directory" ]
	[ "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" = "" ]
	rm "$dir/etc/driverctl.d"
	mkdir -p "$dir/etc/driverctl.d/pci-0000:02:00.0"
	run --separate-stderr pp --sysroot "$dir" unbind --persist 02:00.0
	assert_failure 2
	[ "$stderr" = "pcipass: $dir/etc/driverctl.d/pci-0000:02:00.0: Invalid argument" ]
}

# ---- --json --------------------------------------------------------------------

@test "unbind --dry-run --json: the plan, valid against \$defs/mutation" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" unbind --dry-run --json 00:1f.3
	assert_success
	run validate_schema mutation <<<"$output"
	assert_success
	run pp --sysroot "$dir" unbind --dry-run --json 00:1f.3
	[ "$(jq -r '[.command, .dry_run, .live, .exit_status] | @tsv' <<<"$output")" = "unbind	true	false	0" ]
	[ "$(jq -r '[.steps[].action] | join(" ")' <<<"$output")" = "save write write write" ]
	[ "$(jq -r '.steps[1] | "\(.path)=\(.value)"' <<<"$output")" = "$dir/sys/bus/pci/devices/0000:00:1f.3/driver_override=vfio-pci" ]
	[ "$(jq -r '.functions[0] | [.bdf, .from, .to, .result] | @tsv' <<<"$output")" = "0000:00:1f.3	i801_smbus	vfio-pci	planned" ]
	# the schema does refuse a wrong document
	run validate_schema mutation <<<"$(jq '.functions[0].result = "done"' <<<"$output")"
	assert_failure
}

@test "--json of a run that fails and rolls back: exit_status 2, the failed verification, the undo" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" unbind --json 00:1f.3
	assert_failure 2
	run validate_schema mutation <<<"$output"
	assert_success
	run --separate-stderr pp --sysroot "$dir" unbind --json 00:1f.3
	[ "$(jq -r '.exit_status' <<<"$output")" = 2 ]
	[ "$(jq -r '[.steps[] | "\(.action):\(.ok)"] | join(" ")' <<<"$output")" = "save:true write:true write:true write:true verify:false write:true verify:true remove:true" ]
	[ "$(jq -r '.functions[0] | [.result, .message] | @tsv' <<<"$output")" = "rolled-back	rolled back" ]
}

@test "reset --json names what a bus reset also hits; rebind --json the move back" {
	dir=$(fresh pcibridge)
	for f in 0000:02:01.0 0000:02:02.0; do
		ln -sfn ../../../../../bus/pci/drivers/vfio-pci "$dir/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/$f/driver"
	done
	mkdir -p "$dir/sys/bus/pci/drivers/vfio-pci"
	run --separate-stderr pp --sysroot "$dir" reset --json 02:01.0
	assert_success
	run validate_schema mutation <<<"$output"
	assert_success
	run pp --sysroot "$dir" reset --json 02:01.0
	[ "$(jq -r '.functions[0] | [.result, (.also_reset | join(","))] | @tsv' <<<"$output")" = "reset	0000:02:02.0" ]
	mkdir -p "$dir/run/pcipass"
	printf 'driver=e1000\noverride=\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:02:02.0"
	run --separate-stderr pp --sysroot "$dir" rebind --dry-run --json 02:02.0
	assert_success
	run validate_schema mutation <<<"$output"
	assert_success
	run pp --sysroot "$dir" rebind --dry-run --json 02:02.0
	[ "$(jq -r '.functions[0] | [.from, .to, .result] | @tsv' <<<"$output")" = "vfio-pci	e1000	planned" ]
	[ "$(jq -r '.steps[-1] | "\(.action) \(.path)"' <<<"$output")" = "remove $dir/run/pcipass/0000:02:02.0" ]
}

# ---- verification: the group file or the device cdev ---------------------------

# kernel_binds DIR BDF GROUP|-: play the kernel while the run pauses after its
# probe: point the driver link at vfio-pci and make the group file (GROUP)
# or, with -, only the device's cdev (a kernel without the group interface).
kernel_binds() {
	local dir=$1 bdf=$2 group=$3 dev
	dev=$(readlink -f "$dir/sys/bus/pci/devices/$bdf")
	sleep 1
	ln -sfn "$(realpath --relative-to="$dev" "$dir/sys/bus/pci/drivers/vfio-pci")" "$dev/driver"
	if [ "$group" = - ]; then
		mkdir -p "$dev/vfio-dev/vfio3" "$dir/dev/vfio/devices"
		: >"$dir/dev/vfio/devices/vfio3"
	else
		mkdir -p "$dir/dev/vfio"
		: >"$dir/dev/vfio/$group"
	fi
}

@test "-v: a bind is verified by the group's /dev/vfio/N" {
	dir=$(fresh vfio)
	kernel_binds "$dir" 0000:00:1f.3 5 &
	PCIPASS_TEST_PAUSE_AFTER=probe run --separate-stderr hooks -v --sysroot "$dir" unbind 00:1f.3
	wait
	assert_success
	assert_line --index 5 "# verified: 0000:00:1f.3 is on vfio-pci"
	assert_line --index 6 "# verified: $dir/dev/vfio/5 exists"
	assert_line --index 7 "0000:00:1f.3: i801_smbus -> vfio-pci, $dir/dev/vfio/5"
	[ -f "$dir/run/pcipass/0000:00:1f.3" ]
}

@test "-v: without the group interface the device cdev /dev/vfio/devices/vfioN verifies the bind" {
	dir=$(fresh vfio)
	kernel_binds "$dir" 0000:00:1f.3 - &
	PCIPASS_TEST_PAUSE_AFTER=probe run --separate-stderr hooks -v --sysroot "$dir" unbind --json 00:1f.3
	wait
	assert_success
	[ "$(jq -r '.functions[0] | [.result, (.vfio_files | join(","))] | @tsv' <<<"$output")" = "moved	$dir/dev/vfio/devices/vfio3" ]
	[ "$(jq -r '[.steps[] | select(.action == "verify") | .what] | join("|")' <<<"$output")" = "0000:00:1f.3 is on vfio-pci|$dir/dev/vfio/devices/vfio3 exists" ]
}

@test "bound but neither VFIO file appears: not verified, moved back" {
	dir=$(fresh vfio)
	(
		sleep 1
		dev=$(readlink -f "$dir/sys/bus/pci/devices/0000:00:1f.3")
		ln -sfn ../../../bus/pci/drivers/vfio-pci "$dev/driver"
	) &
	PCIPASS_TEST_PAUSE_AFTER=probe run --separate-stderr hooks --sysroot "$dir" unbind 00:1f.3
	wait
	assert_failure 2
	[[ "$stderr" == "pcipass: 0000:00:1f.3: unbind failed: vfio-pci bound it but neither /dev/vfio/5 nor /dev/vfio/devices/vfioN appeared"* ]]
}

# ---- rebind --all and stale records --------------------------------------------

@test "rebind --all reports and clears stale records: a function gone, a driver this host lacks" {
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=e1000e\noverride=\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:09:00.0"
	printf 'driver=gone_driver\noverride=\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:02:00.0"
	run --separate-stderr pp --sysroot "$dir" rebind --all --dry-run
	assert_success
	assert_output "rm -f $dir/run/pcipass/0000:09:00.0
rm -f $dir/run/pcipass/0000:02:00.0"
	[ "$stderr" = "pcipass: 0000:09:00.0: stale record: no such function now; record cleared
pcipass: 0000:02:00.0: stale record: it names gone_driver, which this host does not have; record cleared, the function stays on vfio-pci" ]
	[ -f "$dir/run/pcipass/0000:09:00.0" ]
	run --separate-stderr pp --sysroot "$dir" rebind --all
	assert_success
	[ "$(ls "$dir/run/pcipass")" = lock ]
	# and the next run has nothing left to do
	run --separate-stderr pp --sysroot "$dir" rebind --all
	assert_success
	assert_output "nothing to do: pcipass has no records"
	# named, a record whose driver is missing is kept: the user may load it
	printf 'driver=gone_driver\noverride=\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:02:00.0"
	run --separate-stderr pp --sysroot "$dir" rebind 02:00.0
	assert_failure 2
	[ -f "$dir/run/pcipass/0000:02:00.0" ]
}

# ---- a move that fails part-way ------------------------------------------------

@test "the second function fails: the first is moved back too, newest first; a failed undo keeps its record" {
	dir=$(fresh vfio)
	# The kernel takes the first function (00:1f.3) only, and gives nothing
	# back during the undo: its rollback fails and its record must stay.
	kernel_binds "$dir" 0000:00:1f.3 5 &
	PCIPASS_TEST_PAUSE_AFTER=probe run --separate-stderr hooks --sysroot "$dir" unbind --force-in-use 00:1f.3 01:00.0
	wait
	assert_failure 2
	assert_output "0000:00:1f.3: i801_smbus -> vfio-pci, $dir/dev/vfio/5"
	[[ "$stderr" == *"(going ahead: --force-in-use)
pcipass: 0000:01:00.0: unbind failed: vfio-pci did not bind it (driver now: virtio-pci)
pcipass: 0000:01:00.0: rolled back: on virtio-pci again
pcipass: 0000:00:1f.3: rollback failed: i801_smbus did not bind it (driver now: vfio-pci); $dir/run/pcipass/0000:00:1f.3 keeps what 'pcipass rebind 0000:00:1f.3' needs" ]]
	[ "$(ls "$dir/run/pcipass" | tr '\n' ' ')" = "0000:00:1f.3 lock " ]
	grep -qx driver=i801_smbus "$dir/run/pcipass/0000:00:1f.3"
}

@test "--json of a refused run: exit_status 1, no step, no function; the refusal on stderr" {
	dir=$(fresh vfio)
	run --separate-stderr pp --sysroot "$dir" unbind --json 01:00.0
	assert_failure 1
	[ "$(jq -c '[.exit_status, .steps, .functions]' <<<"$output")" = '[1,[],[]]' ]
	[[ "$stderr" == "pcipass: 0000:01:00.0: refused: "*"(use --force-in-use to override)" ]]
	run validate_schema mutation <<<"$output"
	assert_success
}

@test "a plan made from a tarball names paths under the tarball: pasted, it writes nothing" {
	t=$BATS_TEST_TMPDIR/vfio.tar.gz
	cp "$SNAPSHOTS/vfio.tar.gz" "$t"
	run --separate-stderr pp --sysroot "$t" unbind --dry-run 00:1f.3
	assert_success
	assert_line --index 2 "echo vfio-pci > $t/sys/bus/pci/devices/0000:00:1f.3/driver_override"
	run sh -c "$output"
	assert_failure
	cmp "$t" "$SNAPSHOTS/vfio.tar.gz"
}

@test "rebind of a device a guest holds, whose recorded driver is missing: refused before any module would load" {
	dir=$BATS_TEST_TMPDIR/in-use
	mkdir -p "$dir" && tar -xzf "$SNAPSHOTS/derived/vfio-in-use.tar.gz" -C "$dir"
	mkdir -p "$dir/run/pcipass"
	printf 'driver=gone_driver\noverride=\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:03:00.0"
	run --separate-stderr pp --sysroot "$dir" rebind --dry-run 03:00.0
	assert_failure 1
	assert_output ""
	[[ "$stderr" == "pcipass: 0000:03:00.0: refused: "*"in use by a running guest"*"(no override)" ]]
	# not in use: the plan loads the driver first (on a --sysroot: says the live host would)
	dir=$(fresh vfio)
	mkdir -p "$dir/run/pcipass"
	printf 'driver=gone_driver\noverride=\ntarget=vfio-pci\n' >"$dir/run/pcipass/0000:03:00.0"
	run --separate-stderr pp --sysroot "$dir" rebind --dry-run 03:00.0
	assert_success
	assert_line --index 0 "# modprobe gone_driver (not for a --sysroot: the live host would load it here)"
	assert_line --index 3 "echo 0000:03:00.0 > $dir/sys/bus/pci/drivers/gone_driver/bind"
}
