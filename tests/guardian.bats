#!/usr/bin/env bats
# A freeze is undone by something that does not die with pmadv (issue 14,
# items 1 and 6): the guardian leaves pmadv's cgroup and name, every freeze
# in force is recorded in a caller-only run directory, a later pmadv (any
# run, or --recover) thaws what a pmadv and guardian that are both gone
# left frozen, and nothing planted at a lock path can hang pmadv. Against
# real processes (tests/helpers/counter.c), as in tests/freeze.bats.

load freeze_helper

# windows held open by PMADV_TEST_DELAY_MS: the test build
PMADV_TESTBUILD=${PMADV_TESTBUILD:-$BATS_TEST_DIRNAME/../pmadv-test}

# not CMD...: succeeds when CMD fails (a bare "! cmd" never fails a test)
not() { ! "$@"; }

setup() {
	freeze_setup
	EXTRA=()	# records and FIFOs a test planted: removed
	NS=()		# own_rundir: the command prefix that enters its namespace
	NSD=
}

teardown() {
	rm -f "${EXTRA[@]}"
	freeze_teardown
	if [[ -n $NSD ]]; then
		# the namespace (and its tmpfs) goes with its last process and
		# this bind mount of it
		umount "$NSD/mnt" 2>/dev/null
		umount "$NSD" 2>/dev/null
	fi
	return 0
}

# own_rundir: from here on the test's pmadv runs (the commands prefixed
# with "${NS[@]}") see a /run/pmadv of their own: a tmpfs in a mount
# namespace this test keeps (bound to $T/ns/mnt). Every pmadv run recovers
# what a pmadv that is gone left frozen: that is what these tests test, and
# it makes them shared with any other pmadv on the machine (another suite
# run at the same time would recover the freeze a test leaves on purpose,
# or this test's --recover another suite's). Root only.
own_rundir() {
	need_root
	# where / is no mount point (a chroot), a namespace cannot be made
	# private: the tests then share the machine's /run/pmadv, which only
	# another pmadv running at the same time would disturb
	if ! unshare --mount --propagation private true 2>/dev/null; then
		NS=()
		return 0
	fi
	NSD=$T/ns
	mkdir -p "$NSD"
	mount --bind "$NSD" "$NSD"
	mount --make-private "$NSD"
	: >"$NSD/mnt"
	unshare --mount="$NSD/mnt" --propagation private \
		sh -c 'mkdir -p /run/pmadv && mount -t tmpfs -o mode=0700 pmadv-test-rundir /run/pmadv'
	NS=(nsenter --mount="$NSD/mnt")
	# pmadv inside sees that directory, empty
	[ -z "$("${NS[@]}" ls -A /run/pmadv)" ]
}

# ns_stale_locks: lock files left for the counter in the test's run directory
ns_stale_locks() {
	"${NS[@]}" sh -c 'ls /run/pmadv/pid-"$1"-* 2>/dev/null' sh "$COUNTER"
}

need_kill() {
	need_v2
	mkdir -p "$V2/pmadv-bats-probe-$$" && {
		local ok=0
		[[ -e $V2/pmadv-bats-probe-$$/cgroup.kill ]] && ok=1
		rmdir "$V2/pmadv-bats-probe-$$"
		((ok)) || skip "kernel without cgroup.kill (before 5.14)"
	}
}

