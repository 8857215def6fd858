/* Which freezes hold a task: every task sharing the target's mm must be
 * stopped or in the frozen cgroup before its maps are read; and a task the
 * cgroup freezer holds cannot take a stop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/proc.h"
#include "freeze/freeze.h"

/* A task sharing a process's address space: one of its threads, or of a
 * process created with clone(CLONE_VM) but without CLONE_THREAD (a vfork
 * child until it execs, posix_spawn's child). A freeze of the process holds
 * only some of them. Reads /proc and calls kcmp(2) only: never signals. */
struct mm_task {
	pid_t tid;
	pid_t tgid;		/* its process */
	char state;		/* of /proc/TID/stat: R, S, D, T, t... */
	bool thread;		/* a thread of the process asked about; else
				 * of another process sharing its mm */
};

/* A walk's fn: go on, or stop the walk (which returns TASK_STOP). */
enum task_visit {
	TASK_NEXT = 0,
	TASK_STOP = 1,
};

typedef enum task_visit (*task_fn)(const struct mm_task *t, void *ctx);

#ifndef SYS_kcmp
#define SYS_kcmp 312		/* x86_64 */
#endif
#define KCMP_VM_TYPE 1		/* KCMP_VM, linux/kcmp.h */

struct thread_walk {
	pid_t tgid;
	bool thread;
	task_fn fn;
	void *ctx;
	pid_t first_live;
};

static int one_thread(pid_t tid, char state, void *ctx)
{
	struct thread_walk *w = ctx;
	struct mm_task t = { tid, w->tgid, state, w->thread };

	if (!w->first_live)
		w->first_live = tid;
	return w->fn ? (int)w->fn(&t, w->ctx) : TASK_NEXT;
}

/* fn for each live thread of tgid (thread: they are the threads of the
 * process asked about); *first_live (if not NULL) = one of them, 0 if none.
 * TASK_STOP when fn stopped it; 0; -1 with errno (task directory unreadable). */
static int each_thread(pid_t tgid, bool thread, task_fn fn, void *ctx,
		       pid_t *first_live)
{
	struct thread_walk w = { tgid, thread, fn, ctx, 0 };
	int rc = proc_each_live_task(tgid, one_thread, &w);

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
static int each_sharer(pid_t pid, pid_t live, task_fn fn, void *ctx)
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
			if (errno == ENOSYS)
				break;	/* no kcmp: the threads only */
			continue;	/* another mm, gone, or not ours to
					 * compare (EPERM) */
		}
		/* the same mm; a process gone meanwhile has no threads */
		rc = each_thread(other, false, fn, ctx, NULL);
		if (rc < 0)
			rc = 0;
	}
	closedir(d);
	return rc;
}

/* ---- the look-ahead: the /proc scan before the window ---- */

/* The kernel hands out PIDs in increasing order until it wraps at
 * pid_max; /proc/loadavg's last field is the last one it handed out in
 * our PID namespace (the one /proc and kcmp count in). A process created
 * after the look-ahead has a PID above that, unless the kernel wrapped.
 * The last field of a small file (loadavg's, or pid_max's only), or -1. */
static long last_field(const char *path)
{
	char buf[160], *sp;

	if (proc_read_small(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return -1;
	sp = strrchr(buf, ' ');
	return strtol(sp ? sp + 1 : buf, NULL, 10);
}

int cover_look_ahead(const pid_t *pids, size_t n, struct cover_ahead *a)
{
	pid_t *live = calloc(n ? n : 1, sizeof(*live));
	struct dirent *de;
	DIR *d;

	*a = (struct cover_ahead){ .last = -1 };
	if (!live)
		return -1;
	/* before the scan: a process the scan misses (created meanwhile
	 * below where readdir is) has a PID above this */
	a->last = last_field("/proc/loadavg");
	a->max = last_field("/proc/sys/kernel/pid_max");
	a->at_ns = clock_now_ns();
	for (size_t i = 0; i < n; i++)
		each_thread(pids[i], true, NULL, NULL, &live[i]);
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		pid_t other = proc_name_pid(de->d_name);

		for (size_t i = 0; other && i < n; i++) {
			struct cover_pair *v;

			if (other == pids[i] || !live[i])
				continue;
			if (kcmp_vm(live[i], other) != 0) {
				if (errno == ENOSYS)
					goto fail;	/* the window scans: it knows */
				continue;
			}
			v = array_grow(a->v, a->n, &a->cap, sizeof(*v), 4);
			if (!v)
				goto fail;
			a->v = v;
			a->v[a->n++] = (struct cover_pair){ pids[i], other };
		}
	}
	if (!d)
		goto fail;
	closedir(d);
	free(live);
	return 0;
fail:
	if (d)
		closedir(d);
	free(live);
	cover_ahead_free(a);
	return -1;
}

void cover_ahead_free(struct cover_ahead *a)
{
	free(a->v);
	*a = (struct cover_ahead){ .last = -1 };
}

/* The PIDs handed out since the look-ahead, (a->last, *to]; false when
 * they cannot be told apart from older ones: no look-ahead, the counter
 * wrapped, or so many (or so long) that it may have wrapped unseen. One
 * task a microsecond is beyond any machine's fork rate. */
#define COVER_PROBE_MAX 1024

static bool created_since(const struct cover_ahead *a, long *to)
{
	uint64_t us;

	if (!a || a->last < 0 || a->max <= 0 ||
	    (*to = last_field("/proc/loadavg")) < a->last)
		return false;
	us = (clock_now_ns() - a->at_ns) / 1000u;
	return *to - a->last <= COVER_PROBE_MAX && us < (uint64_t)a->max / 2;
}

/* Is tid one of pid's own threads (checked already)? */
static bool own_thread(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

/* The look-ahead's sharers that still share, then any process since that does. */
static int each_new_sharer(pid_t pid, pid_t live, const struct cover_ahead *a,
			   long to, task_fn fn, void *ctx)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < a->n; i++)
		if (a->v[i].member == pid && kcmp_vm(live, a->v[i].sharer) == 0)
			rc = each_thread(a->v[i].sharer, false, fn, ctx, NULL);
	for (long p = a->last + 1; rc == 0 && p <= to; p++)
		if (p != pid && kcmp_vm(live, (pid_t)p) == 0 &&
		    !own_thread(pid, (pid_t)p))
			rc = each_thread((pid_t)p, false, fn, ctx, NULL);
	return rc < 0 ? 0 : rc;	/* gone meanwhile: nothing to hold */
}

