#!/usr/bin/env bats
# Issue 21 part 2: several advices in one run. Each --then starts a new
# (advice, selection) pair after -a's; one run gives them all in one
# sequence of freeze windows, each range advised once, by the first pair
# that selects it; tables and JSON say which advice each range got and sum
# per advice.
#
# Targets are tests/helpers/target.c; everything started is killed by PID
# and every swap file made is swapoff'd and deleted in teardown. The
# machine's DAMON reclaimer evicts pages idle for about a minute: every
# target is touched again right before it is advised, and measured right
# after.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
}

teardown() {
	core_teardown
}

# kib_of PID ADDR FIELD: smaps FIELD of the mapping at ADDR, in KiB
kib_of() {
	smaps_field "$1" "$2" "$3"
}

# rollup PID FIELD: smaps_rollup FIELD in KiB
rollup() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup"
}

# near A B SLACK: |A - B| <= SLACK
near() {
	local d=$(($1 - $2))
	((d < 0)) && d=$((-d))
	((d <= $3)) || { echo "$1 and $2 differ by $d (allowed $3)"; return 1; }
}

@test "anon -> pageout, file -> cold in one run: one window sequence, each range's advice in -J and -v, totals per advice" {
	swap_setup 160M
	make_file "$T/data" 32
	start_target --anon 64 --file "$T/data"
	retouch
	run -0 "$PMADV" -p "$TARGET_PID" -a pageout --anon --all --then cold --file --all -f stop -J
	# one sequence of windows: one freeze, as for one advice
	[[ $(jq_out .advice) == pageout+cold ]]
	[[ $(jq_out '.freezes | length') == 1 ]]
	[[ $(jq_out '.targets[0].freeze') == stop ]]
	local win
	win=$(jq_out '.targets[0].windows')
	((win >= 1))
	[[ $(jq_out '.freezes[0].windows') == "$win" ]]
	[[ $(jq_out '.targets[0].freeze_broken') == false ]]
	# each range: its advice, by its class
	[[ $(jq_out '[.targets[0].ranges[] | select(.class == "anon" and .advice != "pageout")] | length') == 0 ]]
	[[ $(jq_out '[.targets[0].ranges[] | select(.class == "file" and .advice != "cold")] | length') == 0 ]]
	[[ $(jq_out --arg s "$anon_start" '.targets[0].ranges[] | select(.start == $s) | "\(.advice) \(.advised)"') == "pageout $anon_size" ]]
	[[ $(jq_out --arg s "$file_start" '.targets[0].ranges[] | select(.start == $s) | "\(.advice) \(.advised)"') == "cold $file_size" ]]
	# totals per advice: the sums of the ranges, and of the run
	[[ $(jq_out '[.targets[0].per_advice[].advice] | join(",")') == pageout,cold ]]
	for a in pageout cold; do
		[[ $(jq_out --arg a "$a" '.targets[0].per_advice[] | select(.advice == $a) | .advised') == \
		   $(jq_out --arg a "$a" '[.targets[0].ranges[] | select(.advice == $a) | .advised] | add') ]]
		[[ $(jq_out --arg a "$a" '.targets[0].per_advice[] | select(.advice == $a) | .ranges') == \
		   $(jq_out --arg a "$a" '[.targets[0].ranges[] | select(.advice == $a)] | length') ]]
	done
	[[ $(jq_out '[.targets[0].per_advice[].advised] | add') == $(jq_out .advised) ]]
	[[ $(jq_out '.per_advice == .targets[0].per_advice') == true ]]
	echo "# one run: $win windows, pageout $(jq_out '.per_advice[0].advised') B, cold $(jq_out '.per_advice[1].advised') B" >&3

	# the table: an ADVICE column; the summary: a line per advice
	retouch
	run -0 "$PMADV" -p "$TARGET_PID" -a pageout --anon --all --then cold --file --all -f stop -v
	[[ ${lines[0]} == *" ADVICE "* ]]
	[[ $(grep "^$anon_start " <<<"$output") == *" pageout "* ]]
	[[ $(grep "^$file_start " <<<"$output") == *" cold "* ]]
	[[ $output == *"): pageout+cold: "*" advised in "*"frozen "*" by stop"* ]]
	grep -qE '^  pageout: .* advised in [0-9]+ ranges?' <<<"$output"
	grep -qE '^  cold: .* advised in [0-9]+ ranges?' <<<"$output"
}

