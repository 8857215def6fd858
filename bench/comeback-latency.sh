#!/bin/bash
# What redis's clients feel while pmadv pages it out, with pageout's
# comeback guard on (the default) and off (issue 21 part 1). A measuring
# script for a note, not a test.
#
#   bench/comeback-latency.sh [PMADV]     (root; about a minute)
#
# For each of "guard on" and "--comeback=off": a fresh redis-server on a
# unix socket of its own with KEYS values of VALUE bytes (DEBUG POPULATE:
# key:0 ... key:KEYS-1, default 1,000,000 x 1 KiB), and a client
# (python3, one connection, closed loop) that GETs a subset of the keys
# at random (every STRIDE-th key, default 10: a tenth of them, spread
# over the whole heap; or, with STRIDE=1 HOT=N, the first N keys, which
# DEBUG POPULATE allocated together) and records each answer's wait. After 2 s of load,
# `pmadv -p PID -a pageout --anon --all -f stop -J` (plus EXTRA options);
# the waits are split into before, during the run, and the 2 s after it.
# Prints one line per arm: p50, p99, max of each part (ms), the GETs
# counted, pmadv's exit status and wall time, its comeback figures, and
# redis's minor + major faults from the run's start to 2 s after it.
#
# Needs root: a swap file (SWAP_SIZE, default 2G, under SWAPDIR, default
# /var/tmp) is made, swapped off and removed at the end; every process
# started is killed by PID.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PMADV=$(realpath "${1:-${PMADV:-$ROOT/pmadv}}")
KEYS=${KEYS:-1000000} VALUE=${VALUE:-1024} STRIDE=${STRIDE:-10}
HOT=${HOT:-$((KEYS / STRIDE))}
SWAP_SIZE=${SWAP_SIZE:-2G} EXTRA=${EXTRA:-}
PYTHON=${PYTHON:-python3}

[ "$(id -u)" = 0 ] || { echo "needs root (swap file)" >&2; exit 1; }
TMP=$(mktemp -d "${SWAPDIR:-/var/tmp}/pmadv-cb.XXXXXX") || exit 1
SWAP="" RPID="" CPID=""
cleanup() {
	for p in $CPID $RPID; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$SWAP" ] && { swapoff "$SWAP"; rm -f "$SWAP"; }
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
SWAP=$TMP/swapfile
{ fallocate -l "$SWAP_SIZE" "$SWAP" && chmod 600 "$SWAP" && mkswap "$SWAP" >/dev/null &&
	swapon "$SWAP"; } || { rm -f "$SWAP"; SWAP=""; echo "no swap file" >&2; exit 1; }

# the client: GETs until $TMP/stop exists; a wait counts as "during" while
# $TMP/during exists, "after" once $TMP/after does
cat >"$TMP/client.py" <<'PY'
import os, random, socket, sys, time
sock, tmp, n, stride = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
f = s.makefile("rb")
parts = {"before": [], "during": [], "after": []}
i = 0
part = "before"
while True:
    if i % 64 == 0:
        if os.path.exists(tmp + "/stop"):
            break
        part = ("after" if os.path.exists(tmp + "/after") else
                "during" if os.path.exists(tmp + "/during") else "before")
    i += 1
    k = random.randrange(n) * stride
    t = time.perf_counter()
    s.sendall(b"GET key:%d\r\n" % k)
    line = f.readline()
    if line[:1] == b"$" and int(line[1:]) >= 0:
        f.read(int(line[1:]) + 2)
    parts[part].append(time.perf_counter() - t)
out = []
for name in ("before", "during", "after"):
    v = sorted(parts[name])
    if not v:
        out.append("%s: none" % name)
        continue
    q = lambda p: v[min(len(v) - 1, int(p * len(v)))] * 1000
    out.append("%s: p50 %.3f p99 %.3f max %.1f ms (%d GETs)" % (name, q(.5), q(.99), v[-1] * 1000, len(v)))
print("; ".join(out))
PY

arm() {
	local name=$1; shift
	rm -f "$TMP"/{stop,during,after} "$TMP/redis.sock"
	redis-server --port 0 --unixsocket "$TMP/redis.sock" --unixsocketperm 700 \
		--save "" --appendonly no --enable-debug-command local --daemonize no \
		--dir "$TMP" </dev/null >"$TMP/redis.log" 2>&1 &
	RPID=$!
	for _ in $(seq 500); do
		[ "$(redis-cli -s "$TMP/redis.sock" PING 2>/dev/null)" = PONG ] && break
		sleep 0.02
	done
	redis-cli -s "$TMP/redis.sock" DEBUG POPULATE "$KEYS" key "$VALUE" >/dev/null
	[ "$(redis-cli -s "$TMP/redis.sock" DBSIZE)" -eq "$KEYS" ] ||
		{ echo "redis did not populate" >&2; exit 1; }
	"$PYTHON" "$TMP/client.py" "$TMP/redis.sock" "$TMP" "$HOT" "$STRIDE" >"$TMP/client.out" &
	CPID=$!
	sleep 2
	touch "$TMP/during"
	local t0 t1 st f0 f1
	f0=$(awk '{ print $10 + $12 }' "/proc/$RPID/stat")
	t0=$(date +%s.%N)
	"$PMADV" -p "$RPID" -a pageout --anon --all -f stop -J "$@" >"$TMP/pmadv.json" 2>"$TMP/pmadv.err"
	st=$?
	t1=$(date +%s.%N)
	touch "$TMP/after"
	sleep 2
	f1=$(awk '{ print $10 + $12 }' "/proc/$RPID/stat")
	touch "$TMP/stop"
	wait "$CPID"
	CPID=""
	printf '%s: pmadv exit %d in %.2f s, advised %s MiB, redis faults %d, comeback %s\n  %s\n' "$name" "$st" \
		"$(echo "$t1 - $t0" | bc)" "$(jq '.advised / 1048576 | floor' "$TMP/pmadv.json")" $((f1 - f0)) \
		"$(jq -c '.targets[0].comeback | if . then {paged_out: (.paged_out / 1048576 | floor), came_back: (.came_back / 1048576 | floor), minor_faults, major_faults, stopped, hot: (.hot | length)} else null end' "$TMP/pmadv.json")" \
		"$(cat "$TMP/client.out")"
	[ -s "$TMP/pmadv.err" ] && sed 's/^/  stderr: /' "$TMP/pmadv.err"
	kill -KILL "$RPID"
	wait "$RPID" 2>/dev/null
	RPID=""
}

echo "redis $(redis-server --version | awk '{print $3}'): $KEYS keys x $VALUE B, GETs of $HOT keys, every ${STRIDE}th from key:0; pmadv -a pageout --anon --all -f stop $EXTRA"
arm "guard on " $EXTRA
arm "guard off" --comeback=off $EXTRA
