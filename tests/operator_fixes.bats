#!/usr/bin/env bats
# Issue 13, operator fixes, against real processes: empty patterns refused,
# tables that obey -o, a cgroup path in two hierarchies, PIDs above the
# kernel's limit, -u UNIT from cgroupfs, completion that tells processes
# apart, words and units.
#
# Targets are tests/helpers/target.c, killed by PID in teardown; every
# cgroup made is thawed, emptied and removed (children first).

bats_require_minimum_version 1.5.0

load test_helper
load cgroup_helper

FX_CGROUPS=()	# removed in this order: children before parents

setup() {
	core_setup
}

teardown() {
	cgroups_thaw "${FX_CGROUPS[@]}"
	core_teardown
	cgroups_remove "${FX_CGROUPS[@]}"
}

# mount_of v2|freezer|systemd: the mount point of that hierarchy
mount_of() {
	awk -v want="$1" '{ for (i = 7; i <= NF; i++) if ($i == "-") break
		o = "," $(i + 3) ","
		if (want == "v2" && $(i + 1) == "cgroup2") { print $5; exit }
		if (want == "freezer" && $(i + 1) == "cgroup" && o ~ /,freezer,/) { print $5; exit }
		if (want == "systemd" && $(i + 1) == "cgroup" && o ~ /,name=systemd,/) { print $5; exit }
	}' /proc/self/mountinfo
}

need_mount() {
	((EUID == 0)) || skip "cgroup tests need root"
	M=$(mount_of "$1")
	if [[ -z $M ]]; then
		case $1 in
		v2) skip "no cgroup v2 hierarchy mounted" ;;
		freezer) skip "no cgroup v1 freezer hierarchy mounted" ;;
		*) skip "no cgroup v1 name=$1 hierarchy mounted" ;;
		esac
	fi
}

# mkcg DIR...: create, remember for teardown (deepest last given: removed
# in reverse)
mkcg() {
	local d
	for d in "$@"; do
		mkdir "$d" || return 1
		FX_CGROUPS=("$d" "${FX_CGROUPS[@]}")
	done
}

complete_words() {
	local bc=/usr/share/bash-completion/bash_completion
	[[ -r $bc ]] || skip "missing tool: bash-completion"
	COLUMNS=200 bash --norc --noprofile -c '
		source "$1"; source "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_pmadv "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" "$BATS_TEST_DIRNAME/../completions/pmadv" "$@"
}

# ---------------------------------------------------------------- unsafe

@test "empty -e, -m, -N (with --full too) and -u are invalid input: exit 2, saying empty; nothing advised" {
	start_target --anon 1
	PATTERN=
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -e "$PATTERN"
	[[ $stderr == *"empty regex"* ]]
	[[ -z $output ]]
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a pageout -m "$PATTERN"
	[[ $stderr == *"empty mapping name"* ]]
	run -2 --separate-stderr "$PMADV" -N "$PATTERN" -a cold --all
	[[ $stderr == *"empty -N pattern"* ]]
	run -2 --separate-stderr "$PMADV" -N "$PATTERN" --full -a cold --all
	[[ $stderr == *"empty -N pattern"* ]]
	run -2 --separate-stderr "$PMADV" -u "$PATTERN" -a cold --all
	[[ $stderr == *"empty unit name"* ]]
	# the anonymous mappings are still selectable, as said
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e '^$' -n -J
	(($(jq_out .requested) > 0))
}

@test "-o, --output-all, --raw and --noheadings print the table without -v" {
	start_target --anon 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -o NAME,ADVISED
	[[ ${lines[0]} =~ ^NAME\ +ADVISED$ ]]
	[[ ${lines[1]} =~ ^\[heap\]\ +[0-9] ]]
	[[ $output == *"advised in 1 range"* ]]	# the summary stays: no --raw
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' --output-all
	[[ ${lines[0]} == *PID*COMM*START*ADVICE*ERROR* ]]
	[[ $output == *"[heap]"* ]]
}

