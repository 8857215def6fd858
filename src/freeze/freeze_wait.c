/* Waiting for a freeze to take hold: see freeze_wait.h. */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "lib/lib.h"
#include "freeze/freeze.h"

#define NAP_FIRST_NS 50000u
#define NAP_MAX_NS 1000000u

static void nap(const struct freeze_wait *w, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	if (w->pollfd >= 0) {
		struct pollfd p = { .fd = w->pollfd, .events = POLLPRI };

		ppoll(&p, 1, &ts, NULL);
		return;
	}
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int freeze_wait_run(const struct freeze_wait *w, int (*done)(void *dctx),
		    void *dctx)
{
	uint64_t step = NAP_FIRST_NS;

	for (;;) {
		int r = done(dctx);
		uint64_t now;

		if (r > 0)
			return WAIT_DONE;
		if (r < 0)
			return WAIT_FAILED;
		if (w->over && w->over(w->ctx))
			return WAIT_OVER;
		now = clock_now_ns();
		if (now >= w->deadline)
			return WAIT_DEADLINE;
		if (w->again)
			w->again(w->ctx);
		if (step > w->deadline - now)
			step = w->deadline - now;
		nap(w, step);
		if (step < NAP_MAX_NS)
			step *= 2;
	}
}

const char *freeze_wait_why(const struct freeze_wait *w)
{
	return w->bounded ? " (a freeze must take hold within the window's "
			    "bound, --max-freeze, or 50 ms)" : "";
}
