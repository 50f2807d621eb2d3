#!/usr/bin/env bash
# `make sim-million`: the 1,000,000-scenario simulator run in resumable chunks. Each chunk is
# seeds [next, next + CHUNK) run to the end by the simulator (no time bound inside a chunk, so
# the seeds done are always a prefix); after each chunk the state file records the next seed and
# the running totals, so a run stopped anywhere (Ctrl-C, the SECONDS bound of this invocation, a
# reboot) loses at most the chunk in flight, and the next `make sim-million` goes on from there.
#   usage: sim_million.sh BUILD_DIR TOTAL CHUNK SECONDS JOBS STATE_DIR
# STATE_DIR (make's SIM_MILLION_DIR) lies outside any checkout, so the run accumulates across
# worktrees and sessions: STATE_DIR/state (one line: next_seed passed failed seconds_spent chunks
# commit), STATE_DIR/failed (failing seeds; replay: build/sim --seed S --scenarios 1),
# STATE_DIR/log (one line per chunk, naming the commit whose simulator ran it). The simulator is
# copied to STATE_DIR/sim-COMMIT first, so rebuilding the checkout does not change a run.
# SIM_RESET=1 starts again from seed 1.
set -u
b=$1 total=$2 chunk=$3 seconds=$4 jobs=$5 dir=$6
mkdir -p "$dir" || { echo "sim-million: cannot create $dir" >&2; exit 2; }
state=$dir/state failed_log=$dir/failed log=$dir/log
[ "${SIM_RESET:-0}" = 1 ] && rm -f "$state" "$failed_log" "$log"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit=$commit-dirty; fi
bin=$dir/sim-$commit
cp -f "$b/sim" "$bin.tmp" && mv -f "$bin.tmp" "$bin" || { echo "sim-million: cannot copy $b/sim" >&2; exit 2; }
next=1 passed=0 failed=0 spent=0 chunks=0 last=none
if [ -s "$state" ]; then
	read -r next passed failed spent chunks last < "$state" || true
	last=${last:-none}
fi
case "$next$passed$failed$spent$chunks" in *[!0-9]*|'') echo "sim-million: bad state file $state" >&2; exit 2;; esac
start=$(date +%s)
echo "sim-million: $(date -u +%FT%TZ) resuming at seed $next of $total ($passed passed, $failed failed, ${spent} s in $chunks chunks so far) with the simulator of $commit" | tee -a "$log"
while [ "$next" -le "$total" ]; do
	now=$(date +%s)
	if [ "$seconds" -gt 0 ] && [ $((now - start)) -ge "$seconds" ]; then
		echo "sim-million: the ${seconds} s bound of this run reached; run again to go on" | tee -a "$log"
		break
	fi
	n=$chunk
	[ $((next + n - 1)) -gt "$total" ] && n=$((total - next + 1))
	t0=$(date +%s)
	out=$(nice "$bin" --scenarios "$n" --seed "$next" --jobs "$jobs" 2>&1)
	rc=$?
	t1=$(date +%s)
	line=$(printf '%s\n' "$out" | grep -E '^sim: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then
		echo "sim-million: chunk at seed $next did not finish (exit $rc); state kept at seed $next" | tee -a "$log"
		printf '%s\n' "$out" | tail -5 >> "$log"
		exit 1
	fi
	p=$(echo "$line" | awk '{print $2}') f=$(echo "$line" | awk '{print $4}')
	printf '%s\n' "$out" | grep -E 'FAILED seed' | sed "s/\$/ [$commit]/" >> "$failed_log"
	passed=$((passed + p)) failed=$((failed + f)) spent=$((spent + t1 - t0)) chunks=$((chunks + 1))
	next=$((next + n))
	printf '%s %s %s %s %s %s\n' "$next" "$passed" "$failed" "$spent" "$chunks" "$commit" > "$state.tmp" && mv -f "$state.tmp" "$state"
	rate=$(( (passed + failed) / (spent > 0 ? spent : 1) ))
	crate=$(( n / (t1 > t0 ? t1 - t0 : 1) ))
	echo "sim-million: $(date -u +%FT%TZ) seeds $((next - n))..$((next - 1)) on $commit: $p passed, $f failed in $((t1 - t0)) s ($crate/s); seeds 1..$((next - 1)) of $total done in $chunks chunks: $passed passed, $failed failed, ${spent} s of chunks (~${rate} scenarios/s), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
done
if [ "$next" -gt "$total" ]; then
	echo "sim-million: complete: $((passed + failed)) scenarios, $passed passed, $failed failed" | tee -a "$log"
fi
echo "sim-million: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
