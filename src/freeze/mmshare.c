/* Who shares a process's address space: its threads, and other processes
 * found by kcmp(KCMP_VM) against every process in /proc. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "freeze/freeze.h"
#include "proc/proc.h"

#ifndef SYS_kcmp
#define SYS_kcmp 312		/* x86_64 */
#endif
#define KCMP_VM_TYPE 1		/* KCMP_VM, linux/kcmp.h */

typedef int (*task_fn)(const struct mm_task *t, void *ctx);

static bool gone(char state)
{
	return state == 'Z' || state == 'X' || state == 'x';
}

struct thread_walk {
	pid_t tgid;
	bool thread;
	task_fn fn;
	void *ctx;
	pid_t first_live;
};

static int one_thread(int dirfd, pid_t tid, void *ctx)
{
	struct thread_walk *w = ctx;
	struct mm_task t = { .tid = tid, .tgid = w->tgid, .thread = w->thread };
	struct procstat ps;
	char path[64];

	snprintf(path, sizeof(path), "%d/stat", (int)tid);
	if (procstat_read(dirfd, path, &ps) != 0 || gone(ps.state))
		return 0;
	t.state = ps.state;
	if (!w->first_live)
		w->first_live = tid;
	return w->fn ? w->fn(&t, w->ctx) : 0;
}

/* fn for each live thread of tgid; *first_live (if not NULL) = one of
 * them, 0 if none. fn's nonzero return; 0; -1 with errno when the task
 * directory cannot be opened. */
static int each_thread(pid_t tgid, bool thread, task_fn fn, void *ctx,
		       pid_t *first_live)
{
	struct thread_walk w = { tgid, thread, fn, ctx, 0 };
	int rc = proc_each_task(tgid, one_thread, &w);

	if (first_live)
		*first_live = w.first_live;
	return rc;
}

static int kcmp_vm(pid_t a, pid_t b)
{
	return (int)syscall(SYS_kcmp, a, b, KCMP_VM_TYPE, 0, 0);
}

/* Every other process of /proc whose mm is live's (a live task of pid:
 * a zombie leader has no mm, and two missing mms would compare equal). */
static int each_sharer(pid_t pid, pid_t live, task_fn fn, void *ctx,
		       bool *complete)
{
	struct dirent *de;
	int rc = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while (rc == 0 && (de = readdir(d))) {
		pid_t other = proc_name_pid(de->d_name);

		if (!other || other == pid)
			continue;
		if (kcmp_vm(live, other) != 0) {
			if (errno != ENOSYS)
				continue;	/* another mm, gone, or not ours
						 * to compare (EPERM) */
			*complete = false;
			break;
		}
		/* the same mm; a process gone meanwhile has no threads */
		rc = each_thread(other, false, fn, ctx, NULL);
		if (rc < 0)
			rc = 0;
	}
	closedir(d);
	return rc;
}

int mmshare_threads(pid_t pid, int (*fn)(const struct mm_task *t, void *ctx),
		    void *ctx)
{
	return each_thread(pid, true, fn, ctx, NULL);
}

int mmshare_each(pid_t pid, int (*fn)(const struct mm_task *t, void *ctx),
		 void *ctx, bool *complete, struct err *e)
{
	pid_t live;
	int rc;

	*complete = true;
	rc = each_thread(pid, true, fn, ctx, &live);
	if (rc < 0)
		return err_set(e, errno, "cannot list the threads of process %d: "
			       "%s", (int)pid, errno == ESRCH ? "no such process" :
			       strerror(errno));
	if (rc != 0 || !live)
		return rc;	/* stopped by fn, or no mm left to share */
	rc = each_sharer(pid, live, fn, ctx, complete);
	if (rc < 0)
		return err_set(e, errno, "cannot read /proc: %s", strerror(errno));
	return rc;
}
