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

# change SIGNAL PMADV-ARGS...: run pmadv with a 1.5 s pause between reading
# maps and advising; change the target inside that pause
change() {
	local sig=$1
	shift
	PMADV_TEST_DELAY_MS=1500 "$PMADV_TESTBUILD" -p "$TARGET" "$@" > out.json 2> err.txt &
	PM=$!
	sleep 0.5	# pmadv reads the maps at once; the pause is 1.5 s
	kill "-$sig" "$TARGET"
	for _ in $(seq 200); do grep -q changed=1 latch && break; sleep 0.01; done
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
