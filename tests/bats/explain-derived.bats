#!/usr/bin/env bats
# The derived trees (tests/sysfs-snapshots/derived) are what their README
# says: a real capture with one edit, made reproducibly by make-derived.sh.

setup() {
	load common
	load explain-helpers
}

# changes REAL DERIVED: what differs between two snapshots, one line each,
# paths relative to the tree ("changed PATH", "added PATH", "removed PATH").
changes() {
	local a b
	a=$(snapshot "$1")
	b=$(snapshot "$2")
	LC_ALL=C diff -rq --no-dereference "$a" "$b" |
		sed -e "s|^Files $a/\\(.*\\) and $b/.* differ\$|changed \\1|" \
		    -e "s|^Only in $b: \\(.*\\)\$|added \\1|" -e "s|^Only in $b/\\(.*\\): \\(.*\\)\$|added \\1/\\2|" \
		    -e "s|^Only in $a: \\(.*\\)\$|removed \\1|" -e "s|^Only in $a/\\(.*\\): \\(.*\\)\$|removed \\1/\\2|" |
		sort
}

@test "pcibridge-shared-page differs from pcibridge in one resource line of 0000:01:00.0" {
	run changes pcibridge derived/pcibridge-shared-page
	assert_output "added DERIVED
changed sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/resource"
	dir=$(snapshot derived/pcibridge-shared-page)
	run sed -n 1p "$dir/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/resource"
	assert_output "0x00000000fe4a0100 0x00000000fe4a01ff 0x0000000000140204"
}

@test "pcibridge-unaligned-bar differs from pcibridge in one resource line of 0000:02:01.0" {
	run changes pcibridge derived/pcibridge-unaligned-bar
	assert_output "added DERIVED
changed sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/0000:02:01.0/resource"
	dir=$(snapshot derived/pcibridge-unaligned-bar)
	run sed -n 2p "$dir/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/0000:02:01.0/resource"
	assert_output "0x00000000fe600100 0x00000000fe6001ff 0x0000000000040200"
}

@test "switch-bus-range differs from switch in one byte of the root port's config" {
	run changes switch derived/switch-bus-range
	assert_output "added DERIVED
changed sys/devices/pci0000:00/0000:00:02.0/config"
	a=$(snapshot switch)
	b=$(snapshot derived/switch-bus-range)
	run cmp -l "$a/sys/devices/pci0000:00/0000:00:02.0/config" "$b/sys/devices/pci0000:00/0000:00:02.0/config"
	# cmp counts from 1 and prints octal: byte 0x19 is 26, 01 -> 02
	assert_output --regexp '^ +26 +1 +2$'
}

