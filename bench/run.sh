#!/bin/bash
# pmadv benchmark (`make bench`; see bench/RESULTS.md for the latest table).
#
# For each target size N (mappings made by bench/gen), in one run and
# interleaved, median of several repetitions:
#   pmadv      pmadv -p PID -a cold --anon --all -q
#   floor      bench/floor PID       (text maps, the minimum work)
#   procmap    bench/floor -q PID    (PROCMAP_QUERY ioctl, names)
#   procmap-l  bench/floor -Q PID    (PROCMAP_QUERY, names only without file)
#   naive      bench/naive PID       (one process_madvise per mapping)
#   pmadv-q    pmadv as above with PMADV_MAPS_SOURCE=query (its PROCMAP_QUERY
#              path; started through env(1), which adds one exec). The knob
#              is read only by the test build (PMADV_TESTBUILD, default
#              ./pmadv-test, make test-build): the same code, plus the knobs
#   report     pmadv -p PID -a cold --anon --all (the default mode: a report
#              with Rss/Swap before -> after)
#   floor -r   bench/floor -r PID (the floor with the report's reads:
#              smaps_rollup before and after, one line)
#   empty      bench/argp (no arguments: the start of a C program)
#   argp       bench/argp -p PID -a cold --anon --all -q (only parsing
#              pmadv's arguments with glibc argp, a table of pmadv's size)
#   stop/cg    pmadv -f stop|cgroup ... -q; the freeze window from -J runs
# plus the floor's own time to read maps + advise (FLOOR_TIMING), the bound
# the freeze window is judged against, and pmadv's peak RSS.
#
# Environment: PMADV (binary, default ./pmadv), PMADV_TESTBUILD (the build
# with the test knobs, for pmadv-q), BENCH_SIZES ("50 1000 10000
# 65000"), BENCH_REPS (override every size's repetitions), BENCH_OUT
# (results file, default bench/RESULTS.md; "-" for none), BENCH_NICE
# (niceness of the whole run when root, default -10, so that other load on
# the machine disturbs the measurements less; 0 = leave as is), CC, CFLAGS.
#
# Every process started here is killed by PID, the cgroup made here removed,
# vm.max_map_count restored, and nothing is left stopped or frozen.
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/bench
BIN=$B/bin
PMADV=${PMADV:-$ROOT/pmadv}
PMADV_TESTBUILD=${PMADV_TESTBUILD:-$ROOT/pmadv-test}
SIZES=${BENCH_SIZES:-50 1000 10000 65000}
OUT=${BENCH_OUT:-$B/RESULTS.md}
CC=${CC:-cc}
BFLAGS="-std=gnu11 -Wall -Wextra -D_GNU_SOURCE -O2"

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

NICE=$(nice)
if [ "$(id -u)" = 0 ] && [ "${BENCH_NICE:--10}" != 0 ] &&
   renice -n "${BENCH_NICE:--10}" -p $$ >/dev/null 2>&1; then
	NICE=$(nice)
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- build what is missing or stale ---------------------------------------
mkdir -p "$BIN" || die "cannot create $BIN"
for p in gen floor naive timeit peakrss argp; do
	if [ ! -x "$BIN/$p" ] || [ "$B/$p.c" -nt "$BIN/$p" ] ||
	   [ "$B/common.h" -nt "$BIN/$p" ]; then
		$CC $BFLAGS ${CFLAGS:-} -o "$BIN/$p" "$B/$p.c" || die "cannot build $p"
	fi
done
# as bench/bench.mk: the pagemap reader and the pure modules it links with
RESID_SRC="$ROOT/src/proc/residency.c $ROOT/src/lib/msg.c $ROOT/src/lib/size.c
	$ROOT/src/lib/escape.c $ROOT/src/lib/mem.c $ROOT/src/plan/maps.c
	$ROOT/src/plan/select.c $ROOT/src/plan/budget.c $ROOT/src/report/rowsort.c
	$ROOT/src/engine/ledger.c $ROOT/src/engine/chunk.c"
