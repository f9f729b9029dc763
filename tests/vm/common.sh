# Shared helpers for tests/vm/*.sh (bash).  Sourced, not executed.

# vm_finish NAME PASSED FAILED: a harness's one way out, the summary line
# scripts/test.sh counts ("NAME: N passed, M failed") and its exit status.
vm_finish() {
	echo "$1: $2 passed, $3 failed"
	[ "$3" -eq 0 ] && exit 0
	exit 1
}

# vm_broken NAME MESSAGE...: the run itself failed; it counts as one failed test.
vm_broken() {
	local name=$1
	shift
	echo "$name: FAIL: $*" >&2
	vm_finish "$name" 0 1
}

vm_die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

vm_note() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# The kernel image to boot.  PCIPASS_VM_KERNEL overrides; otherwise the
# highest-versioned /boot/vmlinuz-* that has a matching /lib/modules/<ver>.
vm_default_kernel() {
	if [ -n "${PCIPASS_VM_KERNEL:-}" ]; then
		printf '%s\n' "$PCIPASS_VM_KERNEL"
		return 0
	fi
	local k ver best=''
	for k in $(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V); do
		ver=${k#/boot/vmlinuz-}
		[ -d "/lib/modules/$ver" ] && best=$k
	done
	[ -n "$best" ] || return 1
	printf '%s\n' "$best"
}

# Kernel release of a /boot/vmlinuz-<ver> path.
vm_kernel_version() {
	local k=${1##*/}
	case $k in
	vmlinuz-*) printf '%s\n' "${k#vmlinuz-}" ;;
	*) return 1 ;;
	esac
}

vm_find_busybox() {
	local b
	for b in ${PCIPASS_VM_BUSYBOX:-} /bin/busybox /usr/bin/busybox; do
		[ -n "$b" ] || continue
		# Must be static: it runs in an image without a C library.
		if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
			printf '%s\n' "$b"
			return 0
		fi
	done
	return 1
}

# vm_workdir NAME KEEP: set $work to KEEP (created, kept afterwards) or to a
# new temporary directory removed at exit.  The caller's broken() reports
# a failure, as for every other step of its run.
vm_workdir() {
	if [ -n "$2" ]; then
		mkdir -p "$2" || broken "cannot create $2"
		work=$(cd "$2" && pwd)
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/pcipass-$1.XXXXXX") || broken "mktemp failed"
		trap 'rm -rf "$work"' EXIT
	fi
}
