#!/usr/bin/env bats
# explain --libvirt-xml / --qemu-args, judged by their consumers: libvirt
# (virt-xml-validate, virsh -c test:///default: no daemon) takes the XML
# in a whole q35 domain and gives every hostdev back; QEMU places the
# arguments' devices where pcipass chose (a stand-in model for vfio-pci:
# this machine has none of the functions).  A set with blockers gets its
# blockers instead, exit 1.  The real-QEMU-with-vfio check in a guest is
# tests/vm/check-consumers.sh (make check-consumers).

setup() {
	load common
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work" || return 1
	for tool in virsh virt-xml-validate xmllint qemu-system-x86_64 python3 jq; do
		command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh installs it)"
	done
}

# Taken by `pcipass snapshot` inside real QEMU guests (tests/vm; the QEMU
# command next to each): guest-vfio by check-replay.sh --save-fixture,
# guest-consumers by check-consumers.sh --save-fixture with every endpoint
# on vfio-pci: 01:00.0-2 (virtio-net, virtio-net, e1000e, one device, one
# group), 02:00.0 (e1000e), 04:01.0 and 04:02.0 (rtl8139 and e1000 behind a
# pcie-pci-bridge).
GUEST=$BATS_TEST_DIRNAME/vmconfig/guest-vfio.tar.gz
CONSUMERS=$BATS_TEST_DIRNAME/vmconfig/guest-consumers.tar.gz

# domain FRAGMENT-FILE: a whole q35 domain for the test driver around it
domain() {
	printf '%s\n' "<domain type='test'>" "  <name>pcipass-check</name>" \
		"  <memory unit='KiB'>1048576</memory>" "  <vcpu>1</vcpu>" \
		"  <os><type arch='x86_64' machine='${MACHINE:-q35}'>hvm</type></os>" "  <devices>"
	if [ "${MACHINE:-q35}" = q35 ]; then
		echo "    <controller type='pci' index='0' model='pcie-root'/>"
	else
		echo "    <controller type='pci' index='0' model='pci-root'/>"
	fi
	cat "$1"
	printf '%s\n' "  </devices>" "</domain>"
}

