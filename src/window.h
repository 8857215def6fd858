/* The freeze window: for a group of targets that one freeze covers (a
 * single target is a group of one), freeze, then for each read its maps,
 * select, check it is alive and still held by the freeze, advise it, and
 * thaw. Only what must be inside the window is: everything measured for
 * the report happens before or after it (run.c). */
#ifndef PMADV_WINDOW_H
#define PMADV_WINDOW_H

#include <stddef.h>

#include "freeze.h"
#include "maps_source.h"
#include "options.h"
#include "result.h"
#include "run.h"

struct window {
	struct freeze_info freeze;
	int *pids;			/* the members, for the report */
	struct window_info info;	/* what the report shows of it */
};

/* Run the window over the members (prepared, none failed). how: the
 * freeze this group takes. Fills w; window_free releases it. */
void window_run(struct run **members, size_t n, const struct freeze_req *how,
		const struct options *o, int id, struct window *w);
void window_free(struct window *w);

/* w->info from w->freeze and the figures of the window(s) that ran: n
 * members, frozen in all, how many windows, the longest. */
void window_fill_info(struct window *w, const struct freeze_req *how, int id,
		      size_t n, uint64_t frozen_ns, unsigned int windows,
		      uint64_t longest_ns);

/* For windows.c, which runs bounded windows one after another: a member's
 * maps read inside the window (smaps only where the selection needs Rss
 * or VmFlags), its liveness checked after (each -1 with x failed), and
 * the warning a broken freeze earns. */
int window_read_maps(struct run *x, const struct options *o);
int window_check_alive(struct run *x);
void window_warn_broken(struct run **m, size_t n, const struct freeze_info *fi);

#endif
