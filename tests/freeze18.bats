#!/usr/bin/env bats
# A freeze nothing can leave in force (issue 18), on the default path (no
# PMADV_TEST_* knob): the guardian, not pmadv, keeps each window's bound,
# so a pmadv that is stopped, traced, held by a debugger or frozen with its
# cgroup never holds its target past --max-freeze + GUARDIAN_SLACK_MS; a
# freeze record leaves the run directory only once a thaw is seen; --recover
# acts only on evidence; the windows pmadv reports are at least as long as
# the target felt them; a run directory another user made is refused.
#
# Targets are real: tests/helpers/probe.c writes 400 MiB and measures, from
# a real-time thread, every pause it suffers; the windows come from paging
# that memory out to a swap file the test makes. Everything a test starts
# (targets, cgroups, the swap file, a mount namespace holding a private
# /run/pmadv) is removed in teardown, by PID.
#
# FREEZE18_RUNS (default 10) sets the number of runs per freeze mode of the
# repeated-SIGSTOP tests (the issue asks for 100 by hand).

bats_require_minimum_version 1.5.0

load freeze_helper

BOUND_MS=100		# --max-freeze's default
SLACK_MS=100		# GUARDIAN_SLACK_MS (src/freeze/freeze.h)
PROBE_MIB=400
RUNS=${FREEZE18_RUNS:-10}

# ---- a private /run/pmadv ----
#
# Root's run directory is /run/pmadv, one per machine: records a test
# leaves on purpose (a thaw made to fail) would be recovered, and talked
# about, by any other pmadv started meanwhile, and theirs by ours. Every
# pmadv here runs in a mount namespace where /run/pmadv is a tmpfs of its
# own (nsenter into a holder process's namespace); RUNDIR is that directory
# as seen from outside.

setup_file() {
	local f=$BATS_FILE_TMPDIR/ns
	if ((EUID == 0)) && command -v unshare >/dev/null &&
		command -v nsenter >/dev/null; then
		mkdir -p -m 0700 /run/pmadv
		unshare --mount --propagation private sh -c \
			'mount -t tmpfs -o mode=0700 pmadv-test /run/pmadv &&
			 echo ready && exec sleep 100000' >"$f.out" 2>&1 3>&- &
		echo $! >"$f.pid"
		for _ in $(seq 200); do
			grep -q ready "$f.out" 2>/dev/null && break
			sleep 0.01
		done
	fi
}

teardown_file() {
	local f=$BATS_FILE_TMPDIR/ns
	if [[ -s $f.pid ]]; then
		kill "$(<"$f.pid")" 2>/dev/null
		wait "$(<"$f.pid")" 2>/dev/null
	fi
	return 0
}

setup() {
	freeze_setup
	[[ -x $HELPERS/probe ]] || skip "no probe helper (make test-helpers)"
	HOLDER=
	PM=(env)
	RUNDIR=/run/pmadv
	if [[ -s $BATS_FILE_TMPDIR/ns.pid ]] &&
		grep -q ready "$BATS_FILE_TMPDIR/ns.out" 2>/dev/null; then
		HOLDER=$(<"$BATS_FILE_TMPDIR/ns.pid")
		PM=(nsenter -m -t "$HOLDER" --)
		RUNDIR=/proc/$HOLDER/root/run/pmadv
	fi
	SWAPS=()
	EXTRA=()	# files a test planted: removed
	DIRS=()		# directories a test made: removed
	# sanitizer builds: a preloaded shim is fine
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	export ASAN_OPTIONS
	# ... and LeakSanitizer cannot run under a tracer (strace, gdb)
	TRACED_ASAN=$ASAN_OPTIONS:detect_leaks=0
}

teardown() {
	local f
	cgroups_thaw "${FZ_CGROUPS[@]}"
	freeze_teardown
	rm -f "${EXTRA[@]}"
	rm -rf "${DIRS[@]}"
	for f in "${SWAPS[@]}"; do
		swapoff "$f" 2>/dev/null
		rm -f "$f"
	done
	return 0
}

# pm CMD...: a command (pmadv, or what runs it) in the namespace of the
# private run directory; in the background, bg "${PM[@]}" CMD... (nsenter
# execs CMD: $BG is its PID)
pm() { "${PM[@]}" "$@"; }

