#!/usr/bin/env bats
# --freeze: the target is frozen while its maps are read and advised, and
# never left frozen. Against real processes: tests/helpers/counter.c counts
# in a shared page this file reads with od; PMADV_TEST_DELAY_MS holds the
# window open so the test can look inside it (those runs are of the test
# build, $PMADV_TESTBUILD).

load freeze_helper
bats_require_minimum_version 1.5.0

PMADV_TESTBUILD=${PMADV_TESTBUILD:-$BATS_TEST_DIRNAME/../pmadv-test}

setup() {
	freeze_setup
}

teardown() {
	freeze_teardown
}

# look_inside MODE FROZEN_CHECK [ARG]: run pmadv with MODE and a 1.2 s
# window; inside it, the counter makes no progress; after it, it runs again;
# its longest stall covers the whole window pmadv reports.
look_inside() {
	local mode=$1 check=$2 arg=${3:-} a0 a1 b0 b1 stall_ns frozen_ms
	bg env PMADV_TEST_DELAY_MS=1200 "$PMADV_TESTBUILD" -p "$COUNTER" -a cold \
		-m counter.shm --freeze="$mode" -J >"$T/out" 2>"$T/err"
	local m=$BG
	wait_until 3000 $check $arg
	a0=$(word 0) a1=$(word 1)
	sleep 0.3
	b0=$(word 0) b1=$(word 1)
	$check $arg		# still frozen after the second look
	[ "$a0" -eq "$b0" ]
	[ "$a1" -eq "$b1" ]
	reap "$m"
	cat "$T/err"
	[ "$REAPED" -eq 0 ]
	running_within_a_second
	grep -q "\"freeze\":\"${mode%%:*}\"" "$T/out"
	frozen_ms=$(json_num "$T/out" frozen_ms)
	stall_ns=$(word 16)
	echo "frozen_ms=$frozen_ms longest stall ${stall_ns}ns"
	# the window counts from the freeze action to the thaw action; the
	# counter stalls from when its threads are held until one runs again.
	# Both span the 1.2 s hold; they differ by scheduling latency only
	# (milliseconds on a loaded 2-core machine: 3.2 ms was seen in CI),
	# so the match is checked to 25 ms, not to the machine's speed.
	awk -v f="$frozen_ms" -v s="$stall_ns" 'BEGIN { s /= 1e6
		exit !(f >= 1200 && s >= 1200 && s + 25 >= f && f + 25 >= s) }'
	[ -z "$(stale_locks)" ]
}

@test "freeze: bad modes are usage errors" {
	start_counter
	run pmadv_counter --freeze=bogus
	[ "$status" -eq 2 ]
	run pmadv_counter --freeze=cgroup:
	[ "$status" -eq 2 ]
	run pmadv_counter --freeze=none
	[ "$status" -eq 0 ]
}

@test "freeze=stop: no progress inside the window, running after" {
	start_counter 3
	look_inside stop all_stopped "$COUNTER"
	none_stopped "$COUNTER"
	[ "$(json_num "$T/out" frozen_processes)" -eq 1 ]
}

@test "freeze=cgroup (v2, the target's own): no progress inside the window" {
	need_v2
	start_counter 3 2
	make_cgroup "$V2"
	move_to "$CG" $(counter_procs)
	look_inside cgroup v2_frozen "$CG"
	v2_thawed "$CG"
	[ "$(<"$CG/cgroup.freeze")" = 0 ]
	# the children were frozen too, and counted
	[ "$(json_num "$T/out" frozen_processes)" -eq 3 ]
}

@test "freeze=cgroup (v1 freezer, the target's own): no progress inside the window" {
	need_v1
	start_counter 3
	make_cgroup "$V1"
	move_to "$CG" "$COUNTER"
	look_inside cgroup v1_frozen "$CG"
	v1_thawed "$CG"
}

