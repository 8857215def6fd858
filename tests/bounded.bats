#!/usr/bin/env bats
# Bounded freeze windows (--max-freeze, issue 12): a frozen service is
# never held longer than the bound, the race-free promise holds in every
# window, budgets count across windows, a freeze someone else lifts is
# reported, and a signal between windows ends the run with its report.
# tests/helpers/pauser records the longest pause of a thread that keeps
# touching its memory. Everything started is killed by PID, swap files are
# swapped off and removed, cgroups thawed and removed, in teardown.

bats_require_minimum_version 1.5.0

load test_helper
load cgroup_helper

B_CGROUPS=()

setup() {
	core_setup
	PAUSE_DIR=$(mktemp -d /dev/shm/pmadv-bounded.XXXXXX)
	CORE_DIRS+=("$PAUSE_DIR")
	need_testbuild	# the tests that set PMADV_TEST_* run $PMADV_TESTBUILD
}

teardown() {
	cgroups_thaw "${B_CGROUPS[@]}"
	for p in "${CORE_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; done
	core_teardown
	cgroups_remove "${B_CGROUPS[@]}"
}

mount_of() {	# cgroup2 | freezer
	if [[ $1 == cgroup2 ]]; then
		awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
	else
		awk '$9 == "cgroup" && $NF ~ /(^|,)freezer(,|$)/ { print $5; exit }' /proc/self/mountinfo
	fi
}

