#!/usr/bin/env bats
# Core tests of the real pmadv binary against real target processes
# (tests/helpers/target.c; see the comment at its top for what each option
# maps and the latch keys it reports). Effects are checked in /proc/PID/smaps
# and through the page cache where the kernel shows one.
#
# Contract: issue 2 (pmadv [OPTION...] -a ADVICE (-p PID | --pidfd FD)
# SELECTION...; exit 0 all advised, 1 failure, 2 usage, 3 partial; -J JSON).
#
# Assumptions about messages (asserted loosely, case-insensitively, on
# stderr unless said otherwise):
#  - no such process: contains "no such process".
#  - an fd that is not a pidfd, or not open: contains "pidfd"; exit 1.
#  - a pidfd of a reaped process: exit 1; contains "no such process",
#    "exited", "not running" or "gone".
#  - dontneed and other known advice: exit 2, "not allowed on another process".
#  - unknown advice, malformed range, bad regex, missing -a / target /
#    selection: exit 2 and some message on stderr (content not asserted).
#  - a range covering no mapping: exit 1 and a message (content not asserted).
#  - refused permission (unprivileged caller, root target): exit 1, mentions
#    "CAP_SYS_NICE", "access" or "permission"; unprivileged caller and target
#    of the same uid: mentions "CAP_SYS_NICE".
#  - a zombie target: exit 1, mentions "zombie"; a kernel thread: exit 1,
#    mentions "kernel thread".
#  - skipped reasons: [vsyscall] mentions "vsyscall"; mlock'ed mentions "lock".
#  - a range that cannot hold a huge page is skipped for MADV_COLLAPSE
#    (reason mentions "huge page"); alone it leaves nothing to advise: 1.
#  - a -r range covering no mapping next to one that is advised: exit 3.
#  - only mlock'ed memory selected for cold: nothing to advise, exit 1.
#  - a -e regex or -m name that selects nothing: exit 1 (nothing advised).
#  - JSON "name" of a memfd mapping starts with "/memfd:NAME" (the
#    " (deleted)" suffix may be kept or dropped).
#  - human output: a 32 MiB range shows as "32.0 MiB" (or "32 MiB"); a dry
#    run says "dry" somewhere on stdout.
#  - -h is accepted as --help (the contract lists "-h").
#  - -q prints nothing on stdout on success.
#  - -v prints each range's start address (hex, "0x" prefix optional).
# The background DAMON reclaimer of the test machines may evict pages at any
# time: tests touch pages again (SIGUSR1 to the target) right before
# measuring, and never take a drop in Rss alone as proof of advice.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
}

teardown() {
	core_teardown
}

# ---------------------------------------------------------------- effects

