#!/bin/sh
# Record the parts of /sys and /proc that pcipass reads (design.md section 6),
# and the boot configuration it reads (modprobe.d .conf files, driverctl's
# overrides), into DESTDIR, for use with `pcipass --sysroot DESTDIR`.
#
# Usage: capture-sysfs.sh [--root SRCROOT] DESTDIR
#
#   --root SRCROOT   read SRCROOT/sys, SRCROOT/proc, SRCROOT/etc ... instead of
#                    /sys, /proc, /etc ...
#                    (to re-capture an existing snapshot tree)
#
# Environment:
#   CAPTURE_TIMEOUT  seconds allowed per attribute read (default 2); 0 = no
#                    timeout and no 1 MiB size cap (much faster under QEMU TCG,
#                    for kernels whose attributes are known not to block)
#   CAPTURE_NOTE     free text recorded in DESTDIR/META as note=
#
# POSIX sh; runs under busybox sh as well as bash or dash.
#
# Rules: directories are kept; symlinks are recreated with their original
# (relative) targets and never followed while walking; readable attributes
# are copied as regular files (an attribute that fails to read becomes an
# empty file); attributes without read permission (reset, remove, unbind,
# new_id, ...) become empty files; resourceN, resourceN_wc, rom and vpd are
# never read (mmap-only or they can hang) and become empty files.
set -u

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

