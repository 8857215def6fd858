/* Command-line options (argp). Everything is checked here, before any
 * target is touched: bad input never costs a freeze. */
#ifndef PMADV_OPTIONS_H
#define PMADV_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "advice.h"
#include "freeze.h"
#include "select.h"

struct target_spec {
	bool is_pidfd;
	int value;		/* PID or fd number */
};

struct options {
	struct target_spec *targets;
	size_t ntargets;
	const struct advice *advice;
	struct selection sel;
	struct freeze_req freeze;
	bool dry_run;
	bool json;
	bool quiet;
	bool verbose;
};

/* Parse argv; exits with PMADV_EXIT_USAGE on bad usage. */
void options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

#endif
