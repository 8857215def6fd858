# Helpers for tests/freeze.bats: real targets (tests/helpers/counter.c and
# friends), test cgroups under the mounts found in /proc/self/mountinfo, and
# a teardown that leaves nothing stopped, frozen, running or created.

PMADV=${PMADV:-$BATS_TEST_DIRNAME/../pmadv}
PMADV_TESTBUILD=${PMADV_TESTBUILD:-$BATS_TEST_DIRNAME/../pmadv-test}
HELPERS=${HELPERS:-$BATS_TEST_DIRNAME/helpers/bin}

load cgroup_helper

FZ_PIDS=()		# processes a test started: killed in teardown
FZ_CGROUPS=()		# cgroups a test made: thawed, emptied, removed

freeze_setup() {
	[[ -x $PMADV ]] || skip "pmadv is not built ($PMADV)"
	[[ -x $HELPERS/counter ]] || skip "test helpers are not built (make test-helpers)"
	T=$BATS_TEST_TMPDIR
	SHM=$T/counter.shm
}

freeze_teardown() {
	local p
	cgroups_thaw "${FZ_CGROUPS[@]}"
	for p in "${FZ_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	cgroups_remove "${FZ_CGROUPS[@]}"
	return 0
}

# Run in the background, own output, fd 3 closed (or bats waits for it).
# Sets BG to its PID and adds it to the teardown list.
bg() {
	"$@" 3>&- &
	BG=$!
	FZ_PIDS+=("$BG")
}

# reap PID: wait for it, its exit status in REAPED; off the teardown list
# (a reaped PID may be reused: never kill it later).
reap() {
	local p keep=()
	REAPED=0
	wait "$1" || REAPED=$?
	for p in "${FZ_PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	FZ_PIDS=("${keep[@]}")
}

# wait_until MS CMD...: poll every 10 ms until CMD succeeds; 1 on timeout.
wait_until() {
	local ms=$1 i
	shift
	for ((i = 0; i < ms / 10 + 1; i++)); do
		"$@" && return 0
		sleep 0.01
	done
	"$@"
}

# word N of the counter's page (see tests/helpers/counter.c)
word() {
	local v
	v=$(od -An -t u8 -j $((8 * $1)) -N 8 "${2:-$SHM}")
	echo $((v))
}

counter_ready() { [[ -s $SHM ]] && (($(word 19) == 1)); }

# start_counter [THREADS [CHILDREN]]: sets COUNTER.
start_counter() {
	rm -f "$SHM"
	bg "$HELPERS/counter" "$SHM" "${1:-2}" "${2:-0}"
	COUNTER=$BG
	wait_until 5000 counter_ready || {
		echo "counter did not start" >&2
		return 1
	}
}

# The counter's processes: itself and its children.
counter_procs() {
	echo "$COUNTER"
	pgrep -P "$COUNTER" || true
}

# state of each thread of PID: the first character after the last ')'
thread_states() {
	local f s
	for f in /proc/"$1"/task/*/stat; do
		s=$(<"$f") 2>/dev/null || continue
		s=${s##*) }
		printf '%s' "${s:0:1}"
	done
}

# exited PID: PID is gone or a zombie
exited() {
	local s
	[[ -e /proc/$1/stat ]] || return 0
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	[[ ${s##*) } == Z* ]]
}

all_stopped() { [[ $(thread_states "$1") =~ ^T+$ ]]; }
none_stopped() { [[ -d /proc/$1 && ! $(thread_states "$1") =~ [Tt] ]]; }

# Does the counter make progress? Both the spinning and a sleeping thread.
progressing() {
	local a b a1 b1
	a=$(word 0) a1=$(word 1)
	sleep 0.05
	b=$(word 0) b1=$(word 1)
	((b > a && b1 > a1))
}
running_within_a_second() { wait_until 1000 progressing; }

# ---- cgroups ----

# mount point of cgroup v2, or of the v1 hierarchy with the freezer

need_root() { [[ $EUID -eq 0 ]] || skip "needs root"; }
need_v2() {
	need_root
	V2=$(v2_mount)
	[[ -n $V2 ]] || skip "no cgroup v2 mount"
}
need_v1() {
	need_root
	V1=$(v1_mount)
	[[ -n $V1 ]] || skip "no cgroup v1 freezer hierarchy mounted"
}

# make_cgroup MOUNT: a fresh cgroup under MOUNT, in CG (and removed in
# teardown); CGPATH is its path as /proc/PID/cgroup shows it.
make_cgroup() {
	local name=pmadv-bats-$$-$BATS_TEST_NUMBER-${#FZ_CGROUPS[@]}
	CG=$1/$name
	CGPATH=/$name
	mkdir "$CG" || return 1
	FZ_CGROUPS+=("$CG")
	if [[ $1 == "$V2" && ! -e $CG/cgroup.freeze ]]; then
		skip "cgroup v2 without the freezer (kernel before 5.2)"
	fi
}

# move_to CGROUP_DIR PID...
move_to() {
	local dir=$1 p
	shift
	for p in "$@"; do
		echo "$p" >"$dir/cgroup.procs" || return 1
	done
}

v2_frozen() { grep -qx 'frozen 1' "$1/cgroup.events"; }
v2_thawed() { grep -qx 'frozen 0' "$1/cgroup.events"; }
v1_frozen() { [[ $(<"$1/freezer.state") == FROZEN ]]; }
v1_thawed() { [[ $(<"$1/freezer.state") == THAWED ]]; }

# ---- pmadv ----

# pmadv on the counter, selecting its shared page.
pmadv_counter() {
	"$PMADV" -p "$COUNTER" -a cold -m counter.shm "$@"
}

# json_num FILE KEY: the first number after "KEY": in FILE
json_num() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2
}

# lock files left for the counter
stale_locks() {
	ls /run/pmadv/pid-"$COUNTER"-* /tmp/pmadv-*/pid-"$COUNTER"-* 2>/dev/null
}
