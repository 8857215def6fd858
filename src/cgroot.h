/* Private to the guardian: the root cgroups a process can move itself to so
 * that what kills pmadv's cgroup (cgroup.kill, a systemd stop of its unit,
 * an OOM group kill) does not take it too. Found from the mounts (cgroupfs):
 * the cgroup.procs of the root of the v2 hierarchy and of a v1
 * name=systemd hierarchy, where mounted. Reads only, and only before the
 * fork: the guardian then merely writes to the paths. */
#ifndef PMADV_CGROOT_H
#define PMADV_CGROOT_H

#include <limits.h>
#include <stddef.h>

#define CGROOT_MAX 2

struct cgroot {
	size_t n;
	unsigned int seen;			/* 1: v2, 2: name=systemd */
	char procs[CGROOT_MAX][PATH_MAX];	/* ".../cgroup.procs" */
};

/* Fill r (n = 0 when there is none, or mountinfo cannot be read). */
void cgroot_find(struct cgroot *r);

/* Move the calling process to each of them; failures are ignored (not
 * root: it stays where it is). Async-signal-safe: open, write, close. */
void cgroot_enter(const struct cgroot *r);

#endif
