/* Address ranges given on the command line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "lib/lib.h"

static int part(const char *s, size_t n, uint64_t *v, struct err *e)
{
	char buf[64];

	if (n == 0)
		return err_set(e, EINVAL, "missing number");
	if (n >= sizeof(buf))
		return err_set(e, EINVAL, "number too long");
	memcpy(buf, s, n);
	buf[n] = '\0';
	return size_parse(buf, v, e);
}

int range_parse(const char *s, uint64_t page_size, struct addr_range *out,
		struct err *e)
{
	const char *sep = strpbrk(s, "-+");
	uint64_t a, b, end;

	if (!sep)
		return err_set(e, EINVAL, "expected START-END or START+LENGTH");
	if (part(s, (size_t)(sep - s), &a, e) || part(sep + 1, strlen(sep + 1), &b, e))
		return -1;
	if (*sep == '+') {
		if (b == 0)
			return err_set(e, EINVAL, "length is zero");
		if (b > UINT64_MAX - a)
			return err_set(e, ERANGE, "START+LENGTH wraps past the end of the address space");
		end = a + b;
	} else {
		if (b <= a)
			return err_set(e, EINVAL, "END must be greater than START");
		end = b;
	}
	/* align outward: the kernel advises whole pages */
	if (end > UINT64_MAX - (page_size - 1))
		return err_set(e, ERANGE, "range reaches past the end of the address space");
	out->start = a & ~(page_size - 1);
	out->end = (end + page_size - 1) & ~(page_size - 1);
	return 0;
}
