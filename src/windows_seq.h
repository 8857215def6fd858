/* Private to windows.c and chunk.c: a run of bounded windows and its
 * members. */
#ifndef PMADV_WINDOWS_SEQ_H
#define PMADV_WINDOWS_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"
#include "pace.h"
#include "progress.h"
#include "windows.h"

/* The targets run between two windows at least this long, and at least
 * as long as the window before was: they get half the time or more. */
#define REST_MIN_NS 1000000ULL
#define REST_SLICE_US 5000u	/* how often a rest looks for an interrupt */

struct member {
	struct run *x;
	struct ledger led;
	uint64_t budget;	/* --limit/--down-to across windows */
	bool budget_known;	/* fixed in the first window */
	size_t cur;		/* next piece of x->plan to advise */
	uint64_t off;		/* ... and where in it */
	size_t ccur;		/* what of this plan is in the ledger */
	uint64_t coff;
	bool committed;		/* an earlier window's plan is in the ledger */
	int rest_err;		/* the rest of the plan will not be advised:
				 * why (0: it may be, in a later window) */
	bool done;		/* nothing left for it, or it stopped */
	int stop_err;		/* stopped: what the rest of the plan carries */
};

struct seq {
	struct member *v;
	size_t n;
	const struct options *o;
	struct freeze_req req;
	struct pace pace;
	uint64_t page, max_ns;
	unsigned int windows;
	uint64_t frozen_ns, longest_ns;
	bool stop;		/* no further window */
	int interrupt;		/* the signal that stopped it, or 0 */
	struct progress prog;
};

/* Advise the member from its cursor in chunks until the next one would
 * not fit before deadline (chunk.c). *any: something was advised in this
 * window (its first chunk goes whatever the time left). */
void chunk_advise(struct seq *s, struct member *mb, struct freeze *fz,
		  uint64_t deadline, bool *any);

/* The rest of the member's plan will never be advised: it carries err
 * (x->res, and the ledger at the next commit). */
void chunk_record_rest(struct member *mb, int err);

/* After a window, outside it: what this window's plan attempted (and,
 * with rest_err, the rest) into the member's ledger, once, so that a later
 * window subtracts it. Kept out of the window: it copies names. */
void chunk_commit(struct member *mb);

#endif