swap_on() {
	need_root
	((${#SWAPS[@]} == 0)) || return 0	# one is enough
	command -v mkswap >/dev/null || skip "missing tool: mkswap"
	local f=$T/swapfile
	fallocate -l "${1:-1G}" "$f" || skip "fallocate failed in $T"
	chmod 0600 "$f"
	mkswap "$f" >/dev/null 2>&1 || { rm -f "$f"; skip "mkswap failed"; }
	swapon "$f" 2>"$T/swapon.err" || { rm -f "$f"; skip "swapon failed: $(cat "$T/swapon.err")"; }
	SWAPS+=("$f")
}

# ---- the probe target ----

pw() {	# pw N: word N of the probe's page
	local v
	v=$(od -An -t u8 -j $((8 * $1)) -N 8 "$T/probe.shm")
	echo $((v))
}
probe_ready() { [[ -s $T/probe.shm && -s $T/probe.out ]] && (($(pw 5) == 1)); }

# start_probe MIB [CGROUP_DIR...]: a fresh probe (started inside the
# cgroups, so its real-time thread is made where it lives); sets PROBE and
# RANGE
start_probe() {
	local mib=$1
	shift
	rm -f "$T/probe.shm" "$T/probe.out"
	bg sh -c 'p=$0 f=$1 m=$2
		  shift 2
		  for d; do echo $$ >"$d/cgroup.procs" || exit 1; done
		  exec "$p" "$f" "$m"' "$HELPERS/probe" "$T/probe.shm" "$mib" "$@" \
		>"$T/probe.out"
	PROBE=$BG
	wait_until 10000 probe_ready || { echo "probe did not start" >&2; return 1; }
	local s e
	read -r s e <"$T/probe.out"
	RANGE=0x$s-0x$e
}

# shellcheck disable=SC2120
reset_probe() {
	printf '\001\0\0\0\0\0\0\0' | dd of="$T/probe.shm" bs=8 seek=4 conv=notrunc 2>/dev/null
	sleep 0.05
}

stop_probe() {
	kill -CONT "$PROBE" 2>/dev/null
	kill -KILL "$PROBE" 2>/dev/null
	reap "$PROBE"
}

# pauses: the probe's pauses (ms, 3 decimals), one a line, largest first
pauses() {
	local n i
	n=$(pw 3)
	((n > 496)) && n=496
	for ((i = 0; i < n; i++)); do
		pw $((16 + i))
	done | sort -rn | awk '{ printf "%.3f\n", $1 / 1e6 }'
}

# ---- what must hold after every run ----

# cg_lock DIR: the name of the lock file (and record) of a cgroup
cg_lock() { printf 'cg-%x-%s.lock' "$(stat -c %d "$1")" "$(stat -c %i "$1")"; }

# left_behind PID [CGROUP_DIR]: the lock files (records) left for them
left_behind() {
	ls "$RUNDIR"/pid-"$1"-*.lock 2>/dev/null
	[[ -z ${2:-} ]] || ls "$RUNDIR/$(cg_lock "$2")" 2>/dev/null
	return 0
}

# running MODE PID [CGROUP_DIR]: nothing of the freeze is in force
running() {
	case $1 in
	stop) none_stopped "$2" ;;
	v2) [[ $(<"$3/cgroup.freeze") == 0 ]] && v2_thawed "$3" ;;
	v1) v1_thawed "$3" ;;
	esac
}

# ---- pmadv SIGSTOPped at a random moment ----

rand_ms() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }
ms() { awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; }

