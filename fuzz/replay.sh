#!/bin/sh
# Replay every fuzz harness over its committed corpus (fuzz/corpus/<harness>/),
# each input run once, built with ASan and UBSan: a regression check, not
# fuzzing.  Builds first with fuzz/build.sh.
#
# Usage: fuzz/replay.sh [BUILDDIR]      (default fuzz/build)
# Needs: what fuzz/build.sh needs (clang, libclang-rt-14-dev, the -dev
# packages).  Ends with "fuzz-replay: N passed, M failed" (one per harness)
# and exits non-zero when a harness fails or has no corpus.
set -u

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build}
log=$out/replay-logs

"$here/build.sh" "$out" || {
	echo "fuzz-replay: build failed"
	echo "fuzz-replay: 0 passed, 1 failed"
	exit 1
}
mkdir -p "$log"
passed=0
failed=0
for harness in "$here"/fuzz_*.c; do
	name=$(basename "$harness" .c)
	corpus=$here/corpus/$name
	n=$(find "$corpus" -type f 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "fuzz-replay: $name: no corpus in ${corpus#"$(dirname "$here")"/}"
		failed=$((failed + 1))
		continue
	fi
	# Each file as an argument: run once each, nothing written to the corpus.
	# Inputs go through xargs in batches; -timeout turns a hang into a failure.
	if (cd "$log" && find "$corpus" -type f -print0 | sort -z |
		xargs -0 "$out/$name" -timeout=25 -rss_limit_mb=2048 >"$log/$name.log" 2>&1); then
		echo "fuzz-replay: $name: $n inputs ok"
		passed=$((passed + 1))
	else
		echo "fuzz-replay: $name: FAILED (log: $log/$name.log)"
		grep -E 'invariant broken|ERROR: |runtime error|opened outside|Running: ' "$log/$name.log" | tail -n 5
		failed=$((failed + 1))
	fi
done
echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
