/* The record of one target's ranges across bounded windows: what each
 * window attempted (advised, or failed and why), what it skipped, and which
 * selectors matched nothing in every window. A later window reads the maps
 * again and selects again; what the ledger holds is subtracted from its
 * plan, so a range is never advised twice. At the end the ledger becomes
 * the maps, plan and results a single window would have left (outcome.c
 * reads them as ever). Pure: no I/O. */
#ifndef PMADV_LEDGER_H
#define PMADV_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "advise.h"
#include "maps.h"
#include "select.h"

struct ledger_entry {
	struct mapping map;	/* start, end: the part attempted or skipped;
				 * name: the ledger's copy */
	uint64_t whole_start, whole_end;	/* the mapping it is part of */
	uint64_t advised;
	int err;
	const char *reason;	/* a skip's (static text); NULL: attempted */
};

struct ledger {
	struct ledger_entry *v;
	size_t n, cap;
	bool sorted;
	uint64_t attempted;	/* bytes of the attempted entries */
	struct unmatched *unmatched;	/* NULL until the first plan */
	size_t nunmatched;
	bool planned;		/* a plan has been noted */
};

/* Piece [start, end) of mapping m was attempted: the kernel took advised
 * bytes; err is the errno of the rest (0: none). 0, or -1 (no memory). */
int ledger_add(struct ledger *l, const struct mapping *m, uint64_t start,
	       uint64_t end, uint64_t advised, int err);

/* After a window selects: its skips (those at addresses the ledger has no
 * entry for), and which selectors matched nothing (the first plan's list,
 * less any selector a later plan matched). 0, or -1 (no memory). */
int ledger_note_plan(struct ledger *l, const struct plan *p,
		     const struct maps *maps);

/* Cut from p's pieces every byte an attempted entry covers (pieces split
 * where needed; p->bytes updated). 0, or -1 (no memory). */
int ledger_subtract(struct ledger *l, struct plan *p);

/* The ledger as one window's outcome: *text holds the names *maps points
 * to; plan pieces and skips in address order, res[i] for pieces[i].
 * Adjacent entries of one mapping that were advised whole are one piece.
 * The caller owns them all (free, maps_free, plan_free). 0, or -1. */
int ledger_result(struct ledger *l, char **text, struct maps *maps,
		  struct plan *plan, struct advise_result **res);

void ledger_free(struct ledger *l);

#endif
