#!/usr/bin/env bats
# Hardening (issue 6): hostile mapping names, running without privilege,
# scale (65,000 mappings; a layout that churns), a valgrind run and a
# user-flags sanitizer build with clang.
#
# Targets: tests/helpers/hostile-names (file, memfd and deleted mappings
# with hostile names, and a hostile comm), hostile-churn (maps and unmaps
# pages without pause), and tests/helpers/target (see their headers).
# Checks on what pmadv prints:
#  - human output (stdout and stderr) never carries a raw control byte (C0
#    except newline, DEL, C1 as UTF-8 \xc2\x80-\x9f) nor invalid UTF-8;
#  - JSON is valid UTF-8 and valid JSON (jq), and a name decodes to the
#    /proc/PID/maps spelling (\012 for a newline, the text \xHH for a byte
#    that is not UTF-8); the " (deleted)" suffix may be kept or dropped.
# WILLNEED is used to select hostile mappings: it is accepted on every kind
# of mapping and harmless.

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
	RESTORE_MAX_MAP=
	HN=0
}

teardown() {
	core_teardown
	if [[ -n $RESTORE_MAX_MAP ]]; then
		sysctl -q -w vm.max_map_count="$RESTORE_MAX_MAP"
	fi
	return 0
}

# start_helper NAME ARGS...: run tests/helpers/bin/NAME --ready LATCH ARGS...
# in a session of its own, wait for the latch, source it; HPID is its PID.
start_helper() {
	local name=$1 latch
	shift
	HN=$((HN + 1))
	latch=$T/$name.ready.$HN
	setsid "$HELPERS/$name" --ready "$latch" "$@" </dev/null \
		>"$T/$name.$HN.log" 2>&1 3>&- &
	HPID=$!
	CORE_PIDS+=("$HPID")
	wait_for test -s "$latch" || {
		cat "$T/$name.$HN.log" >&2
		return 1
	}
	# shellcheck disable=SC1090
	source "$latch"
	[[ $pid == "$HPID" ]]
}