# stopped_runs MODE [WRAPPER...]: RUNS runs on fresh probes, each paged out
# with the default bound while pmadv is SIGSTOPped for 1-3 s at a random
# moment of its run (before, during or between windows). Every time: the
# probe's longest pause is within bound + slack, nothing is left frozen,
# no record is left. Prints the figures to fd 3.
stopped_runs() {
	local mode=$1 i cg= opt rc d dur longest worst=0 broken=0 hit=0 m victim
	shift
	swap_on 1G
	case $mode in
	v2) need_v2 ;;
	v1) need_v1 ;;
	esac
	for ((i = 0; i < RUNS; i++)); do
		cg=
		case $mode in
		stop) opt=stop; start_probe "$PROBE_MIB" ;;
		v2) make_cgroup "$V2"; cg=$CG; opt=cgroup; start_probe "$PROBE_MIB" "$cg" ;;
		v1) make_cgroup "$V1"; cg=$CG; opt=cgroup:$cg; start_probe "$PROBE_MIB" "$cg" ;;
		esac
		reset_probe
		bg "${PM[@]}" "$@" "$PMADV" -p "$PROBE" -a pageout -r "$RANGE" -f "$opt" -J \
			>"$T/out" 2>"$T/err"
		m=$BG
		d=$(rand_ms 0 500)
		dur=$(rand_ms 1000 3000)
		# under a tracer, pmadv is the tracer's child (its first)
		victim=$m
		if [[ $# -gt 0 ]]; then
			wait_until 3000 eval '[[ -n $(pgrep -o -P "$m") ]]'
			victim=$(pgrep -o -P "$m")
		fi
		sleep "$(ms "$d")"
		if [[ -n $victim ]] && kill -STOP "$victim" 2>/dev/null; then
			hit=$((hit + 1))
			sleep "$(ms "$dur")"
			# a stop that came as pmadv was exiting (a sanitizer
			# build's leak check makes that long) leaves nothing to
			# continue: it is gone
			kill -CONT "$victim" 2>/dev/null || ! kill -0 "$victim" 2>/dev/null
		fi
		reap "$m"
		rc=$REAPED
		longest=$(($(pw 1) / 1000))
		((longest > worst)) && worst=$longest
		grep -q '"freeze_broken":true' "$T/out" && broken=$((broken + 1))
		echo "run $i: stop at ${d} ms for ${dur} ms, exit $rc, longest pause $(ms "$longest") ms, $(grep -o '"windows":[0-9]*,"frozen_ms":[0-9.]*,"max_window_ms":[0-9.]*' "$T/out")"
		cat "$T/err"
		[[ $rc == 0 || $rc == 1 || $rc == 3 ]]
		# the target ran again within the bound + slack
		((longest <= (BOUND_MS + SLACK_MS) * 1000))
		running "$mode" "$PROBE" "$cg"
		[ -z "$(left_behind "$PROBE" "$cg")" ]
		stop_probe
		[[ -z $cg ]] || cgroups_remove "$cg"
	done
	echo "# $mode${1:+ under ${LABEL:-$1}}: $RUNS runs, pmadv stopped in $hit, windows ended by the guardian in $broken, longest pause $(ms "$worst") ms (bound $BOUND_MS + slack $SLACK_MS)" >&3
}

@test "pmadv SIGSTOPped 1-3 s at a random moment (-f stop): the target runs again within bound + slack, nothing left" {
	stopped_runs stop
}

@test "pmadv SIGSTOPped 1-3 s at a random moment (-f cgroup, v2): within bound + slack, nothing left" {
	stopped_runs v2
}

@test "pmadv SIGSTOPped 1-3 s at a random moment (-f cgroup:PATH, v1 freezer): within bound + slack, nothing left" {
	stopped_runs v1
}

@test "the same under strace -f (stop, v2, v1)" {
	command -v strace >/dev/null || skip "missing tool: strace"
	local RUNS=$(((RUNS + 2) / 3))
	local tr=(env ASAN_OPTIONS="$TRACED_ASAN" strace -f -qq -o /dev/null)
	local LABEL="strace -f"
	stopped_runs stop "${tr[@]}"
	stopped_runs v2 "${tr[@]}"
	stopped_runs v1 "${tr[@]}"
}

# debugger_hold FUNCTION: gdb holds pmadv's main thread at FUNCTION for
# 1.5 s in its first window; sets LONGEST (us)
debugger_hold() {
	start_probe "$PROBE_MIB"
	reset_probe
	run pm env ASAN_OPTIONS="$TRACED_ASAN" gdb -q -nx -batch -ex 'set pagination off' \
		-ex "break $1" -ex run -ex 'shell sleep 1.5' -ex delete \
		-ex continue --args "$PMADV" -p "$PROBE" -a pageout -r "$RANGE" \
		-f stop -J
	echo "$output" | tail -n 5
	[[ $output == *"Breakpoint 1, "*"$1"* ]]
	LONGEST=$(($(pw 1) / 1000))
	echo "held at $1: longest pause $(ms "$LONGEST") ms"
	none_stopped "$PROBE"
	[ -z "$(left_behind "$PROBE")" ]
	stop_probe
}

@test "a debugger holding pmadv's main thread before the freeze, and right after it: within bound + slack" {
	command -v gdb >/dev/null || skip "missing tool: gdb"
	swap_on 1G
	# before: nothing is frozen while it holds
	debugger_hold guardian_freeze
	((LONGEST < BOUND_MS * 1000 * 2))
	# after the freeze action, waiting for the stop to take hold
	debugger_hold freeze_wait_run
	((LONGEST <= (BOUND_MS + SLACK_MS) * 1000))
	((LONGEST >= BOUND_MS * 1000))	# it was held: the guardian ended it
}

# guardian_placed PMADV_PID FROZEN_CHECK...: while a window is in force
# (FROZEN_CHECK says the target is frozen), pmadv's guardian is in no
# cgroup of pmadv's (the v2 root, the v1 freezer's root), in a session of
# its own, and not stopped. (Between windows there may be none, or one
# that pmadv's cgroup froze as it started, before it left: nothing of the
# target is frozen then, and the freeze waits for it.)
guardian_placed() {
	local g st cgs mine m=$1
	shift
	"$@" || return 0
	g=$(pgrep -P "$m" -x frzguard) || return 0
	st=$(cat "/proc/$g/stat" 2>/dev/null) || return 0
	cgs=$(cat "/proc/$g/cgroup" 2>/dev/null) || return 0
	mine=$(<"/proc/$m/stat")
	st=${st##*) } mine=${mine##*) }
	echo "guardian $g: state ${st%% *}, $(tr '\n' ' ' <<<"$cgs")"
	[[ ${st:0:1} == Z ]] && return 0	# exiting: pmadv froze as it ended
	read -ra a <<<"$st"
	read -ra b <<<"$mine"
	[[ ${a[0]} != T && ${a[0]} != t ]]
	[[ ${a[3]} != "${b[3]}" ]]	# session
	if [[ -n ${V2:-} ]]; then grep -qx '0::/' <<<"$cgs"; fi
	if [[ -n $(v1_mount) ]]; then grep -q ':freezer:/$' <<<"$cgs"; fi
}

# frozen_with_pmadv HIER MODE: pmadv (-f MODE on a fresh probe) runs in a
# cgroup of its own in hierarchy HIER (v2, or the v1 freezer), which is
# frozen 1-2 s at a random moment: the probe runs again within bound +
# slack, and the guardian is elsewhere (it left that cgroup)
frozen_with_pmadv() {
	local hier=$1 mode=$2 pcg tcg= m longest opt=stop
	if [[ $mode == v2 ]]; then
		make_cgroup "$V2"
		tcg=$CG
		opt=cgroup
		start_probe "$PROBE_MIB" "$tcg"
	else
		start_probe "$PROBE_MIB"
	fi
	make_cgroup "$([[ $hier == v2 ]] && echo "$V2" || echo "$V1")"
	pcg=$CG
	reset_probe
	bg "${PM[@]}" sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -p "$3" -a pageout -r "$4" -f "$5" -J' \
		sh "$pcg" "$PMADV" "$PROBE" "$RANGE" "$opt" >"$T/out" 2>"$T/err"
	m=$BG
	wait_until 3000 grep -qx "$m" "$pcg/cgroup.procs"
	sleep "$(ms "$(rand_ms 20 400)")"
	if [[ $hier == v2 ]]; then
		echo 1 >"$pcg/cgroup.freeze"
		wait_until 1000 v2_frozen "$pcg"
	else
		echo FROZEN >"$pcg/freezer.state"
		wait_until 1000 v1_frozen "$pcg"
	fi
	if [[ $mode == v2 ]]; then
		guardian_placed "$m" v2_frozen "$tcg"
	else
		guardian_placed "$m" all_stopped "$PROBE"
	fi
	sleep "$(ms "$(rand_ms 1000 2000)")"
	cgroups_thaw "$pcg"
	reap "$m"
	cat "$T/err"
	longest=$(($(pw 1) / 1000))
	echo "pmadv's $hier cgroup frozen, -f $opt: exit $REAPED, longest pause $(ms "$longest") ms"
	[[ $REAPED == 0 || $REAPED == 1 || $REAPED == 3 ]]
	((longest <= (BOUND_MS + SLACK_MS) * 1000))
	running "$mode" "$PROBE" "$tcg"
	[ -z "$(left_behind "$PROBE" "$tcg")" ]
	stop_probe
	cgroups_remove "$pcg" $tcg
}

@test "pmadv's own cgroup frozen during a window (v2 cgroup.freeze, v1 freezer): within bound + slack; the guardian is elsewhere" {
	need_v2
	swap_on 1G
	local i
	for i in 1 2 3; do
		frozen_with_pmadv v2 stop
		frozen_with_pmadv v2 v2
	done
	if [[ -n $(v1_mount) ]]; then
		V1=$(v1_mount)
		for i in 1 2 3; do
			frozen_with_pmadv v1 stop
		done
	fi
}

# the v1 cpu hierarchy, if mounted
cpu_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	       if ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ /,cpu,/) {
	               print $5; exit } }' /proc/self/mountinfo
}

