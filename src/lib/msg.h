/* The only writer to stderr: one line per message, the program name first (as invoked, without its directory: "pmadv:"), the
 * whole line escaped (it may carry target-controlled names and the
 * operator's own arguments). */
#ifndef PMADV_MSG_H
#define PMADV_MSG_H

#include <stdbool.h>

void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A status line that rewrites itself (the progress of a long run): only
 * when stderr is a terminal; msg_status_clear erases it before anything
 * else is written. */
bool msg_status_possible(void);
void msg_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_status_clear(void);

#endif
