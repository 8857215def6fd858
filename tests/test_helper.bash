# Common helpers for tests/core.bats: start real target processes
# (tests/helpers/target.c), read their /proc/PID/smaps, and set up a temporary
# swap file. Everything a test starts or creates is undone in core_teardown:
# processes are killed by PID (never by name), swap files are swapoff'd and
# deleted.

PMADV=${PMADV:-$BATS_TEST_DIRNAME/../pmadv}
# The build with the test knobs (PMADV_TEST_DELAY_MS, PMADV_TEST_CHUNK_BYTES,
# PMADV_MAPS_SOURCE; make test-build): only tests that set a knob run it.
# $PMADV, the shipped binary, ignores them (tests/knobs.bats).
PMADV_TESTBUILD=${PMADV_TESTBUILD:-$BATS_TEST_DIRNAME/../pmadv-test}
HELPERS=${HELPERS:-$BATS_TEST_DIRNAME/helpers/bin}

# Bounded polls: POLL_TRIES * POLL_STEP seconds at most (10 s by default).
POLL_TRIES=${POLL_TRIES:-400}
POLL_STEP=${POLL_STEP:-0.025}

CORE_PIDS=()		# processes a test started: killed in teardown
CORE_SWAPFILES=()	# swap files a test enabled: swapoff + rm in teardown
CORE_DIRS=()		# directories outside BATS_TEST_TMPDIR: removed
TARGET_N=0

