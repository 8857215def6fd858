#!/usr/bin/env bats
# Bad input (issue 6): a matrix of invalid invocations, each with the exit
# status the README documents (2 invalid usage or input, 1 failure) and a
# stable substring of its one-line message; plus targets that are not there
# to advise (kernel thread, zombie, a process that exits or execs between
# the maps read and the advice) and bad pidfds and cgroups.
#
# Every row really runs pmadv: `row STATUS SUBSTRING ARGS...` runs
# "$PMADV ARGS...", and checks
#   - the exit status is exactly STATUS (no crash: a signal would be >= 128),
#   - stderr contains SUBSTRING (fixed string, case-sensitive) and has at
#     most 2 lines (the message, and argp's "Try `pmadv --help'" for usage
#     errors), starts with "pmadv: " (or the binary's name, as argp says
#     it, or argv[0] for getopt's own messages, as GNU tools do), carries
#     no sanitizer report,
#   - stdout is empty (none of these rows asks for -J/-v output).
# A test runs all of its rows and then fails listing every row that did not
# behave, so one run shows the whole matrix. Rows that need a live process
# use tests/helpers/target (see its header).

bats_require_minimum_version 1.5.0

load test_helper

setup() {
	core_setup
	shopt -s extglob
	ROWS=0
	BAD=()
}

teardown() {
	core_teardown
}

