/* struct err: see err.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/lib.h"

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void err_append(struct err *e, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!e)
		return;
	used = strnlen(e->msg, sizeof(e->msg));
	if (used >= sizeof(e->msg) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg + used, sizeof(e->msg) - used, fmt, ap);
	va_end(ap);
}
