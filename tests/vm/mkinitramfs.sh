#!/bin/bash
# Build a small busybox initramfs for booting the host's kernel under QEMU.
#
# Usage: mkinitramfs.sh OUT.cpio.gz [options]
#
#   --init SCRIPT          payload, installed as /payload.sh and run by /init
#   --add SRC:DEST         copy file or directory SRC to DEST (absolute path in
#                          the image); repeatable
#   --add-binary PATH[:DEST]
#                          copy an executable plus the shared libraries ldd
#                          reports and the dynamic loader; repeatable
#   --modules 'M1 M2 ...'  extra kernel modules to include (dependencies are
#                          resolved from modules.dep); repeatable
#   --kver VERSION         kernel release whose modules are used (default: the
#                          one run-vm.sh boots, see PCIPASS_VM_KERNEL)
#
# The image's /init mounts proc, sys, devtmpfs, tmpfs on /tmp and /run,
# loads modules for every PCI function by modalias, then runs
# `sh /payload.sh` with RESULTS=/results exported.  Everything the payload
# leaves in /results is sent back as a gzip'd tar stream, base64-encoded, on
# the second serial port (ttyS1) between marker lines; run-vm.sh decodes it.
# Finally /init powers off.  /lib/vm-helpers.sh offers small shell helpers
# to payloads (wait_for PATH [SECONDS]).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit "${1:-2}"
}

# Modules the harness always ships (names as modprobe knows them).
default_modules='virtio_pci virtio_net virtio_blk e1000e e1000 8139cp 8139too
nvme nvme_core vfio vfio_pci vfio_pci_core vfio_iommu_type1 ahci lpc_ich
i2c_i801 bochs'

out=''
init_script=''
kver=''
extra_modules=''
adds=()
binaries=()

while [ $# -gt 0 ]; do
	case $1 in
	--init) init_script=${2:?--init needs a file}; shift 2 ;;
	--add) adds+=("${2:?--add needs SRC:DEST}"); shift 2 ;;
	--add-binary) binaries+=("${2:?--add-binary needs PATH}"); shift 2 ;;
	--modules) extra_modules="$extra_modules ${2?}"; shift 2 ;;
	--kver) kver=${2:?--kver needs a version}; shift 2 ;;
	-h|--help) usage 0 ;;
	-*) vm_die "unknown option '$1' (try --help)" ;;
	*)
		[ -z "$out" ] || vm_die "more than one output file given ('$out', '$1')"
		out=$1; shift ;;
	esac
done
[ -n "$out" ] || usage 2

busybox=$(vm_find_busybox) ||
	vm_die "no static busybox found (install busybox-static, or set PCIPASS_VM_BUSYBOX)"
command -v cpio >/dev/null || vm_die "cpio not found (install cpio)"
command -v gzip >/dev/null || vm_die "gzip not found"
command -v depmod >/dev/null || vm_die "depmod not found (install kmod)"

if [ -z "$kver" ]; then
	kernel=$(vm_default_kernel) ||
		vm_die "no kernel found in /boot with modules in /lib/modules (install linux-image-amd64)"
	kver=$(vm_kernel_version "$kernel") || vm_die "cannot tell the version of kernel '$kernel'"
fi
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || vm_die "$moddir/modules.dep missing (install the modules for $kver)"
[ -z "$init_script" ] || [ -f "$init_script" ] || vm_die "payload '$init_script' not found"

stage=$(mktemp -d "${TMPDIR:-/tmp}/pcipass-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# --- busybox and directory skeleton --------------------------------------
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,lib,root,results}
cp "$busybox" "$stage/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	mkdir -p "$stage/$(dirname "$applet")"
	ln -sf /bin/busybox "$stage/$applet"
done

# --- kernel modules -------------------------------------------------------
# modules.dep holds, per module, the full list of its dependencies, so one
# lookup per wanted module suffices; softdeps are followed as well so that
# e.g. vfio's "post: vfio_iommu_type1" is available.
norm() { local n=${1##*/}; n=${n%%.ko*}; printf '%s\n' "${n//-/_}"; }

declare -A modpath=() moddeps=() want=()
while IFS= read -r line; do
	path=${line%%:*}
	name=$(norm "$path")
	modpath[$name]=$path
	moddeps[$name]=${line#*:}
done < "$moddir/modules.dep"

declare -A softdeps=()
if [ -f "$moddir/modules.softdep" ]; then
	while read -r kw name rest; do
		[ "$kw" = softdep ] || continue
		softdeps[$(norm "$name")]=$(printf '%s\n' $rest | grep -v ':$' | tr '\n' ' ' || true)
	done < "$moddir/modules.softdep"
fi

add_module() {
	local n
	n=$(norm "$1")
	[ -z "${want[$n]:-}" ] || return 0
	if [ -z "${modpath[$n]:-}" ]; then
		if grep -q "/${n//_/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null; then
			return 0 # built into the kernel
		fi
		vm_note "module '$1' not found for $kver, skipped"
		return 0
	fi
	want[$n]=1
	local d
	for d in ${moddeps[$n]}; do add_module "$d"; done
	for d in ${softdeps[$n]:-}; do
		[ -n "${modpath[$(norm "$d")]:-}" ] && add_module "$d"
	done
	return 0
}
for m in $default_modules $extra_modules; do add_module "$m"; done

smod=$stage/lib/modules/$kver
mkdir -p "$smod"
for n in "${!want[@]}"; do
	p=${modpath[$n]}
	mkdir -p "$smod/$(dirname "$p")"
	case $p in
	*.ko) cp "$moddir/$p" "$smod/$p" ;;
	*.ko.xz) xz -dc "$moddir/$p" > "$smod/${p%.xz}" ;;
	*.ko.zst) zstd -qdc "$moddir/$p" > "$smod/${p%.zst}" ;;
	*.ko.gz) gzip -dc "$moddir/$p" > "$smod/${p%.gz}" ;;
	*) vm_die "unsupported module file $p" ;;
	esac
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$moddir/$f" ] && cp "$moddir/$f" "$smod/$f"
done
# Regenerate modules.dep, modules.alias, modules.softdep ... for exactly the
# modules in the image (busybox modprobe reads the text files).
depmod -b "$stage" "$kver"

