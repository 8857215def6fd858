/* What a freeze request takes before anything is frozen: the targets
 * checked, the locks taken (one per process, one per cgroup, so concurrent
 * runs take turns), the stop or the cgroup prepared. See freeze_int.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freeze/freeze.h"
#include "proc/proc.h"
#include "lib/lib.h"

/* ---- locks ---- */

/* One lock per process, whichever the mode: a stop-run and a cgroup-run on
 * the same target take turns too. Named by PID and start time, read while
 * the pidfd shows the process alive (so they are this process's). */
int lock_process(struct freeze *f, struct err *e)
{
	char name[96], what[64];
	struct procstat ps;

	snprintf(name, sizeof(name), "/proc/%d/stat", (int)f->pid);
	if (procstat_read(AT_FDCWD, name, &ps) != 0 ||
	    sys_pidfd_send_signal(f->pidfd, 0) != 0)
		return err_set(e, ESRCH, "cannot freeze process %d: no such "
			       "process", (int)f->pid);
	snprintf(name, sizeof(name), "pid-%d-%llu.lock", (int)f->pid,
		 ps.start_time);
	snprintf(what, sizeof(what), "process %d", (int)f->pid);
	return lock_take(&f->plock, name, what, f->deadline, f->timeout_ms, e);
}

/* And one per cgroup: runs on two processes of one cgroup take turns
 * (always after the process lock: no deadlock). */
static int lock_cgroup(struct freeze *f, struct err *e)
{
	char name[96], what[PATH_MAX + 16];

	snprintf(name, sizeof(name), "cg-%llx-%llu.lock",
		 (unsigned long long)f->cg.dev, (unsigned long long)f->cg.ino);
	snprintf(what, sizeof(what), "cgroup %s", f->cg.path);
	return lock_take(&f->glock, name, what, f->deadline, f->timeout_ms, e);
}

/* ---- what to freeze ---- */

int check_targets(const struct freeze_req *req, const pid_t *pids,
			 const int *pidfds, size_t n, struct err *e)
{
	if (n == 0)
		return err_set(e, EINVAL, "no process to freeze");
	if (req->mode == FREEZE_STOP && n != 1)
		return err_set(e, EINVAL, "--freeze=stop freezes one process at "
			       "a time, not %zu", n);
	for (size_t i = 0; i < n; i++) {
		if (pids[i] == getpid())
			return err_set(e, EPERM, "refusing to freeze pmadv itself");
		if (pidfds[i] < 0)
			return err_set(e, EBADF, "cannot freeze process %d: no "
				       "pidfd holds it", (int)pids[i]);
	}
	return 0;
}

int prepare_stop(struct freeze *f, struct err *e)
{
	if (stop_prepare(f->pid, &f->already, e) != 0)
		return -1;
	f->thaw.kind = THAW_SIGNAL;
	f->thaw.fd = f->pidfd;
	f->thaw.sig = SIGCONT;
	f->processes = 1;
	return 0;
}

/* Every other target must be in the cgroup too; one that has exited is no
 * reason to refuse (its own run finds it gone). */
static int check_members(const struct freeze *f, const pid_t *pids,
			 const int *pidfds, size_t n, struct err *e)
{
	for (size_t i = 1; i < n; i++)
		if (cg_check_member(&f->cg, pids[i], e) != 0 &&
		    sys_pidfd_send_signal(pidfds[i], 0) == 0)
			return -1;
	err_clear(e);
	return 0;
}

int prepare_cgroup(struct freeze *f, const struct freeze_req *req,
			  const pid_t *pids, const int *pidfds, size_t n,
			  struct err *e)
{
	if (cg_resolve(req->cgroup, f->pid, &f->cg, e) != 0)
		return -1;
	if (sys_pidfd_send_signal(f->pidfd, 0) != 0)
		return err_set(e, ESRCH, "cannot freeze process %d: no such "
			       "process", (int)f->pid);
	if (check_members(f, pids, pidfds, n, e) != 0 || lock_cgroup(f, e) != 0 ||
	    cg_already(&f->cg, &f->already, e) != 0)
		return -1;
	cg_thaw_op(&f->cg, &f->thaw);
	/* counted before the freeze: the window holds only maps, selection
	 * and advice */
	f->processes = cg_count_procs(&f->cg);
	return 0;
}

int freeze_scope(const struct freeze_req *req, pid_t pid, char **key,
		 struct err *e)
{
	struct cg c;
	int rc;

	*key = NULL;
	if (req->mode != FREEZE_CGROUP)
		return 0;
	if (pid == getpid())
		return err_set(e, EPERM, "refusing to freeze pmadv itself");
	if (cg_resolve(req->cgroup, pid, &c, e) != 0)
		return -1;
	rc = asprintf(key, "v%d:%s", c.version, c.path);
	cg_close(&c);
	if (rc < 0) {
		*key = NULL;
		return err_set(e, ENOMEM, "out of memory");
	}
	return 0;
}

