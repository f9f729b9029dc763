#!/usr/bin/env bats
# pcipass report: the bundle holds the host summary, the commands' own
# outputs (text and JSON, compared with running them directly) and a
# snapshot that replays.

setup() {
	load common
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work" || return 1
}

# What report.txt must hold from "== tree" on, for pcipass ARGS.
expected_sections() {
	printf '== tree (pcipass list -t)\n\n'
	pp "$@" list -t
	printf '\n== list (pcipass list)\n\n'
	pp "$@" list
	printf '\n== explain (pcipass explain --all)\n\n'
	pp "$@" explain --all || true
}

# the path and the kind of input (sysfs, snapshot) differ between a host and its replay by design
nosysroot() { jq -S 'del(.host.sysroot, .host.source)'; }

@test "report of this host: a tarball with report.txt, report.json and a snapshot" {
	run --separate-stderr pp report -o r.tar.gz
	assert_success
	assert_output "r.tar.gz: report.txt, report.json and the snapshot ($(lspci -D | wc -l) functions)"
	mkdir r
	tar -xzf r.tar.gz -C r
	[ -s r/report.txt ] && [ -s r/report.json ] && [ -s r/META ] && [ -d r/sys/bus/pci/devices ]
	assert_equal "$(sed -n 's/^capture_tool=//p' r/META)" "pcipass snapshot"
}

@test "report.txt: the host summary, then exactly what list -t, list and explain --all print" {
	pp report -o r >/dev/null
	assert_equal "$(sed -n '/^== tree/,$p' r/report.txt)" "$(expected_sections)"
	assert_equal "$(sed -n 1p r/report.txt)" "pcipass report"
	grep -qxF "pcipass version: $("$PCIPASS" --version | awk '{print $2}')" r/report.txt
	grep -qxF "source: / (this host)" r/report.txt
	grep -qxF "read as root: yes" r/report.txt
	grep -qxF "kernel: $(uname -r)" r/report.txt
	grep -qxF "command line: $(cat /proc/cmdline)" r/report.txt
	grep -qxF "PCI functions: $(lspci -D | wc -l)" r/report.txt
	groups=$(ls /sys/kernel/iommu_groups | wc -l)
	if [ "$groups" -eq 0 ]; then
		grep -qxF "IOMMU: disabled (no IOMMU groups)" r/report.txt
	else
		grep -qE "^IOMMU: enabled \(.*\), $groups groups$" r/report.txt
	fi
}

@test "report.json holds list --json and explain --all --json as the commands print them" {
	pp report -o r >/dev/null
	diff -u <(pp list --json | jq -S .) <(jq -S .list r/report.json)
	diff -u <(pp explain --all --json | jq -S .) <(jq -S .explain r/report.json)
	diff -u <(pp list --json | jq -S .host) <(jq -S .host r/report.json)
	assert_equal "$(jq -r '.schema, .pcipass_version, .report.source, .report.read_as_root' r/report.json)" \
		"$(printf '2\n%s\n/\nyes' "$("$PCIPASS" --version | awk '{print $2}')")"
}

@test "the report replays: --sysroot report.tar.gz gives the host's own answers" {
	pp report -o r.tar.gz >/dev/null
	diff -u <(pp list --json | nosysroot) <(pp --sysroot r.tar.gz list --json | nosysroot)
	diff -u <(tar -xzOf r.tar.gz report.json | jq .explain | nosysroot) \
		<(pp --sysroot r.tar.gz explain --all --json | nosysroot)
}

