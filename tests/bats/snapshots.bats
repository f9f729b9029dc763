#!/usr/bin/env bats
# pcipass list on every real-kernel snapshot, checked against lspci reading
# the same tree (lspci runs here; nothing of its output is stored by hand).

setup_file() {
	load common
	for s in $ALL_SNAPSHOTS; do
		[ -f "$SNAPSHOTS/$s.tar.gz" ] || { echo "missing snapshot $s" >&2; return 1; }
	done
}

setup() {
	load common
}

# "slot vendor device class driver group | vendor-name | device-name" per function, from lspci.
lspci_facts() {
	local dir=$1
	paste -d'\t' \
		<(lspci_on "$dir" -D -vmm -n -k 2>/dev/null | awk -F'\t' '
			/^Slot:/ { slot=$2; v=""; d=""; c=""; drv="-"; grp="-" }
			/^Vendor:/ { v=$2 } /^Device:/ { d=$2 } /^Class:/ { c=$2 }
			/^Driver:/ { drv=$2 } /^IOMMUGroup:/ { grp=$2 }
			/^$/ { print slot, v, d, c, drv, grp }
			END { if (slot != "") print slot, v, d, c, drv, grp }' | sort -u) \
		<(lspci_on "$dir" -D -vmm -k 2>/dev/null | awk -F'\t' '
			/^Slot:/ { slot=$2 } /^Vendor:/ { v=$2 } /^Device:/ { d=$2 }
			/^$/ { print slot "\t" v "\t" d }
			END { print slot "\t" v "\t" d }' | sort -u | cut -f2-)
}

# The same facts from pcipass list --json, unknown names spelled as lspci does.
pcipass_facts() {
	local dir=$1
	pp --sysroot "$dir" list --json | jq -r '.functions[] |
		[ ([.address, .vendor_id, .device_id, .class, (.driver // "-"),
		    ((.iommu_group // "-") | tostring)] | join(" ")),
		  (.vendor_name // "Vendor \(.vendor_id)"),
		  (.device_name // "Device \(.device_id)") ] | join("\t")' | sort -u
}

@test "every snapshot: functions, ids, class, driver, IOMMU group and names agree with lspci" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		diff -u <(lspci_facts "$dir") <(pcipass_facts "$dir") || { echo "snapshot $s differs from lspci" >&2; return 1; }
		[ "$(pcipass_facts "$dir" | wc -l)" -ge 5 ]
	done
}

@test "every snapshot: the text list shows each function once with lspci's class and device words" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		run --separate-stderr pp --sysroot "$dir" list
		assert_success
		while read -r slot rest; do
			line=$(printf '%s\n' "$output" | grep -c "^$slot ")
			[ "$line" -eq 1 ] || { echo "$s: $slot shown $line times" >&2; return 1; }
			class=${rest%%: *}
			printf '%s\n' "$output" | grep "^$slot " | grep -qF "$class" ||
				{ echo "$s: $slot lacks class '$class'" >&2; return 1; }
		done < <(lspci_on "$dir" -D 2>/dev/null | sed 's/ (rev [0-9a-f]*)$//; s/ (prog-if .*$//')
	done
}

@test "every snapshot: -nn shows the ids the way lspci -nn does" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		run --separate-stderr pp --sysroot "$dir" list -nn
		assert_success
		while read -r slot rest; do
			ids=$(printf '%s\n' "$rest" | grep -o '\[[0-9a-f]\{4\}:[0-9a-f]\{4\}\]' | head -1)
			printf '%s\n' "$output" | grep "^$slot " | grep -qF "$ids" ||
				{ echo "$s: $slot lacks $ids" >&2; return 1; }
		done < <(lspci_on "$dir" -D -nn 2>/dev/null)
	done
}

@test "every snapshot: reset_methods are the reset_method file's words, in order" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		while IFS=$'\t' read -r bdf methods; do
			file="$dir/sys/bus/pci/devices/$bdf/reset_method"
			expect=$( [ -f "$file" ] && tr -s ' \n' ' ' < "$file" | sed 's/ $//' || true)
			[ "$methods" = "$expect" ] || { echo "$s $bdf: '$methods' vs '$expect'" >&2; return 1; }
		done < <(pp --sysroot "$dir" list --json | jq -r '.functions[] | [.address, (.reset_methods | join(" "))] | @tsv')
	done
}

@test "every snapshot: each parent is a bridge whose bus range (lspci -v) holds the child's bus" {
	for s in $ALL_SNAPSHOTS; do
		dir=$(snapshot "$s")
		while IFS=$'\t' read -r bdf parent; do
			bus=$((16#$(echo "$bdf" | cut -d: -f2)))
			range=$(lspci_on "$dir" -v -s "$parent" 2>/dev/null | grep -o 'secondary=[0-9a-f]*, subordinate=[0-9a-f]*')
			[ -n "$range" ] || { echo "$s: parent $parent of $bdf is no bridge to lspci" >&2; return 1; }
			sec=$((16#$(echo "$range" | sed 's/secondary=\([0-9a-f]*\),.*/\1/')))
			sub=$((16#$(echo "$range" | sed 's/.*subordinate=//')))
			[ "$bus" -ge "$sec" ] && [ "$bus" -le "$sub" ] || { echo "$s: $bdf outside $parent $range" >&2; return 1; }
		done < <(pp --sysroot "$dir" list --json | jq -r '.functions[] | select(.parent) | [.address, .parent] | @tsv')
	done
}

@test "rootports: the tree puts each endpoint under its root port" {
	dir=$(snapshot rootports)
	run --separate-stderr pp --sysroot "$dir" list -t
	assert_success
	assert_line --regexp '^\|-0000:00:02\.0 +PCI bridge .* root-port *$'
	assert_line --regexp '^\| `-0000:01:00\.0 +Ethernet controller +Red Hat, Inc\. Virtio 1\.0 network device +virtio-pci +6 +flr,pm,bus'
	assert_line --regexp '^\| `-0000:02:00\.0 +Ethernet controller +Intel Corporation 82574L .* e1000e +7 +pm,bus'
}

@test "pcibridge: the tree marks the conventional segment and its DMA alias" {
	dir=$(snapshot pcibridge)
	run --separate-stderr pp --sysroot "$dir" list --json
	assert_success
	bridge=$(echo "$output" | jq -r '.functions[] | select(.port_type == "pcie-to-pci-bridge") | .address')
	[ -n "$bridge" ]
	below=$(echo "$output" | jq -r --arg b "$bridge" '[.functions[] | select(.conventional_bridge == $b)] | length')
	[ "$below" -eq 2 ]
	run --separate-stderr pp --sysroot "$dir" list -t
	assert_success
	assert_line --partial "$bridge"
	[ "$(printf '%s\n' "$output" | grep -c "conventional, DMA alias of $bridge")" -eq 2 ]
}

@test "sriov: VFs point at their PF, and the PF lists them" {
	dir=$(snapshot sriov)
	run --separate-stderr pp --sysroot "$dir" list --json
	assert_success
	pf=$(echo "$output" | jq -r '.functions[] | select(.virtfns | length > 0) | .address')
	[ "$(echo "$output" | jq --arg pf "$pf" '[.functions[] | select(.physfn == $pf)] | length')" -eq 3 ]
	[ "$(echo "$output" | jq --arg pf "$pf" '.functions[] | select(.address == $pf) | .virtfns | length')" -eq 3 ]
}

@test "noiommu: no groups, and the host says the IOMMU is off" {
	dir=$(snapshot noiommu)
	run --separate-stderr pp --sysroot "$dir" list --json
	assert_success
	echo "$output" | jq -e '.host.iommu_enabled == false and .host.iommu_groups == 0'
	echo "$output" | jq -e '[.functions[].iommu_group] | all(. == null)'
}

@test "rootports: the host knows the kernel, the IOMMU and interrupt remapping" {
	dir=$(snapshot rootports)
	run --separate-stderr pp --sysroot "$dir" list --json
	assert_success
	echo "$output" | jq -e '.host.kernel == "6.1.0-57-amd64" and .host.iommu_enabled and .host.interrupt_remapping == true'
	[ "$(echo "$output" | jq '.host.iommu_groups')" -eq 9 ]
}

@test "-s and -d select exactly what lspci selects" {
	for s in rootports pcibridge sriov; do
		dir=$(snapshot "$s")
		for sel in "-s 00:1f" "-s .0" "-s 0000:01:00.0" "-d 8086:" "-d ::0200" "-d 1af4:" "-s 00: -d 8086:"; do
			want=$(lspci_on "$dir" -D $sel 2>/dev/null | awk '{print $1}')
			got=$(pp --sysroot "$dir" list --json $sel | jq -r '.functions[].address')
			[ "$want" = "$got" ] || { echo "$s $sel: lspci '$want' pcipass '$got'" >&2; return 1; }
		done
	done
}

@test "a malformed selector is a usage error in lspci's words" {
	dir=$(snapshot rootports)
	run --separate-stderr pp --sysroot "$dir" list -s 'zz:'
	assert_failure 2
	[[ "$stderr" == "pcipass: -s zz:: Invalid bus number"* ]]
	run --separate-stderr pp --sysroot "$dir" list -d 'xyz:'
	assert_failure 2
	[[ "$stderr" == "pcipass: -d xyz:: Invalid vendor ID"* ]]
}

@test "--json and --tree together are refused" {
	dir=$(snapshot rootports)
	run --separate-stderr pp --sysroot "$dir" list --json -t
	assert_failure 2
	[[ "$stderr" == "pcipass: --json and --tree: choose one"* ]]
}