# field 22 of /proc/PID/stat: with the PID, names one process
start_time() {
	local s
	s=$(<"/proc/$1/stat")
	s=${s##*) }
	read -ra f <<<"$s"
	echo "${f[19]}"
}

# pmadv_in_cgroup DIR MODE: pmadv on the counter, run inside cgroup DIR,
# its window held open for 20 s (a 30 s freeze timeout: the watchdog, at
# twice that, must not end the window a test holds); sets M.
pmadv_in_cgroup() {
	bg sh -c 'echo $$ >"$1/cgroup.procs" && exec env PMADV_TEST_DELAY_MS=20000 \
		"$2" -p "$3" -a cold -m counter.shm --freeze="$4" --freeze-timeout=30s' sh \
		"$1" "$PMADV_TESTBUILD" "$COUNTER" "$2" >"$T/out" 2>&1
	M=$BG
}

# window MODE CHECK [ARG]: pmadv on the counter with a 20 s window; once
# frozen, sets M and G (its guardian).
window() {
	local mode=$1
	shift
	bg "${NS[@]}" env PMADV_TEST_DELAY_MS=20000 "$PMADV_TESTBUILD" -p "$COUNTER" -a cold \
		-m counter.shm --freeze="$mode" --freeze-timeout=30s >"$T/out" 2>&1
	M=$BG
	wait_until 3000 "$@"
	G=$(pgrep -P "$M" -x frzguard)
	[ -n "$G" ]
}

# kill_both: the guardian first (so it cannot see pmadv die), then pmadv
kill_both() {
	kill -KILL "$G"
	wait_until 1000 exited "$G"
	kill -KILL "$M"
	reap "$M"
	[ "$REAPED" -eq 137 ]
}

# ms_since NS: milliseconds since a date +%s%N
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

@test "guardian: leaves pmadv's cgroup and name" {
	need_v2
	start_counter
	make_cgroup "$V2"
	pmadv_in_cgroup "$CG" stop
	wait_until 3000 all_stopped "$COUNTER"
	G=$(pgrep -P "$M" -x frzguard)
	[ -n "$G" ]
	# not in pmadv's cgroup, and no "pmadv" in its name or command line
	not grep -qx "0::$CGPATH" "/proc/$G/cgroup"
	grep -qx "0::/" "/proc/$G/cgroup"
	not grep -q pmadv "/proc/$G/comm"
	[[ $(tr '\0' ' ' <"/proc/$G/cmdline") != *pmadv* ]]
	not grep -qx "$G" <<<"$(pgrep -f pmadv)"
	kill -TERM "$M"
	wait_until 1000 none_stopped "$COUNTER"
}

@test "guardian: cgroup.kill of pmadv's cgroup mid-window (-f stop) resumes the target within a second" {
	need_kill
	start_counter 3
	make_cgroup "$V2"
	local pcg=$CG t0
	pmadv_in_cgroup "$pcg" stop
	wait_until 3000 all_stopped "$COUNTER"
	sleep 0.2
	all_stopped "$COUNTER"
	t0=$(date +%s%N)
	echo 1 >"$pcg/cgroup.kill"
	wait_until 1000 none_stopped "$COUNTER"
	echo "resumed $(ms_since "$t0") ms after cgroup.kill"
	running_within_a_second
	reap "$M"
	wait_until 1000 eval '[ -z "$(stale_locks)" ]'
}

@test "guardian: cgroup.kill of pmadv's cgroup mid-window (-f cgroup) thaws the target's cgroup within a second" {
	need_kill
	start_counter 3
	make_cgroup "$V2"
	local tcg=$CG t0
	move_to "$tcg" "$COUNTER"
	make_cgroup "$V2"
	local pcg=$CG
	pmadv_in_cgroup "$pcg" cgroup
	wait_until 3000 v2_frozen "$tcg"
	sleep 0.2
	v2_frozen "$tcg"
	t0=$(date +%s%N)
	echo 1 >"$pcg/cgroup.kill"
	wait_until 1000 v2_thawed "$tcg"
	echo "thawed $(ms_since "$t0") ms after cgroup.kill"
	[ "$(<"$tcg/cgroup.freeze")" = 0 ]
	running_within_a_second
	reap "$M"
	wait_until 1000 eval '[ -z "$(stale_locks)" ]'
}

@test "recover: pmadv and its guardian killed by PID (-f stop): --recover resumes the target" {
	own_rundir
	start_counter 3
	window stop all_stopped "$COUNTER"
	kill_both
	sleep 0.3
	all_stopped "$COUNTER"		# nothing else thaws it
	run "${NS[@]}" "$PMADV" --recover
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"resumed process $COUNTER (counter), stopped by pmadv $M which is gone"* ]]
	running_within_a_second
	[ -z "$(ns_stale_locks)" ]
	run "${NS[@]}" "$PMADV" --recover
	[ "$status" -eq 0 ]
	[ "$output" = "nothing to recover" ]
	run "${NS[@]}" "$PMADV" --recover -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "recover: pmadv and its guardian killed by PID (-f cgroup): --recover thaws the cgroup" {
	need_v2
	own_rundir
	start_counter
	make_cgroup "$V2"
	move_to "$CG" "$COUNTER"
	window cgroup v2_frozen "$CG"
	kill_both
	sleep 0.3
	v2_frozen "$CG"
	# -q: thawed all the same, nothing said
	run "${NS[@]}" "$PMADV" --recover -q
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	v2_thawed "$CG"
	running_within_a_second
	[ -z "$(ns_stale_locks)" ]
}

@test "recover: the next ordinary run on any target resumes it and says so on stderr" {
	own_rundir
	start_counter 3
	window stop all_stopped "$COUNTER"
	kill_both
	sleep 0.3
	all_stopped "$COUNTER"
	bg sleep 30
	run "${NS[@]}" "$PMADV" -p "$BG" -a cold --all -n -q
	echo "$output"
	[ "$status" -eq 0 ]
	# one line, as every message: "pmadv: ..." (or as pmadv was named)
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *": resumed process $COUNTER (counter), stopped by pmadv $M which is gone" ]]
	running_within_a_second
	[ -z "$(ns_stale_locks)" ]
}