@test "report of a real-kernel snapshot: vfio parameters, IOMMU state and sections from the snapshot" {
	src=$(snapshot vfio)
	run --separate-stderr pp --sysroot "$SNAPSHOTS/vfio.tar.gz" report -o r
	assert_success
	assert_equal "$(sed -n '/^== tree/,$p' r/report.txt)" "$(expected_sections --sysroot "$src")"
	grep -qxF "source: $SNAPSHOTS/vfio.tar.gz" r/report.txt
	grep -qxF "kernel: 6.1.0-57-amd64" r/report.txt
	grep -qxF "command line: $(cat "$src/proc/cmdline")" r/report.txt
	grep -qxF "IOMMU: enabled (Intel VT-d), $(ls "$src/sys/kernel/iommu_groups" | wc -l) groups" r/report.txt
	# the live irq chips are the best evidence the snapshot holds
	grep -qE '^interrupt remapping: yes \(sys/kernel/irq/[0-9]+/chip_name: IR-[A-Z-]+\)$' r/report.txt
	grep -qxF "read as root: $(sed -n 's/^root=//p' "$src/META")" r/report.txt
	# every vfio parameter of the snapshot, with its value, in text and JSON
	n=0
	for p in "$src"/sys/module/vfio*/parameters/*; do
		mod=$(basename "$(dirname "$(dirname "$p")")")
		grep -qxF "  $mod.$(basename "$p") = $(cat "$p")" r/report.txt
		assert_equal "$(jq -r --arg m "$mod" --arg p "$(basename "$p")" '.report.vfio_parameters[$m][$p]' r/report.json)" "$(cat "$p")"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	diff -u <(pp --sysroot "$src" explain --all --json | nosysroot) <(jq .explain r/report.json | nosysroot)
}

@test "report exits 0 whatever the verdicts" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/noiommu.tar.gz" explain --all
	assert_failure 1
	run --separate-stderr pp --sysroot "$SNAPSHOTS/noiommu.tar.gz" report -o r.tar.gz
	assert_success
	tar -xzOf r.tar.gz report.txt | grep -qxF "IOMMU: disabled (no IOMMU groups)"
}

@test "without -o the report is a dated tarball; errors leave nothing behind" {
	run --separate-stderr pp --sysroot "$SNAPSHOTS/rootports.tar.gz" report
	assert_success
	f=$(ls pcipass-report-*.tar.gz)
	[[ "$f" =~ ^pcipass-report-[0-9]{8}-[0-9]{6}\.tar\.gz$ ]]
	mkdir full && touch full/x
	run --separate-stderr pp --sysroot "$SNAPSHOTS/rootports.tar.gz" report -o full
	assert_failure 2
	assert_equal "$stderr" "pcipass: full: exists and is not an empty directory"
	assert_equal "$(ls -A | sort)" "$(printf 'full\n%s' "$f")"
}

# The identifying values a snapshot holds, one a line, to grep a redacted
# report for: MAC addresses (not 00:... or ff:...), serial numbers, WWIDs,
# NQNs, IPv6 addresses (as if_inet6 spells them), QEMU guest names, the
# command line's values pcipass does not read.
identifying_values() {
	local dir=$1 f
	find "$dir/sys" -type f -name address -exec cat {} + |
		grep -Ei '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' | grep -Eiv '^(00:)+00$|^(ff:)+ff$' || true
	find "$dir/sys" -type f \( -name serial -o -name wwid -o -name subsysnqn \) -exec cat {} + || true
	awk '$6 != "lo" {print $1}' "$dir/proc/net/if_inet6"
	for f in "$dir"/proc/[0-9]*/cmdline; do
		[ -f "$f" ] && tr '\0' '\n' <"$f" | sed -n '/^-name$/{n;s/^guest=//;s/,.*//;p}'
	done
	tr ' ' '\n' <"$dir/proc/cmdline" | sed -n 's/^\(root\|BOOT_IMAGE\|ip\|rdinit\)=//p'
}

# The verdicts of every function: address, assignable and finding codes.
verdicts() {
	pp --sysroot "$1" explain --all --json | jq -c '.functions[] | [.address, .assignable, [.findings[].code]]'
}

