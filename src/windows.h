/* A run of bounded freeze windows over a group of targets (--max-freeze):
 * freeze, read the maps, select, advise chunks sized from measured
 * throughput until the next one would not fit the bound, thaw; let the
 * targets run at least as long as the window was; again, with fresh maps,
 * until nothing selected is left. Every byte advised was, in the same
 * window, in a mapping read inside that window that the selection takes;
 * ledger.c keeps what earlier windows did so that nothing is advised twice
 * and --limit counts across windows. One window runs as window.c's. */
#ifndef PMADV_WINDOWS_H
#define PMADV_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>

#include "window.h"

/* Does this run take bounded windows (a freeze, --max-freeze > 0, advice
 * to give)? Otherwise windows_run is window_run. */
bool windows_bounded(const struct options *o, const struct freeze_req *how);

/* As window_run (window.h), in as many windows as the bound needs. */
void windows_run(struct run **members, size_t n, const struct freeze_req *how,
		 const struct options *o, int id, struct window *w);

#endif
