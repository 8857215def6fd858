#!/usr/bin/env bats
# One range of a batch that the kernel refuses or fails must not abort the
# rest: pmadv isolates it (a short return carries no errno: the failing
# iovec is asked again alone), records it, and goes on. The target changes
# after pmadv read its maps (PMADV_TEST_DELAY_MS holds that window open):
# a region mlocked (cold/pageout: EINVAL, a refusal: skipped) or unmapped
# (ENOMEM: failed, exit 3).

bats_require_minimum_version 1.5.0

load test_helper		# swap_setup

setup() {
	need_testbuild		# PMADV_TEST_DELAY_MS: the test build
	H=$BATS_TEST_DIRNAME/helpers/bin
	cd "$BATS_TEST_TMPDIR"
	"$H/late-change" latch 3>&- &
	TARGET=$!
	for _ in $(seq 200); do [[ -s latch ]] && break; sleep 0.01; done
	source latch
	PM=""
}

teardown() {
	[[ -n $PM ]] && kill "$PM" 2>/dev/null
	kill "$TARGET" 2>/dev/null || true
	wait 2>/dev/null || true
	# after the target is gone: swapoff need not read its pages back
	local f
	for f in "${CORE_SWAPFILES[@]}"; do
		swapoff "$f" 2>/dev/null
		rm -f "$f"
	done
}

# in_sleep PID: PID is asleep (nanosleep, clock_nanosleep: /proc/PID/syscall)
in_sleep() {
	local nr
	nr=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) || return 1
	[[ $nr == 230 || $nr == 35 ]]
}

# change SIGNAL PMADV-ARGS...: run pmadv with a 1.5 s pause between reading
# maps and advising; change the target inside that pause: once pmadv is in
# it (it has read the maps), and done before the pause ends (without a
# freeze, the target has changed while pmadv still sleeps)
change() {
	local sig=$1 frozen=0
	shift
	[[ " $* " == *" -f stop "* ]] && frozen=1
	PMADV_TEST_DELAY_MS=1500 "$PMADV_TESTBUILD" -p "$TARGET" "$@" > out.json 2> err.txt &
	PM=$!
	# (frozen: once the target is stopped, pmadv's next sleep is the pause)
	((frozen == 0)) || wait_for eval '[[ $(ps -o stat= -p "$TARGET") == T* ]]'
	wait_for in_sleep "$PM"
	kill "-$sig" "$TARGET"
	if ((frozen)); then
		# stopped: the signal waits for the thaw, and so does the change
		not grep -q changed=1 latch || return 99
	else
		wait_for grep -q changed=1 latch
		# still in the pause (it sleeps in slices: a few looks)
		POLL_TRIES=20 wait_for in_sleep "$PM" ||
			{ echo "the change came after pmadv's pause" >&2; return 99; }
	fi
	wait "$PM" && st=0 || st=$?
	PM=""
	return "$st"
}

@test "a range mlocked after maps were read: refused by the kernel, skipped, the rest advised" {
	# anonymous pageout is skipped without swap (issue 11): give it some
	T=$BATS_TEST_TMPDIR
	swap_setup
	run -0 change USR1 -a pageout -r "$a" -r "$b" -r "$c" -J
	cat err.txt
	jq -e '.advised == 2097152 and .failed == 0' out.json
	jq -e --arg b "${b%-*}" '.targets[0].skipped[] | select(.start == $b) | .reason | test("refused by the kernel")' out.json
	jq -e '[.targets[0].ranges[].start] | length == 2' out.json
}

@test "a range unmapped after maps were read: failed with its errno, the rest advised, exit 3" {
	run -3 change USR2 -a cold -r "$a" -r "$b" -r "$c" -J
	cat err.txt
	jq -e '.advised == 2097152 and .failed == 1048576 and .requested == .advised + .failed' out.json
	jq -e --arg b "${b%-*}" '.targets[0].ranges[] | select(.start == $b) | .error | test("memory")' out.json
	grep -q "unmapped since maps were read" err.txt
}

@test "the same change with --freeze=stop cannot happen inside the window" {
	run -0 change USR2 -a cold -r "$a" -r "$b" -r "$c" -J -f stop
	jq -e '.advised == 3145728 and .failed == 0' out.json
}