# --- extra files and binaries ---------------------------------------------
put() { # put SRC DEST: copy SRC (dereferenced) to DEST inside the image
	local src=$1 dest=$2
	case $dest in /*) ;; *) vm_die "destination '$dest' must be absolute" ;; esac
	[ -e "$src" ] || vm_die "'$src' not found"
	mkdir -p "$stage$(dirname "$dest")"
	rm -rf "$stage$dest" # never write through a busybox applet symlink
	cp -RL "$src" "$stage$dest"
}

for a in ${adds[@]+"${adds[@]}"}; do
	case $a in *:*) ;; *) vm_die "--add wants SRC:DEST, got '$a'" ;; esac
	put "${a%%:*}" "${a#*:}"
done

for b in ${binaries[@]+"${binaries[@]}"}; do
	src=${b%%:*}
	dest=${b#*:}
	[ "$dest" != "$b" ] || dest=''
	[ -f "$src" ] || vm_die "binary '$src' not found"
	src=$(readlink -f "$src")
	[ -n "$dest" ] || dest=/usr/bin/${src##*/}
	put "$src" "$dest"
	chmod 0755 "$stage$dest"
	# ldd prints "libx.so.1 => /path/libx.so.1 (0x...)" and, for the
	# loader, "/lib64/ld-linux-x86-64.so.2 (0x...)".  Static binaries make
	# ldd fail; then there is nothing to add.
	if libs=$(ldd "$src" 2>/dev/null); then
		printf '%s\n' "$libs" | while read -r l1 l2 l3 _; do
			if [ "$l2" = '=>' ]; then lib=$l3; else lib=$l1; fi
			case $lib in /*) ;; *) continue ;; esac
			[ -e "$stage$lib" ] || put "$lib" "$lib"
		done
	fi
done

# --- /init and helpers ----------------------------------------------------
if [ -n "$init_script" ]; then
	cp "$init_script" "$stage/payload.sh"
else
	printf '#!/bin/sh\necho "no payload given"\n' > "$stage/payload.sh"
fi
chmod 0755 "$stage/payload.sh"
printf '%s\n' "$kver" > "$stage/etc/pcipass-vm-kver"

cat > "$stage/lib/vm-helpers.sh" <<'EOF'
# Helpers for payload scripts: . /lib/vm-helpers.sh

# wait_for PATH [SECONDS]: wait until PATH exists (default 20 s); 0 if it does.
wait_for() {
	_w=0
	while [ ! -e "$1" ]; do
		[ "$_w" -ge "$(( ${2:-20} * 10 ))" ] && return 1
		usleep 100000
		_w=$((_w + 1))
	done
	return 0
}
EOF

cat > "$stage/init" <<'EOF'
#!/bin/sh
# pcipass VM harness init (generated by tests/vm/mkinitramfs.sh)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /results
hostname pcipass-vm
say() { echo "pcipass-vm [$(cut -d' ' -f1 /proc/uptime)]: $*"; }
say "init started on $(uname -r)"
if [ "$(uname -r)" != "$(cat /etc/pcipass-vm-kver)" ]; then
	say "WARNING: modules are for $(cat /etc/pcipass-vm-kver)"
fi

# Load drivers by modalias, as udev would: PCI functions first, then the
# devices those drivers create on other buses (virtio, ...).
for m in /sys/bus/pci/devices/*/modalias; do
	[ -r "$m" ] && modprobe -q "$(cat "$m")" 2>/dev/null
done
for m in /sys/bus/*/devices/*/modalias; do
	case $m in /sys/bus/pci/*) continue ;; esac
	[ -r "$m" ] && modprobe -q "$(cat "$m")" 2>/dev/null
done
ip link set lo up 2>/dev/null

say "running payload"
export RESULTS=/results
sh /payload.sh </dev/null
rc=$?
say "payload exited $rc"

# Ship /results over ttyS1: raw mode so the tty layer does not rewrite bytes.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
{
	echo
	echo "@@PCIPASS-VM-BEGIN@@"
	tar -C /results -cf - . | gzip -c | base64
	echo "@@PCIPASS-VM-END rc=$rc@@"
} > /dev/ttyS1
sync
sleep 1
say "powering off"
poweroff -f
EOF
chmod 0755 "$stage/init"

# --- pack -----------------------------------------------------------------
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) | gzip -6 > "$out.tmp"
mv "$out.tmp" "$out"
vm_note "wrote $out ($(du -h "$out" | cut -f1), kernel $kver, ${#want[@]} modules)"
