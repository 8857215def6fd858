/* Private to the freeze module. A bound on a freeze window that holds even
 * while pmadv's main thread is stuck in a system call: a thread of its own
 * that thaws the target when the window stops making progress. The case it
 * exists for: a mapping served by a FUSE server that the freeze also froze
 * (the target itself, or a process of its cgroup). process_madvise then
 * waits for that server, in a wait no signal ends, and the server waits for
 * the thaw: without an outside party neither ever runs again.
 *
 * The rule: the window is broken when no advice call has completed for
 * watchdog_bound_ms(): with --max-freeze M, max(4 x M, 1 s) (windows.c
 * sizes each call to fit M, so a call four times slower than measured is
 * stuck; the floor keeps a loaded machine's scheduling delays from
 * breaking a healthy window); with --max-freeze=0 (one window for the
 * run), max(2 x --freeze-timeout, 5 s). Progress is counted per process_madvise
 * call, and under a freeze each call carries at most
 * WATCHDOG_CALL_MAX_BYTES, so a long pageout of many GiB shows progress
 * every call; only a call that itself takes longer than the bound (a
 * blocked one, or a device slower than ~13 MB/s) fires it. */
#ifndef PMADV_WATCHDOG_H
#define PMADV_WATCHDOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "guardian.h"

/* Bytes per process_madvise call while a watchdog runs: 64 MiB takes about
 * 64 ms to page out at the ~1 GB/s measured here (swap file), and up to 5 s
 * at 13 MB/s. */
#define WATCHDOG_CALL_MAX_BYTES (64ULL << 20)
#define WATCHDOG_MIN_MS 5000u
#define WATCHDOG_BOUNDED_FACTOR 4u
#define WATCHDOG_BOUNDED_MIN_MS 1000u

struct watchdog {
	bool running;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* CLOCK_MONOTONIC */
	bool stop;		/* under mu */
	uint64_t bound_ns;
	struct thaw_op op;
	_Atomic uint64_t last_ns;	/* the last progress */
	_Atomic bool fired;
	int thaw_err;		/* errno of its thaw, 0: thawed (once fired) */
	uint64_t stalled_ns;	/* how long nothing had progressed */
	uint64_t fired_ns;	/* when it thawed (clock_now_ns) */
};

/* max_freeze_ms 0: max(2 x freeze_timeout_ms, WATCHDOG_MIN_MS); else
 * max(4 x max_freeze_ms, WATCHDOG_BOUNDED_MIN_MS); saturating. */
unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms);

/* Start watching: from now, bound_ms without watchdog_kick runs op (once).
 * The thread blocks every signal. 0, or -1 with e. */
int watchdog_start(struct watchdog *w, const struct thaw_op *op,
		   unsigned int bound_ms, struct err *e);

/* Progress (an advice call completed). Cheap: one clock read. Returns
 * false once the watchdog has fired: the freeze is gone, advise no more. */
bool watchdog_kick(struct watchdog *w);

/* Stop and join it; safe on a watchdog never started. Returns whether it
 * fired (then thaw_err and stalled_ns say how). */
bool watchdog_stop(struct watchdog *w);

#endif
