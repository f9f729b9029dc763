#!/usr/bin/env bats
# Hostile snapshots: copies of the real sriov capture with one fault each,
# made at test time by tests/sysfs-snapshots/hostile/make-hostile.sh (see the
# README there).  On every tree, every command must end with 0, 1 or 2, say
# why on stderr when it stops, keep reporting the healthy functions exactly
# as in the intact capture, and never touch a path outside the tree: each
# command runs under strace, and no file syscall may name the canary beside
# the tree, a sibling tree, or open anything in the tree for writing.

# Functions no fault touches: they must read as in the intact capture.
HEALTHY="0000:00:00.0 0000:00:01.0 0000:00:03.0 0000:00:1f.0 0000:00:1f.2 0000:00:1f.3"
NIC=0000:01:00.0
PF=0000:02:00.0
VF=0000:02:00.1

# Every command, with arguments; @OUT@ becomes a fresh output directory.
COMMANDS=(
	"list" "list --json" "list -t" "list -nn"
	"explain --all" "explain --all --json"
	"explain $NIC" "explain --json $NIC" "explain $PF" "explain $VF" "explain $NIC $PF"
	"explain --libvirt-xml $PF" "explain --qemu-args $NIC"
	"unbind --dry-run $NIC" "reset --dry-run $NIC" "rebind --dry-run $NIC"
	"unbind --dry-run $VF" "reset --dry-run $PF"
	"snapshot -o @OUT@/snap" "report -o @OUT@/report"
)

setup_file() {
	load common
	export HOSTILE=$BATS_FILE_TMPDIR/hostile
	"$TOP_SRCDIR/tests/sysfs-snapshots/hostile/make-hostile.sh" "$SNAPSHOTS/sriov.tar.gz" "$HOSTILE" >/dev/null
	"$PCIPASS" --sysroot "$HOSTILE/base" list --json >"$BATS_FILE_TMPDIR/base.json"
	"$PCIPASS" --sysroot "$HOSTILE/base" list >"$BATS_FILE_TMPDIR/base.txt"
}

setup() {
	load common
}

# trace_violations TRACE TREE: read an `strace -f -y` log and print every
# syscall that names a path under $HOSTILE outside TREE (after joining
# dirfd paths and folding "." and ".." by hand; looking up the directories
# above TREE is how one gets there and is allowed), that opened a file there
# whose real path lies outside TREE, or that opened something under
# $HOSTILE for writing.  Prints "nothing inside" when no syscall touched
# TREE at all (a trace that proves nothing).
trace_violations() {
	perl -e '
		my ($hostile, $tree, $cwd) = @ARGV;
		my $inside = 0;
		sub fold {
			my @out;
			for my $c (split m{/}, $_[0]) {
				next if $c eq "" || $c eq ".";
				if ($c eq "..") { pop @out } else { push @out, $c }
			}
			return "/" . join("/", @out);
		}
		sub under { my ($p, $dir) = @_; return index("$p/", "$dir/") == 0 }
		while (my $line = <STDIN>) {
			chomp $line;
			(my $call = $line) =~ s/^\d+\s+//;
			next unless $call =~ /^(\w+)\((.*)$/;
			my ($name, $args) = ($1, $2);
			my ($base, $path);
			if ($args =~ /^(?:AT_FDCWD|-?\d+<((?:[^>\\]|\\.)*)>), "((?:[^"\\]|\\.)*)"/) {
				($base, $path) = (defined $1 ? $1 : $cwd, $2);
			} elsif ($args =~ /^"((?:[^"\\]|\\.)*)"/) {
				($base, $path) = ($cwd, $1);
			} else {
				next;
			}
			my @paths = (fold($path =~ m{^/} ? $path : "$base/$path"));
			# what the kernel really opened, links followed
			push @paths, $1 if $name =~ /^open/ && $line =~ /= \d+<([^>]*)>\s*$/;
			my $writes = $name =~ /^open/ && $args =~ /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/;
			for my $p (@paths) {
				next unless under($p, $hostile);
				# the directories above the tree are on the way to it (realpath)
				next if !under($p, $tree) && under($tree, $p) && $name =~ /^(readlink|newfstatat|statx|stat|lstat)$/;
				if (!under($p, $tree)) { print "outside the tree: $line\n" }
				elsif ($writes) { print "writes into the snapshot: $line\n" }
				else { $inside++ }
			}
		}
		print "nothing inside $tree\n" unless $inside;
	' "$HOSTILE" "$2" "$PWD" <"$1"
}