if [ ! -x "$BIN/resid" ] || [ "$B/resid.c" -nt "$BIN/resid" ] ||
   [ -n "$(find "$ROOT/src" -newer "$BIN/resid" -name '*.[ch]')" ]; then
	$CC $BFLAGS -I"$ROOT/src" ${CFLAGS:-} -o "$BIN/resid" "$B/resid.c" $RESID_SRC ||
		die "cannot build resid"
fi
# the target of the bounded-window table (bench/windows.sh)
if [ ! -x "$BIN/pauser" ] || [ "$ROOT/tests/helpers/pauser.c" -nt "$BIN/pauser" ]; then
	$CC $BFLAGS ${CFLAGS:-} -o "$BIN/pauser" "$ROOT/tests/helpers/pauser.c" -lpthread ||
		die "cannot build pauser"
fi
if [ ! -x "$PMADV" ]; then
	make -C "$ROOT" >/dev/null || die "cannot build pmadv (make)"
fi
[ -x "$PMADV" ] || die "no pmadv binary at $PMADV"
if [ ! -x "$PMADV_TESTBUILD" ]; then
	make -C "$ROOT" test-build >/dev/null || die "cannot build the test build (make test-build)"
fi
[ -x "$PMADV_TESTBUILD" ] || die "no test build at $PMADV_TESTBUILD"

# --- state to undo -------------------------------------------------------
TMP=$(mktemp -d /tmp/pmadv-bench.XXXXXX) || die "mktemp failed"
SWAPFILE=""
GEN=""
CG=""
MAPCOUNT_OLD=""

stop_gen() {
	if [ -n "$GEN" ]; then
		[ -n "$CG" ] && [ -e "$CG/cgroup.freeze" ] && echo 0 >"$CG/cgroup.freeze" 2>/dev/null
		[ -n "$CG" ] && [ -e "$CG/freezer.state" ] && echo THAWED >"$CG/freezer.state" 2>/dev/null
		kill -CONT "$GEN" 2>/dev/null
		kill -KILL "$GEN" 2>/dev/null
		wait "$GEN" 2>/dev/null
		GEN=""
	fi
	if [ -n "$CG" ]; then
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$CG" 2>/dev/null && break
			sleep 0.1
		done
		[ -d "$CG" ] && note "could not remove cgroup $CG"
		CG=""
	fi
}

swap_off() {
	if [ -n "$SWAPFILE" ]; then
		swapoff "$SWAPFILE" 2>/dev/null || note "could not swapoff $SWAPFILE"
		rm -f "$SWAPFILE"
		SWAPFILE=""
	fi
}

cleanup() {
	stop_gen
	swap_off
	if [ -n "$MAPCOUNT_OLD" ]; then
		echo "$MAPCOUNT_OLD" >/proc/sys/vm/max_map_count 2>/dev/null ||
			note "could not restore vm.max_map_count=$MAPCOUNT_OLD"
		MAPCOUNT_OLD=""
	fi
}
trap 'cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP

# --- cgroup: v2 mount from mountinfo, else the v1 freezer -----------------
# Fields: ... mountpoint(5) ... " - " fstype source superopts
CG_V2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
CG_V1=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)freezer(,|$)/) { print $5; exit } }' /proc/self/mountinfo)
CG_BASE=""
CG_NOTE=""
if [ -n "$CG_V2" ] && [ -w "$CG_V2" ]; then
	CG_BASE=$CG_V2
elif [ -n "$CG_V1" ] && [ -w "$CG_V1" ]; then
	CG_BASE=$CG_V1
else
	CG_NOTE="no writable cgroup v2 mount or v1 freezer: -f cgroup skipped"
fi

# Put the target in a cgroup of its own (pmadv never freezes its own).
make_cgroup() {
	[ -n "$CG_BASE" ] || return 1
	CG=$CG_BASE/pmadv-bench.$$
	mkdir "$CG" 2>/dev/null || { CG=""; CG_NOTE="cannot create a cgroup under $CG_BASE: -f cgroup skipped"; return 1; }
	if ! echo "$1" >"$CG/cgroup.procs" 2>/dev/null; then
		rmdir "$CG"; CG=""
		CG_NOTE="cannot move the target into a cgroup under $CG_BASE: -f cgroup skipped"
		return 1
	fi
}

