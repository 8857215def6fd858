#!/usr/bin/env bats
# The man page, the bash completion and --help stay in step; install works.

bats_require_minimum_version 1.5.0

setup() {
	PMADV=${PMADV:-$BATS_TEST_DIRNAME/../pmadv}
	TOP=$BATS_TEST_DIRNAME/..
	MAN=$TOP/man/pmadv.1
	COMP=$TOP/completions/pmadv
}

teardown() {
	[[ -n ${SLEEPER:-} ]] && kill "$SLEEPER" 2>/dev/null
	[[ -n ${CGDIR:-} ]] && rmdir "$CGDIR" 2>/dev/null
	true
}

# (--help's own status counts: not hidden at the head of a pipeline)
help_long_options() {
	local h
	h=$("$PMADV" --help) || return 1
	grep -oE -- '--[a-z][a-z-]+' <<<"$h" | sort -u
}

help_columns() {
	local h
	h=$("$PMADV" --help) || return 1
	sed -n '/^Available output columns/,/^Default/p' <<<"$h" |
		awk 'NF && $1 ~ /^[A-Z-]+$/ { print $1 }'
}

# complete WORD...: COMPREPLY for the last word, in a real bash with
# bash-completion loaded
# the advice --help lists (its advice table)
help_advice() {
	"$PMADV" --help | awk '/^Available advice/ { on = 1; next }
		on && /^  [a-z]/ { print $1; next } on { exit }'
}

complete_words() {
	local bc=/usr/share/bash-completion/bash_completion
	[[ -r $bc ]] || skip "missing tool: bash-completion"
	bash --norc --noprofile -c '
		source "$1"; source "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_pmadv "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" "$COMP" "$@"
}

