#!/bin/sh
# make check-fuzz: replay every fuzz harness over its committed corpus
# (fuzz/corpus/<harness>/), each input run once: a regression check under
# ASan and UBSan, not fuzzing.
#
# Usage: fuzz/replay.sh FUZZDIR
#   FUZZDIR holds the harnesses built by configure --enable-fuzzing && make
#   (the build directory's fuzz/); logs go to FUZZDIR/replay-logs.
# Ends with "check-fuzz: N passed, M failed" (one per harness) and exits
# non-zero when a harness fails, is missing, or has no corpus.
set -u

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: replay.sh FUZZDIR}
out=$(cd "$out" && pwd) || exit 2
log=$out/replay-logs

mkdir -p "$log"
passed=0
failed=0
for harness in "$here"/fuzz_*.c; do
	name=$(basename "$harness" .c)
	corpus=$here/corpus/$name
	if [ ! -x "$out/$name" ]; then
		echo "check-fuzz: $name: not built in $out"
		failed=$((failed + 1))
		continue
	fi
	n=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "check-fuzz: $name: no corpus in $corpus"
		failed=$((failed + 1))
		continue
	fi
	# Each file as an argument: run once each, nothing written to the corpus.
	# Inputs go through xargs in batches; -timeout turns a hang into a failure.
	if (cd "$log" && find "$corpus" -type f -print0 | sort -z |
		xargs -0 "$out/$name" -timeout=25 -rss_limit_mb=2048 >"$log/$name.log" 2>&1); then
		echo "check-fuzz: $name: $n inputs ok"
		passed=$((passed + 1))
	else
		echo "check-fuzz: $name: FAILED (log: $log/$name.log)"
		grep -E 'invariant broken|ERROR: |runtime error|opened outside|Running: ' "$log/$name.log" | tail -n 5
		failed=$((failed + 1))
	fi
done
echo "check-fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
