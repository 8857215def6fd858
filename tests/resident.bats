#!/usr/bin/env bats
# Issue 11: resident memory, not address space. Budgets (--limit,
# --down-to) spend resident pages read from /proc/PID/pagemap, previews
# show what is resident, futile pageout is skipped with its reason, totals
# are built on Pss, and -l behaves like advising.
#
# Targets are tests/helpers/target.c; everything started is killed by PID
# and every swap file made is swapoff'd and deleted in teardown. The
# machine's DAMON reclaimer pages out anonymous memory too once swap is on:
# a page it took is not resident, so it can only make a run choose other
# pages, never the same ones twice; figures are asserted on what pmadv
# itself reports and on its ranges, not on evictions.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
}

teardown() {
	core_teardown
}

# ranges of the last -J output, one "START END" (decimal) a line
ranges_of() {
	jq_out '.targets[0].ranges[] | "\(.start) \(.end)"' | while read -r s e; do
		echo "$(hexnum "$s") $(hexnum "$e")"
	done
}

# overlap FILE1 FILE2: succeeds when a range of one overlaps one of the other
overlap() {
	local s1 e1 s2 e2
	while read -r s1 e1; do
		while read -r s2 e2; do
			((s1 < e2 && s2 < e1)) && return 0
		done <"$2"
	done <"$1"
	return 1
}

@test "--limit 25% twice: each run pages out about a quarter of what is resident, never the same pages" {
	swap_setup
	start_target --anon 32
	for run in 1 2; do
		run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --anon --limit 25% -J
		rss=$(jq_out '.targets[0].rss_before')
		req=$(jq_out .requested) adv=$(jq_out .advised)
		res=$(jq_out .resident)
		sb=$(jq_out '.targets[0].swap_before') sa=$(jq_out '.targets[0].swap_after')
		echo "run $run: rss_before $rss requested $req advised $adv resident $res swap $sb -> $sa"
		# a quarter of the Rss, in resident pages (every page chosen was
		# resident when chosen), cut to whole pages
		((req <= rss / 4 && req > rss / 4 - 2 * page))
		((adv == req && res == req))
		# it moved: swap grew by what was advised (a page or so may stay)
		((sa - sb >= adv * 9 / 10))
		ranges_of >"$T/ranges.$run"
	done
	# the second run chose what was still resident, not the first run's pages
	not overlap "$T/ranges.1" "$T/ranges.2"
}

@test "--down-to SIZE: advises Rss - SIZE of resident pages and stops there" {
	swap_setup
	start_target --anon 32
	rss=$(($(awk '$1 == "Rss:" { print $2 }' "/proc/$TARGET_PID/smaps_rollup") * 1024))
	goal=$((rss - 12 * 1024 * 1024))
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --anon --down-to "$goal" -J
	rb=$(jq_out '.targets[0].rss_before') ra=$(jq_out '.targets[0].rss_after')
	req=$(jq_out .requested)
	echo "goal $goal rss $rb -> $ra requested $req"
	# what it chose is the distance to the goal, to the page
	((req <= rb - goal && req > rb - goal - page))
	# and the Rss came down to the goal (the reclaimer may take more)
	((ra <= goal + 64 * page))
	# already there: nothing to do, a success (goal_met)
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --down-to 1G -J
	[ "$(jq_out .requested)" -eq 0 ]
	[ "$(jq_out '.targets[0].goal_met')" = true ]
}

