#!/usr/bin/env bats
# explain --libvirt-xml / --qemu-args on the real-kernel snapshots: the XML
# is well-formed and holds exactly the expected hostdevs; QEMU parses the
# arguments; a set with blockers gets its blockers instead, exit 1.

setup() {
	load common
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work" || return 1
}

# hostdevs FILE: one line per <hostdev>: source address, then the guest
# address (attributes in document order) or "-" when libvirt places it.
hostdevs() {
	local n i src guest
	n=$(xmllint --xpath 'count(/devices/hostdev)' "$1")
	for ((i = 1; i <= n; i++)); do
		src=$(xmllint --xpath "/devices/hostdev[$i]/source/address" "$1")
		guest=$(xmllint --xpath "/devices/hostdev[$i]/address" "$1" 2>/dev/null) || guest=-
		printf '%s | %s\n' "$src" "$guest"
	done
}

@test "a multifunction set lands on one guest slot, function 0 first with multifunction='on'" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/multifunction.tar.gz" explain --libvirt-xml 01:00.2 01:00.0 01:00.1
	assert_success
	assert_equal "$stderr" ""
	echo "$output" > hostdev.xml
	xmllint --noout hostdev.xml
	assert_equal "$(xmllint --xpath 'count(//hostdev)' hostdev.xml)" "3"
	assert_equal "$(xmllint --xpath 'count(//hostdev[@mode="subsystem" and @type="pci" and @managed="yes"]/driver[@name="vfio"])' hostdev.xml)" "3"
	assert_equal "$(hostdevs hostdev.xml)" \
"<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x0\" multifunction=\"on\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x1\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x1\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x2\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x2\"/>"
	assert_equal "$(head -1 hostdev.xml)" "<!-- pcipass $("$PCIPASS" --version | awk '{print $2}'): hostdevs for 0000:01:00.0 0000:01:00.1 0000:01:00.2; paste them into the domain's <devices> -->"
}

@test "functions of different devices get no guest address: libvirt places them" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/vfio.tar.gz" explain --libvirt-xml 0000:03:00.0 02:00.0
	assert_success
	echo "$output" > hostdev.xml
	xmllint --noout hostdev.xml
	assert_equal "$(hostdevs hostdev.xml)" \
"<address domain=\"0x0000\" bus=\"0x02\" slot=\"0x00\" function=\"0x0\"/> | -
<address domain=\"0x0000\" bus=\"0x03\" slot=\"0x00\" function=\"0x0\"/> | -"
	assert_equal "$(xmllint --xpath 'count(//address[@type="none"])' hostdev.xml)" "0"
}

@test "SR-IOV VFs are independent functions even where they share the PF's slot number" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/sriov.tar.gz" explain --libvirt-xml 02:00.1 02:00.2 02:00.3
	assert_success
	echo "$output" > hostdev.xml
	xmllint --noout hostdev.xml
	assert_equal "$(hostdevs hostdev.xml)" \
"<address domain=\"0x0000\" bus=\"0x02\" slot=\"0x00\" function=\"0x1\"/> | -
<address domain=\"0x0000\" bus=\"0x02\" slot=\"0x00\" function=\"0x2\"/> | -
<address domain=\"0x0000\" bus=\"0x02\" slot=\"0x00\" function=\"0x3\"/> | -"
	assert_equal "$(xmllint --xpath 'count(//@multifunction)' hostdev.xml)" "0"
}

@test "--qemu-args: one -device per function, the multifunction device on one slot; QEMU parses them" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/multifunction.tar.gz" explain --qemu-args 01:00.0 01:00.1 01:00.2
	assert_success
	assert_equal "$stderr" ""
	assert_output "-device vfio-pci,host=0000:01:00.0,addr=0x10.0,multifunction=on
-device vfio-pci,host=0000:01:00.1,addr=0x10.1
-device vfio-pci,host=0000:01:00.2,addr=0x10.2"
	# QEMU takes every property; it fails only at the missing host device
	# (this machine has none of these), never on the syntax.
	while read -r opt arg; do
		[ "$opt" = -device ]
		run timeout 60 qemu-system-x86_64 -machine q35 -accel tcg -nodefaults -display none -S -device "$arg"
		assert_failure
		assert_output --partial "no such host device"
		refute_output --partial "Property"
	done <<<"$output"
	run --separate-stderr pp --sysroot "$SNAPSHOTS/vfio.tar.gz" explain --qemu-args 02:00.0
	assert_success
	assert_output "-device vfio-pci,host=0000:02:00.0"
}

