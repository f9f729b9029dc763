# Sourced by scripts/test.sh (and by tests/bats/test-runner.bats, which runs
# it on fake stages): run test stages one after the other and count them.
#
#   run_stage NAME COMMAND...   run one stage; stdin is /dev/null
#   stage_summary               the failed stages, the time each took, and
#                               "tests: N passed, M failed"; returns 1 when
#                               anything failed or a planned stage never ran
#   STAGES_PLANNED=N            set before the first stage: how many must run
#
# A stage passes when its command exits 0 and its output has a closing line
# "NAME: N passed, M failed" with M = 0 (the last such line counts).  Its N
# and M are added to the totals.  A stage that exits non-zero, prints no
# closing line, or reports failures is a failed stage; when it reported no
# failure itself, it counts one.
#
# Stages never share stdin with the runner: a stage that reads its standard
# input sees end-of-file, and cannot eat what a later stage would read.

stage_passed=0
stage_failed=0
stages_ran=0
: "${STAGES_PLANNED:=0}"
failed_stages=()
stage_times=()

# stage_clock: seconds since the epoch.
stage_clock() {
	date +%s
}

# run_stage NAME COMMAND...: run COMMAND with stdin closed, its output both
# shown and kept, then judge it as described above.
run_stage() {
	local name=$1 log rc start secs line p f why=
	shift
	log=$(mktemp "${TMPDIR:-/tmp}/pcipass-stage.XXXXXX") || return 1
	echo "=== $name: $*"
	start=$(stage_clock)
	"$@" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(($(stage_clock) - start))
	stages_ran=$((stages_ran + 1))
	# Only the stage's own closing line, and the last one it printed.
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed\$" "$log" | tail -n 1)
	rm -f "$log"
	p=0 f=0
	if [ -n "$line" ]; then
		p=${line#"$name: "}
		p=${p%% *}
		f=${line%" failed"}
		f=${f##* }
	fi
	if [ "$rc" -ne 0 ]; then
		why="exit status $rc"
	elif [ -z "$line" ]; then
		why="no closing line \"$name: N passed, M failed\""
	elif [ "$f" -ne 0 ]; then
		why="$f failed"
	fi
	if [ -n "$why" ]; then
		[ "$f" -eq 0 ] && f=1
		failed_stages+=("$name ($why)")
		echo "=== $name: FAILED ($why), ${secs}s"
	else
		echo "=== $name: ok, $p passed, ${secs}s"
	fi
	stage_passed=$((stage_passed + p))
	stage_failed=$((stage_failed + f))
	stage_times+=("$(printf '%-16s %6ss  %s' "$name" "$secs" "${why:-ok}")")
	return 0
}

# stage_summary: the closing report; returns 1 when anything failed.
stage_summary() {
	local s
	if [ "$stages_ran" -lt "$STAGES_PLANNED" ]; then
		failed_stages+=("only $stages_ran of $STAGES_PLANNED stages ran")
		stage_failed=$((stage_failed + STAGES_PLANNED - stages_ran))
	fi
	echo "=== stage times"
	for s in "${stage_times[@]}"; do
		echo "  $s"
	done
	for s in "${failed_stages[@]}"; do
		echo "failed stage: $s"
	done
	echo "tests: $stage_passed passed, $stage_failed failed"
	[ "${#failed_stages[@]}" -eq 0 ] && [ "$stage_failed" -eq 0 ]
}