@test "pmadv starved of CPU (a 1% quota) for 1-2 s mid-run: the target runs again within bound + slack" {
	need_root
	local cpu m i longest
	cpu=$(cpu_mount)
	[[ -n $cpu && -e $cpu/cpu.cfs_quota_us ]] || skip "no v1 cpu hierarchy with CFS quotas mounted"
	swap_on 1G
	make_cgroup "$cpu"
	local starve=$CG
	echo 100000 >"$starve/cpu.cfs_period_us"
	echo 1000 >"$starve/cpu.cfs_quota_us"
	for i in 1 2 3 4 5; do
		start_probe "$PROBE_MIB"
		reset_probe
		bg "${PM[@]}" "$PMADV" -p "$PROBE" -a pageout -r "$RANGE" -f stop -J \
			>"$T/out" 2>"$T/err"
		m=$BG
		sleep "$(ms "$(rand_ms 0 400)")"
		echo "$m" >"$starve/cgroup.procs" 2>/dev/null || true
		sleep "$(ms "$(rand_ms 1000 2000)")"
		echo "$m" >"$cpu/cgroup.procs" 2>/dev/null || true
		reap "$m"
		cat "$T/err"
		longest=$(($(pw 1) / 1000))
		echo "starved: exit $REAPED, longest pause $(ms "$longest") ms"
		[[ $REAPED == 0 || $REAPED == 1 || $REAPED == 3 ]]
		((longest <= (BOUND_MS + SLACK_MS) * 1000))
		none_stopped "$PROBE"
		[ -z "$(left_behind "$PROBE")" ]
		stop_probe
	done
}

