#!/usr/bin/env bats
# Operator features of issue 4 against real processes: many targets (-p
# lists, -N, -c), --limit, the measured effect (rss/swap/anon_huge before and
# after), -l, the tables (-o, --output-all, -b, --raw, --noheadings), escaping
# of names the target controls, and the README runbook examples.
#
# Targets are tests/helpers/target.c (options and latch keys: its header).
# Everything started is killed by PID in teardown; every cgroup made is
# thawed, emptied and removed. The machine's DAMON reclaimer may evict
# file pages at any time: an idle target's Rss never grows, so measurements
# are bracketed (rollup before >= pmadv's before >= its after >= rollup
# after) and drops are only asserted where pmadv caused them.

bats_require_minimum_version 1.5.0

load test_helper
load cgroup_helper

OP_CGROUPS=()

setup() {
	core_setup
}

teardown() {
	cgroups_thaw "${OP_CGROUPS[@]}"
	core_teardown
	cgroups_remove "${OP_CGROUPS[@]}"
}

# start_named NAME TARGET-OPTIONS...: run a copy of the target called NAME
# (its command name), like start_target; sets TARGET_PID and sources the latch.
start_named() {
	local name=$1 latch pid
	shift
	[[ -x $T/$name ]] || cp "$HELPERS/target" "$T/$name"
	TARGET_N=$((TARGET_N + 1))
	latch=$T/ready.$TARGET_N
	setsid "$T/$name" --ready "$latch" "$@" </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	CORE_PIDS+=("$pid")
	wait_for test -s "$latch" || return 1
	# shellcheck disable=SC1090
	source "$latch"
	TARGET_PID=$pid TARGET_LATCH=$latch
	export TARGET_PID TARGET_LATCH
}

# a PID that cannot exist: pid_max itself is never allocated
gone_pid() { cat /proc/sys/kernel/pid_max; }

rollup_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup"; }

pids_of() { jq_out '[.targets[].pid] | sort | map(tostring) | join(" ")'; }

sorted() { printf '%s\n' "$@" | sort | paste -sd' '; }

# no_control_bytes TEXT: no C0 control byte but newline, no DEL (grep must
# say "no match", status 1: an unsupported -P is not a pass)
no_control_bytes() {
	local rc=0
	LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' <<<"$1" || rc=$?
	[ "$rc" -eq 1 ]
}

# the line of $output that starts with ADDR (a table row)
row_of() { grep -E "^ *$1 " <<<"$output"; }

