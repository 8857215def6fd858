/* The only writer to stderr: one line per message, the program name first (as invoked, without its directory: "pmadv:"), the
 * whole line escaped (it may carry target-controlled names and the
 * operator's own arguments). */
#ifndef PMADV_MSG_H
#define PMADV_MSG_H

void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