src=''
dest=''
while [ $# -gt 0 ]; do
	case $1 in
	--root) [ $# -ge 2 ] || die "--root needs a directory"; src=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$dest" ] || die "only one DESTDIR allowed"; dest=$1; shift ;;
	esac
done
[ -n "$dest" ] || die "usage: $prog [--root SRCROOT] DESTDIR"
if [ -n "$src" ]; then
	[ -d "$src/sys" ] || die "'$src/sys' does not exist"
	src=$(cd "$src" && pwd -P) || die "cannot enter '$src'"
	[ "$src" != / ] || src=''
fi
[ -d "$src/sys/bus/pci" ] || die "'$src/sys/bus/pci' does not exist (no PCI, or sysfs not mounted)"

mkdir -p "$dest" || die "cannot create '$dest'"
if [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
	die "'$dest' is not empty"
fi
dest=$(cd "$dest" && pwd) || die "cannot enter '$dest'"

# One attribute read: bounded in time and size.
tmo=${CAPTURE_TIMEOUT:-2}
if [ "$tmo" != 0 ] && timeout 1 true 2>/dev/null; then
	read_attr() { timeout "$tmo" head -c 1048576 "$1"; }
else
	# Plain cat: busybox sh may run it without a fork (NOFORK applet).
	read_attr() { cat "$1"; }
fi

nfiles=0
nempty=0
nlinks=0

# copy_file REL: one regular file (known to be readable by its mode bits).
copy_file() {
	_d=$dest/$1
	case ${1##*/} in
	resource[0-9] | resource[0-9]_wc | resource[0-9][0-9] | resource[0-9][0-9]_wc | rom | vpd)
		: > "$_d"; nempty=$((nempty + 1)); return ;;
	esac
	if read_attr "$src/$1" > "$_d" 2>/dev/null; then
		nfiles=$((nfiles + 1))
	else
		: > "$_d"
		nempty=$((nempty + 1))
	fi
}

# Roots already copied (space separated, relative to src), so that a tree
# reached twice (class link to a device already walked) is skipped.
walked=' '

# is_walked REL: REL is inside a tree copied before.
is_walked() {
	for _w in $walked; do
		case $1/ in "$_w"/*) return 0 ;; esac
	done
	return 1
}

# walk REL: copy the tree at src/REL without following symlinks.
walk() {
	[ -e "$src/$1" ] || [ -L "$src/$1" ] || return 0
	is_walked "$1" && return 0
	walked="$walked$1 "
	if [ -L "$src/$1" ]; then
		mkdir -p "$dest/${1%/*}"
		ln -s "$(readlink "$src/$1")" "$dest/$1"
		nlinks=$((nlinks + 1))
		return 0
	fi
	if [ -f "$src/$1" ]; then
		mkdir -p "$dest/${1%/*}"
		copy_file "$1"
		return 0
	fi
	# find prints paths beginning with "$src/"; strip that prefix.
	_p=${#src}
	_p=$((_p + 2))
	find "$src/$1" -type d 2>/dev/null | cut -c"$_p"- | while IFS= read -r r; do
		mkdir -p "$dest/$r"
	done
	find "$src/$1" -type l 2>/dev/null | cut -c"$_p"- > "$dest/.links.$$"
	while IFS= read -r r; do
		ln -s "$(readlink "$src/$r")" "$dest/$r"
		nlinks=$((nlinks + 1))
	done < "$dest/.links.$$"
	# Write-only attributes: presence is the evidence, content is nothing.
	find "$src/$1" -type f ! -perm -0400 2>/dev/null | cut -c"$_p"- > "$dest/.wo.$$"
	while IFS= read -r r; do
		: > "$dest/$r"
		nempty=$((nempty + 1))
	done < "$dest/.wo.$$"
	find "$src/$1" -type f -perm -0400 2>/dev/null | cut -c"$_p"- > "$dest/.ro.$$"
	while IFS= read -r r; do
		copy_file "$r"
	done < "$dest/.ro.$$"
	rm -f "$dest/.links.$$" "$dest/.wo.$$" "$dest/.ro.$$"
}

# follow_links DIR: for each symlink in src/DIR whose target lies outside
# sys/devices/pci*, copy the target tree as well (e.g. virtual net and block
# devices, the IOMMU units under sys/devices/virtual/iommu).
follow_links() {
	[ -d "$src/$1" ] || return 0
	for _l in "$src/$1"/*; do
		[ -L "$_l" ] || continue
		_t=$(cd "$_l" 2>/dev/null && pwd -P) || continue
		_t=${_t#"$src"/}
		case $_t in
		sys/devices/pci*) ;;
		sys/*) walk "$_t" ;;
		esac
	done
}

# --- sys -----------------------------------------------------------------
for d in "$src"/sys/devices/pci*; do
	[ -d "$d" ] && walk "${d#"$src"/}"
done
walk sys/bus/pci
follow_links sys/bus/pci/devices
walk sys/kernel/iommu_groups
for c in net block iommu graphics drm; do
	walk "sys/class/$c"
	follow_links "sys/class/$c"
done
for m in vfio vfio_pci vfio_iommu_type1 iommufd; do
	walk "sys/module/$m/parameters"
done
# Interrupt chips: IR-PCI-MSI / IR-IO-APIC (AMD-IR-*, INTEL-IR-*) say that
# interrupts are remapped.  Only chip_name of each interrupt.
for i in "$src"/sys/kernel/irq/*; do
	[ -f "$i/chip_name" ] || continue
	mkdir -p "$dest/sys/kernel/irq/${i##*/}"
	copy_file "sys/kernel/irq/${i##*/}/chip_name"
done
# ACPI tables: the names only (DMAR, IVRS, ... present or not), as empty
# files; the tables themselves are never read.
if [ -d "$src/sys/firmware/acpi/tables" ]; then
	mkdir -p "$dest/sys/firmware/acpi/tables"
	for t in "$src"/sys/firmware/acpi/tables/*; do
		[ -f "$t" ] || continue
		: > "$dest/sys/firmware/acpi/tables/${t##*/}"
		nempty=$((nempty + 1))
	done
fi

# --- proc ----------------------------------------------------------------
for f in cmdline mounts swaps interrupts net/if_inet6 sys/kernel/osrelease; do
	if [ -f "$src/proc/$f" ]; then
		case $f in
		*/*) mkdir -p "$dest/proc/${f%/*}" ;;
		*) mkdir -p "$dest/proc" ;;
		esac
		read_attr "$src/proc/$f" > "$dest/proc/$f" 2>/dev/null || : > "$dest/proc/$f"
	fi
done

# Processes holding VFIO files open (a running guest): for each, only
# proc/PID/comm, the fd symlinks that point into /dev/vfio, and a reduced
# proc/PID/cmdline holding argv[0] and QEMU's "-name" argument (guest=NAME,
# ...) when there is one, NUL-separated like the original; nothing else of
# the process is kept.
for p in "$src"/proc/[0-9]*; do
	[ -d "$p/fd" ] || continue
	pid=${p##*/}
	for fd in "$p"/fd/*; do
		t=$(readlink "$fd" 2>/dev/null) || continue
		case $t in /dev/vfio/*) ;; *) continue ;; esac
		if [ ! -d "$dest/proc/$pid" ]; then
			mkdir -p "$dest/proc/$pid/fd"
			read_attr "$p/comm" > "$dest/proc/$pid/comm" 2>/dev/null || : > "$dest/proc/$pid/comm"
			tr '\0' '\n' < "$p/cmdline" 2>/dev/null | awk '
				NR == 1 { print; next }
				prev == "-name" { print "-name"; print }
				{ prev = $0 }' | tr '\n' '\0' > "$dest/proc/$pid/cmdline"
		fi
		ln -s "$t" "$dest/proc/$pid/fd/${fd##*/}"
		nlinks=$((nlinks + 1))
	done