# --- vm.max_map_count ------------------------------------------------------
maxn=0
for n in $SIZES; do [ "$n" -gt "$maxn" ] && maxn=$n; done
cur=$(cat /proc/sys/vm/max_map_count)
if [ "$cur" -lt $((maxn + 200)) ]; then
	MAPCOUNT_OLD=$cur
	echo $((maxn + 1000)) >/proc/sys/vm/max_map_count 2>/dev/null ||
		{ MAPCOUNT_OLD=""; note "vm.max_map_count=$cur may be too low for $maxn mappings"; }
fi

# Rounds a size: a round of 1,000 mappings takes ~0.1 s, and over 21 rounds
# the medians' ratios moved by 0.1 between runs, as much as the goals'
# margins; small sizes get many rounds, the large ones (~1 s a round) few.
reps_for() {
	if [ -n "${BENCH_REPS:-}" ]; then echo "$BENCH_REPS"; return; fi
	case $1 in
	50 | 1000) echo 201 ;;
	10000) echo 21 ;;
	*) echo 11 ;;
	esac
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
fmt() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.2f", a }'; }

# frozen_ms of every JSON document in a file -> median
frozen_median() { grep -o '"frozen_ms":[0-9.e+-]*' "$1" 2>/dev/null | cut -d: -f2 | median; }

# Does `pmadv ... -f MODE` work on this target? Else a note with its error.
probe_freeze() {
	local msg
	if msg=$($P -f "$1" 2>&1 >/dev/null); then
		return 0
	fi
	NOTES+="N=$N: -f $1 skipped: pmadv failed: $(printf '%s' "$msg" | head -n 1)"$'\n'
	return 1
}

T1=$TMP/t1
T2=$TMP/t2
: >"$T1"
: >"$T2"
FAILS=""
NOTES=""
START=$(date +%s)

