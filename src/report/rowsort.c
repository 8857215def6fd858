/* Sorting result rows by a column. See report.h. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static enum col_id sort_col;

/* A number column's value; false for a text column. Unknown numbers
 * (no smaps, no pagemap) sort last, as zero. */
static bool number(const struct result_row *r, enum col_id c, uint64_t *v)
{
	switch (c) {
	case COL_START:		*v = r->start; return true;
	case COL_END:		*v = r->end; return true;
	case COL_SIZE:		*v = r->end - r->start; return true;
	case COL_ADVISED:	*v = r->advised; return true;
	case COL_RSS:		*v = r->before.rss; return true;
	case COL_RSS_AFTER:	*v = r->after.rss; return true;
	case COL_SWAP:		*v = r->before.swap; return true;
	case COL_SWAP_AFTER:	*v = r->after.swap; return true;
	case COL_RESIDENT:	*v = r->resident; return true;
	case COL_RECLAIMABLE:	*v = r->reclaimable; return true;
	default:		return false;
	}
}

static const char *text(const struct result_row *r, enum col_id c)
{
	switch (c) {
	case COL_PERMS:		return r->perms;
	case COL_CLASS:		return r->class_name;
	case COL_NAME:		return r->name;
	case COL_ADVICE:	return r->advice;
	case COL_ERROR:		return r->error ? r->error : r->reason;
	default:		return NULL;
	}
}

static int compare(const void *a, const void *b)
{
	const struct result_row *x = a, *y = b;
	uint64_t u, v;
	int d = 0;

	if (number(x, sort_col, &u) && number(y, sort_col, &v)) {
		/* addresses ascend; amounts descend, largest first */
		bool up = sort_col == COL_START || sort_col == COL_END;
		d = u == v ? 0 : (u < v) == up ? -1 : 1;
	} else {
		const char *s = text(x, sort_col), *t = text(y, sort_col);
		d = strcmp(s ? s : "", t ? t : "");
	}
	if (d)
		return d;
	return x->start < y->start ? -1 : x->start > y->start;
}

void rows_sort(struct result_row *rows, size_t n, enum col_id col)
{
	sort_col = col;
	qsort(rows, n, sizeof(*rows), compare);
}
