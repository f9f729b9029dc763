#!/usr/bin/env bats
# The next boot (bootcfg.c, model-boot.c, rules-boot.c): vfio-pci.ids= and
# pci-stub.ids= on the kernel command line, modprobe.d options and softdep
# lines, driverctl's saved overrides; which functions each takes, and the
# findings boot-takes-host-device, boot-id-shared and boot-override.  On the
# derived trees (derived/README) and on private copies of real captures
# given a boot configuration here.

setup() {
	load common
	load explain-helpers
}

# copy_of NAME: a private, writable copy of a snapshot, printed.
copy_of() {
	local d=$BATS_TEST_TMPDIR/copy-${1//\//-}
	mkdir -p "$d"
	tar -xzf "$SNAPSHOTS/$1.tar.gz" -C "$d"
	printf '%s\n' "$d"
}

# boot_of DIR: "BDF FROM:DRIVER" for every function the next boot moves
# (FROM: driverctl, cmdline, or modprobe for any modprobe.d file).
boot_of() {
	"$PCIPASS" --sysroot "$1" list -o SLOT,BOOTFROM,BOOT --noheadings --raw 2>/dev/null |
		awk '$3 != "-" { from = $2 ~ /modprobe\.d\// ? "modprobe" : $2; print $1, from ":" $3 }'
}

@test "rootports-boot-ids: vfio-pci.ids= on the command line takes the swap disk's NVMe controller: a blocker" {
	dir=$(snapshot derived/rootports-boot-ids)
	run findings "$dir" 03:00.0
	assert_output "0000:03:00.0 host-in-use:blocker boot-takes-host-device:blocker host-driver-bound:info boot-override:info"
	run -1 --separate-stderr pp --sysroot "$dir" explain 03:00.0
	assert_output --partial "boot-takes-host-device: At the next boot the boot configuration takes
           0000:03:00.0"
	assert_output --partial "blocker  boot-takes-host-device"
	run --separate-stderr pp --sysroot "$dir" explain --json 03:00.0
	run jq -r '.functions[0].findings[] | select(.code == "boot-takes-host-device") | .evidence[]' <<<"$output"
	assert_output "kernel command line: vfio-pci.ids=1b36:0010 takes 0000:03:00.0"
	run boot_of "$dir"
	assert_output "0000:03:00.0 cmdline:vfio-pci"
}

@test "without a boot configuration: no boot finding, no BOOT column, an empty boot_config" {
	for s in rootports derived/rootports-swap multifunction; do
		dir=$(snapshot "$s")
		run --separate-stderr pp --sysroot "$dir" explain --all --json
		run jq -r '[.functions[].findings[].code | select(startswith("boot-t") or startswith("boot-i") or . == "boot-override")] | length' <<<"$output"
		assert_output 0
		run --separate-stderr pp --sysroot "$dir" list
		refute_output --partial BOOT
		run --separate-stderr pp --sysroot "$dir" list --json
		run jq -c '.host.boot_config, [.functions[].next_boot | select(. != null)]' <<<"$output"
		assert_output '{"files":[],"entries":[],"problems":[]}
[]'
	done
}

@test "multifunction-boot-modprobe: one options line takes both virtio NICs: a warning naming the other, a blocker for the one that is up" {
	dir=$(snapshot derived/multifunction-boot-modprobe)
	run --separate-stderr findings "$dir" 01:00.1
	assert_line --index 0 --regexp '^0000:01:00.1 group-not-viable:blocker boot-takes-host-device:blocker .*boot-id-shared:warning .*boot-override:info'
	run --separate-stderr pp --sysroot "$dir" explain --json 01:00.1
	run jq -r '.functions[0].findings[] | select(.code == "boot-id-shared") | .message, .related[]' <<<"$output"
	assert_output "The id 1af4:1041 of vfio-pci (etc/modprobe.d/vfio.conf:2) that takes 0000:01:00.1 (Virtio 1.0 network device) also takes 0000:01:00.0 (Virtio 1.0 network device) bound to virtio-pci at the next boot.
0000:01:00.0"
	# both in the set: the id takes nothing more than the set
	run --separate-stderr findings "$dir" 01:00.0 01:00.1 01:00.2
	refute_output --partial boot-id-shared
	assert_line --index 0 --partial boot-takes-host-device:blocker
	run boot_of "$dir"
	assert_output "0000:01:00.0 modprobe:vfio-pci
0000:01:00.1 modprobe:vfio-pci
0000:01:00.2 modprobe:pci-stub"
}

@test "multifunction-boot-modprobe: modprobe's order, a continued line, the softdep, the etc file hiding usr/lib's, junk lines named" {
	dir=$(snapshot derived/multifunction-boot-modprobe)
	run --separate-stderr pp --sysroot "$dir" list --json
	assert_success
	assert_equal "$stderr" 'pcipass: etc/modprobe.d/vfio.conf:2: vfio-pci id "nonsense" is not vendor:device: vfio-pci skips it
pcipass: etc/modprobe.d/vfio.conf:5: "frobnicate" is not a modprobe.d command: modprobe ignores the line'
	run jq -c '.host.boot_config.files, (.host.boot_config.entries[] | [.kind, .driver, .source, .id // .module, .functions])' <<<"$output"
	assert_output '["usr/lib/modprobe.d/stub.conf","etc/modprobe.d/vfio.conf"]
["ids","pci-stub","usr/lib/modprobe.d/stub.conf:1","8086:10d3:8086:0000",["0000:01:00.2"]]
["ids","vfio-pci","etc/modprobe.d/vfio.conf:2","1af4:1041",["0000:01:00.0","0000:01:00.1"]]
["softdep","vfio-pci","etc/modprobe.d/vfio.conf:4","virtio_pci",["0000:01:00.0","0000:01:00.1"]]'
	run --separate-stderr pp --sysroot "$dir" explain 01:00.2
	assert_output --partial "boot-override: At the next boot pci-stub takes 0000:01:00.2"
	assert_output --partial "softdep e1000e pre: pci-stub"
	run --separate-stderr pp --sysroot "$dir" explain --json 01:00.0
	run jq -r '.functions[0].next_boot | "\(.driver) \(.source) \(.softdep)"' <<<"$output"
	assert_output "vfio-pci etc/modprobe.d/vfio.conf:2 etc/modprobe.d/vfio.conf:4"
}

@test "rootports-boot-driverctl: driverctl overrides, one of the up NIC; an empty, a misnamed and an absent one named" {
	dir=$(snapshot derived/rootports-boot-driverctl)
	run --separate-stderr pp --sysroot "$dir" list -o SLOT,DRIVER,BOOTFROM,BOOT
	assert_success
	assert_line "0000:01:00.0 virtio-pci driverctl vfio-pci"
	assert_line "0000:02:00.0 e1000e     driverctl vfio-pci"
	assert_line "0000:03:00.0 nvme       -         -"
	assert_equal "$stderr" 'pcipass: etc/driverctl.d/pci-0000:03:00.0: empty: driverctl does not load it
pcipass: etc/driverctl.d/pci-nonsense: not pci-DDDD:BB:DD.F: no device has that name
pcipass: etc/driverctl.d/pci-0000:09:00.0: no function 0000:09:00.0 on this host: the override waits for it'
	run --separate-stderr findings "$dir" 02:00.0
	assert_output --regexp '^0000:02:00.0 .*boot-override:info'
	refute_output --partial boot-takes-host-device
	run --separate-stderr findings "$dir" 01:00.0
	assert_output --regexp '^0000:01:00.0 host-in-use:blocker boot-takes-host-device:blocker '
	run --separate-stderr pp --sysroot "$dir" explain 02:00.0
	assert_success
	assert_output --partial "(driverctl override
           etc/driverctl.d/pci-0000:02:00.0)"
	assert_output --partial 'driverctl unset-override 0000:02:00.0'
}

