#!/bin/bash
# make check-replay: a snapshot taken inside a real guest, replayed here
# with --sysroot, answers exactly as the guest did live.
#
# Usage: check-replay.sh [--pcipass PATH] [--keep DIR] [--save-fixture FILE]
#
# Boots the host's Debian kernel once under qemu-system-x86_64 -accel tcg
# (q35, intel-iommu with interrupt remapping) with:
#   root port 1: one multifunction device: virtio-net (fn 0), virtio-net
#                (fn 1), e1000e (fn 2); the guest moves the e1000e to vfio-pci
#   root port 2: pcie-pci-bridge with an rtl8139 and an e1000 below it; the
#                guest moves the e1000 to vfio-pci
#   root port 3: nvme
# tests/vm/guest-replay.sh records snapshots (tarball, directory, and one as
# uid 65534) and runs a list of pcipass commands live.  Here every command
# is replayed against each snapshot and compared: JSON documents whole
# (host.sysroot aside, which names where the tree was read from), text,
# XML and QEMU arguments byte for byte, and the exit status.  The XML is
# also checked with xmllint and for its hostdevs: the multifunction slot,
# and the vfio-held companions with <address type='none'/>.
#
# Fails (never skips) when a tool, the kernel or busybox is missing, or the
# guest does not finish.  The last line is "check-replay: N passed, M
# failed".  --save-fixture FILE copies the guest's snapshot there (how
# tests/bats/vmconfig/guest-vfio.tar.gz was made).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

pcipass=$here/../../pcipass
keep=''
fixture=''
while [ $# -gt 0 ]; do
	case $1 in
	--pcipass) pcipass=${2:?--pcipass needs a path}; shift 2 ;;
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	--save-fixture) fixture=${2:?--save-fixture needs a file}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-replay: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

passed=0
failed=0
n=0
finish() {
	echo "1..$n"
	echo "check-replay: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
broken() { # the run itself failed: one failed test
	echo "check-replay: FAIL: $*" >&2
	n=$((n + 1))
	echo "not ok $n - $*"
	failed=$((failed + 1))
	finish
}
# check NAME COMMAND...: one test
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name"
		failed=$((failed + 1))
	fi
}

[ -x "$pcipass" ] || broken "pcipass binary '$pcipass' not found (run make first)"
pcipass=$(cd "$(dirname "$pcipass")" && pwd)/$(basename "$pcipass")
for tool in "${PCIPASS_VM_QEMU:-qemu-system-x86_64}" jq xmllint setpriv; do
	command -v "$tool" >/dev/null || broken "$tool not found (see scripts/install-deps.sh)"
done
vm_default_kernel >/dev/null || broken "no kernel in /boot with modules in /lib/modules (install linux-image-amd64)"
vm_find_busybox >/dev/null || broken "no static busybox (install busybox-static)"

vm_workdir check-replay "$keep"

# The guest must name devices as this host's libpci does: same pci.ids.
adds=()
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	[ -f "$ids" ] && { adds=(--add "$ids:$ids"); break; }
done
"$here/mkinitramfs.sh" "$work/initrd.gz" --init "$here/guest-replay.sh" \
	--add-binary "$pcipass:/usr/bin/pcipass" --add-binary "$(command -v setpriv):/usr/local/bin/setpriv" \
	${adds[@]+"${adds[@]}"} || broken "building the initramfs failed"

start=$(date +%s)
"$here/run-vm.sh" --initrd "$work/initrd.gz" --out "$work/results.tar.gz" --timeout 900 \
	--cmd-file "$work/qemu-command" -- \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-device virtio-net-pci,bus=rp1,addr=0.0,multifunction=on,mac=52:54:00:12:35:01 \
	-device virtio-net-pci,bus=rp1,addr=0.1,mac=52:54:00:12:35:02 \
	-device e1000e,bus=rp1,addr=0.2,mac=52:54:00:12:35:03 \
	-device pcie-root-port,id=rp2,chassis=2,slot=2 \
	-device pcie-pci-bridge,id=pb1,bus=rp2 \
	-device rtl8139,bus=pb1,addr=1.0,mac=52:54:00:12:35:04 \
	-device e1000,bus=pb1,addr=2.0,mac=52:54:00:12:35:05 \
	-device pcie-root-port,id=rp3,chassis=3,slot=3 \
	-device nvme,serial=pcipass-replay,drive=d0,bus=rp3 \
	-drive if=none,id=d0,file=null-co://,format=raw
vmrc=$?
elapsed=$(($(date +%s) - start))
case $vmrc in
0) ;;
3) check "the guest payload ran without errors (see $work/results.tar.gz.console.log)" false ;;
*) broken "the guest did not finish (run-vm.sh exit $vmrc after ${elapsed}s)" ;;
esac
mkdir -p "$work/r"
tar -xzf "$work/results.tar.gz" -C "$work/r" || broken "cannot unpack the guest's results"
r=$work/r
[ -f "$r/snap.tar.gz" ] && [ -d "$r/snapdir" ] && [ -f "$r/nonroot.tar.gz" ] && [ -f "$r/cases" ] ||
	broken "the guest left no snapshots or no cases"
echo "# guest ran ${elapsed}s (boot included), kernel $(cat "$r/guest-kernel")"

