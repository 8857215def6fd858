/* Tables for report.c (libsmartcols). Private to report.c. */
#ifndef PMADV_REPORT_TABLE_H
#define PMADV_REPORT_TABLE_H

#include <stdint.h>

#include <libsmartcols.h>

#include "options.h"
#include "result.h"

/* A size as the options want it: bytes (-b, JSON) or human units. */
void report_size(const struct options *o, uint64_t v, char *buf, size_t len);

/* A table with the options' columns and format; NULL when out of memory. */
struct libscols_table *table_new(const struct options *o);

/* One target's rows (and, for -l, a total row). */
void table_add(struct libscols_table *tb, const struct options *o,
	       const struct target_result *r);

/* Print tb (-J: one line, DEL and bidi controls as \uXXXX) and free it. */
void table_print(struct libscols_table *tb, const struct options *o);

#endif