@test "pageout of a private clean file mapping drops its Rss" {
	make_file "$T/data.bin" 8
	start_target --file "$T/data.bin"
	retouch
	before=$(smaps_rss_kb "$TARGET_PID" "$file_start")
	((before > 0))
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m "$T/data.bin" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$file_size" ]
	[ "$(jq_out .requested)" -eq "$file_size" ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$file_start" ]
	after=$(smaps_rss_kb "$TARGET_PID" "$file_start")
	echo "Rss before $before KiB, after $after KiB"
	# pages mapped only by the target and clean: pageout unmaps all of them
	((after * 4 < before))
}

@test "pageout of anonymous memory with a swap file moves it to Swap, data intact" {
	swap_setup
	start_target --anon 16
	retouch
	rss=$(smaps_rss_kb "$TARGET_PID" "$anon_start")
	((rss > 0))
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -r "$anon" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	swap=$(smaps_swap_kb "$TARGET_PID" "$anon_start")
	echo "Rss before $rss KiB; Swap after $swap KiB"
	# 16 MiB = 16384 KiB; most of it must have gone to swap
	((swap * 2 > rss))
	run verify_target
	[ "$output" = "intact=1" ]
}

@test "willneed reads a dropped file back into the page cache" {
	need_tool fincore util-linux-extra
	make_file "$T/cold.bin" 4
	start_target --map-only "$T/cold.bin"
	# drop its page cache (the target never touched its mapping)
	dd if="$T/cold.bin" iflag=nocache count=0 status=none
	pages=$(fincore -n -o PAGES "$T/cold.bin")
	echo "resident pages after drop: $pages"
	((pages < 64))
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a willneed -m cold.bin
	[ "$status" -eq 0 ]
	_resident() { (($(fincore -n -o PAGES "$T/cold.bin") >= 512)); }
	wait_for _resident
}

@test "dry-run advises nothing: Rss unchanged, advised 0, dry_run true" {
	make_file "$T/data.bin" 8
	start_target --file "$T/data.bin"
	# The reclaimer may evict pages between the two reads: a dry run must
	# leave Rss unchanged in at least one of three tries; a real pageout
	# drops it in all of them.
	same=0
	for try in 1 2 3; do
		retouch
		before=$(smaps_rss_kb "$TARGET_PID" "$file_start")
		run --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m "$T/data.bin" -n -J
		[ "$status" -eq 0 ]
		[ "$(jq_out .dry_run)" = true ]
		[ "$(jq_out .advised)" -eq 0 ]
		[ "$(jq_out .requested)" -eq "$file_size" ]
		[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
		[ "$(jq_out '.targets[0].ranges[0].advised')" -eq 0 ]
		after=$(smaps_rss_kb "$TARGET_PID" "$file_start")
		echo "try $try: Rss $before -> $after KiB"
		((before > 0))
		if ((after == before)); then
			same=1
			break
		fi
	done
	((same))
	# human output too
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m data.bin -n
	[ "$status" -eq 0 ]
	grep -qi 'dry' <<<"$output"
}

# ---------------------------------------------------------------- JSON

@test "JSON: totals add up, one range per mapping, lower-case hex addresses" {
	make_file "$T/data.bin" 2
	start_target --file "$T/data.bin" --anon 4 --shared-anon 2 --memfd mfd:1 --hole
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -J
	[ "$status" -eq 0 ]
	jq -e . >/dev/null <<<"$output"
	[ "$(jq_out .advice)" = cold ]
	[ "$(jq_out .dry_run)" = false ]
	[ "$(jq_out '.targets | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].pid')" -eq "$TARGET_PID" ]
	[ "$(jq_out '.targets[0].comm')" = target ]
	[ "$(jq_out .failed)" -eq 0 ]
	# requested = advised + failed, overall and per target
	jq -e '.requested == .advised + .failed' <<<"$output"
	jq -e '.targets[0] | .requested == .advised + .failed' <<<"$output"
	jq -e '.requested == ([.targets[].requested] | add)' <<<"$output"
	jq -e '.targets[0].requested == ([.targets[0].ranges[].size] | add)' <<<"$output"
	jq -e '.targets[0].advised == ([.targets[0].ranges[].advised] | add)' <<<"$output"
	# addresses: lower-case hex strings; size = end - start; no error
	jq -e '[.targets[0].ranges[] | (.start|test("^0x[0-9a-f]+$")) and (.end|test("^0x[0-9a-f]+$")) and (.error == null)] | all' <<<"$output"
	jq -e '[.targets[0].skipped[] | (.start|test("^0x[0-9a-f]+$")) and (.end|test("^0x[0-9a-f]+$"))] | all' <<<"$output"
	# each of our mappings is exactly one range with its bounds and perms
	for k in file anon shanon memfd hole_lo hole_hi; do
		s=${k}_start e=${k}_end
		n=$(jq_out --arg s "${!s}" --arg e "${!e}" '[.targets[0].ranges[] | select(.start == $s and .end == $e)] | length')
		echo "$k ${!s}-${!e}: $n"
		[ "$n" -eq 1 ]
	done
	[ "$(jq_out --arg s "$anon_start" '.targets[0].ranges[] | select(.start == $s) | .perms')" = rw-p ]
	[ "$(jq_out --arg s "$shanon_start" '.targets[0].ranges[] | select(.start == $s) | .perms')" = rw-s ]
	[ "$(jq_out --arg s "$file_start" '.targets[0].ranges[] | select(.start == $s) | .perms')" = r--p ]
	[ "$(jq_out --arg s "$file_start" '.targets[0].ranges[] | select(.start == $s) | .name')" = "$T/data.bin" ]
	jq -e --arg s "$memfd_start" '.targets[0].ranges[] | select(.start == $s) | .name | startswith("/memfd:mfd")' <<<"$output"
	# sizes are numbers and equal end - start (addresses fit bash arithmetic)
	while read -r s e z; do
		(($((16#${e#0x})) - $((16#${s#0x})) == z))
	done < <(jq_out '.targets[0].ranges[] | "\(.start) \(.end) \(.size)"')
	# ranges are sorted and do not overlap
	prev=0
	while read -r s e; do
		(($((16#${s#0x})) >= prev))
		prev=$((16#${e#0x}))
	done < <(jq_out '.targets[0].ranges[] | "\(.start) \(.end)"')
}

@test "--all: [vsyscall] is skipped with a reason and does not fail the run" {
	grep -q '\[vsyscall\]' /proc/self/maps || skip "no [vsyscall] on this kernel"
	start_target --anon 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .failed)" -eq 0 ]
	reason=$(jq_out '.targets[0].skipped[] | select(.name == "[vsyscall]") | .reason')
	echo "reason: $reason"
	grep -qi vsyscall <<<"$reason"
	[ "$(jq_out '[.targets[0].ranges[] | select(.name == "[vsyscall]")] | length')" -eq 0 ]
	[ "$(jq_out '.targets[0].skipped[] | select(.name == "[vsyscall]") | .start')" = 0xffffffffff600000 ]
	# willneed: [vsyscall] is still no real mapping
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a willneed --all -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '[.targets[0].skipped[] | select(.name == "[vsyscall]")] | length')" -eq 1 ]
}

@test "an mlock'ed mapping is skipped for pageout while the rest is advised" {
	# anonymous pageout is skipped without swap (issue 11): give it some
	swap_setup
	start_target --locked 2 --anon 2
	[ "$(smaps_field "$TARGET_PID" "$locked_start" Locked)" -gt 0 ]
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --anon -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .failed)" -eq 0 ]
	reason=$(jq_out --arg s "$locked_start" '.targets[0].skipped[] | select(.start == $s) | .reason')
	echo "reason: $reason"
	grep -qi lock <<<"$reason"
	[ "$(jq_out --arg s "$locked_start" '[.targets[0].ranges[] | select(.start == $s)] | length')" -eq 0 ]
	[ "$(jq_out --arg s "$anon_start" '.targets[0].ranges[] | select(.start == $s) | .advised')" -eq "$anon_size" ]
	# the locked pages stay resident and locked
	[ "$(smaps_field "$TARGET_PID" "$locked_start" Locked)" -eq $((locked_size / 1024)) ]
	# only the locked mapping selected, cold: nothing to advise, exit 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$locked" -J
	echo "cold on locked only: status $status"
	[ "$status" -eq 1 ]
	[ "$(jq_out .advised)" -eq 0 ]
	[[ $stderr == *"nothing to advise: every selected mapping was skipped"* ]]
	# willneed is fine on locked memory: advised, not skipped
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a willneed -r "$locked" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$locked_size" ]
}

@test "collapse: huge-page-capable memory collapsed; a one-page mapping is skipped, not failed" {
	# THP built out of the kernel, or turned off ([never]): nothing collapses
	if [[ ! -e /sys/kernel/mm/transparent_hugepage/enabled ]] ||
	   grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
		skip "no transparent huge pages (not built in, or [never])"
	fi
	start_target --anon 8 --hole
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a collapse -r "$anon" -r "$hole_lo" -J
	echo "status $status stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	[ "$(jq_out .failed)" -eq 0 ]
	jq -e '.requested == .advised + .failed' <<<"$output"
	[ "$(jq_out --arg s "$anon_start" '.targets[0].ranges[] | select(.start == $s) | .error')" = null ]
	jq_out --arg s "$hole_lo_start" -e '.targets[0].skipped[] | select(.start == $s) | .reason | test("huge page")'
	# the kernel really collapsed something
	thp=$(smaps_field "$TARGET_PID" "$anon_start" AnonHugePages)
	echo "AnonHugePages: $thp KiB"
	((thp >= 2048))
	# and the data survived the collapse
	run verify_target
	[ "$output" = "intact=1" ]
	# only the one-page mapping: nothing to advise, exit 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a collapse -r "$hole_lo" -J
	[ "$status" -eq 1 ]
	[ "$(jq_out .advised)" -eq 0 ]
	grep -qi "nothing to advise" <<<"$stderr"
}

@test "exit 3: some advised, some failed (one range covers no mapping)" {
	start_target --anon 4 --hole
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$anon" -r "$hole_mid" -J
	echo "status $status stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	grep -qi "covers no mapping" <<<"$stderr"
	grep -qi "${hole_mid%%-*}" <<<"$stderr"
}

# ---------------------------------------------------------------- ranges

@test "a range across a hole is clipped to two ranges, no error" {
	start_target --hole
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$hole" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 2 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$hole_lo_start" ]
	[ "$(jq_out '.targets[0].ranges[0].end')" = "$hole_lo_end" ]
	[ "$(jq_out '.targets[0].ranges[1].start')" = "$hole_hi_start" ]
	[ "$(jq_out '.targets[0].ranges[1].end')" = "$hole_hi_end" ]
	[ "$(jq_out .requested)" -eq $((2 * page)) ]
	[ "$(jq_out .advised)" -eq $((2 * page)) ]
	[ "$(jq_out .failed)" -eq 0 ]
	jq -e '[.targets[0].ranges[].error == null] | all' <<<"$output"
}

@test "range forms: START+LENGTH with suffixes, decimal, unaligned rounded outward" {
	start_target --hole --anon 4
	# START+LENGTH with a K suffix, same as START-END
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "${hole_start}+12K" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 2 ]
	[ "$(jq_out .advised)" -eq $((2 * page)) ]
	# KiB and MiB suffixes
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "${anon_start}+4MiB" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "${anon_start}+8KiB" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq 8192 ]
	# decimal
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$(hexnum "$anon_start")-$(hexnum "$anon_end")" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	# unaligned start and end: page-aligned outward (one byte -> one page)
	s=$(($(hexnum "$anon_start") + page + 100))
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$(printf '0x%x+1' "$s")" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advised)" -eq "$page" ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$(printf '0x%x' $((s - 100)))" ]
	# a range over two mappings (the PROT_NONE guard page below the
	# mapping, then the mapping) is one range per mapping
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$(printf '0x%x-%s' $(($(hexnum "$anon_start") - page)) "$anon_end")" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 2 ]
	[ "$(jq_out '.targets[0].ranges[1].start')" = "$anon_start" ]
	[ "$(jq_out .advised)" -eq $((anon_size + page)) ]
	# a range ending inside a mapping is clipped there, rounded up to a page
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "${anon_start}+5000" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges[0].end')" = "$(printf '0x%x' $(($(hexnum "$anon_start") + 2 * page)))" ]
}

@test "a range covering no mapping at all is an error (exit 1)" {
	start_target --hole
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$hole_mid"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
}

@test "more than 1024 ranges are advised fully in one run (-r, -e, --all)" {
	# anonymous pageout is skipped without swap (issue 11): give it some
	swap_setup
	start_target --many 1500
	[ "$many_count" -eq 1500 ]
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$many" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1500 ]
	[ "$(jq_out .advised)" -eq "$many_size" ]
	[ "$(jq_out .failed)" -eq 0 ]
	jq -e '[.targets[0].ranges[].advised == 4096] | all' <<<"$output"
	# regex: anonymous mappings have the empty name
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e '^$' -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .failed)" -eq 0 ]
	jq -e '.advised == .requested' <<<"$output"
	jq -e '[.targets[0].ranges[].name == ""] | all' <<<"$output"
	n=$(jq_out --arg s "$many_start" --arg e "$many_end" \
		'[.targets[0].ranges[] | select(.start >= $s and .end <= $e and (.start|length) == ($s|length))] | length')
	[ "$n" -eq 1500 ]
	# --all
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .failed)" -eq 0 ]
	jq -e '.advised == .requested' <<<"$output"
	(($(jq_out '.targets[0].ranges | length') > 1500))
}

# ---------------------------------------------------------------- selectors

@test "-m: a file whose name has spaces, by full path and by last component" {
	f="$T/name with  spaces.bin"
	make_file "$f" 1
	start_target --file "$f" --anon 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m "$f" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].name')" = "$f" ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$file_start" ]
	[ "$(jq_out .advised)" -eq "$file_size" ]
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m "name with  spaces.bin" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$file_start" ]
	# a name that is only a prefix or differs in spacing matches nothing:
	# exit 1, said, and one JSON document all the same
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m "name with spaces.bin" -J
	[ "$status" -eq 1 ]
	[ "$(jq_out .advised)" -eq 0 ]
	[[ $stderr == *"mapping 'name with spaces.bin' matches no mapping"* ]]
	# human output names it intact
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m "$f" -v
	[ "$status" -eq 0 ]
	grep -qF "name with  spaces.bin" <<<"$output"
}

@test "-m: [heap] and a library by its last path component" {
	start_target --anon 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -ge 1 ]
	jq -e '[.targets[0].ranges[].name == "[heap]"] | all' <<<"$output"
	lib=$(awk '$6 ~ /\/libc\.so\.6$/ { print $6; exit }' "/proc/$TARGET_PID/maps")
	[ -n "$lib" ] || skip "target has no libc.so.6 mapping"
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a willneed -m libc.so.6 -J
	[ "$status" -eq 0 ]
	want=$(awk -v l="$lib" '$6 == l' "/proc/$TARGET_PID/maps" | wc -l)
	[ "$(jq_out '.targets[0].ranges | length')" -eq "$want" ]
	jq -e --arg l "$lib" '[.targets[0].ranges[].name == $l] | all' <<<"$output"
}

@test "-e: POSIX extended regex on the pathname; -r/-m/-e are united" {
	make_file "$T/a one.bin" 1
	make_file "$T/b.dat" 1
	start_target --file "$T/a one.bin" --memfd 'pm cache:1' --anon 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e '^/memfd:pm cache( \(deleted\))?$' -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$memfd_start" ]
	# -m compares the pathname without its " (deleted)" suffix
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '/memfd:pm cache' -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$memfd_start" ]
	# ERE alternation and classes
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e 'a[[:space:]]one\.(bin|dat)$' -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$file_start" ]
	# union of -e, -m and -r, each mapping once
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e 'one\.bin$' -m 'a one.bin' -r "$anon" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 2 ]
	[ "$(jq_out .advised)" -eq $((file_size + anon_size)) ]
	# a regex matching nothing selects nothing: nothing advised, exit 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e 'no-such-mapping-xyz' -J
	[ "$status" -eq 1 ]
}

@test "filters: --anon --file --private --shared narrow --all" {
	make_file "$T/data.bin" 1
	start_target --file "$T/data.bin" --anon 1 --shared-anon 1 --memfd mfd:1
	has() { jq -e --arg s "$1" '[.targets[0].ranges[] | select(.start == $s)] | length == 1' <<<"$output" >/dev/null; }
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon -J
	[ "$status" -eq 0 ]
	has "$anon_start"
	not has "$file_start"
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --file -J
	[ "$status" -eq 0 ]
	has "$file_start"
	not has "$anon_start"
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --shared -J
	[ "$status" -eq 0 ]
	has "$shanon_start"
	has "$memfd_start"
	not has "$anon_start"
	not has "$file_start"
	jq -e '[.targets[0].ranges[].perms | endswith("s")] | all' <<<"$output"
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --private -J
	[ "$status" -eq 0 ]
	has "$anon_start"
	has "$file_start"
	not has "$shanon_start"
	not has "$memfd_start"
	jq -e '[.targets[0].ranges[].perms | endswith("p")] | all' <<<"$output"
	# filters combine: private anonymous
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --private -J
	[ "$status" -eq 0 ]
	has "$anon_start"
	not has "$shanon_start"
	not has "$file_start"
	# a filter narrows -m as well: the file is not anonymous (exit 1)
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m data.bin --anon -J
	[ "$status" -eq 1 ]
	[[ $stderr == *"nothing to advise: no mapping passed the filters"* ]]
}

# ---------------------------------------------------------------- targets

@test "-p accepts /proc/PID; target with threads" {
	start_target --anon 1 --threads 4
	run --separate-stderr "$PMADV" -p "/proc/$TARGET_PID" -a cold -r "$anon" -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].pid')" -eq "$TARGET_PID" ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
}

