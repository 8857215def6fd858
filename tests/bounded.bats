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

pword() { local v; v=$(od -An -t u8 -j $((8 * $1)) -N 8 "$T/pause.shm"); echo $((v)); }

# start_pauser MIB: sets PAUSER, RANGE
start_pauser() {
	rm -f "$T/pause.out"
	"$HELPERS/pauser" "$T/pause.shm" "$1" >"$T/pause.out" 3>&- &
	PAUSER=$!
	CORE_PIDS+=("$PAUSER")
	wait_for test -s "$T/pause.out"
	read -r s e <"$T/pause.out"
	RANGE=0x$s-0x$e
}

reset_pause() {
	printf '\001\0\0\0\0\0\0\0' | dd of="$T/pause.shm" bs=8 seek=3 conv=notrunc 2>/dev/null
	sleep 0.3
}

# pageout_pause CGROUP-KIND PMADV-OPTS...: a fresh 1 GiB pauser, paged out;
# sets WIN (windows), MAXW (longest window, ms), PAUSE (its longest pause, ms)
pageout_pause() {
	local kind=$1
	shift
	start_pauser 1024
	[[ $kind == none ]] || new_cgroup "$kind" "$PAUSER"
	reset_pause
	run -0 --separate-stderr "$PMADV" -p "$PAUSER" -a pageout -r "$RANGE" "$@" -J
	sleep 0.2
	WIN=$(jq_out '.targets[0].windows')
	MAXW=$(jq_out '.targets[0].max_window_ms | floor')
	PAUSE=$(($(pword 1) / 1000000))
	echo "$* : advised $(jq_out .advised) in $WIN windows, longest $MAXW ms; pause $PAUSE ms" >&3
	[ "$(jq_out .advised)" -eq $((1024 << 20)) ]
	[ "$(jq_out '.targets[0].freeze_broken')" = false ]
	kill -KILL "$PAUSER"
	wait "$PAUSER" 2>/dev/null || true
	[[ $kind == none ]] || { cgroups_remove "$CG"; }
}

# The bound is 100 ms; one chunk may overshoot it (planned for a quarter of
# the bound, a slow swap write can double it), and a loaded 2-core machine
# adds scheduling delay: 400 ms is loose, and still far below what one
# window for 1 GiB takes. bench/RESULTS.md has the exact figures.
bounded_vs_whole() {
	local kind=$1 how=$2
	swap_setup 1100M
	pageout_pause "$kind" -f "$how" --max-freeze=0
	local whole=$PAUSE wholew=$MAXW
	[ "$WIN" -eq 1 ]
	((whole + 20 >= wholew))	# the target saw the whole run as one pause
	pageout_pause "$kind" -f "$how"
	[ "$WIN" -ge 2 ]
	((MAXW <= 400))
	((PAUSE <= 450))
	((PAUSE < whole))
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
	bounded_vs_whole_v1
}

bounded_vs_whole_v1() {
	local whole wholew
	_v1() { pageout_pause freezer -f "cgroup:\$CG" "$@"; }
	pageout_pause_v1 --max-freeze=0
	whole=$PAUSE wholew=$MAXW
	[ "$WIN" -eq 1 ]
	((whole + 20 >= wholew))
	pageout_pause_v1
	[ "$WIN" -ge 2 ]
	((MAXW <= 400))
	((PAUSE <= 450))
	((PAUSE < whole))
}

