#!/bin/bash
# What a real service feels while pmadv pages it out (issue 17, "the bound
# holds where services live"). A measuring script for a note, not a test.
#
#   bench/service-latency.sh [PMADV]        (root; about 3 minutes)
#
# 1. redis-server with >= 1.5 GiB of keys (DEBUG POPULATE; REDIS_KEYS
#    values of REDIS_VALUE bytes, default 1,300,000 x 1 KiB) on a unix
#    socket of its own, and tests/helpers/pinger: a client that sends PING
#    every 1 ms and records each answer's wait (longest, p99).
# 2. python3 holding PY_MIB (default 1024) MiB in a bytearray plus 300,000
#    small objects (tests/helpers/pyhold.py), whose own thread records its
#    longest gap between 1 ms sleeps.
# For each: `pmadv -p PID -a pageout --anon --all -f MODE -J` with the
# default bound and with --max-freeze=0 (one unbounded window), for -f stop,
# -f cgroup with the target in a v2 cgroup of its own, -f cgroup in a v1
# freezer cgroup of its own (each when mounted), plus one run without a
# freeze; and with the default bound and --comeback=off: the windows alone,
# without the pageout guard's sample and 250 ms settle (the unbounded run's
# guard only reports). Before each run the target's memory is read back in (redis DEBUG
# DIGEST, pyhold's check), which also checks it is intact. Prints a markdown
# table (one row per run: windows, longest window and total frozen time
# from the JSON, the client's longest wait and p99, pmadv's wall time) and
# the commands that measured them, then per target and freeze each bounded
# run's wall time over the unbounded run's, and over its one window.
# REPEAT=N runs each row N times (the ratios use the means).
#
# Needs root: a swap file (SWAP_SIZE, default 3G, under SWAPDIR, default
# /var/tmp, which must not be tmpfs) is made, swapped off and removed at the
# end; every process started is killed by PID; every cgroup made removed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PMADV=${1:-${PMADV:-$ROOT/pmadv}}
HELPERS=$ROOT/tests/helpers/bin
REDIS_KEYS=${REDIS_KEYS:-1300000}
REDIS_VALUE=${REDIS_VALUE:-1024}
PY_MIB=${PY_MIB:-1024}
REPEAT=${REPEAT:-1}
SWAP_SIZE=${SWAP_SIZE:-3G}
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

[ "$(id -u)" = 0 ] || { echo "needs root (swap file, cgroups)" >&2; exit 1; }
for p in redis-server redis-cli jq "$PYTHON"; do
	command -v "$p" >/dev/null || { echo "missing: $p (run tools/deps.sh)" >&2; exit 1; }
done
[ -x "$PMADV" ] || make -s -C "$ROOT" pmadv >&2 || exit 1
[ -x "$HELPERS/pinger" ] || make -s -C "$ROOT" tests/helpers/bin/pinger >&2 || exit 1
PMADV=$(realpath "$PMADV")

TMP=$(mktemp -d "${SWAPDIR:-/var/tmp}/pmadv-svc.XXXXXX") || exit 1
SWAP="" PID="" PINGER="" CGS=()

