/* The only writer to stdout: human summaries, -v tables (libsmartcols) and
 * the JSON document. Errors go to stderr from main, never from here. */
#ifndef PMADV_REPORT_H
#define PMADV_REPORT_H

#include <stdbool.h>

#include "result.h"

struct report_opts {
	const char *advice;
	bool dry_run, json, verbose, quiet;
};

int report_init(const struct report_opts *o);
/* Record one target; its maps may be freed afterwards. */
void report_target(const struct target_result *r);
/* Print what is pending (the JSON document) and flush. 0, or -1 with errno
 * set when stdout could not be written. */
int report_finish(void);

#endif