# no_raw_controls FILE...: fail (and show the lines) if a file has a raw
# control byte other than newline, DEL, a C1 control, or invalid UTF-8.
no_raw_controls() {
	local f bad=0 hits
	for f in "$@"; do
		hits=$(LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$f") || true
		if [[ -n $hits ]]; then
			echo "raw control bytes in $f:" >&2
			cat -v <<<"$hits" >&2
			bad=1
		fi
		if ! iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1; then
			echo "invalid UTF-8 in $f" >&2
			bad=1
		fi
	done
	return "$bad"
}

# hostile_setup: start hostile-names in $T/h and define NAMES: key -> the
# spellings an operator may type for it with -m (basename, full path...).
hostile_setup() {
	D=$T/h
	mkdir -p "$D"
	start_helper hostile-names "$D"
	LONGPATH=$(<"$D/longpath.txt")
	((${#LONGPATH} > 3800 && ${#LONGPATH} < 4096))
	declare -gA MAPSNAME=(
		[space]="$D/a file with  spaces.bin"
		[nl]="$D/new\\012line.bin"
		[esc]="$D/esc"$'\e[31mred\e]0;title\a.bin'
		[badutf8]="$D/bad\\xff\\xfe.bin"
		[c1]="$D/c1"$'\xc2\x9bx.bin'
		[long]=$LONGPATH
		[deleted]="$D/deleted.bin"
		[memfd]="/memfd:odd memfd name"
		[memfdesc]="/memfd:esc"$'\e[7mmemfd'
	)
}

# selects KEY ARGS...: pmadv ARGS (a selection) -J selects exactly the
# mapping KEY of the hostile-names target, and nothing else.
selects() {
	local key=$1 start
	shift
	start=${key}_start
	run -0 --separate-stderr "$PMADV" -p "$HPID" -a willneed -J "$@"
	jq -e --arg s "${!start}" '.targets[0].ranges | length == 1 and .[0].start == $s' <<<"$output" >/dev/null || {
		echo "pmadv $* did not select $key (${!start}):" >&2
		jq -c '.targets[0].ranges[] | [.start, .name]' <<<"$output" | cat -v >&2
		return 1
	}
}

# ---------------------------------------------------------- hostile names

@test "hostile names: -m by last component and by full path selects each mapping" {
	hostile_setup
	local loc
	for loc in C.UTF-8 C; do
		export LC_ALL=$loc
		selects space -m "a file with  spaces.bin"
		selects space -m "$D/a file with  spaces.bin"
		# a newline: the kernel's \012 spelling, or a real one typed
		selects nl -m 'new\012line.bin'
		selects nl -m $'new\nline.bin'
		selects nl -m "$D/new"$'\n'"line.bin"
		selects nl -m "$D/new\\012line.bin"
		selects esc -m $'esc\e[31mred\e]0;title\a.bin'
		selects esc -m "${MAPSNAME[esc]}"
		selects badutf8 -m $'bad\xff\xfe.bin'
		selects badutf8 -m "$D/bad"$'\xff\xfe.bin'
		selects c1 -m $'c1\xc2\x9bx.bin'
		selects c1 -m "${MAPSNAME[c1]}"
		selects long -m long.bin
		selects long -m "$LONGPATH"
		selects deleted -m deleted.bin
		selects deleted -m "$D/deleted.bin"
		selects memfd -m "/memfd:odd memfd name"
		selects memfd -m "memfd:odd memfd name"
		selects memfdesc -m "${MAPSNAME[memfdesc]}"
	done
}

@test "hostile names: -e regexes over the maps spelling select each mapping" {
	hostile_setup
	local loc
	for loc in C C.UTF-8; do
		export LC_ALL=$loc
		selects space -e '/a file with  spaces\.bin$'
		selects nl -e '/new\\012line\.bin$'
		selects esc -e $'/esc\e\\[31mred\e\\]0;title\a\\.bin$'
		selects esc -e '/esc.*title.*\.bin$'
		selects badutf8 -e $'/bad\xff\xfe\\.bin$'
		selects c1 -e '/c1.*x\.bin$'
		selects long -e '/long\.bin$'
		selects long -e '^/.{3800,}$'
		selects deleted -e '/deleted\.bin$'
		selects memfd -e '^/memfd:odd memfd name'
		selects memfdesc -e $'^/memfd:esc\e'
		# '.*' must get across bytes that are not UTF-8, in any locale
		selects badutf8 -e '/bad.*\.bin$'
	done
}

@test "hostile names and comm: human output has no raw control bytes" {
	hostile_setup
	local i=0 row want args st bad=0
	# WANT|ARGS: each run's exact status. 1 for a selector that matches
	# nothing (its message names the hostile comm): what is checked there
	# is the message; anything else (a crash, a sanitizer abort) fails.
	for row in "0|-a willneed --all" "0|-a willneed --all -v" "0|-a willneed --all -n -v" \
		"0|-a willneed --all -v --raw --output-all" "0|-l" "0|-l -v" "0|-l --output-all" \
		"1|-a willneed -m no-such-name" "1|-a willneed -r 0x1000-0x2000" \
		"0|-a willneed -e /esc -v -b"; do
		want=${row%%|*} args=${row#*|}
		i=$((i + 1))
		st=0
		# shellcheck disable=SC2086
		"$PMADV" -p "$HPID" $args >"$T/h.$i.out" 2>"$T/h.$i.err" || st=$?
		if ((st != want)); then
			echo "pmadv $args: status $st, want $want: $(head -c 600 "$T/h.$i.err" | cat -v)" >&2
			bad=1
		fi
		no_raw_controls "$T/h.$i.out" "$T/h.$i.err" || {
			echo "  ^ from pmadv $args" >&2
			bad=1
		}
	done
	# as unprivileged user too: refused (exit 1), the refusal names the comm
	if ((EUID == 0)); then
		nobody_copies
		st=0
		"${NOBODY[@]}" "$NOBODY_PMADV" -p "$HPID" -a willneed --all >"$T/h.u.out" 2>"$T/h.u.err" || st=$?
		if ((st != 1)) || ! grep -q 'ptrace read access denied' "$T/h.u.err"; then
			echo "pmadv as uid 65534: status $st, want 1 (refused): $(head -c 600 "$T/h.u.err" | cat -v)" >&2
			bad=1
		fi
		no_raw_controls "$T/h.u.out" "$T/h.u.err" || {
			echo "  ^ from pmadv as uid 65534" >&2
			bad=1
		}
	fi
	# the names are still shown, escaped
	"$PMADV" -p "$HPID" -l >"$T/h.l"
	grep -qF 'esc\x1b[31mred\x1b]0;title\x07.bin' "$T/h.l"
	grep -qF 'new\012line.bin' "$T/h.l"
	grep -qF 'bad\xff\xfe.bin' "$T/h.l"
	grep -qF 'c1\xc2\x9bx.bin' "$T/h.l"
	((bad == 0))
}

@test "hostile names: JSON is valid and each name decodes to the maps spelling" {
	hostile_setup
	local args key start name
	for args in "-a willneed --all -J" "-a willneed --all -J -v" "-a willneed --all -n -J" "-l -J"; do
		# shellcheck disable=SC2086
		"$PMADV" -p "$HPID" $args >"$T/j.out" 2>"$T/j.err"
		iconv -f UTF-8 -t UTF-8 "$T/j.out" >/dev/null
		# JSON strings carry no raw control character
		not LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f]' "$T/j.out"
		# nor a raw C1 control (U+0080-U+009F): \u escapes as elsewhere
		not LC_ALL=C grep -qaP '\xc2[\x80-\x9f]' "$T/j.out"
		jq -e . "$T/j.out" >/dev/null
		jq -e '(.targets // [{}])[0] | (.comm // "") | type == "string"' "$T/j.out"
		for key in "${!MAPSNAME[@]}"; do
			start=${key}_start
			name=$(jq -r --arg s "${!start}" '(.targets[0].ranges // .mappings)[] | select(.start == $s) | .name' "$T/j.out")
			if [[ $name != "${MAPSNAME[$key]}" && $name != "${MAPSNAME[$key]} (deleted)" ]]; then
				echo "pmadv $args: $key: name '$(cat -v <<<"$name")', want '$(cat -v <<<"${MAPSNAME[$key]}")'" >&2
				return 1
			fi
		done
	done
}

# ------------------------------------------------------ without privilege

# nobody CMD...: run CMD as uid/gid 65534 with no groups
nobody() {
	"${NOBODY[@]}" "$@"
}

# cached_bytes FILE: bytes of FILE in the page cache
cached_bytes() {
	fincore -b -n -o RES "$1" | tr -d ' '
}

# drop_cache FILE: drop FILE's clean pages from the page cache
drop_cache() {
	dd if="$1" iflag=nocache count=0 status=none
}

priv_setup() {
	((EUID == 0)) || skip "needs root (to run pmadv and targets as another user)"
	need_tool fincore util-linux-extra
	nobody_copies
	# a directory every user can read: the nobody target maps a file in it
	PD=$(mktemp -d /tmp/pmadv-hard.XXXXXX)
	CORE_DIRS+=("$PD")
	chmod 0755 "$PD"
	make_file "$PD/data.bin" 4
	chmod 0644 "$PD/data.bin"
}

# refused_untouched PID: as nobody, pmadv on PID is refused (exit 1), with
# -J advised == 0, and WILLNEED did not read the dropped file back in.
# Sets $stderr (the message). A control run as root shows that it would.
refused_untouched() {
	local p=$1
	drop_cache "$PD/data.bin"
	[[ $(cached_bytes "$PD/data.bin") == 0 ]] || skip "page cache of the test file cannot be dropped here"
	run -1 --separate-stderr nobody "$NOBODY_PMADV" -p "$p" -a willneed -m data.bin -J
	echo "$stderr"
	jq -e '.advised == 0 and .requested == 0 and (.targets[0].ranges | length) == 0' <<<"$output"
	jq -e '.targets[0].error | length > 0' <<<"$output"
	local msg=$stderr
	[[ $msg != *$'\n'* ]]
	sleep 0.2	# readahead is asynchronous
	[[ $(cached_bytes "$PD/data.bin") == 0 ]]
	# nothing frozen either: a refused --freeze=stop leaves it running
	run -1 nobody "$NOBODY_PMADV" -p "$p" -a cold --all -f stop
	[[ $(awk '{print $3}' "/proc/$p/stat") != T ]]
	# control: root's WILLNEED does read it in
	run -0 "$PMADV" -p "$p" -a willneed -m data.bin
	wait_for _cached "$PD/data.bin"
	stderr=$msg
}

_cached() {
	[[ $(cached_bytes "$1") -gt 0 ]]
}

@test "unprivileged, root-owned target: refused for ptrace access (uids named), nothing touched" {
	priv_setup
	start_target --map-only "$PD/data.bin"
	refused_untouched "$TARGET_PID"
	[[ $stderr == *"ptrace read access denied"* ]]
	[[ $stderr == *"uid 0"* && $stderr == *"uid 65534"* ]]
	[[ $stderr != *CAP_SYS_NICE* ]]
	# -l and -n need only read access: refused the same way
	run -1 --separate-stderr nobody "$NOBODY_PMADV" -p "$TARGET_PID" -l
	[[ $stderr == *"ptrace read access denied"* ]]
}

@test "unprivileged, target of the same uid: refused for CAP_SYS_NICE, nothing touched" {
	priv_setup
	start_target --as-nobody --map-only "$PD/data.bin"
	refused_untouched "$TARGET_PID"
	[[ $stderr == *CAP_SYS_NICE* ]]
	[[ $stderr != *"ptrace"* ]]
	# reading is allowed: -l and a dry run work
	run -0 nobody "$NOBODY_PMADV" -p "$TARGET_PID" -l
	run -0 nobody "$NOBODY_PMADV" -p "$TARGET_PID" -a pageout -m data.bin -n -J
	jq -e '.advised == 0 and .requested == 4194304' <<<"$output"
}

# ------------------------------------------------------------------ scale

@test "65,000 mappings, --all with --freeze=stop: everything advised" {
	local n=65000 cur need
	cur=$(sysctl -n vm.max_map_count)
	need=$((n + 512))	# the target's own program, libraries, stack...
	if ((cur < need)); then
		((EUID == 0)) || skip "vm.max_map_count $cur < $need and not root"
		RESTORE_MAX_MAP=$cur
		sysctl -q -w vm.max_map_count="$need"
	fi
	start_target --many "$n"
	local nmaps
	nmaps=$(wc -l <"/proc/$TARGET_PID/maps")
	((nmaps > n))
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all -f stop -J
	# nothing on stderr, but the line that a window outlasted the bound:
	# every window reads all 65,000 lines of maps (~60 ms alone here), so
	# a machine busy with other work can take longer than 100 ms
	if grep -v 'over the --max-freeze bound of' <<<"$stderr" | grep -q .; then
		echo "stderr: $stderr" >&2
		return 1
	fi
	jq -e '.failed == 0 and .requested == .advised and .advised > 0' <<<"$output"
	jq -e --argjson n "$n" --argjson l "$nmaps" '.targets[0] |
		(.ranges | length) >= $n and
		(.ranges | length) + (.skipped | length) == $l and
		([.ranges[] | select(.error != null)] | length) == 0 and
		.frozen_processes >= 1' <<<"$output"
	# the span of the many pages is advised to the byte
	jq -e --arg s "$many_start" --arg e "$many_end" --argjson sz "$many_size" '
		[.targets[0].ranges[] | select(.start >= $s and .end <= $e and (.start | length) == ($s | length)) | .advised] | add == $sz' <<<"$output"
	[[ $(awk '{print $3}' "/proc/$TARGET_PID/stat") != T ]]
}

@test "a churning layout with --freeze=stop: no range fails" {
	start_helper hostile-churn 1024 1
	local i
	for i in 1 2 3; do
		run -0 --separate-stderr "$PMADV" -p "$HPID" -a cold --all -f stop -J
		[[ -z $stderr ]]
		jq -e '.failed == 0 and .requested == .advised and .advised > 0' <<<"$output"
		jq -e '.targets[0] | .failed == 0 and ([.ranges[] | select(.error != null)] | length) == 0' <<<"$output"
		# the churner's window is in the maps, mapped pages were advised
		jq -e --arg s "$window_start" --arg e "$window_end" '
			[.targets[0].ranges[] | select(.start >= $s and .start < $e and (.start | length) == ($s | length))] | length > 0' <<<"$output"
	done
	kill -0 "$HPID"
	[[ $(awk '{print $3}' "/proc/$HPID/stat") != T ]]
}

# named_on_stderr WANT ERR: every line of WANT appears in some line of ERR
named_on_stderr() {
	awk 'NR == FNR { want[$0] = 1; next }
	     { for (w in want) if (index($0, w)) delete want[w] }
	     END { for (w in want) { print "not named on stderr: " w; bad = 1 }
		   exit bad }' "$1" "$2" >&2
}

@test "a churning layout without a freeze: an exact partial report" {
	need_testbuild
	start_helper hostile-churn 1024 1
	local i st
	for i in 1 2; do
		# 100 ms between maps read and advice: half the slots change
		PMADV_TEST_DELAY_MS=100 "$PMADV_TESTBUILD" -p "$HPID" -a cold --all -J \
			>"$T/c.out" 2>"$T/c.err" || st=$?
		st=${st:-0}
		echo "run $i: status $st, $(jq -c '[.requested, .advised, .failed]' "$T/c.out")"
		((st == 0 || st == 3))
		jq -e '.requested == .advised + .failed' "$T/c.out"
		jq -e '.targets[0] | .requested == .advised + .failed and
			([.ranges[].size] | add) == .requested and
			([.ranges[].advised] | add) == .advised' "$T/c.out"
		# something did fail (else this test shows nothing), and status says so
		jq -e '.failed > 0' "$T/c.out"
		((st == 3))
		# every range not fully advised has an error, and stderr names it
		jq -e '[.targets[0].ranges[] | select(.advised < .size) |
			select((.error | type) != "string" or .error == "")] | length == 0' "$T/c.out"
		jq -e '[.targets[0].ranges[] | select(.advised == .size and .error != null)] | length == 0' "$T/c.out"
		jq -r '.targets[0].ranges[] | select(.advised < .size) | "\(.start)-\(.end):"' \
			"$T/c.out" >"$T/c.want"
		named_on_stderr "$T/c.want" "$T/c.err"
		st=
	done
}

# ------------------------------------------------ valgrind, clang sanitizers

@test "valgrind: representative runs have no memory errors and no definite leaks" {
	need_tool valgrind
	if LC_ALL=C grep -qa __asan_init "$PMADV"; then
		skip "valgrind cannot run an AddressSanitizer binary"
	fi
	start_target --anon 2 --file "$PMADV"
	local vg=(valgrind -q --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite --log-file="$T/vg.%p")
	# the whole path: pidfd, /proc reads, selection, advice, JSON and table
	run --separate-stderr "${vg[@]}" "$PMADV" -p "$TARGET_PID" -a cold --all -J -v
	echo "status $status: $stderr"
	((status != 99))
	if grep -q "unhandled amd64-linux syscall" "$T"/vg.*; then
		# valgrind < 3.22 does not know pidfd_open/process_madvise: pmadv
		# reports a kernel without them, cleanly
		((status == 1))
		[[ $stderr == *"Linux 5."*"or later needed"* ]]
		# what it can run to the end: --list through an inherited pidfd
		run -0 "$HELPERS/with-pidfd" "$TARGET_PID" 5 "${vg[@]}" "$PMADV" --pidfd 5 -l -J
		jq -e '.mappings | length > 5' <<<"$output"
		run -0 "$HELPERS/with-pidfd" "$TARGET_PID" 5 "${vg[@]}" "$PMADV" --pidfd 5 -l --output-all
	else
		((status == 0))
		jq -e '.advised > 0' <<<"$output"
	fi
	run -2 "${vg[@]}" "$PMADV" -p "$TARGET_PID" -a cold -r 1-0
	run -1 "${vg[@]}" "$PMADV" -p 4194304 -a cold --all -J
	# no memcheck complaint in any log
	not grep -l -E 'Invalid (read|write|free)|uninitialised|definitely lost: [1-9]' "$T"/vg.*
}

@test "make CC=clang CFLAGS=... LDFLAGS=... builds a working sanitizer binary with exactly those flags" {
	need_tool clang
	local fl='-O1 -g -fsanitize=address,undefined' ld='-fsanitize=address,undefined'
	local b=$T/b bin=$T/pmadv-clang nsrc line
	local -a mk=(make -C "$BATS_TEST_DIRNAME/.." CC=clang "CFLAGS=$fl" "LDFLAGS=$ld" "BUILD=$b" "BIN=$bin")
	run -0 "${mk[@]}" -n
	nsrc=$(find "$BATS_TEST_DIRNAME/../src" -name '*.c' | wc -l)
	# every object is compiled by clang with the user's CFLAGS, and no
	# optimisation or sanitizer flag of the Makefile's own
	(($(grep -c "^clang .* -c -o $b/" <<<"$output") == nsrc))
	while read -r line; do
		[[ $line == *" $fl -c -o $b/"* ]] || {
			echo "compile line without '$fl' right before -c: $line" >&2
			return 1
		}
		(($(grep -oE -- ' -O[0-9sgz]?( |$)' <<<"$line" | wc -l) == 1))
		(($(grep -oE -- '-fsanitize=' <<<"$line" | wc -l) == 1))
	done < <(grep "^clang .* -c -o " <<<"$output")
	grep -qE "^clang .*$ld.* -o $bin " <<<"$output"
	run "${mk[@]}" -j2
	tail -20 <<<"$output"
	((status == 0))
	[[ -x $bin && -f $b/pmadv.o ]]
	# it is really instrumented, and it works
	LC_ALL=C grep -qa __asan_init "$bin"
	LC_ALL=C grep -qa __ubsan_handle "$bin"
	start_target --anon 2
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	run -0 --separate-stderr "$bin" -p "$TARGET_PID" -a cold --all -J -v
	[[ -z $stderr ]]
	# ordinary patterns work under clang's AddressSanitizer too (the regex
	# guard's address-space limit is not for ASan builds)
	run -0 --separate-stderr "$bin" -p "$TARGET_PID" -a cold -e 'heap|anon' -J
	[[ -z $stderr ]]
	# -N over command lines (--full): this test's own target, by its latch
	run -0 --separate-stderr "$bin" -N "target --ready ${TARGET_LATCH//./\\.}( |$)" --full \
		-a cold -m '[heap]' -J
	echo "$stderr"
	[[ -z $stderr ]]
	[ "$(jq -r '.targets[0].pid' <<<"$output")" -eq "$TARGET_PID" ]
	jq -e '.advised > 0 and .failed == 0' <<<"$output"
	run -2 --separate-stderr "$bin" -p "$TARGET_PID" -a cold -r 0xffffffffffffffff+1
	[[ $stderr == *"wraps"* && $stderr != *Sanitizer* ]]
	run -0 "$bin" -p "$TARGET_PID" -l
	# the repository's own build directory was not touched
	[[ ! -e $BATS_TEST_DIRNAME/../pmadv-clang ]]
}
