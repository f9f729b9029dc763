#!/usr/bin/env bats
# pcipass list's column table (src/columns.c) and output modes, on the
# real-kernel snapshots: -o, --list-columns, --raw, --pairs, --noheadings,
# --sort, --width, the host lines above the table, -t -s, -v, --color,
# and stdout checked at exit.

setup() {
	load common
}

@test "--width 80: names cut with a marker, ids, drivers and verdicts whole, host state above" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list --width 80
	assert_success
	assert_output "IOMMU: on (Intel VT-d, 7 groups); interrupt remapping: yes; ACS override: no
SLOT         CLASS DEVICE           DRIVER     GROUP RESET      VERDICT
0000:00:00.0 Host+ Intel Corporati+ -              0 -          not-endpoint
0000:00:01.0 VGA+  Device 1234:1111 bochs-drm      1 -          host-in-use
0000:00:02.0 PCI+  Red Hat, Inc. Q+ pcieport       2 -          not-endpoint
0000:00:1f.0 ISA+  Intel Corporati+ lpc_ich        3 -          not-endpoint
0000:00:1f.2 SATA+ Intel Corporati+ ahci           3 -          group-not-viable
0000:00:1f.3 SMBus Intel Corporati+ i801_smbus     3 -          group-not-viable
0000:01:00.0 PCI+  Texas Instrumen+ pcieport       4 flr,bus    not-endpoint
0000:02:00.0 PCI+  Texas Instrumen+ pcieport       5 flr,bus    not-endpoint
0000:02:01.0 PCI+  Texas Instrumen+ pcieport       6 flr        not-endpoint
0000:03:00.0 Ethe+ Red Hat, Inc. V+ virtio-pci     5 flr,pm,bus host-in-use
0000:04:00.0 Ethe+ Intel Corporati+ e1000e         6 pm,bus     warn"
	widest=$(printf '%s\n' "$output" | awk '{ if (length > w) w = length } END { print w }')
	[ "$widest" -le 80 ]
}

@test "-nn at 80 columns: a cut name keeps its [vendor:device] whole" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -nn --width 80 -s 04:00.0
	assert_success
	assert_line --regexp '^0000:04:00\.0 .*\+ \[8086:10d3\] +e1000e +6 pm,bus +warn$'
}

@test "-n at 50 columns: ids are never cut; the line grows instead" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -n --width 50 -s 04:00.0
	assert_success
	# the host state is broken at a clause to the table's width
	assert_line --index 0 "IOMMU: on (Intel VT-d, 7 groups);"
	assert_line --index 1 "  interrupt remapping: yes; ACS override: no"
	assert_line --index 2 "SLOT         CLASS DEVICE    DRIVER GROUP RESET  VERDICT"
	assert_line --index 3 "0000:04:00.0 0200  8086:10d3 e1000e     6 pm,bus warn"
}

@test "a host-wide blocker is said once above the table, not on every row" {
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" list
	assert_success
	assert_line --index 0 "IOMMU: off (GROUP pN: predicted); interrupt remapping: no; ACS override: no"
	assert_line --index 1 "host blocker: iommu-disabled (blocks every function below: pcipass explain says why)"
	run grep -c 'iommu-disabled' <<<"$output"
	assert_output 1
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" list -r -o SLOT,VERDICT,BLOCKERS -s 03:00.0
	assert_output "SLOT VERDICT BLOCKERS
0000:03:00.0 ok iommu-disabled"
}

@test "-o picks columns, +LIST adds to the defaults; an unknown column is a usage error" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list --noheadings -o slot,ID,driver -s 00:1f
	assert_success
	assert_output "0000:00:1f.0 8086:2918 lpc_ich
0000:00:1f.2 8086:2922 ahci
0000:00:1f.3 8086:2930 i801_smbus"
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -o +PORT,PARENT -s 04:00.0
	assert_success
	assert_line --index 1 --regexp '^SLOT +CLASS +DEVICE +DRIVER +GROUP +RESET +VERDICT +PORT +PARENT$'
	assert_line --index 2 --regexp ' warn +endpoint +0000:02:01\.0$'
	run --separate-stderr pp list -o SLOT,BOGUS
	assert_failure 2
	assert_equal "$stderr" "pcipass: BOGUS: unknown column (pcipass list --list-columns names them)
Try 'pcipass --help'."
}