# every_command TREE: run each of COMMANDS on $HOSTILE/TREE under strace.
# Each must exit 0, 1 or 2 within a minute; exit 2 must come with a
# "pcipass: <what>: <why>" line; stderr may hold no sanitizer report or
# crash message; the trace must be clean.
every_command() {
	local tree=$HOSTILE/$1 dir=$BATS_TEST_TMPDIR/cmds cmd rc n=0 bad
	mkdir -p "$dir"
	for cmd in "${COMMANDS[@]}"; do
		n=$((n + 1))
		mkdir -p "$dir/$n"
		rc=0
		# LeakSanitizer cannot run under ptrace; the sanitizer run checks leaks without strace.
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			timeout 60 strace --seccomp-bpf -f -qq -y -s 4096 -e trace=%file -o "$dir/$n/trace" \
			"$PCIPASS" --sysroot "$tree" ${cmd//@OUT@/$dir/$n} >"$dir/$n/stdout" 2>"$dir/$n/stderr" || rc=$?
		case $rc in
		0 | 1 | 2) ;;
		*)
			echo "pcipass --sysroot $1 $cmd: exit $rc" >&2
			cat "$dir/$n/stderr" >&2
			return 1
			;;
		esac
		if [ "$rc" -eq 2 ] && ! head -n 1 "$dir/$n/stderr" | grep -q '^pcipass: .'; then
			echo "pcipass --sysroot $1 $cmd: exit 2 without saying why" >&2
			return 1
		fi
		bad=$(grep -E -e '^==[0-9]+==' -e 'runtime error:' -e 'Sanitizer' -e 'Segmentation fault|Aborted|core dumped' \
			"$dir/$n/stderr" || true)
		if [ -n "$bad" ]; then
			echo "pcipass --sysroot $1 $cmd: sanitizer or crash report:" >&2
			printf '%s\n' "$bad" | head -n 20 >&2
			return 1
		fi
		bad=$(trace_violations "$dir/$n/trace" "$tree")
		if [ -n "$bad" ]; then
			echo "pcipass --sysroot $1 $cmd:" >&2
			printf '%s\n' "$bad" | head -n 20 >&2
			return 1
		fi
	done
	[ "$n" -eq "${#COMMANDS[@]}" ]
}

# fn_json TREE BDF: that function's object in `list --json`, keys sorted.
fn_json() {
	"$PCIPASS" --sysroot "$HOSTILE/$1" list --json 2>/dev/null |
		jq -S -c --arg a "$2" '.functions[] | select(.address == $a)'
}

# healthy_unchanged TREE [BDF...]: HEALTHY and the BDFs given read exactly
# as in the intact capture, in `list --json` and in the `list` table.
healthy_unchanged() {
	local tree=$1 bdf want got
	shift
	"$PCIPASS" --sysroot "$HOSTILE/$tree" list --json 2>/dev/null >"$BATS_TEST_TMPDIR/list.json"
	"$PCIPASS" --sysroot "$HOSTILE/$tree" list 2>/dev/null >"$BATS_TEST_TMPDIR/list.txt"
	for bdf in $HEALTHY "$@"; do
		# (.reset.reset_set names the neighbours on the bus, which a tree
		# that lost one of them rightly names differently)
		want=$(jq -S -c --arg a "$bdf" '.functions[] | select(.address == $a) | del(.reset.reset_set)' "$BATS_FILE_TMPDIR/base.json")
		got=$(jq -S -c --arg a "$bdf" '.functions[] | select(.address == $a) | del(.reset.reset_set)' "$BATS_TEST_TMPDIR/list.json")
		[ -n "$want" ]
		assert_equal "$got" "$want"
		want=$(grep "^$bdf " "$BATS_FILE_TMPDIR/base.txt" | tr -s ' ')
		got=$(grep "^$bdf " "$BATS_TEST_TMPDIR/list.txt" | tr -s ' ')
		[ -n "$want" ]
		assert_equal "$got" "$want"
	done
}

