#!/usr/bin/env bats
# Issue 21, part 1: never make a service thrash. Pageout's comeback guard
# (--comeback, on by default) pages out a sample of each mapping first,
# lets the target run, and leaves alone the mappings whose pages come back
# (the service's working set); when nothing stays out, the run stops.
#
# The target is tests/helpers/hotcold.c: 8 anonymous mappings of 128 MiB,
# all written; a busy thread reads 2 of them at random the whole time.
# Everything started is killed by PID, and the swap file is swapoff'd and
# deleted in teardown. The machine's DAMON reclaimer may page out cold
# memory on its own once swap is on: what pmadv paged out is asserted from
# its own ranges (-J), and Swap only as a bound the reclaimer cannot fake
# (it can add Swap to the cold mappings, and takes nothing the reader
# reads all the time).

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
	[[ -x $HELPERS/hotcold ]] || {
		echo "test helpers are not built: run make test-helpers" >&2
		return 1
	}
}

teardown() {
	core_teardown
}

MIB=$((1 << 20))

# start_hotcold [HOTCOLD-OPTIONS...]: start the helper in a session of its
# own, wait for its latch and source it (pid, count, hot, startI, endI)
start_hotcold() {
	local latch=$T/hotcold.ready
	rm -f "$latch"
	setsid "$HELPERS/hotcold" --ready "$latch" "$@" </dev/null \
		>"$T/hotcold.log" 2>&1 3>&- &
	CORE_PIDS+=($!)
	POLL_TRIES=1200 wait_for test -s "$latch"
	# shellcheck disable=SC1090
	source "$latch"
	[[ $pid == "$!" ]]
}

# swap_first SIZE: swap_setup, at the highest priority: the pages go to
# this file, not to one another suite enabled earlier (the kernel fills
# the highest priority first), whose swapoff would bring them back
swap_first() {
	swap_setup "$1"
	swapoff "$T/swapfile" && swapon -p 32767 "$T/swapfile"
}

# faults: the target's minor + major faults so far (/proc/PID/stat)
faults() {
	awk '{ print $10 + $12 }' "/proc/$pid/stat"
}

# smaps_kib I FIELD: FIELD (Rss, Swap) of mapping I, in KiB
smaps_kib() {
	local s
	s=$(eval echo "\$start$1")
	awk -v s="${s#0x}" -v k="$2:" '
		/^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); on = (a[1] == s) }
		on && $1 == k { print $2; exit }' "/proc/$pid/smaps"
}

# advised_in I: bytes the -J output says were advised inside mapping I
advised_in() {
	local s e
	s=$(hexnum "$(eval echo "\$start$1")")
	e=$(hexnum "$(eval echo "\$end$1")")
	jq_out '.targets[0].ranges[] | "\(.start) \(.advised)"' | while read -r a adv; do
		a=$(hexnum "$a")
		((a >= s && a < e)) && echo "$adv"
	done | awk '{ n += $1 } END { print n + 0 }'
}

# hot_skipped_in I: bytes of mapping I that -J lists as skipped for being hot
hot_skipped_in() {
	local s e
	s=$(hexnum "$(eval echo "\$start$1")")
	e=$(hexnum "$(eval echo "\$end$1")")
	jq_out '.targets[0].skipped[] | select(.reason | startswith("hot:")) |
		"\(.start) \(.end)"' | while read -r a b; do
		a=$(hexnum "$a") b=$(hexnum "$b")
		((a >= s && a < e)) && echo $((b - a))
	done | awk '{ n += $1 } END { print n + 0 }'
}

# run_ok: the run did all it was asked: exit 0, or 3 when only a window
# the guardian had to end (a loaded machine) made it not race-free
run_ok() {
	((status == 0)) && return 0
	((status == 3)) && [ "$(jq_out '.targets[0].freeze_broken')" = true ] &&
		[ "$(jq_out '.targets[0].comeback.stopped // false')" = false ]
}

is_hot() {
	[[ ,$hot, == *,$1,* ]]
}

