/* Private to the freeze module: the per-process and per-cgroup lock files
 * that keep concurrent pmadv runs from freezing, and so thawing, one target
 * under one another. A lock file is held with flock(2) from before the
 * freeze until after the thaw, and holds the record of the freeze while it
 * is in force (freeze_record.h). The guardian inherits the descriptor, so
 * the lock outlives pmadv until the guardian has thawed. The file is
 * unlinked by whoever releases it, unless it still holds a record (a thaw
 * not seen: it stays for --recover); a waiter that then gets the lock on
 * the unlinked file notices and tries again. The files live in the caller-only
 * run directory (rundir.h); even there a lock path that is not a regular
 * file of the caller's (a FIFO, a link, a device) is refused, never opened
 * in a way that could block. */
#ifndef PMADV_FREEZE_LOCK_H
#define PMADV_FREEZE_LOCK_H

#include <limits.h>
#include <stdint.h>

#include "err.h"

struct lock {
	int fd;
	char path[PATH_MAX];
};

/* Take the lock file name in the run directory, waiting for another run's
 * until deadline; what names the locked thing in messages ("process 12"),
 * timeout_ms is said in the time-out one. 0, or -1 with e (l->fd is then
 * -1). */
int lock_take(struct lock *l, const char *name, const char *what,
	      uint64_t deadline, unsigned int timeout_ms, struct err *e);

/* Open the existing lock file name in the directory dirfd the way
 * lock_take does (no link followed, no blocking, a regular file of the
 * caller's only), for recovery. The descriptor, or -1 with e. */
int lock_open_existing(int dirfd, const char *name, struct err *e);

/* Release it, and unlink it when it holds no freeze record (nothing when
 * not held). A record stays until its thaw has been seen. */
void lock_drop(struct lock *l);

#endif
