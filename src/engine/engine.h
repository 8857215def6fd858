/* The window engine: one way to advise a group of targets that one freeze
 * covers (a single target is a group of one). A run is a sequence of
 * windows: freeze, read the maps, select, advise chunks of work until the
 * bound (--max-freeze), thaw; let the targets run; again with fresh maps
 * until nothing selected is left. --max-freeze=0 and "no freeze" are the
 * same sequence with no deadline (without a freeze calls stay short, so
 * the target's mmap_lock is never held long).
 *
 * Inside a window only what must be: the maps read, the selection, the
 * advice. Residency (what sizes the chunks, what budgets spend, what the
 * report shows), smaps for a budget, and every report figure are read
 * before the first window or after the last. Every byte advised was, in
 * the same window, in a mapping read inside that window that the
 * selection takes; the ledger keeps what earlier windows did, so nothing
 * is advised twice, and the result adds up over all windows. */
#ifndef PMADV_ENGINE_H
#define PMADV_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "freeze.h"
#include "options.h"
#include "result.h"
#include "run.h"

struct window {
	struct freeze_info freeze;	/* the first window's, and a break */
	int *pids;			/* the members, for the report */
	struct window_info info;	/* what the report shows of it */
};

/* Run the group (prepared, none failed) with the freeze how. Fills w;
 * window_free releases it. */
void engine_run(struct run **members, size_t n, const struct freeze_req *how,
		const struct options *o, int id, struct window *w);
void window_free(struct window *w);

/* Do windows end at a deadline (a freeze, --max-freeze > 0, advice to
 * give)? Then a first signal ends the run between two calls, with its
 * report; in one window it thaws at once and ends pmadv. */
bool engine_bounded(const struct options *o, const struct freeze_req *how);

#endif