done

# --- the next boot's driver choices -----------------------------------------
# What bootcfg.c reads: the .conf files of the modprobe.d directories and
# driverctl's pci-DDDD:BB:DD.F overrides; at most 256 a directory, each file
# bounded like an attribute; a modprobe.d name already taken from an earlier
# directory is hidden there (modprobe.d(5)) and not recorded.
seen=' '
for d in etc/modprobe.d run/modprobe.d usr/local/lib/modprobe.d usr/lib/modprobe.d \
	lib/modprobe.d etc/driverctl.d; do
	[ -d "$src/$d" ] || continue
	n=0
	for f in "$src/$d"/*; do
		b=${f##*/}
		case $d:$b in
		etc/driverctl.d:pci-*:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ;;
		etc/driverctl.d:*|*:.*) continue ;;
		*:*.conf)
			case $seen in *" $b "*) continue ;; esac
			seen="$seen$b " ;;
		*) continue ;;
		esac
		[ -f "$f" ] && [ "$n" -lt 256 ] || continue
		mkdir -p "$dest/$d"
		read_attr "$f" > "$dest/$d/$b" 2>/dev/null || : > "$dest/$d/$b"
		n=$((n + 1))
		nfiles=$((nfiles + 1))
	done
done

# --- META ----------------------------------------------------------------
first_line() { [ -r "$1" ] && head -n 1 "$1" 2>/dev/null; }
{
	echo "capture_tool=tests/sysfs-snapshots/capture-sysfs.sh"
	echo "capture_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	if [ -n "$src" ]; then
		echo "source_root=$src"
		echo "kernel_release=$(first_line "$src/proc/sys/kernel/osrelease")"
	else
		echo "source_root=/"
		echo "kernel_release=$(uname -r)"
		echo "kernel_build=$(uname -v)"
		echo "arch=$(uname -m)"
	fi
	uid=$(id -u)
	if [ "$uid" = 0 ]; then echo "root=yes"; else echo "root=no (uid $uid)"; fi
	echo "dmi_sys_vendor=$(first_line "$src/sys/class/dmi/id/sys_vendor")"
	echo "dmi_product_name=$(first_line "$src/sys/class/dmi/id/product_name")"
	echo "dmi_board_name=$(first_line "$src/sys/class/dmi/id/board_name")"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' "$src/proc/cpuinfo" 2>/dev/null | head -n 1)"
	echo "cpus=$(grep -c '^processor' "$src/proc/cpuinfo" 2>/dev/null)"
	echo "pci_functions=$(ls "$src/sys/bus/pci/devices" 2>/dev/null | wc -l | tr -d ' ')"
	echo "iommu_groups=$(ls "$src/sys/kernel/iommu_groups" 2>/dev/null | wc -l | tr -d ' ')"
	[ -d "$src/dev/vfio" ] && echo "dev_vfio=$(ls "$src/dev/vfio" | tr '\n' ' ' | sed 's/ $//')"
	_h=''
	for p in "$dest"/proc/[0-9]*; do
		[ -f "$p/comm" ] && _h="$_h ${p##*/}:$(cat "$p/comm")"
	done
	echo "vfio_holders=${_h# }"
	[ -n "${CAPTURE_NOTE:-}" ] && echo "note=$CAPTURE_NOTE"
	true
} > "$dest/META"

printf '%s: %s: %d attributes copied, %d left empty, %d symlinks\n' \
	"$prog" "$dest" "$nfiles" "$nempty" "$nlinks" >&2