# same_answer SNAPSHOT NAME ARGS: the replay prints what the guest printed
# live, on stdout and on stderr, and exits the same way.
same_answer() {
	local snap=$1 name=$2 args=$3 rc live_rc
	# shellcheck disable=SC2086 # ARGS are words
	"$pcipass" --sysroot "$snap" $args >"$work/replay.out" 2>"$work/replay.err"
	rc=$?
	live_rc=$(cat "$r/live/$name.rc")
	if [ "$rc" != "$live_rc" ]; then
		echo "#   $name: exit $rc on replay, $live_rc live" >&2
		return 1
	fi
	diff -u "$r/live/$name.err" "$work/replay.err" >&2 || return 1
	case $args in
	*--json*)
		# the one difference by design: where it was read (host.source is
		# sysfs live, snapshot on replay); any other value stays and differs
		diff -u <(jq -S 'if .host.source == "sysfs" then del(.host.sysroot, .host.source) else . end' \
			"$r/live/$name.out") \
			<(jq -S 'if .host.source == "snapshot" then del(.host.sysroot, .host.source) else . end' \
				"$work/replay.out") >&2
		;;
	*)
		diff -u "$r/live/$name.out" "$work/replay.out" >&2
		;;
	esac
}

while IFS=$'\t' read -r name args; do
	check "$name: tarball replay answers as the guest did live ($args)" same_answer "$r/snap.tar.gz" "$name" "$args"
	check "$name: directory replay answers as the guest did live" same_answer "$r/snapdir" "$name" "$args"
done < "$r/cases"
while IFS=$'\t' read -r name args; do
	check "$name: non-root snapshot replays as the guest ran as uid 65534 ($args)" \
		same_answer "$r/nonroot.tar.gz" "$name" "$args"
done < "$r/nonroot-cases"

# The comparisons are about something: findings exist, some are blockers.
nonempty_findings() {
	[ "$(jq '[.functions[].findings[]] | length' "$r/live/explain-all-json.out")" -ge 20 ] &&
		[ "$(jq '[.functions[].findings[] | select(.severity == "blocker")] | length' \
			"$r/live/explain-all-json.out")" -ge 5 ] &&
		[ "$(jq '.functions | length' "$r/live/explain-all-json.out")" -ge 12 ]
}
check "the live explain --all --json has real findings to compare" nonempty_findings
nonroot_limited() {
	jq -e '.host.config_space_limited == true and
		([.host.findings[] | select(.code == "limited-access")] | length == 1)' \
		"$r/live/nonroot-explain-all-json.out" >/dev/null &&
		tar -xzOf "$r/nonroot.tar.gz" META | grep -qx 'root=no (uid 65534)'
}
check "as uid 65534 the guest saw limited config space, and the snapshot says so" nonroot_limited

# resourceN: present in the guest, recorded empty, never read.
resources_empty() {
	local want got
	want=$(wc -l < "$r/guest-resource-files")
	got=$(tar -tvzf "$r/snap.tar.gz" | awk '$6 ~ /\/resource[0-9]+$/ { n++; if ($3 != 0) bad++ } END { print n + 0, bad + 0 }')
	[ "$want" -ge 10 ] && [ "$got" = "$want 0" ]
}
check "every resourceN file of the guest is in the snapshot, empty" resources_empty

# The XML: bare <hostdev> (and <controller>) elements that paste into a
# domain's <devices>, so they are checked wrapped in one; the exact forms
# libvirt and QEMU accept are proven by vmconfig.bats and check-consumers.
hostdevs() { # FILE: "bus:slot.fn address-type" per hostdev
	local i count src type doc
	doc=$(mktemp) || return 1
	{ echo '<devices>'; cat "$1"; echo '</devices>'; } > "$doc"
	count=$(xmllint --xpath 'count(/devices/hostdev)' "$doc")
	for ((i = 1; i <= count; i++)); do
		src=$(xmllint --xpath "string(/devices/hostdev[$i]/source/address/@bus)" "$doc"):$(xmllint --xpath "string(/devices/hostdev[$i]/source/address/@slot)" "$doc").$(xmllint --xpath "string(/devices/hostdev[$i]/source/address/@function)" "$doc")
		type=$(xmllint --xpath "string(/devices/hostdev[$i]/address/@type)" "$doc")
		echo "$src $type"
	done
	rm -f "$doc"
}
xml_is() { # NAME EXPECTED
	diff -u <(printf '%s\n' "$2") <(hostdevs "$r/live/$1.out") >&2
}
refused_by() { # NAME CODE: no XML, exit 1, the blocker named on stderr
	[ ! -s "$r/live/$1.out" ] && [ "$(cat "$r/live/$1.rc")" = 1 ] && grep -q ": $2: " "$r/live/$1.err"
}
check "multifunction set whose function 0 the host uses (eth up): blockers, no XML, exit 1" \
	refused_by mf-set-xml host-in-use
check "the whole multifunction device, its function 0 in use by the host: blockers, no XML" \
	refused_by mf-whole-xml host-in-use
seg=$(sed -n 's/^bridge-xml\texplain --libvirt-xml \(0000:\)\{0,1\}\([0-9a-f]*\):.*/\2/p' "$r/cases")
check "the rtl8139 alone: on a root port of its own, the vfio-held e1000 behind the same bridge as type='unassigned'" \
	xml_is bridge-xml "0x$seg:0x01.0x0 pci
0x$seg:0x02.0x0 unassigned"
check "function 1 alone, its function 0 on a host driver in the group: group-not-viable, no XML, exit 1" \
	refused_by mf-no-fn0-xml group-not-viable

if [ -n "$fixture" ]; then
	cp "$r/snap.tar.gz" "$fixture" && sed -e "s|$work/initrd.gz|INITRD|g" -e "s|$work/results.tar.gz|OUT|g" \
		"$work/qemu-command" > "${fixture%.tar.gz}.qemu" || broken "cannot save the fixture to $fixture"
	echo "# guest snapshot saved as $fixture"
fi
finish