# ---- pmadv killed mid-window ----

# one_long_window MODE: a fresh probe paged out in one window
# (--max-freeze=0, ~0.4 s here) by a background pmadv; once the probe is
# frozen, sets M (pmadv), G (its guardian), CGD (the cgroup, v2 mode)
one_long_window() {
	local opt=stop
	CGD=
	if [[ $1 == v2 ]]; then
		make_cgroup "$V2"
		CGD=$CG
		opt=cgroup
		start_probe "$PROBE_MIB" "$CGD"
	else
		start_probe "$PROBE_MIB"
	fi
	reset_probe
	bg "${PM[@]}" "$PMADV" -p "$PROBE" -a pageout -r "$RANGE" -f "$opt" \
		--max-freeze=0 -J >"$T/out" 2>"$T/err"
	M=$BG
	if [[ $1 == v2 ]]; then
		wait_until 3000 v2_frozen "$CGD"
	else
		wait_until 3000 all_stopped "$PROBE"
	fi
	G=$(pgrep -P "$M" -x frzguard)
	[ -n "$G" ]
}

@test "SIGKILL of pmadv mid-window: the guardian thaws at once and removes the record (stop, v2)" {
	swap_on 1G
	local mode t0 t1
	for mode in stop v2; do
		[[ $mode == stop ]] || { [[ $EUID -eq 0 && -n $(v2_mount) ]] || continue; V2=$(v2_mount); }
		one_long_window "$mode"
		t0=$(date +%s%N)
		kill -KILL "$M"
		wait_until 1000 running "$mode" "$PROBE" "$CGD"
		t1=$(date +%s%N)
		echo "$mode: thawed $(((t1 - t0) / 1000)) us after SIGKILL"
		(((t1 - t0) / 1000000 < 500))
		reap "$M"
		wait_until 1000 exited "$G"
		wait_until 1000 eval '[ -z "$(left_behind "$PROBE" "$CGD")" ]'
		stop_probe
		[[ -z $CGD ]] || cgroups_remove "$CGD"
	done
}

@test "pmadv and its guardian both SIGKILLed mid-window: the record stays; --recover thaws, then removes it (stop, v2)" {
	swap_on 1G
	local mode
	for mode in stop v2; do
		[[ $mode == stop ]] || { [[ $EUID -eq 0 && -n $(v2_mount) ]] || continue; V2=$(v2_mount); }
		one_long_window "$mode"
		kill -KILL "$G"
		wait_until 1000 exited "$G"
		kill -KILL "$M"
		reap "$M"
		sleep 0.2
		if [[ $mode == stop ]]; then all_stopped "$PROBE"; else v2_frozen "$CGD"; fi
		[ -n "$(left_behind "$PROBE" "$CGD")" ]
		run pm "$PMADV" --recover
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *"which is gone"* ]]
		running "$mode" "$PROBE" "$CGD"
		[ -z "$(left_behind "$PROBE" "$CGD")" ]
		stop_probe
		[[ -z $CGD ]] || cgroups_remove "$CGD"
	done
}

@test "--max-freeze=0 and pmadv SIGSTOPped mid-window: the guardian ends it after max(2 x --freeze-timeout, 5 s) without progress" {
	swap_on 1G
	local t0 t1 longest
	start_probe "$PROBE_MIB"
	reset_probe
	bg "${PM[@]}" "$PMADV" -p "$PROBE" -a pageout -r "$RANGE" -f stop \
		--max-freeze=0 --freeze-timeout=1s -J >"$T/out" 2>"$T/err"
	M=$BG
	wait_until 3000 all_stopped "$PROBE"
	kill -STOP "$M"
	t0=$(date +%s%N)
	wait_until 8000 none_stopped "$PROBE"
	t1=$(date +%s%N)
	kill -CONT "$M"
	reap "$M"
	cat "$T/err"
	longest=$(($(pw 1) / 1000))
	echo "resumed $(((t1 - t0) / 1000000)) ms after pmadv stopped; longest pause $(ms "$longest") ms; exit $REAPED"
	[[ $REAPED == 1 || $REAPED == 3 ]]
	grep -q '"freeze_broken":true' "$T/out"
	# 5 s from the last call that completed (just before the stop), not
	# 8 s (and not never)
	(((t1 - t0) / 1000000 >= 4500 && (t1 - t0) / 1000000 <= 5000 + SLACK_MS))
	((longest >= 4900000 && longest <= 5300000))
	[ -z "$(left_behind "$PROBE")" ]
	stop_probe
}

