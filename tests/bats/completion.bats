#!/usr/bin/env bats
# The bash and zsh completions, driven the way the shells drive them, with
# the built pcipass first in PATH and the real-kernel snapshots as hosts.

setup_file() {
	load common
	mkdir -p "$BATS_FILE_TMPDIR/bin"
	ln -sf "$PCIPASS" "$BATS_FILE_TMPDIR/bin/pcipass"
}

setup() {
	load common
	load cli-tables
	BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
	[ -f "$BASH_COMPLETION" ] || fail "bash-completion is not installed ($BASH_COMPLETION)"
	COMPLETION=$TOP_SRCDIR/completions/pcipass.bash
	PATH=$BATS_FILE_TMPDIR/bin:$PATH
}

# complete_bash LINE: what bash completion offers for the last word of LINE,
# sorted, one per line.  The line is split into COMP_WORDS as readline splits
# it: at blanks, with ':' and '=' (in COMP_WORDBREAKS) as words of their own.
complete_bash() {
	bash --norc --noprofile -c '
		. "$1" || exit 3
		. "$2" || exit 3
		line=$3 words=() cur= c=
		for ((i = 0; i < ${#line}; i++)); do
			c=${line:i:1}
			if [[ $c == " " ]]; then
				[[ $cur ]] && words+=("$cur")
				cur=
			elif [[ $c == [:=] ]]; then
				[[ $cur ]] && words+=("$cur")
				words+=("$c")
				cur=
			else
				cur+=$c
			fi
		done
		words+=("$cur")
		COMP_WORDS=("${words[@]}")
		COMP_CWORD=$((${#words[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		COMPREPLY=()
		_pcipass pcipass "${words[COMP_CWORD]}" "${words[COMP_CWORD - 1]}"
		((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort
		exit 0' _ "$BASH_COMPLETION" "$COMPLETION" "$1"
}

# The commands whose usage takes PCI addresses: "NAME ARGS" lines.
bdf_commands() {
	code_commands | awk -F '\t' '$4 ~ /BDF/ { print $1 "\t" $4 }'
}

@test "sourcing the bash completion registers it for pcipass" {
	run bash --norc --noprofile -c '. "$1"; . "$2"; complete -p pcipass' _ "$BASH_COMPLETION" "$COMPLETION"
	assert_success
	assert_output "complete -F _pcipass pcipass"
}

@test "bash: a partial command completes to the commands of the command table" {
	run complete_bash "pcipass li"
	assert_success
	assert_output "list"
	run complete_bash "pcipass "
	assert_output "$(code_commands | cut -f1 | LC_ALL=C sort)"
	# global options and their arguments before the command are skipped
	run complete_bash "pcipass -v --sysroot /tmp l"
	assert_output "list"
	run complete_bash "pcipass --sysroot=/tmp l"
	assert_output "list"
}

@test "bash: each command offers exactly its own options and the global ones" {
	local name n=0
	for name in $(code_commands | cut -f1); do
		run complete_bash "pcipass $name -"
		assert_success
		diff -u <(code_options | awk -F '\t' -v c="$name" '$1 == c || $1 == "*" {
				print "--" $2; if ($3 != "-") print "-" $3 }' | LC_ALL=C sort) \
			<(printf '%s\n' "$output") || fail "pcipass $name -: options differ"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
	# before the command: the global options only
	run complete_bash "pcipass --"
	assert_output "$(code_options | awk -F '\t' '$1 == "*" { print "--" $2 }' | LC_ALL=C sort)"
	run complete_bash "pcipass list --sl"
	assert_output "--slot"
}

@test "bash: a partial BDF completes against a snapshot, for every command that takes BDFs" {
	local snap name args n=0
	snap=$(snapshot rootports)
	while IFS=$'\t' read -r name args; do
		# readline keeps what precedes the last ':', so the words are the rest
		run complete_bash "pcipass --sysroot $snap $name 0000:00:1"
		assert_success
		assert_output $'1f.0\n1f.2\n1f.3'
		run complete_bash "pcipass $name --sysroot=$snap 0000:0"
		assert_output "$(ls "$snap/sys/bus/pci/devices" | sed 's/^0000://')"
		n=$((n + 1))
	done < <(bdf_commands)
	[ "$n" -ge 1 ]
}

@test "bash: the short form of domain 0 completes when the full form does not match" {
	local snap name
	snap=$(snapshot rootports)
	name=$(bdf_commands | head -1 | cut -f1)
	run complete_bash "pcipass --sysroot $snap $name 03"
	assert_output "03:00.0"
	run complete_bash "pcipass --sysroot $snap $name 00:1f"
	assert_output $'1f.0\n1f.2\n1f.3'
	run complete_bash "pcipass --sysroot $snap $name 0000:07"
	assert_output ""
}

@test "bash: a snapshot tarball as --sysroot gives the same BDFs as its directory" {
	local snap name
	snap=$(snapshot rootports)
	name=$(bdf_commands | head -1 | cut -f1)
	run complete_bash "pcipass --sysroot $snap $name 0000:"
	local from_dir=$output
	[ "$(printf '%s\n' "$from_dir" | wc -l)" -eq "$(ls "$snap/sys/bus/pci/devices" | wc -l)" ]
	run complete_bash "pcipass --sysroot $SNAPSHOTS/rootports.tar.gz $name 0000:"
	assert_success
	[ "$output" = "$from_dir" ]
}

@test "bash: BDFs already on the line are not offered again, in either form" {
	local snap name
	snap=$(snapshot rootports)
	name=$(bdf_commands | awk -F '\t' '$2 ~ /BDF\.\.\./ { print $1; exit }')
	[ -n "$name" ]
	run complete_bash "pcipass --sysroot $snap $name 0000:00:1f.0 00:1f.3 0000:00:1f"
	assert_output "1f.2"
}

@test "bash: a command taking one BDF offers none after it; one taking none offers none" {
	local snap name
	snap=$(snapshot rootports)
	name=$(bdf_commands | awk -F '\t' '$2 == "BDF" { print $1; exit }')
	[ -n "$name" ] || fail "no command takes exactly one BDF"
	run complete_bash "pcipass --sysroot $snap $name 0000:03:00.0 0000:0"
	assert_success
	assert_output ""
	run complete_bash "pcipass --sysroot $snap list 0000:0"
	assert_output ""
}

@test "bash: --slot completes BDFs of the snapshot" {
	local snap
	snap=$(snapshot rootports)
	run complete_bash "pcipass --sysroot $snap list --slot 0000:00:1"
	assert_output $'1f.0\n1f.2\n1f.3'
	run complete_bash "pcipass --sysroot $snap list -s 02"
	assert_output "02:00.0"
}

@test "bash: --driver completes the PCI drivers of the snapshot, directory or tarball" {
	local snap cmd
	snap=$(snapshot rootports)
	cmd=$(code_options | awk -F '\t' '$2 == "driver" { print $1; exit }')
	[ -n "$cmd" ] || fail "no command has --driver"
	run complete_bash "pcipass --sysroot $snap $cmd --driver "
	assert_success
	assert_output "$(ls "$snap/sys/bus/pci/drivers" | LC_ALL=C sort)"
	assert_line "e1000e"
	assert_line "nvme"
	run complete_bash "pcipass --sysroot $SNAPSHOTS/rootports.tar.gz $cmd --driver=nv"
	assert_output "nvme"
}

@test "bash: --method completes the reset methods" {
	local cmd
	cmd=$(code_options | awk -F '\t' '$2 == "method" { print $1; exit }')
	[ -n "$cmd" ] || fail "no command has --method"
	run complete_bash "pcipass $cmd --method "
	assert_output $'af_flr\nauto\nbus\nflr\npm\nslot'
	run complete_bash "pcipass $cmd -m a"
	assert_output $'af_flr\nauto'
	run complete_bash "pcipass $cmd --method=f"
	assert_output "flr"
}

@test "bash: --sysroot offers directories and tarballs, --output any file" {
	mkdir -p "$BATS_TEST_TMPDIR/w/snapdir"
	touch "$BATS_TEST_TMPDIR/w/snap.tar.gz" "$BATS_TEST_TMPDIR/w/notes.txt"
	cd "$BATS_TEST_TMPDIR/w"
	run complete_bash "pcipass --sysroot "
	assert_output $'snap.tar.gz\nsnapdir'
	run complete_bash "pcipass list --sysroot=sn"
	assert_output $'snap.tar.gz\nsnapdir'
	local cmd
	cmd=$(code_options | awk -F '\t' '$2 == "output" && ($4 == "PATH" || $4 == "FILE") { print $1; exit }')
	[ -n "$cmd" ] || fail "no command has --output FILE"
	run complete_bash "pcipass $cmd -o n"
	assert_output "notes.txt"
	# list's -o and --sort take columns, --color its three words
	run complete_bash "pcipass list -o SLOT,DR"
	assert_output "SLOT,DRIVER"
	run complete_bash "pcipass list --sort VER"
	assert_output "VERDICT"
	run complete_bash "pcipass list --color a"
	assert_output $'always\nauto'
}

@test "bash: without --sysroot, BDFs come from this host's /sys" {
	[ -d /sys/bus/pci/devices ] || skip "this host has no /sys/bus/pci"
	local name
	name=$(bdf_commands | head -1 | cut -f1)
	run complete_bash "pcipass $name 0000:"
	assert_output "$(ls /sys/bus/pci/devices | grep '^0000:' | sed 's/^0000://' | LC_ALL=C sort)"
}

@test "bash: BDF completion on a snapshot tarball stays under half a second" {
	local name start end
	name=$(bdf_commands | head -1 | cut -f1)
	start=$(date +%s%N)
	run complete_bash "pcipass --sysroot $SNAPSHOTS/rootports.tar.gz $name 0000:00:1"
	end=$(date +%s%N)
	assert_output $'1f.0\n1f.2\n1f.3'
	[ $(((end - start) / 1000000)) -lt 500 ] || fail "took $(((end - start) / 1000000)) ms"
}

# --- zsh ------------------------------------------------------------------

# complete_zsh LINE: the matches zsh's completion system offers at the end of
# LINE, sorted.  An interactive zsh in a pty (zsh/zpty) loads compinit with
# completions/ first in fpath, records every word compadd accepts, and has
# the line killed after completing, so nothing typed is ever run.
complete_zsh() {
	command -v zsh >/dev/null || { [ -n "${CI:-}" ] && fail "zsh is not installed"; skip "zsh is not installed"; }
	local out=$BATS_TEST_TMPDIR/zsh-matches
	zsh -f -c '
		zmodload zsh/zpty || exit 3
		fdir=$1 out=$2 cmdline=$3
		: >$out
		zpty z zsh -f -i
		zpty -w z "PS1= PROMPT= RPROMPT="
		zpty -w z "fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D"
		zpty -w z "compadd() { if (( \${@[(I)-[OAD]*]} )); then builtin compadd \"\$@\"; return; fi; local -a __hits; builtin compadd -O __hits \"\$@\"; print -rl -- \$__hits >>${(q)out}; builtin compadd \"\$@\"; }"
		zpty -w z "__nolist() { compstate[list]=; compstate[insert]=; }"
		zpty -w z "__capture() { comppostfuncs=(__nolist); _main_complete; }"
		zpty -w z "zle -C capture-complete complete-word __capture; bindkey -e; bindkey \"^I\" capture-complete"
		zpty -w -n z "$cmdline"$'"'"'\t\C-a\C-k'"'"'
		zpty -w z "print DONE\${:-MARK}"
		while (( SECONDS < 20 )); do
			if zpty -r -t z line; then
				[[ $line == *DONEMARK* ]] && break
				[[ $line == *(_pcipass|command not found|parse error)* ]] && print -ru2 -- "$line"
			else
				sleep 0.05
			fi
		done
		zpty -d z
		(( SECONDS < 20 ))' _ "$TOP_SRCDIR/completions" "$out" "$1" || return 1
	LC_ALL=C sort -u "$out"
}

@test "zsh: commands, options and the argument of --method" {
	run complete_zsh "pcipass li"
	assert_success
	assert_output "list"
	run complete_zsh "pcipass "
	assert_output "$(code_commands | cut -f1 | LC_ALL=C sort)"
	run complete_zsh "pcipass list --"
	assert_output "$(code_options | awk -F '\t' '$1 == "list" || $1 == "*" { print "--" $2 }' | LC_ALL=C sort)"
	local cmd
	cmd=$(code_options | awk -F '\t' '$2 == "method" { print $1; exit }')
	[ -n "$cmd" ] || fail "no command has --method"
	run complete_zsh "pcipass $cmd --method "
	assert_output $'af_flr\nauto\nbus\nflr\npm\nslot'
}

@test "zsh: each command offers exactly its own long options and the global ones (report --redact among them)" {
	local name n=0
	for name in $(code_commands | cut -f1); do
		run complete_zsh "pcipass $name --"
		assert_success
		diff -u <(code_options | awk -F '\t' -v c="$name" '$1 == c || $1 == "*" { print "--" $2 }' | LC_ALL=C sort) \
			<(printf '%s\n' "$output" | grep -v '^$') || fail "pcipass $name --: options differ"
		# (the empty line: the capture of a compadd that matched no BDF)
		n=$((n + 1))
	done
	[ "$n" -ge 9 ]
	run complete_zsh "pcipass report --re"
	assert_output "--redact"
	run complete_bash "pcipass report --re"
	assert_output "--redact"
	grep -q '^\.B \\-\\-redact$' "$TOP_SRCDIR/man/pcipass.8"
}

@test "zsh: a partial BDF against a snapshot, directory and tarball, full and short form" {
	local snap name
	snap=$(snapshot rootports)
	name=$(bdf_commands | head -1 | cut -f1)
	run complete_zsh "pcipass --sysroot $snap $name 0000:00:1"
	assert_success
	assert_output $'0000:00:1f.0\n0000:00:1f.2\n0000:00:1f.3'
	run complete_zsh "pcipass --sysroot $SNAPSHOTS/rootports.tar.gz $name 03"
	assert_output "03:00.0"
	run complete_zsh "pcipass --sysroot=$snap list -s 0000:02"
	assert_output "0000:02:00.0"
}

@test "zsh: --driver offers the snapshot's drivers" {
	local snap cmd
	snap=$(snapshot rootports)
	cmd=$(code_options | awk -F '\t' '$2 == "driver" { print $1; exit }')
	[ -n "$cmd" ] || fail "no command has --driver"
	run complete_zsh "pcipass --sysroot $snap $cmd --driver "
	assert_success
	assert_output "$(ls "$snap/sys/bus/pci/drivers" | LC_ALL=C sort)"
}

@test "diff: both arguments complete as files (snapshots, reports, directories), a third as nothing" {
	mkdir -p "$BATS_TEST_TMPDIR/w/snapdir"
	touch "$BATS_TEST_TMPDIR/w/before.tar.gz" "$BATS_TEST_TMPDIR/w/after.tar.gz"
	cd "$BATS_TEST_TMPDIR/w"
	run complete_bash "pcipass diff "
	assert_output $'after.tar.gz\nbefore.tar.gz\nsnapdir'
	run complete_bash "pcipass diff before.tar.gz a"
	assert_output "after.tar.gz"
	run complete_bash "pcipass diff before.tar.gz after.tar.gz "
	assert_output ""
	run complete_zsh "pcipass diff b"
	assert_success
	assert_output "before.tar.gz"
	run complete_zsh "pcipass diff before.tar.gz a"
	assert_output "after.tar.gz"
}