# as pageout_pause, in a v1 freezer cgroup named to -f (cgroup:PATH)
pageout_pause_v1() {
	start_pauser 1024
	new_cgroup freezer "$PAUSER"
	reset_pause
	run -0 --separate-stderr "$PMADV" -p "$PAUSER" -a pageout -r "$RANGE" -f "cgroup:$CG" "$@" -J
	sleep 0.2
	WIN=$(jq_out '.targets[0].windows')
	MAXW=$(jq_out '.targets[0].max_window_ms | floor')
	PAUSE=$(($(pword 1) / 1000000))
	echo "v1 $* : $WIN windows, longest $MAXW ms; pause $PAUSE ms" >&3
	[ "$(jq_out .advised)" -eq $((1024 << 20)) ]
	kill -KILL "$PAUSER"
	wait "$PAUSER" 2>/dev/null || true
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

# broken_by WHAT PMADV-OPTS...: pmadv holds its window open 0.8 s
# (PMADV_TEST_DELAY_MS; the watchdog's bound is 1 s) while WHAT runs against the target; it must say
# freeze_broken, warn, and exit 3
broken_by() {
	local what=$1
	shift
	PMADV_TEST_DELAY_MS=800 "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" "$@" -J \
		>"$T/out" 2>"$T/err" 3>&- &
	local pm=$!
	sleep 0.4
	eval "$what"
	wait "$pm" && st=0 || st=$?
	cat "$T/out" "$T/err"
	[ "$st" -eq 3 ]
	[ "$(jq -r '.targets[0].freeze_broken' "$T/out")" = true ]
	[ "$(jq -r '.freezes[0].broken' "$T/out")" = true ]
	grep -q "freeze broken: .*another program .*not race-free" "$T/err"
}

@test "a SIGCONT from another process during a -f stop window is reported (freeze_broken, exit 3)" {
	start_target --anon 1
	broken_by 'kill -CONT "$TARGET_PID"' -f stop
	broken_by 'kill -CONT "$TARGET_PID"' -f stop --max-freeze=0
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "a cgroup thawed by another writer during a -f cgroup window is reported (v2 and v1)" {
	start_target --anon 1
	new_cgroup cgroup2 "$TARGET_PID"
	broken_by 'echo 0 >"$CG/cgroup.freeze"' -f cgroup
	[[ $(<"$CG/cgroup.freeze") == 0 ]]
	[[ -n $(mount_of freezer) ]] || skip "no cgroup v1 freezer hierarchy mounted"
	new_cgroup freezer "$TARGET_PID"
	broken_by 'echo THAWED >"$CG/freezer.state"' -f "cgroup:$CG"
	[[ $(<"$CG/freezer.state") == THAWED ]]
}

@test "an undisturbed window is not reported broken" {
	start_target --anon 1
	PMADV_TEST_DELAY_MS=300 run -0 --separate-stderr "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop -J
	[ "$(jq_out '.targets[0].freeze_broken')" = false ]
}

# interrupted SIGNAL...: a long run of small windows gets the signals, one
# right after the other; sets ST and leaves the JSON in $T/out
interrupted() {
	export PMADV_TEST_CHUNK_BYTES=$((1 << 20))
	env --default-signal=INT "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop \
		--max-freeze=1ms -J >"$T/out" 2>"$T/err" 3>&- &
	local pm=$! sig
	sleep 0.5
	for sig in "$@"; do kill -"$sig" "$pm" 2>/dev/null || true; done
	wait "$pm" && ST=0 || ST=$?
	cat "$T/err"
}

@test "SIGINT between windows: thawed, stopped, the exact partial report, exit 3" {
	start_target --anon 512
	interrupted INT
	[ "$ST" -eq 3 ]
	local adv req fail
	adv=$(jq -r .advised "$T/out") req=$(jq -r .requested "$T/out") fail=$(jq -r .failed "$T/out")
	echo "advised $adv of $req, failed $fail"
	((adv > 0 && adv < (512 << 20) && req == adv + fail && fail > 0))
	grep -q "interrupted by signal 2" "$T/err"
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "SIGTERM twice between windows: nothing is left stopped" {
	start_target --anon 512
	interrupted TERM TERM
	echo "exit $ST"
	[[ $ST -eq 3 || $ST -eq 143 ]]
	sleep 0.2
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "progress: a line on a terminal's stderr for a long run; none with -J, -q, or no terminal" {
	need_tool script util-linux
	start_target --anon 512
	export PMADV_TEST_CHUNK_BYTES=$((1 << 20))
	local cmd="$PMADV_TESTBUILD -p $TARGET_PID -a cold -r $anon -f stop --max-freeze=1ms"
	script -qec "$cmd" /dev/null >"$T/tty" 2>&1
	grep -aqE 'advised, [0-9.]+ [KMG]?i?B/s, [0-9]+ windows' "$T/tty"
	script -qec "$cmd -q" /dev/null >"$T/tty" 2>&1
	not grep -aq 'B/s, ' "$T/tty"
	script -qec "$cmd -J" /dev/null >"$T/tty" 2>&1
	not grep -aq 'B/s, ' "$T/tty"
	run -0 --separate-stderr $cmd
	[[ $stderr != *'B/s, '* ]]
}

@test "SIGTERM mid-window (bounded): the window ends at once, thawed, reported, nothing advised (exit 1)" {
	start_target --anon 1
	PMADV_TEST_DELAY_MS=20000 "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -r "$anon" -f stop -J \
		>"$T/out" 2>"$T/err" 3>&- &
	local pm=$! t0 t1 st
	wait_for eval '[[ $(ps -o stat= -p "$TARGET_PID") == T* ]]'
	t0=$(date +%s%N)
	kill -TERM "$pm"
	wait "$pm" && st=0 || st=$?
	t1=$(date +%s%N)
	cat "$T/err"
	echo "exit $st after $(((t1 - t0) / 1000000)) ms"
	[ "$st" -eq 1 ]
	(((t1 - t0) / 1000000 < 1000))
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
	[ "$(jq -r .failed "$T/out")" -eq $((1 << 20)) ]
	grep -q "interrupted by signal 15" "$T/err"
}
