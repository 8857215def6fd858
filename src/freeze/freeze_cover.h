/* Private to the freeze module: which freezes hold a task. A freeze of a
 * process does not by itself hold everything that can change its address
 * space: a thread may sit in another cgroup than its process (v1 `tasks`,
 * v2 threaded cgroups), and other processes may share the mm (CLONE_VM,
 * mmshare.c). And a stop cannot take hold of a task that the cgroup
 * freezer holds. Reads only: never signals, never freezes. */
#ifndef PMADV_FREEZE_COVER_H
#define PMADV_FREEZE_COVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "freeze_cgroup.h"

/* Inside a freeze: is every live task sharing pid's address space held,
 * by a group stop (state T: ours or another program's) or, with cg (the
 * frozen cgroup), by being in cg or below? theirs: the freeze is another
 * program's (pmadv only waited for it). 0; or -1 with e naming the first
 * task that is not held: tid, comm, state, its cgroups. */
int cover_check(pid_t pid, const struct cg *cg, bool theirs, struct err *e);

/* Before a stop: is a live thread of pid in a cgroup that is frozen or
 * being frozen (v2: cgroup.freeze 1 on it or an ancestor, or cgroup.events
 * frozen 1; v1: freezer.state not THAWED)? 1 with *tid and where ("v2
 * cgroup /x") set; 0 if none (or when it cannot be told). */
int cover_cgroup_frozen(pid_t pid, pid_t *tid, char *where, size_t len);

#endif
