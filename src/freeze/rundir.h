/* Private to the freeze module and recovery: the directory that holds the
 * lock files, and in them the record of every freeze in force. Only its
 * owner may write there, so nobody else can plant a FIFO, a symbolic link
 * or a held file at a lock path: /run/pmadv for root (mode 0700, owned by
 * root); for any other user a 0700 directory of their own, the first of
 * $XDG_RUNTIME_DIR/pmadv (when that is set, absolute, a directory of
 * theirs and 0700), /tmp/pmadv-UID and $HOME/.cache/pmadv that is usable.
 *
 * A directory that is not a real directory, not owned by the caller, or
 * not mode 0700 is refused, never used: another user who creates
 * /tmp/pmadv-UID first cannot block the user's freezes, because pmadv then
 * says so (once, naming it) and uses the next one. Every run of a user
 * picks the same one, so concurrent runs still take turns; --recover looks
 * in all of them. */
#ifndef PMADV_RUNDIR_H
#define PMADV_RUNDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* The caller's run directory into buf; created (0700) when create and
 * missing. 0; 1 when none exists and !create; -1 with e (every candidate
 * refused or impossible: e names them and says how to set
 * XDG_RUNTIME_DIR). A candidate refused on the way is said once on
 * stderr, with the one used instead. */
int rundir_get(char *buf, size_t len, bool create, struct err *e);

/* Every candidate that exists and is the caller's alone (for recovery),
 * at most max. The count. */
size_t rundir_all(char (*dirs)[PATH_MAX], size_t max);

#endif
