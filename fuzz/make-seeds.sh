#!/bin/sh
# Write the seed inputs of every harness (fuzz/corpus/<harness>/seed-*) from
# the real captures in tests/sysfs-snapshots/*.tar.gz plus a few hand-made
# cases.  Run it again after new captures land; libFuzzer adds what it finds
# next to the seeds, and those files are committed too.
#
# fuzz_model seeds are the captures themselves, turned into the harness's
# tree script (see fuzz_model.c) and pruned to what pcipass reads.
#
# Usage: fuzz/make-seeds.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
corpus=$here/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$corpus/fuzz_bdf" "$corpus/fuzz_resource" "$corpus/fuzz_reset_method" \
	"$corpus/fuzz_driver_override" "$corpus/fuzz_config" "$corpus/fuzz_model"

# seed HARNESS NAME: stdin becomes corpus/HARNESS/seed-NAME
seed() {
	cat >"$corpus/$1/seed-$2"
}

# ---- hand-made ----
i=0
for s in 0000:00:01.0 01:00.0 0:1f.7 ffff:ff:1f.7 10000:e1:1f.7 00000:00:01.0 1:2.3 \
	vfio-pci pci-stub e1000e .. 8086: :1041:0200 ::0604 0000:00:1f.2; do
	printf '%s' "$s" | seed fuzz_bdf "hand$i"
	i=$((i + 1))
done
printf '00:1f.2\n8086:29c0' | seed fuzz_bdf hand-both
printf '0000:00:00.0\n::0604' | seed fuzz_bdf hand-class

printf 'flr bus\n' | seed fuzz_reset_method flr-bus
printf 'pm bus\n' | seed fuzz_reset_method pm-bus
printf 'device_specific acpi flr af_flr pm bus cxl_bus\n' | seed fuzz_reset_method all
printf '\n' | seed fuzz_reset_method empty
printf 'flr flr ../x bus\tpm\n' | seed fuzz_reset_method odd

printf '(null)\n' | seed fuzz_driver_override null
printf 'vfio-pci\n' | seed fuzz_driver_override vfio
printf 'pci-stub' | seed fuzz_driver_override stub-nonl
printf '\n' | seed fuzz_driver_override cleared
printf '../../x\n' | seed fuzz_driver_override slash

printf '0x00000000fe000000 0x00000000fdffffff 0x0000000000040200\n' | seed fuzz_resource inverted
printf 'garbage\n0x1 0x2\n' | seed fuzz_resource garbage
printf '0xffffffffffffffff 0xffffffffffffffff 0x200\n0x0 0xffffffffffffffff 0x100\n' | seed fuzz_resource extremes

# Small trees for fuzz_model: quicker to mutate than whole captures.
seed fuzz_model tiny <<'EOT'
l sys/bus/pci/devices/0000:00:01.0 ../../../devices/pci0000:00/0000:00:01.0
l sys/bus/pci/devices/0000:01:00.0 ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0
h sys/devices/pci0000:00/0000:00:01.0/config 256 361b0c00070410000000040600000100000000000000000000010100f000000000000000000000000000000000000000000040000000000000000001
f sys/devices/pci0000:00/0000:00:01.0/class 0x060400\n
l sys/devices/pci0000:00/0000:00:01.0/driver ../../../bus/pci/drivers/pcieport
l sys/devices/pci0000:00/0000:00:01.0/iommu_group ../../../kernel/iommu_groups/1
h sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/config 4096 f41a4110070410000100000200000000
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/resource 0x00000000fe800000 0x00000000fe800fff 0x0000000000040200\n
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/reset_method flr bus\n
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/reset 
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver_override (null)\n
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver ../../../../bus/pci/drivers/virtio-pci
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group ../../../../kernel/iommu_groups/2
d sys/kernel/iommu_groups/1
d sys/kernel/iommu_groups/2
f proc/cmdline root=/dev/vda intel_iommu=on\n
EOT
seed fuzz_model sriov-links <<'EOT'
l sys/bus/pci/devices/0000:01:00.0 ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0
l sys/bus/pci/devices/0000:01:00.1 ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor 0x1b36\n
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/class 0x010802\n
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/virtfn0 ../0000:01:00.1
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver ../../../../bus/pci/drivers/nvme
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1/vendor 0x1b36\n
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1/class 0x010802\n
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1/physfn ../0000:01:00.0
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1/iommu_group ../../../../kernel/iommu_groups/5
l sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group ../../../../kernel/iommu_groups/4
EOT
seed fuzz_model escapes <<'EOT'
l sys/bus/pci/devices/0000:00:01.0 ../../../devices/pci0000:00/0000:00:01.0
l sys/bus/pci/devices/0000:00:02.0 ../../../../outside
l sys/bus/pci/devices/0000:00:03.0 @OUT@
l sys/bus/pci/devices/0000:00:04.0 ../../../devices/pci0000:00/0000:00:04.0
f sys/devices/pci0000:00/0000:00:01.0/vendor 0x8086\n
l sys/devices/pci0000:00/0000:00:01.0/iommu_group @OUT@
l sys/devices/pci0000:00/0000:00:01.0/driver ../../../../../../../../outside
l sys/devices/pci0000:00/0000:00:01.0/physfn physfn
l sys/devices/pci0000:00/0000:00:01.0/config ../../../../outside/config
l sys/devices/pci0000:00/0000:00:04.0 ../../../outside
l sys/class/net/eth0 @OUT@
l sys/kernel/iommu_groups/7 @OUT@
l proc/cmdline ../outside/cmdline
EOT
seed fuzz_model parent-cycle <<'EOT'
l sys/bus/pci/devices/0000:00:01.0 ../../../devices/pci0000:00/0000:01:00.0/0000:00:01.0
l sys/bus/pci/devices/0000:01:00.0 ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0
f sys/devices/pci0000:00/0000:01:00.0/0000:00:01.0/class 0x060400\n
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/class 0x060400\n
f sys/devices/pci0000:00/0000:01:00.0/0000:00:01.0/reset_method bus\n
f sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/reset_method bus\n
EOT
seed fuzz_model many-groups <<'EOT'
l sys/bus/pci/devices/0000:00:01.0 ../../../devices/pci0000:00/0000:00:01.0
f sys/devices/pci0000:00/0000:00:01.0/vendor 0x8086\n
l sys/devices/pci0000:00/0000:00:01.0/iommu_group ../../../kernel/iommu_groups/4999
n 500 sys/kernel/iommu_groups/
r proc/cmdline 1048576 41
EOT

