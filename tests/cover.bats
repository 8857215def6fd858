#!/usr/bin/env bats
# A freeze must hold everything that can change the target's address
# space, and never undo a stop or freeze it did not make (issue 14, items 4
# and 5). Against real processes: tests/helpers/counter.c (threads moved to
# other cgroups), freeze-clonevm.c (a CLONE_VM process), freeze-vforker.c
# (a thread in D), freeze-sigcont.c (counts the SIGCONTs it gets).

bats_require_minimum_version 1.5.0

load freeze_helper

setup() {
	freeze_setup
}

teardown() {
	freeze_teardown
}

# tid_other PID: a thread of PID that is not its main thread
tid_other() {
	ls /proc/"$1"/task | grep -vx "$1" | head -n 1
}

state_of() {
	local s
	s=$(<"/proc/$1/stat") || return 1
	s=${s##*) }
	printf '%s' "${s:0:1}"
}

# pending SIGSTOP (bit 18) in the process's shared pending set
stop_pending() {
	local m
	m=$(awk '/^ShdPnd:/ { print $2 }' /proc/"$1"/status)
	(((0x$m >> 18) & 1))
}

# start_clonevm: CLONEVM (the target) and CHILD (its CLONE_VM process)
start_clonevm() {
	SHM=$T/clonevm.shm
	bg "$HELPERS/freeze-clonevm" "$SHM" >"$T/clonevm"
	CLONEVM=$BG
	wait_until 3000 grep -q '^ready' "$T/clonevm"
	CHILD=$(awk '/^ready/ { print $2 }' "$T/clonevm")
	[ -n "$CHILD" ]
}

# does word N of $SHM move within 50 ms?
moving() {
	local a
	a=$(word "$1")
	sleep 0.05
	(($(word "$1") > a))
}

# start_vforker: VF (main thread in D waiting for its vfork child VCHILD)
start_vforker() {
	bg "$HELPERS/freeze-vforker" >"$T/vforker"
	VF=$BG
	wait_until 2000 grep -q ready "$T/vforker"
	wait_until 2000 eval '[ "$(state_of "$VF")" = D ]'
	VCHILD=$(pgrep -P "$VF")
	[ -n "$VCHILD" ]
}

# after_vfork_stopped: the vfork child gone, the stop someone else sent
# takes the whole process (it was not taken back)
after_vfork_stopped() {
	kill -KILL "$VCHILD"
	wait_until 2000 all_stopped "$VF"
}

@test "cover: a thread moved to another v1 freezer cgroup makes -f cgroup refuse, naming it" {
	need_v1
	start_counter 3
	make_cgroup "$V1"
	local own=$CG
	make_cgroup "$V1"
	local other=$CG otherpath=$CGPATH tid
	move_to "$own" "$COUNTER"
	tid=$(tid_other "$COUNTER")
	echo "$tid" >"$other/tasks"
	run pmadv_counter --freeze=cgroup
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"thread $tid (counter) of process $COUNTER is not held by the freeze"* ]]
	[[ $output == *"v1 freezer cgroup $otherpath"* ]]
	[[ $output != *"advised in"* ]]
	v1_thawed "$own"
	running_within_a_second
	# back in the frozen cgroup, the thread is held: advised
	echo "$tid" >"$own/tasks"
	run pmadv_counter --freeze=cgroup
	[ "$status" -eq 0 ]
	[[ $output == *"advised in 1 range"* ]]
}

@test "cover: a thread in a sibling v2 threaded cgroup makes -f cgroup refuse, naming it" {
	need_v2
	start_counter 3
	make_cgroup "$V2"
	local dom=$CG dompath=$CGPATH tid t
	mkdir "$dom/a" "$dom/b"
	FZ_CGROUPS=("$dom/a" "$dom/b" "${FZ_CGROUPS[@]}")
	echo threaded >"$dom/a/cgroup.type"
	echo threaded >"$dom/b/cgroup.type"
	move_to "$dom" "$COUNTER"
	for t in $(ls /proc/"$COUNTER"/task); do
		echo "$t" >"$dom/a/cgroup.threads"
	done
	tid=$(tid_other "$COUNTER")
	echo "$tid" >"$dom/b/cgroup.threads"
	grep -qx "0::$dompath/a" /proc/"$COUNTER"/cgroup
	run pmadv_counter --freeze=cgroup -J
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"thread $tid (counter) of process $COUNTER is not held by the freeze"* ]]
	[[ $output == *"v2 cgroup $dompath/b"* ]]
	[[ $output == *"the freeze holds v2 cgroup $dompath/a only"* ]]
	[[ $output == *'"advised":0'* ]]
	v2_thawed "$dom/a"
	running_within_a_second
	# the threaded domain holds both: advised
	run pmadv_counter --freeze=cgroup:"$dom"
	[ "$status" -eq 0 ]
	v2_thawed "$dom"
	running_within_a_second
}