# field TREE BDF JQ: one value of that function in `list --json`, compact.
field() {
	fn_json "$1" "$2" | jq -c "$3"
}

@test "the intact capture passes the same checks (the harness itself)" {
	every_command base
	healthy_unchanged base "$NIC" "$PF" "$VF"
	run field base "$NIC" '[.driver, .iommu_group, .unreadable]'
	assert_output '["virtio-pci",5,[]]'
	run field base "$VF" '.physfn'
	assert_output '"0000:02:00.0"'
}

@test "the trace check catches a read outside the tree" {
	# A plain reader following the planted link, to prove the check can fail.
	strace --seccomp-bpf -f -qq -y -s 4096 -e trace=%file -o "$BATS_TEST_TMPDIR/trace" \
		cat "$HOSTILE/outside-absolute/proc/cmdline" >/dev/null
	run trace_violations "$BATS_TEST_TMPDIR/trace" "$HOSTILE/outside-absolute"
	assert_output --partial "outside the tree: "
	assert_output --partial "/canary/cmdline"
}

@test "config cut to 10 bytes: ids from the sysfs attributes, config unreadable" {
	every_command config-truncated
	healthy_unchanged config-truncated "$PF" "$VF"
	run field config-truncated "$NIC" '[.vendor_id, .device_id, .class, .driver, .iommu_group, .flr, .unreadable]'
	assert_output '["1af4","1041","0200","virtio-pci",5,null,["config"]]'
}

@test "config missing: ids from the sysfs attributes, config unreadable" {
	every_command config-missing
	healthy_unchanged config-missing "$PF" "$VF"
	run field config-missing "$NIC" '[.vendor_id, .device_id, .class, .driver, .iommu_group, .flr, .unreadable]'
	assert_output '["1af4","1041","0200","virtio-pci",5,null,["config"]]'
}

@test "random config: the function stays, with its sysfs driver, group, resets and BARs" {
	every_command config-random
	healthy_unchanged config-random "$PF" "$VF"
	run field config-random "$NIC" '[.driver, .iommu_group, .reset_methods, (.bars | length)]'
	assert_output '["virtio-pci",5,["flr","pm","bus"],3]'
}

@test "1 MiB config: only the first 4 KiB count, the function reads as intact" {
	every_command config-1mib
	healthy_unchanged config-1mib "$NIC" "$PF" "$VF"
}

@test "garbage resource file: no BARs, resource unreadable" {
	every_command resource-garbage
	healthy_unchanged resource-garbage "$PF" "$VF"
	run field resource-garbage "$NIC" '[.bars, .unreadable, .driver, .iommu_group]'
	assert_output '[[],["resource"],"virtio-pci",5]'
}

@test "inverted resource ranges: no BARs, resource unreadable" {
	every_command resource-inverted
	healthy_unchanged resource-inverted "$PF" "$VF"
	run field resource-inverted "$NIC" '[.bars, .unreadable, .driver, .iommu_group]'
	assert_output '[[],["resource"],"virtio-pci",5]'
}

@test "empty vendor attribute: config space has the ids, nothing changes" {
	every_command vendor-empty
	healthy_unchanged vendor-empty "$NIC" "$PF" "$VF"
}

@test "garbage class attribute: config space has the class, nothing changes" {
	every_command class-garbage
	healthy_unchanged class-garbage "$NIC" "$PF" "$VF"
}

@test "20 KiB reset_method: no methods taken from it, reset_method unreadable" {
	every_command reset-method-20k
	healthy_unchanged reset-method-20k "$PF" "$VF"
	run field reset-method-20k "$NIC" '[.reset_methods, .reset_file, .unreadable]'
	assert_output '[[],true,["reset_method"]]'
	run pp --sysroot "$HOSTILE/reset-method-20k" list -s 01:00.0
	assert_success
	assert_line --index 2 --regexp '^0000:01:00.0 .* virtio-pci +5 - '
}