@test "freeze=cgroup:PATH takes a directory or a /proc/PID/cgroup path" {
	need_v2
	start_counter
	make_cgroup "$V2"
	move_to "$CG" "$COUNTER"
	run pmadv_counter --freeze=cgroup:"$CG" -J
	[ "$status" -eq 0 ]
	[[ $output == *'"freeze":"cgroup"'* ]]
	run pmadv_counter --freeze=cgroup:"$CGPATH"
	[ "$status" -eq 0 ]
	# a parent of the target's cgroup is fine: it contains the target
	make_cgroup "$V2"
	local parent=$CG
	mkdir "$parent/child"
	FZ_CGROUPS=("$parent/child" "${FZ_CGROUPS[@]}")
	move_to "$parent/child" "$COUNTER"
	run pmadv_counter --freeze=cgroup:"$CGPATH"
	[ "$status" -eq 0 ]
	v2_thawed "$parent"
	none_stopped "$COUNTER"
	running_within_a_second
}

@test "freeze=stop: a target stopped before stays stopped" {
	start_counter 3
	kill -STOP "$COUNTER"
	wait_until 2000 all_stopped "$COUNTER"
	run pmadv_counter --freeze=stop
	[ "$status" -eq 0 ]
	sleep 0.1
	all_stopped "$COUNTER"
	kill -CONT "$COUNTER"
	running_within_a_second
}

@test "freeze=cgroup: a cgroup frozen before stays frozen (v2)" {
	need_v2
	start_counter
	make_cgroup "$V2"
	move_to "$CG" "$COUNTER"
	echo 1 >"$CG/cgroup.freeze"
	wait_until 2000 v2_frozen "$CG"
	run pmadv_counter --freeze=cgroup
	[ "$status" -eq 0 ]
	[ "$(<"$CG/cgroup.freeze")" = 1 ]
	v2_frozen "$CG"
	echo 0 >"$CG/cgroup.freeze"
	running_within_a_second
}

@test "freeze=cgroup: a cgroup frozen before stays frozen (v1)" {
	need_v1
	start_counter
	make_cgroup "$V1"
	move_to "$CG" "$COUNTER"
	echo FROZEN >"$CG/freezer.state"
	wait_until 2000 v1_frozen "$CG"
	run pmadv_counter --freeze=cgroup
	[ "$status" -eq 0 ]
	sleep 0.1
	v1_frozen "$CG"
	echo THAWED >"$CG/freezer.state"
	running_within_a_second
}

@test "freeze=cgroup: a target its v1 freezer cgroup holds frozen, in a v2 cgroup of its own too: the v1 freeze is honoured and named" {
	need_v1
	need_v2
	start_counter
	make_cgroup "$V2"
	local cg2=$CG
	move_to "$cg2" "$COUNTER"
	make_cgroup "$V1"
	move_to "$CG" "$COUNTER"
	echo FROZEN >"$CG/freezer.state"
	wait_until 2000 v1_frozen "$CG"
	# before, -f cgroup chose v2 and waited for threads that the v1
	# freezer holds ("did not freeze within 100 ms ... __refrigerator")
	run -0 --separate-stderr pmadv_counter --freeze=cgroup
	[[ $output == *"already frozen, "*" ms by cgroup $CGPATH (v1 freezer)"* ]]
	[ -z "$stderr" ]
	# -J names the hierarchy too, per target and per freeze
	run -0 --separate-stderr pmadv_counter --freeze=cgroup -J
	[ "$(jq -r '[.targets[0].frozen_cgroup, .targets[0].frozen_cgroup_version, .freezes[0].cgroup_version] | map(tostring) | join(" ")' <<<"$output")" = "$CGPATH 1 1" ]
	v1_frozen "$CG"
	[ "$(<"$cg2/cgroup.freeze")" = 0 ]
	echo THAWED >"$CG/freezer.state"
	running_within_a_second
	# thawed, -f cgroup is the v2 freeze again, named as such
	run -0 --separate-stderr pmadv_counter --freeze=cgroup
	[[ $output == *"; frozen "*" ms by cgroup /${cg2##*/} (v2)"* ]]
	run -0 --separate-stderr pmadv_counter --freeze=cgroup -J
	[ "$(jq -r '[.targets[0].frozen_cgroup, .targets[0].frozen_cgroup_version, .freezes[0].cgroup_version] | map(tostring) | join(" ")' <<<"$output")" = "/${cg2##*/} 2 2" ]
	running_within_a_second
	# no cgroup freeze: both null
	run -0 --separate-stderr pmadv_counter --freeze=stop -J
	[ "$(jq -r '[.targets[0].frozen_cgroup_version, .freezes[0].cgroup_version] | map(tostring) | join(" ")' <<<"$output")" = "null null" ]
	running_within_a_second
}