# row STATUS SUBSTRING ARGS...: run pmadv ARGS and record a failure in BAD.
# (Builtins only besides pmadv itself: the matrix is large.)
row() {
	local want=$1 sub=$2 rc=0 why="" err
	local -a lines
	shift 2
	ROWS=$((ROWS + 1))
	"$PMADV" "$@" >"$T/row.out" 2>"$T/row.err" </dev/null || rc=$?
	mapfile -t lines <"$T/row.err"	# a last line without newline counts
	printf -v err '%s\n' "${lines[@]}"
	((rc == want)) || why+=" status $rc (want $want);"
	[[ $err == *"$sub"* ]] || why+=" no '$sub' on stderr;"
	((${#lines[@]} >= 1 && ${#lines[@]} <= 2)) || why+=" ${#lines[@]} stderr lines;"
	# "pmadv: ", or for getopt's own messages argv[0] as GNU tools do
	[[ $err == "pmadv: "* || $err == "${PMADV##*/}: "* || $err == "$PMADV: "* ]] ||
		why+=" stderr does not start with 'pmadv: ';"
	[[ $err == *@(AddressSanitizer|runtime error|LeakSanitizer)* ]] &&
		why+=" sanitizer report;"
	[[ -s $T/row.out ]] && why+=" stdout not empty;"
	[[ -z $why ]] || BAD+=("$(printf '%q ' "$@")->$why stderr: ${err:0:400}")
	return 0
}

# rows_done: fail the test with every bad row listed.
rows_done() {
	echo "# $ROWS bad invocations" >&3
	echo "$ROWS rows run, ${#BAD[@]} failed" >&2
	if ((${#BAD[@]})); then
		printf '  %s\n' "${BAD[@]}" >&2
		return 1
	fi
}

# cgroup_mount FSTYPE [OPTION]: mount point of the first cgroup hierarchy of
# FSTYPE (cgroup2, or cgroup with OPTION among its super options).
cgroup_mount() {
	awk -v fs="$1" -v opt="${2-}" '{
		for (i = 7; $i != "-"; i++) ;
		if ($(i + 1) != fs) next
		if (opt != "" && ("," $(i + 3) ",") !~ ("," opt ",")) next
		print $5; exit
	}' /proc/self/mountinfo
}

# ------------------------------------------------------------- the matrix

@test "malformed and overflowing ranges: exit 2, message names the problem" {
	start_target --anon 1
	local p=$TARGET_PID
	row 2 "not a number" -p "$p" -a cold -r 0x-
	row 2 "END must be greater than START" -p "$p" -a cold -r 1-0
	row 2 "END must be greater than START" -p "$p" -a cold -r 0x1000-0x1000
	row 2 "length is zero" -p "$p" -a cold -r 0x1000+0
	row 2 "wraps past the end" -p "$p" -a cold -r 0x1000+0xffffffffffffffff
	row 2 "wraps past the end" -p "$p" -a cold -r 0xffffffffffffffff+1
	row 2 "wraps past the end" -p "$p" -a cold -r 0x1000+0xfffffffffffff000
	# no wrap, but rounding the end up to a page would
	row 2 "past the end of the address space" -p "$p" -a cold -r 0xfffffffffffff000-0xffffffffffffffff
	row 2 "past the end of the address space" -p "$p" -a cold -r 0+0xfffffffffffffff1
	row 2 "too large for 64 bits" -p "$p" -a cold -r 18446744073709551616-18446744073709551617
	row 2 "too large for 64 bits" -p "$p" -a cold -r 0+18446744073709551616
	row 2 "too large for 64 bits" -p "$p" -a cold -r 0+99999999999T
	row 2 "not a number" -p "$p" -a cold -r 0x0x10-0x20
	row 2 "missing number" -p "$p" -a cold -r -5
	row 2 "missing number" -p "$p" -a cold -r 5-
	row 2 "missing number" -p "$p" -a cold -r +4096
	row 2 "expected START-END or START+LENGTH" -p "$p" -a cold -r ""
	row 2 "expected START-END or START+LENGTH" -p "$p" -a cold -r 4096
	row 2 "not a number" -p "$p" -a cold -r 1+2+3
	row 2 "not a number" -p "$p" -a cold -r 1-2-3
	row 2 "not a number" -p "$p" -a cold -r 0x1000-0xzz
	row 2 "invalid range '0x-'" -p "$p" -a cold --all -r 0x-
	# well-formed, but nothing there: a failure, not a usage error
	row 1 "covers no mapping" -p "$p" -a cold -r 0x1000-0x2000
	rows_done
}

@test "bad sizes for --limit and --freeze-timeout: exit 2" {
	start_target --anon 1
	local p=$TARGET_PID l
	for l in "" 0 -1 abc 10X 16E 99999999T 18446744073709551616 %; do
		row 2 "invalid --limit '$l'" -p "$p" -a cold --all --limit "$l"
	done
	for l in 0% 101% -5% 50%%; do
		row 2 "a percentage from 1% to 100%" -p "$p" -a cold --all --limit "$l"
	done
	# each says why: zero bytes, and a number past 64 bits
	for l in 0 0K; do
		row 2 "invalid --limit '$l': zero bytes would advise nothing" -p "$p" -a cold --all --limit "$l"
	done
	for l in 16E 18446744073709551616; do
		row 2 "invalid --limit '$l': number too large for 64 bits" -p "$p" -a cold --all --limit "$l"
	done
	for l in "" 0 0s 0ms -1s abc 5x 99999999999999999999s 4294967296ms 0.0001s; do
		row 2 "invalid --freeze-timeout '$l'" -p "$p" -a cold --all -f stop --freeze-timeout "$l"
	done
	# each says why: zero is well formed, just not a wait
	for l in 0 0s 0ms; do
		row 2 "invalid --freeze-timeout '$l': must be more than 0" -p "$p" -a cold --all -f stop --freeze-timeout "$l"
	done
	row 2 "invalid --max-freeze '1500us': not a duration (a number with ms, s or m) (e.g. 100ms" -p "$p" -a cold --all -f stop --max-freeze 1500us
	rows_done
}

@test "empty and invalid regexes and names: exit 2" {
	start_target --anon 1
	local p=$TARGET_PID
	# POSIX ERE: '(' and '[' are unbalanced; a leading '*', '+' or '?'
	# is undefined and glibc refuses it; '' is valid (anonymous mappings)
	row 2 "invalid regex '('" -p "$p" -a cold -e '('
	row 2 "invalid regex '['" -p "$p" -a cold -e '['
	row 2 "invalid regex '*'" -p "$p" -a cold -e '*'
	row 2 "invalid regex '+'" -p "$p" -a cold -e '+'
	row 2 "invalid regex '?'" -p "$p" -a cold -e '?'
	row 2 "invalid regex 'a{2,1}'" -p "$p" -a cold -e 'a{2,1}'
	row 2 "invalid regex '\\'" -p "$p" -a cold -e '\'
	row 2 "invalid regex" -p "$p" -a cold -e 'x{99999}'
	row 2 "invalid regex '('" -p "$p" -a cold -m '[heap]' -e '('
	row 2 "empty mapping name" -p "$p" -a cold -m ''
	row 2 "invalid -N pattern '('" -N '(' -a cold --all
	# well-formed, matching nothing: a failure
	row 1 "matches no mapping" -p "$p" -a cold -e '^/no/such/file$'
	row 1 "matches no mapping" -p "$p" -a cold -m no-such-mapping.so
	rows_done
}

@test "unknown advice, and advice not allowed on another process: exit 2" {
	start_target --anon 1
	local p=$TARGET_PID a
	for a in bogus "" 20 "cold," MADV_ MADV_bogus; do
		row 2 "unknown advice '$a'" -p "$p" -a "$a" --all
	done
	for a in dontneed free hugepage MADV_DONTNEED remove NOHUGEPAGE; do
		row 2 "advice '$a' is not allowed on another process" -p "$p" -a "$a" --all
	done
	rows_done
}

@test "conflicting, missing and unexpected options: exit 2" {
	start_target --anon 1
	local p=$TARGET_PID
	row 2 "--quiet and --verbose exclude each other" -p "$p" -a cold --all -q -v
	row 2 "--list and --dry-run exclude each other" -p "$p" -l -n
	row 2 "--full goes with -N" -p "$p" -a cold --all --full
	row 2 "exclude each other" -c /sys/fs/cgroup -f cgroup:/x -a cold --all
	row 2 "no advice" -p "$p" --all
	row 2 "no target" -a cold --all
	row 2 "nothing selected" -p "$p" -a cold
	row 2 "nothing selected" -p "$p" -a cold --anon
	row 2 "unexpected argument 'extra'" -p "$p" -a cold --all extra
	row 2 "unexpected argument '$p'" -a cold --all "$p"
	row 2 "unrecognized option '--bogus'" -p "$p" -a cold --all --bogus
	row 2 "requires an argument" -a cold --all -p
	row 2 "invalid freeze mode 'bogus'" -p "$p" -a cold --all -f bogus
	row 2 "invalid freeze mode ''" -p "$p" -a cold --all -f ''
	row 2 "invalid freeze mode 'stop:'" -p "$p" -a cold --all -f stop:
	row 2 "invalid freeze mode 'cgroup:'" -p "$p" -a cold --all -f cgroup:
	row 2 "unknown column 'BOGUS'" -p "$p" -a cold --all -v -o BOGUS
	row 2 "unknown column 'NOPE'" -p "$p" -a cold --all -v -o +NOPE
	row 2 "unknown column ''" -p "$p" -a cold --all -v -o START,,END
	row 2 "unknown column ''" -p "$p" -a cold --all -v -o ''
	rows_done
}

@test "PIDs: 0, negative, huge, non-numeric, pmadv itself (2); gone, kernel thread, zombie (1)" {
	start_target --anon 1 --zombie-child
	local p
	for p in 0 -1 99999999 4194305 abc /proc/abc /proc/ " 5" 5x; do
		row 2 "invalid PID '$p'" -p "$p" -a cold --all
	done
	# an empty item names the whole list
	row 2 "invalid PID list '': an empty item" -p '' -a cold --all
	row 2 "invalid PID list '123,': an empty item" -p 123, -a cold --all
	row 2 "invalid PID list '1,,2': an empty item" -p 1,,2 -a cold --all
	# highest possible PID (PID_MAX_LIMIT): valid, never in use here
	row 1 "no such process: 4194304" -p 4194304 -a cold --all
	row 1 "is a kernel thread" -p 2 -a cold --all
	row 1 "is a kernel thread" -p /proc/2 -a cold --all -n
	[[ $(awk '{print $3}' "/proc/$zombie/stat") == Z ]]
	row 1 "is a zombie" -p "$zombie" -a cold --all
	# one good target and one zombie: partial (3), the zombie still named
	row 3 "is a zombie" -p "$TARGET_PID,$zombie" -a cold --all -n -q
	# pmadv's own PID: bash execs pmadv, so $$ of that bash is pmadv
	ROWS=$((ROWS + 1))
	run -2 --separate-stderr bash -c 'exec "$0" -p "$$" -a cold --all' "$PMADV"
	[[ $stderr == *"is pmadv itself"* ]] || BAD+=("-p \$self: $stderr")
	# -N never picks pmadv itself, although its own command line matches
	local mark=badinput-self-$$-$RANDOM
	row 1 "no process matches -N '$mark'" -N "$mark" --full -a cold --all
	rows_done
}

@test "pidfds: closed, not a pidfd, a /proc/PID fd, an exited process (1); malformed (2)" {
	start_target --anon 1
	local w=$HELPERS/with-pidfd
	ROWS=$((ROWS + 4))
	run -1 --separate-stderr "$PMADV" --pidfd 9 -a cold --all 9>&-
	# (the program names itself as invoked: pmadv, or pmadv-san)
	[[ $stderr == "${PMADV##*/}: --pidfd 9: file descriptor is not open" ]] ||
		BAD+=("closed fd 9: $stderr")
	run -1 --separate-stderr "$w" --not-pidfd 5 "$PMADV" --pidfd 5 -a cold --all
	[[ $stderr == *"--pidfd 5: not a pidfd"* && $stderr != *$'\n'* ]] ||
		BAD+=("/dev/null: $stderr")
	run -1 --separate-stderr "$w" --procfd "$TARGET_PID" 5 "$PMADV" --pidfd 5 -a cold --all
	[[ $stderr == *"--pidfd 5: not a pidfd"* && $stderr != *$'\n'* ]] ||
		BAD+=("/proc/PID fd: $stderr")
	run -1 --separate-stderr "$w" --exited 5 "$PMADV" --pidfd 5 -a cold --all -J
	[[ $stderr == *"--pidfd 5: the process has exited"* && $stderr != *$'\n'* ]] ||
		BAD+=("exited: $stderr")
	[[ $(jq -r '.advised' <<<"$output") == 0 ]] || BAD+=("exited: JSON $output")
	row 1 "not a pidfd" --pidfd 0 -a cold --all
	row 2 "invalid --pidfd '-1'" --pidfd -1 -a cold --all
	row 2 "invalid --pidfd 'abc'" --pidfd abc -a cold --all
	row 2 "invalid --pidfd ''" --pidfd '' -a cold --all
	row 2 "invalid --pidfd '99999999999'" --pidfd 99999999999 -a cold --all
	rows_done
}

@test "cgroups: missing, not a cgroup, the root (-c and --freeze=cgroup:PATH)" {
	start_target --anon 1
	local p=$TARGET_PID v2 v1
	v2=$(cgroup_mount cgroup2)
	v1=$(cgroup_mount cgroup freezer)
	row 2 "empty cgroup path" -c '' -a cold --all
	row 1 "no cgroup /nonexistent/cg" -c /nonexistent/cg -a cold --all
	row 1 "no cgroup /tmp" -c /tmp -a cold --all
	row 1 "no cgroup /nonexistent contains process $p" -p "$p" -f cgroup:/nonexistent -a cold --all
	row 1 "no cgroup /tmp contains process $p" -p "$p" -f cgroup:/tmp -a cold --all
	row 1 "refusing to freeze the root cgroup" -p "$p" -f cgroup:/ -a cold --all
	[[ -z $v2 ]] || row 1 "refusing to freeze the root cgroup" -p "$p" -f "cgroup:$v2" -a cold --all
	[[ -z $v1 ]] || row 1 "refusing to freeze the root cgroup" -p "$p" -f "cgroup:$v1" -a cold --all
	# -c with the root cgroup would pick every process on the machine
	# (kernel threads, init, other users' work): refused like the freeze.
	# -n keeps a pmadv without the refusal from advising anything.
	row 1 "root cgroup" -c / -a cold --all -n
	[[ -z $v2 ]] || row 1 "root cgroup" -c "$v2" -a cold --all -n
	[[ -z $v1 ]] || row 1 "root cgroup" -c "$v1" -a cold --all -n
	rows_done
}

@test "operator-typed control characters in arguments are escaped in messages" {
	start_target --anon 1
	local p=$TARGET_PID
	row 2 "invalid range" -p "$p" -a cold -r $'1\n-2'
	row 2 "unknown advice" -p "$p" -a $'\e]0;owned\a' --all
	row 2 "invalid regex" -p "$p" -a cold -e $'(\e[2J'
	local a want
	for a in -r -a -e -m; do
		# invalid range, advice, regex: 2; -m takes any name, which then
		# matches no mapping: 1. The message echoes it escaped, raw never.
		want=2
		[[ $a == -m ]] && want=1
		row "$want" "'x\x1b]0;owned\x07\x1b[2J'" -p "$p" "$a" $'x\e]0;owned\a\e[2J' -a cold
		not grep -qP '[\x07\x1b]' "$T/row.err" ||
			BAD+=("$a with ESC/BEL: raw bytes echoed: $(cat -v "$T/row.err")")
	done
	rows_done
}

# ------------------------------------- processes that change under pmadv

# pmadv_delayed MS ARGS...: start pmadv ARGS in the background with
# PMADV_TEST_DELAY_MS=MS (the pause between the maps read and the advice;
# the test build, $PMADV_TESTBUILD),
# stdout/stderr to $T/bg.out, $T/bg.err; PM is its PID. Returns once it is
# asleep in that pause (nanosleep/clock_nanosleep, as /proc/PM/syscall shows).
pmadv_delayed() {
	local ms=$1
	shift
	need_testbuild
	PMADV_TEST_DELAY_MS=$ms "$PMADV_TESTBUILD" "$@" >"$T/bg.out" 2>"$T/bg.err" </dev/null 3>&- &
	PM=$!
	CORE_PIDS+=("$PM")
	wait_for _in_sleep "$PM"
}

_in_sleep() {
	local nr
	nr=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) || return 1
	[[ $nr == 230 || $nr == 35 ]]
}

# pmadv_status: wait for the background pmadv; its status in PM_STATUS.
pmadv_status() {
	PM_STATUS=0
	wait "$PM" || PM_STATUS=$?
	reaped "$PM"
}

@test "a process that exits between maps read and advice: exit 1, says exited" {
	local f
	for f in none stop; do
		start_target --anon 4
		pmadv_delayed 500 -p "$TARGET_PID" -a cold --all -f "$f" -J
		[[ $f == none ]] || [[ $(awk '{print $3}' "/proc/$TARGET_PID/stat") == T ]]
		kill -KILL "$TARGET_PID"
		pmadv_status
		echo "freeze=$f status=$PM_STATUS: $(cat "$T/bg.err")"
		((PM_STATUS == 1))
		grep -q "exited" "$T/bg.err"
		(($(wc -l <"$T/bg.err") == 1))
		jq -e '.advised == 0 and (.targets[0].error | test("exited"))' "$T/bg.out"
	done
}

# start_execer: tests/helpers/hostile-exec, which execs itself on SIGUSR1
start_execer() {
	EX_LATCH=$T/exec.ready.$RANDOM
	EX_MARK=$T/exec.mark.$RANDOM
	setsid "$HELPERS/hostile-exec" --ready "$EX_LATCH" "$EX_MARK" </dev/null \
		>"$T/exec.log" 2>&1 3>&- &
	EX_PID=$!
	CORE_PIDS+=("$EX_PID")
	wait_for test -s "$EX_LATCH"
	# shellcheck disable=SC1090
	source "$EX_LATCH"
}

@test "a process that execs between maps read and advice, with --freeze=stop: exec waits, all advised" {
	local sel
	for sel in range all; do
		start_execer
		if [[ $sel == range ]]; then
			pmadv_delayed 500 -p "$EX_PID" -a cold -r "$region_start+8M" -f stop -J
		else
			pmadv_delayed 500 -p "$EX_PID" -a cold --all -f stop -J
		fi
		[[ $(awk '{print $3}' "/proc/$EX_PID/stat") == T ]]
		kill -USR1 "$EX_PID"	# pending until pmadv thaws it
		pmadv_status
		cat "$T/bg.err"
		((PM_STATUS == 0))
		jq -e '.failed == 0 and .advised == .requested and .advised > 0' "$T/bg.out"
		jq -e '[.targets[0].ranges[] | select(.error != null)] | length == 0' "$T/bg.out"
		jq -e --arg s "$region_start" '[.targets[0].ranges[] | select(.start == $s)] | length == 1' "$T/bg.out"
		# and then it did exec, once thawed
		wait_for test -s "$EX_MARK"
		grep -qx "execed=$EX_PID" "$EX_MARK"
	done
}

@test "a process that execs between maps read and advice, without a freeze: exact partial report" {
	local sel
	for sel in range all; do
		start_execer
		if [[ $sel == range ]]; then
			pmadv_delayed 1000 -p "$EX_PID" -a cold -r "$region_start+8M" -J
		else
			pmadv_delayed 1000 -p "$EX_PID" -a cold --all -J
		fi
		kill -USR1 "$EX_PID"
		wait_for test -s "$EX_MARK"	# the new image is in place
		# ... while pmadv still pauses (the test is about that order)
		POLL_TRIES=20 wait_for _in_sleep "$PM" ||
			{ echo "the exec came after pmadv's pause" >&2; return 1; }
		pmadv_status
		cat "$T/bg.err"
		# nothing of the old 8 MiB region exists in the new image: the
		# range alone advises nothing (1); --all may still find mappings
		# of the new image at old addresses (3, checked below), or none (1)
		if [[ $sel == range ]]; then
			((PM_STATUS == 1))
		else
			((PM_STATUS == 1 || PM_STATUS == 3))
		fi
		jq -e '.requested == .advised + .failed and .failed >= 8388608' "$T/bg.out"
		jq -e '.targets[0] | .requested == .advised + .failed' "$T/bg.out"
		jq -e '.targets[0] | ([.ranges[].size] | add) == .requested and ([.ranges[].advised] | add) == .advised' "$T/bg.out"
		# every range not fully advised says why, and stderr names it
		jq -e '[.targets[0].ranges[] | select(.advised < .size) | select((.error | type) != "string" or .error == "")] | length == 0' "$T/bg.out"
		jq -e --arg s "$region_start" '.targets[0].ranges[] | select(.start == $s) | .advised == 0 and (.error | length > 0)' "$T/bg.out"
		local r
		while read -r r; do
			grep -qF -- "$r:" "$T/bg.err" || {
				echo "failed range $r not named on stderr"
				return 1
			}
		done < <(jq -r '.targets[0].ranges[] | select(.advised < .size) | "\(.start)-\(.end)"' "$T/bg.out")
		if ((PM_STATUS == 1)); then
			jq -e '.advised == 0' "$T/bg.out"
		else
			jq -e '.advised > 0' "$T/bg.out"
		fi
	done
}

@test "a process whose main thread exited (others run on): said so, not called a zombie; exit 1" {
	start_target --threads 2 --main-exits
	for ((i = 0; i < 100; i++)); do
		[[ $(awk '{ print $3 }' "/proc/$TARGET_PID/stat") == Z ]] && break
		sleep 0.02
	done
	run -1 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold --all
	[[ $stderr == *"$TARGET_PID (target): its main thread has exited (2 threads run on)"* ]]
	[[ $stderr != *zombie* ]]
}
