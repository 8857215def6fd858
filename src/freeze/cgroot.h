/* Private to the guardian: the root cgroups a process can move itself to so
 * that what freezes, throttles or kills pmadv's cgroup does not reach it:
 * a v2 cgroup.freeze or a v1 freezer of pmadv's cgroup (a systemd unit
 * freeze), a CPU limit (v2 cpu.max, v1 cpu), cgroup.kill, a systemd stop of
 * its unit, an OOM group kill. Found from /proc/self/mountinfo: the
 * cgroup.procs of the root of the v2 hierarchy and of the v1 hierarchies
 * with the freezer, cpu or cpuacct controller or name=systemd, where
 * mounted (other v1 controllers, memory among them, are left as they are).
 * Reads only, and only before the fork: the guardian then merely writes
 * to the paths. */
#ifndef PMADV_CGROOT_H
#define PMADV_CGROOT_H

#include <stddef.h>

#define CGROOT_MAX 8
#define CGROOT_PATH 256

struct cgroot {
	size_t n;
	char procs[CGROOT_MAX][CGROOT_PATH];	/* ".../cgroup.procs" */
};

/* Fill r (n = 0 when there is none, or mountinfo cannot be read). */
void cgroot_find(struct cgroot *r);

/* Move the calling process to each of them; failures are ignored (not
 * root: it stays where it is). Async-signal-safe: open, write, close. */
void cgroot_enter(const struct cgroot *r);

#endif
