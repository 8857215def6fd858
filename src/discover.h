/* Finding target processes: by name (like pgrep) through libproc2, or as
 * the members of a cgroup (-c). */
#ifndef PMADV_DISCOVER_H
#define PMADV_DISCOVER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* PIDs of the processes whose command name (or, with full, whole command
 * line) matches re, in ascending order; never pmadv itself, kernel threads
 * or zombies (they have no memory to advise). Returns 0 or -1 (no memory or
 * /proc unreadable). *pids is malloc'd. */
int discover_by_name(const regex_t *re, bool full, pid_t **pids, size_t *n);

/* The processes of a cgroup and of its descendants (what freezing it
 * freezes), pmadv itself left out, in increasing order. cgroup is a
 * directory under a cgroup mount (v2 or any v1 hierarchy) or a path as
 * /proc/PID/cgroup shows it (looked up in v2, then the v1 freezer, then the
 * other v1 hierarchies); a hierarchy's root is refused. *pids is malloc'd,
 * to free; *n may be 0. 0, or -1 with e. */
int discover_cgroup(const char *cgroup, pid_t **pids, size_t *n, struct err *e);

#endif