@test "--down-to already met: exit 0, said in words, no freeze, no warning" {
	start_target --anon 8
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --down-to 1G -f stop
	echo "$output"; echo "$stderr"
	[[ $output == "$TARGET_PID (target): already at "*" Rss (goal 1.0 GiB): nothing to do" ]]
	[[ -z $stderr ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --down-to 1G -f stop -J
	[ "$(jq_out '.targets[0].goal')" -eq $((1 << 30)) ]
	[ "$(jq_out '.targets[0].goal_kind')" = down_to ]
	[ "$(jq_out '.targets[0].goal_need')" -eq 0 ]
	[ "$(jq_out '.targets[0].windows')" -eq 0 ]
	[ "$(jq_out '.targets[0].frozen_ms')" = 0 ]
	[ "$(jq_out '.targets[0].warnings | length')" -eq 0 ]
	[ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$TARGET_PID/stat")" != T ]
}

@test "--down-to out of reach: memory shared with another process is named (exit 1); with progress, exit 3" {
	swap_setup
	# 48 MiB written, then a child that maps all of it too (copy-on-write:
	# the kernel pages out only pages mapped by one process); 16 MiB of
	# shared memory (memfd) only the target maps
	start_target --anon 48 --sharer --memfd goalfd:16
	rss=$(($(awk '$1 == "Rss:" { print $2 }' "/proc/$TARGET_PID/smaps_rollup") * 1024))
	# some of the way (the memfd, the target's own bits): exit 3, and why
	# not all
	run -3 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --down-to 4M -J
	echo "$stderr"
	[[ $stderr == *"goal 4.0 MiB out of reach: "*" shared with other processes, "* ]]
	[ "$(jq_out '.targets[0].goal_met')" = false ]
	(($(jq_out .advised) >= 15 << 20))
	shared=$(jq_out '.targets[0].unreachable.shared')
	echo "rss $rss shared $shared movable $(jq_out '.targets[0].goal_movable')"
	((shared >= 44 << 20 && shared <= rss))
	# again: nothing it can move is left, exit 1 with the same why
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --down-to 4M -J
	echo "$stderr"
	[[ $stderr == *"goal 4.0 MiB out of reach: "*" shared with other processes, "* ]]
	(($(jq_out '.targets[0].goal_movable') < 1 << 20))
	[ "$(jq_out .advised)" -eq 0 ]
	# in the human form the target's line ends with the goal's state
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --down-to 4M
	[[ $stderr == *"out of reach"* ]]
}

@test "--limit under a page: said, exit 1; a --limit met says so" {
	start_target --anon 4
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --limit 1
	[[ $stderr == *"the budget (1 B) is less than a page"*"nothing to do"* ]]
	[[ $stderr != *"no mapping passed"* ]]
	# in bytes: a budget a byte short of a page is not "4.0 KiB"
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --limit $((page - 1))
	[[ $stderr == *"the budget ($((page - 1)) B) is less than a page ($page B)"* ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --limit 1M
	[[ $output == *"; limit 1.0 MiB met"* ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --limit 1M -J
	[ "$(jq_out '.targets[0].goal_kind')" = limit ]
	[ "$(jq_out '.targets[0].goal_met')" = true ]
	[ "$(jq_out .advised)" -eq $((1 << 20)) ]
}

@test "--down-to of an advice that leaves pages in memory: spent as a budget, never met (exit 3), and said" {
	start_target --anon 32
	for advice in cold willneed; do
		run -3 --separate-stderr "$PMADV" -p "$TARGET_PID" -a "$advice" --all --anon --down-to 8M -J
		echo "$stderr"
		[[ $stderr == *"goal 8.0 MiB not met: $advice does not lower the Rss"* ]]
		[ "$(jq_out '.targets[0].goal_met')" = false ]
		(($(jq_out .advised) > 0))
		[ "$(jq_out '.targets[0].warnings | length')" -eq 1 ]
	done
	# a look first says the same
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --down-to 8M -n
	[[ $output == *"; goal 8.0 MiB would not be met"* ]]
	[[ $stderr == *"goal 8.0 MiB would not be met: cold does not lower the Rss"* ]]
}

@test "a dry run of a goal says whether it would be met, and why not" {
	swap_setup
	start_target --anon 16 --sharer --anon 8
	rss=$(($(awk '$1 == "Rss:" { print $2 }' "/proc/$TARGET_PID/smaps_rollup") * 1024))
	# within reach: would be met, no warning
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --down-to $((rss - (4 << 20))) -n
	[[ $output == *"would be met"* ]]
	[[ -z $stderr ]]
	# below what the selection can move (the 16 MiB shared with the
	# sharer stays): would not be met, and the why the real run gives
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout --all --down-to 1M -n -J
	[ "$(jq_out '.targets[0].goal_met')" = false ]
	[ "$(jq_out .advised)" -eq 0 ]
	[[ $stderr == *"goal 1.0 MiB out of reach: "*" shared with other processes"* ]]
}

# noswap CMD...: CMD in a mount namespace of its own whose /proc/swaps lists
# no swap area (the header line only). Whether this machine has swap on
# (other tests, and other suites running at the same time, turn swap files
# on and off) does not matter then: pmadv sees a machine without swap.
noswap() {
	need_tool unshare util-linux
	[[ -s $T/noswaps ]] || head -n 1 /proc/swaps >"$T/noswaps"
	# where / is no mount point (a chroot) no namespace can be made
	# private: then the machine itself must have no swap on
	if ! unshare --mount --propagation private true 2>/dev/null; then
		(($(wc -l </proc/swaps) == 1)) || {
			echo "no private mount namespace here, and swap is on" >&2
			return 1
		}
		"$@"
		return
	fi
	unshare --mount --propagation private \
		sh -c 'mount --bind "$0" /proc/swaps && exec "$@"' "$T/noswaps" "$@"
}

@test "no swap: anonymous pageout is skipped with the reason, not claimed; exit 1" {
	((EUID == 0)) || skip "needs root (a mount namespace without swap)"
	start_target --anon 8
	run -0 noswap cat /proc/swaps
	[ "${#lines[@]}" -eq 1 ]
	run -1 --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -a pageout --all --anon -J
	[ "$(jq_out .advised)" -eq 0 ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 0 ]
	jq_out '.targets[0].skipped[].reason' | grep -q 'no swap device'
	[[ $stderr == *"pageout of "*" anonymous mappings"*"skipped: no swap device"* ]]
	# file pages still go: a mixed selection is advised for its files only
	# (exit 0: what was skipped for a reason is not a failure; stderr says it)
	run -0 --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -a pageout --all -J
	[ "$(jq_out '[.targets[0].ranges[] | select(.class == "anon")] | length')" -eq 0 ]
	[ "$(jq_out '[.targets[0].ranges[] | select(.class == "file")] | length')" -gt 0 ]
	jq -e '.advised > 0 and .failed == 0' <<<"$output"
	[[ $stderr == *"skipped: no swap device"* ]]
	# -l says the same in its ADVICE cell
	run -0 --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -l -a pageout -r "$anon" -o ADVICE --noheadings
	[[ $output == *"no swap device"* ]]
	# cold is not affected
	run -0 --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -a cold -r "$anon" -J
	[ "$(jq_out .advised)" -eq "$anon_size" ]
	# with a freeze: nothing could be advised, so nothing is frozen (no
	# SIGSTOP is sent; LeakSanitizer cannot run under ptrace)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run -1 --separate-stderr noswap strace -f -e trace=pidfd_send_signal,kill \
		-o "$T/trace" "$PMADV" -p "$TARGET_PID" -a pageout --all --anon -f stop -J
	jq -e '.targets[0].windows == 0 and .targets[0].frozen_ms == 0' <<<"$output"
	jq_out '.targets[0].skipped[].reason' | grep -q 'no swap device'
	grep -q "+++ exited with 1 +++" "$T/trace"	# strace followed pmadv
	if grep -q SIGSTOP "$T/trace"; then
		echo "the target was stopped for nothing: $(cat "$T/trace")" >&2
		return 1
	fi
	run -1 --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -a pageout --all --anon -f stop
	[[ $output == *"; not frozen (nothing to advise)"* ]]
}

@test "no swap: a private file mapping's copied-on-write pages are anonymous, not movable; a goal says so" {
	((EUID == 0)) || skip "needs root (a mount namespace without swap)"
	head -c $((8 << 20)) /dev/urandom >"$T/cow.bin"
	head -c $((4 << 20)) /dev/urandom >"$T/clean.bin"
	start_target --cow-file "$T/cow.bin" --file "$T/clean.bin"
	cow_rss() { awk -v s="${cowfile_start#0x}" '$1 ~ "^"s"-" { m = 1 } m && $1 == "Rss:" { print $2; exit }' "/proc/$TARGET_PID/smaps"; }
	before=$(cow_rss)
	((before >= 8000))
	# every resident page of the copied file is the target's own copy:
	# without swap, pageout cannot take one (the man page's no_swap)
	run -1 --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -a pageout -r "$cowfile" --limit 4M -J
	echo "$stderr"
	[ "$(jq_out '.targets[0].goal_movable')" -eq 0 ]
	(($(jq_out '.targets[0].unreachable.no_swap') >= 8 << 20))
	[ "$(jq_out .advised)" -eq 0 ]
	[[ $stderr == *"out of reach"*"that no swap or rule lets go"* ]]
	[ "$(cow_rss)" -eq "$before" ]
	# the clean file beside it is movable: only its pages count
	run --separate-stderr noswap "$PMADV" -p "$TARGET_PID" -a pageout -r "$cowfile" -r "$file" --limit 100% -J
	echo "$stderr"
	movable=$(jq_out '.targets[0].goal_movable')
	((movable >= 3 << 20 && movable <= 4 << 20))
	(($(jq_out '.targets[0].unreachable.no_swap') >= 8 << 20))
	# the copied pages were never paged out, so none "came back"
	[ "$(jq_out '.targets[0].comeback.came_back // 0')" -le $((64 << 10)) ]
	[ "$(cow_rss)" -eq "$before" ]
}

@test "two processes sharing a memfd: Pss totals count it once" {
	start_target --memfd shared:32 --sharer
	CORE_PIDS+=("$sharer")
	# the machine's reclaimer may unmap memfd pages (from both processes at
	# once: it reclaims the page) at any time: the memfd's share is what
	# both map, read before and after the run, and the same in both
	memfd_rss() { awk -v s="${memfd_start#0x}" '$1 ~ "^"s"-" { m = 1 } m && $1 == "Rss:" { print $2 * 1024; exit }' "/proc/$1/smaps"; }
	local i mem
	for ((i = 0; i < 5; i++)); do
		mem=$(memfd_rss "$TARGET_PID")
		run -0 --separate-stderr "$PMADV" -p "$TARGET_PID,$sharer" -a cold -m /memfd:shared -J
		rsum=$(jq_out '[.targets[].rss_before] | add')
		# and in both Rss figures pmadv read (pages unmapped meanwhile
		# and mapped again by the next look would not show otherwise)
		[[ $(memfd_rss "$TARGET_PID") == "$mem" && $(memfd_rss "$sharer") == "$mem" ]] &&
			((rsum >= 2 * mem)) && break
	done
	echo "memfd mapped by both: $mem bytes (try $((i + 1)))"
	((i < 5 && mem >= 8 << 20))
	psum=$(jq_out '[.targets[].pss_before] | add')
	tot=$(jq_out .pss_before)
	echo "rss sum $rsum, pss sum $psum, total $tot"
	[ "$tot" -eq "$psum" ]
	[ "$(jq_out '.swap_pss_before | type')" = number ]
	# the memfd is in both Rss figures, once in the Pss total
	((tot >= mem && tot < rsum - mem / 2))
	((tot - (rsum - mem) <= 4 << 20 && rsum - mem - tot <= 4 << 20))
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID,$sharer" -a cold -m /memfd:shared
	[[ $output == *"total: 2 targets:"*"Pss "*"SwapPss "* ]]
}

@test "dry run: resident per range and in total match the selection's Rss" {
	start_target --anon 16 --memfd half:8
	retouch
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon -n -J
	n=$(jq_out '.targets[0].ranges | length')
	((n > 2))
	sum=0
	for ((i = 0; i < n; i++)); do
		s=$(jq_out ".targets[0].ranges[$i].start")
		res=$(jq_out ".targets[0].ranges[$i].resident")
		rss=$(($(smaps_rss_kb "$TARGET_PID" "$s") * 1024))
		echo "$s resident $res rss $rss"
		((res - rss <= page && rss - res <= page))
		sum=$((sum + res))
	done
	[ "$(jq_out '.targets[0].resident')" -eq "$sum" ]
	[ "$(jq_out .resident)" -eq "$sum" ]
	# and the human preview says it
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -r "$anon" -n
	[[ $output == *"would be advised in 1 range (dry run); 16.0 MiB resident"* ]]
}

@test "-v and pageout previews: RESIDENT and RECLAIMABLE (mapped by the target alone)" {
	start_target --memfd both:8 --sharer --anon 4
	CORE_PIDS+=("$sharer")
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m /memfd:both -n -J
	[ "$(jq_out '.targets[0].ranges[0].resident')" -eq $((8 << 20)) ]
	# shared with the sharer: resident, but nothing pageout can take
	[ "$(jq_out '.targets[0].ranges[0].reclaimable')" -eq 0 ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m /memfd:both -n -v -b
	head -n 1 <<<"$output" | grep -q 'SIZE RESIDENT RECLAIMABLE ADVISED'
	[[ $output == *"8388608 bytes) resident, 0 B (0 bytes) of it reclaimable"* ]]
	# a plain run reads no pagemap: resident is null
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m /memfd:both -J
	[ "$(jq_out '.targets[0].resident')" = null ]
}

@test "-l: selectors that match nothing exit 1 as advising does; --limit honoured; --sort; totals" {
	start_target --anon 16 --memfd small:2
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -m nomatch
	[[ $stderr == *"mapping 'nomatch' matches no mapping"* ]]
	[ -z "$output" ]
	run -3 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -m nomatch -r "$anon"
	# --limit: only the mappings the budget takes from are listed
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l --all --limit 4M -o START --noheadings
	[ "$(head -n 1 <<<"$output")" = "$anon_start" ]
	[ "$(grep -c . <<<"$output")" -le 3 ]
	# --sort RSS: largest first
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l --all --sort RSS -o START,RSS -b --noheadings
	[ "$(head -n 1 <<<"$output" | awk '{ print $1 }')" = "$anon_start" ]
	head -n -1 <<<"$output" >"$T/sorted"
	sort -k2,2nr "$T/sorted" | diff - "$T/sorted"
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -l --sort NOPE
	# a total line
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l --all -b -o START,SIZE,RSS,RESIDENT
	tail -n 1 <<<"$output" | grep -Eq '^total +[0-9]+ +[0-9]+ +[0-9]+ *$'
}

@test "pageout of a shared file the caller neither owns nor may write: skipped with the kernel's rule" {
	((EUID == 0)) || skip "needs root (to run as uid 65534 with CAP_SYS_NICE)"
	nobody_copies
	f=$NOBODY_DIR/shared.bin
	head -c 1M /dev/urandom >"$f"
	chmod 0644 "$f"		# root's: uid 65534 may read it, not write it
	start_target --as-nobody --shared-file "$f"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+sys_nice --ambient-caps=+sys_nice \
		"$NOBODY_PMADV" -p "$TARGET_PID" -a pageout -m shared.bin -J
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(jq_out .advised)" -eq 0 ]
	jq_out '.targets[0].skipped[0].reason' | grep -q "neither owns nor may write"
	grep -q "nothing to advise" <<<"$stderr"
	# its owner (root) may: the same mapping is advised
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m shared.bin -J
	[ "$(jq_out .advised)" -eq $((1 << 20)) ]
}

@test "-l with several targets: each total line names its target, a grand total closes the list (JSON too)" {
	start_target --anon 8
	first=$TARGET_PID
	start_target --anon 4
	second=$TARGET_PID
	run -0 --separate-stderr "$PMADV" -p "$first,$second" -l --all --anon -o PID,START,SIZE,RSS
	echo "$output"
	grep -qE "^ *$first +total " <<<"$output"
	grep -qE "^ *$second +total " <<<"$output"
	last=$(tail -n 1 <<<"$output")
	[[ $last =~ ^\ *all\ +total\ of\ 2\  ]]
	run -0 --separate-stderr "$PMADV" -p "$first,$second" -l --all --anon -J
	[ "$(jq_out '.totals | length')" -eq 2 ]
	[ "$(jq_out '.totals[0].pid')" -eq "$first" ]
	[ "$(jq_out '.totals[1].pid')" -eq "$second" ]
	[ "$(jq_out '.total.targets')" -eq 2 ]
	# the sums add up: per target from its rows, and all from the targets
	[ "$(jq_out "[.mappings[] | select(.pid == $first) | .rss] | add")" -eq "$(jq_out '.totals[0].rss')" ]
	[ "$(jq_out '.totals[0].size + .totals[1].size')" -eq "$(jq_out '.total.size')" ]
	[ "$(jq_out '.totals[0].rss + .totals[1].rss')" -eq "$(jq_out '.total.rss')" ]
	(($(jq_out '.total.rss') >= 12 << 20))
}

@test "several targets: the total's reclaimable is the sum of each target's own pages (never twice), resident counts shared pages per target" {
	start_target --anon 8 --memfd shared:16 --sharer
	CORE_PIDS+=("$sharer")
	retouch
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID,$sharer" -a pageout --all -n -J
	local rec sum res rsum
	rec=$(jq_out .reclaimable)
	sum=$(jq_out '[.targets[].reclaimable] | add')
	res=$(jq_out .resident)
	rsum=$(jq_out '[.targets[].resident] | add')
	echo "reclaimable $rec (sum $sum), resident $res (sum $rsum)"
	[ "$rec" -eq "$sum" ] && [ "$res" -eq "$rsum" ]
	# the 16 MiB memfd is resident in both and reclaimable in neither
	((res - rec >= 2 * (16 << 20)))
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID,$sharer" -a pageout --all -n
	grep -qE '^total: 2 targets: .* resident, .* of it reclaimable; address space: ' <<<"$output"
}