@test "--pidfd: a pidfd handed down by a helper" {
	# anonymous pageout is skipped without swap (issue 11): give it some
	swap_setup
	start_target --anon 2
	run --separate-stderr "$HELPERS/with-pidfd" "$TARGET_PID" 5 \
		"$PMADV" --pidfd 5 -a cold -r "$anon" -J
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].pid')" -eq "$TARGET_PID" ]
	[ "$(jq_out '.targets[0].comm')" = target ]
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	# --pidfd=FD form, another fd number
	run --separate-stderr "$HELPERS/with-pidfd" "$TARGET_PID" 9 \
		"$PMADV" --pidfd=9 -a pageout -m '[heap]' -J
	[ "$status" -eq 0 ]
	[ "$(jq_out '.targets[0].pid')" -eq "$TARGET_PID" ]
}

# ---------------------------------------------------------------- output

@test "advice names: case-insensitive, MADV_ prefix optional; -q, -v, human sizes" {
	# anonymous pageout is skipped without swap (issue 11): give it some
	swap_setup
	start_target --anon 32 --hole
	for a in cold COLD Cold MADV_COLD madv_pageout PageOut willneed MADV_WILLNEED; do
		run --separate-stderr "$PMADV" -p "$TARGET_PID" -a "$a" -r "$hole" -J
		echo "$a: $status $stderr"
		[ "$status" -eq 0 ]
		want=$(tr '[:upper:]' '[:lower:]' <<<"${a#[Mm][Aa][Dd][Vv]_}")
		[ "$(jq_out .advice)" = "$want" ]
	done
	run --separate-stderr "$PMADV" -p "$TARGET_PID" --advice=collapse -r "$anon" -n -J
	[ "$status" -eq 0 ]
	[ "$(jq_out .advice)" = collapse ]
	# -q: nothing on stdout on success
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$hole" -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# -v: one line per range, with its start address
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$hole" -v
	[ "$status" -eq 0 ]
	grep -qiE "(0x)?0*${hole_lo_start#0x}" <<<"$output"
	grep -qiE "(0x)?0*${hole_hi_start#0x}" <<<"$output"
	# human sizes
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$anon"
	[ "$status" -eq 0 ]
	grep -qE '32(\.0)? MiB' <<<"$output"
}

