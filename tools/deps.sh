#!/bin/sh
# Install the Debian packages pmadv needs to build, test (make check,
# make check-sanitize), fuzz (make fuzz) and benchmark (make bench), or say
# how. Tested on Debian 12 (bookworm). Each package is listed for a command
# or library the project uses; recommended packages are not pulled in.
set -eu
# build: compiler, C library headers, pkg-config and the two libraries
build="gcc libc6-dev make pkg-config libproc2-dev libsmartcols-dev"
# tests: bats; bash-completion (completion tests); jq (JSON checks, demo);
# util-linux (setpriv, setsid, fallocate, mkswap), util-linux-extra
# (fincore), mount (swapon, swapoff); procps (ps, pgrep, sysctl); strace
# (batching, and pmadv traced: freeze18); gdb (pmadv held by a debugger:
# freeze18); groff-base and mandoc (man page lint); valgrind; clang and
# libclang-rt-dev (the CC=clang sanitizer build, and libFuzzer for make
# fuzz); llvm (llvm-symbolizer: sanitizer reports name functions and
# lines, and the sanitizers' leak check, which symbolizes to apply its
# standard suppressions, such as the loader's lists of a dlopen'ed
# library, stays quiet instead of warning on stderr); autoconf and
# automake (autoreconf of configure.ac); locales (localedef and its
# sources: a comma-decimal locale built for the output tests)
tests="bats bash-completion jq util-linux util-linux-extra mount procps strace
gdb groff-base mandoc valgrind clang libclang-rt-dev llvm autoconf automake
locales"
# the FUSE test file server (tests/helpers/fuse-mapped.c): fuse3 (fusermount3), libfuse3-dev
fuse="fuse3 libfuse3-dev"
# real programs to advise (tests/realprog.bats, bench/service-latency.sh):
# redis-server, redis-tools (redis-cli), python3
realprog="redis-server redis-tools python3"
pkgs="$build $tests $fuse $realprog"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run: sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