# state letter of PID from /proc/PID/stat
proc_state() { local s; s=$(<"/proc/$1/stat"); s=${s##*) }; echo "${s:0:1}"; }

cg_mount() {	# cg_mount v2|v1
	if [[ $1 == v2 ]]; then v2_mount; else v1_mount; fi
}

# make_cg v2|v1: a fresh cgroup in CG, its /proc/PID/cgroup path in CGPATH
make_cg() {
	((EUID == 0)) || skip "cgroup tests need root"
	local m
	m=$(cg_mount "$1")
	if [[ -z $m ]]; then
		[[ $1 == v2 ]] && skip "no cgroup v2 hierarchy mounted"
		skip "no cgroup v1 freezer hierarchy mounted"
	fi
	CGPATH=/pmadv-op-$1-$$-$BATS_TEST_NUMBER
	CG=$m$CGPATH
	mkdir "$CG" || skip "cannot create $CG"
	OP_CGROUPS+=("$CG")
	if [[ $1 == v2 && ! -e $CG/cgroup.freeze ]]; then
		skip "cgroup v2 without cgroup.freeze"
	fi
}

cg_frozen() {
	if [[ -e $CG/cgroup.events ]]; then grep -qx 'frozen 1' "$CG/cgroup.events"
	else [[ $(<"$CG/freezer.state") == FROZEN ]]; fi
}

cg_thawed() {
	if [[ -e $CG/cgroup.freeze ]]; then
		[[ $(<"$CG/cgroup.freeze") == 0 ]] && grep -qx 'frozen 0' "$CG/cgroup.events"
	else [[ $(<"$CG/freezer.state") == THAWED ]]; fi
}

# two targets in a new cgroup of kind $1: A and B
two_in_cgroup() {
	make_cg "$1"
	start_target --anon 2
	A=$TARGET_PID
	start_target --anon 2
	B=$TARGET_PID
	echo "$A" >"$CG/cgroup.procs"
	echo "$B" >"$CG/cgroup.procs"
}

# ---------------------------------------------------------------- -p

@test "-p repeats and takes comma lists: one result per target, duplicates once" {
	start_target --anon 1
	A=$TARGET_PID
	start_target --anon 1
	B=$TARGET_PID
	start_target --anon 1
	C=$TARGET_PID
	run -0 --separate-stderr "$PMADV" -p "$A,$B" -p "$C" -a cold -m '[heap]' -J
	[ "$(pids_of)" = "$(sorted "$A" "$B" "$C")" ]
	[ "$(jq_out '[.targets[] | select(.error == null and .advised > 0)] | length')" -eq 3 ]
	[ "$(jq_out '[.targets[].advised] | add')" -eq "$(jq_out .advised)" ]
	# the same process three ways is one target, advised once
	run -0 --separate-stderr "$PMADV" -p "$A,$A" -p "/proc/$A" -a cold -m '[heap]' -J
	[ "$(jq_out '.targets | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].pid')" -eq "$A" ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out .advised)" -eq "$(jq_out '.targets[0].ranges[0].size')" ]
}

@test "-p: exit 3 when some targets fail, 1 when all fail, each with its error" {
	start_target --anon 1
	gone=$(gone_pid)
	run -3 --separate-stderr "$PMADV" -p "$TARGET_PID,$gone" -a cold -m '[heap]' -J
	[ "$(jq_out '.targets | length')" -eq 2 ]
	[ "$(jq_out ".targets[] | select(.pid == $TARGET_PID) | .error")" = null ]
	(($(jq_out ".targets[] | select(.pid == $TARGET_PID) | .advised") > 0))
	jq_out ".targets[] | select(.pid == $gone) | .error" | grep -qi 'no such process'
	grep -qi 'no such process' <<<"$stderr"
	run -1 --separate-stderr "$PMADV" -p "$gone" -p "/proc/$gone" -a cold --all
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]'
}

# ---------------------------------------------------------------- -N

@test "-N selects every process whose command name matches, and only those" {
	name=pmadvtgt-$(printf '%04x' $((RANDOM % 65536)))
	start_named "$name" --anon 1
	A=$TARGET_PID
	start_named "$name" --anon 1
	B=$TARGET_PID
	start_target --anon 1	# a plain "target": must not match
	run -0 --separate-stderr "$PMADV" -N "^$name\$" -a cold -m '[heap]' -J
	[ "$(pids_of)" = "$(sorted "$A" "$B")" ]
	[ "$(jq_out '[.targets[].comm] | unique | join(" ")')" = "$name" ]
	[ "$(jq_out '[.targets[] | select(.advised > 0)] | length')" -eq 2 ]
	# unanchored, like pgrep
	run -0 --separate-stderr "$PMADV" -N "${name:0:11}" -a cold -m '[heap]' -J
	[ "$(pids_of)" = "$(sorted "$A" "$B")" ]
	# --full matches the command line: only the one started with this latch
	run -0 --separate-stderr "$PMADV" -N "$name --ready $T/ready.2( |\$)" --full \
		-a cold -m '[heap]' -J
	[ "$(pids_of)" = "$B" ]
}

@test "-N never targets pmadv itself; matching nothing is exit 1 with a message" {
	tok=selfmatch-$RANDOM$RANDOM
	# the pattern is on pmadv's own command line: only pmadv matches
	run -1 --separate-stderr "$PMADV" -N "$tok" --full -a cold --all -J
	[ "$(jq_out '[.targets[] | select(.pid > 0)] | length')" -eq 0 ]
	[ -n "$stderr" ]
	run -1 --separate-stderr "$PMADV" -N "^nomatch-$tok\$" -a cold --all
	grep -qiE 'no process|match' <<<"$stderr"
}

# ---------------------------------------------------------------- -c

@test "-c: every process of a v2 cgroup, as directory and as /proc/PID/cgroup path" {
	two_in_cgroup v2
	grep -qx "0::$CGPATH" "/proc/$A/cgroup"
	start_target --anon 1	# outside the cgroup
	for c in "$CG" "$CGPATH"; do
		run -0 --separate-stderr "$PMADV" -c "$c" -a cold -m '[heap]' -J
		[ "$(pids_of)" = "$(sorted "$A" "$B")" ]
		[ "$(jq_out '[.targets[] | select(.freeze == "none" and .frozen_cgroup == null)] | length')" -eq 2 ]
	done
}

# cgroup_freeze_once v2|v1: -c with -f cgroup freezes the cgroup once, for
# both members, while the maps are read and advised; thawed afterwards.
cgroup_freeze_once() {
	two_in_cgroup "$1"
	need_testbuild
	env PMADV_TEST_DELAY_MS=800 "$PMADV_TESTBUILD" -c "$CGPATH" -a cold --all --anon \
		-f cgroup -J >"$T/out" 2>"$T/err" 3>&- &
	m=$!
	wait_for cg_frozen
	wait "$m" || { cat "$T/err"; return 1; }
	output=$(<"$T/out")
	[ "$(pids_of)" = "$(sorted "$A" "$B")" ]
	[ "$(jq_out '[.targets[].freeze] | unique | join(",")')" = cgroup ]
	[ "$(jq_out '[.targets[].frozen_processes] | unique | join(",")')" = 2 ]
	[ "$(jq_out '[.targets[].frozen_cgroup] | unique | join(",")')" = "$CGPATH" ]
	[ "$(jq_out '[.targets[].frozen_ms] | unique | length')" -eq 1 ]
	awk -v f="$(jq_out '.targets[0].frozen_ms')" 'BEGIN { exit !(f >= 800) }'
	[ "$(jq_out '[.targets[] | select(.advised > 0)] | length')" -eq 2 ]
	cg_thawed
	for p in "$A" "$B"; do
		[[ $(proc_state "$p") == S ]]
	done
	run verify_target "$A" "$T/verify.1"
	[ "$output" = intact=1 ]
}

@test "-c -f cgroup: a v2 cgroup is frozen once for all members, thawed after" {
	cgroup_freeze_once v2
}

@test "-c -f cgroup: a v1 freezer cgroup is frozen once for all members, thawed after" {
	cgroup_freeze_once v1
	# also as the directory
	run -0 --separate-stderr "$PMADV" -c "$CG" -a cold -m '[heap]' -f cgroup -J
	[ "$(pids_of)" = "$(sorted "$A" "$B")" ]
	cg_thawed
}

# ---------------------------------------------------------------- --limit

@test "--limit SIZE: most resident mappings first, cut to pages, never above" {
	make_file "$T/data.bin" 4
	start_target --anon 16 --file "$T/data.bin"
	retouch
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --anon --limit 16M -J
	[ "$(jq_out .requested)" -eq $((16 << 20)) ]
	[ "$(jq_out '.targets[0].ranges | length')" -eq 1 ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$anon_start" ]
	[ "$(jq_out '.targets[0].ranges[0].end')" = "$anon_end" ]
	# the 16 MiB anon, then the 4 MiB file: nothing else fits in 20M
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --limit 20M -J
	[ "$(jq_out .advised)" -eq $((20 << 20)) ]
	[ "$(jq_out '[.targets[0].ranges[].start] | sort | join(" ")')" = \
		"$(sorted "$anon_start" "$file_start")" ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --limit 1M -J
	[ "$(jq_out .advised)" -eq $((1 << 20)) ]
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$anon_start" ]
	# not a page multiple: cut down to whole pages
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --limit 1000000 -J
	[ "$(jq_out .requested)" -eq $((1000000 / page * page)) ]
}

@test "--limit PCT%: that share of the target's Rss (smaps_rollup), cut to pages" {
	start_target --anon 16
	retouch
	hi=$(rollup_kb "$TARGET_PID" Rss)
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --limit 25% -J
	lo=$(rollup_kb "$TARGET_PID" Rss)
	rss=$(jq_out '.targets[0].rss_before')
	req=$(jq_out .requested)
	echo "rollup $hi..$lo KiB; rss_before $rss; requested $req"
	((rss <= hi * 1024 && rss >= lo * 1024))
	# a quarter, cut to whole pages (one page of slack for rounding)
	((req <= rss / 4 && req > rss / 4 - 2 * page && req % page == 0))
	[ "$(jq_out '.targets[0].ranges[0].start')" = "$anon_start" ]
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all --limit 150%
}

# ---------------------------------------------------------------- effect

@test "JSON rss/swap/anon_huge before and after agree with smaps_rollup" {
	start_target --anon 8
	retouch
	r0=$(rollup_kb "$TARGET_PID" Rss) s0=$(rollup_kb "$TARGET_PID" Swap)
	h0=$(rollup_kb "$TARGET_PID" AnonHugePages)
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -J
	r1=$(rollup_kb "$TARGET_PID" Rss) s1=$(rollup_kb "$TARGET_PID" Swap)
	h1=$(rollup_kb "$TARGET_PID" AnonHugePages)
	for f in rss_before rss_after swap_before swap_after anon_huge_before anon_huge_after; do
		[ "$(jq_out ".targets[0].$f | type")" = number ]
	done
	rb=$(jq_out '.targets[0].rss_before') ra=$(jq_out '.targets[0].rss_after')
	echo "rollup Rss $r0 -> $r1 KiB; pmadv $rb -> $ra"
	# an idle target's Rss only shrinks (reclaim); cold moves nothing out
	((r0 * 1024 >= rb && rb >= ra && ra >= r1 * 1024))
	# no anon page is swapped out by cold: Swap stays what the rollup says
	[ "$(jq_out '.targets[0].swap_before')" -eq $((s0 * 1024)) ]
	[ "$(jq_out '.targets[0].swap_after')" -eq $((s1 * 1024)) ]
	ah=$(jq_out '.targets[0].anon_huge_before')
	((ah == h0 * 1024 || ah == h1 * 1024))
	ah=$(jq_out '.targets[0].anon_huge_after')
	((ah == h0 * 1024 || ah == h1 * 1024))
}

@test "pageout of a clean file mapping: rss_after < rss_before, per range and in total" {
	make_file "$T/data.bin" 8
	start_target --file "$T/data.bin"
	retouch
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m data.bin -J -v
	rb=$(jq_out '.targets[0].rss_before') ra=$(jq_out '.targets[0].rss_after')
	echo "Rss $rb -> $ra"
	((rb - ra >= file_size / 2))
	((ra < rb))
	[ "$(jq_out '.targets[0].ranges[0].rss')" -gt "$(jq_out '.targets[0].ranges[0].rss_after')" ]
	# human output: the summary's Rss line and the -v RSS columns
	retouch
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m data.bin
	grep -qE '^ *Rss [0-9.]+ ?[KMG]?i?B -> [0-9.]+ ?[KMG]?i?B' <<<"$output"
	retouch
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m data.bin -v -b
	head -n 1 <<<"$output" | grep -qE '(^| )RSS +RSS-AFTER( |$)'
	row=$(row_of "$file_start")
	echo "$row"
	set -- $row
	# START END SIZE RESIDENT RECLAIMABLE ADVISED RSS RSS-AFTER ...: bytes
	# with -b (pageout shows what is resident and what can go)
	(($7 >= file_size / 2 && $8 < $7))
}

@test "-b: the Rss line gives bytes too" {
	start_target --anon 4
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -b
	echo "$output"
	# the man page: -b gives "sizes in bytes rather than in human units"
	grep -E '^ *Rss ' <<<"$output" | grep -qE '(^|[ (])[0-9]{6,}( |$|\)| bytes)'
}

# ---------------------------------------------------------------- -l

@test "-l lists every mapping with its columns and, without -a, advice names" {
	start_target --anon 1 --locked 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l
	[ "$(head -n 1 <<<"$output" | tr -s ' ' | sed 's/^ //;s/ $//')" = \
		"START END SIZE RSS RESIDENT PERMS CLASS NAME ADVICE" ]
	# a header, a row per mapping, a total line
	[ "$(($(wc -l <<<"$output") - 2))" -eq "$(wc -l <"/proc/$TARGET_PID/maps")" ]
	grep -E '\[heap\]' <<<"$output" | grep -q 'pageout'
	row_of "$anon_start" | grep -qE 'cold.*pageout|pageout.*cold'
	# the locked mapping cannot take cold/pageout
	row_of "$locked_start" | grep -q willneed
	not grep -qE 'cold|pageout' <<<"$(row_of "$locked_start")"
	# -l advises nothing, so a dry run makes no sense: usage error
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -n
}

@test "-l -a pageout says why a locked mapping and [vsyscall] cannot take it" {
	start_target --anon 1 --locked 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -a pageout
	row_of "$locked_start" | grep -qi 'lock'
	row_of "$anon_start" | grep -q .
	not grep -qi 'lock' <<<"$(row_of "$anon_start")"
	if grep -q vsyscall "/proc/$TARGET_PID/maps"; then
		grep -F '[vsyscall]' <<<"$output" | grep -qiE 'vsyscall.*(not|refused|no)'
	fi
}

@test "-l with a selection lists just those mappings; -l -J is valid JSON with numbers" {
	make_file "$T/data.bin" 1
	start_target --anon 1 --file "$T/data.bin"
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -m data.bin
	[ "$(wc -l <<<"$output")" -eq 3 ]	# header, the mapping, total
	grep -F "$file_start" <<<"$output" | grep -q "$T/data.bin"
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -J
	n=$(jq_out '[.. | objects | select(has("start") and has("size"))] | length')
	[ "$n" -eq "$(wc -l <"/proc/$TARGET_PID/maps")" ]
	[ "$(jq_out '[.. | objects | select(has("start")) | .size, .rss | type] | unique | join(",")')" = number ]
	jq_out ".. | objects | select(.start? == \"$file_start\") | .size" | grep -qx "$file_size"
}

# ---------------------------------------------------------------- tables

@test "-o picks exactly the columns, +COLS adds, unknown column is exit 2 naming it" {
	start_target --anon 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -v -o START,SIZE,NAME
	[ "$(head -n 1 <<<"$output" | tr -s ' ' | sed 's/^ //;s/ $//')" = "START SIZE NAME" ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -v -o +CLASS
	[ "$(head -n 1 <<<"$output" | tr -s ' ' | sed 's/^ //;s/ $//')" = \
		"START END SIZE RESIDENT ADVISED RSS RSS-AFTER PERMS NAME ERROR CLASS" ]
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -v -o START,BOGUSCOL
	grep -q BOGUSCOL <<<"$stderr"
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -o NOPE
	grep -q NOPE <<<"$stderr"
}

@test "--output-all has every column --help names; -b, --raw, --noheadings" {
	start_target --anon 1
	cols=$("$PMADV" --help | sed -n '/^Available output columns/,/^Default/p' |
		awk 'NF && $1 ~ /^[A-Z-]+$/ { print $1 }' | sort | paste -sd' ')
	[ "$(wc -w <<<"$cols")" -ge 9 ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -v --output-all
	[ "$(head -n 1 <<<"$output" | tr -s ' ' '\n' | grep . | sort | paste -sd' ')" = "$cols" ]
	# -b: plain byte numbers
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -v -b \
		--noheadings -o SIZE,ADVISED,RSS
	row=$(head -n 1 <<<"$output")
	[[ $row =~ ^\ *[0-9]+\ +[0-9]+\ +[0-9]+\ *$ ]]
	heap=$(grep -F '[heap]' "/proc/$TARGET_PID/maps")
	heap=${heap%% *}
	[ "$(awk '{ print $1 }' <<<"$row")" -eq $((16#${heap#*-} - 16#${heap%-*})) ]
	# --noheadings: no header line; --raw: single spaces, one field per column
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -v --raw -b
	head -n 1 <<<"$output" | grep -q '^START END SIZE RESIDENT ADVISED RSS RSS-AFTER PERMS NAME ERROR$'
	rows=$(grep -E '^0x[0-9a-f]+ ' <<<"$output")
	[ -n "$rows" ]
	not grep -q '^ ' <<<"$rows"
	[ "$(awk -F'[ ]' '{ print NF }' <<<"$rows" | sort -u)" = 10 ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -v --noheadings
	not grep -qw START <<<"$output"
	grep -qE '^ *0x[0-9a-f]+ ' <<<"$output"
}

@test "-v with two targets has a PID column; with one it does not" {
	start_target --anon 1
	A=$TARGET_PID
	start_target --anon 1
	B=$TARGET_PID
	run -0 --separate-stderr "$PMADV" -p "$A,$B" -a cold -m '[heap]' -v
	grep -E '^ *PID +START' <<<"$output"
	grep -qE "^ *$A +0x" <<<"$output"
	grep -qE "^ *$B +0x" <<<"$output"
	run -0 --separate-stderr "$PMADV" -p "$A" -a cold -m '[heap]' -v
	not grep -qw PID <<<"$output"
}

# ---------------------------------------------------------------- escaping

@test "names with ESC, tab, invalid UTF-8: no raw control bytes; JSON valid and exact" {
	f=$T/$'ev\e[31mil\ttab\xff\x01.bin'
	head -c 1M /dev/urandom >"$f"
	start_target --file "$f" --memfd $'m\e]0;x\a\xfe:1'
	for args in "-a cold -e ev|memfd -v" "-l -e ev|memfd" "-l" "-a cold -e ev|memfd -v --raw"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" $args
		echo "== $args"
		[ "$(grep -c 'ev' <<<"$output")" -ge 1 ]
		no_control_bytes "$output"
		no_control_bytes "$stderr"
	done
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e 'ev|memfd' -J
	jq -e . <<<"$output" >/dev/null
	# the control characters arrive as themselves, the invalid byte as \xff
	name=$(jq_out ".targets[0].ranges[] | select(.start == \"$file_start\") | .name")
	[ "$name" = "$T/"$'ev\e[31mil\ttab\\xff\x01.bin' ]
	not no_control_bytes "$name"	# the check above can fail
	jq_out '.targets[0].ranges[].name' | grep -q '^/memfd:m'
	json_name=$name
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -J
	jq -e . <<<"$output" >/dev/null
	# -l -J gives the same name for the same mapping as -J does
	name=$(jq_out ".. | objects | select(.start? == \"$file_start\") | .name")
	[ "$name" = "$json_name" ]
}

# ---------------------------------------------------------------- README

@test "README runbook examples work on a real target" {
	# anonymous pageout without swap is skipped, not claimed (exit 1):
	# the heap example needs swap to succeed
	swap_setup
	start_target --anon 4
	PID=$TARGET_PID
	grep -qF "jq '.advised'" "$BATS_TEST_DIRNAME/../README.md"
	grep -qF 'select(.error)' "$BATS_TEST_DIRNAME/../README.md"
	run -0 --separate-stderr bash -c "set -o pipefail
		\"$PMADV\" -p \"$PID\" -a cold --all --anon -J | jq '.advised'"
	[[ $output =~ ^[0-9]+$ ]]
	((output >= anon_size))
	run -0 --separate-stderr bash -c "set -o pipefail
		\"$PMADV\" -p \"$PID\" -a pageout -e '\\.so' -J |
		jq -r '.targets[].ranges[] | select(.error) | \"\(.start) \(.name): \(.error)\"'"
	[ -z "$output" ]
	run -0 --separate-stderr bash -c "\"$PMADV\" -p \"$PID\" -a pageout -m '[heap]' -q || echo \"pmadv exit \$?\""
	[ -z "$output" ]
	run -0 --separate-stderr bash -c "\"$PMADV\" -p $(gone_pid) -a pageout -m '[heap]' -q || echo \"pmadv exit \$?\""
	[ "$output" = "pmadv exit 1" ]
	run -0 --separate-stderr "$PMADV" -p "$PID" -a pageout --all --file -n -v
	grep -qF '.so' <<<"$output"
}