for N in $SIZES; do
	REPS=$(reps_for "$N")
	note "N=$N: starting gen"
	rm -f "$TMP/latch"
	"$BIN/gen" "$N" "$TMP/latch" &
	GEN=$!
	for _ in $(seq 600); do
		[ -e "$TMP/latch" ] && break
		kill -0 "$GEN" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -e "$TMP/latch" ]; then
		stop_gen
		note "gen $N did not start; skipped"
		continue
	fi
	MAPS=$(wc -l <"/proc/$GEN/maps")
	IOV=$(FLOOR_TIMING=1 "$BIN/floor" "$GEN" 2>&1 | sed -n 's/.*iovecs=\([0-9]*\).*/\1/p')
	make_cgroup "$GEN"

	P="$PMADV -p $GEN -a cold --anon --all -q"
	# 6, 7: the default (report) mode, and the floor with the report's
	# reads (smaps_rollup before and after)
	cases=("$P" "$BIN/floor $GEN" "$BIN/floor -q $GEN" "$BIN/floor -Q $GEN" "$BIN/naive $GEN"
	       "env PMADV_MAPS_SOURCE=query $PMADV_TESTBUILD -p $GEN -a cold --anon --all -q"
	       "$PMADV -p $GEN -a cold --anon --all" "$BIN/floor -r $GEN"
	       "$BIN/argp" "$BIN/argp -p $GEN -a cold --anon --all -q")
	fr_stop=0 fr_cg=0
	if probe_freeze stop; then cases+=("$P -f stop"); fr_stop=1; fi
	if [ -n "$CG" ] && probe_freeze cgroup; then cases+=("$P -f cgroup"); fr_cg=1; fi
	args=()
	for c in "${cases[@]}"; do
		[ ${#args[@]} -gt 0 ] && args+=(":::")
		read -r -a w <<<"$c"
		args+=("${w[@]}")
	done
	note "N=$N: $MAPS mappings, $REPS rounds of ${#cases[@]} cases"
	rm -f "$TMP"/err.*
	# -s: each round in its own (seeded) order; in a fixed order pmadv
	# always ran right after -f cgroup and the floor right after pmadv,
	# and a run pays for what its predecessor left (the floor took 3.82 ms
	# after a freeze run, 2.91 after pmadv -q, 3.10 after itself)
	mapfile -t R < <(FLOOR_TIMING=1 "$BIN/timeit" -n "$REPS" -s "$N" -e "$TMP/err" -- "${args[@]}")
	for i in "${!cases[@]}"; do
		read -r _ _ _ _ f _ <<<"${R[$i]:-- - - - 0}"
		[ "$f" != 0 ] && FAILS+="N=$N: '${cases[$i]}' failed in $f of $REPS runs: $(head -n 1 "$TMP/err.$i" 2>/dev/null)"$'\n'
	done
	med() { echo "${R[$1]:--}" | awk '{ print $1 }'; }
	pm=$(med 0) fl=$(med 1) pq=$(med 2) pl=$(med 3) nv=$(med 4) pmq=$(med 5)
	cpu() { echo "${R[$1]:--}" | awk '{ print ($6 == "" ? "-" : $6) }'; }
	cpm=$(cpu 0) cfl=$(cpu 1) cnv=$(cpu 4)
	rp=$(med 6) rf=$(med 7)
	st=- cg=-
	em=$(med 8) ap=$(med 9)
	[ $fr_stop = 1 ] && st=$(med 10)
	[ $fr_cg = 1 ] && cg=$(med $((10 + fr_stop)))

	# the floor's own read-maps + advise time (FLOOR_TIMING lines of the
	# timed runs above), the bound the freeze window is judged against;
	# and the maps reading alone, text against PROCMAP_QUERY
	ftime() { sed -n 's/maps_ns=\([0-9]*\) advise_ns=\([0-9]*\).*/\1 \2/p' "$TMP/err.$1" 2>/dev/null |
		awk -v f="$2" '{ printf "%.4f\n", (f == "work" ? $1 + $2 : $1) / 1e6 }' | median; }
	work=$(ftime 1 work)
	mt=$(ftime 1 maps) mq=$(ftime 2 maps) ml=$(ftime 3 maps)

	# freeze windows as pmadv measures them (-J "frozen_ms"), in rounds
	# that interleave the floor's own freeze windows (bench/floor -s, -g:
	# the same stop or cgroup freeze around the floor's work) and a
	# --limit run whose budget holds the whole selection (the same work,
	# plus the budget's choice made before the window)
	# At least 31 rounds: a window is a few ms at most here, and its
	# median over 11 swung by a third between runs at 10,000 mappings.
	wst=- wcg=- fws=- fwg=- wlim=-
	: >"$TMP/js"; : >"$TMP/jc"; : >"$TMP/jl"; : >"$TMP/fs"; : >"$TMP/fg"
	# each round in its own order (seeded), as in the main rounds
	wcases=()
	[ $fr_stop = 1 ] && wcases+=(js fs jl)
	[ $fr_cg = 1 ] && wcases+=(jc fg)
	RANDOM=$N
	for _ in $(seq "$((REPS > 31 ? REPS : 31))"); do
		for c in $(for c in "${wcases[@]}"; do echo "$RANDOM $c"; done | sort -n | cut -d' ' -f2); do
			case $c in
			js) $P -f stop -J >>"$TMP/js" 2>/dev/null ;;
			fs) FLOOR_TIMING=1 "$BIN/floor" -s "$GEN" 2>>"$TMP/fs" ;;
			jl) $P -f stop --limit 100% -J >>"$TMP/jl" 2>/dev/null ;;
			jc) $P -f cgroup -J >>"$TMP/jc" 2>/dev/null ;;
			fg) FLOOR_TIMING=1 "$BIN/floor" -g "$CG" "$GEN" 2>>"$TMP/fg" ;;
			esac
		done
	done
	fwin() { sed -n 's/.*window_ns=\([0-9]*\).*/\1/p' "$1" | awk '$1 > 0 { printf "%.4f\n", $1 / 1e6 }' | median; }
	if [ $fr_stop = 1 ]; then
		wst=$(frozen_median "$TMP/js") wlim=$(frozen_median "$TMP/jl") fws=$(fwin "$TMP/fs")
	fi
	if [ $fr_cg = 1 ]; then
		wcg=$(frozen_median "$TMP/jc") fwg=$(fwin "$TMP/fg")
	fi
	# the floor's work as its frozen runs in these rounds did it: the
	# windows are judged against work done at the same time, on the same
	# (frozen) target; the main rounds' figure drifts from it
	if [ -s "$TMP/fs" ] || [ -s "$TMP/fg" ]; then
		work=$(cat "$TMP/fs" "$TMP/fg" | sed -n 's/maps_ns=\([0-9]*\) advise_ns=\([0-9]*\).*/\1 \2/p' |
			awk '{ printf "%.4f\n", ($1 + $2) / 1e6 }' | median)
	fi
	# nothing may stay stopped: gen's state must be S (sleeping in pause)
	st_now=$(awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "/proc/$GEN/stat")
	[ "$st_now" = S ] || FAILS+="N=$N: target left in state $st_now after the freeze runs"$'\n'

	# peak RSS of pmadv: /usr/bin/time -f %M, else bench/peakrss (wait4)
	if [ -x /usr/bin/time ]; then
		rss=$(/usr/bin/time -f %M $P 2>&1 >/dev/null | tail -n 1)
	else
		rss=$("$BIN/peakrss" $P)
	fi

	stop_gen
	echo "$N $MAPS ${IOV:--} $REPS $pm $fl $pq $pl $nv $st $cg $pmq $rp $rf" >>"$T1"
	echo "$N $work $wst $wcg $rss $mt $mq $ml $cpm $cfl $cnv $fws $fwg $wlim $em $ap" >>"$T2"