# new_cgroup cgroup2|freezer PID: a cgroup of its own for PID, in CG
new_cgroup() {
	local m
	((EUID == 0)) || skip "cgroup tests need root"
	m=$(mount_of "$1")
	if [[ -z $m ]]; then
		[[ $1 == cgroup2 ]] && skip "no cgroup v2 hierarchy mounted"
		skip "no cgroup v1 freezer hierarchy mounted"
	fi
	CG=$m/pmadv-bounded-$$-$BATS_TEST_NUMBER-${#B_CGROUPS[@]}
	mkdir "$CG"
	B_CGROUPS+=("$CG")
	echo "$2" >"$CG/cgroup.procs"
}

# The pauser's words live on tmpfs: a write to a page of a disk file,
# once written back, can wait on that disk, which the pageout is busy
# writing swap to
pause_shm() { echo "$PAUSE_DIR/pause.shm"; }

# pword N [FILE]: word N of the pauser's FILE (default: the target's)
pword() { local v; v=$(od -An -t u8 -j $((8 * $1)) -N 8 "${2:-$(pause_shm)}"); echo $((v)); }

# run_paused PMADV-ARGS...: run pmadv -J on the pauser (status 0 or the
# test fails, but for GUARD_ENDED below); sets PAUSE (the longest pause since reset_pause: time its
# thread was off a CPU, ms), WALL (that pause in wall time, ms: it also
# holds time the host did not run a guest that counted the thread as on
# a CPU) and AT (where that pause fell in pmadv's run)
run_paused() {
	local t0 t1
	reset_pause
	t0=${EPOCHREALTIME/./}
	run --separate-stderr "$PMADV" -p "$PAUSER" -a pageout -r "$RANGE" "$@" -J
	t1=${EPOCHREALTIME/./}
	# GUARD_ENDED=1: exit 3 because the guardian ended a window at its
	# deadline (the bound + 60 ms), which a machine busy with other work
	# can cause (seen with two other suites running). The pause stays
	# capped, which bound_holds checks; the freeze was broken and pmadv
	# says so. Any other exit 3, or any other failure, fails the test.
	GUARD_ENDED=0
	if ((status == 3)) && jq -e '.targets[0].freeze_broken' <<<"$output" >/dev/null &&
		grep -q 'the guardian ended the .* window after' <<<"$stderr"; then
		GUARD_ENDED=1
		echo "# (a window ended by the guardian at its deadline: exit 3 accepted)" >&3
	elif ((status != 0)); then
		echo "pmadv exited $status: $stderr" >&2
		return 1
	fi
	settled
	PAUSE=$(($(pword 1) / 1000000))
	WALL=$(($(pword 6) / 1000000))
	AT="wall $WALL ms, +$((($(pword 4) - t0) / 1000))..+$((($(pword 5) - t0) / 1000)) of $(((t1 - t0) / 1000)) ms"
}

# start_pauser MIB: sets PAUSER, RANGE
start_pauser() {
	rm -f "$T/pause.out"
	"$HELPERS/pauser" "$(pause_shm)" "$1" >"$T/pause.out" 3>&- &
	PAUSER=$!
	CORE_PIDS+=("$PAUSER")
	wait_for test -s "$T/pause.out"
	read -r s e <"$T/pause.out"
	RANGE=0x$s-0x$e
}

# reset_pause: the pauser's longest pause back to 0 (its thread clears the
# flag when it has done so)
reset_pause() {
	local f=${1:-$(pause_shm)}
	printf '\001\0\0\0\0\0\0\0' | dd of="$f" bs=8 seek=3 conv=notrunc 2>/dev/null
	wait_for eval '(($(pword 3 "$f") == 0))'
}

# settled: the pauser has gone round twice since now, so the pause that
# ended last (after the last thaw) is in its word 1
settled() {
	local n
	n=$(pword 0)
	wait_for eval '(($(pword 0) >= n + 2))'
}

# pageout_pause CGROUP-KIND PMADV-OPTS...: a fresh 1 GiB pauser, paged out;
# sets WIN (windows), MAXW (longest window, ms), PAUSE (its longest pause, ms)
pageout_pause() {
	local kind=$1
	shift
	start_pauser 1024
	[[ $kind == none ]] || new_cgroup "$kind" "$PAUSER"
	run_paused "$@"
	WIN=$(jq_out '.targets[0].windows')
	MAXW=$(jq_out '.targets[0].max_window_ms | floor')
	echo "$* : advised $(jq_out .advised) in $WIN windows, longest $MAXW ms; pause $PAUSE ms ($AT)" >&3
	all_advised
	kill -KILL "$PAUSER"
	wait "$PAUSER" 2>/dev/null || true
	reaped "$PAUSER"
	[[ $kind == none ]] || { cgroups_remove "$CG"; }
}

# all_advised: after run_paused, the whole 1 GiB was advised, the freeze
# unbroken; or, when the guardian ended a window (GUARD_ENDED), some of it:
# two such windows in a row end the run (engine.c's account), which a
# stall of the machine or of one vCPU can cause (seen in CI: a 210 ms window past
# the guardian's 160 ms deadline, the pauser off a CPU only 97 ms of it).
# That run fails bound_holds, so attempts makes it once more if a probe
# saw the stall, rather than failing here first.
all_advised() {
	local a
	a=$(jq_out .advised)
	if ((GUARD_ENDED)); then
		((a > 0 && a <= 1024 << 20))
	else
		((a == 1024 << 20)) && [ "$(jq_out '.targets[0].freeze_broken')" = false ]
	fi
}

# The default bound (--max-freeze) is 100 ms, counted from when the freeze
# holds. A window pmadv reports is longer by (1) the freeze taking hold
# (a task in the middle of a system call, a swap-in, is held only when it
# leaves it; pmadv polls for that); (2) part of one advice call:
# the engine sizes each call from the speed it measures on this machine (a
# slower machine gets smaller calls), and a call can still take longer
# than planned: a swap write on a disk other work shares, a CPU other work
# wants. SLACK_MS allows for both: every window pmadv reports ends within
# BOUND_MS + SLACK_MS: issue 17 asks every window of a 100 ms bound to end
# within 200 ms. (Measured on the 2-core test VM with calls sized by
# resident bytes and pageout kept below a full swap queue: 84-101 ms
# alone; before, 100-165 ms alone and up to 258 ms with two other suites
# paging out; the issue-17 failure was 1,034-1,166 ms, and one window for
# this 1 GiB is 440-810 ms.)
BOUND_MS=100
SLACK_MS=100
# FELT_MS: what the service may feel beyond the window pmadv reports: its
# own wake-up after the thaw (the pauser sleeps 200 us a round), which on a
# loaded 2-core machine waits for a CPU (0-2 ms alone, up to 74 ms seen
# with other suites running). Windows that followed each other with no
# rest between them would add a whole window or more.
FELT_MS=100

# unbounded_is_one_pause: after pageout_pause ... --max-freeze=0, the run was
# one window, felt by the target as one pause of its length (reported >=
# the time it was off a CPU - FELT_MS, and the target did stop for what
# was reported: its wall-time pause is as long); sets WHOLE (that pause)
# and WHOLEW (that window)
unbounded_is_one_pause() {
	WHOLE=$PAUSE WHOLEW=$MAXW
	# a status, not assertions: attempts looks at it before it is asserted
	[ "$WIN" -eq 1 ] && ((PAUSE <= MAXW + FELT_MS)) &&
		((WALL + FELT_MS >= MAXW)) || return 1
	# the condition this test needs: 1 GiB is more than one window's work
	# here. A machine that pages it out within twice the bound would show
	# nothing below: say so rather than pass.
	((WHOLEW > 2 * BOUND_MS)) || {
		echo "one window for all of it took $WHOLEW ms: not enough to bound" >&2
		return 1
	}
}

# bound_holds: after the bounded pageout_pause: more than one window, each
# within the bound + SLACK_MS, the longest pause the service felt within
# the longest window pmadv reported + FELT_MS, and shorter than the
# unbounded run's
bound_holds() {
	[ "$WIN" -ge 2 ] && ((MAXW <= BOUND_MS + SLACK_MS)) &&
		((PAUSE <= MAXW + FELT_MS)) && ((PAUSE < WHOLE))
}

# A stall of the machine (the host not running this 2-vCPU guest, or every
# CPU taken) stops every process, not only the target, and makes windows
# and pauses longer than pmadv made them: seen here as a 206 ms window the
# guardian (higher priority, a precise deadline at the bound + 60 ms) did
# not end, its target "on a CPU" 110 ms without one iteration (and in CI
# a 210 ms window the guardian ended late, its target on a CPU 117 ms of
# it). A stalled vCPU stops only what runs on it, the guardian's thaw
# included when it needs a lock held there. Probes, pausers that pmadv
# never touches, one pinned to each CPU, see such a stall as a pause of
# their own; an attempt that fails while one paused STALL_MS or more is
# made once more (said on fd 3). The last attempt is then asserted whole.
STALL_MS=50
probe_shm() { echo "$PAUSE_DIR/probe.$1.shm"; }

# the CPUs this test may use (Cpus_allowed_list: "0-1", "0,2-3")
allowed_cpus() {
	local r list
	list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
	for r in ${list//,/ }; do
		seq "${r%-*}" "${r#*-}"
	done
}

start_probe() {
	local c
	PROBES=($(allowed_cpus))
	for c in "${PROBES[@]}"; do
		taskset -c "$c" "$HELPERS/pauser" "$(probe_shm "$c")" 1 >"$T/probe.$c.out" 3>&- &
		CORE_PIDS+=($!)
		wait_for test -s "$T/probe.$c.out"
	done
}

reset_probes() {
	local c
	for c in "${PROBES[@]}"; do
		reset_pause "$(probe_shm "$c")"
	done
}

# the longest pause of any probe since reset_probes, ms
probe_pause_ms() {
	local c p m=0
	for c in "${PROBES[@]}"; do
		p=$(($(pword 1 "$(probe_shm "$c")") / 1000000))
		((p > m)) && m=$p
	done
	echo "$m"
}

# attempts PAUSE-FUNCTION ARGS...: the unbounded run, then the bounded one,
# twice if the first attempt fails the verdict while a probe saw the
# machine stall; leaves the bounded run's WIN, MAXW, PAUSE, WALL and the
# unbounded run's in U_*
attempts() {
	local try
	start_probe
	for try in 1 2; do
		reset_probes
		"$@" --max-freeze=0
		U_WIN=$WIN U_MAXW=$MAXW U_PAUSE=$PAUSE U_WALL=$WALL
		"$@"
		((try == 1)) && ! verdict && (($(probe_pause_ms) >= STALL_MS)) || break
		echo "# failed while the machine stalled (a process pmadv never touched paused $(probe_pause_ms) ms): once more" >&3
	done
}

# verdict: the last attempt's unbounded run was one pause and its bounded
# run held the bound (a status; the tests assert it)
verdict() {
	local b_win=$WIN b_maxw=$MAXW b_pause=$PAUSE b_wall=$WALL ok=0
	WIN=$U_WIN MAXW=$U_MAXW PAUSE=$U_PAUSE WALL=$U_WALL
	unbounded_is_one_pause || ok=1
	WIN=$b_win MAXW=$b_maxw PAUSE=$b_pause WALL=$b_wall
	((ok == 0)) && bound_holds
}

bounded_vs_whole() {
	local kind=$1 how=$2
	swap_setup 1100M
	attempts pageout_pause "$kind" -f "$how"
	verdict
}

@test "1 GiB pageout, -f stop: the default bound caps the pause, --max-freeze=0 does not" {
	bounded_vs_whole none stop
}

@test "1 GiB pageout, -f cgroup (v2): the default bound caps the pause, --max-freeze=0 does not" {
	((EUID == 0)) || skip "cgroup tests need root"
	[[ -n $(mount_of cgroup2) ]] || skip "no cgroup v2 hierarchy mounted"
	bounded_vs_whole cgroup2 cgroup
}

@test "1 GiB pageout, -f cgroup (v1 freezer): the default bound caps the pause, --max-freeze=0 does not" {
	((EUID == 0)) || skip "cgroup tests need root"
	[[ -n $(mount_of freezer) ]] || skip "no cgroup v1 freezer hierarchy mounted"
	swap_setup 1100M
	start_pauser 16	# only to make the cgroup: the real runs make their own
	kill -KILL "$PAUSER"
	wait "$PAUSER" 2>/dev/null || true
	reaped "$PAUSER"
	bounded_vs_whole_v1
}

bounded_vs_whole_v1() {
	attempts pageout_pause_v1
	verdict
}

# as pageout_pause, in a v1 freezer cgroup named to -f (cgroup:PATH)
pageout_pause_v1() {
	start_pauser 1024
	new_cgroup freezer "$PAUSER"
	run_paused -f "cgroup:$CG" "$@"
	WIN=$(jq_out '.targets[0].windows')
	MAXW=$(jq_out '.targets[0].max_window_ms | floor')
	echo "v1 $* : $WIN windows, longest $MAXW ms; pause $PAUSE ms ($AT)" >&3
	all_advised
	kill -KILL "$PAUSER"
	wait "$PAUSER" 2>/dev/null || true
	reaped "$PAUSER"
	cgroups_thaw "$CG"
	cgroups_remove "$CG"
}

@test "many windows: each range advised once, --limit counts across windows, summary and JSON say how many" {
	start_target --anon 4
	export PMADV_TEST_CHUNK_BYTES=65536
	run -0 --separate-stderr "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop --max-freeze=1ms -J
	[ "$(jq_out .advised)" -eq $((4 << 20)) ]
	[ "$(jq_out .requested)" -eq $((4 << 20)) ]
	[ "$(jq_out '.targets[0].windows')" -ge 8 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]	# one mapping, one row
	[ "$(jq_out '.freezes[0].windows')" = "$(jq_out '.targets[0].windows')" ]
	run -0 --separate-stderr "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop --max-freeze=1ms --limit 1M -J
	[ "$(jq_out .advised)" -eq $((1 << 20)) ]
	[ "$(jq_out .requested)" -eq $((1 << 20)) ]
	[ "$(jq_out '.targets[0].windows')" -ge 4 ]
	run -0 "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop --max-freeze=1ms
	[[ $output =~ frozen\ [0-9.]+\ ms\ in\ [0-9]+\ windows\ \(longest\ [0-9.]+\ ms\)\ by\ stop ]]
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "--max-freeze: bad values are usage errors; 0 is one window" {
	run -2 "$PMADV" -p 1 -a cold --all --max-freeze=soon
	[[ $output == *"invalid --max-freeze 'soon'"* ]]
	start_target --anon 4
	PMADV_TEST_CHUNK_BYTES=65536 run -0 --separate-stderr "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop --max-freeze=0 -J
	[ "$(jq_out '.targets[0].windows')" -eq 1 ]
}

# frozen_by_stop, frozen_v2, frozen_v1: the target is held (a window is on)
frozen_by_stop() { [[ $(ps -o stat= -p "$TARGET_PID") == T* ]]; }
frozen_v2() { grep -qx 'frozen 1' "$CG/cgroup.events"; }
frozen_v1() { [[ $(<"$CG/freezer.state") == FROZEN ]]; }

# broken_by WHAT FROZEN PMADV-OPTS...: pmadv holds its window open 1 s
# (PMADV_TEST_DELAY_MS, which the watchdog counts as progress); once the
# FROZEN check sees the window on, WHAT runs against the target; pmadv
# must say freeze_broken, warn, and exit 3
broken_by() {
	local what=$1 frozen=$2
	shift 2
	PMADV_TEST_DELAY_MS=1000 "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" "$@" -J \
		>"$T/out" 2>"$T/err" 3>&- &
	local pm=$!
	CORE_PIDS+=("$pm")
	wait_for "$frozen"
	eval "$what"
	wait "$pm" && st=0 || st=$?
	reaped "$pm"
	cat "$T/out" "$T/err"
	[ "$st" -eq 3 ]
	[ "$(jq -r '.targets[0].freeze_broken' "$T/out")" = true ]
	[ "$(jq -r '.freezes[0].broken' "$T/out")" = true ]
	grep -q "freeze broken: .*another program .*not race-free" "$T/err"
	# what showed it and what the other program did, by freeze mode
	if [[ $frozen == frozen_by_stop ]]; then
		grep -q "freeze broken: a thread was running again while pmadv advised it (another program sent SIGCONT)" "$T/err"
	else
		grep -q "freeze broken: its cgroup was no longer frozen while pmadv advised it (another program thawed the cgroup)" "$T/err"
	fi
}

@test "a SIGCONT from another process during a -f stop window is reported (freeze_broken, exit 3)" {
	start_target --anon 1
	broken_by 'kill -CONT "$TARGET_PID"' frozen_by_stop -f stop
	broken_by 'kill -CONT "$TARGET_PID"' frozen_by_stop -f stop --max-freeze=0
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "a cgroup thawed by another writer during a -f cgroup window is reported (v2 and v1)" {
	start_target --anon 1
	new_cgroup cgroup2 "$TARGET_PID"
	broken_by 'echo 0 >"$CG/cgroup.freeze"' frozen_v2 -f cgroup
	[[ $(<"$CG/cgroup.freeze") == 0 ]]
	[[ -n $(mount_of freezer) ]] || skip "no cgroup v1 freezer hierarchy mounted"
	new_cgroup freezer "$TARGET_PID"
	broken_by 'echo THAWED >"$CG/freezer.state"' frozen_v1 -f "cgroup:$CG"
	[[ $(<"$CG/freezer.state") == THAWED ]]
}

@test "an undisturbed window is not reported broken" {
	start_target --anon 1
	PMADV_TEST_DELAY_MS=300 run -0 --separate-stderr "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop -J
	[ "$(jq_out '.targets[0].freeze_broken')" = false ]
}

# voluntary_switches PID: voluntary context switches of PID's thread. One
# asleep (the target waits in sigsuspend) switches out once when a SIGSTOP
# stops it and once when, resumed, it goes back to sleep (a stop that comes
# before it ran again: one switch), and at no other time: 4 switches mean
# two stops have begun at least
voluntary_switches() { awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status"; }

# interrupted SIGNAL...: a run of 512 windows (one 1 MiB chunk each, every
# window held 10 ms: at least 5 s on any machine) gets the signals, one
# right after the other, once its first window is over (the target's thread
# has switched 4 times since the start: two stops have begun, so the first
# one ended). Sets ST and leaves the JSON in $T/out.
interrupted() {
	local base pm sig
	base=$(voluntary_switches "$TARGET_PID")
	PMADV_TEST_CHUNK_BYTES=$((1 << 20)) PMADV_TEST_DELAY_MS=10 \
		env --default-signal=INT "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop \
		--max-freeze=1ms -J >"$T/out" 2>"$T/err" 3>&- &
	pm=$!
	CORE_PIDS+=("$pm")
	wait_for eval '(($(voluntary_switches "$TARGET_PID") >= base + 4))'
	for sig in "$@"; do kill -"$sig" "$pm"; done
	wait "$pm" && ST=0 || ST=$?
	reaped "$pm"
	cat "$T/err"
}

@test "SIGINT during a run of bounded windows: thawed, stopped, the exact partial report, exit 3" {
	start_target --anon 512
	interrupted INT
	[ "$ST" -eq 3 ]
	local adv req fail
	adv=$(jq -r .advised "$T/out") req=$(jq -r .requested "$T/out") fail=$(jq -r .failed "$T/out")
	echo "advised $adv of $req, failed $fail"
	# what the windows before the signal advised, in whole pages (a call
	# is at most the knob's 1 MiB, less when the pace says a 1 ms window
	# holds less); the rest failed as interrupted
	((adv > 0 && adv < (512 << 20) && adv % 4096 == 0 && req == adv + fail && fail > 0))
	grep -q "interrupted by signal 2" "$T/err"
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "SIGTERM twice during a run of bounded windows: nothing is left stopped" {
	start_target --anon 512
	interrupted TERM TERM
	echo "exit $ST"
	# the first TERM ends the run with its report (3); the second, if it
	# comes before pmadv is done, kills it (143): both leave nothing stopped
	[[ $ST -eq 3 || $ST -eq 143 ]]
	# (the guardian resumes what a killed pmadv held)
	wait_for eval '[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]'
}

@test "progress: a line on a terminal's stderr for a long run; none with -J, -q, or no terminal" {
	need_tool script util-linux
	start_target --anon 512
	# 512 windows held 10 ms each: at least 5 s on any machine, stopped by
	# timeout after 2 s (the line comes after 1 s, then every 0.2 s). Each
	# run must end interrupted (exit 3): still running after 2 s, so long
	# enough to have shown a line. (--foreground: the TERM goes to pmadv
	# alone, once; not to its process group, pmadv's guardian included.)
	export PMADV_TEST_CHUNK_BYTES=$((1 << 20)) PMADV_TEST_DELAY_MS=10
	local cmd="timeout --foreground --preserve-status -s TERM 2 $PMADV_TESTBUILD -p $TARGET_PID -a cold -r $anon -f stop --max-freeze=1ms"
	local st
	st=0
	script -qec "$cmd" /dev/null >"$T/tty" 2>&1 || st=$?
	cat -v "$T/tty"
	((st == 3))
	grep -aqE 'advised, [0-9.]+ [KMG]?i?B/s, [0-9]+ windows' "$T/tty"
	st=0
	script -qec "$cmd -q" /dev/null >"$T/tty" 2>&1 || st=$?
	((st == 3))
	not grep -aq 'B/s, ' "$T/tty"
	st=0
	script -qec "$cmd -J" /dev/null >"$T/tty" 2>&1 || st=$?
	((st == 3))
	not grep -aq 'B/s, ' "$T/tty"
	run -3 --separate-stderr $cmd
	[[ $stderr != *'B/s, '* ]]
	[[ $stderr == *"interrupted by signal 15"* ]]
}

@test "SIGTERM mid-window (bounded): the window ends at once, thawed, reported, nothing advised (exit 1)" {
	start_target --anon 1
	PMADV_TEST_DELAY_MS=20000 "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop -J \
		>"$T/out" 2>"$T/err" 3>&- &
	local pm=$! t0 t1 st
	CORE_PIDS+=("$pm")
	wait_for frozen_by_stop
	t0=$(date +%s%N)
	kill -TERM "$pm"
	wait "$pm" && st=0 || st=$?
	reaped "$pm"
	t1=$(date +%s%N)
	cat "$T/err"
	echo "exit $st after $(((t1 - t0) / 1000000)) ms, frozen $(jq .targets[0].frozen_ms "$T/out") ms"
	[ "$st" -eq 1 ]
	# at once: not after the 20 s hold, by pmadv's own account of the window
	# and as felt from here (half the hold: far from either, on any machine)
	awk -v f="$(jq .targets[0].frozen_ms "$T/out")" 'BEGIN { exit !(f < 10000) }'
	(((t1 - t0) / 1000000 < 10000))
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
	[ "$(jq -r .failed "$T/out")" -eq $((1 << 20)) ]
	grep -q "interrupted by signal 15" "$T/err"
}

@test "SIGINT during a pageout without a freeze: the exact partial report, one line for what was not reached, exit 3" {
	swap_setup 1100M
	start_target --anon 1024
	# bats starts background jobs with SIGINT ignored; a shell's Ctrl-C
	# reaches a foreground pmadv with it at its default
	env --default-signal=INT "$PMADV" -p "$TARGET_PID" -a pageout -r "$anon" -J \
		>"$T/out" 2>"$T/err" 3>&- &
	pm=$!
	CORE_PIDS+=("$pm")
	# the first 16 MiB calls are done: it is paging out
	wait_for eval '(($(awk '\''$1 == "Swap:" { print $2 }'\'' /proc/$TARGET_PID/smaps_rollup) > 32768))'
	kill -INT "$pm"
	wait "$pm" && ST=0 || ST=$?
	reaped "$pm"
	cat "$T/err"
	[ "$ST" -eq 3 ]
	adv=$(jq -r .advised "$T/out") req=$(jq -r .requested "$T/out") fail=$(jq -r .failed "$T/out")
	echo "advised $adv of $req, failed $fail"
	((adv > 0 && adv < req && req == adv + fail))
	# what it says: the interrupt, and one line for the ranges not reached
	grep -q "interrupted by signal 2 (SIGINT); the rest was not advised" "$T/err"
	grep -qE "[0-9]+ ranges? not advised: the run stopped before" "$T/err"
	if grep -q "Operation canceled" "$T/err"; then return 1; fi
	(($(wc -l <"$T/err") == 2))
	# and Swap holds what it says it advised (the reclaimer may add some)
	swap=$(($(awk '$1 == "Swap:" { print $2 }' /proc/"$TARGET_PID"/smaps_rollup) * 1024))
	echo "swap $swap"
	((swap >= adv - (16 << 20)))
}

@test "a bound below one read of the maps: said before the first window, with the read's time" {
	# 20,000 mappings: their read takes milliseconds on any machine, over
	# the least bound, 1 ms; one small selection, so one window
	start_target --many 20000 --anon 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' \
		-f stop --max-freeze=1ms
	echo "$stderr"
	[[ ${stderr_lines[0]} =~ reading\ its\ maps\ \(200[0-9][0-9]\ mappings\)\ took\ [0-9.]+\ ms,\ longer\ than\ the\ --max-freeze\ bound\ of\ 1.0\ ms ]]
	# a bound it fits under: nothing said
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -f stop
	[[ $stderr != *"reading its maps"* ]]
}
