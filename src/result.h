/* What happened to one target: handed from main to report. */
#ifndef PMADV_RESULT_H
#define PMADV_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "advise.h"
#include "freeze.h"
#include "maps.h"
#include "select.h"

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
};

#endif
