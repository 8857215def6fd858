# Cleaning up the cgroups a test made (tests/freeze_helper.bash,
# tests/operator.bats): nothing left frozen, nothing left behind.

# where the v2 hierarchy / the v1 freezer is mounted ("" if not)
v2_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	       if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}
v1_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	       if ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ /,freezer,/) {
	               print $5; exit } }' /proc/self/mountinfo
}

# cgroups_thaw CG...: thaw first: a task frozen by the v1 freezer does not
# even die
cgroups_thaw() {
	local cg
	for cg in "$@"; do
		[[ -e $cg/cgroup.freeze ]] && echo 0 >"$cg/cgroup.freeze"
		[[ -e $cg/freezer.state ]] && echo THAWED >"$cg/freezer.state"
	done
	return 0
}

# cgroups_remove CG...: empty each (a straggler, such as a pmadv or sh a
# test moved in, is killed) and remove it
cgroups_remove() {
	local cg p i
	for cg in "$@"; do
		for i in $(seq 200); do
			rmdir "$cg" 2>/dev/null && break
			[[ -d $cg ]] || break
			while read -r p; do
				[[ -n $p ]] && kill -KILL "$p" 2>/dev/null
			done <"$cg/cgroup.procs"
			sleep 0.01
		done
	done
	return 0
}