@test "freeze=stop: a traced target is refused, naming the tracer" {
	start_counter
	bg "$HELPERS/freeze-tracer" "$COUNTER" >"$T/tracer"
	local tracer=$BG
	wait_until 2000 grep -q ready "$T/tracer" || skip "cannot ptrace here"
	run pmadv_counter --freeze=stop --freeze-timeout=2s
	[ "$status" -eq 1 ]
	[[ $output == *"traced by process $tracer (freeze-tracer)"* ]]
	none_stopped "$COUNTER"
	running_within_a_second
}

@test "freeze=stop: timeout resumes the target and names the thread" {
	[[ -x $HELPERS/freeze-vforker ]] || skip "no freeze-vforker helper"
	bg "$HELPERS/freeze-vforker" >"$T/vforker"
	local v=$BG
	wait_until 2000 grep -q ready "$T/vforker"
	wait_until 2000 grep -q '^State:.*D' /proc/$v/status
	# --max-freeze=0: this is the --freeze-timeout rule (with a bound, a
	# freeze must take hold within the bound itself)
	run "$PMADV" -p "$v" -a cold --all --freeze=stop --freeze-timeout=300ms --max-freeze=0
	[ "$status" -eq 1 ]
	[[ $output == *"did not stop within 300 ms"* ]]
	[[ $output == *"$v (freeze-vforker, state D)"* ]]
	[[ $output == *"; resumed it"* ]]
	none_stopped "$v"
}

@test "freeze=cgroup: timeout thaws and names the threads (v2 held by v1)" {
	need_v2
	need_v1
	start_counter
	make_cgroup "$V2"
	local v2cg=$CG
	make_cgroup "$V1"
	local v1cg=$CG
	move_to "$v2cg" "$COUNTER"
	move_to "$v1cg" "$COUNTER"
	# a task the v1 freezer holds cannot reach the v2 freezer's trap
	echo FROZEN >"$v1cg/freezer.state"
	wait_until 2000 v1_frozen "$v1cg"
	run pmadv_counter --freeze=cgroup:"$v2cg" --freeze-timeout=300ms --max-freeze=0
	[ "$status" -eq 1 ]
	[[ $output == *"did not freeze within 300 ms"* ]]
	[[ $output == *"$COUNTER (counter, state D"* ]]
	[[ $output == *"; thawed it"* ]]
	[ "$(<"$v2cg/cgroup.freeze")" = 0 ]
	echo THAWED >"$v1cg/freezer.state"
	running_within_a_second
}

# killed_mid_window MODE SIGNAL FROZEN_CHECK [ARG]
killed_mid_window() {
	local mode=$1 sig=$2 check=$3 arg=${4:-}
	# one unbounded window held open (the test build's delay): SIGTERM,
	# SIGINT, SIGHUP lift the freeze at once and end the run there with
	# its report (nothing advised yet: exit 1); SIGKILL kills pmadv, and
	# its guardian thaws
	bg "$HELPERS/freeze-sigdfl" env PMADV_TEST_DELAY_MS=20000 "$PMADV_TESTBUILD" \
		-p "$COUNTER" -a cold -m counter.shm --freeze="$mode" --max-freeze=0 \
		>"$T/out" 2>&1
	local m=$BG guardian
	wait_until 3000 $check $arg
	guardian=$(pgrep -P "$m" -x frzguard)
	[ -n "$guardian" ]
	kill -"$sig" "$m"
	running_within_a_second
	reap "$m"
	cat "$T/out"
	if [[ $sig == KILL ]]; then
		[ "$REAPED" -eq 137 ]
	else
		[ "$REAPED" -eq 1 ]
		grep -q "interrupted by signal $(kill -l "$sig") " "$T/out"
		grep -q "freeze was lifted at the interrupt" "$T/out"
	fi
	# the guardian is gone too, and so are the lock files. Gone = exited: an
	# orphaned guardian is a zombie until PID 1 reaps it, and some inits (a
	# VM's or container's) reap only every second or two.
	wait_until 1000 exited "$guardian"
	wait_until 1000 eval '[ -z "$(stale_locks)" ]'
}

