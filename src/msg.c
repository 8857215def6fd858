/* stderr lines. See msg.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "escape.h"
#include "msg.h"

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
