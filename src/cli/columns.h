/* Output columns for the range table (-v) and the mapping list (-l), in the
 * util-linux manner: names for -o, help text for --help. Pure. */
#ifndef PMADV_COLUMNS_H
#define PMADV_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum col_id {
	COL_PID, COL_COMM, COL_START, COL_END, COL_SIZE, COL_ADVISED,
	COL_RSS, COL_RSS_AFTER, COL_SWAP, COL_SWAP_AFTER, COL_PERMS,
	COL_CLASS, COL_NAME, COL_ADVICE, COL_ERROR, COL_RESIDENT,
	COL_RECLAIMABLE,
	COL_COUNT
};

struct column_info {
	const char *name;
	const char *help;
	bool number;		/* right-aligned; a JSON number */
};

const struct column_info *column_info(enum col_id id);

/* Parse "START,END,+RSS" style lists: a leading '+' appends to the
 * defaults. Returns the number of columns written to out (at most max), or
 * -1 with e naming the unknown column (unescaped: "unknown column 'X'"). */
int columns_parse(const char *list, const enum col_id *defaults, size_t ndefaults,
		  enum col_id *out, size_t max, struct err *e);

/* Defaults: the range table of -v and the mapping list of -l. */
extern const enum col_id columns_range_default[];
extern const size_t columns_range_ndefault;
extern const enum col_id columns_list_default[];
extern const size_t columns_list_ndefault;

#endif
