/* Freezing by SIGSTOP: refuse traced targets, detect an existing stop, stop
 * through the pidfd and wait until every thread really is stopped. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "freeze/freeze.h"
#include "proc/proc.h"

#define SCAN_NAMED 6		/* threads named in a timeout message */

struct task_scan {
	pid_t first;		/* the first live thread seen, or 0 */
	unsigned int live;	/* threads neither zombie nor dead */
	unsigned int stopped;	/* ... of which in state T */
	pid_t traced;		/* a thread in tracing stop (t), or 0 */
	unsigned int nnot;	/* live threads not stopped */
	pid_t not_tid[SCAN_NAMED];
	char not_state[SCAN_NAMED];
};

static int count_task(pid_t tid, char st, void *ctx)
{
	struct task_scan *s = ctx;

	if (!s->live++)
		s->first = tid;
	if (st == 'T') {
		s->stopped++;
		return 0;
	}
	if (st == 't' && !s->traced)
		s->traced = tid;
	if (s->nnot < SCAN_NAMED) {
		s->not_tid[s->nnot] = tid;
		s->not_state[s->nnot] = st;
	}
	s->nnot++;
	return 0;
}

/* One pass over the tasks. -1 with errno (ESRCH: no process). */
static int scan_tasks(pid_t pid, struct task_scan *s)
{
	memset(s, 0, sizeof(*s));
	return proc_each_live_task(pid, count_task, s);
}

/* A stop signal waiting to be taken: SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
 * (bits sig - 1 of the SigPnd and ShdPnd masks). Any one counts, caught or
 * blocked too: a SIGCONT of ours would discard every one of them. */
#define STOP_SIG_MASK (1ull << (SIGSTOP - 1) | 1ull << (SIGTSTP - 1) | \
		       1ull << (SIGTTIN - 1) | 1ull << (SIGTTOU - 1))

struct status_scan {
	pid_t tracer;		/* TracerPid of a thread, or 0 */
	pid_t traced_tid;	/* ... that thread */
	pid_t pending_tid;	/* a thread with a stop signal pending (its own
				 * or the process's), or 0 */
};

static unsigned long long status_mask(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static int status_one(int dirfd, pid_t tid, void *ctx)
{
	struct status_scan *st = ctx;
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "%d/status", (int)tid);
	if (proc_read_small(dirfd, path, buf, sizeof(buf)) <= 0)
		return 0;
	if (!st->pending_tid &&
	    ((status_mask(buf, "\nSigPnd:") |
	      status_mask(buf, "\nShdPnd:")) & STOP_SIG_MASK))
		st->pending_tid = tid;
	p = strstr(buf, "\nTracerPid:");
	if (p && (st->tracer = (pid_t)strtol(p + 11, NULL, 10)))
		st->traced_tid = tid;
	return st->tracer != 0;	/* the first tracer found is enough */
}

/* One pass over task/TID/status: tracers, pending stop signals. */
static void scan_status(pid_t pid, struct status_scan *st)
{
	memset(st, 0, sizeof(*st));
	proc_each_task(pid, status_one, st);
}

static int traced_error(pid_t pid, pid_t tid, pid_t tracer, struct err *e)
{
	char comm[64];

	proc_comm(tracer, comm, sizeof(comm));
	err_set(e, EBUSY, "cannot stop process %d: ", (int)pid);
	if (tid != pid)
		err_append(e, "its thread %d is ", (int)tid);
	else
		err_append(e, "it is ");
	err_append(e, "traced by process %d (%s), and a traced process may "
		   "never stop; detach the tracer or use --freeze=cgroup",
		   (int)tracer, comm);
	return -1;
}

/* pmadv's SIGSTOP cannot take hold of a task the cgroup freezer holds: it
 * would stay pending, and only a SIGCONT would take it back (the task
 * stopping when thawed otherwise). Refuse before sending anything. */
static int cgroup_frozen_error(pid_t pid, pid_t tid, const char *where,
			       struct err *e)
{
	char comm[64];

	proc_comm(tid, comm, sizeof(comm));
	err_set(e, EBUSY, "cannot stop process %d: ", (int)pid);
	if (tid != pid)
		err_append(e, "its thread %d (%s) is", (int)tid, comm);
	else
		err_append(e, "it is");
	err_append(e, " frozen by the cgroup freezer (%s) and cannot take a "
		   "stop; nothing was sent to it; use --freeze=cgroup, or thaw "
		   "it first", where);
	return -1;
}

int stop_prepare(pid_t pid, bool *already, struct err *e)
{
	struct status_scan st;
	struct task_scan s;
	char where[PATH_MAX + 32];
	pid_t tid;

	*already = false;
	/* pending signals before states: a stop sent in between shows in T */
	scan_status(pid, &st);
	if (st.tracer)
		return traced_error(pid, st.traced_tid, st.tracer, e);
	if (scan_tasks(pid, &s) != 0)
		return err_set(e, errno, "cannot stop process %d: %s", (int)pid,
			       errno == ESRCH ? "no such process" : strerror(errno));
	if (s.live == 0)
		return err_set(e, ESRCH, "cannot stop process %d: it is a zombie",
			       (int)pid);
	/* Someone else's stop, complete, under way (a thread in T: a group
	 * stop is the whole process's), or sent and not taken yet (a stop
	 * signal pending, as on a thread in D): theirs to end, never ours. */
	*already = s.stopped > 0 || st.pending_tid;
	if (!*already && cover_cgroup_frozen(pid, &tid, where, sizeof(where)))
		return cgroup_frozen_error(pid, tid, where, e);
	return 0;
}