@test "ids are read as vfio_pci_fill_ids reads them: 0x prefixes, subsystem, class and mask, bad entries skipped, no bridges for vfio-pci" {
	dir=$(copy_of rootports)
	mkdir -p "$dir/etc/modprobe.d"
	# network class only (0x0200xx under mask ff0000 is class 02): the virtio NIC and the e1000e
	echo 'options vfio-pci ids=ffffffff:ffffffff:ffffffff:ffffffff:020000:ff0000' > "$dir/etc/modprobe.d/a.conf"
	run boot_of "$dir"
	assert_output "0000:01:00.0 modprobe:vfio-pci
0000:02:00.0 modprobe:vfio-pci"
	# a later ids= replaces it; 0x prefixes; a subsystem that differs does not match; "1b36" alone is skipped
	echo 'options vfio_pci ids=0x1b36:0x0010,8086:10d3:1af4:1100,1b36' > "$dir/etc/modprobe.d/b.conf"
	run --separate-stderr boot_of "$dir"
	assert_output "0000:03:00.0 modprobe:vfio-pci"
	# every id: vfio-pci takes no bridge (vfio_pci_core_register_device), pci-stub takes them all
	rm "$dir/etc/modprobe.d/a.conf"
	echo 'options vfio-pci ids=ffffffff:ffffffff' > "$dir/etc/modprobe.d/b.conf"
	run boot_of "$dir"
	refute_output --partial 0000:00:02.0
	assert_line "0000:03:00.0 modprobe:vfio-pci"
	echo 'options pci-stub ids=ffffffff:ffffffff' > "$dir/etc/modprobe.d/b.conf"
	run boot_of "$dir"
	assert_line "0000:00:02.0 modprobe:pci-stub"
	assert_line "0000:00:00.0 modprobe:pci-stub"
}