# hostdevs XML-FILE: one line per <hostdev>: source address | guest address
hostdevs() {
	local n i
	n=$(xmllint --xpath 'count(//hostdev)' "$1")
	for ((i = 1; i <= n; i++)); do
		printf '%s | %s\n' "$(xmllint --xpath "(//hostdev)[$i]/source/address" "$1")" \
			"$(xmllint --xpath "(//hostdev)[$i]/address" "$1" 2>/dev/null || echo -)"
	done
}

# libvirt_takes FRAGMENT-FILE: validates, defines on the test driver, and
# dumpxml gives back the same hostdevs (source and guest address) and controllers.
libvirt_takes() {
	domain "$1" > dom.xml
	virt-xml-validate dom.xml domain >&2 || { echo "virt-xml-validate refuses $1" >&2; return 1; }
	virsh -q -c test:///default "define dom.xml; dumpxml pcipass-check" > back.out 2>&1 ||
		{ cat back.out >&2; return 1; }
	sed -n '/^<domain/,$p' back.out > back.xml
	[ "$(hostdevs back.xml)" = "$(hostdevs dom.xml)" ] ||
		{ diff <(hostdevs dom.xml) <(hostdevs back.xml) >&2; return 1; }
	[ "$(xmllint --xpath 'count(//controller[@model="pcie-root-port"])' back.xml)" = \
		"$(xmllint --xpath 'count(//controller[@model="pcie-root-port"])' dom.xml)" ]
}

# all_snapshots: every snapshot and guest fixture, unpacked once per file
all_snapshots() {
	local f name
	for f in "$SNAPSHOTS"/*.tar.gz "$GUEST" "$CONSUMERS"; do
		name=$(basename "$f" .tar.gz)
		if [ ! -d "$BATS_FILE_TMPDIR/snap-$name" ]; then
			mkdir -p "$BATS_FILE_TMPDIR/snap-$name"
			tar -xzf "$f" -C "$BATS_FILE_TMPDIR/snap-$name" || return 1
		fi
		printf '%s\n' "$BATS_FILE_TMPDIR/snap-$name"
	done
}

# candidate_sets SNAPSHOT: the sets a user gives a guest, one a line: each
# endpoint alone, each multifunction device, each IOMMU group's endpoints,
# each PF's VFs.
candidate_sets() {
	pp --sysroot "$1" list --json | jq -r '
		[.functions[] | select(.header_type == 0)] as $e
		| ([$e[] | [.address]]
		   + ([$e[] | select(.physfn == null)] | group_by(.address[0:10]) | map(map(.address)))
		   + ($e | map(select(.iommu_group != null)) | group_by(.iommu_group) | map(map(.address)))
		   + ($e | map(select(.physfn != null)) | group_by(.physfn) | map(map(.address))))
		| unique[] | join(" ")'
}

@test "every assignable set of every snapshot: libvirt validates, defines and gives back its XML; the kinds are all there" {
	local snap set kinds='' checked=0
	for snap in $(all_snapshots); do
		while read -r set; do
			# shellcheck disable=SC2086
			pp --sysroot "$snap" explain --libvirt-xml $set > frag.xml 2>err || continue
			libvirt_takes frag.xml || fail "$(basename "$snap") $set: libvirt refuses or changes it"
			checked=$((checked + 1))
			[ "$(xmllint --xpath 'count(//hostdev/address[@type="pci"])' dom.xml)" = 1 ] && kinds="$kinds single"
			[ "$(xmllint --xpath 'count(//address[@multifunction="on"])' dom.xml)" -ge 1 ] && kinds="$kinds multifunction"
			[ "$(xmllint --xpath 'count(//address[@type="unassigned"])' dom.xml)" -ge 1 ] && kinds="$kinds unassigned"
		done < <(candidate_sets "$snap")
	done
	echo "# $checked sets" >&3
	[[ "$kinds" == *single* ]] || fail "no single-function set was assignable"
	[[ "$kinds" == *multifunction* ]] || fail "no multifunction set was assignable"
	[[ "$kinds" == *unassigned* ]] || fail "no set brought unassigned companions"
}

@test "q35: a multifunction device behind its own pcie-root-port, functions from 0, function 0 multifunction='on'" {
	run --separate-stderr pp --sysroot "$CONSUMERS" explain --libvirt-xml 01:00.2 01:00.0 01:00.1 02:00.0
	assert_success
	assert_equal "$stderr" ""
	echo "$output" > frag.xml
	libvirt_takes frag.xml
	assert_equal "$(hostdevs dom.xml)" \
"<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x10\" slot=\"0x00\" function=\"0x0\" multifunction=\"on\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x1\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x10\" slot=\"0x00\" function=\"0x1\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x2\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x10\" slot=\"0x00\" function=\"0x2\"/>
<address domain=\"0x0000\" bus=\"0x02\" slot=\"0x00\" function=\"0x0\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x11\" slot=\"0x00\" function=\"0x0\"/>"
	assert_equal "$(xmllint --xpath '//controller' dom.xml | tr -d '\n')" \
"<controller type=\"pci\" index=\"0\" model=\"pcie-root\"/><controller type=\"pci\" index=\"16\" model=\"pcie-root-port\">  <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x0\"/></controller><controller type=\"pci\" index=\"17\" model=\"pcie-root-port\">  <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x11\" function=\"0x0\"/></controller>"
	assert_equal "$(xmllint --xpath 'count(//hostdev[@mode="subsystem" and @type="pci" and @managed="yes"]/driver[@name="vfio"])' dom.xml)" 4
	# no wrapper: the elements paste into <devices> as they are
	assert_equal "$(grep -c '^ *</\{0,1\}devices>' frag.xml)" 0
	assert_equal "$(sed -n 4p frag.xml)" "     The controller indexes 16-17 must be free in the domain. -->"
}

@test "a lone function 1 becomes guest function 0; its vfio-held siblings come as type='unassigned'" {
	run --separate-stderr pp --sysroot "$CONSUMERS" explain --libvirt-xml 01:00.1
	assert_success
	echo "$output" > frag.xml
	libvirt_takes frag.xml
	assert_equal "$(hostdevs dom.xml)" \
"<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x1\"/> | <address type=\"pci\" domain=\"0x0000\" bus=\"0x10\" slot=\"0x00\" function=\"0x0\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/> | <address type=\"unassigned\"/>
<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x2\"/> | <address type=\"unassigned\"/>"
	assert_equal "$(xmllint --xpath 'count(//@multifunction)' dom.xml)" 0
	# what libvirt 9.0 refuses, the form pcipass used to print
	sed "s/type='unassigned'/type='none'/" frag.xml > old.xml
	run virsh -q -c test:///default define <(domain old.xml)
	assert_failure
	assert_output --partial "unknown address type 'none'"
}

@test "--machine pc: each guest device on its own pci.0 slot from 0x10, no controllers" {
	run --separate-stderr pp --sysroot "$CONSUMERS" explain --libvirt-xml --machine pc 01:00.0 01:00.1 01:00.2 04:01.0
	assert_success
	echo "$output" > frag.xml
	MACHINE=pc libvirt_takes frag.xml
	assert_equal "$(grep -c '<controller' frag.xml)" 0
	assert_equal "$(xmllint --xpath '//hostdev/address[@type="pci"]' dom.xml | tr -d '\n')" \
"<address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x0\" multifunction=\"on\"/><address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x1\"/><address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x10\" function=\"0x2\"/><address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x11\" function=\"0x0\"/>"
	assert_equal "$(xmllint --xpath 'count(//address[@type="unassigned"])' dom.xml)" 1
	run --separate-stderr pp --sysroot "$CONSUMERS" explain --qemu-args --machine pc 01:00.0 01:00.1 01:00.2 04:01.0
	assert_success
	assert_output "-device vfio-pci,host=0000:01:00.0,id=pcipass-0000-01-00.0,bus=pci.0,addr=0x10.0,multifunction=on
-device vfio-pci,host=0000:01:00.1,id=pcipass-0000-01-00.1,bus=pci.0,addr=0x10.1
-device vfio-pci,host=0000:01:00.2,id=pcipass-0000-01-00.2,bus=pci.0,addr=0x10.2
-device vfio-pci,host=0000:04:01.0,id=pcipass-0000-04-01.0,bus=pci.0,addr=0x11.0"
	assert_equal "$stderr" "pcipass: note: 0000:04:02.0 is not given to the guest but must stay unbound or on vfio-pci while it runs (same IOMMU group 8 as 0000:04:01.0)"
}

@test "-o DIR: one element a file, in attach order; together they are the same domain" {
	run --separate-stderr pp --sysroot "$CONSUMERS" explain --libvirt-xml -o out 01:00.1 02:00.0 --controller-index 40
	assert_success
	assert_output "out/01-controller-pcie-root-port-40.xml
out/02-hostdev-0000-01-00.1.xml
out/03-controller-pcie-root-port-41.xml
out/04-hostdev-0000-02-00.0.xml
out/05-hostdev-0000-01-00.0-unassigned.xml
out/06-hostdev-0000-01-00.2-unassigned.xml"
	for f in out/*.xml; do
		xmllint --noout "$f"
		assert_equal "$(xmllint --xpath 'count(/*)' "$f")" 1
	done
	# virsh's test driver has no attach-device (virDomainAttachDeviceFlags
	# "not supported by the connection driver"): the files, in order, must
	# make the domain the stdout form makes.
	cat out/*.xml > files.xml
	libvirt_takes files.xml
	cp back.xml from-files.xml
	pp --sysroot "$CONSUMERS" explain --libvirt-xml 01:00.1 02:00.0 --controller-index 40 > frag.xml
	libvirt_takes frag.xml
	assert_equal "$(sed 1,3d from-files.xml)" "$(sed 1,3d back.xml)"
	assert_equal "$(xmllint --xpath 'string(//hostdev[source/address/@bus="0x02"]/address/@bus)' back.xml)" 0x29
}

# qemu_places ARGS-FILE: QEMU with the arguments (vfio-pci replaced by an
# e1000e stand-in, same id/bus/addr/multifunction), where each device landed
qemu_places() {
	timeout 120 python3 "$BATS_TEST_DIRNAME/vmconfig/qemu-place.py" "$1" e1000e
}

@test "--qemu-args: root ports and devices where the XML puts them; QEMU places them there (stand-in model)" {
	run --separate-stderr pp --sysroot "$CONSUMERS" explain --qemu-args 01:00.2 01:00.0 01:00.1 02:00.0
	assert_success
	assert_equal "$stderr" ""
	assert_output "-device pcie-root-port,id=pcipass-rp16,bus=pcie.0,addr=0x10.0,chassis=16
-device vfio-pci,host=0000:01:00.0,id=pcipass-0000-01-00.0,bus=pcipass-rp16,addr=0x00.0,multifunction=on
-device vfio-pci,host=0000:01:00.1,id=pcipass-0000-01-00.1,bus=pcipass-rp16,addr=0x00.1
-device vfio-pci,host=0000:01:00.2,id=pcipass-0000-01-00.2,bus=pcipass-rp16,addr=0x00.2
-device pcie-root-port,id=pcipass-rp17,bus=pcie.0,addr=0x11.0,chassis=17
-device vfio-pci,host=0000:02:00.0,id=pcipass-0000-02-00.0,bus=pcipass-rp17,addr=0x00.0"
	echo "$output" > args
	run qemu_places args
	assert_success
	assert_output "stopped pcipass-rp16 pcie.0 10.0
stopped pcipass-rp17 pcie.0 11.0
pcipass-rp16 pcie.0 10.0
pcipass-0000-01-00.0 pcipass-rp16 00.0
pcipass-0000-01-00.1 pcipass-rp16 00.1
pcipass-0000-01-00.2 pcipass-rp16 00.2
pcipass-rp17 pcie.0 11.0
pcipass-0000-02-00.0 pcipass-rp17 00.0"
	# vfio-pci itself takes every property; it fails only at the missing host device
	while read -r _ arg; do
		[[ "$arg" == vfio-pci,* ]] || continue
		run timeout 60 qemu-system-x86_64 -machine q35 -accel tcg -nodefaults -display none -S \
			-device pcie-root-port,id=pcipass-rp16,bus=pcie.0,addr=0x10.0,chassis=16 \
			-device pcie-root-port,id=pcipass-rp17,bus=pcie.0,addr=0x11.0,chassis=17 -device "$arg"
		assert_failure
		assert_output --partial "no such host device"
		refute_output --partial "Property"
	done < args
}

@test "--qemu-args on every assignable set of every snapshot: QEMU places each device where the arguments say" {
	local snap set checked=0
	for snap in $(all_snapshots); do
		while read -r set; do
			# shellcheck disable=SC2086
			pp --sysroot "$snap" explain --qemu-args $set > args 2>/dev/null || continue
			# what the arguments ask: "ID BUS SLOT.FN"
			sed -E 's/^-device [^,]*,(host=[^,]*,)?id=([^,]*),bus=([^,]*),addr=0x([0-9a-f.]*).*/\2 \3 \4/' args |
				sort > want
			qemu_places args | grep -v '^stopped ' | sort > got || fail "$set: QEMU refused: $(cat args)"
			diff want got || fail "$(basename "$snap") $set: QEMU placed them elsewhere"
			# function 0 behind every root port
			for rp in $(grep -o 'id=pcipass-rp[0-9]*' args | cut -d= -f2); do
				grep -q " $rp 00.0\$" got || fail "$set: no function 0 behind $rp"
			done
			checked=$((checked + 1))
		done < <(candidate_sets "$snap")
	done
	echo "# $checked sets" >&3
	[ "$checked" -gt 5 ]
}

@test "SR-IOV VFs are independent guest devices: a root port each, function 0" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/sriov.tar.gz" explain --libvirt-xml 02:00.1 02:00.2 02:00.3
	assert_success
	echo "$output" > frag.xml
	libvirt_takes frag.xml
	assert_equal "$(xmllint --xpath '//hostdev/address' dom.xml | tr -d '\n')" \
"<address type=\"pci\" domain=\"0x0000\" bus=\"0x10\" slot=\"0x00\" function=\"0x0\"/><address type=\"pci\" domain=\"0x0000\" bus=\"0x11\" slot=\"0x00\" function=\"0x0\"/><address type=\"pci\" domain=\"0x0000\" bus=\"0x12\" slot=\"0x00\" function=\"0x0\"/>"
	assert_equal "$(xmllint --xpath 'count(//@multifunction)' dom.xml)" 0
}

@test "a set with blockers prints the blockers on stderr instead, exit 1" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/multifunction.tar.gz" explain --libvirt-xml 01:00.1 01:00.2
	assert_failure 1
	assert_output ""
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: 0000:01:00.1 0000:01:00.2: cannot be assigned together, no libvirt XML written; the blockers:"
	assert_equal "$(grep -c '^  0000:01:00.[12]: group-not-viable: ' <<<"$stderr")" "2"
	# the same blockers explain finds
	assert_equal "$(grep -c '^  [0-9a-f]' <<<"$stderr")" "$(pp --sysroot "$SNAPSHOTS/multifunction.tar.gz" explain --json 01:00.1 01:00.2 |
		jq -r '[.functions[].findings[] | select(.severity == "blocker")] | length')"
	run --separate-stderr pp --sysroot "$GUEST" explain --libvirt-xml -o out 03:02.0
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"  0000:03:02.0: group-not-viable: "*"0000:03:01.0"* ]]
	[ ! -e out ]
}

