#!/usr/bin/env bats
# The shape of a run (issue 9): one freeze window over a group of targets
# that one freeze covers, results built once with warnings apart from the
# fatal error. Real targets (tests/helpers/target.c); every process started
# is killed by PID and every cgroup made is thawed and removed in teardown.

bats_require_minimum_version 1.5.0

load test_helper
load cgroup_helper

W_CGROUPS=()

setup() {
	core_setup
}

teardown() {
	cgroups_thaw "${W_CGROUPS[@]}"
	core_teardown
	cgroups_remove "${W_CGROUPS[@]}"
}

# cgroup_targets PROGRAM MIB...: in a new v2 cgroup $CG ($CGPATH under the
# mount), one PROGRAM (tests/helpers/target or a copy) per size, its
# anonymous memory written; PIDS in that order
cgroup_targets() {
	((EUID == 0)) || skip "cgroup tests need root"
	local prog=$1 m p i=0 mib
	shift
	m=$(v2_mount)
	[[ -n $m ]] || skip "no cgroup v2 hierarchy mounted"
	CGPATH=/pmadv-win-$$-$BATS_TEST_NUMBER
	CG=$m$CGPATH
	mkdir "$CG"
	W_CGROUPS+=("$CG")
	PIDS=()
	for mib in "$@"; do
		i=$((i + 1))
		setsid "$prog" --ready "$T/ready.$i" --anon "$mib" </dev/null >/dev/null 2>&1 3>&- &
		p=$!
		CORE_PIDS+=("$p")
		PIDS+=("$p")
		wait_for test -s "$T/ready.$i"
		echo "$p" >"$CG/cgroup.procs"
	done
}

# three copies of the target named $NAME in a new v2 cgroup $CG
three_in_cgroup() {
	NAME=pmadvwin$((RANDOM % 10000))
	cp "$HELPERS/target" "$T/$NAME"
	cgroup_targets "$T/$NAME" 1 1 1
	[[ -e $CG/cgroup.freeze ]] || skip "cgroup v2 without cgroup.freeze"
}

