/* Private to the freeze module and recovery: seeing that a freeze is
 * undone. A freeze record leaves the run directory only once its thaw has
 * been seen: every live thread of the process out of T, the cgroup's own
 * freeze off (v2 cgroup.freeze 0, v1 freezer.self_freezing 0), or the
 * process or cgroup positively gone (ESRCH through the pidfd, ENOENT or
 * ENODEV for the cgroup). Anything else (a read that fails for another
 * reason: EMFILE, ENOMEM, EACCES...) is "cannot tell", never "gone".
 * Reads only. */
#ifndef PMADV_FREEZE_OBSERVE_H
#define PMADV_FREEZE_OBSERVE_H

#include <stddef.h>
#include <sys/types.h>

enum observe_kind { OBSERVE_NONE, OBSERVE_STOP, OBSERVE_CGROUP };

struct observe {
	enum observe_kind kind;
	pid_t pid;		/* STOP: the process, held by pidfd */
	int pidfd;
	int dirfd;		/* CGROUP: its directory */
	int version;		/* 2, or 1 (v1 freezer) */
};

/* Is the freeze undone? 1: seen undone; 0: still frozen (why says what
 * holds: a thread in T, cgroup.freeze 1); -1 with errno: cannot tell (why
 * says what failed). OBSERVE_NONE: 1. why may be NULL. */
int observe_thawed(const struct observe *o, char *why, size_t len);

/* The same, looked at again for up to ms while it says 0 or -1 (a thaw
 * takes effect at once: this only rides out a momentary hiccup). */
int observe_thawed_within(const struct observe *o, unsigned int ms,
			  char *why, size_t len);

/* STOP only: is any live thread of pid in T? 1 yes, 0 no (or the process
 * is gone: *gone set), -1 with errno when it cannot be told. */
int observe_stopped(pid_t pid, int pidfd, int *gone);

#endif
