/* --sort: a target's result rows ordered by one column, numbers largest
 * first, text in byte order, ties kept in address order. Pure. */
#ifndef PMADV_ROWSORT_H
#define PMADV_ROWSORT_H

#include <stddef.h>

#include "columns.h"
#include "result.h"

void rows_sort(struct result_row *rows, size_t n, enum col_id col);

#endif