@test "the kernel command line: the last ids= wins, over modprobe.d's too; - and _ are one, quotes dropped, nothing after --, a value over 1023 bytes refused" {
	dir=$(copy_of rootports)
	base=$(cat "$dir/proc/cmdline")
	echo "$base vfio-pci.ids=8086:10d3 vfio_pci.ids=\"1b36:0010\"" > "$dir/proc/cmdline"
	run boot_of "$dir"
	assert_output "0000:03:00.0 cmdline:vfio-pci"
	# modprobe passes the command line's options last (kmod_config_new): its ids= wins over modprobe.d's
	mkdir -p "$dir/etc/modprobe.d"
	echo 'options vfio-pci ids=8086:10d3' > "$dir/etc/modprobe.d/vfio.conf"
	run --separate-stderr boot_of "$dir"
	assert_output "0000:03:00.0 cmdline:vfio-pci"
	run --separate-stderr pp --sysroot "$dir" list
	assert_equal "$stderr" "pcipass: etc/modprobe.d/vfio.conf:1: vfio-pci id 8086:10d3 is overridden by vfio-pci.ids= on the kernel command line"
	echo "$base" > "$dir/proc/cmdline"
	run boot_of "$dir"
	assert_output "0000:02:00.0 modprobe:vfio-pci"
	rm "$dir/etc/modprobe.d/vfio.conf"
	echo "$base -- vfio-pci.ids=1b36:0010" > "$dir/proc/cmdline"
	run boot_of "$dir"
	assert_output ""
	echo "$base pci-stub.ids=$(printf '1b36:0010,%.0s' {1..103})" > "$dir/proc/cmdline"
	run --separate-stderr pp --sysroot "$dir" list
	assert_equal "$stderr" "pcipass: kernel command line: pci-stub ids= is 1030 bytes, longer than the kernel's 1023-byte parameter: the kernel refuses it whole"
	run boot_of "$dir"
	assert_output ""
}

@test "a driverctl override shuts out the ids of other drivers (driver_override)" {
	dir=$(copy_of rootports)
	mkdir -p "$dir/etc/driverctl.d"
	echo e1000e > "$dir/etc/driverctl.d/pci-0000:02:00.0"
	echo "$(cat "$dir/proc/cmdline") vfio-pci.ids=8086:10d3" > "$dir/proc/cmdline"
	run boot_of "$dir"
	assert_output "0000:02:00.0 driverctl:e1000e"
	run --separate-stderr pp --sysroot "$dir" explain 02:00.0
	assert_output --partial "the driver it has now"
	run --separate-stderr pp --sysroot "$dir" list --json
	run jq -c '.host.boot_config.entries[] | [.kind, .driver, .functions]' <<<"$output"
	assert_output '["ids","vfio-pci",[]]
["driverctl","e1000e",["0000:02:00.0"]]'
	# an override naming vfio-pci and the id agree: both take it, the override decides
	echo vfio-pci > "$dir/etc/driverctl.d/pci-0000:02:00.0"
	run --separate-stderr pp --sysroot "$dir" explain --json 02:00.0
	run jq -r '.functions[0].findings[] | select(.code == "boot-override") | .evidence[]' <<<"$output"
	assert_output "etc/driverctl.d/pci-0000:02:00.0: vfio-pci
kernel command line: vfio-pci.ids=8086:10d3 (matches too; the override decides)"
}