/* Call fn for each live task (neither zombie nor dead) sharing pid's mm:
 * pid's threads first (unless held_live), then the threads of every other
 * process that kcmp(KCMP_VM) finds sharing it: among those the look-ahead
 * a found and those created since (or, when a cannot tell, among all of
 * /proc; without kcmp, ENOSYS, pid's threads only). TASK_STOP when fn
 * stopped it; 0 once every task was seen; -1 with e when pid's tasks
 * cannot be read. A process whose leader has exited while its other
 * threads run is not found (kcmp sees the leader's mm, gone). */
static int mmshare_each(pid_t pid, const struct cover_ahead *a, task_fn fn,
			void *ctx, pid_t held_live, struct err *e)
{
	pid_t live = held_live;
	long to;
	int rc = held_live ? 0 : each_thread(pid, true, fn, ctx, &live);

	if (rc < 0)
		return err_set(e, errno, "cannot list the threads of process %d: "
			       "%s", (int)pid, errno == ESRCH ? "no such process" :
			       strerror(errno));
	if (rc != 0 || !live)
		return rc;	/* stopped by fn, or no mm left to share */
	if (created_since(a, &to))
		return each_new_sharer(pid, live, a, to, fn, ctx);
	rc = each_sharer(pid, live, fn, ctx);
	if (rc < 0)
		return err_set(e, errno, "cannot read /proc: %s", strerror(errno));
	return rc;
}

/* ---- inside the window: is everything held? ---- */

struct check {
	const struct cg *cg;
	struct mm_task bad;	/* the first task not held */
};

static enum task_visit not_held(const struct mm_task *t, void *ctx)
{
	struct check *c = ctx;

	/* T is a group stop, whoever sent it: job control keeps the task off
	 * the CPU until a SIGCONT (as pmadv trusts another's stop of a target) */
	if (t->state == 'T')
		return TASK_NEXT;
	errno = 0;
	if (c->cg && (cg_check_member(c->cg, t->tid, NULL) == 0 ||
		      errno == ENOENT))
		return TASK_NEXT;	/* in the frozen cgroup, or gone meanwhile */
	c->bad = *t;
	return TASK_STOP;
}

/* Where the task is: its v2 and v1 freezer cgroups. */
static void append_where(pid_t tid, struct err *e)
{
	struct cgfs_membership mb;

	if (cgfs_membership_read(tid, &mb) != 0)
		return;
	if (*mb.v2)
		err_append(e, ", in v2 cgroup %s", mb.v2);
	if (*mb.v1)
		err_append(e, "%s v1 freezer cgroup %s", *mb.v2 ? " and" : ", in",
			   mb.v1);
}

/* Why the freeze does not hold it, and what would. */
static void append_why(const struct mm_task *t, const struct cg *cg,
		       bool theirs, struct err *e)
{
	if (cg)
		err_append(e, "; the freeze holds %s cgroup %s only",
			   cg->version == 2 ? "v2" : "v1 freezer", cg->path);
	else if (theirs)
		err_append(e, "; the stop another program sent has not taken "
			   "hold of it (pmadv leaves that stop alone)");
	else if (!t->thread)
		err_append(e, "; a stop holds only the process it is sent to "
			   "(stop that one too, or put both in one cgroup and "
			   "use --freeze=cgroup)");
}