@test "--list-columns names every column -o accepts, each with help" {
	run --separate-stderr pp list --list-columns
	assert_success
	run awk '{ print $1 }' <<<"$output"
	assert_output "SLOT
CLASS
CLASSID
DEVICE
ID
SUBSYS
DRIVER
GROUP
RESET
VERDICT
BLOCKERS
PORT
PARENT
NOTE
FLR
ACSCTL
NOSOFTRST
LINK
BOOT
BOOTFROM"
	# and the man page names the same ones
	for c in "${lines[@]}"; do grep -q "$c" "$TOP_SRCDIR/man/pcipass.8" || fail "man page lacks $c"; done
}

@test "--pairs, --raw, --sort" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -P -o SLOT,FLR,ACSCTL,NOSOFTRST,LINK -s 02:00.0
	assert_success
	assert_output 'SLOT="0000:02:00.0" FLR="pcie" ACSCTL="-" NOSOFTRST="-" LINK="?,LLActRep-,DLActive-"'
	run --separate-stderr pp --sysroot "$(snapshot switch)" list --noheadings -x DRIVER -o DRIVER,SLOT -s 00:1f
	assert_output "lpc_ich    0000:00:1f.0
ahci       0000:00:1f.2
i801_smbus 0000:00:1f.3"
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -r -o SLOT,DEVICE -s 04:00.0
	assert_output "SLOT DEVICE
0000:04:00.0 Intel\x20Corporation\x2082574L\x20Gigabit\x20Network\x20Connection"
	run --separate-stderr pp list -x NOTE
	assert_failure 2
	[[ "$stderr" == "pcipass: --sort NOTE: not a column shown (add it with -o +NOTE)"* ]]
}

@test "output modes exclude each other, declared once" {
	for pair in "--json --raw" "--raw --pairs" "--json --tree" "--pairs --tree" "--json -o SLOT" "--json --list-columns"; do
		run --separate-stderr pp list $pair
		assert_failure 2
		[[ "$stderr" == "pcipass: --"*" and --"*": choose one"* ]] || fail "$pair: $stderr"
	done
	run --separate-stderr pp list --width 5
	assert_failure 2
	[[ "$stderr" == "pcipass: --width 5: not a number of columns (20 to 10000)"* ]]
}

@test "-t -s keeps the path from the root, as lspci -t -s" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -t -s 04:00.0 -o SLOT,ID,NOTE
	assert_success
	assert_output "IOMMU: on (Intel VT-d, 7 groups); interrupt remapping: yes; ACS override: no
SLOT                 ID        NOTE
pci0000:00                     
\`-0000:00:02.0       1b36:000c root-port
  \`-0000:01:00.0     104c:8232 upstream-port
    \`-0000:02:01.0   104c:8233 downstream-port
      \`-0000:04:00.0 8086:10d3 "
}

@test "-t at 80 columns: NOTE wraps at words instead of being cut" {
	run --separate-stderr pp --sysroot "$(snapshot pcibridge)" list -t --width 80
	assert_success
	widest=$(printf '%s\n' "$output" | awk '{ if (length > w) w = length } END { print w }')
	[ "$widest" -le 80 ]
	# every word of the note is there, whole, on the bridge's line or below it
	for w in PCIe-to-PCI bridge: devices below share its requester ID; do
		grep -qE "(^| )$w( |\$)" <<<"$output" || fail "'$w' cut or missing"
	done
	assert_line --regexp '^\| `-0000:01:00\.0 .* PCIe-to-PCI'
	true
}

@test "-v: the capability facts under the table (list) and under each header (explain)" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -v -s 04:00.0
	assert_success
	assert_output --partial "
0000:04:00.0:
  DevCap: FLReset-
  AFCap: TP+FLR-
  PM: NoSoftRst-
  ACS: no capability
  LnkCap: Speed 2.5GT/s, Width x1
  LnkSta: Speed 2.5GT/s, Width x1
  reset_method: pm,bus"
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain -v 04:00.0
	assert_line --index 2 "    DevCap: FLReset-"
	assert_line --index 3 "    AFCap: TP+FLR-"
	assert_line --index 6 "    LnkCap: Speed 2.5GT/s, Width x1"
	assert_line --index 8 "    reset_method: pm,bus"
}