# ---- from the captures ----
# tree_script DIR: the capture at DIR as a fuzz_model script, keeping the
# attributes and links pcipass reads.
keep_files='vendor|device|subsystem_vendor|subsystem_device|class|revision|config|resource|reset_method|reset|driver_override|boot_vga|numa_node|secondary_bus_number|subordinate_bus_number|current_link_speed|address|operstate|flags|ecap|features|allow_unsafe_interrupts|cmdline|mounts|osrelease|if_inet6'
tree_script() {
	(
		cd "$1"
		find sys proc \( -type l -o -type f -o -type d -empty \) 2>/dev/null | LC_ALL=C sort |
		while IFS= read -r p; do
			base=${p##*/}
			if [ -L "$p" ]; then
				case $p in
				sys/bus/pci/devices/*|sys/kernel/iommu_groups/*|sys/class/*|sys/bus/pci/drivers/*/0*) ;;
				*/driver|*/iommu_group|*/physfn|*/virtfn*) ;;
				*) continue ;;
				esac
				printf 'l %s %s\n' "$p" "$(readlink "$p")"
			elif [ -d "$p" ]; then
				case $p in sys/kernel/iommu_groups/*|sys/bus/pci/*|sys/class/*) printf 'd %s\n' "$p" ;; esac
			elif printf '%s\n' "$base" | grep -Eqx "$keep_files"; then
				if [ "$base" = config ]; then
					# hex, trailing zero bytes left to the length field
					hex=$(od -An -v -tx1 "$p" | tr -d ' \n' | sed 's/\(00\)*$//')
					printf 'h %s %s %s\n' "$p" "$(wc -c <"$p")" "$hex"
				else
					printf 'f %s %s\n' "$p" "$(od -An -v -tx1 "$p" | LC_ALL=C awk '
						function val(c) { return index("0123456789abcdef", c) - 1 }
						{ for (i = 1; i <= NF; i++) {
							v = val(substr($i, 1, 1)) * 16 + val(substr($i, 2, 1))
							if (v == 10) out = out "\\n"
							else if (v == 9) out = out "\\t"
							else if (v == 92) out = out "\\\\"
							else if (v >= 32 && v < 127) out = out sprintf("%c", v)
							else out = out sprintf("\\x%02x", v)
						} }
						END { printf "%s", out }')"
				fi
			fi
		done
	)
}

for tarball in "$top"/tests/sysfs-snapshots/*.tar.gz; do
	name=$(basename "$tarball" .tar.gz)
	dir=$work/$name
	mkdir -p "$dir"
	tar -xzf "$tarball" -C "$dir"
	tree_script "$dir" | seed fuzz_model "$name"
	for f in "$dir"/sys/devices/pci*/*/ "$dir"/sys/devices/pci*/*/*/ "$dir"/sys/devices/pci*/*/*/*/; do
		[ -d "$f" ] || continue
		bdf=$(basename "$f")
		[ -f "$f/resource" ] && seed fuzz_resource "$name-$bdf" <"$f/resource"
		[ -f "$f/reset_method" ] && seed fuzz_reset_method "$name-$bdf" <"$f/reset_method"
		[ -f "$f/config" ] && seed fuzz_config "$name-$bdf" <"$f/config"
		[ -f "$f/driver_override" ] && seed fuzz_driver_override "$name-$bdf" <"$f/driver_override"
	done
done

# Duplicate contents waste replay time: keep one file per content.
for d in "$corpus"/*/; do
	(cd "$d" && md5sum seed-* 2>/dev/null | sort | awk 'seen[$1]++ { print $2 }' | xargs -r rm -f)
done
for d in "$corpus"/*/; do
	printf '%s: %s inputs\n' "$(basename "$d")" "$(ls "$d" | wc -l)"
done