# ---- a thaw that fails ----

# A shim, preloaded into pmadv (and so into its guardian, a fork of it),
# that makes every thaw fail as a read-only cgroup.freeze or a refused
# SIGCONT would: a write of "0" or "THAWED" to cgroup.freeze or
# freezer.state fails with EROFS, a SIGCONT through a pidfd with EPERM.
build_failthaw() {
	command -v cc >/dev/null || skip "missing tool: cc"
	FAILTHAW=$T/failthaw.so
	cat >"$T/failthaw.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int thaw_file(int fd)
{
	char l[64], p[4096];
	ssize_t n;

	snprintf(l, sizeof(l), "/proc/self/fd/%d", fd);
	n = readlink(l, p, sizeof(p) - 1);
	if (n <= 0)
		return 0;
	p[n] = 0;
	return strstr(p, "/cgroup.freeze") || strstr(p, "/freezer.state");
}

ssize_t write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (((len == 1 && *(const char *)buf == '0') ||
	     (len == 6 && !memcmp(buf, "THAWED", 6))) && thaw_file(fd)) {
		errno = EROFS;
		return -1;
	}
	return real(fd, buf, len);
}

long syscall(long n, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (n == SYS_pidfd_send_signal && a[1] == SIGCONT) {
		errno = EPERM;
		return -1;
	}
	return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
EOF
	cc -shared -fPIC -O1 -o "$FAILTHAW" "$T/failthaw.c" -ldl || skip "cannot build the shim"
}

# failed_thaw MODE: a run whose thaw fails keeps its record and says so;
# the target stays frozen; --recover then thaws it and removes the record.
failed_thaw() {
	local mode=$1 cg= opt lock
	case $mode in
	stop) opt=stop; start_counter 3 ;;
	v2) need_v2; make_cgroup "$V2"; cg=$CG; opt=cgroup; start_counter 3; move_to "$cg" "$COUNTER" ;;
	v1) need_v1; make_cgroup "$V1"; cg=$CG; opt=cgroup:$cg; start_counter 3; move_to "$cg" "$COUNTER" ;;
	esac
	run pm env LD_PRELOAD="$FAILTHAW" "$PMADV" -p "$COUNTER" -a cold \
		-m counter.shm -f "$opt"
	echo "$output"
	[ "$status" -ne 0 ]
	lock=$(left_behind "$COUNTER" "$cg")
	[ -n "$lock" ]
	[[ $output == *"its freeze record stays in /run/pmadv/${lock##*/}: run pmadv --recover"* ]]
	grep -q '^pmadv freeze record 1$' "$lock"
	# still frozen: nothing claimed it was thawed
	case $mode in
	stop) all_stopped "$COUNTER" ;;
	v2) v2_frozen "$cg" ;;
	v1) v1_frozen "$cg" ;;
	esac
	run pm "$PMADV" --recover
	echo "$output"
	[ "$status" -eq 0 ]
	case $mode in
	stop) [[ $output == *"resumed process $COUNTER (counter), stopped by pmadv"* ]] ;;
	*) [[ $output == *"thawed cgroup $cg (v${mode#v}), frozen by pmadv"* ]] ;;
	esac
	running "$mode" "$COUNTER" "$cg"
	running_within_a_second
	[ -z "$(left_behind "$COUNTER" "$cg")" ]
	kill -KILL "$COUNTER"
	reap "$COUNTER"
}

@test "a thaw that fails keeps its record and says where; --recover later thaws, then removes it (stop, v2, v1)" {
	need_root
	build_failthaw
	failed_thaw stop
	[[ -z $(v2_mount) ]] || failed_thaw v2
	[[ -z $(v1_mount) ]] || failed_thaw v1
}

@test "--recover under ulimit -n 5 deletes nothing and signals nothing; with descriptors it resumes" {
	need_root
	build_failthaw
	start_counter 3
	run pm env LD_PRELOAD="$FAILTHAW" "$PMADV" -p "$COUNTER" -a cold -m counter.shm -f stop
	[ "$status" -ne 0 ]
	local lock
	lock=$(left_behind "$COUNTER")
	[ -n "$lock" ]
	all_stopped "$COUNTER"
	# fds 0-2 and the directory, the lock file: no room for a pidfd
	run pm bash -c 'ulimit -n 5 && exec "$0" --recover 3>&-' "$PMADV"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"Too many open files"* ]]
	[[ $output != *"has exited"* && $output != *"resumed"* ]]
	[ -e "$lock" ]
	sleep 0.1
	all_stopped "$COUNTER"
	# an ordinary run under the same limit leaves it as well
	run pm bash -c 'ulimit -n 5 && exec "$0" -p 1 -l -m x 3>&-' "$PMADV"
	[ -e "$lock" ]
	all_stopped "$COUNTER"
	run pm "$PMADV" --recover
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"resumed process $COUNTER (counter)"* ]]
	running_within_a_second
	[ ! -e "$lock" ]
}

