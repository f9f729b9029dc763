#!/usr/bin/env bats
# --sysroot FILE.tar.gz: the real-kernel tarballs replay as their unpacked
# directories do; hostile or broken tarballs are refused with one clear
# line, exit 2, nothing written outside the private unpack directory, and
# that directory gone afterwards.

setup() {
	load common
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work" || return 1
	# pcipass unpacks under $TMPDIR: a fresh one per test, to see it left empty
	export TMPDIR=$BATS_TEST_TMPDIR/unpack
	mkdir -p "$TMPDIR"
}

# mktar NAME 'kind|path[|arg]'...: a gzip'd tar with exactly these entries.
# kinds: dir, file (arg: bytes of data, zeros), text (arg: content), sym and
# hard (arg: link target), chr, fifo.  sys/bus/pci/devices comes first.
mktar() {
	python3 - "$@" <<'EOF'
import io, sys, tarfile
name, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(name, 'w:gz', format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo('sys/bus/pci/devices'); d.type = tarfile.DIRTYPE; d.mode = 0o755
    t.addfile(d)
    for spec in specs:
        kind, path, arg = (spec.split('|', 2) + [''])[:3]
        ti = tarfile.TarInfo(path)
        data = b''
        if kind == 'dir': ti.type = tarfile.DIRTYPE
        elif kind == 'file': data = b'\0' * int(arg)
        elif kind == 'text': data = arg.encode()
        elif kind == 'sym': ti.type, ti.linkname = tarfile.SYMTYPE, arg
        elif kind == 'hard': ti.type, ti.linkname = tarfile.LNKTYPE, arg
        elif kind == 'chr': ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
        elif kind == 'fifo': ti.type = tarfile.FIFOTYPE
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data else None)
EOF
}

# refused FILE MESSAGE: exit 2, exactly that one line, nothing left behind.
refused() {
	run --separate-stderr pp --sysroot "$1" list
	assert_failure 2
	assert_equal "$stderr" "$2"
	assert_output ""
	assert_equal "$(ls -A "$TMPDIR")" ""
}

