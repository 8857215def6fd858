/* The only caller of process_madvise(2): batching within the kernel's limits
 * and exact accounting of partial returns. */
#ifndef PMADV_ADVISE_H
#define PMADV_ADVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "select.h"

/* Kernel limits per call: UIO_MAXIOV iovecs, MAX_RW_COUNT bytes (the
 * kernel ignores iovecs past it silently). */
#define ADVISE_MAX_IOV 1024
#define ADVISE_MAX_BYTES 0x7ffff000ULL

/* Without a freeze, each call carries at most this: the kernel holds the
 * target's mmap_lock for a whole call, so its mmap/munmap (and faults
 * that need the lock) wait for the call. Measured here (tests/helpers/
 * pauser with mmap, 1 GiB pageout to a swap file): one call stalled the
 * target 400-450 ms; 16 MiB calls keep its longest stall near 10-20 ms
 * (bench/RESULTS.md), for a few hundred calls per GiB (microseconds
 * each). */
#define ADVISE_UNFROZEN_MAX_BYTES (16ULL << 20)

struct advise_result {
	uint64_t advised;	/* bytes the kernel accepted */
	int err;		/* 0, or errno of the part that failed */
};

struct advise_stats {
	uint64_t advised;	/* bytes the kernel accepted in all */
	int fatal;		/* errno that stopped the whole run (ESRCH...), or 0 */
	bool stopped;		/* the watch said stop: pieces not reached
				 * carry ECANCELED */
};

/* Who watches the run's progress (a freeze window's watchdog): called after
 * every process_madvise call returns, whatever it returned; returning false
 * stops the run there. max_bytes caps each call (0: the kernel's cap), so
 * that progress shows at that grain. */
struct advise_watch {
	bool (*progress)(void *ctx);
	void *ctx;
	uint64_t max_bytes;
};

/* Ask the kernel whether it would take this advice for this pidfd without
 * touching memory (empty iovec). Returns 0, or -1 with errno. */
int advise_probe(int pidfd, int advice);

/* Advise every piece; res[i] for pieces[i]. st->fatal says whether a
 * process-wide error cut it short (the remaining pieces carry it). watch
 * may be NULL. */
void advise_run(int pidfd, int advice, const struct piece *pieces, size_t n,
		const struct advise_watch *watch, struct advise_result *res,
		struct advise_stats *st);

#endif
