/* Recovery: thaw the freezes whose pmadv and guardian are both gone (a
 * reboot-surviving cgroup freeze, pmadv killed together with its guardian,
 * a kill of a cgroup holding both when the guardian could not leave it).
 * It reads the freeze records in the caller's run directory (rundir.h,
 * freeze_record.h) and undoes only what a record says was frozen, and only
 * if that object is still the same: the process by PID and start time, the
 * cgroup by its directory's inode; never process 1. A record whose lock a
 * running pmadv or guardian holds is left alone; stale empty lock files are
 * removed. A record is removed only on evidence (freeze_observe.h): the
 * process or cgroup positively gone (ESRCH, ENOENT, a PID or directory that
 * is another's now), or seen running; anything that cannot be told (EMFILE,
 * ENOMEM, EACCES...) keeps it and says so, and so does a thaw not seen.
 * Every run directory of the caller is read (rundir_all). Writes
 * no output itself: each line goes to the caller's say. */
#ifndef PMADV_RECOVER_H
#define PMADV_RECOVER_H

#include <stdbool.h>

#include "err.h"

struct recover_count {
	unsigned int thawed;	/* undone now */
	unsigned int vanished;	/* the object was gone or replaced: dropped */
	unsigned int failed;	/* could not be undone: record kept */
	unsigned int busy;	/* a running pmadv holds it: left alone */
};

/* failure: the line says what could not be done */
typedef void (*recover_say)(bool failure, const char *line, void *ctx);

/* Scan the run directory (nothing when it does not exist). all: also say
 * what is left alone and why (for --recover). 0, or -1 with e when the
 * directory is refused or unreadable. */
int recover_run(bool all, recover_say say, void *ctx, struct recover_count *n,
		struct err *e);

#endif