@test "-h/--help and -V/--version exit 0 and print to stdout" {
	for o in -h --help; do
		run --separate-stderr "$PMADV" "$o"
		echo "$o: status $status stderr: $stderr"
		[ "$status" -eq 0 ]
		grep -q -- '--advice' <<<"$output"
	done
	for o in -V --version; do
		run --separate-stderr "$PMADV" "$o"
		echo "$o: status $status"
		[ "$status" -eq 0 ]
		grep -qE '[0-9]+\.[0-9]+' <<<"$output"
	done
}

# ---------------------------------------------------------------- errors

@test "error: no such process (exit 1)" {
	sh -c 'exit 0' 3>&- &
	gone=$!
	wait "$gone" || true
	[ ! -e "/proc/$gone" ]
	run --separate-stderr "$PMADV" -p "$gone" -a cold --all
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -qi 'no such process' <<<"$stderr"
}

@test "error: --pidfd with an fd that is not a pidfd" {
	# well-formed, but not a process's pidfd: a failure (1), not usage (2)
	run --separate-stderr "$HELPERS/with-pidfd" --not-pidfd 5 "$PMADV" --pidfd 5 -a cold --all
	echo "status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -q 'not a pidfd' <<<"$stderr"
	start_target --anon 1
	run --separate-stderr "$HELPERS/with-pidfd" --procfd "$TARGET_PID" 5 "$PMADV" --pidfd 5 -a cold --all
	echo "status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -q 'not a pidfd' <<<"$stderr"
	# an fd that is not open at all
	run --separate-stderr "$PMADV" --pidfd 77 -a cold --all
	echo "status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -q -- '--pidfd 77: file descriptor is not open' <<<"$stderr"
}

