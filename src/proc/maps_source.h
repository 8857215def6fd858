/* Where a target's mappings come from: /proc/PID/maps or smaps text, parsed
 * by maps.c, or the PROCMAP_QUERY ioctl (procmap.c) when the text cannot be
 * read whole and in order, or when the test knob asks for it. Reads only;
 * what to select from them is select.c's business. */
#ifndef PMADV_MAPS_SOURCE_H
#define PMADV_MAPS_SOURCE_H

#include <stdbool.h>

#include "err.h"
#include "maps.h"
#include "target.h"

enum maps_file { MAPS_FILE_MAPS, MAPS_FILE_SMAPS };

/* Read and parse one file of the target into *m; *text holds what the
 * names point into (free it after m). query: PROCMAP_QUERY first (maps
 * only). Returns 0, or -1 with e. */
int maps_source_read(const struct target *t, enum maps_file file, bool query,
		     char **text, struct maps *m, struct err *e);

#endif