@test "freeze=stop: SIGTERM, SIGINT, SIGHUP of pmadv mid-window resume the target" {
	[[ -x $HELPERS/freeze-sigdfl ]] || skip "no freeze-sigdfl helper"
	start_counter 3
	for sig in TERM INT HUP; do
		killed_mid_window stop "$sig" all_stopped "$COUNTER"
		none_stopped "$COUNTER"
	done
}

@test "freeze=stop: SIGKILL of pmadv mid-window: the guardian resumes the target" {
	[[ -x $HELPERS/freeze-sigdfl ]] || skip "no freeze-sigdfl helper"
	start_counter 3
	killed_mid_window stop KILL all_stopped "$COUNTER"
	none_stopped "$COUNTER"
}

@test "freeze=cgroup: SIGTERM and SIGKILL of pmadv mid-window thaw the cgroup (v2)" {
	need_v2
	start_counter
	make_cgroup "$V2"
	move_to "$CG" "$COUNTER"
	for sig in TERM KILL; do
		killed_mid_window cgroup "$sig" v2_frozen "$CG"
		[ "$(<"$CG/cgroup.freeze")" = 0 ]
	done
}

@test "freeze=cgroup: SIGTERM and SIGKILL of pmadv mid-window thaw the cgroup (v1)" {
	need_v1
	start_counter
	make_cgroup "$V1"
	move_to "$CG" "$COUNTER"
	for sig in TERM KILL; do
		killed_mid_window cgroup "$sig" v1_frozen "$CG"
		v1_thawed "$CG"
	done
}

@test "freeze: an error inside the window leaves the target running" {
	start_counter 3
	# the selector matches nothing inside the window: exit 1, said
	run "$PMADV" -p "$COUNTER" -a cold -m no-such-mapping --freeze=stop
	[ "$status" -eq 1 ]
	[[ $output == *"mapping 'no-such-mapping' matches no mapping"* ]]
	none_stopped "$COUNTER"
	running_within_a_second
	# and a closed stdout: output comes after the thaw. The advice is done,
	# its report cannot be written: exit 1 with a write error (as util-linux
	# tools do), never a crash
	run bash -c '"$0" -p "$1" -a cold -m counter.shm --freeze=stop >&-' "$PMADV" "$COUNTER"
	[ "$status" -eq 1 ]
	[[ $output == *"write error on standard output"* ]]
	none_stopped "$COUNTER"
	running_within_a_second
}

@test "freeze=cgroup: the root cgroup is refused" {
	need_v2
	start_counter
	run pmadv_counter --freeze=cgroup:/
	[ "$status" -eq 1 ]
	[[ $output == *"refusing to freeze the root cgroup"* ]]
	run pmadv_counter --freeze=cgroup:"$V2"
	[ "$status" -eq 1 ]
	[[ $output == *"refusing to freeze the root cgroup"* ]]
	# the target's own cgroup is the root in every hierarchy
	if grep -qx '0::/' /proc/"$COUNTER"/cgroup &&
	   ! grep -q ':freezer:/.' /proc/"$COUNTER"/cgroup; then
		run pmadv_counter --freeze=cgroup
		[ "$status" -eq 1 ]
		[[ $output == *"root cgroup"* ]]
		[[ $output == *"--freeze=stop"* ]]
	fi
	running_within_a_second
}

@test "freeze=cgroup: a cgroup containing pmadv is refused" {
	need_v2
	start_counter
	make_cgroup "$V2"
	move_to "$CG" "$COUNTER"
	# pmadv started inside the target's cgroup
	run sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -p "$3" -a cold -m counter.shm --freeze="$4"' \
		sh "$CG" "$PMADV" "$COUNTER" cgroup:"$CG"
	[ "$status" -eq 1 ]
	[[ $output == *"contains pmadv itself"* ]]
	run sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -p "$3" -a cold -m counter.shm --freeze=cgroup' \
		sh "$CG" "$PMADV" "$COUNTER"
	[ "$status" -eq 1 ]
	[[ $output == *"contains pmadv itself"* ]]
	v2_thawed "$CG"
	running_within_a_second
}

@test "freeze=cgroup: a cgroup that does not hold the target is refused" {
	need_v2
	start_counter
	make_cgroup "$V2"
	run pmadv_counter --freeze=cgroup:"$CG"
	[ "$status" -eq 1 ]
	[[ $output == *"does not contain process $COUNTER"* ]]
	[ "$(<"$CG/cgroup.freeze")" = 0 ]
}

