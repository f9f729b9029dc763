# Shared setup for the bats suites: the binary under test, bats-assert,
# and the real-kernel snapshots unpacked once per test file.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${PCIPASS:=$BATS_TEST_DIRNAME/../../pcipass}"
: "${SNAPSHOTS:=$BATS_TEST_DIRNAME/../sysfs-snapshots}"
: "${TOP_SRCDIR:=$BATS_TEST_DIRNAME/../..}"
export LC_ALL=C

# The snapshots every list/lspci test walks.
: "${ALL_SNAPSHOTS:=rootports pcibridge multifunction switch sriov noiommu vfio host}"

# snapshot NAME: unpack tests/sysfs-snapshots/NAME.tar.gz (once per file)
# and print the directory to pass as --sysroot.
snapshot() {
	local name=$1 dir=$BATS_FILE_TMPDIR/snap-$1
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"
		tar -xzf "$SNAPSHOTS/$name.tar.gz" -C "$dir" || return 1
	fi
	printf '%s\n' "$dir"
}

# pp ARGS...: pcipass itself (for "run pp ...").
pp() {
	"$PCIPASS" "$@"
}

# lspci on a snapshot, the way the issue asks for it.
lspci_on() {
	local dir=$1
	shift
	lspci -A linux-sysfs -O "sysfs.path=$dir/sys/bus/pci" "$@"
}
