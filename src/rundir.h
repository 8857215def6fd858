/* Private to the freeze module and recovery: the directory that holds the
 * lock files, and in them the record of every freeze in force. Only its
 * owner may write there, so nobody else can plant a FIFO, a symbolic link
 * or a held file at a lock path: /run/pmadv for root (mode 0700, owned by
 * root); for any other user a 0700 directory of their own,
 * $XDG_RUNTIME_DIR/pmadv when that is set and theirs, else /tmp/pmadv-UID.
 * A directory that is not a real directory, not owned by the caller, or
 * open to anyone else is refused, never used. */
#ifndef PMADV_RUNDIR_H
#define PMADV_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* The caller's run directory into buf; created (0700) when create and
 * missing. 0; 1 when it does not exist and !create; -1 with e (refused, or
 * cannot be made). */
int rundir_get(char *buf, size_t len, bool create, struct err *e);

#endif