@test "each real-kernel tarball replays exactly as its unpacked directory" {
	n=0
	for tarball in "$SNAPSHOTS"/*.tar.gz; do
		dir=$(snapshot "$(basename "$tarball" .tar.gz)")
		diff -u <(pp --sysroot "$dir" list --json | jq -S 'del(.host.sysroot)') \
			<(pp --sysroot "$tarball" list --json | jq -S 'del(.host.sysroot)')
		diff -u <(pp --sysroot "$dir" list -t) <(pp --sysroot "$tarball" list -t)
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
	assert_equal "$(ls -A "$TMPDIR")" ""
}

@test "a tarball wrapping the tree in one directory is accepted" {
	mkdir -p wrap
	tar -xzf "$SNAPSHOTS/rootports.tar.gz" -C wrap
	mv wrap customer-host
	tar -czf wrapped.tar.gz customer-host
	diff -u <(pp --sysroot customer-host list --json | jq -S 'del(.host.sysroot)') \
		<(pp --sysroot wrapped.tar.gz list --json | jq -S 'del(.host.sysroot)')
}

@test "absolute paths are refused" {
	mktar abs.tar.gz "text|/tmp/pcipass-evil-$BATS_TEST_NUMBER|x"
	refused abs.tar.gz "pcipass: abs.tar.gz: entry '/tmp/pcipass-evil-$BATS_TEST_NUMBER': absolute path, refused"
	[ ! -e "/tmp/pcipass-evil-$BATS_TEST_NUMBER" ]
}

@test ".. components are refused, at the start or in the middle" {
	mktar up.tar.gz "text|../evil|x"
	refused up.tar.gz "pcipass: up.tar.gz: entry '../evil': '..' in the path, refused"
	mktar mid.tar.gz "text|sys/../../evil|x"
	refused mid.tar.gz "pcipass: mid.tar.gz: entry 'sys/../../evil': '..' in the path, refused"
	[ ! -e "$BATS_TEST_TMPDIR/evil" ] && [ ! -e "$TMPDIR/../evil" ]
}

@test "hard links, device nodes and FIFOs are refused" {
	mktar hard.tar.gz "text|sys/a|x" "hard|sys/h|sys/a"
	refused hard.tar.gz "pcipass: hard.tar.gz: entry 'sys/h': hard link, refused"
	mktar chr.tar.gz "chr|sys/null"
	refused chr.tar.gz "pcipass: chr.tar.gz: entry 'sys/null': device node, refused"
	mktar fifo.tar.gz "fifo|sys/fifo"
	refused fifo.tar.gz "pcipass: fifo.tar.gz: entry 'sys/fifo': FIFO, refused"
}

@test "symlinks whose target leaves the tree are refused: absolute, climbing, or chained" {
	mktar abs.tar.gz "sym|sys/x|/etc/passwd"
	refused abs.tar.gz "pcipass: abs.tar.gz: entry 'sys/x': link to '/etc/passwd' leaves the tree, refused"
	mktar climb.tar.gz "sym|sys/bus/x|../../../etc"
	refused climb.tar.gz "pcipass: climb.tar.gz: entry 'sys/bus/x': link to '../../../etc' leaves the tree, refused"
	# each link alone stays inside; followed one through the other they climb out
	mktar chain.tar.gz "sym|sys/d|.." "sym|sys/l|d/.."
	refused chain.tar.gz "pcipass: chain.tar.gz: entry 'sys/l': link leaves the tree, refused"
	# a link to a sibling inside the tree is fine (sysfs is full of them)
	mktar fine.tar.gz "dir|sys/devices/pci0000:00/0000:00:01.0" \
		"text|sys/devices/pci0000:00/0000:00:01.0/vendor|0x1af4" \
		"sym|sys/bus/pci/devices/0000:00:01.0|../../../devices/pci0000:00/0000:00:01.0"
	run --separate-stderr pp --sysroot fine.tar.gz list --json
	assert_success
	assert_equal "$(jq -r '.functions[].address' <<<"$output")" "0000:00:01.0"
}

@test "nothing is written through a symlink entry" {
	mktar through.tar.gz "sym|sys/l|../proc" "text|sys/l/x|x"
	refused through.tar.gz "pcipass: through.tar.gz: entry 'sys/l/x': lies below a symlink or a file, refused"
	mktar twice.tar.gz "text|sys/a|x" "text|sys/a|y"
	refused twice.tar.gz "pcipass: twice.tar.gz: entry 'sys/a': conflicts with an entry before it, refused"
}

@test "an oversized entry is refused before it is unpacked" {
	mktar big.tar.gz "file|sys/big|$((16 * 1024 * 1024 + 1))"
	refused big.tar.gz "pcipass: big.tar.gz: entry 'sys/big': oversized entry (over 16 MiB), refused"
	# exactly the limit is fine (then the tree is simply not a snapshot)
	mktar limit.tar.gz "file|sys/limit|$((16 * 1024 * 1024))"
	run --separate-stderr pp --sysroot limit.tar.gz list --json
	assert_success
	assert_equal "$(jq '.functions | length' <<<"$output")" "0"
}

@test "truncated, corrupt, empty and non-snapshot tarballs are refused" {
	head -c 20000 "$SNAPSHOTS/rootports.tar.gz" > trunc.tar.gz
	refused trunc.tar.gz "pcipass: trunc.tar.gz: corrupt or truncated tarball (truncated gzip input)"
	# a tar cut in the middle of an entry, uncompressed
	# (libarchive words it by where the cut falls: in a header or in data)
	gzip -dc "$SNAPSHOTS/rootports.tar.gz" | head -c 100000 > cut.tar
	run --separate-stderr pp --sysroot cut.tar list
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" =~ ^"pcipass: cut.tar: corrupt or truncated tarball (Truncated "(tar archive|input file).*\)$ ]]
	printf 'this is not a tarball\n' > junk.tar.gz
	refused junk.tar.gz "pcipass: junk.tar.gz: not a snapshot tarball (Unrecognized archive format)"
	: > empty.tar.gz
	refused empty.tar.gz "pcipass: empty.tar.gz: not a snapshot tarball (Unrecognized archive format)"
	python3 -c 'import tarfile; tarfile.open("other.tar.gz", "w:gz").close()'
	refused other.tar.gz "pcipass: other.tar.gz: no sys/bus/pci/devices inside: not a pcipass snapshot"
}

@test "the unpack directory is removed when pcipass is killed by SIGPIPE" {
	pp --sysroot "$SNAPSHOTS/sriov.tar.gz" list --json | true
	assert_equal "${PIPESTATUS[0]}" "141"
	assert_equal "$(ls -A "$TMPDIR")" ""
}

@test "a tarball replay names the tarball, and its unpack directory under TMPDIR is gone after the run" {
	# LeakSanitizer cannot run under ptrace: off here, for sanitizer builds
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -e trace=mkdir -o "$BATS_TEST_TMPDIR/trace" "$PCIPASS" --sysroot "$SNAPSHOTS/rootports.tar.gz" list --json
	assert_success
	assert_equal "$(jq -r .host.sysroot <<<"$output")" "$SNAPSHOTS/rootports.tar.gz"
	grep -q "mkdir(\"$TMPDIR/pcipass-sysroot\." "$BATS_TEST_TMPDIR/trace"
	assert_equal "$(ls -A "$TMPDIR")" ""
}

@test "every command takes a tarball sysroot; mutations in --dry-run, refused without it" {
	t=$SNAPSHOTS/vfio.tar.gz
	for args in "list" "list -t" "list --json" "explain --all" "explain --json 03:00.0" \
		"why 03:00.0" "slots" "unbind --dry-run 02:00.0" "reset --dry-run 03:00.0" "rebind --dry-run --all"; do
		# shellcheck disable=SC2086 # args's words are meant to split
		run --separate-stderr pp --sysroot "$t" $args
		[ "$status" -le 1 ] || fail "$args: exit $status: $stderr"
		[ -n "$output" ] || fail "$args: no output"
	done
	run --separate-stderr pp --sysroot "$t" reset --dry-run 03:00.0
	assert_success
	assert_line --index -1 "# 0000:03:00.0: reset by flr (dry run: nothing written)"
	run --separate-stderr pp --sysroot "$t" snapshot -o "$BATS_TEST_TMPDIR/copy"
	assert_success
	run --separate-stderr pp --sysroot "$t" report -o "$BATS_TEST_TMPDIR/report"
	assert_success
	for args in "unbind 02:00.0" "reset 03:00.0" "rebind --all"; do
		# shellcheck disable=SC2086
		run --separate-stderr pp --sysroot "$t" $args
		assert_failure 2
		[ -z "$output" ]
		[ "$stderr" = "pcipass: ${args%% *}: $t: a snapshot tarball is read-only; use --dry-run, or unpack it to a directory
Try 'pcipass --help'." ]
	done
}
