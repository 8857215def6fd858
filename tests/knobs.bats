#!/usr/bin/env bats
# No environment variable changes what an installed pmadv does (issue 17,
# "No test knobs in the shipped binary"). PMADV_TEST_DELAY_MS,
# PMADV_TEST_CHUNK_BYTES, PMADV_MAPS_SOURCE, PMADV_TEST_AHEAD_SIGNAL (a
# process signalled between the sharer scan and the freeze),
# PMADV_TEST_LIBPROC2 and PMADV_TEST_LIBSMARTCOLS (the sonames -N and the
# tables load) are compiled only into the test build ($PMADV_TESTBUILD,
# make test-build, -DPMADV_TEST_HOOKS); $PMADV
# is the binary make install ships. Each check runs the test build as a
# control: the same measurement sees the knob there, so it would see it in
# the shipped binary too.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
	need_testbuild
}

teardown() {
	core_teardown
}

# frozen_ms: the first target's frozen_ms in $output (a -J document)
frozen_ms() { jq_out '.targets[0].frozen_ms'; }

@test "the shipped binary has no test knob; the test build has them" {
	local v
	for v in PMADV_TEST_DELAY_MS PMADV_TEST_CHUNK_BYTES PMADV_MAPS_SOURCE \
		PMADV_TEST_AHEAD_SIGNAL PMADV_TEST_LIBPROC2 PMADV_TEST_LIBSMARTCOLS; do
		# grep -c: 0 matching lines is status 1, not an error
		[ "$(LC_ALL=C grep -ca "$v" "$PMADV" || true)" -eq 0 ] ||
			{ echo "$PMADV reads $v" >&2; return 1; }
		LC_ALL=C grep -qa "$v" "$PMADV_TESTBUILD"
	done
}

@test "PMADV_TEST_DELAY_MS: the shipped binary's -f stop window stays short" {
	start_target --anon 1
	# control: the test build holds the window open for the delay
	PMADV_TEST_DELAY_MS=2000 run -0 --separate-stderr "$PMADV_TESTBUILD" \
		-p "$TARGET_PID" -a cold -r "$anon" -f stop -J
	echo "test build: frozen $(frozen_ms) ms" >&3
	awk -v f="$(frozen_ms)" 'BEGIN { exit !(f >= 2000) }'
	# the shipped binary: a window of the 1 MiB cold alone (well under a
	# millisecond here); honouring the knob would make it >= 2000 ms
	local t0 ms
	t0=$(date +%s%N)
	PMADV_TEST_DELAY_MS=2000 run -0 --separate-stderr "$PMADV" \
		-p "$TARGET_PID" -a cold -r "$anon" -f stop -J
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "shipped: frozen $(frozen_ms) ms, returned after $ms ms"
	[[ -z $stderr ]]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	awk -v f="$(frozen_ms)" 'BEGIN { exit !(f < 2000) }'
	[ "$(jq_out '.targets[0].freeze_broken')" = false ]
	# felt from outside too: the run did not sleep the delay
	((ms < 2000))
	[[ $(ps -o stat= -p "$TARGET_PID") != T* ]]
}

@test "PMADV_TEST_CHUNK_BYTES: the shipped binary does not cut a run into one-page windows" {
	start_target --anon 1
	# control: one page per window is 256 windows for 1 MiB
	PMADV_TEST_CHUNK_BYTES=4096 run -0 --separate-stderr "$PMADV_TESTBUILD" \
		-p "$TARGET_PID" -a cold -r "$anon" -f stop -J
	[ "$(jq_out '.targets[0].windows')" -ge 256 ]
	# shipped: 1 MiB of cold in a window or a few (the bound is 100 ms)
	PMADV_TEST_CHUNK_BYTES=4096 run -0 --separate-stderr "$PMADV" \
		-p "$TARGET_PID" -a cold -r "$anon" -f stop -J
	echo "shipped: $(jq_out '.targets[0].windows') windows"
	[ "$(jq_out '.targets[0].windows')" -lt 64 ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
}

@test "PMADV_MAPS_SOURCE=query: the shipped binary makes no PROCMAP_QUERY ioctl" {
	need_tool strace
	start_target --anon 1 --many 20
	# ioctls on the target's maps file (-y names the fd's path); LeakSanitizer
	# cannot run under ptrace, a sanitizer build checks everything else
	maps_ioctls() {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 PMADV_MAPS_SOURCE=query \
			strace -f -y -e trace=ioctl -o "$T/trace" "$@" -p "$TARGET_PID" -a cold --all -q ||
			return 1
		grep -c "^.*ioctl([0-9]*</proc/$TARGET_PID/maps>" "$T/trace" || true
	}
	run -0 maps_ioctls "$PMADV_TESTBUILD"
	echo "test build: $output ioctls on the maps file"
	((output > 0))
	run -0 maps_ioctls "$PMADV"
	echo "shipped: $output ioctls on the maps file"
	((output == 0))
}
