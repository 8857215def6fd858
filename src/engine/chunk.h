/* The pure half of the window engine (engine.c does the I/O): where a
 * target is in its window's plan, the next chunk of it sized by the work
 * it holds (resident bytes, not address space: allocator arenas are mostly
 * empty, and a call over empty memory returns in microseconds), what each
 * chunk did, and what a window hands to the ledger. Pure: no I/O, no
 * clock; the reference-model test and the fuzzer drive it as engine.c
 * does. */
#ifndef PMADV_CHUNK_H
#define PMADV_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "advise.h"
#include "ledger.h"
#include "resrun.h"
#include "select.h"

/* A target's place in the plan of the window it is in. */
struct cursor {
	const struct plan *plan;
	const struct maps *maps;	/* the plan's pieces index these */
	struct advise_result *res;	/* res[i] for plan->pieces[i] */
	size_t cur;			/* the next byte to advise: */
	uint64_t off;			/* pieces[cur].start + off */
	size_t ccur;			/* handed to the ledger up to here, */
	uint64_t coff;
	uint64_t cadv;			/* ... with this much of pieces[ccur]'s
					 * advised bytes */
	int rest_err;			/* the rest will not be advised: why
					 * (0: a later window may) */
};

/* What is known of the work in an address range before the window (read
 * outside it): the residency runs read then, over the ranges in covered
 * (sorted, disjoint). A page outside covered is unknown and counts as
 * work (a mapping that appeared since: assume it is full). */
struct workmap {
	const struct res_runs *runs;	/* NULL: nothing read; all is work */
	const struct piece *covered;
	size_t ncovered;
	unsigned int mask;		/* the flags a page of work has */
	uint64_t page;
	bool absent;			/* work is the pages WITHOUT mask
					 * (willneed reads what is not in) */
};

/* Bytes of work in [start, end). */
uint64_t workmap_cost(const struct workmap *w, uint64_t start, uint64_t end);

/* The most one chunk may take. */
struct chunk_limits {
	uint64_t work;		/* estimated work bytes */
	uint64_t bytes;		/* address space (the kernel's MAX_RW_COUNT) */
	size_t pieces;		/* iovecs: room in out */
	uint64_t page;
	uint64_t align;		/* cuts fall on multiples of it (collapse:
				 * huge pages); 0: pages */
};

void cursor_init(struct cursor *c, const struct plan *p, const struct maps *m,
		 struct advise_result *res);
bool cursor_done(const struct cursor *c);

/* The pieces from the cursor within the limits into out, the last one cut
 * at a page boundary (lim->align); always at least one page (one align)
 * while anything is left: a window must progress, and that one is then
 * the whole chunk. Moves the cursor; *work: the estimate of what was
 * taken. Returns how many pieces; the first is plan piece (old cur). */
size_t chunk_take(struct cursor *c, const struct workmap *w,
		  const struct chunk_limits *lim, struct piece *out,
		  uint64_t *work);

/* What the kernel did with the k pieces chunk_take gave from plan piece
 * first on: into the plan's results. */
void chunk_record(struct cursor *c, size_t first, const struct piece *pcs,
		  const struct advise_result *r, size_t k);

/* The rest of the plan (from the cursor) will not be advised: err. */
void chunk_rest(struct cursor *c, int err);

/* After the window, outside it: what the window attempted (and, after
 * chunk_rest, the rest with its error) into the ledger, once. 0, or -1
 * (no memory). */
int chunk_commit(struct cursor *c, struct ledger *l);

/* Keep of p's pieces only what lies in keep (sorted, disjoint ranges):
 * a budget chosen before the window, applied to the window's own
 * selection. p->bytes updated. 0, or -1 (no memory: p unchanged). */
int plan_keep(struct plan *p, const struct piece *keep, size_t nkeep);

#endif