@test "bounds and hostile names: 256 files a directory, 64 KiB a file, a control character in a file name escaped" {
	dir=$(copy_of rootports)
	mkdir -p "$dir/etc/modprobe.d" "$dir/usr/lib/modprobe.d"
	for i in $(seq 1 300); do : > "$dir/usr/lib/modprobe.d/f$i.conf"; done
	head -c 70000 /dev/zero | tr '\0' '#' > "$dir/etc/modprobe.d/big.conf"
	printf 'options vfio-pci ids=1b36:0010\n' > "$dir/etc/modprobe.d/$(printf 'x\033[31m').conf"
	run --separate-stderr pp --sysroot "$dir" list -o SLOT,BOOTFROM,BOOT --raw
	assert_success
	assert_line --regexp '^0000:03:00\.0 etc/modprobe\.d/[^ ]+\.conf:1 vfio-pci$'
	[[ "$stderr" == *"pcipass: usr/lib/modprobe.d: more than 256 .conf files: the rest were not read"* ]]
	[[ "$stderr" == *"pcipass: etc/modprobe.d/big.conf: larger than 64 KiB: not read"* ]]
	[[ "$stderr" != *$'\033'* ]]
	run --separate-stderr pp --sysroot "$dir" list --json
	run jq -r '.functions[] | select(.address == "0000:03:00.0") | .next_boot.source' <<<"$output"
	assert_output 'etc/modprobe.d/x\x1b[31m.conf:1'
}

@test "the JSON of every boot tree is valid against the schema" {
	for s in rootports-boot-ids multifunction-boot-modprobe rootports-boot-driverctl; do
		dir=$(snapshot "derived/$s")
		"$PCIPASS" --sysroot "$dir" list --json 2>/dev/null | validate_schema
		"$PCIPASS" --sysroot "$dir" explain --all --json 2>/dev/null | validate_schema
	done
}

@test "pcipass snapshot and capture-sysfs.sh carry the boot configuration read, and replay it" {
	for s in multifunction-boot-modprobe rootports-boot-driverctl; do
		src=$(snapshot "derived/$s")
		run --separate-stderr pp --sysroot "$src" snapshot -o "$BATS_TEST_TMPDIR/$s.tar.gz"
		assert_success
		run bash -c "tar -tzf '$BATS_TEST_TMPDIR/$s.tar.gz' | grep -E '^(etc|usr|lib|run)/.*[^/]\$' | sort"
		case $s in
		# usr/lib/modprobe.d/vfio.conf is hidden by etc's: not read, not recorded
		multifunction-*) assert_output "etc/modprobe.d/vfio.conf
usr/lib/modprobe.d/stub.conf" ;;
		*) assert_output "etc/driverctl.d/pci-0000:01:00.0
etc/driverctl.d/pci-0000:02:00.0
etc/driverctl.d/pci-0000:03:00.0
etc/driverctl.d/pci-0000:09:00.0" ;;
		esac
		mkdir -p "$BATS_TEST_TMPDIR/cap-$s"
		sh "$SNAPSHOTS/capture-sysfs.sh" --root "$src" "$BATS_TEST_TMPDIR/cap-$s/t" 2>/dev/null
		run bash -c "cd '$BATS_TEST_TMPDIR/cap-$s/t' && find etc usr -type f 2>/dev/null | sort"
		[ "$output" = "$(tar -tzf "$BATS_TEST_TMPDIR/$s.tar.gz" | grep -E '^(etc|usr)/.*[^/]$' | sort)" ]
		for replay in "$BATS_TEST_TMPDIR/$s.tar.gz" "$BATS_TEST_TMPDIR/cap-$s/t"; do
			diff <("$PCIPASS" --sysroot "$src" list --json 2>/dev/null | jq -c '.host.boot_config.entries, [.functions[].next_boot]') \
				<("$PCIPASS" --sysroot "$replay" list --json 2>/dev/null | jq -c '.host.boot_config.entries, [.functions[].next_boot]')
		done
	done
}