@test "error: pidfd of a process that has exited and been reaped" {
	run --separate-stderr "$HELPERS/with-pidfd" --exited 5 "$PMADV" --pidfd 5 -a cold --all
	echo "status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -qiE 'no such process|exited|not running|gone' <<<"$stderr"
}

@test "error: a zombie target (exit 1, says zombie)" {
	start_target --zombie-child
	[ -n "$zombie" ]
	state=$(sed 's/.*) //' "/proc/$zombie/stat" | cut -c1)
	[ "$state" = Z ]
	run --separate-stderr "$PMADV" -p "$zombie" -a cold --all
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -qi zombie <<<"$stderr"
}

@test "error: a kernel thread has no address space (exit 1)" {
	kt=
	for st in /proc/[0-9]*/stat; do
		# field 9 (flags) has PF_KTHREAD (0x00200000)
		flags=$(sed 's/.*) //' "$st" 2>/dev/null | awk '{ print $7 }')
		[[ -n $flags ]] || continue
		if (((flags & 0x00200000) != 0)); then
			kt=${st#/proc/}
			kt=${kt%/stat}
			break
		fi
	done
	[ -n "$kt" ] || skip "no kernel thread visible in /proc"
	run --separate-stderr "$PMADV" -p "$kt" -a cold --all
	echo "pid $kt: status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -qi 'kernel thread' <<<"$stderr"
}

@test "error: unknown advice and advice not allowed on another process (exit 2)" {
	start_target --anon 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a bogus -r "$anon"
	[ "$status" -eq 2 ]
	[ -n "$stderr" ]
	for a in dontneed MADV_DONTNEED free hugepage nohugepage remove populate_read; do
		run --separate-stderr "$PMADV" -p "$TARGET_PID" -a "$a" -r "$anon"
		echo "$a: status $status stderr: $stderr"
		[ "$status" -eq 2 ]
		grep -qi 'not allowed on another process' <<<"$stderr"
	done
	# and nothing happened to the data
	run verify_target
	[ "$output" = "intact=1" ]
}

@test "error: malformed ranges (exit 2)" {
	start_target --anon 1
	for r in nonsense 0x1000- 0x1000+ -0x1000 0x1000+12Q 0xzz-0x2000 \
		"0x1000 0x2000" 0x2000-0x1000 99999999999999999999999-0x1000; do
		run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$r"
		echo "'$r': status $status stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -n "$stderr" ]
	done
}

@test "error: bad regex (exit 2)" {
	start_target --anon 1
	for e in '[' '(' 'a{2,1}' '*\'; do
		run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e "$e"
		echo "'$e': status $status stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -n "$stderr" ]
	done
}

@test "error: missing advice, target or selection (exit 2)" {
	start_target --anon 1
	run --separate-stderr "$PMADV" -p "$TARGET_PID" --all
	[ "$status" -eq 2 ]
	[ -n "$stderr" ]
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold
	[ "$status" -eq 2 ]
	[ -n "$stderr" ]
	run --separate-stderr "$PMADV" -a cold --all
	[ "$status" -eq 2 ]
	[ -n "$stderr" ]
	for p in notapid 0 -5 /proc/notapid; do
		run --separate-stderr "$PMADV" -p "$p" -a cold --all
		echo "-p '$p': status $status"
		[ "$status" -eq 2 ]
	done
	run --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --no-such-option
	[ "$status" -eq 2 ]
}

@test "error: unprivileged caller is refused (CAP_SYS_NICE or access)" {
	((EUID == 0)) || skip "needs root to switch to uid 65534"
	nobody_copies
	# a root target: ptrace read access refused
	start_target --anon 1
	root_pid=$TARGET_PID root_anon=$anon
	run --separate-stderr "${NOBODY[@]}" "$NOBODY_PMADV" -p "$root_pid" -a cold -r "$root_anon"
	echo "root target: status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -qiE 'CAP_SYS_NICE|access|permission' <<<"$stderr"
	# a target of the same uid: access granted, CAP_SYS_NICE missing
	start_target --as-nobody --anon 1
	run --separate-stderr "${NOBODY[@]}" "$NOBODY_PMADV" -p "$TARGET_PID" -a cold -r "$anon"
	echo "own-uid target: status $status stderr: $stderr"
	[ "$status" -eq 1 ]
	grep -q 'CAP_SYS_NICE' <<<"$stderr"
}