# plant NAME TEXT: a record by a pmadv that is gone
plant() {
	printf '%b' "$2" >"$RUNDIR/$1"
	EXTRA+=("$RUNDIR/$1")
}

start_time() {
	local s
	s=$(<"/proc/$1/stat")
	s=${s##*) }
	read -ra f <<<"$s"
	echo "${f[19]}"
}

@test "--recover with hostile records: never PID 1, never a process with another start time, nothing deleted without evidence" {
	need_root
	local dead s st1 ss
	bash -c 'exit 0' &
	dead=$!
	wait "$dead"
	bg sleep 30
	s=$BG
	kill -STOP "$s"
	wait_until 1000 all_stopped "$s"
	ss=$(start_time "$s")
	st1=$(start_time 1)
	# PID 1, with its real start time
	plant "pid-1-$st1.lock" "pmadv freeze record 1\nowner $dead 1\nguardian $dead 1\nstop 1 $st1\nundo SIGCONT to process 1\n"
	# a stopped process, recorded with another start time
	plant "pid-$s-1.lock" "pmadv freeze record 1\nowner $dead 1\nguardian $dead 1\nstop $s $((ss + 1))\nundo SIGCONT to process $s\n"
	# something that is no record
	plant "pid-$s-2.lock" "pmadv freeze record 1\nowner banana\n"
	# a record whose owner still runs (PID 1, its start time): not ours
	plant "pid-$s-3.lock" "pmadv freeze record 1\nowner 1 $st1\nguardian $dead 1\nstop $s $ss\nundo SIGCONT to process $s\n"
	run pm "$PMADV" --recover
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"refusing to resume process 1 named by a freeze record of pmadv $dead: init is never signalled; its record is kept"* ]]
	[[ $output == *"process $s, stopped by pmadv $dead which is gone, has exited; its PID is another process's now: left alone"* ]]
	[[ $output == *"pid-$s-2.lock: unreadable freeze record: left in place"* ]]
	[[ $output == *"pid-$s-3.lock: pmadv 1 or its guardian $dead still runs: left alone"* ]]
	sleep 0.1
	all_stopped "$s"	# nobody resumed it
	[ -e "$RUNDIR/pid-1-$st1.lock" ]
	[ -e "$RUNDIR/pid-$s-2.lock" ]
	[ -e "$RUNDIR/pid-$s-3.lock" ]
	# the process recorded is positively gone (its PID is another's)
	[ ! -e "$RUNDIR/pid-$s-1.lock" ]
	# and a record of a process that runs already: dropped, not signalled
	rm -f "$RUNDIR"/pid-*.lock
	kill -CONT "$s"
	plant "pid-$s-$ss.lock" "pmadv freeze record 1\nowner $dead 1\nguardian $dead 1\nstop $s $ss\nundo SIGCONT to process $s\n"
	run pm "$PMADV" --recover
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"process $s (sleep), stopped by pmadv $dead which is gone, runs already: nothing to resume"* ]]
	[ ! -e "$RUNDIR/pid-$s-$ss.lock" ]
}

# ---- honest timing ----

# timed MODE [OPTION...]: an undisturbed run on a fresh probe; the windows
# it reports against the pauses the probe felt. This machine's vCPUs miss
# a few ms now and then (the probe alone sees ~6 pauses of 3-9 ms a
# second): one landing just after a thaw lengthens that pause beyond the
# window, so a run that fails is tried again, up to 3 times; an under-
# reported window (a confirmation wait left out, as POLLPRI's 10 ms rate
# limit did) fails every time.
timed() {
	local try
	for try in 1 2 3; do
		timed_once "$@" && return 0
		echo "# (attempt $try did not hold; again)" >&3
	done
	return 1
}

