#!/usr/bin/env bats
# pcipass snapshot: recording this host (directory and tarball forms), as
# root and as nobody, and copying the real-kernel snapshots through
# --sysroot.  Replays are compared on list --json (whole documents), with
# host.sysroot dropped: it names where the tree was read from, nothing else.

setup() {
	load common
	# a directory of its own: bats keeps its stderr files in BATS_TEST_TMPDIR
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work" || return 1
}

# the JSON a replay must reproduce
# where it was read from differs by design: the path and the kind (sysfs, snapshot)
list_json() {
	pp "$@" list --json | jq -S 'del(.host.sysroot, .host.source)'
}

meta() { # meta DIR KEY
	sed -n "s/^$2=//p" "$1/META"
}

@test "snapshot -o DIR of this host replays with the same list --json as the host itself" {
	run --separate-stderr pp snapshot -o live
	assert_success
	[[ "$output" =~ ^live:\ [0-9]+\ attributes,\ [0-9]+\ kept\ empty,\ [0-9]+\ links$ ]]
	[ -d live/sys/bus/pci/devices ]
	diff -u <(list_json) <(list_json --sysroot live)
	assert_equal "$(ls live/sys/bus/pci/devices | sort)" "$(ls /sys/bus/pci/devices | sort)"
}

@test "META records tool, version, kernel, date, root and counts as key=value lines" {
	pp snapshot -o live >/dev/null
	assert_equal "$(meta live capture_tool)" "pcipass snapshot"
	assert_equal "$(meta live pcipass_version)" "$("$PCIPASS" --version | awk '{print $2}')"
	assert_equal "$(meta live kernel_release)" "$(uname -r)"
	assert_equal "$(meta live kernel_build)" "$(uname -v)"
	assert_equal "$(meta live arch)" "$(uname -m)"
	assert_equal "$(meta live root)" "yes"
	assert_equal "$(meta live source_root)" "/"
	assert_equal "$(meta live pci_functions)" "$(lspci -D | wc -l)"
	assert_equal "$(meta live iommu_groups)" "$(ls /sys/kernel/iommu_groups | wc -l)"
	assert_equal "$(meta live page_size)" "$(getconf PAGESIZE)"
	assert_equal "$(meta live config_space_limited)" "no"
	assert_equal "$(meta live unreadable)" "0"
	[[ "$(meta live capture_date)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	# every line is key=value
	run grep -vc '^[a-z_]*=' live/META
	assert_output "0"
	[ ! -e live/UNREADABLE ]
}

@test "the tarball holds the same tree as the directory, and both replay identically" {
	# live counters (runtime_active_time) move between two captures: copy
	# one capture into the other form instead of capturing twice
	pp snapshot -o dir >/dev/null
	run --separate-stderr pp --sysroot dir snapshot -o snap.tar.gz
	assert_success
	mkdir unpacked
	tar -xzf snap.tar.gz -C unpacked
	diff -r --no-dereference -x META dir unpacked
	diff -u <(list_json --sysroot dir) <(list_json --sysroot snap.tar.gz)
	# and the other way round: a tarball capture unpacked into a directory
	pp snapshot -o live.tar.gz >/dev/null
	pp --sysroot live.tar.gz snapshot -o fromtar >/dev/null
	mkdir live
	tar -xzf live.tar.gz -C live
	diff -r --no-dereference -x META live fromtar
	diff -u <(list_json --sysroot live.tar.gz) <(list_json --sysroot fromtar)
	# entries are root-owned with a fixed time: the same tree gives the same listing
	assert_equal "$(tar -tvzf snap.tar.gz | awk '{print $2, $4, $5}' | sort -u)" "0/0 1970-01-01 00:00"
}

@test "resourceN, rom and vpd are never opened, and are kept as empty files" {
	# a real-kernel tree whose BAR, ROM and VPD files hold data: opening
	# any of them would copy it (this build host itself may have none)
	src=$(snapshot rootports)
	cp -a "$src" planted
	n=0
	while IFS= read -r f; do
		printf 'must not be read\n' > "$f"
		n=$((n + 1))
	done < <(find planted/sys/devices -type f \( -name 'resource[0-9]*' -o -name rom -o -name vpd \))
	[ "$n" -ge 10 ]
	# (LeakSanitizer cannot run under ptrace: off for this one run of a sanitizer build)
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=open,openat,openat2 -o trace "$PCIPASS" --sysroot planted snapshot -o copy >/dev/null
	run grep -E '/(resource[0-9]+(_wc)?|rom|vpd)"' trace
	assert_failure 1
	# the trace is not empty for a wrong reason: ordinary attributes were opened
	grep -q 'sys/devices/pci[^"]*/config"' trace
	assert_equal "$(find copy/sys/devices -type f \( -name 'resource[0-9]*' -o -name rom -o -name vpd \) | wc -l)" "$n"
	assert_equal "$(find copy/sys/devices -type f \( -name 'resource[0-9]*' -o -name rom -o -name vpd \) -size +0 | wc -l)" "0"
	# the text "resource" file (BAR addresses, read by the model) is copied
	cmp planted/sys/devices/pci0000:00/0000:00:02.0/resource copy/sys/devices/pci0000:00/0000:00:02.0/resource
	[ -s copy/sys/devices/pci0000:00/0000:00:02.0/resource ]
}

@test "write-only attributes are kept as empty files: their presence is the evidence" {
	pp snapshot -o live >/dev/null
	n=0
	for d in /sys/bus/pci/devices/*; do
		real=$(readlink -f "$d")
		for a in remove rescan reset; do
			if [ -e "$real/$a" ]; then
				[ -f "live$real/$a" ] && [ ! -s "live$real/$a" ]
				n=$((n + 1))
			else
				[ ! -e "live$real/$a" ]
			fi
		done
	done
	[ "$n" -gt 0 ]
	[ -f live/sys/bus/pci/drivers_probe ] && [ ! -s live/sys/bus/pci/drivers_probe ]
	# a readable attribute keeps its content
	for d in /sys/bus/pci/devices/*; do
		real=$(readlink -f "$d")
		cmp "$real/vendor" "live$real/vendor"
		cmp "$real/class" "live$real/class"
	done
}

@test "as non-root the snapshot works, says root=no and lists each config space it could not read whole" {
	shared=$(mktemp -d /tmp/pcipass-nonroot.XXXXXX)
	chmod 0777 "$shared"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$PCIPASS" snapshot -o "$shared/nr"
	assert_success
	lines=$(wc -l < "$shared/nr/UNREADABLE")
	[[ "$output" =~ ^$shared/nr:\ [0-9]+\ attributes,\ [0-9]+\ kept\ empty,\ [0-9]+\ links\;\ $lines\ could\ not\ be\ read\ \(listed\ in\ UNREADABLE\)$ ]]
	assert_equal "$(meta "$shared/nr" root)" "no (uid 65534)"
	assert_equal "$(meta "$shared/nr" unreadable)" "$lines"
	assert_equal "$(meta "$shared/nr" config_space_limited)" "yes"
	# each function's config space is named, with the reason
	for d in /sys/bus/pci/devices/*; do
		line=$(printf '%s\tconfig space beyond 64 bytes needs root' "$(readlink -f "$d/config" | cut -c2-)")
		grep -qxF "$line" "$shared/nr/UNREADABLE"
		[ "$(stat -c %s "$shared/nr/$(readlink -f "$d/config")")" -eq 64 ]
	done
	# the replay knows it is looking at a non-root capture
	run --separate-stderr pp --sysroot "$shared/nr" list --json
	echo "$output" | jq -e '.host.config_space_limited == true'
	rm -rf "$shared"
}

@test "every real-kernel snapshot copied through --sysroot is the same tree and replays the same" {
	n=0
	for tarball in "$SNAPSHOTS"/*.tar.gz; do
		s=$(basename "$tarball" .tar.gz)
		src=$(snapshot "$s")
		run --separate-stderr pp --sysroot "$tarball" snapshot -o "copy-$s"
		assert_success
		diff -r --no-dereference -x META -x page_size -x UNREADABLE "$src" "copy-$s"
		diff -u <(list_json --sysroot "$src") <(list_json --sysroot "copy-$s")
		assert_equal "$(meta "copy-$s" source_root)" "$tarball"
		assert_equal "$(meta "copy-$s" copied_from_tool)" "$(meta "$src" capture_tool)"
		assert_equal "$(meta "copy-$s" root)" "$(meta "$src" root)"
		assert_equal "$(meta "copy-$s" kernel_release)" "$(cat "$src/proc/sys/kernel/osrelease")"
		assert_equal "$(meta "copy-$s" pci_functions)" "$(ls "$src/sys/bus/pci/devices" | wc -l)"
		# the original's own lines survive
		assert_equal "$(meta "copy-$s" note)" "$(meta "$src" note)"
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "without -o the snapshot is a dated tarball in the current directory" {
	run --separate-stderr pp snapshot
	assert_success
	f=$(ls pcipass-snapshot-*.tar.gz)
	[[ "$f" =~ ^pcipass-snapshot-[0-9]{8}-[0-9]{6}\.tar\.gz$ ]]
	[[ "$output" == "$f: "* ]]
	tar -tzf "$f" META sys/bus/pci/devices >/dev/null
}

@test "-o onto a non-empty directory is refused and nothing is written" {
	mkdir full
	echo keep > full/file
	run --separate-stderr pp snapshot -o full
	assert_failure 2
	assert_equal "$stderr" "pcipass: full: exists and is not an empty directory"
	assert_equal "$(ls -A full)" "file"
	assert_equal "$(ls -A)" "full"
}

@test "-o onto an empty directory fills it; onto an existing tarball only with --force" {
	mkdir empty
	run --separate-stderr pp snapshot -o empty
	assert_success
	[ -f empty/META ] && [ -d empty/sys/bus/pci/devices ]
	echo old > old.tar.gz
	run --separate-stderr pp snapshot -o old.tar.gz
	assert_failure 2
	assert_equal "$stderr" "pcipass: old.tar.gz: exists; use --force to replace it"
	assert_equal "$(cat old.tar.gz)" old
	run --separate-stderr pp snapshot --force -o old.tar.gz
	assert_success
	tar -tzf old.tar.gz META >/dev/null
	# no temporaries left next to them
	assert_equal "$(ls -A | sort)" "$(printf 'empty\nold.tar.gz')"
}

@test "-o in a directory that does not exist is an error, exit 2" {
	run --separate-stderr pp snapshot -o nowhere/snap.tar.gz
	assert_failure 2
	assert_equal "$stderr" "pcipass: nowhere/snap.tar.gz: cannot create a file next to it: No such file or directory"
	run --separate-stderr pp snapshot -o nowhere/dir
	assert_failure 2
	assert_equal "$stderr" "pcipass: nowhere/dir: cannot create a directory next to it: No such file or directory"
	assert_equal "$(ls -A)" ""
}

@test "snapshot takes no arguments" {
	run --separate-stderr pp snapshot 0000:00:00.0
	assert_failure 2
	assert_equal "$(head -1 <<<"$stderr")" "pcipass: snapshot: too many arguments"
}
