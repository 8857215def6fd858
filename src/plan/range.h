/* Address ranges given on the command line. Pure. */
#ifndef PMADV_RANGE_H
#define PMADV_RANGE_H

#include <stdint.h>

#include "err.h"

struct addr_range {
	uint64_t start, end;	/* [start, end), page-aligned */
};

/* Parse "START-END" or "START+LENGTH" (hex 0x.. or decimal; LENGTH and
 * addresses take size suffixes) and align outward to page_size.
 * Returns 0, or -1 with e saying why (EINVAL malformed, ERANGE too large). */
int range_parse(const char *s, uint64_t page_size, struct addr_range *out,
		struct err *e);

#endif