cleanup() {
	local cg
	for cg in "${CGS[@]}"; do
		[ -e "$cg/cgroup.freeze" ] && echo 0 >"$cg/cgroup.freeze"
		[ -e "$cg/freezer.state" ] && echo THAWED >"$cg/freezer.state"
	done 2>/dev/null
	for p in $PINGER $PID; do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PID="" PINGER=""
	for cg in "${CGS[@]}"; do
		rmdir "$cg" 2>/dev/null
	done
	CGS=()
	[ -n "$SWAP" ] && { swapoff "$SWAP"; rm -f "$SWAP"; SWAP=""; }
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SWAP=$TMP/swapfile
if ! { fallocate -l "$SWAP_SIZE" "$SWAP" && chmod 600 "$SWAP" &&
	mkswap "$SWAP" >/dev/null 2>&1 && swapon "$SWAP"; }; then
	rm -f "$SWAP"
	SWAP=""
	echo "cannot enable a swap file under $TMP (tmpfs? set SWAPDIR)" >&2
	exit 1
fi

mnt() {
	awk -v t="$1" '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	if ($(i + 1) == t && (t == "cgroup2" || $(i + 3) ~ /(^|,)freezer(,|$)/)) { print $5; exit } }' /proc/self/mountinfo
}
V2=$(mnt cgroup2) V1=$(mnt cgroup)
# where this script (and so pmadv) lives in v2: a target moved back there
# is never frozen by v2 (the root cgroup, or pmadv's own, is refused)
HOME_V2=$(sed -n 's/^0:://p' /proc/self/cgroup)
MODES="none stop"
if [ -n "$V2" ]; then
	CG2=$V2/pmadv-svc-$$-v2
	mkdir "$CG2" && CGS+=("$CG2") && MODES="$MODES v2"
fi
if [ -n "$V1" ]; then
	CG1=$V1/pmadv-svc-$$-v1
	mkdir "$CG1" && CGS+=("$CG1") && MODES="$MODES v1"
fi

now_ms() { echo $(($(date +%s%N) / 1000000)); }

wait_file() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[ -s "$1" ] && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# place MODE: the target into MODE's cgroup (out of the other's); sets
# FREEZE (pmadv's option) and WANT_CG (the frozen_cgroup the JSON must show)
place() {
	WANT_CG=""
	case $1 in
	none) FREEZE=(-f none) ;;
	stop) FREEZE=(-f stop) ;;
	v2)
		echo "$PID" >"$CG2/cgroup.procs"
		FREEZE=(-f cgroup) WANT_CG=/${CG2##*/}
		;;
	v1)
		[ -n "$V2" ] && echo "$PID" >"$V2$HOME_V2/cgroup.procs"
		echo "$PID" >"$CG1/cgroup.procs"
		FREEZE=(-f cgroup) WANT_CG=/${CG1##*/}
		;;
	esac
}

COMMANDS=()
declare -A WALL FROZEN LONGEST FELT	# label/mode/bound -> each run's wall time, total
			# frozen, longest window, longest wait felt (ms)
GOALS=()	# issue 17's acceptance, one line a target and freeze

# advise LABEL MODE BOUND: one pageout run, with the latency probe of the
# target (start_probe, stop_probe: defined per target; stop_probe sets PROBE
# to "longest | p99") around it; prints one table row
advise() {
	local label=$1 mode=$2 bound=$3 js rc=0 t0 t1 fc
	local -a args
	place "$mode"
	args=(-p "$PID" -a pageout --anon --all "${FREEZE[@]}")
	case $bound in
	default) ;;
	off) args+=(--comeback=off) ;;
	*) args+=(--max-freeze="$bound") ;;
	esac
	args+=(-J)
	start_probe
	t0=$(now_ms)
	"$PMADV" "${args[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
	t1=$(now_ms)
	stop_probe	# sets PROBE
	js=$(cat "$TMP/out")
	COMMANDS+=("pmadv ${args[*]}   # $label, exit $rc")
	fc=$(jq -r '.targets[0].frozen_cgroup // "-"' <<<"$js" 2>/dev/null)
	if [ -n "$WANT_CG" ] && [ "$fc" != "$WANT_CG" ]; then
		echo "warning: froze $fc, not $WANT_CG" >&2
	fi
	WALL[$label/$mode/$bound]+=" $((t1 - t0))"
	LONGEST[$label/$mode/$bound]+=" $(jq -r '.targets[0].max_window_ms' <<<"$js" 2>/dev/null || echo -)"
	FELT[$label/$mode/$bound]+=" ${PROBE%% *}"
	FROZEN[$label/$mode/$bound]+=" $(jq -r '.targets[0].frozen_ms' <<<"$js" 2>/dev/null || echo -)"
	[ -s "$TMP/err" ] && sed 's/^/  pmadv: /' "$TMP/err" | head -5 >&2
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
		"$(case $mode in v2) echo "cgroup (v2)" ;; v1) echo "cgroup (v1)" ;; *) echo "$mode" ;; esac)" \
		"$(case $bound in default) echo default ;; off) echo "default, --comeback=off" ;; *) echo "$bound (one window)" ;; esac)" \
		"$rc" \
		"$(jq -r '.targets[0] | "\(.windows) | \(.max_window_ms * 10 | floor / 10) | \(.frozen_ms * 10 | floor / 10)"' <<<"$js" 2>/dev/null || echo "- | - | -")" \
		"$(jq -r '.advised / 1048576 | floor' <<<"$js" 2>/dev/null || echo -)" \
		"$PROBE" "$((t1 - t0))"
}