static int not_stopped_error(pid_t pid, const struct task_scan *s,
			    const struct freeze_wait *fw, struct err *e)
{
	unsigned int named = s->nnot < SCAN_NAMED ? s->nnot : SCAN_NAMED;

	err_set(e, ETIMEDOUT, "process %d did not stop within %u ms%s: %u of "
		"%u threads not stopped:", (int)pid, fw->limit_ms,
		freeze_wait_why(fw), s->nnot, s->live);
	for (unsigned int i = 0; i < named; i++) {
		char comm[64];

		proc_comm(s->not_tid[i], comm, sizeof(comm));
		err_append(e, "%s %d (%s, state %c)", i ? "," : "",
			   (int)s->not_tid[i], comm, s->not_state[i]);
	}
	if (s->nnot > named)
		err_append(e, " and %u more", s->nnot - named);
	return -1;
}

struct stop_wait {
	pid_t pid;
	struct task_scan s;
	struct err *e;
};

/* The wait's test: every live thread stopped in two passes in a row (a
 * thread created during one pass is seen by the next). */
static enum wait_test all_stopped(void *ctx)
{
	struct stop_wait *w = ctx;

	for (int pass = 0; pass < 2; pass++) {
		if (scan_tasks(w->pid, &w->s) != 0 || w->s.live == 0)
			return err_set(w->e, ESRCH, "process %d exited while "
				       "stopping", (int)w->pid);
		if (w->s.traced) {
			struct status_scan st;

			scan_status(w->pid, &st);
			return traced_error(w->pid, st.tracer ? st.traced_tid :
					    w->s.traced, st.tracer, w->e);
		}
		if (w->s.nnot)
			return WAIT_NOT_YET;
	}
	return WAIT_MET;
}

int stop_wait_ours(pid_t pid, const struct freeze_wait *fw, pid_t *live,
		   struct err *e)
{
	struct stop_wait w = { .pid = pid, .e = e };

	*live = 0;
	switch (freeze_wait_run(fw, all_stopped, &w)) {
	case WAIT_DONE:
		*live = w.s.first;
		return 0;
	case WAIT_DEADLINE:
		return not_stopped_error(pid, &w.s, fw, e);
	case WAIT_OVER:
		return err_set(e, ETIME, "process %d: the guardian ended the "
			       "window before the stop took hold: pmadv was "
			       "held up (stopped, traced, frozen or starved) "
			       "past the window's bound", (int)pid);
	case WAIT_INTERRUPTED:	/* not asked for in a window */
	case WAIT_FAILED:
		break;		/* the test's error is in e */
	}
	return -1;
}

void stop_parent_note(struct stop_parent *p, pid_t child)
{
	struct procstat c, par;

	p->fd = -1;
	if (procstat_of(child, &c) || c.ppid <= 1 ||
	    procstat_of(c.ppid, &par) || par.state == 'T' || par.state == 't')
		return;
	p->pid = c.ppid;
	p->fd = sys_pidfd_open(p->pid, 0);
	/* still its parent once opened: the pidfd names that process */
	if (p->fd >= 0 && (procstat_of(child, &c) || c.ppid != p->pid)) {
		close(p->fd);
		p->fd = -1;
	}
}

/* How long a parent that was woken by its child's stop may take to stop
 * itself after the last thaw (it runs, 'R', meanwhile) */
#define PARENT_SETTLE_NS 20000000u

int stop_parent_resume(struct stop_parent *p)
{
	uint64_t until = clock_now_ns() + PARENT_SETTLE_NS;
	struct procstat par;
	int resumed = 0, err = 0;

	if (p->fd < 0)
		return 0;
	while (procstat_of(p->pid, &par) == 0 && par.state == 'R' &&
	       clock_now_ns() < until)
		clock_sleep_us(100);
	if (sys_pidfd_send_signal(p->fd, 0) == 0 &&
	    procstat_of(p->pid, &par) == 0 && par.state == 'T') {
		proc_comm(p->pid, p->comm, sizeof(p->comm));
		resumed = sys_pidfd_send_signal(p->fd, SIGCONT) == 0 ? 1 : -1;
		err = errno;
	}
	close(p->fd);
	p->fd = -1;
	errno = err;
	return resumed;
}

/* wait_until's test for someone else's stop: every live thread in T (or
 * none left). Never fails: what does not stop is named later. */
static enum wait_test theirs_stopped(void *ctx)
{
	struct stop_wait *w = ctx;

	return scan_tasks(w->pid, &w->s) != 0 || w->s.nnot == 0 ? WAIT_MET :
	       WAIT_NOT_YET;
}

enum wait_result stop_wait_theirs(pid_t pid, uint64_t deadline)
{
	struct stop_wait w = { .pid = pid };

	return wait_until(deadline, true, theirs_stopped, &w);
}

bool stop_still_held(pid_t pid)
{
	struct task_scan s;

	return scan_tasks(pid, &s) != 0 || s.nnot == 0;
}