@test "--raw and --noheadings: stdout holds table rows only, read by while read; summary left out" {
	start_target --anon 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -m '[stack]' \
		--raw --noheadings -b -o START,ADVISED,NAME
	[ "${#lines[@]}" -eq 2 ]
	local start advised name n=0
	while read -r start advised name; do
		[[ $start =~ ^0x[0-9a-f]+$ && $advised =~ ^[0-9]+$ ]]
		[[ $name == "[heap]" || $name == "[stack]" ]]
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -eq 2 ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' --noheadings
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == 0x*"[heap]"* ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' --raw
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "START END SIZE "* ]]
	[[ $output != *advised\ in* ]]
	# a table and "errors only" contradict each other
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -q -o NAME
}

@test "a cgroup path in both hierarchies: the one holding the processes (v1 freezer), messages name hierarchy and directory" {
	need_mount v2
	V2=$M
	need_mount freezer
	V1=$M
	P=/pmadv-amb-$$-$BATS_TEST_NUMBER
	mkcg "$V2$P" "$V1$P"
	start_target --anon 1
	echo "$TARGET_PID" >"$V1$P/cgroup.procs"
	run -0 --separate-stderr "$PMADV" -c "$P" -a cold --all -n -J
	[ "$(jq_out '[.targets[].pid] | join(" ")')" = "$TARGET_PID" ]
	# -c with -f cgroup freezes the v1 cgroup that holds it
	run -0 --separate-stderr "$PMADV" -c "$P" -a cold -m '[heap]' -f cgroup -J
	[ "$(jq_out '.targets[0].frozen_cgroup')" = "$P" ]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -f "cgroup:$P" -J
	[ "$(jq_out '.targets[0].frozen_cgroup')" = "$P" ]
	# in neither: the message says which hierarchy and directory it used
	echo "$TARGET_PID" >"$V1/cgroup.procs"
	run -1 --separate-stderr "$PMADV" -c "$P" -a cold --all -n
	[[ $stderr == *"cgroup $P (v2 $V2$P) has no process to advise"* ]]
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -f "cgroup:$V1$P"
	[[ $stderr == *"v1 freezer cgroup $P ($V1$P) does not contain process $TARGET_PID"* ]]
}

@test "a PID above the kernel's limit: no process can have it (exit 2), not 'expected a positive number'" {
	run -2 --separate-stderr "$PMADV" -p 2147483646 -a cold --all
	[[ $stderr == *"no process can have it"* ]]
	[[ $stderr != *"expected a positive number"* ]]
	run -2 --separate-stderr "$PMADV" -p 99999999999999999999999 -a cold --all
	[[ $stderr == *"no process can have it"* ]]
	run -2 --separate-stderr "$PMADV" -p 0 -a cold --all
	[[ $stderr == *"expected a positive number"* ]]
}

# ---------------------------------------------------------------- -u

# unit_test MOUNT: a unit-shaped cgroup under MOUNT holding two targets
unit_cgroup() {
	SLICE=pmadv-test-$$-$BATS_TEST_NUMBER.slice
	UNIT=foo$$.service
	mkcg "$1/$SLICE" "$1/$SLICE/$UNIT"
	start_target --anon 1
	A=$TARGET_PID
	start_target --anon 1
	B=$TARGET_PID
	start_target --anon 1	# outside the unit
	echo "$A" >"$1/$SLICE/$UNIT/cgroup.procs"
	echo "$B" >"$1/$SLICE/$UNIT/cgroup.procs"
}