@test "--color: always colours verdicts, never and NO_COLOR do not; a bad WHEN is a usage error" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" list --color always -s 04:00.0
	[[ "$output" == *$'\e[1;33mwarn\e[0m'* ]]
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain --color always 00:00.0
	[[ "$output" == *$'\e[1;31mblocker\e[0m  not-endpoint:'* ]]
	run --separate-stderr pp --sysroot "$(snapshot switch)" list --color never -s 04:00.0
	[[ "$output" != *$'\e['* ]]
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "NO_COLOR=1 '$PCIPASS' --sysroot '$(snapshot switch)' list" /dev/null
	[[ "$output" != *$'\e['* ]]
	run script -qec "'$PCIPASS' --sysroot '$(snapshot switch)' list" /dev/null
	[[ "$output" == *$'\e['* ]]
	run --separate-stderr pp list --color sometimes
	assert_failure 2
	[[ "$stderr" == "pcipass: --color sometimes: expected auto, always or never"* ]]
}

@test "explain -s/-d: the selected functions form the set; with --all each alone" {
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain -s 00:1f
	assert_failure 1
	assert_line "verdict: 0000:00:1f.0 0000:00:1f.2 0000:00:1f.3 cannot be assigned together: 1"
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain -d 8086:10d3
	assert_success
	assert_line "verdict: 0000:04:00.0 can be assigned, 1 warning"
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain --all -s 00:1f
	assert_failure 1
	assert_line "verdict: 0 of 3 functions can be assigned on their own"
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain -s 07:00
	assert_failure 2
	run --separate-stderr pp explain -s 00:1f 00:1f.0
	assert_failure 2
}

@test "a full stdout is an error, exit 2, for list, explain and --help" {
	for args in "list" "list -t" "list --json" "explain --all" "--help"; do
		run bash -c "'$PCIPASS' --sysroot '$(snapshot switch)' $args > /dev/full"
		assert_failure 2
		[[ "$output" == "pcipass: stdout: write error"* ]] || fail "$args: $output"
	done
}

@test "snapshot and report refuse an existing -o without --force; .tgz is a tarball" {
	local out=$BATS_TEST_TMPDIR/x.tgz
	run --separate-stderr pp --sysroot "$(snapshot switch)" snapshot -o "$out"
	assert_success
	tar -tzf "$out" | grep -q '^sys/' || tar -tzf "$out" | grep -q '/sys/'
	run --separate-stderr pp --sysroot "$(snapshot switch)" snapshot -o "$out"
	assert_failure 2
	assert_equal "$stderr" "pcipass: $out: exists; use --force to replace it"
	run --separate-stderr pp --sysroot "$(snapshot switch)" snapshot --force -o "$out"
	assert_success
	run --separate-stderr pp --sysroot "$(snapshot switch)" report -o "$out"
	assert_failure 2
	run --separate-stderr pp --sysroot "$(snapshot switch)" report -f -o "$out"
	assert_success
}

@test "IOMMU off: GROUP shows the predicted groups, explain what the function would get" {
	# noiommu is rootports' topology booted without an IOMMU: rootports' kernel groups, predicted
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" list -r -o SLOT,GROUP --noheadings -s 00:1f
	assert_output "0000:00:1f.0 p5
0000:00:1f.2 p5
0000:00:1f.3 p5"
	run --separate-stderr pp --sysroot "$(snapshot rootports)" list -r -o SLOT,GROUP --noheadings -s 00:1f
	assert_output "0000:00:1f.0 5
0000:00:1f.2 5
0000:00:1f.3 5"
	run --separate-stderr pp --sysroot "$(snapshot noiommu)" explain 03:00.0
	assert_line "  predicted: assignable once the IOMMU is on (predicted group 8)"
	# with the IOMMU on, the kernel's groups are the facts: no prediction line
	run --separate-stderr pp --sysroot "$(snapshot rootports)" explain 03:00.0
	refute_output --partial "predicted:"
}