@test "the guard on by default: the cold mappings go to swap, the working set stays, the target barely faults, the report names the hot mappings" {
	swap_first 1200M
	start_hotcold
	f0=$(faults)
	run --separate-stderr "$PMADV" -p "$pid" -a pageout --anon --all -f stop -J
	sleep 1
	echo "$stderr" >&3
	run_ok
	df=$(($(faults) - f0))
	cold_swap=0 cold_adv=0 hot_swap=0
	for ((i = 0; i < count; i++)); do
		sw=$(smaps_kib "$i" Swap) adv=$(advised_in "$i")
		echo "mapping $i: advised $((adv / MIB)) MiB, Swap $((sw / 1024)) MiB$(is_hot "$i" && echo ' (hot)')" >&3
		if is_hot "$i"; then
			hot_swap=$((hot_swap + sw * 1024))
		else
			cold_swap=$((cold_swap + sw * 1024))
			cold_adv=$((cold_adv + adv))
		fi
	done
	echo "faults during the run and 1 s after: $df; comeback: $(jq_out -c '.targets[0].comeback | del(.hot)')" >&3
	cold=$(((count - 2) * mib * MIB))
	# >= 80% of the untouched mappings out: pmadv advised it, and it is in swap
	((cold_adv * 10 >= cold * 8))
	((cold_swap * 10 >= cold * 8))
	# <= 10% of the working set out
	((hot_swap * 10 <= 2 * mib * MIB))
	# the target felt it: no more than 64 MiB worth of faults
	((df <= 16384))
	# the report names the hot mappings (JSON: the guard's list and the
	# skipped rest of each, with its reason)
	[ "$(jq_out -r '.targets[0].comeback.hot | map(.start) | sort | join(",")')" = \
		"$(for i in ${hot//,/ }; do eval echo "\$start$i"; done | sort | paste -sd,)" ]
	# ... each hot mapping: its sample advised, the rest skipped as hot
	for i in ${hot//,/ }; do
		[ $(($(advised_in "$i") + $(hot_skipped_in "$i"))) -eq $((mib * MIB)) ]
	done
	[ "$(jq_out '.targets[0].comeback.stopped')" = false ]
	[ "$(jq_out '.targets[0].comeback.threshold_pct')" -eq 10 ]
	[ "$(jq_out '.targets[0].comeback.minor_faults + .targets[0].comeback.major_faults')" -le "$df" ]

	# Again, in words: the cold mappings are out already, the samples of the
	# hot ones come back: nothing stays out, so the run stops (exit 3),
	# naming the hot mappings
	run -3 --separate-stderr "$PMADV" -p "$pid" -a pageout --anon --all -f stop
	echo "$output" >&3
	echo "$stderr" >&3
	for i in ${hot//,/ }; do
		grep -q "left alone as hot.*$(eval echo "\$start$i")-$(eval echo "\$end$i")" <<<"$output"
	done
	grep -q "stopped: the service faulted back .* of .* paged out (its working set)" <<<"$stderr"
}

@test "--comeback=off: the same run pages out all 8, and the service faults its working set back" {
	swap_first 1200M
	start_hotcold
	f0=$(faults)
	run --separate-stderr "$PMADV" -p "$pid" -a pageout --anon --all -f stop --comeback=off -J
	sleep 1
	echo "$stderr" >&3
	run_ok
	df=$(($(faults) - f0))
	echo "faults during the run and 1 s after, guard off: $df" >&3
	for ((i = 0; i < count; i++)); do
		[ "$(advised_in "$i")" -eq $((mib * MIB)) ]
	done
	[ "$(jq_out '.targets[0].comeback')" = null ]
	[ "$(jq_out '[.targets[0].skipped[] | select(.reason | startswith("hot:"))] | length')" -eq 0 ]
}

@test "a target that uses everything: the run stops after the samples, exit 3, having paged out little" {
	swap_first 300M
	start_hotcold --count 2 --mib 64 --hot 0,1
	run -3 --separate-stderr "$PMADV" -p "$pid" -a pageout --anon --all -J
	echo "$stderr" >&3
	[ "$(jq_out '.targets[0].comeback.stopped')" = true ]
	[ "$(jq_out '.targets[0].comeback.hot | length')" -eq 2 ]
	# the samples only: a sixteenth of each mapping at most
	(($(advised_in 0) + $(advised_in 1) <= 2 * 64 * MIB / 16))
	grep -q "stopped: the service faulted back .* of .* paged out (its working set)" <<<"$stderr"
}

@test "several advices: the guard watches the pageout pair only; a hot mapping given cold is advised whole" {
	swap_first 1200M
	start_hotcold
	local h1=${hot%%,*} h2=${hot##*,}
	[ "$h1" != "$h2" ]
	# one hot mapping cold (first pair), the rest pageout (second pair)
	run --separate-stderr "$PMADV" -p "$pid" -f stop -J \
		-a cold -r "$(eval echo "\$start$h1")-$(eval echo "\$end$h1")" \
		--then pageout --anon --all --comeback=10
	echo "$stderr" >&3
	run_ok
	echo "comeback: $(jq_out -c '.targets[0].comeback | del(.hot)')" >&3
	# the cold one: advised whole, with cold, never sampled nor left alone
	[ "$(advised_in "$h1")" -eq $((mib * MIB)) ]
	[ "$(hot_skipped_in "$h1")" -eq 0 ]
	[ "$(jq_out -r --arg s "$(eval echo "\$start$h1")" \
		'.targets[0].ranges[] | select(.start == $s) | .advice')" = cold ]
	# the other hot one: the guard's, as with one advice
	[ "$(jq_out -r '.targets[0].comeback.hot | map(.start) | join(",")')" = \
		"$(eval echo "\$start$h2")" ]
	[ $(($(advised_in "$h2") + $(hot_skipped_in "$h2"))) -eq $((mib * MIB)) ]
	(($(advised_in "$h2") <= mib * MIB / 16))
	# the untouched ones: paged out
	for ((i = 0; i < count; i++)); do
		is_hot "$i" || [ "$(advised_in "$i")" -eq $((mib * MIB)) ]
	done
}

@test "--comeback: a percentage or off, and a threshold only with pageout" {
	start_hotcold --count 1 --mib 1 --hot 0
	run -2 "$PMADV" -p "$pid" -a pageout --all --comeback=abc
	grep -q "invalid --comeback 'abc'" <<<"$output"
	run -2 "$PMADV" -p "$pid" -a pageout --all --comeback=101
	run -2 "$PMADV" -p "$pid" -a cold --all --comeback=20
	grep -q -- "--comeback=PCT goes with -a pageout" <<<"$output"
	run -0 "$PMADV" -p "$pid" -a cold --all --then pageout --all --comeback=20 -n
	run -0 "$PMADV" -p "$pid" -a cold --all --comeback=off -n
	run -0 "$PMADV" -p "$pid" -a pageout --all --comeback=25% -n
	run -0 --separate-stderr "$PMADV" -p "$pid" -a pageout --all --comeback=25 -n -J
	# a dry run advises nothing: nothing to watch
	[ "$(jq_out '.targets[0].comeback')" = null ]
}