@test "a set with blockers prints the blockers on stderr instead, exit 1" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/multifunction.tar.gz" explain --libvirt-xml 01:00.1 01:00.2
	assert_failure 1
	assert_output ""
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: 0000:01:00.1 0000:01:00.2: cannot be assigned together, no libvirt XML written; the blockers:"
	assert_equal "$(grep -c '^  0000:01:00.1: missing-function0: ' <<<"$stderr")" "1"
	assert_equal "$(grep -c '^  0000:01:00.2: missing-function0: ' <<<"$stderr")" "1"
	assert_equal "$(grep -c '^  0000:01:00.[12]: group-not-viable: ' <<<"$stderr")" "2"
	assert_equal "$(grep -c '^    hint: add 0000:01:00.0 to the set' <<<"$stderr")" "4"
	# the same blockers explain finds
	assert_equal "$(pp --sysroot "$SNAPSHOTS/multifunction.tar.gz" explain --json 01:00.1 01:00.2 |
		jq -r '[.functions[].findings[] | select(.severity == "blocker")] | length')" "4"
	run --separate-stderr pp --sysroot "$SNAPSHOTS/pcibridge.tar.gz" explain --qemu-args 02:01.0 02:02.0
	assert_failure 1
	assert_output ""
	assert_equal "$(sed -n 2p <<<"$stderr" | cut -d: -f1-5)" "  0000:02:02.0: no-reset: 0000"
}

@test "a host-wide blocker is said once, not once per function" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/noiommu.tar.gz" explain --libvirt-xml 01:00.0 02:00.0
	assert_failure 1
	assert_output ""
	assert_equal "$(grep -c '^  host: iommu-disabled: ' <<<"$stderr")" "1"
	assert_equal "$(grep -c '^  ' <<<"$stderr")" "2"	# the blocker and its hint
}

@test "bridges are refused as members (not-endpoint), never emitted as hostdevs" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/pcibridge.tar.gz" explain --libvirt-xml 01:00.0
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"  0000:01:00.0: not-endpoint: "* ]]
}

@test "--libvirt-xml and --qemu-args want one set: not with each other, --all or --json" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/vfio.tar.gz" explain --libvirt-xml --qemu-args 02:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --libvirt-xml and --qemu-args: choose one"
	run --separate-stderr pp --sysroot "$SNAPSHOTS/vfio.tar.gz" explain --libvirt-xml --all
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --libvirt-xml is for one set of BDFs, without --all or --json"
	run --separate-stderr pp --sysroot "$SNAPSHOTS/vfio.tar.gz" explain --qemu-args --json 02:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --qemu-args is for one set of BDFs, without --all or --json"
}

# A snapshot taken by `pcipass snapshot` inside a real QEMU guest
# (tests/vm/check-replay.sh --save-fixture; the QEMU command is next to it):
# the e1000e function 01:00.2 of the multifunction device and the e1000
# 03:02.0 behind the pcie-pci-bridge were moved to vfio-pci in the guest.
GUEST=$BATS_TEST_DIRNAME/vmconfig/guest-vfio.tar.gz

@test "real guest: the multifunction set without its vfio-held e1000e brings it along as type='none'" {
	run --separate-stderr pp --sysroot "$GUEST" explain --libvirt-xml 01:00.0 01:00.1
	assert_success
	assert_equal "$stderr" ""
	echo "$output" > hostdev.xml
	xmllint --noout hostdev.xml
	assert_equal "$(hostdevs hostdev.xml)" \
"<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x0\" multifunction=\"on\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x1\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x1\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x2\"/> | <address type=\"none\"/>"
	assert_equal "$(xmllint --xpath '//comment()[contains(., "0000:01:00.2")]' hostdev.xml)" \
		"<!-- 0000:01:00.2: not visible to the guest, held by vfio: same IOMMU group 6 as 0000:01:00.0 -->"
	# the guest's own view of that set: no blocker, the e1000e outside the set on vfio-pci
	assert_equal "$(pp --sysroot "$GUEST" explain --json 01:00.0 01:00.1 | jq -c '[.assignable, ([.functions[].findings[].code] | index("group-not-viable"))]')" '[true,null]'
}

@test "real guest: a conventional device alone brings the vfio-held device behind the same bridge" {
	run --separate-stderr pp --sysroot "$GUEST" explain --libvirt-xml 03:01.0
	assert_success
	echo "$output" > hostdev.xml
	xmllint --noout hostdev.xml
	assert_equal "$(hostdevs hostdev.xml)" \
"<address domain=\"0x0000\" bus=\"0x03\" slot=\"0x01\" function=\"0x0\"/> | -
<address domain=\"0x0000\" bus=\"0x03\" slot=\"0x02\" function=\"0x0\"/> | <address type=\"none\"/>"
	# the bridge itself (02:00.0, in the same group) is never a hostdev
	assert_equal "$(xmllint --xpath 'count(//source/address[@bus="0x02"])' hostdev.xml)" "0"
	run --separate-stderr pp --sysroot "$GUEST" explain --qemu-args 03:01.0
	assert_success
	assert_output "-device vfio-pci,host=0000:03:01.0"
	assert_equal "$stderr" "pcipass: note: 0000:03:02.0 is not given to the guest but must stay unbound or on vfio-pci while it runs (same IOMMU group 7 as 0000:03:01.0)"
}

@test "real guest: the host-bound rtl8139 is not a silent companion of the e1000: the set is refused" {
	run --separate-stderr pp --sysroot "$GUEST" explain --libvirt-xml 03:02.0
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"  0000:03:02.0: group-not-viable: "*"0000:03:01.0"* ]]
}