@test "one run of anon -> pageout, file -> cold leaves Rss and Swap as two separate runs do (within 5%)" {
	swap_setup 320M
	make_file "$T/data1" 32
	make_file "$T/data2" 32
	start_target --anon 64 --file "$T/data1"
	local A=$TARGET_PID AL=$TARGET_LATCH a_anon=$anon_start a_file=$file_start
	start_target --anon 64 --file "$T/data2"
	local B=$TARGET_PID BL=$TARGET_LATCH b_anon=$anon_start b_file=$file_start
	retouch "$A" "$AL"
	retouch "$B" "$BL"
	run -0 "$PMADV" -p "$A" -a pageout --anon --all --then cold --file --all -f stop -q
	run -0 "$PMADV" -p "$B" -a pageout --anon --all -f stop -q
	run -0 "$PMADV" -p "$B" -a cold --file --all -f stop -q
	local f a b slack mib=1024
	local -a got=()
	for f in Rss Swap; do
		a=$(kib_of "$A" "$a_anon" "$f")
		b=$(kib_of "$B" "$b_anon" "$f")
		got+=("anon $f $a/$b KiB")
		near "$a" "$b" $((64 * mib * 5 / 100))
		a=$(kib_of "$A" "$a_file" "$f")
		b=$(kib_of "$B" "$b_file" "$f")
		got+=("file $f $a/$b KiB")
		near "$a" "$b" $((32 * mib * 5 / 100))
		a=$(rollup "$A" "$f")
		b=$(rollup "$B" "$f")
		got+=("total $f $a/$b KiB")
		near "$a" "$b" $((96 * mib * 5 / 100))
	done
	echo "# one run / two runs: ${got[*]}" >&3
	# and the advice happened: anonymous memory in swap, the file kept
	(($(kib_of "$A" "$a_anon" Swap) >= 64 * mib * 90 / 100))
	(($(kib_of "$A" "$a_file" Rss) >= 32 * mib * 90 / 100))
}

@test "a range two pairs select is advised once, by the first" {
	swap_setup 160M
	start_target --anon 64
	retouch
	local first=$((16 << 20))
	# the first 16 MiB: cold (stays in memory); the rest: pageout (swap)
	run -0 "$PMADV" -p "$TARGET_PID" -a cold -r "$anon_start+$first" \
		--then pageout --anon --all --then willneed -r "$anon_start+$first" -f stop -J
	[[ $(jq_out .advice) == cold+pageout+willneed ]]
	[[ $(jq_out --arg s "$anon_start" '[.targets[0].ranges[] | select(.start == $s)] | length') == 1 ]]
	[[ $(jq_out --arg s "$anon_start" '.targets[0].ranges[] | select(.start == $s) | "\(.advice) \(.size)"') == "cold $first" ]]
	[[ $(jq_out '[.targets[0].ranges[] | select(.advice == "willneed")] | length') == 0 ]]
	[[ $(jq_out '.targets[0].per_advice[] | select(.advice == "willneed") | "\(.ranges) \(.requested)"') == "0 0" ]]
	# no byte twice: the ranges are disjoint, and the anonymous mapping's
	# bytes are advised once in all
	jq_out '.targets[0].ranges | sort_by(.start) | .[] | "\(.start) \(.end)"' | {
		local s e last=0
		while read -r s e; do
			(($(hexnum "$s") >= last)) || { echo "overlap at $s"; exit 1; }
			last=$(hexnum "$e")
		done
	}
	[[ $(jq_out --arg s "$anon_start" --arg e "$anon_end" \
		'[.targets[0].ranges[] | select(.start >= $s and .end <= $e) | .advised] | add') == "$anon_size" ]]
	# the effect: the cold part stayed in memory, the rest went to swap
	local rss swap
	rss=$(kib_of "$TARGET_PID" "$anon_start" Rss)
	swap=$(kib_of "$TARGET_PID" "$anon_start" Swap)
	echo "# anon 64 MiB, first 16 MiB cold: Rss $rss KiB, Swap $swap KiB" >&3
	near "$rss" $((16 * 1024)) $((64 * 1024 * 5 / 100))
	near "$swap" $((48 * 1024)) $((64 * 1024 * 5 / 100))
}

