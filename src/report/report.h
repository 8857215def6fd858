/* The only writer of results to stdout (argp's --help, --usage and
 * --version aside): human summaries, tables through libsmartcols, and the
 * JSON document. It formats a target_result (result.h) and never looks
 * behind it. Messages for stderr are msg.c's. */
#ifndef PMADV_REPORT_H
#define PMADV_REPORT_H

#include "options.h"
#include "result.h"

struct report;

/* NULL when out of memory. o must outlive the report. */
struct report *report_new(const struct options *o);
/* One target's result; it may be freed afterwards. */
void report_target(struct report *rp, const struct target_result *r);
/* A freeze window, after the results of the targets it covered. */
void report_window(struct report *rp, const struct window_info *w);
/* Print what is pending (tables, the JSON document), flush and free rp.
 * 0, or -1 with errno set when stdout could not be written. */
int report_finish(struct report *rp);

/* --recover: one line of what was thawed (escaped), or NULL for "nothing
 * to recover". */
void report_recovered(const char *line);

/* For atexit: what exits early (--help, --version) flushes stdout too; a
 * write error there is said on stderr and makes the exit status 1. */
void report_close_stdout(void);

#endif
