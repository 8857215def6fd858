/* Private to the freeze module: freezing through the cgroup freezer, v2
 * (cgroup.freeze, cgroup.events) or v1 (freezer.state). */
#ifndef PMADV_FREEZE_CGROUP_H
#define PMADV_FREEZE_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "freeze_wait.h"
#include "guardian.h"

struct cg {
	int version;		/* 2, or 1 for the v1 freezer */
	char path[PATH_MAX];	/* as /proc/PID/cgroup shows it */
	char dir[PATH_MAX];	/* its directory */
	int dirfd;
	int statefd;		/* cgroup.freeze / freezer.state, write only */
	int eventsfd;		/* v2: cgroup.events; else -1 */
	dev_t dev;		/* of the directory: the lock key */
	ino_t ino;
};

/* Find the cgroup to freeze from /proc/PID/cgroup and /proc/self/mountinfo:
 * spec NULL means the target's own (v2 preferred; a hierarchy where the
 * target sits in the root cgroup, or whose cgroup holds pmadv, is passed
 * over); otherwise spec is a directory under a cgroup mount or a path as
 * /proc/PID/cgroup shows it, and must contain the target. The root cgroup
 * and cgroups that contain pmadv are refused. Opens the files; cg_close
 * closes them (also after a failure). 0, or -1 with e. */
int cg_resolve(const char *spec, pid_t pid, struct cg *c, struct err *e);

/* Is pid in the cgroup or below it? 0; or -1 with e saying where it is. */
int cg_check_member(const struct cg *c, pid_t pid, struct err *e);

/* Was the cgroup frozen already, by someone else (v2 cgroup.freeze 1; v1
 * self_freezing 1)? Then it is only waited for and never thawed. */
int cg_already(const struct cg *c, bool *already, struct err *e);

/* The write that thaws it. */
void cg_thaw_op(const struct cg *c, struct thaw_op *op);

/* The write that freezes it (the guardian runs it). */
void cg_freeze_op(const struct cg *c, struct thaw_op *op);

/* Wait until it is frozen: v2 re-reads cgroup.events for "frozen 1" after
 * each short nap (woken early by POLLPRI); v1 re-reads freezer.state (w's
 * again writes FROZEN each round for our own freeze). 0; or -1 with e
 * naming the threads not frozen in time, or saying the window ended first
 * (the caller thaws: this never does). */
int cg_wait_frozen(const struct cg *c, const struct freeze_wait *w,
		   struct err *e);

/* When a window closes: is the cgroup still frozen? v2: cgroup.freeze
 * still 1 and cgroup.events "frozen 1"; v1: freezer.state FROZEN. false
 * once another writer thawed it during the window; true when it cannot be
 * read (then nothing says it was thawed). */
bool cg_still_frozen(const struct cg *c);

/* Processes in the cgroup and its descendants. */
unsigned int cg_count_procs(const struct cg *c);

void cg_close(struct cg *c);

#endif
