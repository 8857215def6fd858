#!/usr/bin/env bats
# The PROCMAP_QUERY fallback (src/proc/procmap.c) sees the same mappings as the
# maps text, and advising through it works the same.

bats_require_minimum_version 1.5.0
load test_helper

setup() { core_setup; }
teardown() { core_teardown; }

@test "PMADV_MAPS_SOURCE=query: same ranges, names and result as the maps text" {
	dd if=/dev/urandom of="$BATS_TEST_TMPDIR/with space.bin" bs=64K count=4 status=none
	need_testbuild		# PMADV_MAPS_SOURCE: the test build
	start_target --file "$BATS_TEST_TMPDIR/with space.bin" --anon 2 --many 50 --memfd "odd name:1"
	run -0 "$PMADV_TESTBUILD" -p "$TARGET_PID" -a willneed --all -J
	text=$(jq -c '[.targets[0].ranges[] | [.start, .end, .perms, .name]]' <<<"$output")
	run -0 env PMADV_MAPS_SOURCE=query "$PMADV_TESTBUILD" -p "$TARGET_PID" -a willneed --all -J
	query=$(jq -c '[.targets[0].ranges[] | [.start, .end, .perms, .name]]' <<<"$output")
	[[ $text == "$query" ]]
	jq -e '.advised == .requested and .requested > 0' <<<"$output"
	run -0 env PMADV_MAPS_SOURCE=query "$PMADV_TESTBUILD" -p "$TARGET_PID" -a cold -m "with space.bin" -J
	jq -e '.advised == 262144' <<<"$output"
}
