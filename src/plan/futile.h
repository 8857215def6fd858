/* Advice that cannot have an effect, taken out of a plan before the call:
 * the pieces of the mappings a rule names become skips with its reason,
 * so "advised" never counts them. Pure: the caller's rule decides. */
#ifndef PMADV_FUTILE_H
#define PMADV_FUTILE_H

#include "maps.h"
#include "select.h"

/* Why advice on mapping m is futile, or NULL. */
typedef const char *(*futile_rule)(const struct mapping *m, void *ctx);

/* Move every piece whose mapping the rule names into p's skips (kept in
 * address order), and take it out of p->bytes. Returns 0 or -1 (no
 * memory: p unchanged). */
int futile_apply(struct plan *p, const struct maps *maps, futile_rule rule,
		 void *ctx);

#endif
