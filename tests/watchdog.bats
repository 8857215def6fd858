#!/usr/bin/env bats
# A freeze window ends even while the advice call is stuck in the kernel.
# tests/helpers/fuse-mapped.c is a FUSE server that maps its own file: a
# WILLNEED of that mapping waits for the server, so freezing the server
# (the target itself with -f stop, or its cgroup) makes process_madvise
# wait for a thaw that only an outside party can bring. pmadv's watchdog
# (no advice call completed for max(2 x --freeze-timeout, 5 s)) thaws and
# reports the window as broken; SIGTERM/SIGINT thaw at once.

bats_require_minimum_version 1.5.0

load freeze_helper

MNTS=()

setup() {
	freeze_setup
	[[ -e /dev/fuse ]] || skip "no /dev/fuse: the FUSE module is unavailable"
	[[ -x $HELPERS/fuse-mapped ]] ||
		skip "no fuse-mapped helper (libfuse3-dev missing when it was built)"
}

teardown() {
	local m
	# first abort every connection (umount -f): nothing, the server's own
	# exit included, can then wait on it; then kill, then detach
	for m in "${MNTS[@]}"; do
		grep -q " $m " /proc/self/mounts && umount -f "$m" 2>/dev/null
	done
	freeze_teardown
	for m in "${MNTS[@]}"; do
		grep -q " $m " /proc/self/mounts && umount -l "$m" 2>/dev/null
	done
	return 0
}

