/* Private to the freeze module and recovery: the record of a freeze in
 * force. It is the content of the lock file of what is frozen (the
 * process lock for --freeze=stop, the cgroup lock for --freeze=cgroup),
 * written before the freeze and emptied only once a thaw has been seen
 * (freeze_observe.h: by the guardian, by pmadv when the guardian is lost,
 * or by recovery); a lock file is removed only when empty, so a record
 * whose thaw failed or was not seen stays for --recover. It names who froze (pmadv and its guardian, each by
 * PID and start time), what (a process by PID and start time, or a cgroup
 * directory by path, version and inode) and how to undo it, so that a later
 * pmadv can thaw it once both are gone, and only if the object is still the
 * same. Plain text, for operators too. */
#ifndef PMADV_FREEZE_RECORD_H
#define PMADV_FREEZE_RECORD_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

enum record_kind { RECORD_STOP, RECORD_CGROUP };

struct freeze_record {
	pid_t owner;			/* the pmadv that froze */
	unsigned long long owner_start;	/* start times: /proc/PID/stat */
	pid_t guardian;
	unsigned long long guardian_start;
	enum record_kind kind;
	pid_t target;			/* RECORD_STOP: stopped by SIGSTOP */
	unsigned long long target_start;
	int version;			/* RECORD_CGROUP: 2, or 1 (v1 freezer) */
	unsigned long long dev, ino;	/* ... of its directory */
	char dir[PATH_MAX];
};

/* The text of r into buf. Its length, or -1 when it does not fit. Pure. */
int record_format(const struct freeze_record *r, char *buf, size_t len);

/* Parse what record_format wrote (NUL-terminated). 0, or -1. Pure. */
int record_parse(const char *text, struct freeze_record *r);

/* Replace the content of the lock file fd with r. 0, or -1 with e. */
int record_write(int fd, const struct freeze_record *r, struct err *e);

/* Empty it: the freeze is over. Async-signal-safe. */
void record_clear(int fd);

/* The start time of pid (0 for ourselves), or 0 when it is gone. */
unsigned long long record_start_time(pid_t pid);

#endif