@test "dangling iommu_group link: no group, iommu_group unreadable" {
	every_command group-dangling
	healthy_unchanged group-dangling "$PF" "$VF"
	run field group-dangling "$NIC" '[.iommu_group, .unreadable, .driver]'
	assert_output '[null,["iommu_group"],"virtio-pci"]'
}

@test "iommu_group link to a non-numeric group: no group, iommu_group unreadable" {
	every_command group-nonnumeric
	healthy_unchanged group-nonnumeric "$PF" "$VF"
	run field group-nonnumeric "$NIC" '[.iommu_group, .unreadable, .driver]'
	assert_output '[null,["iommu_group"],"virtio-pci"]'
}

@test "looping iommu_group link: no group, iommu_group unreadable" {
	every_command group-loop
	healthy_unchanged group-loop "$PF" "$VF"
	run field group-loop "$NIC" '[.iommu_group, .unreadable, .driver]'
	assert_output '[null,["iommu_group"],"virtio-pci"]'
}

@test "dangling driver link: no driver, driver unreadable" {
	every_command driver-dangling
	healthy_unchanged driver-dangling "$PF" "$VF"
	run field driver-dangling "$NIC" '[.driver, .unreadable, .iommu_group]'
	assert_output '[null,["driver"],5]'
}

@test "looping driver link: no driver, driver unreadable" {
	every_command driver-loop
	healthy_unchanged driver-loop "$PF" "$VF"
	run field driver-loop "$NIC" '[.driver, .unreadable, .iommu_group]'
	assert_output '[null,["driver"],5]'
}

@test "a driver link whose name is no driver name is shown, and unbind refuses to use it in a path" {
	every_command driver-nonname
	healthy_unchanged driver-nonname "$PF" "$VF"
	run field driver-nonname "$NIC" '.driver'
	assert_output '"virtio pci;rm -rf"'
	run --separate-stderr pp --sysroot "$HOSTILE/driver-nonname" unbind --dry-run "$NIC"
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" "pcipass: 0000:01:00.0: its driver link names 'virtio pci;rm -rf', not a driver"
}

@test "dangling physfn link: the VF is not tied to a PF, physfn unreadable" {
	every_command physfn-dangling
	healthy_unchanged physfn-dangling
	run field physfn-dangling "$VF" '[.physfn, .unreadable, .iommu_group]'
	assert_output '[null,["physfn"],7]'
	run field physfn-dangling "$PF" '.virtfns'
	assert_output '["0000:02:00.2","0000:02:00.3"]'
}

@test "physfn link to a directory that is no BDF: physfn unreadable" {
	every_command physfn-nonbdf
	healthy_unchanged physfn-nonbdf
	run field physfn-nonbdf "$VF" '[.physfn, .unreadable, .iommu_group]'
	assert_output '[null,["physfn"],7]'
	run field physfn-nonbdf "$PF" '.virtfns'
	assert_output '["0000:02:00.2","0000:02:00.3"]'
}

@test "looping physfn link: physfn unreadable" {
	every_command physfn-loop
	healthy_unchanged physfn-loop
	run field physfn-loop "$VF" '[.physfn, .unreadable, .iommu_group]'
	assert_output '[null,["physfn"],7]'
}

# outside_links TREE: what both kinds of escaping link must give.
outside_links() {
	every_command "$1"
	# the root port 00:03.0 is left out: its findings name the skipped 02:00.2
	HEALTHY=${HEALTHY/0000:00:03.0/} healthy_unchanged "$1" "$VF"
	run --separate-stderr pp --sysroot "$HOSTILE/$1" list --json
	assert_success
	assert_equal "$stderr" "pcipass: sys/bus/pci/devices/0000:02:00.2: link leaves the root, skipped"
	echo "$output" | jq -e '[.functions[].address] | index("0000:02:00.2") == null'
	echo "$output" | jq -e '.functions | length == 11'
	echo "$output" | jq -e '.host.cmdline == null'
	run field "$1" "$NIC" '[.driver, .iommu_group, .unreadable]'
	assert_output '[null,null,["driver","iommu_group"]]'
	run field "$1" 0000:02:00.3 '.unreadable'
	assert_output '["config"]'
}

