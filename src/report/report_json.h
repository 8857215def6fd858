/* The hand-written JSON of an advice run (-J). Private to report.c. */
#ifndef PMADV_REPORT_JSON_H
#define PMADV_REPORT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "result.h"

/* One element of the "targets" / "freezes" arrays; first: no comma. */
void json_target(FILE *f, bool first, const struct target_result *r,
		 bool with_stats);
void json_window(FILE *f, bool first, const struct window_info *w);

/* Run-wide sums that never count shared memory twice (Pss, SwapPss), and
 * the resident bytes selected. valid: every target had its rollup. */
struct report_totals {
	size_t targets;		/* with a result (no fatal error) */
	bool valid, resident_known;
	uint64_t pss_before, pss_after, swap_pss_before, swap_pss_after;
	uint64_t resident;
};

void report_totals_add(struct report_totals *t, const struct target_result *r);
/* ,"pss_before":N,... (null where unknown) */
void json_totals(FILE *f, const struct report_totals *t);

#endif