core_setup() {
	[[ -x $PMADV ]] || {
		echo "pmadv is not built ($PMADV): run make" >&2
		return 1
	}
	[[ -x $HELPERS/target && -x $HELPERS/with-pidfd ]] || {
		echo "test helpers are not built: run make test-helpers" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
}

core_teardown() {
	local p f d
	for p in "${CORE_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${CORE_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	# Only after the targets are gone: swapoff need not read their pages back.
	for f in "${CORE_SWAPFILES[@]}"; do
		swapoff "$f" 2>/dev/null
		rm -f "$f"
	done
	for d in "${CORE_DIRS[@]}"; do
		rm -rf "$d"
	done
	return 0
}

# reaped PID: PID was waited for: off the teardown list (its number may
# be another process's by then: never kill it later)
reaped() {
	local p keep=()
	for p in "${CORE_PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	CORE_PIDS=("${keep[@]}")
}

# need_testbuild: fail (not skip) when the test build is missing
need_testbuild() {
	[[ -x $PMADV_TESTBUILD ]] || {
		echo "the test build is not built ($PMADV_TESTBUILD): run make test-build" >&2
		return 1
	}
}

# wait_for CMD...: poll until CMD succeeds, at most POLL_TRIES times.
wait_for() {
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		"$@" && return 0
		sleep "$POLL_STEP"
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# latch_gen FILE: the gen= value of a latch file (empty if none yet).
latch_gen() {
	sed -n 's/^gen=//p' "$1" 2>/dev/null
}

_gen_above() {
	local g
	g=$(latch_gen "$1")
	[[ -n $g ]] && ((g > $2))
}

# need_tool CMD [PACKAGE]: skip the test when CMD is missing, with the reason
# "missing tool: CMD (PACKAGE)". tools/deps.sh installs every tool the tests
# use; with CI set, make check fails on any such skip.
need_tool() {
	command -v "$1" >/dev/null || skip "missing tool: $1${2:+ ($2)}"
}

# NOBODY=(setpriv ...): run a command as uid/gid 65534 with no groups.
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
NOBODY_DIR=

# nobody_copies: copy pmadv and the target helper into a directory uid 65534
# can reach (the clone may live where it cannot: /root is mode 700), once per
# test; sets NOBODY_PMADV and NOBODY_HELPERS. Root only (it runs setpriv).
nobody_copies() {
	[[ -n ${NOBODY_DIR-} ]] && return 0
	need_tool setpriv util-linux
	NOBODY_DIR=$(mktemp -d /tmp/pmadv-nobody.XXXXXX)
	CORE_DIRS+=("$NOBODY_DIR")
	chmod 0755 "$NOBODY_DIR"
	mkdir -m 0755 "$NOBODY_DIR/helpers"
	cp "$PMADV" "$NOBODY_DIR/pmadv"
	cp "$HELPERS/target" "$NOBODY_DIR/helpers/target"
	chmod 0755 "$NOBODY_DIR/pmadv" "$NOBODY_DIR/helpers/target"
	NOBODY_PMADV=$NOBODY_DIR/pmadv
	NOBODY_HELPERS=$NOBODY_DIR/helpers
	"${NOBODY[@]}" test -x "$NOBODY_PMADV" || {
		echo "uid 65534 cannot run $NOBODY_PMADV (is /tmp mounted noexec?)" >&2
		return 1
	}
}

# start_target [--as-nobody] TARGET-OPTIONS...: start tests/helpers/bin/target
# in the background in a session (and process group) of its own, with fd 3
# closed (bats waits for fd 3), wait for its latch file, export TARGET_PID
# and TARGET_LATCH and source the latch's KEY=VALUE lines (anon_start, ...).
# --as-nobody runs it as uid/gid 65534 (root only), from nobody_copies.
start_target() {
	local latch pid log dir=$T helpers=$HELPERS
	local -a pre=()
	if [[ ${1-} == --as-nobody ]]; then
		shift
		nobody_copies || return 1
		helpers=$NOBODY_HELPERS
		dir=$(mktemp -d /tmp/pmadv-core.XXXXXX)
		CORE_DIRS+=("$dir")
		chmod 0777 "$dir"
		pre=("${NOBODY[@]}")
	fi
	TARGET_N=$((TARGET_N + 1))
	latch=$dir/ready.$TARGET_N
	log=$dir/target.$TARGET_N.log
	TARGET_VERIFY=$dir/verify.$TARGET_N
	# setsid: not a group leader here (no job control), so it does not fork
	# and $! is the target itself; the latch's pid= is checked anyway.
	"${pre[@]}" setsid "$helpers/target" --ready "$latch" \
		--verify "$TARGET_VERIFY" "$@" </dev/null >"$log" 2>&1 3>&- &
	pid=$!
	CORE_PIDS+=("$pid")
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[[ -s $latch ]] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "target exited before it was ready:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep "$POLL_STEP"
	done
	[[ -s $latch ]] || {
		echo "target not ready after $POLL_TRIES polls" >&2
		return 1
	}
	# shellcheck disable=SC1090
	source "$latch"
	TARGET_PID=$(sed -n 's/^pid=//p' "$latch")
	[[ $TARGET_PID == "$pid" ]] || CORE_PIDS+=("$TARGET_PID")
	TARGET_LATCH=$latch
	export TARGET_PID TARGET_LATCH TARGET_VERIFY
}

# retouch [PID LATCH]: SIGUSR1 the target (it touches every page again), wait
# for the rewritten latch and source it.
retouch() {
	local pid=${1:-$TARGET_PID} latch=${2:-$TARGET_LATCH} g
	g=$(latch_gen "$latch")
	kill -USR1 "$pid"
	wait_for _gen_above "$latch" "$g" || return 1
	# shellcheck disable=SC1090
	source "$latch"
}

# verify_target [PID VERIFYFILE]: SIGUSR2 the target and print what it wrote
# (intact=1 or intact=0).
verify_target() {
	local pid=${1:-$TARGET_PID} f=${2:-$TARGET_VERIFY}
	rm -f "$f"
	kill -USR2 "$pid"
	wait_for test -s "$f" || return 1
	cat "$f"
}

# smaps_field PID ADDR FIELD: FIELD (Rss, Swap, Locked...) in KiB of the
# mapping of PID that contains ADDR (hex, 0x optional); fails if none does.
smaps_field() {
	local pid=$1 addr=${2#0x} field=$3
	awk -v addr="$addr" -v field="$field:" '
		function hex(s,   i, c, v) {
			v = 0; s = tolower(s)
			for (i = 1; i <= length(s); i++) {
				c = index("0123456789abcdef", substr(s, i, 1))
				if (c == 0) break
				v = v * 16 + c - 1
			}
			return v
		}
		BEGIN { a = hex(addr); inmap = 0; found = 0 }
		/^[0-9a-f]+-[0-9a-f]+ / {
			split($1, r, "-")
			inmap = (hex(r[1]) <= a && a < hex(r[2]))
			next
		}
		inmap && $1 == field { print $2; found = 1; exit }
		END { if (!found) exit 1 }
	' "/proc/$pid/smaps"
}

smaps_rss_kb() { smaps_field "$1" "$2" Rss; }
smaps_swap_kb() { smaps_field "$1" "$2" Swap; }

# swap_setup [SIZE]: enable a temporary swap file of SIZE (fallocate's
# syntax, default 64M; root only; skips the test with a reason when that is
# not possible). core_teardown disables it.
swap_setup() {
	((EUID == 0)) || skip "swap test needs root"
	need_tool swapon mount
	need_tool mkswap util-linux
	local f=$T/swapfile
	fallocate -l "${1:-64M}" "$f" || skip "fallocate failed on $(dirname "$f")"
	chmod 0600 "$f"
	mkswap "$f" >/dev/null 2>&1 || { rm -f "$f"; skip "mkswap failed"; }
	if ! swapon "$f" 2>"$T/swapon.err"; then
		rm -f "$f"
		skip "swapon failed: $(cat "$T/swapon.err")"
	fi
	CORE_SWAPFILES+=("$f")
}

# make_file PATH MIB: a file of random data, written back to disk so that its
# page cache is clean (pageout then drops it).
make_file() {
	head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
	sync -- "$1"
}

# jq_out FILTER: run jq -r FILTER on $output (a pmadv -J document).
# shellcheck disable=SC2154 # $output is set by bats run
jq_out() {
	jq -r "$@" <<<"$output"
}

# hexnum 0xHEX: the number (bash arithmetic: fine for user addresses).
hexnum() {
	echo $((16#${1#0x}))
}

# not CMD...: succeeds when CMD fails. (A bare "! cmd" never fails a bats
# test: errexit ignores negated commands.)
not() {
	! "$@"
}
