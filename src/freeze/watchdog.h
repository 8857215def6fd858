/* Private to the freeze module: the limits on a freeze window that the
 * guardian keeps (guardian.h) — a process that is not pmadv, so they hold
 * while pmadv's main thread is stuck in a system call (a mapping served by
 * a FUSE server that the freeze also froze: process_madvise then waits for
 * that server, which waits for the thaw), and equally while pmadv is
 * stopped, frozen with its cgroup, traced or starved.
 *
 * With --max-freeze M the window ends at M + GUARDIAN_GRACE_MS after its
 * first freeze action, whatever pmadv does. With --max-freeze=0 (one
 * window for the run) it ends once no advice call has completed for
 * watchdog_bound_ms(): max(2 x --freeze-timeout, 5 s). Progress is counted
 * per process_madvise call, and under a freeze each call carries at most
 * WATCHDOG_CALL_MAX_BYTES, so a long pageout of many GiB shows progress
 * every call; only a call that itself takes longer than the bound (a
 * blocked one, or a device slower than ~13 MB/s) ends it. */
#ifndef PMADV_WATCHDOG_H
#define PMADV_WATCHDOG_H

#include <stdint.h>

/* Bytes per process_madvise call under a freeze of ours: 64 MiB takes
 * about 64 ms to page out at the ~1 GB/s measured here (swap file), and up
 * to 5 s at 13 MB/s. */
#define WATCHDOG_CALL_MAX_BYTES (64ULL << 20)
#define WATCHDOG_MIN_MS 5000u

/* The longest a window may last: max_freeze_ms 0: max(2 x
 * freeze_timeout_ms, WATCHDOG_MIN_MS) without progress; else
 * max_freeze_ms + GUARDIAN_GRACE_MS from its start; saturating. */
unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms);

#endif
