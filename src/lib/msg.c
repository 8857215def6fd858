/* stderr lines. See lib.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "lib/lib.h"

void msg_warn(const char *fmt, ...)
{
	char line[ERR_LEN * 2], *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	e = escape_str(line, ESCAPE_TERMINAL);
	fprintf(stderr, "%s: %s\n", program_invocation_short_name, e ? e : line);
	free(e);
}

bool msg_status_possible(void)
{
	return isatty(STDERR_FILENO) == 1;
}

void msg_status(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* our own text only (numbers): no escaping needed; \033[K clears
	 * what a longer line before it left */
	fprintf(stderr, "\r%s: %s\033[K", program_invocation_short_name, line);
	fflush(stderr);
}

void msg_status_clear(void)
{
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* struct err: see lib.h. */
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
