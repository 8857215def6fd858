#!/bin/sh
# skip-check.sh REPORT.tap ALLOWLIST: list the tests a bats run skipped, with
# their reasons. With CI set (make check, make check-sanitize under .ci/run)
# fail unless every reason matches a pattern of ALLOWLIST (tests/skip-allowlist:
# one extended regular expression per line, matched against the whole reason;
# '#' lines are comments). Without CI, skips are only listed.
set -eu
report=$1 allow=$2
[ -r "$report" ] || { echo "skip-check: no report $report" >&2; exit 1; }
[ -r "$allow" ] || { echo "skip-check: no allow-list $allow" >&2; exit 1; }
patterns=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$allow" || true)
# "ok N NAME # skip REASON": the reason is what follows the last " # skip"
# (NAME US REASON, US the unit separator: names may hold tabs and spaces)
us=$(printf '\037')
skips=$(sed -n "s/^ok [0-9][0-9]* \(.*\) # skip\( \(.*\)\)\{0,1\}\$/\1$us\3/p" "$report")
[ -n "$skips" ] || exit 0
bad=0
echo "$skips" | {
	while IFS="$us" read -r name reason; do
		ok=0
		if [ -n "$reason" ] && [ -n "$patterns" ] &&
		   printf '%s\n' "$reason" | grep -qxE -e "$patterns"; then
			ok=1
		fi
		if [ "$ok" = 1 ]; then
			echo "skipped (allowed): $name: $reason"
		else
			echo "skipped (NOT on tests/skip-allowlist): $name: ${reason:-no reason given}" >&2
			bad=1
		fi
	done
	if [ "$bad" = 1 ] && [ -n "${CI:-}" ]; then
		echo "CI: tests above were skipped for a reason tests/skip-allowlist does not allow;" \
			"install what is missing (tools/deps.sh) or make the test set up its own conditions" >&2
		exit 1
	fi
	exit 0
}
