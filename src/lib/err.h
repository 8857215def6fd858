/* How a failure travels inside pmadv. A function that can fail returns 0
 * (or a count) on success and -1 on failure. The reason is in the caller's
 * struct err when the function takes one (it knows what it was doing and
 * says so in one line), and in errno only for thin wrappers over one system
 * call. Warnings are not errors: they go into a target's result
 * (result.h), never through struct err. Pure: no I/O. */
#ifndef PMADV_ERR_H
#define PMADV_ERR_H

#include <stddef.h>

#define ERR_LEN 512		/* one message line, the only size for it */

struct err {
	int code;		/* errno behind it, or 0 */
	char msg[ERR_LEN];	/* one line: no newline, no "pmadv:" */
};

/* Set e (if not NULL) and return -1, for "return err_set(e, ENOENT, ...)". */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append to e's message (bounded; keeps its code). */
void err_append(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void err_clear(struct err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

#endif