# tree_check SNAPSHOT SEL: list -t -s SEL draws what lspci -t -s SEL draws
# (the same functions under the same bridges, the path from the root bus
# kept), and besides only the subtrees below the functions SEL matches.
tree_check() {
	local dir lspci_edges pcipass_edges matched extra bdf parent up
	dir=$(snapshot "$1")
	lspci_edges=$(lspci_on "$dir" -t ${2:+-s "$2"} | "$BATS_TEST_DIRNAME/tree-edges.py" lspci)
	pcipass_edges=$(pp --sysroot "$dir" list -t ${2:+-s "$2"} -o SLOT | "$BATS_TEST_DIRNAME/tree-edges.py" pcipass)
	matched=$(lspci_on "$dir" -D ${2:+-s "$2"} | awk '{print $1}')
	[ -n "$lspci_edges" ] || fail "$1 -s $2: lspci drew nothing"
	# everything lspci draws, under the same parent
	extra=$(comm -13 <(sort <<<"$pcipass_edges") <(sort <<<"$lspci_edges"))
	[ -z "$extra" ] || fail "$1 -s $2: lspci draws, pcipass does not: $extra"
	# and the rest lies below a function that matched
	while read -r bdf parent; do
		grep -qxF "$bdf $parent" <<<"$lspci_edges" && continue
		up=$parent
		while [ "$up" != root ] && ! grep -qxF "$up" <<<"$matched"; do
			up=$(awk -v b="$up" '$1 == b {print $2}' <<<"$pcipass_edges")
		done
		[ "$up" != root ] || fail "$1 -s $2: pcipass draws $bdf under $parent, outside any matched subtree"
	done <<<"$pcipass_edges"
}

@test "-t -s draws the path lspci -t -s draws, deep and shallow selections, on the switch and pcibridge trees" {
	local sel
	command -v lspci >/dev/null || fail "lspci (pciutils) is needed"
	# the whole tree: exactly lspci's
	for s in switch pcibridge; do
		dir=$(snapshot "$s")
		assert_equal "$(pp --sysroot "$dir" list -t -o SLOT | "$BATS_TEST_DIRNAME/tree-edges.py" pcipass | sort)" \
			"$(lspci_on "$dir" -t | "$BATS_TEST_DIRNAME/tree-edges.py" lspci | sort)"
	done
	for sel in 04:00.0 03:00.0 02:01.0 02:00.0 02: 01:00.0 00:02.0 1f. 1f.3 0000:04:00; do
		tree_check switch "$sel"
	done
	for sel in 02:01.0 02:02.0 02: 01:00.0 00:02.0 03:00.0 00:03.0 .0; do
		tree_check pcibridge "$sel"
	done
	# the deepest: every bridge on the path, in order
	run --separate-stderr pp --sysroot "$(snapshot switch)" list -t -s 04:00.0 -o SLOT
	assert_equal "$(printf '%s\n' "$output" | "$BATS_TEST_DIRNAME/tree-edges.py" pcipass)" \
		"$(lspci_on "$(snapshot switch)" -t -s 04:00.0 | "$BATS_TEST_DIRNAME/tree-edges.py" lspci)"
}

@test "-v: LnkCap and LnkSta speed and width of every function as lspci -vv prints them, and in JSON" {
	local s dir b want got n=0 json
	for s in switch rootports pcibridge sriov gpu multifunction amdvi host; do
		dir=$(snapshot "$s")
		json=$(pp --sysroot "$dir" list --json)
		for b in $(ls "$dir/sys/bus/pci/devices"); do
			want=$(lspci_on "$dir" -vv -s "$b" 2>/dev/null | sed -nE \
				-e 's/^[[:space:]]+LnkCap:[[:space:]]+Port #[0-9]+, (Speed [^,]+, Width x[0-9]+).*/LnkCap: \1/p' \
				-e 's/^[[:space:]]+LnkSta:[[:space:]]+(Speed [^,]+, Width x[0-9]+( \([a-z]+\))?).*/LnkSta: \1/p')
			got=$(pp --sysroot "$dir" list -v -s "$b" | sed -nE 's/^  (Lnk(Cap|Sta): .*Width x[0-9]+( \([a-z]+\))?).*/\1/p')
			assert_equal "$got" "$want"
			if [ -n "$want" ]; then
				n=$((n + 1))
				# JSON: the same widths, the speed in GT/s
				assert_equal "$(jq -r --arg b "$b" '.functions[] | select(.address == $b) | .link |
					"\(.cap_width) \(.width)"' <<<"$json")" \
					"$(sed -nE 's/.*Width x([0-9]+).*/\1/p' <<<"$want" | paste -sd' ')"
			else
				assert_equal "$(jq -c --arg b "$b" '.functions[] | select(.address == $b) | .link' <<<"$json")" null
			fi
		done
	done
	[ "$n" -ge 30 ] || fail "only $n functions with a link"
	# a root port's link below what it can do is not downgraded (lspci's rule);
	# explain -v says the same
	run --separate-stderr pp --sysroot "$(snapshot switch)" explain -v 00:02.0
	assert_line "    LnkCap: Speed 16GT/s, Width x32, LLActRep+"
	assert_line "    LnkSta: Speed 2.5GT/s, Width x1, DLActive-"
}