@test "a host-wide blocker is said once, not once per function" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/noiommu.tar.gz" explain --libvirt-xml 01:00.0 02:00.0
	assert_failure 1
	assert_output ""
	assert_equal "$(grep -c '^  host: iommu-disabled: ' <<<"$stderr")" "1"
}

@test "bridges are refused as members (not-endpoint), never emitted as hostdevs" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/pcibridge.tar.gz" explain --libvirt-xml 01:00.0
	assert_failure 1
	assert_output ""
	[[ "$stderr" == *"  0000:01:00.0: not-endpoint: "* ]]
	run --separate-stderr pp --sysroot "$GUEST" explain --libvirt-xml 03:01.0
	assert_success
	echo "$output" > frag.xml
	assert_equal "$(xmllint --xpath 'count(//source/address[@bus="0x02"])' <(domain frag.xml))" 0
}

@test "usage: one set, one format; --machine, --controller-index, -o only where they mean something" {
	local v=$SNAPSHOTS/vfio.tar.gz
	run --separate-stderr pp --sysroot "$v" explain --libvirt-xml --qemu-args 02:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --libvirt-xml and --qemu-args: choose one"
	run --separate-stderr pp --sysroot "$v" explain --libvirt-xml --all
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --libvirt-xml is for one set of BDFs, without --all or --json"
	run --separate-stderr pp --sysroot "$v" explain --qemu-args --json 02:00.0
	assert_failure 2
	run --separate-stderr pp --sysroot "$v" explain --machine pc 02:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --machine, --controller-index and --output go with --libvirt-xml or --qemu-args"
	run --separate-stderr pp --sysroot "$v" explain --qemu-args -o out 02:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --output DIR is for --libvirt-xml (QEMU arguments go to stdout)"
	run --separate-stderr pp --sysroot "$v" explain --qemu-args --machine i440fx 02:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --machine i440fx: not q35 or pc"
	run --separate-stderr pp --sysroot "$v" explain --qemu-args --machine pc --controller-index 20 02:00.0
	assert_failure 2
	for bad in 0 256 1x ''; do
		run --separate-stderr pp --sysroot "$v" explain --qemu-args --controller-index "$bad" 02:00.0
		assert_failure 2
		assert_equal "$(head -1 <<<"$stderr")" "pcipass: explain: --controller-index $bad: not a number from 1 to 255"
	done
}