timed_once() {
	local mode=$1 cg= opt n maxw frozen top all longest rc=0
	shift
	case $mode in
	stop) opt=stop; start_probe "$PROBE_MIB" ;;
	v2) make_cgroup "$V2"; cg=$CG; opt=cgroup; start_probe "$PROBE_MIB" "$cg" ;;
	v1) make_cgroup "$V1"; cg=$CG; opt=cgroup:$cg; start_probe "$PROBE_MIB" "$cg" ;;
	esac
	reset_probe
	run -0 --separate-stderr pm "$PMADV" -p "$PROBE" -a pageout -r "$RANGE" -f "$opt" -J "$@"
	sleep 0.05
	n=$(jq '.targets[0].windows' <<<"$output")
	maxw=$(jq '.targets[0].max_window_ms' <<<"$output")
	frozen=$(jq '.targets[0].frozen_ms' <<<"$output")
	[ "$(jq '.targets[0].freeze_broken' <<<"$output")" = false ]
	pauses >"$T/pauses"
	stop_probe
	[[ -z $cg ]] || cgroups_remove "$cg"
	longest=$(head -n 1 "$T/pauses")
	top=$(head -n "$n" "$T/pauses" | awk '{ s += $1 } END { printf "%.3f", s }')
	all=$(awk '{ s += $1 } END { printf "%.3f", s }' "$T/pauses")
	echo "# $mode $*: $n windows, reported frozen $frozen ms, longest $maxw ms; probe: $(wc -l <"$T/pauses") pauses, longest $longest ms, the $n longest $top ms (all $all ms)" >&3
	awk -v w="$maxw" -v f="$frozen" 'BEGIN { exit !(w > 0 && f >= w) }'
	awk -v w="$maxw" -v p="$longest" 'BEGIN { exit !(w >= p - 2) }' || rc=1
	awk -v f="$frozen" -v s="$top" 'BEGIN { exit !(f >= s) }' || rc=1
	return $rc
}

@test "reported windows hold what the target felt: max_window_ms >= longest pause - 2 ms, frozen_ms >= the pauses (stop, v2, v1)" {
	swap_on 1G
	timed stop
	timed stop --max-freeze=10ms
	if [[ $EUID -eq 0 && -n $(v2_mount) ]]; then
		V2=$(v2_mount)
		timed v2
		timed v2 --max-freeze=10ms
	fi
	if [[ $EUID -eq 0 && -n $(v1_mount) ]]; then
		V1=$(v1_mount)
		timed v1
	fi
}

# ---- the run directory ----

@test "a run directory another user made first is refused, named, and another one used" {
	need_root
	command -v setpriv >/dev/null || skip "missing tool: setpriv"
	local u=64123 other=64124 s home pm
	# a copy of pmadv the user may run (a clone in /root, mode 700, is not)
	pm=$(mktemp -d /tmp/pmadv18-bin.XXXXXX)
	DIRS+=("$pm")
	chmod 0755 "$pm"
	cp "$PMADV" "$pm/pmadv"
	chmod 0755 "$pm/pmadv"
	# a home the user can reach (the test's own directory is root's)
	home=$(mktemp -d /tmp/pmadv18-home.XXXXXX)
	DIRS+=("$home")
	chown "$u:$u" "$home"
	chmod 0700 "$home"
	[[ ! -e /tmp/pmadv-$u ]] || skip "/tmp/pmadv-$u exists"
	mkdir -m 0700 "/tmp/pmadv-$u"
	chown "$other:$other" "/tmp/pmadv-$u"
	DIRS+=("/tmp/pmadv-$u")
	bg setpriv --reuid=$u --regid=$u --clear-groups sleep 30
	s=$BG
	wait_until 1000 grep -q "^Uid:.$u" "/proc/$s/status"
	run setpriv --reuid=$u --regid=$u --clear-groups --inh-caps=+sys_nice \
		--ambient-caps=+sys_nice env -u XDG_RUNTIME_DIR HOME="$home" \
		"$pm/pmadv" -p "$s" -a cold --all -f stop -q
	echo "$output"
	rmdir "/tmp/pmadv-$u"
	[ "$status" -eq 0 ]
	[[ $output == *"refusing run directory /tmp/pmadv-$u: owned by uid $other, not by you (uid $u); using $home/.cache/pmadv instead"* ]]
	[ "$(stat -c '%a %u' "$home/.cache/pmadv")" = "700 $u" ]
	none_stopped "$s"
	# one that is the user's but open to others is refused as well
	mkdir -m 0755 "/tmp/pmadv-$u"
	chown "$u:$u" "/tmp/pmadv-$u"
	run setpriv --reuid=$u --regid=$u --clear-groups --inh-caps=+sys_nice \
		--ambient-caps=+sys_nice env -u XDG_RUNTIME_DIR HOME=/nonexistent \
		"$pm/pmadv" -p "$s" -a cold --all -f stop -q
	echo "$output"
	rmdir "/tmp/pmadv-$u"
	[ "$status" -eq 1 ]
	[[ $output == *"refusing run directory /tmp/pmadv-$u: mode 0755, not 0700"* ]]
	[[ $output == *"set XDG_RUNTIME_DIR to a directory of your own"* ]]
	none_stopped "$s"
}
