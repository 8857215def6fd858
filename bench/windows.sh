#!/bin/bash
# Bounded freeze windows (--max-freeze), part of `make bench`: prints a
# markdown table on stdout. For cold and pageout of 256 MiB and 1 GiB of a
# target's anonymous memory (tests/helpers/pauser: a thread touching its
# memory that records its longest pause), with the default bound and with
# --max-freeze=0, for -f stop, -f cgroup (v2) and -f cgroup:PATH (v1
# freezer): the freeze windows pmadv reports (count, longest, total) and
# the target's longest pause. Plus -f none with a target that mmaps and
# munmaps every iteration: its longest stall on the mmap_lock. One run per
# row (a fresh target each). Needs root (swap file, cgroups); a temporary
# 1.1 GiB swap file is swapped off and removed at the end, every process
# started is killed by PID, every cgroup made removed.
#   windows.sh PMADV PAUSER TMPDIR
set -u
PMADV=$1 PAUSER=$2 TMP=$3
SWAP="" CG="" PID=""

cleanup() {
	[ -n "$CG" ] && { echo 0 >"$CG/cgroup.freeze"; echo THAWED >"$CG/freezer.state"; } 2>/dev/null
	[ -n "$PID" ] && { kill -CONT "$PID"; kill -KILL "$PID"; wait "$PID"; } 2>/dev/null
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	[ -n "$SWAP" ] && { swapoff "$SWAP"; rm -f "$SWAP"; }
	PID="" CG="" SWAP=""
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "(skipped: needs root for the swap file and cgroups)"; exit 0; }
SWAP=$TMP/swapfile
if ! { fallocate -l 1100M "$SWAP" && chmod 600 "$SWAP" && mkswap "$SWAP" >/dev/null 2>&1 &&
       swapon "$SWAP"; }; then
	rm -f "$SWAP"; SWAP=""
	echo "(skipped: cannot enable a swap file under $TMP)"; exit 0
fi
mnt() { awk -v t="$1" '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	if ($(i + 1) == t && (t == "cgroup2" || $(i + 3) ~ /(^|,)freezer(,|$)/)) { print $5; exit } }' /proc/self/mountinfo; }
V2=$(mnt cgroup2) V1=$(mnt cgroup)
word() { local v; v=$(od -An -t u8 -j $((8 * $1)) -N 8 "$TMP/pause.shm"); echo $((v)); }

# row ADVICE MIB MODE BOUND [MMAP]
row() {
	local adv=$1 mib=$2 mode=$3 bound=$4 mm=${5:-0} f s e js
	rm -f "$TMP/pause.out"
	"$PAUSER" "$TMP/pause.shm" "$mib" "$mm" >"$TMP/pause.out" &
	PID=$!
	for _ in $(seq 400); do [ -s "$TMP/pause.out" ] && break; sleep 0.05; done
	read -r s e <"$TMP/pause.out"
	case $mode in
	stop | none) f=$mode ;;
	v2 | v1)
		CG=$([ "$mode" = v2 ] && echo "$V2" || echo "$V1")/pmadv-bench-win.$$
		mkdir "$CG" && echo "$PID" >"$CG/cgroup.procs"
		f=$([ "$mode" = v2 ] && echo cgroup || echo "cgroup:$CG") ;;
	esac
	sleep 0.3
	printf '\001\0\0\0\0\0\0\0' | dd of="$TMP/pause.shm" bs=8 seek=3 conv=notrunc 2>/dev/null
	sleep 0.3
	js=$("$PMADV" -p "$PID" -a "$adv" -r "0x$s-0x$e" -f "$f" --max-freeze="$bound" -J 2>/dev/null)
	sleep 0.2
	printf '| %s | %s MiB | %s | %s | %s | %s | %s |\n' "$adv" "$mib" \
		"$([ "$mode" = none ] && echo "none (mmap_lock)" || echo "$mode")" \
		"$([ "$mode" = none ] && echo "16 MiB calls" || { [ "$bound" = 0 ] && echo "0 (one window)" || echo "$bound"; })" \
		"$(jq -r '.targets[0] | "\(.windows) | \(.max_window_ms * 10 | floor / 10) | \(.frozen_ms * 10 | floor / 10)"' <<<"$js")" \
		"$(jq -r '.advised / 1048576 | floor' <<<"$js") MiB" \
		"$(awk -v n="$(word 1)" 'BEGIN { printf "%.1f", n / 1e6 }')"
	kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=""
	[ -n "$CG" ] && { rmdir "$CG"; CG=""; }
}

echo "| advice | size | freeze | --max-freeze | windows | longest (ms) | total frozen (ms) | advised | target's longest pause (ms) |"
echo "|---|---|---|---|---|---|---|---|---|"
for adv in cold pageout; do
	for mib in 256 1024; do
		for mode in stop v2 v1; do
			[ "$mode" = v2 ] && [ -z "$V2" ] && continue
			[ "$mode" = v1 ] && [ -z "$V1" ] && continue
			for bound in 100ms 0; do
				row "$adv" "$mib" "$mode" "$bound"
			done
		done
	done
done
row pageout 1024 none 0 1
