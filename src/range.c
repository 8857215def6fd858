/* Address ranges given on the command line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"
#include "size.h"

static int part(const char *s, size_t n, uint64_t *v, const char **why)
{
	char buf[64];
	int rc;

	if (n == 0) {
		*why = "missing number";
		return -1;
	}
	if (n >= sizeof(buf)) {
		*why = "number too long";
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	rc = size_parse(buf, v);
	if (rc == -ERANGE) {
		*why = "number too large for 64 bits";
		return -1;
	}
	if (rc) {
		*why = "not a number (use hex 0x.. or decimal, optional K M G T suffix)";
		return -1;
	}
	return 0;
}

int range_parse(const char *s, uint64_t page_size, struct addr_range *out,
		const char **why)
{
	const char *sep = strpbrk(s, "-+");
	uint64_t a, b, end;

	*why = NULL;
	if (!sep) {
		*why = "expected START-END or START+LENGTH";
		return -1;
	}
	if (part(s, (size_t)(sep - s), &a, why) || part(sep + 1, strlen(sep + 1), &b, why))
		return -1;
	if (*sep == '+') {
		if (b == 0) {
			*why = "length is zero";
			return -1;
		}
		if (b > UINT64_MAX - a) {
			*why = "START+LENGTH wraps past the end of the address space";
			return -1;
		}
		end = a + b;
	} else {
		if (b <= a) {
			*why = "END must be greater than START";
			return -1;
		}
		end = b;
	}
	/* align outward: the kernel advises whole pages */
	out->start = a & ~(page_size - 1);
	if (end > UINT64_MAX - (page_size - 1)) {
		*why = "range reaches past the end of the address space";
		return -1;
	}
	out->end = (end + page_size - 1) & ~(page_size - 1);
	return 0;
}
