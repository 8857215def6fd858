#!/usr/bin/env bats
# Issue 14, the items about what reaches pmadv from outside: a PID that
# another process took between listing and opening (-c, -N --full), hostile
# regexes, hostile option text and names on the terminal, and one process
# named several ways. Real targets (tests/helpers/target.c); every process
# started is killed by PID and every cgroup made removed in teardown.

bats_require_minimum_version 1.5.0

load test_helper
load cgroup_helper

A_CGROUPS=()

setup() {
	core_setup
}

teardown() {
	cgroups_thaw "${A_CGROUPS[@]}"
	core_teardown
	cgroups_remove "${A_CGROUPS[@]}"
}

# state letter of PID
state_of() { local s; s=$(<"/proc/$1/stat"); s=${s##*) }; echo "${s:0:1}"; }

# ------------------------------------------------------------ PID reuse

# impostor_run PMADV-ARGS...: pmadv lists a victim V (the lowest PID it
# selects), then waits 3 s before its first pidfd_open (strace); meanwhile
# V is killed and an impostor I takes its PID (tests/helpers/pid-at). The
# impostor must be in place before that pidfd_open returns (its result is
# not in the trace yet), or the run tests nothing: it fails then, saying so.
# Sets V, I; pmadv's JSON in $T/out, stderr in $T/err, status in ST.
impostor_run() {
	((EUID == 0)) || skip "PID reuse needs root (ns_last_pid)"
	need_tool strace
	env ASAN_OPTIONS=detect_leaks=0 strace -o "$T/trace" -e trace=pidfd_open \
		-e inject=pidfd_open:delay_enter=3000000:when=1 \
		"$PMADV" "$@" -J >"$T/out" 2>"$T/err" 3>&- &
	local m=$!
	CORE_PIDS+=("$m")
	wait_for grep -q 'pidfd_open(' "$T/trace"
	kill -KILL "$V"
	wait "$V" 2>/dev/null || true
	# (to a file: the impostor keeps what pid-at prints to open)
	"$HELPERS/pid-at" "$V" setsid "$HELPERS/target" --ready "$T/imp" \
		--anon 1 3>&- </dev/null >"$T/ipid" 2>/dev/null ||
		skip "PID $V was taken by someone else"
	I=$(<"$T/ipid")
	CORE_PIDS+=("$I")
	[ "$I" = "$V" ]
	wait_for test -s "$T/imp"
	not grep -q 'pidfd_open(.*) *= ' "$T/trace" ||
		{ echo "the impostor came after pmadv's pidfd_open: $(cat "$T/trace")" >&2; return 1; }
	ST=0
	wait "$m" || ST=$?
	reaped "$m"
	cat "$T/err"
}

@test "PID reuse under -c -f stop: the impostor is neither stopped nor advised" {
	local m
	m=$(v2_mount)
	[[ -n $m ]] || skip "no cgroup v2 hierarchy mounted"
	((EUID == 0)) || skip "needs root"
	CG=$m/pmadv-atk-$$-$BATS_TEST_NUMBER
	mkdir "$CG"
	A_CGROUPS+=("$CG")
	# V must be listed first (the lowest PID): if PIDs wrapped between the
	# two, start B again (it then gets a PID above V)
	start_target --anon 1
	V=$TARGET_PID
	local try
	for try in 1 2 3; do
		start_target --anon 1
		B=$TARGET_PID
		((V < B)) && break
	done
	((V < B))
	echo "$V" >"$CG/cgroup.procs"
	echo "$B" >"$CG/cgroup.procs"
	impostor_run -c "$CG" -a cold --all -f stop
	[ "$ST" -eq 0 ]
	# only the real member was a target
	[ "$(jq -r '[.targets[].pid] | map(tostring) | join(" ")' "$T/out")" = "$B" ]
	[ "$(state_of "$I")" != T ]
	grep -q "^pid=$I" "$T/imp"
}

@test "PID reuse under -N --full: the impostor is not advised" {
	name=pmadvatk$((RANDOM % 10000))
	cp "$HELPERS/target" "$T/$name"
	setsid "$T/$name" --ready "$T/v.latch" --anon 1 </dev/null >/dev/null 2>&1 3>&- &
	V=$!
	CORE_PIDS+=("$V")
	wait_for test -s "$T/v.latch"
	# "[ ]": the pattern does not match its own spelling on strace's command line
	impostor_run -N "$name[ ]--ready" --full -a cold --all -f stop
	# the only match was the victim, gone: no process matches (exit 1)
	[ "$ST" -eq 1 ]
	grep -q "no process matches -N '$name\[ \]--ready' --full" "$T/err"
	[ "$(jq '[.targets[] | select(.pid != null)] | length' "$T/out")" -eq 0 ]
	[ "$(state_of "$I")" != T ]
}

# ------------------------------------------------------------ regexes

@test "a regex nested 15,000 deep, or too costly to compile: exit 2, no crash" {
	start_target --anon 1
	deep=$(printf '(%.0s' $(seq 15000))a$(printf ')%.0s' $(seq 15000))
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e "$deep"
	[[ $stderr == *"too long"* || $stderr == *"nested"* ]]
	[ "$(wc -l <<<"$stderr")" -le 2 ]
	run -2 --separate-stderr "$PMADV" -N "$deep" -a cold --all
	deep=$(printf '(%.0s' $(seq 500))a$(printf ')%.0s' $(seq 500))
	run -2 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e "$deep"
	[[ $stderr == *"nested 500 deep"* ]]
	run -2 --separate-stderr timeout 20 "$PMADV" -p "$TARGET_PID" -a cold \
		-e '((((a{255}){255}){255}){255})'
	[[ $stderr == *"too complex"* ]]
	# an ordinary one still works
	run -0 "$PMADV" -p "$TARGET_PID" -a cold -e '^\[(heap|stack)\]$' -q
}

# ------------------------------------------------------------ terminal

@test "an unknown option is echoed escaped, under the program's name" {
	run -2 --separate-stderr "$PMADV" $'--\e]0;pwned\a'
	no_raw_controls "$stderr"
	[[ $stderr == "${PMADV##*/}: unrecognized option '--\\x1b]0;pwned\\x07'"* ]]
	run -2 --separate-stderr "$PMADV" $'-\e'
	no_raw_controls "$stderr"
	[[ $stderr == "${PMADV##*/}: "* ]]
}

@test "bidi controls and line separators from names are escaped; -l -J has no raw DEL" {
	# bytes, not \u: a C locale (a fresh Debian) would not encode those
	f=$T/$'rtl\xe2\x80\xaeexe\xe2\x80\xa8x\x7f.bin'
	head -c 64K /dev/urandom >"$f"
	start_target --file "$f"
	for args in "-l" "-l -e rtl" "-a cold -e rtl -v"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" $args
		[[ $output == *'rtl\xe2\x80\xaeexe\xe2\x80\xa8x\x7f.bin'* ]]
		no_raw_controls "$output"
	done
	# --raw encodes a backslash as \x5c, so a reader decoding \xHH gets
	# the name as a terminal shows it
	run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" -a cold -e rtl -v --raw
	[[ $output == *'rtl\x5cxe2\x5cx80\x5cxaeexe\x5cxe2\x5cx80\x5cxa8x\x7f.bin'* ]]
	no_raw_controls "$output"
	for args in "-l -J" "-a cold -e rtl -J"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr "$PMADV" -p "$TARGET_PID" $args
		no_raw_controls "$output"
		[[ $output == *'rtl\u202eexe\u2028x\u007f.bin'* ]]
		# and the name decodes to the bytes the target chose
		[ "$(jq -r '.. | objects | select(.name? // "" | test("rtl")) | .name' <<<"$output" | head -1)" = "$f" ]
	done
}

# ------------------------------------------------------------ one process

@test "one process named three ways is one target" {
	start_target --anon 1
	run -0 --separate-stderr "$HELPERS/with-pidfd" "$TARGET_PID" 3 \
		"$PMADV" --pidfd 3 --pidfd 3 -p "$TARGET_PID" -a cold -m '[heap]' -J
	[ "$(jq '.targets | length' <<<"$output")" -eq 1 ]
	[ "$(jq '.advised == .targets[0].advised' <<<"$output")" = true ]
}

@test "-l -J prints one JSON document even when every target fails" {
	run -1 --separate-stderr "$PMADV" -p "$(gone_pid)" -l -J
	jq -e '.mappings == []' <<<"$output"
}

@test "a thread's pidfd (PIDFD_THREAD) is named for what it is" {
	start_target --anon 1 --threads 1
	tid=$(ls "/proc/$TARGET_PID/task" | grep -vx "$TARGET_PID" | head -1)
	[ -n "$tid" ]
	run --separate-stderr "$HELPERS/with-pidfd" --thread "$tid" 3 \
		"$PMADV" --pidfd 3 -a cold --all
	[ "$status" -ne 127 ] || skip "no PIDFD_THREAD in this kernel (6.9+)"
	[ "$status" -eq 1 ]
	[[ $stderr == *"pidfd of thread $tid of process $TARGET_PID"* ]]
	[[ $stderr != *"exited"* ]]
}

# no_raw_controls TEXT: no C0 control but newline, no DEL, no raw bidi
# control or line separator
no_raw_controls() {
	local rc=0
	LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]' <<<"$1" || rc=$?
	[ "$rc" -eq 1 ]
}

gone_pid() { cat /proc/sys/kernel/pid_max; }