@test "pcibridge-nonroot differs from pcibridge only in config files, each cut to 64 bytes" {
	run changes pcibridge derived/pcibridge-nonroot
	assert_line --index 0 "added DERIVED"
	[ "${#lines[@]}" -eq 12 ]
	for l in "${lines[@]:1}"; do
		[[ "$l" == "changed sys/devices/pci0000:00/"*/config ]]
	done
	a=$(snapshot pcibridge)
	b=$(snapshot derived/pcibridge-nonroot)
	for l in "${lines[@]:1}"; do
		f=${l#changed }
		[ "$(stat -c %s "$b/$f")" -eq 64 ]
		cmp -n 64 "$a/$f" "$b/$f"
	done
}

@test "vfio-nointremap differs from vfio in the command line and the irq chips it implies; the unsafe tree adds one module parameter" {
	run changes vfio derived/vfio-nointremap
	assert_line --index 0 "added DERIVED"
	assert_line --index 1 "changed proc/cmdline"
	assert_line --index 2 "changed proc/interrupts"
	# every other change is an irq chip that lost its IR- prefix, nothing else
	for l in "${lines[@]:3}"; do
		[[ "$l" =~ ^changed\ sys/kernel/irq/[0-9]+/chip_name$ ]]
		f=${l#changed }
		[ "IR-$(cat "$(snapshot derived/vfio-nointremap)/$f")" = "$(cat "$(snapshot vfio)/$f")" ]
	done
	[ "${#lines[@]}" -gt 3 ]
	run changes derived/vfio-nointremap derived/vfio-nointremap-unsafe
	assert_output "changed DERIVED
changed sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
	dir=$(snapshot derived/vfio-nointremap-unsafe)
	run cat "$dir/proc/cmdline" "$dir/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
	assert_output "console=ttyS0 panic=-1 oops=panic intel_iommu=on pcipass.topology=vfio intremap=off
Y"
}

@test "the boot trees differ from their sources only in the boot configuration they add" {
	run changes derived/rootports-swap derived/rootports-boot-ids
	assert_output "changed DERIVED
changed proc/cmdline"
	dir=$(snapshot derived/rootports-boot-ids)
	run cat "$dir/proc/cmdline"
	assert_output "console=ttyS0 panic=-1 oops=panic intel_iommu=on pcipass.topology=rootports vfio-pci.ids=1b36:0010"
	run changes multifunction derived/multifunction-boot-modprobe
	assert_output "added DERIVED
added etc
added usr"
	run changes rootports derived/rootports-boot-driverctl
	assert_output "added DERIVED
added etc"
	run ls "$(snapshot derived/rootports-boot-driverctl)/etc/driverctl.d"
	assert_output "pci-0000:01:00.0
pci-0000:02:00.0
pci-0000:03:00.0
pci-0000:09:00.0
pci-nonsense"
}

@test "rootports-merged-group differs from rootports in group 8 and 0000:03:00.0's group link" {
	run changes rootports derived/rootports-merged-group
	[ "${#lines[@]}" = 4 ]
	assert_line "added DERIVED"
	assert_line "added sys/kernel/iommu_groups/7/devices/0000:03:00.0"
	assert_line "removed sys/kernel/iommu_groups/8"
	assert_line --regexp '^Symbolic links .*/0000:03:00\.0/iommu_group and .*/0000:03:00\.0/iommu_group differ$'
	[ "$(readlink "$(snapshot derived/rootports-merged-group)/sys/devices/pci0000:00/0000:00:04.0/0000:03:00.0/iommu_group")" = ../../../../kernel/iommu_groups/7 ]
}

@test "rootports-no-flr differs from rootports in 0000:03:00.0's reset_method" {
	run changes rootports derived/rootports-no-flr
	assert_output "added DERIVED
changed sys/devices/pci0000:00/0000:00:04.0/0000:03:00.0/reset_method"
	[ "$(cat "$(snapshot derived/rootports-no-flr)/sys/devices/pci0000:00/0000:00:04.0/0000:03:00.0/reset_method")" = bus ]
}

@test "multifunction-mf-acs and -alias differ only in the ids of 0000:01:00.*" {
	local d=sys/devices/pci0000:00/0000:00:02.0 dir
	run changes multifunction derived/multifunction-mf-acs
	assert_output "added DERIVED
changed $d/0000:01:00.0/config
changed $d/0000:01:00.0/device
changed $d/0000:01:00.0/vendor
changed $d/0000:01:00.1/config
changed $d/0000:01:00.1/device
changed $d/0000:01:00.1/vendor
changed $d/0000:01:00.2/config
changed $d/0000:01:00.2/device"
	run changes derived/multifunction-mf-acs derived/multifunction-mf-acs-alias
	assert_output "changed DERIVED
changed $d/0000:01:00.0/config
changed $d/0000:01:00.0/device
changed $d/0000:01:00.0/vendor"
	dir=$(snapshot derived/multifunction-mf-acs-alias)
	[ "$(od -An -tx1 -N4 "$dir/$d/0000:01:00.0/config" | tr -d ' ')" = 4b1b2391 ]
	[ "$(cmp -l "$(snapshot multifunction)/$d/0000:01:00.2/config" "$dir/$d/0000:01:00.2/config" | awk '{ print $1 }' | tr '\n' ' ')" = "3 " ]
}

@test "make-derived.sh reproduces every stored derived tarball byte for byte" {
	out=$BATS_TEST_TMPDIR/derived
	mkdir -p "$out"
	DERIVED_OUT=$out run --separate-stderr "$SNAPSHOTS/derived/make-derived.sh"
	assert_success
	for n in $DERIVED_TREES; do
		cmp "$SNAPSHOTS/derived/$n.tar.gz" "$out/$n.tar.gz"
	done
	[ "$(ls "$out" | wc -l)" -eq "$(wc -w <<< "$DERIVED_TREES")" ]
}

@test "make-derived.sh refuses a source that does not hold the expected old value" {
	fake=$BATS_TEST_TMPDIR/fake
	mkdir -p "$fake/derived" "$fake/out" "$BATS_TEST_TMPDIR/t"
	cp "$SNAPSHOTS/derived/make-derived.sh" "$fake/derived/"
	# the switch capture with its root port already edited
	cp "$SNAPSHOTS/derived/switch-bus-range.tar.gz" "$fake/switch.tar.gz"
	DERIVED_OUT=$fake/out run --separate-stderr "$fake/derived/make-derived.sh" switch-bus-range
	assert_failure 1
	[[ "$stderr" == "make-derived.sh: "*"/0000:00:02.0/config byte 25 is not 01" ]]
	[ ! -e "$fake/out/switch-bus-range.tar.gz" ]
}
