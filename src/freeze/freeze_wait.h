/* Private to the freeze module: waiting for a freeze to take hold. The
 * wait is part of the window (the service is paused from the first freeze
 * action), so it naps briefly (50 us, doubling to 1 ms) and ends at the
 * window's bound as well as at --freeze-timeout, or as soon as the
 * guardian has ended the window on its own (pmadv was held up). */
#ifndef PMADV_FREEZE_WAIT_H
#define PMADV_FREEZE_WAIT_H

#include <stdbool.h>
#include <stdint.h>

struct freeze_wait {
	uint64_t deadline;	/* give up then (clock_now_ns) */
	unsigned int limit_ms;	/* how long that was, for messages */
	bool bounded;		/* ... --max-freeze's bound, not the timeout */
	bool (*over)(void *ctx);	/* the window has ended meanwhile */
	void (*again)(void *ctx);	/* v1, our freeze: write FROZEN again */
	void *ctx;
	int pollfd;		/* naps wake early on POLLPRI here (v2
				 * cgroup.events), or -1 */
};

enum { WAIT_DONE = 0, WAIT_FAILED = -1, WAIT_DEADLINE = 1, WAIT_OVER = 2 };

/* Call done(dctx) until it returns 1 (WAIT_DONE); WAIT_FAILED when it
 * returns -1; WAIT_DEADLINE at w->deadline; WAIT_OVER when w->over says
 * so. done is called at least once. */
int freeze_wait_run(const struct freeze_wait *w, int (*done)(void *dctx),
		    void *dctx);

/* What the limit was, for the message: the bound (with its 50 ms floor)
 * or "" (the timeout). */
const char *freeze_wait_why(const struct freeze_wait *w);

#endif