@test "--help lists every long option of the option table and the man page documents each" {
	run -0 help_long_options
	[[ ${#lines[@]} -gt 25 ]]
	local text
	text=$(sed 's/\\-/-/g' "$MAN")
	for opt in "${lines[@]}"; do
		[[ $opt == --usage ]] && continue	# argp's own
		grep -qF -- "$opt" <<<"$text" || { echo "man page lacks $opt"; return 1; }
	done
}

@test "README's usage names every long option of --help" {
	run -0 help_long_options
	for opt in "${lines[@]}"; do
		[[ $opt == --usage ]] && continue	# argp's own
		grep -qF -- "$opt" "$TOP/README.md" || { echo "README lacks $opt"; return 1; }
	done
}

@test "exit status 3 is documented as partial, unlike pgrep's, in man page, README and --help" {
	sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$MAN" | grep -q 'pgrep'
	grep -q 'Unlike `pgrep`, where 3 is a fatal error, 3 here means partly done' "$TOP/README.md"
	run -0 "$PMADV" --help
	[[ $output == *"3 partial (some advised"*"unlike pgrep"* ]]
}

@test "every --help column is in the man page's OUTPUT COLUMNS" {
	run -0 help_columns
	[[ ${#lines[@]} -ge 9 ]]
	for c in "${lines[@]}"; do
		grep -qxF ".B ${c//-/\\-}" "$MAN" || { echo "man page lacks column $c"; return 1; }
	done
}

@test "man page is lint-clean" {
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "OUTPUT COLUMNS" "EXIT STATUS" EXAMPLES NOTES "SEE ALSO"; do
		grep -qE "^\.S[HS] \"?$s\"?$" "$MAN" || { echo "missing section $s"; return 1; }
	done
	command -v groff >/dev/null || skip "missing tool: groff (groff-base)"
	run -0 groff -ww -z -man "$MAN"
	[[ -z $output ]]
	command -v mandoc >/dev/null || skip "missing tool: mandoc"
	run -0 mandoc -Tlint "$MAN"
	[[ -z $output ]]
}

@test "completion offers every long option of --help, and only those" {
	run -0 complete_words pmadv --
	local comp help
	comp=$(printf '%s\n' "${lines[@]}" | grep -- '^--' | sort -u)
	help=$(help_long_options)
	diff <(echo "$comp") <(echo "$help")
}

@test "completion, man page and README name exactly the advice table's advice (--help)" {
	run -0 help_advice
	[[ ${#lines[@]} -ge 4 && $output == *pageout* ]]
	table=$(sort <<<"$output")
	run -0 complete_words "$PMADV" -a p
	[[ $output == pageout ]]
	run -0 complete_words "$PMADV" -a ""
	diff <(sort <<<"$output") <(echo "$table")
	# man: the -a entry's list, and one "What the advice does" entry each
	diff <(sed -n '/^\.BR \\-a ", " \\-\\-advice/{n;p;q}' "$MAN" | grep -o '^\.BR.*' |
		tr -d '.;' | sed 's/BR//; s/"[^"]*"/ /g' | tr ' ' '\n' | grep . | sort) <(echo "$table")
	diff <(sed -n '/^\.SS What the advice does/,/^\.SS/p' "$MAN" | awk 'prev == ".TP" && /^\.B / { print $2 } { prev = $0 }' | sort) <(echo "$table")
	# README: the synopsis line and the advice table
	diff <(grep -o '^  -a, --advice=ADVICE  .*' "$TOP/README.md" | sed 's/.*ADVICE  //' | tr -d ' ' | tr '|' '\n' | sort) <(echo "$table")
	diff <(sed -n '/^| advice | effect |/,/^$/p' "$TOP/README.md" | grep -oE '^\| `[a-z]+` \|' |
		tr -d '|` ' | sort) <(echo "$table")
}

@test "completion: freeze modes" {
	run -0 complete_words pmadv --freeze ""
	[[ $output == *stop* && $output == *cgroup* && $output == *none* ]]
}

@test "completion: -o completes comma lists of the --help columns" {
	run -0 complete_words pmadv -o ""
	diff <(sort <<<"$output") <(help_columns | sort)
	run -0 complete_words pmadv -o START,SI
	[[ $output == START,SIZE ]]
	run -0 complete_words pmadv -o +RSS-A
	[[ $output == +RSS-AFTER ]]
}

@test "completion: PIDs with command names; -m completes that PID's mappings" {
	sleep 1000 3>&- &
	SLEEPER=$!
	run -0 complete_words pmadv -p "$SLEEPER"
	[[ $output == "$SLEEPER"* ]]
	# every process, but not the ps and awk that list them
	run -0 complete_words pmadv -p ""
	grep -q "^$SLEEPER (sleep 1000)" <<<"$output"
	if grep -E '\((ps -eo|awk )' <<<"$output"; then return 1; fi
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a cold -m ""
	grep -qxF '[stack]' <<<"$output"
	grep -qxF 'libc.so.6' <<<"$output"
	grep -qxF "$(readlink -f /proc/$SLEEPER/exe)" <<<"$output"
	run -0 complete_words "$PMADV" -p "$SLEEPER" -m "[he"
	[[ $output == "[heap]" ]]
	# names the advice refuses whatever the mapping are not offered
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a cold -m "[v"
	[[ $output != *"[vsyscall]"* && $output != *"[vvar]"* ]]
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a willneed -m "[v"
	[[ $output == *"[vvar]"* && $output != *"[vsyscall]"* ]]
	# several advices: -m takes the advice of its own pair, the last
	# --then before it, or -a's before the first --then
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a cold --all --then willneed -m "[v"
	[[ $output == *"[vvar]"* ]]
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a willneed --all --then cold -m "[v"
	[[ $output != *"[vvar]"* ]]
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a willneed --all --then willneed --all --then cold -m "[v"
	[[ $output != *"[vvar]"* ]]
	# a repeated -a: the last one, as ever
	run -0 complete_words "$PMADV" -p "$SLEEPER" -a cold -a willneed -m "[v"
	[[ $output == *"[vvar]"* ]]
	run -0 complete_words pmadv -p ""
	grep -qE "^$SLEEPER \(sleep 1000\)$" <<<"$output"
}

@test "completion: -N process names, -c cgroup directories" {
	sleep 1000 3>&- &
	SLEEPER=$!
	run -0 complete_words pmadv -N sle
	grep -qx sleep <<<"$output"
	mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[[ -n $mnt ]] || skip "no cgroup v2 hierarchy mounted"
	[[ $EUID -eq 0 ]] || skip "needs root to create a cgroup"
	CGDIR=$mnt/pmadv-comp-$$
	mkdir "$CGDIR"
	run -0 complete_words pmadv -c "$mnt/pmadv-comp"
	grep -qxF "$CGDIR" <<<"$output"
}

@test "make install honours DESTDIR and PREFIX; uninstall removes it all" {
	dest=$BATS_TEST_TMPDIR/root
	run -0 make -C "$TOP" install DESTDIR="$dest" PREFIX=/opt/pm
	[[ -x $dest/opt/pm/bin/pmadv ]]
	[[ -f $dest/opt/pm/share/man/man1/pmadv.1 ]]
	comp=$(find "$dest" -path '*completions/pmadv')
	[[ -n $comp && $comp == "$dest/opt/pm/"* ]]
	run -0 "$dest/opt/pm/bin/pmadv" --version
	[[ $output == "pmadv "* ]]
	run -0 make -C "$TOP" uninstall DESTDIR="$dest" PREFIX=/opt/pm
	[[ -z $(find "$dest" -type f) ]]
}

@test "configure (for packagers) finds the libraries and honours --prefix" {
	command -v autoreconf >/dev/null || skip "missing tool: autoreconf (autoconf)"
	command -v aclocal >/dev/null || skip "missing tool: aclocal (automake)"
	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	cp -r "$TOP/configure.ac" "$TOP/config.mk.in" "$TOP/Makefile" "$TOP/src" \
		"$TOP/man" "$TOP/completions" "$src"
	run -0 bash -c "cd '$src' && autoreconf -i && ./configure --prefix=/opt/pm"
	grep -q 'checking for libproc2 >= 4.0... yes' <<<"$output"
	grep -q 'checking for smartcols... yes' <<<"$output"
	grep -qx 'PREFIX = /opt/pm' "$src/config.mk"
	run -0 make -C "$src" -n install DESTDIR=/x
	grep -q ' /x/opt/pm/bin/pmadv$' <<<"$output"
	grep -q ' /x/opt/pm/share/bash-completion/completions/pmadv$' <<<"$output"
}

# README's Layout block, as the paths it names: "src/x.c" lines, a
# "src/part/ ... (part.h" line's header, and "  name.c" lines under it.
readme_layout_files() {
	awk '/^## Layout/ { f = 1 } f && /^```/ { if (n++) exit; next }
		f && n == 1 && $1 ~ /^src\/[a-z_]+\/$/ { dir = $1
			if (match($0, /\([a-z_]+\.h/))
				print dir substr($0, RSTART + 1, RLENGTH - 1)
			next }
		f && n == 1 && $1 ~ /^src\/[a-z_]+\.[ch]$/ { print $1; next }
		f && n == 1 && /^  [a-z_]+\.[ch] / { print dir $1 }' "$TOP/README.md" | sort
}

@test "README's Layout names exactly the files in src/, folder by folder" {
	local named actual
	named=$(readme_layout_files)
	actual=$(cd "$TOP" && find src -name '*.[ch]' | sort)
	[[ -n $actual ]]
	diff <(echo "$named") <(echo "$actual")
}