# freezes_once ARGS...: pmadv ARGS under strace writes "1" to cgroup.freeze
# once and "0" once; the JSON says one freeze covered the three targets
freezes_once() {
	command -v strace >/dev/null || skip "missing tool: strace"
	run -0 --separate-stderr env ASAN_OPTIONS=detect_leaks=0 strace -f \
		-e trace=openat,write -o "$T/trace" "$PMADV" "$@" -a cold -m '[heap]' \
		-f cgroup -J
	local fd
	fd=$(sed -n 's/.*openat(.*cgroup\.freeze", O_WRONLY.*= \([0-9]*\)$/\1/p' "$T/trace" | sort -u)
	echo "cgroup.freeze fd: $fd"
	[ -n "$fd" ]
	[ "$(grep -cE "write\\(($(paste -sd'|' <<<"$fd")), \"1\", 1\\)" "$T/trace")" -eq 1 ]
	[ "$(grep -cE "write\\(($(paste -sd'|' <<<"$fd")), \"0\", 1\\)" "$T/trace")" -eq 1 ]
	[ "$(jq '.freezes | length' <<<"$output")" -eq 1 ]
	[ "$(jq -r '.freezes[0].targets | sort | map(tostring) | join(" ")' <<<"$output")" = \
		"$(printf '%s\n' "${PIDS[@]}" | sort -n | paste -sd' ')" ]
	[ "$(jq -r '.freezes[0].cgroup' <<<"$output")" = "$CGPATH" ]
	[ "$(jq '[.targets[] | select(.freeze_id == 0 and .advised > 0)] | length' <<<"$output")" -eq 3 ]
	[ "$(<"$CG/cgroup.freeze")" = 0 ]
	grep -qx 'frozen 0' "$CG/cgroup.events"
}

@test "-N NAME -f cgroup: three processes of one cgroup, frozen once, thawed after" {
	three_in_cgroup
	freezes_once -N "^$NAME\$"
}

@test "-p P,P,P -f cgroup: targets sharing a cgroup are frozen once" {
	three_in_cgroup
	freezes_once -p "$(IFS=,; echo "${PIDS[*]}")"
}

@test "human output says which targets one freeze covered" {
	three_in_cgroup
	run -0 "$PMADV" -N "^$NAME\$" -a cold -m '[heap]' -f cgroup
	grep -E "^one freeze \\(cgroup $CGPATH, [0-9.]+ ms\\) covered 3 targets: " <<<"$output"
}

@test "a warning set while advising survives -v when the target is gone after" {
	command -v strace >/dev/null || skip "missing tool: strace"
	# not our child: once killed, init reaps it and /proc/PID is gone
	( setsid "$HELPERS/target" --ready "$T/latch" --many 2000 </dev/null >/dev/null 2>&1 3>&- & echo $! >"$T/pid" )
	wait_for test -s "$T/latch"
	source "$T/latch"
	P=$(<"$T/pid")
	CORE_PIDS+=("$P")
	# calls: the probe, 1024 iovecs, then 976: the third waits 2 s, and
	# the target is killed meanwhile
	env ASAN_OPTIONS=detect_leaks=0 strace -e trace=process_madvise \
		-e inject=process_madvise:delay_enter=2000000:when=3 -o "$T/trace" \
		"$PMADV" -p "$P" -a cold -r "$many" -v -J >"$T/out" 2>"$T/err" 3>&- &
	m=$!
	wait_for grep -q ' = 4194304$' "$T/trace"
	kill -KILL "$P"
	wait_for eval '[ ! -e /proc/$P ]'
	st=0
	wait "$m" || st=$?
	cat "$T/err"
	[ "$st" -eq 3 ]
	grep -q "exited while being advised" "$T/err"
	[ "$(jq -r '.targets[0].warnings[]' "$T/out" | grep -c 'exited while being advised')" -eq 1 ]
	[ "$(jq '.targets[0].error' "$T/out")" = null ]
	[ "$(jq '.targets[0].advised' "$T/out")" -eq $((1024 * 4096)) ]
}

@test "each warning is printed once" {
	start_target --anon 1
	run -3 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -m nosuch.so
	[ "$(grep -c "mapping 'nosuch.so' matches no mapping" <<<"$stderr")" -eq 1 ]
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e '^$' --file
	[ "$(grep -c 'nothing to advise: no mapping passed' <<<"$stderr")" -eq 1 ]
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[vsyscall]'
	[ "$(grep -c 'nothing to advise: every selected mapping was skipped' <<<"$stderr")" -eq 1 ]
}


@test "--as-group: one goal for a cgroup's processes, spread most movable first; the group line and JSON say where it stands" {
	swap_setup 256M
	cgroup_targets "$HELPERS/target" 10 40 20
	# the group's memory: memory.current where the v2 memory controller
	# is on for the cgroup, else the targets' summed Pss
	measure=pss
	[[ -e $CG/memory.current ]] && measure=memory.current
	run -0 --separate-stderr "$PMADV" -c "$CG" -a pageout --all --anon --as-group --limit 50M -J
	echo "$output" | jq -c '.group_goal, [.targets[] | {pid, goal, goal_kind, goal_met, advised}]'
	[ "$(jq_out .group_goal.measure)" = "$measure" ]
	[ "$(jq_out .group_goal.kind)" = limit ]
	[ "$(jq_out .group_goal.need)" -eq $((50 << 20)) ]
	[ "$(jq_out .group_goal.met)" = true ]
	# most movable first: the 40 MiB target gives what it has, the 20 MiB
	# one the rest, the 10 MiB one nothing
	share() { jq_out ".targets[] | select(.pid == $1) | .goal"; }
	(($(share "${PIDS[1]}") >= 40 << 20))
	(($(share "${PIDS[2]}") > 0 && $(share "${PIDS[2]}") < 10 << 20))
	[ "$(share "${PIDS[0]}")" -eq 0 ]
	[ "$(jq_out '[.targets[].goal] | add')" -eq $((50 << 20)) ]
	[ "$(jq_out '[.targets[].goal_kind] | unique | .[0]')" = group ]
	# what moved covers the goal, to a page a target
	(($(jq_out .advised) >= (50 << 20) - 3 * 4096))
	# in words: the totals lead with Pss, then the address space; the
	# group's line says the goal's state
	run -0 --separate-stderr "$PMADV" -c "$CG" -a cold --all --anon --as-group --limit 8M
	echo "$output"
	grep -qE '^total: 3 targets: Pss .* -> .*; address space: ' <<<"$output"
	grep -qE '^group: limit 8\.0 MiB of .*: goal met' <<<"$output"
	grep -qF "(${PIDS[0]}"' (target): no share' <<<"$output" ||
		grep -qF "${PIDS[0]} (target): no share of the group's goal" <<<"$output"
	# out of reach: the group's line and one warning say why, summed
	# over the targets (here: the file pages --anon did not select; the
	# anonymous memory the --limit run above left goes)
	run -3 --separate-stderr "$PMADV" -c "$CG" -a pageout --all --anon --as-group --down-to 1 -J
	echo "$stderr"
	[[ $stderr == *"group goal not met: "*"; the rest of their Rss (each target's own): "*" not selected"* ]]
	[ "$(jq_out .group_goal.met)" = false ]
	(($(jq_out .group_goal.unreachable.not_selected) > 0))
	# only pageout lowers memory: a group --down-to of cold is a budget,
	# never met
	run -3 --separate-stderr "$PMADV" -c "$CG" -a cold --all --anon --as-group --down-to 1 -J
	[[ $stderr == *"group goal not met: cold does not lower the targets' memory"* ]]
	[ "$(jq_out .group_goal.met)" = false ]
	# a look first: would be met, or would not
	run -0 --separate-stderr "$PMADV" -c "$CG" -a cold --all --anon --as-group --limit 1M -n
	grep -qE '^group: limit 1\.0 MiB of .*: goal would be met' <<<"$output"
	# a --down-to already met by the group: nothing done, exit 0
	run -0 --separate-stderr "$PMADV" -c "$CG" -a cold --all --anon --as-group --down-to 100G
	grep -qE '^group: down to 100\.0 GiB of .*: already met, nothing to do' <<<"$output"
	# a goal is needed
	run -2 "$PMADV" -c "$CG" -a cold --all --as-group
	[[ $output == *"--as-group needs a goal: --limit or --down-to"* ]]
}
