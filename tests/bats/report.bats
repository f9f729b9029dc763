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