@test "absolute links out of the tree are refused, never followed" {
	outside_links outside-absolute
}

@test "relative links climbing out of the tree are refused, never followed" {
	outside_links outside-relative
}

@test "entries of sys/bus/pci/devices that are no BDF are skipped with a warning" {
	every_command devices-entry-not-bdf
	healthy_unchanged devices-entry-not-bdf "$NIC" "$PF" "$VF"
	run --separate-stderr pp --sysroot "$HOSTILE/devices-entry-not-bdf" list
	assert_success
	assert_equal "$stderr" "pcipass: sys/bus/pci/devices/eth0: not a PCI address, skipped
pcipass: sys/bus/pci/devices/not-a-bdf: not a PCI address, skipped"
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 14 # the host line, the headings, 12 functions
}

@test "a function directory not named by its BDF still gives the function, with its parent" {
	every_command dir-not-bdf
	healthy_unchanged dir-not-bdf "$PF" "$VF"
	run field dir-not-bdf "$NIC" '[.vendor_id, .driver, .iommu_group, .parent, .reset_methods]'
	assert_output '["1af4","virtio-pci",5,"0000:00:02.0",["flr","pm","bus"]]'
}

@test "no sys/bus/pci/devices: every command stops with one line naming the path, exit 2" {
	every_command no-devices
	local cmd
	for cmd in "list" "list --json" "explain --all" "explain $NIC" "unbind --dry-run $NIC" "snapshot -o $BATS_TEST_TMPDIR/s"; do
		run --separate-stderr pp --sysroot "$HOSTILE/no-devices" $cmd
		assert_failure 2
		assert_output ''
		assert_equal "$stderr" "pcipass: $HOSTILE/no-devices/sys/bus/pci/devices: not a sysfs tree (No such file or directory)"
	done
	# report says the same first, then which of its parts failed
	run --separate-stderr pp --sysroot "$HOSTILE/no-devices" report -o "$BATS_TEST_TMPDIR/r"
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "pcipass: $HOSTILE/no-devices/sys/bus/pci/devices: not a sysfs tree (No such file or directory)"
}

@test "5000 empty IOMMU groups change nothing" {
	every_command many-groups
	healthy_unchanged many-groups "$NIC" "$PF" "$VF"
	run --separate-stderr pp --sysroot "$HOSTILE/many-groups" list --json
	assert_success
	echo "$output" | jq -e '.host.iommu_enabled == true and .host.iommu_groups == 10'
}

@test "1 MiB kernel command line: the first 64 KiB are kept, the IOMMU state is intact" {
	every_command cmdline-1mib
	healthy_unchanged cmdline-1mib "$NIC" "$PF" "$VF"
	run --separate-stderr pp --sysroot "$HOSTILE/cmdline-1mib" list --json
	assert_success
	echo "$output" | jq -e '.host.cmdline | length == 65536'
	echo "$output" | jq -e '.host.cmdline | startswith("console=ttyS0 panic=-1 oops=panic intel_iommu=on pcipass.topology=sriov quiet quiet")'
	echo "$output" | jq -e '.host.iommu_enabled == true and .host.interrupt_remapping == true'
}

@test "the escaping trees packed as tarballs are refused whole, exit 2" {
	local t
	for t in outside-absolute outside-relative; do
		tar -czf "$BATS_TEST_TMPDIR/$t.tar.gz" -C "$HOSTILE/$t" sys proc
		run --separate-stderr pp --sysroot "$BATS_TEST_TMPDIR/$t.tar.gz" list
		assert_failure 2
		assert_output ''
		[[ "$stderr" == "pcipass: $BATS_TEST_TMPDIR/$t.tar.gz: entry '"*"': link to '"*"' leaves the tree, refused" ]]
	done
}
