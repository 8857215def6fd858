/* Private to the freeze module: the per-process and per-cgroup lock files
 * that keep concurrent pmadv runs from freezing, and so thawing, one target
 * under one another. A lock file is held with flock(2) from before the
 * freeze until after the thaw. The guardian inherits the descriptor, so the
 * lock outlives pmadv until the guardian has thawed. The file is unlinked by
 * whoever releases it; a waiter that then gets the lock on the unlinked file
 * notices and tries again. */
#ifndef PMADV_FREEZE_LOCK_H
#define PMADV_FREEZE_LOCK_H

#include <stdint.h>

#include "err.h"

struct lock {
	int fd;
	char path[128];
};

/* Take the lock file name (in /run/pmadv, or /tmp/pmadv-UID), waiting for
 * another run's until deadline; what names the locked thing in messages
 * ("process 12"), timeout_ms is said in the time-out one. 0, or -1 with e
 * (l->fd is then -1). */
int lock_take(struct lock *l, const char *name, const char *what,
	      uint64_t deadline, unsigned int timeout_ms, struct err *e);

/* Unlink and release it (nothing when not held). */
void lock_drop(struct lock *l);

#endif
