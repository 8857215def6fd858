#!/bin/sh
# make demo: start a real process, show pmadv previewing and paging out a
# file mapping of it, with the effect read from /proc/PID/smaps.
set -eu
PMADV=$1
HELPERS=$2
dir=$(mktemp -d /tmp/pmadv-demo.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

head -c 33554432 /dev/urandom > "$dir/data.bin"
"$HELPERS/target" --ready "$dir/ready" --file "$dir/data.bin" --anon 16 &
pid=$!
i=0
while [ ! -s "$dir/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$dir/ready" ] || { echo "demo: target did not start" >&2; exit 1; }
file_start=$(sed -n 's/^file_start=0x//p' "$dir/ready")

rss() {	# Rss in kB of the mapping starting at $file_start
	awk -v s="$file_start" '$1 ~ "^" s "-" { m = 1; next } m && /^Rss:/ { print $2; exit }' "/proc/$pid/smaps"
}
run() { echo "\$ $*"; "$@"; echo; }

echo "== a target process: pid $pid maps a 32 MiB file and 16 MiB of anonymous memory"
grep -E 'data.bin|^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 *$' "/proc/$pid/maps" | head -n 3
echo
run "$PMADV" -p "$pid" -a pageout -m data.bin --dry-run -v
# touch the pages again (a background reclaimer may have evicted them) and
# wait for the target to say it is done: its latch shows the next gen
gen=$(sed -n 's/^gen=//p' "$dir/ready")
kill -USR1 "$pid"
i=0
while [ "$(sed -n 's/^gen=//p' "$dir/ready")" = "$gen" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
echo "Rss of data.bin before: $(rss) kB"
run "$PMADV" -p "$pid" -a pageout -m data.bin
echo "Rss of data.bin after:  $(rss) kB"
echo
echo "\$ $PMADV -p $pid -a cold --all --anon -f stop -J | jq '{advised, ...}'"
"$PMADV" -p "$pid" -a cold --all --anon -f stop -J |
	jq '{advice, requested, advised, failed, freeze: .targets[0].freeze,
	     frozen_ms: .targets[0].frozen_ms, ranges: (.targets[0].ranges | length)}'
echo
echo "== exit status of a bad range (2 = invalid input):"
"$PMADV" -p "$pid" -a pageout -r 0x2000-0x1000 || echo "exit $?"