static int not_held_error(pid_t pid, const struct mm_task *t,
			  const struct cg *cg, bool theirs, struct err *e)
{
	char comm[64];

	proc_comm(t->tid, comm, sizeof(comm));
	if (t->thread && t->tid == pid)
		err_set(e, EBUSY, "process %d (%s)", (int)pid, comm);
	else if (t->thread)
		err_set(e, EBUSY, "thread %d (%s) of process %d", (int)t->tid,
			comm, (int)pid);
	else if (t->tid == t->tgid)
		err_set(e, EBUSY, "process %d (%s), which shares the address "
			"space of process %d (CLONE_VM, not a thread),",
			(int)t->tid, comm, (int)pid);
	else
		err_set(e, EBUSY, "thread %d (%s) of process %d, which shares "
			"the address space of process %d (CLONE_VM, not a "
			"thread),", (int)t->tid, comm, (int)t->tgid, (int)pid);
	err_append(e, " is not held by the freeze: state %c", t->state);
	append_where(t->tid, e);
	append_why(t, cg, theirs, e);
	return -1;
}

int cover_check(pid_t pid, const struct cg *cg, bool theirs,
		const struct cover_ahead *a, pid_t held_live, struct err *e)
{
	struct check c = { .cg = cg };
	int rc;

	/* Once every task of the mm is held, none can create another: what
	 * the look-ahead found, and what was created since, is all there is. */
	rc = mmshare_each(pid, a, not_held, &c, held_live, e);
	if (rc < 0)
		return -1;
	if (rc == TASK_STOP)
		return not_held_error(pid, &c.bad, cg, theirs, e);
	return 0;
}

/* ---- before a stop: is a thread frozen by a cgroup? ---- */

static bool read_is(const char *dir, const char *file, const char *what)
{
	char path[PATH_MAX + 32], buf[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return proc_read_small(AT_FDCWD, path, buf, sizeof(buf)) > 0 &&
	       strstr(buf, what) != NULL;
}

/* v2: frozen, or on its way: cgroup.freeze 1 on the cgroup or on any
 * ancestor visible under the mounts (cgroup.events says "frozen 1" only
 * once the freeze is complete, ancestors' included). */
static bool v2_freezing(const struct cgfs_mounts *m, const char *path)
{
	char p[PATH_MAX], dir[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	if (cgfs_map_dir(m, 2, p, dir, sizeof(dir)) == 0 &&
	    read_is(dir, "cgroup.events", "frozen 1"))
		return true;
	while (strcmp(p, "/") != 0 && *p) {
		char *slash = strrchr(p, '/');

		if (cgfs_map_dir(m, 2, p, dir, sizeof(dir)) == 0 &&
		    read_is(dir, "cgroup.freeze", "1"))
			return true;
		slash[slash == p] = '\0';	/* "/a" -> "/" */
	}
	return false;
}

/* v1: freezer.state shows an ancestor's freeze too. */
bool cover_v1_freezing(const struct cgfs_mounts *m, const char *path)
{
	char dir[PATH_MAX];

	return cgfs_map_dir(m, 1, path, dir, sizeof(dir)) == 0 &&
	       (read_is(dir, "freezer.state", "FROZEN") ||
		read_is(dir, "freezer.state", "FREEZING"));
}

struct frozen_scan {
	const struct cgfs_mounts *m;
	pid_t tid;
	char *where;
	size_t len;
};

static enum task_visit cgroup_frozen(const struct mm_task *t, void *ctx)
{
	struct frozen_scan *s = ctx;
	struct cgfs_membership mb;

	if (cgfs_membership_read(t->tid, &mb) != 0)
		return TASK_NEXT;
	if (*mb.v2 && v2_freezing(s->m, mb.v2))
		snprintf(s->where, s->len, "v2 cgroup %s", mb.v2);
	else if (*mb.v1 && strcmp(mb.v1, "/") != 0 &&
		 cover_v1_freezing(s->m, mb.v1))
		snprintf(s->where, s->len, "v1 freezer cgroup %s", mb.v1);
	else
		return TASK_NEXT;
	s->tid = t->tid;
	return TASK_STOP;
}

bool cover_cgroup_frozen(pid_t pid, pid_t *tid, char *where, size_t len)
{
	struct cgfs_mounts m;
	struct frozen_scan s = { &m, 0, where, len };
	int rc;

	*tid = 0;
	if (cgfs_mounts_read(&m) != 0)
		return false;
	/* pid's own threads only: no kcmp, no /proc scan */
	rc = each_thread(pid, true, cgroup_frozen, &s, NULL);
	cgfs_mounts_free(&m);
	*tid = s.tid;
	return rc == TASK_STOP;
}
