#!/bin/bash
# The second command of the README, and what CI runs: the whole test suite.
# Builds if needed, then runs each stage, and ends with one line
# "tests: N passed, M failed" counting every bats test and VM assertion.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failed_stages=()

# count_automake LOG: add the summary counts automake writes at the top of test-suite.log.
count_automake() {
	local log=$1 p f e
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
}

# stage NAME COMMAND...: run one stage, remember whether it failed.
stage() {
	local name=$1
	shift
	echo "=== $name: $*"
	if "$@"; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		failed_stages+=("$name")
	fi
}

if [ ! -x ./configure ]; then
	autoreconf -fi || exit 2
fi
if [ ! -f Makefile ]; then
	./configure || exit 2
fi
stage build make -j"$(nproc)"

stage "make check" make -j"$(nproc)" check
[ -f test-suite.log ] && count_automake test-suite.log

# Stages added by later work (VM tests, sanitizers, fuzz corpus, distcheck)
# are listed in scripts/test-stages; each line: NAME<TAB>COMMAND.
if [ -f scripts/test-stages ]; then
	while IFS=$'\t' read -r name cmd; do
		case "$name" in ''|'#'*) continue ;; esac
		out=$(mktemp)
		stage "$name" bash -c "$cmd" > >(tee "$out") 2>&1
		sleep 0.2
		# A stage that ends with "N passed, M failed" adds its own counts.
		line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
		if [ -n "$line" ]; then
			p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
			f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
			passed=$((passed + p))
			failed=$((failed + f))
		fi
		rm -f "$out"
	done < scripts/test-stages
fi

for s in "${failed_stages[@]}"; do
	echo "failed stage: $s"
done
if [ ${#failed_stages[@]} -gt 0 ] && [ "$failed" -eq 0 ]; then
	failed=${#failed_stages[@]}
fi
echo "tests: $passed passed, $failed failed"
[ ${#failed_stages[@]} -eq 0 ]