@test "freeze: 8 concurrent runs, mixed modes, never thaw one another" {
	local modes=(stop stop) i pids=() sum stalled
	start_counter 3
	if [[ $EUID -eq 0 && -n $(v2_mount) ]]; then
		V2=$(v2_mount)
		make_cgroup "$V2"
		move_to "$CG" "$COUNTER"
		modes+=(cgroup "cgroup:$CG")
	fi
	if [[ $EUID -eq 0 && -n $(v1_mount) ]]; then
		V1=$(v1_mount)
		make_cgroup "$V1"
		move_to "$CG" "$COUNTER"
		modes+=("cgroup:$CG")
	fi
	local before_n before_ns
	before_n=$(word 17) before_ns=$(word 18)
	for i in 0 1 2 3 4 5 6 7; do
		bg env PMADV_TEST_DELAY_MS=200 "$PMADV_TESTBUILD" -p "$COUNTER" -a cold \
			-m counter.shm --freeze-timeout=30s -J \
			--freeze="${modes[i % ${#modes[@]}]}" >"$T/out.$i" 2>"$T/err.$i"
		pids+=("$BG")
	done
	for i in 0 1 2 3 4 5 6 7; do
		reap "${pids[i]}"
		cat "$T/err.$i"
		[ "$REAPED" -eq 0 ]
	done
	none_stopped "$COUNTER"
	running_within_a_second
	# Every window lies inside a stall of the counter, and windows never
	# overlap: the stalls add up to at least the sum of the windows. A run
	# thawing under another would let the counter run inside that window.
	sum=$(cat "$T"/out.* | grep -o '"frozen_ms":[0-9.]*' | cut -d: -f2 |
	      awk '{ s += $1 } END { print s }')
	stalled=$(( ($(word 18) - before_ns) / 1000000 ))
	echo "windows ${sum} ms, stalls $(( $(word 17) - before_n )) for ${stalled} ms"
	awk -v s="$sum" 'BEGIN { exit !(s >= 1600) }'
	# a window counts from the kill to the thaw: the counter's own stall
	# starts when its thread stops, a little later (0.2-1.3 ms seen per
	# window with 8 runs at once), hence 2 ms each; a run thawing under
	# another would leave a whole window (>= 100 ms) unstalled
	awk -v s="$sum" -v t="$stalled" 'BEGIN { exit !(t + 16 >= s) }'
	for cg in "${FZ_CGROUPS[@]}"; do
		[[ ! -e $cg/cgroup.freeze ]] || [ "$(<"$cg/cgroup.freeze")" = 0 ]
		[[ ! -e $cg/freezer.state ]] || v1_thawed "$cg"
	done
	[ -z "$(stale_locks)" ]
}

@test "-f stop on a child of su: su stops itself with it, and is resumed after the last thaw, said" {
	command -v su >/dev/null
	local latch=$T/ready target su st
	# su waits for its child with WUNTRACED and stops itself when the
	# child stops; nothing else would ever send it SIGCONT
	setsid su root -s /bin/sh -c "exec $HELPERS/target --ready $latch --anon 1" \
		</dev/null >/dev/null 2>&1 3>&- &
	su=$!
	FZ_PIDS+=("$su")
	for ((i = 0; i < 100; i++)); do
		[[ -s $latch ]] && break
		sleep 0.05
	done
	target=$(sed -n 's/^pid=//p' "$latch")
	FZ_PIDS+=("$target")
	[[ $(awk '{ print $4 }' "/proc/$target/stat") == "$su" ]]
	for mode in "" --max-freeze=0; do
		run -0 --separate-stderr "$PMADV" -p "$target" -a cold --all -f stop -J $mode
		jq -e --arg w "its parent $su (su) stopped itself when pmadv stopped it" \
			'.targets[0].warnings | any(contains($w))' <<<"$output"
		[[ $stderr == *"resumed it (SIGCONT)"* ]]
		# su runs (waits for its child) again, and so does the target
		for ((i = 0; i < 100; i++)); do
			st=$(awk '{ print $3 }' "/proc/$su/stat")
			[[ $st != T ]] && break
			sleep 0.02
		done
		[[ $st == S ]]
		[[ $(awk '{ print $3 }' "/proc/$target/stat") != T ]]
	done
}
