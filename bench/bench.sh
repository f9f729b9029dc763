#!/bin/bash
# Benchmark: pcipass against lspci on the same scaled-up real snapshot, in
# one run.  Scales a captured tree to at least FUNCTIONS functions by
# cloning it across PCI domains (scale-snapshot.py), then times each
# command RUNS times (interleaved, so both see the same machine load) and
# prints the median wall time, peak RSS and the ratio to `lspci -D -vvv`.
#
# usage: bench/bench.sh [SNAPSHOT [FUNCTIONS [RUNS]]]   (default rootports 4608 5)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
snap=${1:-rootports}
want=${2:-4608}
runs=${3:-5}
pcipass=${PCIPASS:-$top/pcipass}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/pcipass-bench}

mkdir -p "$work"
if [ ! -f "$work/$snap-$want.done" ]; then
	rm -rf "$work/src" "$work/tree"
	mkdir -p "$work/src"
	tar -xzf "$top/tests/sysfs-snapshots/$snap.tar.gz" -C "$work/src"
	python3 "$top/bench/scale-snapshot.py" "$work/src" "$work/tree" "$want" > "$work/count"
	touch "$work/$snap-$want.done"
fi
tree=$work/tree
echo "tree: $snap scaled to $(cat "$work/count") functions in $tree"

# measure NAME CMD...: append "wall-seconds kib cpu-seconds" per run to $work/NAME.times
measure() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/one" "$@" > /dev/null 2>/dev/null || true
	# time(1) puts "Command exited with non-zero status N" first when the
	# command fails (explain exits 1 when a function has a blocker).
	tail -n 1 "$work/one" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' >> "$work/$name.times"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

names=(lspci list)
cmds_lspci=(lspci -A linux-sysfs -O "sysfs.path=$tree/sys/bus/pci" -D -vvv)
cmds_list=("$pcipass" --sysroot "$tree" list --json)
if "$pcipass" explain --help > /dev/null 2>&1; then
	names+=(explain)
	cmds_explain=("$pcipass" --sysroot "$tree" explain --all --json)
fi
rm -f "$work"/*.times
for _ in $(seq "$runs"); do
	measure lspci "${cmds_lspci[@]}"
	measure list "${cmds_list[@]}"
	[ -n "${cmds_explain+x}" ] && measure explain "${cmds_explain[@]}"
done

base=$(cut -d' ' -f1 "$work/lspci.times" | median)
base_cpu=$(cut -d' ' -f3 "$work/lspci.times" | median)
printf '%-30s %8s %6s %8s %6s %12s\n' command "wall s" ratio "cpu s" ratio "peak RSS MiB"
for n in "${names[@]}"; do
	t=$(cut -d' ' -f1 "$work/$n.times" | median)
	c=$(cut -d' ' -f3 "$work/$n.times" | median)
	rss=$(cut -d' ' -f2 "$work/$n.times" | sort -n | tail -1)
	label=$n
	case $n in
	lspci) label="lspci -D -vvv" ;;
	list) label="pcipass list --json" ;;
	explain) label="pcipass explain --all --json" ;;
	esac
	printf '%-30s %8s %6.2f %8s %6.2f %12.1f\n' "$label" "$t" "$(echo "$t / $base" | bc -l)" \
		"$c" "$(echo "$c / $base_cpu" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