done

# --- residency: pagemap and PAGEMAP_SCAN next to the pageout they aim -------
# bench/resid in a child of GiB G of written anonymous memory; the pageout
# needs swap: a swap file of our own, at the highest priority so that no
# other swap area fills, off and deleted right after.
T3=$TMP/t3
: >"$T3"
for G in ${BENCH_RESID_GIB:-1 8}; do
	note "residency: $G GiB"
	sw=""
	if [ "$(id -u)" = 0 ]; then
		SWAPFILE=$TMP/swap
		if fallocate -l $(( (G + 1) << 30 )) "$SWAPFILE" && chmod 0600 "$SWAPFILE" &&
		   mkswap "$SWAPFILE" >/dev/null 2>&1 && swapon -p 32767 "$SWAPFILE" 2>/dev/null; then
			sw=-s
		else
			rm -f "$SWAPFILE"
			SWAPFILE=""
			NOTES+="residency $G GiB: no swap file, pageout not timed"$'\n'
		fi
	fi
	line=$("$BIN/resid" $sw "$G" 5) || FAILS+="residency $G GiB: bench/resid failed"$'\n'
	swap_off
	echo "$line" >>"$T3"
done

note "bounded freeze windows (bench/windows.sh)"
bash "$B/windows.sh" "$PMADV" "$BIN/pauser" "$TMP" >"$TMP/windows.md"
cleanup
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - START ))