# start_fuse [child]: a fresh server (a fresh page cache: nothing of f is
# read yet) on a new mount point; FUSE is the server, FT the target (the
# server itself, or with "child" a child of it sharing the mapping).
start_fuse() {
	local mnt=$T/mnt${#MNTS[@]}
	mkdir -p "$mnt"
	MNTS+=("$mnt")
	bg "$HELPERS/fuse-mapped" "$mnt" 16 "$@" >"$T/fuse.out"
	FUSE=$BG
	wait_until 5000 grep -q '^ready' "$T/fuse.out" || {
		echo "fuse-mapped did not start: $(cat "$T/fuse.out")" >&2
		return 1
	}
	FT=$(awk '/^ready/ { print $2 }' "$T/fuse.out")
	FZ_PIDS+=("$FT")
	MNT=$mnt
}

not_stopped() { [[ ! $(thread_states "$1") =~ [Tt] ]]; }

# blocked PID: pmadv's main thread is waiting for the FUSE server
blocked() { grep -q fuse /proc/"$1"/stack 2>/dev/null; }

# The watchdog ends a stuck window once its bound has passed: never before
# (the window pmadv reports is at least the bound), and then at once, give
# or take WATCHDOG_SLACK_MS for its thread to wake and thaw on a loaded
# machine. These are checked on the window pmadv reports, not on the
# run's wall-clock time (start-up, maps reads, the report and a sanitizer
# build's slowness are no part of the window); from outside, the run took
# at least the window it reports.
WATCHDOG_SLACK_MS=1000

# window_within MS BOUND_MS RUN_MS: a reported window of MS ms is at least
# BOUND_MS, at most BOUND_MS + WATCHDOG_SLACK_MS, and no longer than the
# RUN_MS the run took as measured from outside
window_within() {
	awk -v w="$1" -v b="$2" -v s="$WATCHDOG_SLACK_MS" -v r="$3" \
		'BEGIN { exit !(w >= b && w <= b + s && w <= r) }' || {
		echo "window $1 ms: want [$2, $2 + $WATCHDOG_SLACK_MS] ms, within the run's $3 ms" >&2
		return 1
	}
}

@test "watchdog: -f stop of a FUSE server mapping its own file ends in 5 s, freeze_broken, exit 3" {
	start_fuse
	local t0 t1
	t0=$(date +%s%N)
	# timeout: on code without the watchdog this would never return
	run timeout -s KILL 30 "$PMADV" -p "$FT" -a willneed -m f -f stop \
		--freeze-timeout 1s --max-freeze=0 -J
	t1=$(date +%s%N)
	echo "$output"
	echo "returned after $(((t1 - t0) / 1000000)) ms"
	[ "$status" -eq 3 ]
	[[ $output == *"freeze broken"*"not race-free"* ]]
	local json=${output##*$'\n'}
	[ "$(jq '.targets[0].freeze_broken' <<<"$json")" = true ]
	[ "$(jq '.freezes[0].broken' <<<"$json")" = true ]
	# one window (--max-freeze=0): the bound is max(2 x 1 s, 5 s)
	[ "$(jq '.targets[0].windows' <<<"$json")" -eq 1 ]
	window_within "$(jq '.freezes[0].duration_ms' <<<"$json")" 5000 $(((t1 - t0) / 1000000))
	# the blocked call finished once the server ran again
	[ "$(jq '.targets[0].advised' <<<"$json")" -eq $((16 << 20)) ]
	not_stopped "$FT"
	# and a window that completes is not broken
	run -0 "$PMADV" -p "$FT" -a willneed -m f -f stop --freeze-timeout 1s --max-freeze=0 -J
	[ "$(jq '.targets[0].freeze_broken' <<<"$output")" = false ]
	[ "$(jq '.freezes[0].broken' <<<"$output")" = false ]
}

@test "watchdog: -f cgroup of a FUSE server and its client ends in 5 s (v2), freeze_broken" {
	need_v2
	start_fuse child
	make_cgroup "$V2"
	move_to "$CG" "$FUSE" "$FT"
	local t0 t1
	t0=$(date +%s%N)
	run timeout -s KILL 30 "$PMADV" -p "$FT" -a willneed -m f -f cgroup \
		--freeze-timeout 1s --max-freeze=0
	t1=$(date +%s%N)
	echo "$output"
	echo "returned after $(((t1 - t0) / 1000000)) ms"
	[ "$status" -eq 3 ]
	# the window as the summary reports it: "frozen MS ms by cgroup ..."
	local frozen
	frozen=$(sed -n 's/.*; frozen \([0-9.]*\) ms by cgroup .*/\1/p' <<<"$output")
	[ -n "$frozen" ]
	window_within "$frozen" 5000 $(((t1 - t0) / 1000000))
	# human summary and a warning line
	[[ $output == *"; freeze broken: thawed after "*" s without progress, not race-free"* ]]
	[[ $output == *": $FT (fuse-mapped): freeze broken: no advice call completed"* ]]
	v2_thawed "$CG"
	[ "$(<"$CG/cgroup.freeze")" = 0 ]
}

# killed_blocked SIG: pmadv blocked in a call the frozen server must answer;
# SIG thaws the server at once (the window is unbounded: it cannot wait
# for that call), the call ends, and pmadv reports the run, the freeze
# said lifted, not race-free (exit 3, or 1 if nothing was advised). At once: before the
# watchdog could have (its bound is 20 s here, max(2 x 10 s, 5 s); nothing
# else thaws the server): the thaw must come within half of that from the
# signal, on any machine (it takes milliseconds).
killed_blocked() {
	local sig=$1 m t0 t1
	start_fuse
	bg "$HELPERS/freeze-sigdfl" "$PMADV" -p "$FT" -a willneed -m f -f stop \
		--freeze-timeout 10s --max-freeze=0 >"$T/out" 2>&1
	m=$BG
	wait_until 3000 all_stopped "$FT"
	wait_until 3000 blocked "$m"
	t0=$(date +%s%N)
	kill -"$sig" "$m"
	wait_until 10000 not_stopped "$FT"
	t1=$(date +%s%N)
	echo "SIG$sig: thawed after $(((t1 - t0) / 1000)) us"
	reap "$m"
	cat "$T/out"
	((REAPED == 3 || REAPED == 1))
	grep -q "interrupted by signal $(kill -l "$sig") " "$T/out"
	grep -q "freeze was lifted at the interrupt" "$T/out"
	(((t1 - t0) / 1000000 < 10000))
}

@test "watchdog: SIGTERM and SIGINT while the advice call is blocked thaw at once, then the run reports" {
	[[ -x $HELPERS/freeze-sigdfl ]] || skip "no freeze-sigdfl helper"
	killed_blocked TERM
	killed_blocked INT
}

@test "watchdog: under a freeze, calls carry at most 64 MiB (progress shows per call)" {
	command -v strace >/dev/null || skip "missing tool: strace (calls not counted)"
	cd "$T"
	bg "$HELPERS/big-map" 1 latch
	local target=$BG calls
	wait_until 2000 test -s latch
	source latch
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run -0 strace -f -e trace=process_madvise -o trace.txt \
		"$PMADV" -p "$target" -a cold -r "$big" -f stop --max-freeze=0 -q
	calls=$(grep -c 'process_madvise(.*\[{iov_base' trace.txt)
	echo "calls with iovecs: $calls"
	((calls == 16))
	# without a freeze there is no watchdog; calls carry 16 MiB, so that
	# the target's mmap_lock is never held long (issue 12)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run -0 strace -f -e trace=process_madvise -o trace.txt \
		"$PMADV" -p "$target" -a cold -r "$big" -q
	calls=$(grep -c 'process_madvise(.*\[{iov_base' trace.txt)
	((calls == 64))
}

@test "watchdog: with the default --max-freeze, the guardian ends a stuck window at 100 + 60 ms (issue 18)" {
	start_fuse
	local t0 t1
	t0=$(date +%s%N)
	run timeout -s KILL 30 "$PMADV" -p "$FT" -a willneed -m f -f stop -J
	t1=$(date +%s%N)
	echo "returned after $(((t1 - t0) / 1000000)) ms"
	[ "$status" -eq 3 ]
	local json=${output##*$'\n'}
	[ "$(jq '.targets[0].freeze_broken' <<<"$json")" = true ]
	# the stuck window (the longest) was ended by the guardian at the
	# bound + its grace (160 ms), within the stated slack (100 ms past
	# the bound at most), and inside the run as felt from outside
	local w
	w=$(jq '.targets[0].max_window_ms' <<<"$json")
	awk -v w="$w" -v r=$(((t1 - t0) / 1000000)) \
		'BEGIN { exit !(w >= 160 && w <= 200 && w <= r) }' || {
		echo "window $w ms: want [160, 200] ms, within the run" >&2
		return 1
	}
	[[ $(jq -r '.targets[0].warnings[]' <<<"$json") == *"the guardian ended the stop window"* ]]
	not_stopped "$FT"
	# the human summary names the deadline, not --max-freeze=0's "without
	# progress" rule
	run -3 --separate-stderr timeout -s KILL 30 "$PMADV" -p "$FT" -a willneed -m f -f stop
	[[ $output == *"; freeze broken: a window ended at its deadline (160 ms), not race-free"* ]]
	not_stopped "$FT"
}
