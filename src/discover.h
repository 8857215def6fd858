/* Finding target processes by name (like pgrep) through libproc2. */
#ifndef PMADV_DISCOVER_H
#define PMADV_DISCOVER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* PIDs of the processes whose command name (or, with full, whole command
 * line) matches re, in ascending order; never pmadv itself, kernel threads
 * or zombies (they have no memory to advise). Returns 0 or -1 (no memory or
 * /proc unreadable). *pids is malloc'd. */
int discover_by_name(const regex_t *re, bool full, pid_t **pids, size_t *n);

#endif