# --- report -----------------------------------------------------------------
report() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "# pmadv benchmark results"
	echo
	echo "Made by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in ${ELAPSED} s."
	echo
	echo "- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "- Kernel: $(uname -r)"
	echo "- Load average (1, 5, 15 min) at start: $LOAD_START; at end: $LOAD_END;"
	echo "  the bench ran at niceness $NICE. Other load makes every case slower;"
	echo "  the interleaved rounds keep the ratios comparable, not the times."
	echo "- pmadv: $("$PMADV" --version 2>/dev/null | head -n 1)"
	echo "- Target: bench/gen N, alternating 1-page anonymous rw and file-backed"
	echo "  private mappings, all touched; advice COLD on the anonymous ones"
	echo "  (\`--anon --all\`; COLD on the same pages again each run is fine)."
	echo "- Wall time: median of the rounds (bench/timeit: clock_gettime around"
	echo "  fork/exec/wait4, all cases interleaved in each round, in an order"
	echo "  shuffled anew each round, seeded: a run pays for what the run before"
	echo "  it left, so none may always follow the same one), in ms."
	echo
	echo "## Wall time (ms) and ratios"
	echo
	echo "| N | maps lines | iovecs | rounds | pmadv | pmadv (query) | floor | floor procmap | floor procmap lean | naive | pmadv -f stop | pmadv -f cgroup | pmadv/floor | procmap/floor | naive/pmadv |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	while read -r n maps iov reps pm fl pq pl nv st cg pmq _; do
		echo "| $n | $maps | $iov | $reps | $(fmt "$pm") | $(fmt "$pmq") | $(fmt "$fl") | $(fmt "$pq") | $(fmt "$pl") | $(fmt "$nv") | $(fmt "$st") | $(fmt "$cg") | $(ratio "$pm" "$fl") | $(ratio "$pq" "$fl") | $(ratio "$nv" "$pm") |"
	done <"$T1"
	echo
	echo "## The default (report) mode"
	echo
	echo "pmadv without -q (one line of what was advised, Rss and Swap before"
	echo "-> after from smaps_rollup) against the floor doing the same reads"
	echo "(bench/floor -r: smaps_rollup before and after, one line), in the"
	echo "same interleaved rounds, wall time in ms."
	echo
	echo "| N | pmadv | floor -r | pmadv/floor -r |"
	echo "|---|---|---|---|"
	while read -r n _ _ _ _ _ _ _ _ _ _ _ rp rf; do
		echo "| $n | $(fmt "$rp") | $(fmt "$rf") | $(ratio "$rp" "$rf") |"
	done <"$T1"
	echo
	echo "## Freeze window and peak RSS"
	echo
	echo "Floor work = the floor's own time to read and parse maps + its"
	echo "process_madvise calls (FLOOR_TIMING, median of its frozen runs below,"
	echo "which interleave pmadv's windows): the least the work in a freeze"
	echo "window can be. At least 31 rounds a size. Floor window = the same work inside the same"
	echo "freeze (bench/floor -s: SIGSTOP through a pidfd, wait for state T,"
	echo "SIGCONT; -g: cgroup.freeze 1, wait for \"frozen 1\", 0), from the freeze"
	echo "action to the thaw action: the least a freeze window can be. Windows"
	echo "are pmadv's -J \"frozen_ms\" (median), measured the same way, in rounds"
	echo "interleaved with the floor's; --limit 100% is a budget that holds the"
	echo "whole selection (the same work, the budget chosen before the window)."
	echo
	echo "| N | floor work (ms) | floor window stop (ms) | window stop (ms) | stop/work | stop/floor window | floor window cgroup (ms) | window cgroup (ms) | cgroup/work | cgroup/floor window | window stop --limit (ms) | limit/plain | pmadv peak RSS (KiB) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	while read -r n work wst wcg rss _ _ _ _ _ _ fws fwg wlim _; do
		echo "| $n | $(fmt "$work") | $(fmt "$fws") | $(fmt "$wst") | $(ratio "$wst" "$work") | $(ratio "$wst" "$fws") | $(fmt "$fwg") | $(fmt "$wcg") | $(ratio "$wcg" "$work") | $(ratio "$wcg" "$fwg") | $(fmt "$wlim") | $(ratio "$wlim" "$wst") | $rss |"
	done <"$T2"
	echo
	echo "## Start-up: what the option parser costs"
	echo
	echo "bench/argp in the same interleaved rounds: without arguments, the"
	echo "start and exit of a C program that does nothing (empty); with"
	echo "pmadv's arguments, only glibc argp parsing them with a table of"
	echo "pmadv's size (argp). pmadv must parse its options with argp (a fixed"
	echo "choice); the floor parses none. So argp - empty is a part of"
	echo "pmadv - floor that no change to pmadv can remove; the last column is"
	echo "the ratio pmadv -q/floor would have if that were all pmadv added,"
	echo "and the last but one the ratio naive/pmadv would have then: the"
	echo "most any tool that parses pmadv's options with argp can reach."
	echo "Sizes up to 1,000 only: above, rounds are few and long, and a"
	echo "0.1 ms difference is within their spread."
	echo
	echo "| N | empty (ms) | argp (ms) | argp - empty (ms) | pmadv - floor (ms) | naive/(floor + argp - empty) | (floor + argp - empty)/floor |"
	echo "|---|---|---|---|---|---|---|"
	paste -d' ' "$T1" "$T2" | while read -r n _ _ _ pm fl _ _ nv _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ em ap _; do
		[ "$n" -le 1000 ] || continue
		# one row; "-" where a figure is missing (never divided by)
		awk -v n="$n" -v e="$em" -v a="$ap" -v p="$pm" -v f="$fl" -v v="$nv" '
		function d(ok, x) { return ok ? sprintf("%.2f", x) : "-" }
		BEGIN {
			alone = a != "-" && e != "-" && f != "-"	# the floor plus argp
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", n,
			       d(e != "-", e), d(a != "-", a), d(a != "-" && e != "-", a - e),
			       d(p != "-" && f != "-", p - f),
			       (alone && v != "-" && f + a - e > 0 ? sprintf("%.2f", v / (f + a - e)) : "-"),
			       (alone && f > 0 ? sprintf("%.2f", (f + a - e) / f) : "-")
		}'
	done
	echo
	echo "## CPU time (ms)"
	echo
	echo "User + system CPU time of the same runs (median): less disturbed than"
	echo "wall time by other load, but blind to waiting."
	echo
	echo "| N | pmadv | floor | naive | pmadv/floor | naive/pmadv |"
	echo "|---|---|---|---|---|---|"
	while read -r n _ _ _ _ _ _ _ cpm cfl cnv _; do
		echo "| $n | $(fmt "$cpm") | $(fmt "$cfl") | $(fmt "$cnv") | $(ratio "$cpm" "$cfl") | $(ratio "$cnv" "$cpm") |"
	done <"$T2"
	echo
	echo "## Reading the maps: text against PROCMAP_QUERY"
	echo
	echo "Inside the floor (FLOOR_TIMING, median, ms): read + parse of"
	echo "/proc/PID/maps text; PROCMAP_QUERY asking every name; PROCMAP_QUERY"
	echo "asking names only of mappings without a file (lean)."
	echo
	echo "| N | text | procmap | procmap lean | procmap/text |"
	echo "|---|---|---|---|---|"
	while read -r n _ _ _ _ mt mq ml _; do
		echo "| $n | $(fmt "$mt") | $(fmt "$mq") | $(fmt "$ml") | $(ratio "$mq" "$mt") |"
	done <"$T2"
	echo
	echo "## Residency against the pageout it aims"
	echo
	echo "bench/resid: a child with G GiB of written anonymous memory (4 KiB"
	echo "pages); median of 5 reads of its residency by pmadv's reader"
	echo "(src/proc/residency.c): pread of /proc/PID/pagemap (what pmadv uses: it has"
	echo "the mapped-by-one bit) and the PAGEMAP_SCAN ioctl; then one pageout of"
	echo "the whole range to a swap file (process_madvise), in ms."
	echo
	echo "| GiB | pagemap | PAGEMAP_SCAN | pageout | pagemap/pageout | scan/pageout |"
	echo "|---|---|---|---|---|---|"
	sed 's/[a-z_]*=//g' "$T3" | while read -r g pm sc po _ _; do
		echo "| $g | $(fmt "$pm") | $(fmt "$sc") | $(fmt "$po") | $(ratio "$pm" "$po") | $(ratio "$sc" "$po") |"
	done
	echo "## Bounded freeze windows (--max-freeze)"
	echo
	echo "bench/windows.sh: cold and pageout of a target's anonymous memory"
	echo "(tests/helpers/pauser, a thread touching it every 200 us that records"
	echo "its longest pause) to a temporary swap file, with the default bound"
	echo "(100 ms) and with one window (--max-freeze=0); one run per row. The"
	echo "last row: no freeze, a target that also mmaps and munmaps every"
	echo "iteration, so its pause is its wait for the mmap_lock that each"
	echo "process_madvise call holds (16 MiB calls; one 1 GiB call stalled it"
	echo "400-450 ms when measured before that cap)."
	echo
	cat "$TMP/windows.md"
	echo
	echo "## Goals"
	echo
	sed 's/[a-z_]*=//g' "$T3" | awk '$4 != "-" && $4 > 0 {
		r = $2 / $4
		printf "- pagemap <= 5%% of the pageout at %s GiB: %.2f%%, %s\n", $1, r * 100, r <= 0.05 ? "met" : "NOT met" }'
	paste -d' ' "$T1" "$T2" | awk '
	function verdict(ok) { return ok ? "met" : "NOT met" }
	{
		n = $1; pm = $5; fl = $6; nv = $9; rp = $13; rf = $14
		work = $16; wst = $17; wcg = $18; rss = $19
		fws = $26; fwg = $27; wlim = $28; em = $29; ap = $30
		if (fl != "-" && pm != "-") {
			r = pm / fl
			if (n >= 1000) printf "- pmadv -q/floor <= 1.10 at %d: %.2f, %s\n", n, r, verdict(r <= 1.10)
			if (n == 50) printf "- pmadv -q/floor <= 1.3 at 50: %.2f, %s\n", r, verdict(r <= 1.3)
		}
		if (rf != "-" && rp != "-" && rf != "") {
			r = rp / rf
			if (n >= 1000) printf "- pmadv (report)/floor -r <= 1.10 at %d: %.2f, %s\n", n, r, verdict(r <= 1.10)
			if (n == 50) printf "- pmadv (report)/floor -r <= 1.3 at 50: %.2f, %s\n", r, verdict(r <= 1.3)
		}
		if (n >= 1000 && nv != "-" && pm != "-") {
			printf "- naive/pmadv >= 1.15 at %d: %.2f, %s", n, nv / pm, verdict(nv / pm >= 1.15)
			# the start-up table: the floor plus argp alone
			if (n <= 1000 && fl != "-" && em != "-" && ap != "-")
				printf " (the floor + argp alone: %.2f)", nv / (fl + ap - em)
			printf "\n"
		}
		if (wst != "-" && work != "-")
			printf "- freeze window (stop) <= 1.2 x floor work at %d: %.2f, %s\n", n, wst / work, verdict(wst / work <= 1.2)
		if (wcg != "-" && work != "-")
			printf "- freeze window (cgroup) <= 1.2 x floor work at %d: %.2f, %s\n", n, wcg / work, verdict(wcg / work <= 1.2)
		if (n >= 1000 && wst != "-" && fws != "-" && fws > 0)
			printf "- freeze window (stop) <= 1.2 x the floor'"'"'s stop window at %d: %.2f, %s\n", n, wst / fws, verdict(wst / fws <= 1.2)
		if (n >= 1000 && wcg != "-" && fwg != "-" && fwg > 0)
			printf "- freeze window (cgroup) <= 1.2 x the floor'"'"'s cgroup window at %d: %.2f, %s\n", n, wcg / fwg, verdict(wcg / fwg <= 1.2)
		if (n >= 1000 && wlim != "-" && wst != "-" && wst > 0)
			printf "- --limit window <= 1.2 x the plain window at %d: %.2f, %s\n", n, wlim / wst, verdict(wlim / wst <= 1.2)
		if (n == 65000 && rss != "")
			printf "- peak RSS at 65,000 <= 16 MiB: %.1f MiB, %s\n", rss / 1024, verdict(rss <= 16384)
	}'
	if [ -n "$CG_NOTE" ] || [ -n "$NOTES" ]; then
		echo
		echo "Notes:"
		echo
		[ -n "$CG_NOTE" ] && echo "- $CG_NOTE."
		printf '%s' "$NOTES" | sed 's/^/- /'
	fi
	if [ -n "$FAILS" ]; then
		echo
		echo "Failures:"
		echo
		printf '%s' "$FAILS" | sed 's/^/- /'
	fi
}

report >"$B/.results.tmp"
cat "$B/.results.tmp"
if [ "$OUT" != "-" ]; then
	mv "$B/.results.tmp" "$OUT"
	note "results written to $OUT"
else
	rm -f "$B/.results.tmp"
fi
