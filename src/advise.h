/* The only caller of process_madvise(2): batching within the kernel's limits
 * and exact accounting of partial returns. */
#ifndef PMADV_ADVISE_H
#define PMADV_ADVISE_H

#include <stddef.h>
#include <stdint.h>

#include "select.h"

/* Kernel limits per call: UIO_MAXIOV iovecs, MAX_RW_COUNT bytes (the
 * kernel ignores iovecs past it silently). */
#define ADVISE_MAX_IOV 1024
#define ADVISE_MAX_BYTES 0x7ffff000ULL

struct advise_result {
	uint64_t advised;	/* bytes the kernel accepted */
	int err;		/* 0, or errno of the part that failed */
};

struct advise_stats {
	uint64_t advised;	/* bytes the kernel accepted in all */
	int fatal;		/* errno that stopped the whole run (ESRCH...), or 0 */
};

/* Ask the kernel whether it would take this advice for this pidfd without
 * touching memory (empty iovec). Returns 0, or -1 with errno. */
int advise_probe(int pidfd, int advice);

/* Advise every piece; res[i] for pieces[i]. st->fatal says whether a
 * process-wide error cut it short (the remaining pieces carry it). */
void advise_run(int pidfd, int advice, const struct piece *pieces, size_t n,
		struct advise_result *res, struct advise_stats *st);

#endif