@test "report --redact: no MAC, IPv6 address, serial, WWID or guest name of the snapshot, the same verdicts" {
	local s dir values n=0
	for s in rootports sriov pcibridge switch vfio host derived/vfio-in-use; do
		dir=$BATS_TEST_TMPDIR/orig-${s//\//-}
		mkdir -p "$dir"
		tar -xzf "$SNAPSHOTS/$s.tar.gz" -C "$dir"
		pp --sysroot "$dir" report --redact -o "red-${s//\//-}" >/dev/null
		values=$(identifying_values "$dir" | sed 's/[[:space:]]*$//' | grep -v '^$' | sort -u)
		[ -n "$values" ] || fail "$s: no identifying value found to look for"
		while IFS= read -r v; do
			n=$((n + 1))
			if grep -rqF -- "$v" "red-${s//\//-}"; then
				fail "$s: '$v' is still in the redacted report: $(grep -rlF -- "$v" "red-${s//\//-}" | head -3)"
			fi
		done <<<"$values"
		assert_equal "$(verdicts "red-${s//\//-}")" "$(verdicts "$dir")"
		grep -q '^redacted: ' "red-${s//\//-}/report.txt"
		jq -e '.report.redacted.attributes >= 0' "red-${s//\//-}/report.json" >/dev/null
		grep -qx 'redacted=yes (see REDACTED)' "red-${s//\//-}/META"
	done
	[ "$n" -ge 20 ] || fail "only $n values looked for"
}

@test "report --redact: the command line keeps what the rules read, the rest is REDACTED and counted" {
	local dir=$BATS_TEST_TMPDIR/host
	mkdir -p "$dir"
	tar -xzf "$SNAPSHOTS/derived/rootports-acs-override.tar.gz" -C "$dir"
	printf 'BOOT_IMAGE=/boot/vmlinuz root=UUID=2f0e-11 ip=192.0.2.7::192.0.2.1:255.255.255.0:myhost:eth0:none intel_iommu=on iommu=pt pcie_acs_override=downstream,multifunction quiet vfio-pci.ids=8086:10d3 -- --addr 198.51.100.9\n' >"$dir/proc/cmdline"
	pp --sysroot "$dir" report --redact -o red >/dev/null
	assert_equal "$(cat red/proc/cmdline)" \
		"BOOT_IMAGE=REDACTED root=REDACTED ip=REDACTED intel_iommu=on iommu=pt pcie_acs_override=downstream,multifunction quiet vfio-pci.ids=8086:10d3 -- REDACTED REDACTED"
	! grep -rqE '192\.0\.2|198\.51\.100|myhost|2f0e-11' red
	grep -q 'redacted: .* 5 command line words' red/report.txt
	assert_equal "$(jq .report.redacted.cmdline_words red/report.json)" 5
	assert_equal "$(verdicts red)" "$(verdicts "$dir")"
	# without --redact, the report keeps it all
	pp --sysroot "$dir" report -o plain >/dev/null
	grep -q 'myhost' plain/proc/cmdline
	assert_equal "$(jq .report.redacted plain/report.json)" null
	! grep -q '^redacted' plain/report.txt
}

@test "report --redact: a Device Serial Number capability is zeroed, the rest of config space kept" {
	local dir=$BATS_TEST_TMPDIR/dsn cfg
	mkdir -p "$dir"
	tar -xzf "$SNAPSHOTS/rootports.tar.gz" -C "$dir"
	cfg=$dir/sys/bus/pci/devices/0000:02:00.0/config
	# the e1000e's DSN, as QEMU gives it (ext cap 0x0003 in its chain)
	run lspci_on "$dir" -vvv -s 02:00.0
	assert_output --regexp 'Device Serial Number ([0-9a-f]{2}-){7}[0-9a-f]{2}'
	refute_output --partial 'Device Serial Number 00-00-00-00-00-00-00-00'
	pp --sysroot "$dir" report --redact -o red >/dev/null
	run lspci_on red -vvv -s 02:00.0
	assert_output --partial 'Device Serial Number 00-00-00-00-00-00-00-00'
	grep -qxF "sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/config	Device Serial Number zeroed" red/REDACTED
	# nothing but the 8 serial bytes changed
	assert_equal "$(cmp -l "$cfg" red/sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/config | wc -l)" \
		"$(cmp -l "$cfg" red/sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/config | awk '$3 == 0' | wc -l)"
	[ "$(cmp -l "$cfg" red/sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/config | wc -l)" -le 8 ]
}

@test "report --redact of this host: no MAC address of its interfaces" {
	local a
	pp report --redact -o red >/dev/null
	for a in /sys/class/net/*/address; do
		grep -Eqv '^(00:)+00$|^(ff:)+ff$' "$a" || continue
		! grep -rqF "$(cat "$a")" red || fail "$a's value is in the report"
	done
	grep -q '^redacted: ' red/report.txt
}
