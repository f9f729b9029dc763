#!/bin/bash
# The growth curve: the same captured tree scaled to several sizes
# (scale-snapshot.py), and at each size the median of RUNS interleaved
# runs of lspci -D -vvv, pcipass list --json and pcipass explain --all
# --json: wall and CPU seconds, CPU microseconds per function (flat when
# the growth is linear), peak RSS, and with strace installed the syscalls
# per function of list --json.
#
# usage: bench/curve.sh [SNAPSHOT [RUNS [SIZE...]]]   (default rootports 3 1000 2000 5000 10000 20000)
# BENCH_DIR (default $TMPDIR/pcipass-bench) keeps the scaled trees between runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
snap=${1:-rootports}
runs=${2:-3}
shift $(($# > 2 ? 2 : $#))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 2000 5000 10000 20000)
pcipass=${PCIPASS:-$top/pcipass}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/pcipass-bench}

mkdir -p "$work"
if [ ! -d "$work/src-$snap" ]; then
	mkdir -p "$work/src-$snap"
	tar -xzf "$top/tests/sysfs-snapshots/$snap.tar.gz" -C "$work/src-$snap"
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# one NAME CMD...: append "wall kib cpu" for one run to $work/NAME.times
one() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/one" "$@" > /dev/null 2>/dev/null || true
	tail -n 1 "$work/one" | awk '{ printf "%s %s %.3f\n", $1, $2, $3 + $4 }' >> "$work/$name.times"
}

printf '%9s  %-22s %7s %7s %9s %8s %10s\n' functions command "wall s" "cpu s" "cpu us/fn" "RSS MiB" "syscall/fn"
for want in "${sizes[@]}"; do
	tree=$work/$snap-$want
	if [ ! -f "$tree.count" ]; then
		python3 "$top/bench/scale-snapshot.py" "$work/src-$snap" "$tree" "$want" > "$tree.count"
	fi
	n=$(cat "$tree.count")
	rm -f "$work"/*.times
	for _ in $(seq "$runs"); do
		one lspci lspci -A linux-sysfs -O "sysfs.path=$tree/sys/bus/pci" -D -vvv
		one list "$pcipass" --sysroot "$tree" list --json
		one explain "$pcipass" --sysroot "$tree" explain --all --json
	done
	calls=-
	if command -v strace > /dev/null; then
		strace -c -f -o "$work/strace" "$pcipass" --sysroot "$tree" list --json > /dev/null 2>&1 || true
		calls=$(awk '$NF == "total" { printf "%.1f", $(NF - 2) / '"$n"' }' "$work/strace")
	fi
	for c in lspci list explain; do
		wall=$(cut -d' ' -f1 "$work/$c.times" | median)
		cpu=$(cut -d' ' -f3 "$work/$c.times" | median)
		rss=$(cut -d' ' -f2 "$work/$c.times" | sort -n | tail -1)
		case $c in
		lspci) label="lspci -D -vvv" ;;
		list) label="list --json" ;;
		explain) label="explain --all --json" ;;
		esac
		printf '%9s  %-22s %7s %7s %9.1f %8.1f %10s\n' "$n" "$label" "$wall" "$cpu" \
			"$(echo "$cpu * 1000000 / $n" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$([ $c = list ] && echo "$calls" || echo -)"
	done
done