header() {
	echo
	echo "### $1"
	echo
	echo "| target | freeze | --max-freeze | exit | windows | longest window (ms) | total frozen (ms) | advised (MiB) | $2 | wall (ms) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
}

each_run() {
	local label=$1 mode bound r order
	for mode in $MODES; do
		# the runs of a freeze mode in turns, the order reversed every
		# other turn: a run finds the target as the one before left it
		# (pages still in the swap cache page out faster)
		for ((r = 0; r < REPEAT; r++)); do
			order="default off 0"
			((r % 2)) && order="0 off default"
			for bound in $order; do
				[ "$mode" = none ] && [ "$bound" = 0 ] && continue
				retouch || { echo "$label: data check failed" >&2; return 1; }
				advise "$label" "$mode" "$bound"
			done
		done
	done
}

echo "pmadv: $PMADV ($("$PMADV" --version 2>/dev/null | head -1))"
echo "kernel: $(uname -r), $(nproc) CPUs; swap file $SWAP_SIZE; cgroups: v2 ${V2:--}, v1 freezer ${V1:--}"

# ---- redis ----
rcli() { redis-cli -s "$TMP/redis.sock" "$@"; }
redis-server --port 0 --unixsocket "$TMP/redis.sock" --unixsocketperm 700 \
	--save '' --appendonly no --enable-debug-command local --daemonize no \
	--dir "$TMP" --logfile "$TMP/redis.log" </dev/null >/dev/null 2>&1 &
PID=$!
for _ in $(seq 500); do [ "$(rcli PING 2>/dev/null)" = PONG ] && break; sleep 0.02; done
[ "$(rcli PING 2>/dev/null)" = PONG ] || { echo "redis did not start" >&2; cat "$TMP/redis.log" >&2; exit 1; }
t0=$(now_ms)
rcli DEBUG POPULATE "$REDIS_KEYS" key "$REDIS_VALUE" >/dev/null
DIGEST=$(rcli DEBUG DIGEST)
echo "redis $(redis-server --version | awk '{ print $3 }'): $(rcli DBSIZE) keys of $REDIS_VALUE bytes," \
	"used_memory $(rcli INFO memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')," \
	"$(awk '/^VmRSS/ { printf "Rss %.0f MiB", $2 / 1024 }' "/proc/$PID/status"), filled in $(($(now_ms) - t0)) ms"