@test "-u UNIT: the processes of a unit-shaped v2 cgroup, with or without .service; -f cgroup freezes the unit" {
	need_mount v2
	unit_cgroup "$M"
	for u in "${UNIT%.service}" "$UNIT"; do
		run -0 --separate-stderr "$PMADV" -u "$u" -a cold -m '[heap]' -J
		[ "$(jq_out '[.targets[].pid] | sort | map(tostring) | join(" ")')" = "$(printf '%s\n' "$A" "$B" | sort -n | paste -sd' ')" ]
	done
	run -0 --separate-stderr "$PMADV" -u "$UNIT" -a cold -m '[heap]' -f cgroup -J
	[ "$(jq_out '.freezes | length')" -eq 1 ]
	[ "$(jq_out '.freezes[0].cgroup')" = "/$SLICE/$UNIT" ]
	[ "$(jq_out '.freezes[0].targets | length')" -eq 2 ]
	# a slice is a unit too: its descendants' processes
	run -0 --separate-stderr "$PMADV" -u "$SLICE" -a cold -m '[heap]' -n -J
	[ "$(jq_out '.targets | length')" -eq 2 ]
	run -1 --separate-stderr "$PMADV" -u "nosuch$$" -a cold --all
	[[ $stderr == *"no unit nosuch$$.service in cgroupfs"* ]]
	run -2 --separate-stderr "$PMADV" -u "$SLICE/$UNIT" -a cold --all
}

@test "-u UNIT in the v1 name=systemd hierarchy, systemd not running" {
	need_mount systemd
	unit_cgroup "$M"
	run -0 --separate-stderr "$PMADV" -u "$UNIT" -a cold -m '[heap]' -J
	[ "$(jq_out '[.targets[].pid] | sort | map(tostring) | join(" ")')" = "$(printf '%s\n' "$A" "$B" | sort -n | paste -sd' ')" ]
	# an empty v2 namesake does not hide it
	V2=$(mount_of v2)
	if [[ -n $V2 ]]; then
		mkcg "$V2/$SLICE" "$V2/$SLICE/$UNIT"
		run -0 --separate-stderr "$PMADV" -u "$UNIT" -a cold -m '[heap]' -n -J
		[ "$(jq_out '.targets | length')" -eq 2 ]
	fi
}

# ---------------------------------------------------------------- completion

@test "completion: -p offers user processes by command line, no kernel threads; -u completes units" {
	start_target --anon 1
	A=$TARGET_PID
	start_target --anon 2
	B=$TARGET_PID
	run -0 complete_words pmadv -p ""
	# two processes of one name told apart by their command lines
	grep -qE "^$A \(.*target --ready [^ ]*ready\.1 .*--anon 1\)$" <<<"$output"
	grep -qE "^$B \(.*target --ready [^ ]*ready\.2 .*--anon 2\)$" <<<"$output"
	not grep -qE '^2 |\(\[kthreadd\]\)|\(\[kworker' <<<"$output"
	run -0 complete_words pmadv -p "$A"
	[[ $output == "$A" ]]
	need_mount v2
	unit_cgroup "$M"
	run -0 complete_words pmadv -u "foo$$"
	[[ $output == "$UNIT" ]]
	run -0 complete_words pmadv -u "pmadv-test-$$-"
	[[ $output == "$SLICE" ]]
}

@test "completion: -m leaves out names the given advice refuses" {
	start_target --anon 1
	grep -q '\[vvar\]' "/proc/$TARGET_PID/maps" || skip "no [vvar] mapping"
	run -0 complete_words "$PMADV" -p "$TARGET_PID" -a pageout -m "[v"
	not grep -qxF '[vvar]' <<<"$output"
	not grep -qxF '[vsyscall]' <<<"$output"
	run -0 complete_words "$PMADV" -p "$TARGET_PID" --advice=COLD -m "["
	not grep -qxF '[vvar]' <<<"$output"
	grep -qxF '[heap]' <<<"$output"
	run -0 complete_words "$PMADV" -p "$TARGET_PID" -a willneed -m "[v"
	grep -qxF '[vvar]' <<<"$output"
	run -0 complete_words "$PMADV" -p "$TARGET_PID" -a collapse -m "["
	[[ $(sort <<<"$output" | paste -sd' ') == "[heap] [stack]" ]]
}

@test "completion: -p never offers a kernel thread (PF_KTHREAD), whatever its parent" {
	local kt pid
	# every PID whose /proc/PID/stat flags carry PF_KTHREAD (0x00200000)
	kt=$(cat /proc/[0-9]*/stat 2>/dev/null | awk '{ pid = $1; sub(/.*\) /, "")
		if (int($7 / 2097152) % 2) print pid }')
	[ -n "$kt" ]
	run -0 complete_words pmadv -p ""
	[ -n "$output" ]
	for pid in $kt; do
		not grep -q "^$pid " <<<"$output"
	done
	# and pmadv's own user processes are there
	grep -q "^1 " <<<"$output" || grep -q "^$$ " <<<"$output" || grep -q " (" <<<"$output"
}

