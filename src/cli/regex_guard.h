/* The operator's regular expressions (-e, -N), tried before pmadv compiles
 * them for real: glibc's regcomp recurses once per nesting level (some
 * 15,000 nested parentheses overflow the stack and crash it) and nested
 * counted repetitions make it take minutes or gigabytes. A pattern must be
 * at most REGEX_MAX_LEN bytes and REGEX_MAX_DEPTH groups deep, and must
 * compile in a child process within a second of CPU and a bounded amount
 * of memory. */
#ifndef PMADV_REGEX_GUARD_H
#define PMADV_REGEX_GUARD_H

#include "err.h"

#define REGEX_MAX_LEN 4096	/* a path is at most PATH_MAX */
#define REGEX_MAX_DEPTH 100

/* 0 when src is safe to hand to regcomp, else -1 with e (EINVAL). */
int regex_guard(const char *src, struct err *e);

#endif