retouch() { [ "$(rcli DEBUG DIGEST)" = "$DIGEST" ] && [ "$(rcli DBSIZE)" = "$REDIS_KEYS" ]; }
start_probe() {
	rm -f "$TMP/pinger.ready" "$TMP/pinger.out"
	"$HELPERS/pinger" --unix "$TMP/redis.sock" --ready "$TMP/pinger.ready" >"$TMP/pinger.out" 2>&1 &
	PINGER=$!
	for _ in $(seq 500); do [ -s "$TMP/pinger.ready" ] && break; sleep 0.01; done
	sleep 0.05
	kill -USR1 "$PINGER"	# figures from here on
	sleep 0.05
}
stop_probe() {
	sleep 0.05
	kill -TERM "$PINGER"
	wait "$PINGER" 2>/dev/null
	PINGER=""
	PROBE=$(tail -n 1 "$TMP/pinger.out" | sed -n 's/.*max_ms=\([^ ]*\) p99_ms=\([^ ]*\).*/\1 | \2/p')
}
# ratios LABEL: per freeze, each bounded run (means of the repeated runs)
# over the unbounded run: total frozen over its one window (issue 17:
# "total time within 1.5x one unbounded window"), wall over its wall and
# over its window; and issue 17's goals for the bounded runs (every window
# <= 200 ms, the service never waits > 250 ms, total frozen <= 1.5x)
mean() { awk '{ s = 0; n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { s += $i; n++ } if (n) print s / n }' <<<"$1"; }
most() { tr ' ' '\n' <<<"$1" | grep -E '^[0-9.]+$' | sort -g | tail -n 1; }
ratios() {
	local mode b w0 f0 lw=0 lf=0 fr=0 x
	echo
	echo "| $1: freeze | bounded run | total frozen / unbounded window | wall / unbounded wall | wall / unbounded window |"
	echo "|---|---|---|---|---|"
	for mode in $MODES; do
		[ "$mode" = none ] && continue
		w0=$(mean "${WALL[$1/$mode/0]:-}") f0=$(mean "${FROZEN[$1/$mode/0]:-}")
		lw=0 lf=0 fr=0
		for b in default off; do
			x=$(awk -v m="$mode" -v b="$b" -v w="$(mean "${WALL[$1/$mode/$b]:-}")" \
				-v f="$(mean "${FROZEN[$1/$mode/$b]:-}")" -v w0="$w0" -v f0="$f0" 'BEGIN {
				t = (f0 > 0 && f != "") ? sprintf("%.2f", f / f0) : "-"
				r = (w0 > 0 && w != "") ? sprintf("%.2f", w / w0) : "-"
				q = (f0 > 0 && w != "") ? sprintf("%.2f", w / f0) : "-"
				printf "| %s | %s | %s | %s | %s |\n", m, (b == "off" ? "--comeback=off" : "default"), t, r, q }')
			echo "$x"
			fr=$(awk -v a="$fr" -v t="$(cut -d'|' -f4 <<<"$x")" 'BEGIN { print (t + 0 > a + 0) ? t + 0 : a }')
			lw=$(printf '%s\n%s\n' "$lw" "$(most "${LONGEST[$1/$mode/$b]:-}")" | sort -g | tail -n 1)
			lf=$(printf '%s\n%s\n' "$lf" "$(most "${FELT[$1/$mode/$b]:-}")" | sort -g | tail -n 1)
		done
		GOALS+=("$(awk -v l="$1 $mode" -v lw="$lw" -v lf="$lf" -v fr="$fr" 'BEGIN {
			printf "- %s, bounded runs: longest window %.1f ms (<= 200: %s), longest wait %.1f ms (<= 250: %s), total frozen %.2fx one unbounded window (<= 1.5: %s)\n",
				l, lw, lw <= 200 ? "met" : "NOT met", lf, lf <= 250 ? "met" : "NOT met", fr, fr <= 1.5 ? "met" : "NOT met" }')")
	done
}

header "redis-server: a client's PING every 1 ms" "client's longest wait (ms) | client's p99 (ms)"
each_run redis
retouch && echo "(redis data intact after every run: DEBUG DIGEST and DBSIZE unchanged)"
ratios redis
kill -KILL "$PID"
wait "$PID" 2>/dev/null
PID=""

# ---- python3 ----
"$PYTHON" "$ROOT/tests/helpers/pyhold.py" --ready "$TMP/py.ready" --verify "$TMP/py.verify" \
	--gaps "$TMP/py.gaps" --mib "$PY_MIB" </dev/null >"$TMP/py.log" 2>&1 &
PID=$!
t0=$(now_ms)
wait_file "$TMP/py.ready" || { echo "python did not start" >&2; cat "$TMP/py.log" >&2; exit 1; }
echo
echo "python $("$PYTHON" -c 'import sys; print(sys.version.split()[0])'): bytearray of $PY_MIB MiB and 300000 objects," \
	"$(awk '/^VmRSS/ { printf "Rss %.0f MiB", $2 / 1024 }' "/proc/$PID/status"), ready in $(($(now_ms) - t0)) ms"
retouch() {
	rm -f "$TMP/py.verify"
	kill -USR1 "$PID"
	wait_file "$TMP/py.verify" && grep -q '^OK' "$TMP/py.verify"
}
gaps_now() {
	rm -f "$TMP/py.gaps"
	kill -USR2 "$PID"
	wait_file "$TMP/py.gaps"
}
start_probe() {
	sleep 0.1
	gaps_now	# figures from here on
}
stop_probe() {
	sleep 0.05
	gaps_now
	PROBE=$(sed -n 's/.*max_gap_ms=\([^ ]*\) p99_gap_ms=\([^ ]*\).*/\1 | \2/p' "$TMP/py.gaps")
}
header "python3: its own thread's longest gap between 1 ms sleeps" "longest gap (ms) | p99 gap (ms)"
each_run python
retouch && echo "(python data intact after every run: CRC-32 of the bytearray, every object)"
ratios python

echo
echo "Issue 17's goals (each run of REPEAT; total frozen from the means):"
printf '%s\n' "${GOALS[@]}"
echo
echo "Commands (in order; PID the target's):"
for c in "${COMMANDS[@]}"; do
	echo "    $c"
done
