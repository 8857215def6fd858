/* The tasks that share a process's address space: its threads, and the
 * threads of other processes created with clone(CLONE_VM) but without
 * CLONE_THREAD (a vfork child until it execs, posix_spawn's child, hand-made
 * clones). A freeze of the process (its stop, its cgroup) holds only some
 * of them; the freeze module asks here who else can change the mm. Reads
 * /proc and calls kcmp(2) only: never signals, never writes. */
#ifndef PMADV_MMSHARE_H
#define PMADV_MMSHARE_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct mm_task {
	pid_t tid;
	pid_t tgid;		/* its process */
	char state;		/* of /proc/TID/stat: R, S, D, T, t... */
	bool thread;		/* a thread of the process asked about; else
				 * of another process sharing its mm */
};

/* Call fn for each live task (neither zombie nor dead) sharing pid's mm:
 * pid's threads first, then the threads of every other process that
 * kcmp(KCMP_VM) finds sharing it. Stops at fn's first nonzero return and
 * returns it; 0 once every task was seen; -1 with e when pid's tasks cannot
 * be read. *complete is false when the other processes could not be
 * looked for (a kernel without kcmp: ENOSYS); pid's threads were seen. A
 * process whose leader has exited while its other threads run is not
 * found (kcmp sees the leader's mm, gone). */
int mmshare_each(pid_t pid, int (*fn)(const struct mm_task *t, void *ctx),
		 void *ctx, bool *complete, struct err *e);

/* The same for pid's own threads only (no kcmp, no /proc scan): fn's
 * first nonzero return; 0; -1 with errno when they cannot be listed. */
int mmshare_threads(pid_t pid, int (*fn)(const struct mm_task *t, void *ctx),
		    void *ctx);

#endif