@test "several advices across many bounded windows: each range keeps its advice" {
	need_testbuild
	swap_setup 160M
	make_file "$T/data" 16
	start_target --anon 32 --file "$T/data"
	retouch
	PMADV_TEST_CHUNK_BYTES=$((4 << 20)) run -0 "$PMADV_TESTBUILD" -p "$TARGET_PID" \
		-a pageout --anon --all --then cold --file --all -f stop -J
	local win
	win=$(jq_out '.targets[0].windows')
	((win >= 10))
	[[ $(jq_out '.freezes | length') == 1 ]]
	[[ $(jq_out '[.targets[0].ranges[] | select(.class == "anon" and .advice != "pageout")] | length') == 0 ]]
	[[ $(jq_out '[.targets[0].ranges[] | select(.class == "file" and .advice != "cold")] | length') == 0 ]]
	[[ $(jq_out --arg s "$anon_start" --arg e "$anon_end" \
		'[.targets[0].ranges[] | select(.start >= $s and .end <= $e) | select(.advice == "pageout") | .advised] | add') == "$anon_size" ]]
	[[ $(jq_out --arg s "$file_start" --arg e "$file_end" \
		'[.targets[0].ranges[] | select(.start >= $s and .end <= $e) | select(.advice == "cold") | .advised] | add') == "$file_size" ]]
	[[ $(jq_out '.targets[0].failed') == 0 ]]
	echo "# $win windows of 4 MiB calls" >&3
}

@test "the forms of one advice keep their meaning; what several cannot do yet is a usage error" {
	start_target --anon 4
	# selection before or after the one -a: the same run
	run -0 "$PMADV" -p "$TARGET_PID" -m '[heap]' -a cold -n -J
	local before=$output
	run -0 "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -n -J
	[[ $(jq -c '[.advice, .requested, (.targets[0].ranges[] | [.start, .end, .advice])]' <<<"$before") == \
	   "$(jq_out -c '[.advice, .requested, (.targets[0].ranges[] | [.start, .end, .advice])]')" ]]
	[[ $(jq_out .advice) == cold ]]
	[[ $(jq_out '.per_advice | length') == 1 ]]
	# one advice: the table has no ADVICE column unless asked for
	run -0 "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -v
	[[ ${lines[0]} != *ADVICE* ]]
	run -0 "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -o START,ADVICE --noheadings
	[[ $output == *" cold" ]]
	# --then starts a pair: one without a selection is refused
	run -2 "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' --then pageout
	[[ $output == *"--then pageout (advice 2) selects nothing"* ]]
	run -2 "$PMADV" -p "$TARGET_PID" -a cold --then pageout -m '[heap]'
	[[ $output == *"-a cold selects nothing"* ]]
	run -2 "$PMADV" -p "$TARGET_PID" --then pageout -m '[heap]'
	[[ $output == *"--then needs -a first"* ]]
	run -2 "$PMADV" -p "$TARGET_PID" -a cold --all --then pageout --all -a willneed
	[[ $output == *"-a after --then"* ]]
	# a repeated -a is what it always was: the last one counts
	run -0 "$PMADV" -p "$TARGET_PID" -a pageout -a cold -m '[heap]' -J
	[[ $(jq_out .advice) == cold ]]
	[[ $(jq_out '.per_advice | length') == 1 ]]
	# what takes one advice
	for extra in "--limit 1M" "--down-to 1M" "--limit 10% --as-group"; do
		# shellcheck disable=SC2086
		run -2 "$PMADV" -p "$TARGET_PID" -a cold --all --then pageout --anon --all $extra
		[[ $output == *"take one advice"* ]]
	done
	run -2 "$PMADV" -p "$TARGET_PID" -l -a cold --all --then pageout --all
	[[ $output == *"--list takes one advice at most"* ]]
}

@test "README's runbook example of several advices works on a real target" {
	swap_setup 64M
	mkdir -p "$T/srv/db"
	make_file "$T/srv/db/table" 8
	start_target --anon 16 --file "$T/srv/db/table"
	retouch
	grep -qF "pmadv -p \"\$PID\" -f stop -a cold -m '[heap]' --then pageout --anon --all \\" "$BATS_TEST_DIRNAME/../README.md"
	grep -qF "      --then cold --file -e '^/srv/db/' -J | jq -r '.per_advice[] | \"\\(.advice) \\(.advised)\"'" "$BATS_TEST_DIRNAME/../README.md"
	# the README's line, its directory the test's
	run -0 --separate-stderr bash -c "set -o pipefail
		\"$PMADV\" -p \"$TARGET_PID\" -f stop -a cold -m '[heap]' --then pageout --anon --all \
		--then cold --file -e '^$T/srv/db/' -J | jq -r '.per_advice[] | \"\(.advice) \(.advised)\"'"
	[[ ${lines[0]} =~ ^cold\ [0-9]+$ && ${lines[1]} =~ ^pageout\ [0-9]+$ ]]
	((${#lines[@]} == 2))
	# cold: the heap and the file; pageout: the anonymous mapping at least
	((${lines[0]#cold } >= file_size))
	((${lines[1]#pageout } >= anon_size))
}
