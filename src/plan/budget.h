/* Budgets in resident bytes (--limit, --down-to): from the pieces a
 * selection took and the residency runs of those pieces, the runs of pages
 * to advise, most resident pieces first, until the budget is spent. Pure:
 * residency.c reads the runs, window.c asks for the choice. */
#ifndef PMADV_BUDGET_H
#define PMADV_BUDGET_H

#include <stdint.h>

#include "resrun.h"
#include "select.h"

/* Replace p's pieces by the runs (pages whose flags include all of mask)
 * chosen for budget bytes: pieces in order of their bytes under mask,
 * largest first, address order within one; the last run cut down to whole
 * pages to fit. The result is in address order, adjacent runs of one
 * mapping joined; p->bytes is what it holds (never above budget). Returns
 * 0 or -1 (no memory: p unchanged). */
int budget_select(struct plan *p, const struct res_runs *runs,
		  unsigned int mask, uint64_t budget, uint64_t page);

/* --down-to SIZE: bytes to shed from rss to reach size (0 when already
 * there). */
static inline uint64_t budget_down_to(uint64_t rss, uint64_t size)
{
	return rss > size ? rss - size : 0;
}

#endif
