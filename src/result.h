/* What happened to one target: handed from main to report. */
#ifndef PMADV_RESULT_H
#define PMADV_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "advise.h"
#include "freeze.h"
#include "maps.h"
#include "select.h"
#include "target.h"

struct target_result {
	int pid;
	char comm[64];
	char *error;			/* fatal error for this target, or NULL */
	const struct maps *maps;
	const struct plan *plan;
	const struct advise_result *res;	/* NULL: not advised (dry run) */
	const bool *refused;		/* per piece: the kernel refused the
					 * mapping for this advice: shown as
					 * skipped, not failed */
	uint64_t requested, advised, failed;
	size_t nranges, nskipped;
	struct freeze_info freeze;
	struct mem_rollup before, after;	/* smaps_rollup, when shown */
	const struct maps *smaps_before, *smaps_after;	/* -v per range */
};

/* -l: one target's mappings and what the advice would do to each. */
struct list_result {
	int pid;
	char comm[64];
	const struct maps *maps;	/* parsed from smaps: stats present */
	int advice;			/* -1: none given */
};

#endif
