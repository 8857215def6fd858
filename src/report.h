/* The only writer to stdout: human summaries, tables (libsmartcols) and the
 * JSON document. Errors go to stderr from main, never from here. */
#ifndef PMADV_REPORT_H
#define PMADV_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "columns.h"
#include "result.h"

struct report_opts {
	const char *advice;	/* name, or "" for -l without -a */
	bool dry_run, json, verbose, quiet, list;
	bool bytes, raw, noheadings;
	const enum col_id *columns;
	size_t ncolumns;
};

int report_init(const struct report_opts *o);
/* Record one target; its maps may be freed afterwards. */
void report_target(const struct target_result *r);
/* -l: one target's mappings. */
void report_list(const struct list_result *l);
/* Print what is pending (tables, the JSON document) and flush. 0, or -1 with
 * errno set when stdout could not be written. */
int report_finish(void);

#endif
