/* A target's mappings through the PROCMAP_QUERY ioctl (Linux 6.11+), one
 * mapping per call. Slower than parsing /proc/PID/maps here (bench/), so it
 * is the fallback: used when the text cannot be read whole and in order, or
 * when PMADV_MAPS_SOURCE=query asks for it. */
#ifndef PMADV_PROCMAP_H
#define PMADV_PROCMAP_H

#include <sys/types.h>

#include "maps.h"

/* Fill m (names in *names, malloc'd, freed by the caller after m). Names
 * are spelled as in /proc/PID/maps (newline as \012, " (deleted)" dropped
 * and flagged). Returns 0, or -1 with errno set (ENOTTY: a kernel without
 * it; ESRCH: the process is gone). */
int procmap_read(pid_t pid, struct maps *m, char **names);

#endif