@test "cover: a CLONE_VM process makes -f stop refuse unless it is stopped too" {
	start_clonevm
	run "$PMADV" -p "$CLONEVM" -a cold -m clonevm.shm --freeze=stop
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"process $CHILD (clonevm-child), which shares the address space of process $CLONEVM (CLONE_VM"* ]]
	[[ $output == *"not held by the freeze: state "[RS]* ]]
	[[ $output != *"advised in"* ]]
	none_stopped "$CLONEVM"
	wait_until 1000 moving 0
	wait_until 1000 moving 1
	# stopped by someone: held; pmadv neither stops nor resumes it
	kill -STOP "$CHILD"
	wait_until 2000 eval '[ "$(state_of "$CHILD")" = T ]'
	run "$PMADV" -p "$CLONEVM" -a cold -m clonevm.shm --freeze=stop
	[ "$status" -eq 0 ]
	[[ $output == *"advised in 1 range"* ]]
	[ "$(state_of "$CHILD")" = T ]
	none_stopped "$CLONEVM"
	kill -CONT "$CHILD"
	wait_until 1000 moving 1
}

@test "cover: a CLONE_VM process born after the look-ahead, before the freeze, is found in the window" {
	# the /proc scan for sharers runs before the window; inside it pmadv
	# looks only at what that scan found and at PIDs handed out since.
	# The test build signals the target right after the scan: it creates
	# its CLONE_VM process then (and the kernel hands it a new PID).
	SHM=$T/clonevm.shm
	bg "$HELPERS/freeze-clonevm" "$SHM" late >"$T/clonevm"
	CLONEVM=$BG
	wait_until 3000 grep -q '^ready' "$T/clonevm"
	[ "$(word 1)" = 0 ]
	run env PMADV_TEST_AHEAD_SIGNAL="$CLONEVM" "$PMADV_TESTBUILD" \
		-p "$CLONEVM" -a cold -m clonevm.shm --freeze=stop
	echo "$output"
	CHILD=$(cat /proc/"$CLONEVM"/task/*/children | tr -d ' ')
	[ -n "$CHILD" ]
	[ "$status" -eq 1 ]
	[[ $output == *"process $CHILD (clonevm-child), which shares the address space of process $CLONEVM (CLONE_VM"* ]]
	[[ $output != *"advised in"* ]]
	none_stopped "$CLONEVM"
	wait_until 1000 moving 0
	wait_until 1000 moving 1
}

@test "cover: the /proc scan for sharers runs just before the freeze, not inside the window" {
	# The window checks only PIDs handed out since the scan, if few and
	# recent (pid_max/2 us); the guardian, forked for each window, used to
	# come after the scan, and a slow pmadv (strace here) then rescanned
	# all of /proc with the target frozen.
	command -v strace >/dev/null || skip "missing tool: strace (tools/deps.sh installs it)"
	start_counter 2
	# LeakSanitizer cannot run under ptrace (the sanitizer build)
	run -0 env ASAN_OPTIONS=detect_leaks=0 strace -f -o "$T/trace" \
		-e trace=openat,pidfd_send_signal \
		"$PMADV" -p "$COUNTER" -a cold -m counter.shm --freeze=stop
	awk '/SIGSTOP/ { w = 1 }
	     /"\/proc", O_RDONLY/ { if (w) inside++; else before++ }
	     /SIGCONT/ { w = 0 }
	     END { print "before:", before + 0, "inside:", inside + 0
		   exit !(before >= 1 && inside == 0) }' "$T/trace"
	none_stopped "$COUNTER"
	running_within_a_second
}

@test "cover: a CLONE_VM process outside the frozen cgroup makes -f cgroup refuse" {
	need_v2
	start_clonevm
	make_cgroup "$V2"
	move_to "$CG" "$CLONEVM"
	run "$PMADV" -p "$CLONEVM" -a cold -m clonevm.shm --freeze=cgroup
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"process $CHILD (clonevm-child), which shares the address space"* ]]
	[[ $output == *"the freeze holds v2 cgroup $CGPATH only"* ]]
	v2_thawed "$CG"
	wait_until 1000 moving 0
	# in the cgroup too: held
	move_to "$CG" "$CHILD"
	run "$PMADV" -p "$CLONEVM" -a cold -m clonevm.shm --freeze=cgroup
	[ "$status" -eq 0 ]
	v2_thawed "$CG"
	wait_until 1000 moving 1
}

@test "cover: stopped by a third party with a thread in D: -f stop leaves it stopped" {
	[[ -x $HELPERS/freeze-vforker ]] || skip "no freeze-vforker helper"
	start_vforker
	local tid
	tid=$(tid_other "$VF")
	# the stop reaches the thread that runs; the one in D takes it later
	kill -STOP "$tid"
	wait_until 2000 eval '[ "$(state_of "$tid")" = T ]'
	[ "$(state_of "$VF")" = D ]
	run "$PMADV" -p "$VF" -a cold --all --freeze=stop --freeze-timeout=300ms -J
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'"frozen_already":true'* ]]
	[[ $output == *"process $VF (freeze-vforker) is not held by the freeze: state D"* ]]
	[[ $output == *"pmadv leaves that stop alone"* ]]
	[[ $output != *"resumed"* ]]
	[ "$(state_of "$tid")" = T ]
	after_vfork_stopped
}

@test "cover: a stop pending on a thread in D is not taken back by -f stop" {
	[[ -x $HELPERS/freeze-vforker ]] || skip "no freeze-vforker helper"
	start_vforker
	# sent to the process: it waits on the main thread, in D
	kill -STOP "$VF"
	wait_until 1000 stop_pending "$VF"
	run "$PMADV" -p "$VF" -a cold --all --freeze=stop --freeze-timeout=300ms -J
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'"frozen_already":true'* ]]
	[[ $output != *"resumed"* ]]
	stop_pending "$VF"
	after_vfork_stopped
}

# frozen_cgroup_stop VERSION: -f stop on a freeze-sigcont in a frozen cgroup
frozen_cgroup_stop() {
	SHM=$T/sigcont.shm
	bg "$HELPERS/freeze-sigcont" "$SHM" >"$T/sigcont"
	local p=$BG
	wait_until 3000 grep -q ready "$T/sigcont"
	if [[ $1 == 2 ]]; then
		make_cgroup "$V2"
		move_to "$CG" "$p"
		echo 1 >"$CG/cgroup.freeze"
		wait_until 2000 v2_frozen "$CG"
	else
		make_cgroup "$V1"
		move_to "$CG" "$p"
		echo FROZEN >"$CG/freezer.state"
		wait_until 2000 v1_frozen "$CG"
	fi
	run "$PMADV" -p "$p" -a cold -m sigcont.shm --freeze=stop --freeze-timeout=300ms
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"frozen by the cgroup freezer"*"nothing was sent to it"* ]]
	[[ $output != *"resumed"* ]]
	# still frozen; and a stop someone sends meanwhile stays theirs
	if [[ $1 == 2 ]]; then v2_frozen "$CG"; else v1_frozen "$CG"; fi
	kill -STOP "$p"
	wait_until 1000 stop_pending "$p"
	run "$PMADV" -p "$p" -a cold -m sigcont.shm --freeze=stop --freeze-timeout=300ms -J
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'"frozen_already":true'* ]]
	stop_pending "$p"
	cgroups_thaw "$CG"
	wait_until 2000 all_stopped "$p"
	# no SIGCONT reached it: its handler never ran
	[ "$(word 1)" -eq 0 ]
	kill -CONT "$p"
	wait_until 1000 moving 0
	[ "$(word 1)" -eq 1 ]
}

@test "cover: -f stop on a target in a frozen v2 cgroup sends no signal" {
	need_v2
	frozen_cgroup_stop 2
}

@test "cover: -f stop on a target in a frozen v1 cgroup sends no signal" {
	need_v1
	frozen_cgroup_stop 1
}