@test "recover: a freeze whose pmadv still runs is left alone" {
	own_rundir
	start_counter
	window stop all_stopped "$COUNTER"
	run "${NS[@]}" "$PMADV" --recover
	[ "$status" -eq 0 ]
	[ "$output" = "nothing to recover" ]
	sleep 0.1
	all_stopped "$COUNTER"
	kill -TERM "$M"
	wait_until 1000 none_stopped "$COUNTER"
}

@test "recover: a recorded process whose PID is another process now is not resumed" {
	need_root
	own_rundir
	local dead s
	bash -c 'exit 0' &
	dead=$!
	wait "$dead"
	bg sleep 30
	s=$BG
	kill -STOP "$s"
	wait_until 1000 all_stopped "$s"
	# a record by a pmadv that is gone, for process $s with another start time
	"${NS[@]}" sh -c 'printf "pmadv freeze record 1\nowner %d 1\nguardian %d 1\nstop %d 1\nundo SIGCONT to process %d\n" \
		"$1" "$1" "$2" "$2" >"/run/pmadv/pid-$2-1.lock"' sh "$dead" "$s"
	run "${NS[@]}" "$PMADV" --recover
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"process $s, stopped by pmadv $dead which is gone, has exited; its PID is another process's now: left alone"* ]]
	sleep 0.1
	all_stopped "$s"
	"${NS[@]}" test ! -e "/run/pmadv/pid-$s-1.lock"
}

@test "locks: /run/pmadv is root's alone (0700), and a FIFO at a lock path fails fast" {
	need_root
	start_counter
	run pmadv_counter --freeze=stop
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %U %F' /run/pmadv)" = "700 root directory" ]
	if command -v setpriv >/dev/null; then
		not setpriv --reuid=65534 --regid=65534 --clear-groups \
			sh -c 'mkfifo /run/pmadv/x.lock || : >/run/pmadv/x.lock' 2>/dev/null
		[ ! -e /run/pmadv/x.lock ]
	fi
	# as if planted through a compromised path: pmadv refuses at once. An
	# open of the FIFO would hang (timeout 30 ends it: status 124); a wait
	# for it would last the 10 s freeze timeout: the refusal comes before
	# half of that, on any machine
	local lock=/run/pmadv/pid-$COUNTER-$(start_time "$COUNTER").lock t0
	mkfifo "$lock"
	EXTRA+=("$lock")
	t0=$(date +%s%N)
	run timeout 30 "$PMADV" -p "$COUNTER" -a cold -m counter.shm \
		--freeze=stop --freeze-timeout=10s
	echo "$output; after $(ms_since "$t0") ms"
	[ "$status" -eq 1 ]
	[[ $output == *"refusing lock file $lock: not a regular file"* ]]
	(($(ms_since "$t0") < 5000))
	none_stopped "$COUNTER"
	# a symbolic link there is refused too
	rm -f "$lock"
	ln -s /etc/passwd "$lock"
	run "$PMADV" -p "$COUNTER" -a cold -m counter.shm --freeze=stop
	[ "$status" -eq 1 ]
	[[ $output == *"refusing lock file $lock"* ]]
	none_stopped "$COUNTER"
	# and a hard link to another file: refused, that file left as it was
	# (the record written to the lock would have replaced it)
	local victim=/run/pmadv-victim.$$
	rm -f "$lock"
	echo data >"$victim"
	EXTRA+=("$victim")
	ln "$victim" "$lock"
	run "$PMADV" -p "$COUNTER" -a cold -m counter.shm --freeze=stop
	[ "$status" -eq 1 ]
	[[ $output == *"refusing lock file $lock: a hard link (2 names; remove it)"* ]]
	[ "$(cat "$victim")" = data ]
	none_stopped "$COUNTER"
}

@test "locks: waiting for another run's lock obeys --freeze-timeout" {
	start_counter
	window stop all_stopped "$COUNTER"
	local t0 ms
	t0=$(date +%s%N)
	run "$PMADV" -p "$COUNTER" -a cold -m counter.shm --freeze=stop \
		--freeze-timeout=500ms
	ms=$(ms_since "$t0")
	echo "$output; after $ms ms"
	[ "$status" -eq 1 ]
	[[ $output == *"timed out after 500 ms waiting for another pmadv"* ]]
	# it waited its timeout, and did not wait for the other run, whose
	# window is held 20 s: not before 500 ms, and long before 10 s
	((ms >= 500 && ms < 10000))
	kill -TERM "$M"
	wait_until 1000 none_stopped "$COUNTER"
}