@test "completion: -o offers no column already in the list" {
	run -0 complete_words pmadv -o "START,"
	not grep -q '^START,START$' <<<"$output"
	grep -qx 'START,END' <<<"$output"
	run -0 complete_words pmadv -o "+NAME,SIZE,"
	not grep -qE '^\+NAME,SIZE,(NAME|SIZE)$' <<<"$output"
	grep -qx '+NAME,SIZE,RSS' <<<"$output"
}

@test "--max-freeze without --freeze: a one-line warning, and the run goes on" {
	start_target --anon 2
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all --max-freeze=2ms -q
	[[ $stderr == *"--max-freeze has no effect without --freeze"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	# with a freeze, or left at its default, nothing is said
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all -q
	[ -z "$stderr" ]
	# (a bound no loaded machine overruns: a window over it is said too)
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all -f stop --max-freeze=2s -q
	[ -z "$stderr" ]
	# below a millisecond is refused, not truncated to 0 (one window)
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all -f stop --max-freeze=0.999ms
	[[ $stderr == *"invalid --max-freeze '0.999ms': shorter than 1 ms"* ]]
}

# ---------------------------------------------------------------- words

@test "one range, two ranges: singular and plural right in summaries" {
	start_target --anon 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]'
	[[ $output == *"advised in 1 range"$'\n'* || $output == *"advised in 1 range" ]]
	[[ $output != *"1 ranges"* ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -n
	[[ $output == *"would be advised in 1 range (dry run)"* ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -m '[stack]'
	[[ $output == *"advised in 2 ranges"* ]]
}

@test "a kernel refusal shows its errno text in -v ERROR, as in the JSON" {
	make_file "$T/big" 8
	start_target --anon 1 --file "$T/big"
	# A file open for writing is never collapsed (a kernel built with
	# READ_ONLY_THP_FOR_FS would otherwise take a read-only one): this
	# test holds it open, so the kernel refuses on any build.
	local wfd
	exec {wfd}>>"$T/big"
	# exit 1 when refused: nothing else selected
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a collapse -r "$file" -J
	local reason
	reason=$(jq_out '.targets[0].skipped[0].reason // empty')
	[[ $reason == *"refused by the kernel"* ]]
	[[ $reason == *"Invalid argument"* ]]
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a collapse -r "$file" -v -o START,ERROR
	[[ ${lines[1]} == "$file_start"*"refused by the kernel for collapse: Invalid argument"* ]]
	exec {wfd}>&-
}

@test "-l -J and -J both print one line of JSON" {
	start_target --anon 1
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -l -J
	[ "${#lines[@]}" -eq 1 ]
	jq -e '.mappings | length > 0' <<<"$output"
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -J
	[ "${#lines[@]}" -eq 1 ]
	jq -e '.advised > 0' <<<"$output"
}

@test "--help and --version on a full disk: exit non-zero with a message" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	run -1 --separate-stderr bash -c '"$1" --help >/dev/full' _ "$PMADV"
	[[ $stderr == *"write error"* ]]
	run -1 --separate-stderr bash -c '"$1" -V >/dev/full' _ "$PMADV"
	[[ $stderr == *"write error"* ]]
}

@test "libproc2 is loaded only to look processes up (-N): not linked; missing, -N says so and what to install" {
	# runs by PID, pidfd or cgroup load libc only
	run -0 ldd "$PMADV"
	[[ $output != *libproc2* ]]
	sleep 1000 3>&- &
	SLEEPER=$!
	CORE_PIDS+=("$SLEEPER")
	run -0 --separate-stderr "$PMADV" -N '^sleep$' -a cold --all -J
	jq -e --argjson p "$SLEEPER" '[.targets[].pid] | index($p) != null' <<<"$output"
	# the library missing (the test build asks for a soname that is not
	# there): -N fails, naming it and the package; a run by PID does not
	# load it
	run -1 --separate-stderr env PMADV_TEST_LIBPROC2=libproc2-missing.so.0 \
		"$PMADV_TESTBUILD" -N '^sleep$' -a cold --all
	echo "$stderr"
	[[ $stderr == *"-N needs libproc2 (libproc2-missing.so.0): "*"apt-get install libproc2-0"* ]]
	run -0 --separate-stderr env PMADV_TEST_LIBPROC2=libproc2-missing.so.0 \
		"$PMADV_TESTBUILD" -p "$SLEEPER" -a cold --all -q
}

@test "libsmartcols is loaded only for tables: not linked; missing, a table run says so before advising" {
	run -0 ldd "$PMADV"
	[[ $output != *libsmartcols* ]]
	sleep 1000 3>&- &
	SLEEPER=$!
	CORE_PIDS+=("$SLEEPER")
	# tables, -l and -l -J load it
	run -0 --separate-stderr "$PMADV" -p "$SLEEPER" -a cold --all -v
	[[ $output == *START*END* ]]
	run -0 --separate-stderr "$PMADV" -l -p "$SLEEPER" -J
	jq -e '.mappings | length > 0' <<<"$output"
	# missing (the test build asks for a soname that is not there): a
	# table run fails first, naming it and the package, and advises
	# nothing; summaries and -J of an advice run never load it
	run -1 --separate-stderr env PMADV_TEST_LIBSMARTCOLS=libsmartcols-missing.so.1 \
		"$PMADV_TESTBUILD" -p "$SLEEPER" -a cold --all -v
	echo "$stderr"
	[[ $stderr == *"tables need libsmartcols (libsmartcols-missing.so.1): "*"apt-get install libsmartcols1"* ]]
	[ -z "$output" ]
	run -0 --separate-stderr env PMADV_TEST_LIBSMARTCOLS=libsmartcols-missing.so.1 \
		"$PMADV_TESTBUILD" -p "$SLEEPER" -a cold --all
	[[ $output == *"cold: "*advised* ]]
	run -0 --separate-stderr env PMADV_TEST_LIBSMARTCOLS=libsmartcols-missing.so.1 \
		"$PMADV_TESTBUILD" -p "$SLEEPER" -a cold --all -J
	jq -e '.advised > 0' <<<"$output"
}

@test "-q is errors only: a run that fully succeeds prints nothing, a partial one its warnings" {
	start_target --anon 4
	# a --limit above what could move is met by all of it (exit 0); without
	# -q a warning says why the rest could not move
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all --limit 1G
	[[ $stderr == *"limit 1.0 GiB is above what could move"* ]]
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all --limit 1G -q
	[ -z "$output" ]
	[ -z "$stderr" ]
	# exit 3 (a regex that matches nothing): every warning, -q or not
	run -3 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all \
		--limit 1G -e 'matches-nothing-here' -q
	[ -z "$output" ]
	[[ $stderr == *"regex 'matches-nothing-here' matches no mapping"* ]]
	[[ $stderr == *"limit 1.0 GiB is above what could move"* ]]
	# the JSON keeps them all
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all --limit 1G -J
	jq -e '.targets[0].warnings | any(test("above what could move"))' <<<"$output"
}

@test "-o, --output-all and --raw without -v fill the RSS, SWAP and RESIDENT columns" {
	start_target --anon 4
	local rss_kb cols
	rss_kb=$(smaps_rss_kb "$TARGET_PID" "$anon_start")
	((rss_kb > 0))
	# the anonymous range's row: its figures as -v gives them; before,
	# -o and --raw asked for the table but left these columns empty
	for opts in "-o START,RSS,RSS-AFTER,SWAP,SWAP-AFTER,RESIDENT" \
		"-o START,RSS,RSS-AFTER,SWAP,SWAP-AFTER,RESIDENT --raw" \
		"-v -o START,RSS,RSS-AFTER,SWAP,SWAP-AFTER,RESIDENT"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold \
			--anon --all -b $opts
		cols=$(awk -v s="$anon_start" '$1 == s { print $2, $3, $4, $5, $6 }' <<<"$output")
		[[ -n $cols ]] || { echo "no row for $anon_start ($opts): $output" >&2; return 1; }
		read -r rss rss_after swap swap_after resident <<<"$cols"
		# cold keeps the pages: Rss before and after as smaps said, no swap
		[ "$rss" -eq $((rss_kb * 1024)) ]
		[ "$rss_after" -eq $((rss_kb * 1024)) ]
		[ "$swap" -eq 0 ] && [ "$swap_after" -eq 0 ]
		[ "$resident" -eq $((rss_kb * 1024)) ]
	done
	# --output-all: every column, none of these empty
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all -b --output-all --raw
	[ "$(head -n 1 <<<"$output" | cut -d' ' -f7-10,16)" = "RSS RSS-AFTER SWAP SWAP-AFTER RESIDENT" ]
	cols=$(awk -F'[ ]' -v s="$anon_start" '$3 == s { print $7, $8, $9, $10, $16 }' <<<"$output")
	[ "$cols" = "$((rss_kb * 1024)) $((rss_kb * 1024)) 0 0 $((rss_kb * 1024))" ]
	# +LIST adds: a default column asked for again is shown once
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --anon --all -o +RESIDENT,SWAP
	[ "$(head -n 1 <<<"$output" | tr -s ' ' '\n' | grep -cx RESIDENT)" -eq 1 ]
	head -n 1 <<<"$output" | grep -qw SWAP
}

@test "a comma-decimal locale: -J stays valid JSON and the text's numbers keep their point" {
	# de_DE writes 2,5: built here from the locales package's sources,
	# found through LOCPATH (nothing installed on the machine)
	local loc=$BATS_TEST_TMPDIR/locale extra
	mkdir -p "$loc"
	localedef -i de_DE -f UTF-8 "$loc/de_DE.UTF-8"
	[[ $(LOCPATH=$loc LC_ALL=de_DE.UTF-8 locale decimal_point) == , ]]
	start_target --anon 1
	# -v, -o and --raw load the table library, which wants the locale
	for extra in -v -o+RSS --raw ""; do
		run -0 --separate-stderr env LOCPATH="$loc" LC_ALL=de_DE.UTF-8 \
			"$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -f stop -J $extra
		jq -e '.targets[0].frozen_ms | type == "number"' <<<"$output" ||
			{ echo "$extra: $output"; return 1; }
	done
	run -0 --separate-stderr env LOCPATH="$loc" LC_ALL=de_DE.UTF-8 \
		"$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -f stop -v
	[[ $output =~ frozen\ [0-9]+\.[0-9]+\ ms ]]
}

@test "SIGTERM while waiting for another run's lock: ends the wait at once, nothing frozen, exit 1" {
	start_target --anon 1
	local start lock holder
	start=$(awk '{ print $22 }' "/proc/$TARGET_PID/stat")
	mkdir -p /run/pmadv
	lock=/run/pmadv/pid-$TARGET_PID-$start.lock
	# another run's lock, held for 20 s (released in teardown)
	flock "$lock" sleep 20 3>&- &
	holder=$!
	CORE_PIDS+=("$holder")
	sleep 0.3
	"$PMADV" -p "$TARGET_PID" -a cold -m '[heap]' -f stop --freeze-timeout=30s -J \
		>"$T/out" 2>"$T/err" 3>&- &
	local pm=$! rc=0 t0 t1
	sleep 0.5
	t0=$(date +%s%N)
	kill -TERM "$pm"
	wait "$pm" || rc=$?
	t1=$(date +%s%N)
	cat "$T/err"
	((rc == 1))
	(((t1 - t0) / 1000000 < 2000))	# not at the lock's release (20 s)
	grep -q 'interrupted by signal 15 (SIGTERM) while waiting for another pmadv freezing' "$T/err"
	jq -e '.targets[0].windows == 0 and .targets[0].frozen_ms == 0' "$T/out"
	[[ $(awk '{ print $3 }' "/proc/$TARGET_PID/stat") != T ]]
	kill "$holder"
}
