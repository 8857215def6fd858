/* A target's run turned into its result (result.h), in one place: rows
 * for every range advised, skipped or refused (or mapping listed), totals,
 * the fatal error, the warnings, and the exit status it earns. The only
 * module that reads maps, plans and advice results for the report. */
#ifndef PMADV_OUTCOME_H
#define PMADV_OUTCOME_H

#include "options.h"
#include "result.h"
#include "run.h"

/* Build r from x; r points into x, so it lives until run_free(x). The
 * warnings it adds (nothing to advise, unmatched selectors, failed ranges)
 * go into x. Returns 0, or -1 (out of memory: x has failed, r has no
 * rows). */
int outcome_build(struct run *x, const struct options *o,
		  const struct window_info *w, struct target_result *r);
void outcome_free(struct target_result *r);

/* The target's exit status, as in the EXIT STATUS contract. */
int outcome_status(const struct target_result *r, const struct options *o);

#endif
