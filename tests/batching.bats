#!/usr/bin/env bats
# The kernel's limits per process_madvise call: at most 1024 iovecs, and a
# total of 0x7ffff000 bytes past which iovecs are ignored without an error.
# pmadv splits across calls and its totals stay exact.

bats_require_minimum_version 1.5.0

setup() {
	PMADV=${PMADV:-$BATS_TEST_DIRNAME/../pmadv}
	H=$BATS_TEST_DIRNAME/helpers/bin
	cd "$BATS_TEST_TMPDIR"
	TARGET=""
}

teardown() {
	[[ -n $TARGET ]] && kill "$TARGET" 2>/dev/null
	wait 2>/dev/null || true
}

@test "a 5 GiB mapping is split under the byte cap: all of it advised, in 16 MiB calls" {
	"$H/big-map" 5 latch 3>&- &
	TARGET=$!
	for _ in $(seq 200); do [[ -s latch ]] && break; sleep 0.01; done
	source latch
	run -0 "$PMADV" -p "$TARGET" -a cold -r "$big" -J
	jq -e '.advised == 5368709120 and .failed == 0 and .requested == .advised' <<<"$output"
	command -v strace >/dev/null || skip "missing tool: strace (call count not checked)"
	run -0 strace_pmadv -f -e trace=process_madvise -o trace.txt "$PMADV" -p "$TARGET" -a cold -r "$big" -q
	# one probe with no iovec, then, without a freeze, calls of 16 MiB so
	# that the target's mmap_lock is never held long (issue 12; under the
	# kernel's 0x7ffff000 cap): 5 GiB / 16 MiB = 320
	calls=$(grep -c 'process_madvise(.*\[{iov_base' trace.txt)
	echo "calls with iovecs: $calls"
	((calls == 320))
	# none over the cap: every call returned its whole request
	not grep -E 'process_madvise\(.*= -1' trace.txt
}

@test "2,000 mappings go in batches of at most 1024 iovecs" {
	"$H/target" --ready latch --many 2000 3>&- &
	TARGET=$!
	for _ in $(seq 500); do [[ -s latch ]] && break; sleep 0.01; done
	source latch
	run -0 "$PMADV" -p "$TARGET" -a cold -r "$many" -J
	jq -e '.advised == 2000 * 4096 and (.targets[0].ranges | length) == 2000' <<<"$output"
	command -v strace >/dev/null || skip "missing tool: strace (batches not checked)"
	run -0 strace_pmadv -v -s 0 -e trace=process_madvise -o trace.txt "$PMADV" -p "$TARGET" -a cold -r "$many" -q
	# the iovec count is the third argument: 1024 then 976
	counts=$(sed -n 's/.*\], \([0-9]*\), MADV_COLD.*/\1/p' trace.txt | tr '\n' ' ')
	echo "iovecs per call: $counts"
	[[ $counts == "1024 976 " ]]
}

not() { ! "$@"; }

# strace ARGS...: LeakSanitizer cannot run under ptrace; a sanitizer build
# keeps checking everything else
strace_pmadv() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace "$@"
}
