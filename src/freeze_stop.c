/* Freezing by SIGSTOP: refuse traced targets, detect an existing stop, stop
 * through the pidfd and wait until every thread really is stopped. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freeze_stop.h"
#include "guardian.h"
#include "sys.h"

#define SCAN_NAMED 6		/* threads named in a timeout message */

struct task_scan {
	unsigned int live;	/* threads neither zombie nor dead */
	unsigned int stopped;	/* ... of which in state T */
	pid_t traced;		/* a thread in tracing stop (t), or 0 */
	unsigned int nnot;	/* live threads not stopped */
	pid_t not_tid[SCAN_NAMED];
	char not_state[SCAN_NAMED];
};

/* State of /proc/PID/task/TID/stat: the first character after the last ')'
 * (comm may contain anything, ')' included). 0 when the thread is gone. */
static char task_state(int taskfd, const char *tid)
{
	char path[300], buf[1024];
	char *p;

	snprintf(path, sizeof(path), "%s/stat", tid);
	if (fz_read_file(taskfd, path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return 0;
	return p[2];
}

static int task_dir(pid_t pid, DIR **out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	*out = opendir(path);
	return *out ? 0 : -1;
}

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* One pass over the task directory. -1 with errno (ESRCH: no process). */
static int scan_tasks(pid_t pid, struct task_scan *s)
{
	struct dirent *de;
	DIR *d;

	memset(s, 0, sizeof(*s));
	if (task_dir(pid, &d) != 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	while ((de = readdir(d))) {
		char st;

		if (!numeric(de->d_name))
			continue;
		st = task_state(dirfd(d), de->d_name);
		if (st == 0 || st == 'Z' || st == 'X' || st == 'x')
			continue;	/* gone, or exited */
		s->live++;
		if (st == 'T') {
			s->stopped++;
			continue;
		}
		if (st == 't' && !s->traced)
			s->traced = (pid_t)atoi(de->d_name);
		if (s->nnot < SCAN_NAMED) {
			s->not_tid[s->nnot] = (pid_t)atoi(de->d_name);
			s->not_state[s->nnot] = st;
		}
		s->nnot++;
	}
	closedir(d);
	return 0;
}

/* The tracer of any thread (TracerPid: in task/TID/status), or 0. */
static pid_t find_tracer(pid_t pid, pid_t *traced_tid)
{
	struct dirent *de;
	pid_t tracer = 0;
	DIR *d;

	if (task_dir(pid, &d) != 0)
		return 0;
	while (!tracer && (de = readdir(d))) {
		char path[300], buf[4096], *p;

		if (!numeric(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/status", de->d_name);
		if (fz_read_file(dirfd(d), path, buf, sizeof(buf)) <= 0)
			continue;
		p = strstr(buf, "\nTracerPid:");
		if (!p)
			continue;
		tracer = (pid_t)strtol(p + 11, NULL, 10);
		if (tracer)
			*traced_tid = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return tracer;
}

static void traced_message(pid_t pid, pid_t tid, pid_t tracer, char *err,
			   size_t errlen)
{
	char comm[64];

	fz_comm(tracer, comm, sizeof(comm));
	snprintf(err, errlen, "cannot stop process %d: ", (int)pid);
	if (tid != pid)
		fz_append(err, errlen, "its thread %d is ", (int)tid);
	else
		fz_append(err, errlen, "it is ");
	fz_append(err, errlen,
		  "traced by process %d (%s), and a traced process may never "
		  "stop; detach the tracer or use --freeze=cgroup",
		  (int)tracer, comm);
}

int stop_prepare(pid_t pid, bool *already, char *err, size_t errlen)
{
	struct task_scan s;
	pid_t tracer, tid = pid;

	*already = false;
	tracer = find_tracer(pid, &tid);
	if (tracer) {
		traced_message(pid, tid, tracer, err, errlen);
		return -1;
	}
	if (scan_tasks(pid, &s) != 0) {
		snprintf(err, errlen, "cannot stop process %d: %s", (int)pid,
			 errno == ESRCH ? "no such process" : strerror(errno));
		return -1;
	}
	if (s.live == 0) {
		snprintf(err, errlen,
			 "cannot stop process %d: it is a zombie", (int)pid);
		return -1;
	}
	*already = s.nnot == 0;
	return 0;
}

static void not_stopped_message(pid_t pid, const struct task_scan *s,
				unsigned int timeout_ms, char *err, size_t errlen)
{
	unsigned int named = s->nnot < SCAN_NAMED ? s->nnot : SCAN_NAMED;

	snprintf(err, errlen,
		 "process %d did not stop within %u ms: %u of %u threads not "
		 "stopped:", (int)pid, timeout_ms, s->nnot, s->live);
	for (unsigned int i = 0; i < named; i++) {
		char comm[64];

		fz_comm(s->not_tid[i], comm, sizeof(comm));
		fz_append(err, errlen, "%s %d (%s, state %c)", i ? "," : "",
			  (int)s->not_tid[i], comm, s->not_state[i]);
	}
	if (s->nnot > named)
		fz_append(err, errlen, " and %u more", s->nnot - named);
}

int stop_freeze(pid_t pid, int pidfd, uint64_t deadline, unsigned int timeout_ms,
		char *err, size_t errlen)
{
	struct task_scan s;
	unsigned int nap = 100, confirmed = 0;

	if (sys_pidfd_send_signal(pidfd, SIGSTOP) != 0) {
		snprintf(err, errlen, "cannot stop process %d: %s", (int)pid,
			 errno == ESRCH ? "no such process" :
			 errno == EPERM ? "not permitted to signal it" :
			 strerror(errno));
		return -1;
	}
	for (;;) {
		if (scan_tasks(pid, &s) != 0) {
			snprintf(err, errlen, "process %d exited while stopping",
				 (int)pid);
			return -1;
		}
		if (s.traced) {
			pid_t tid = s.traced, tracer = find_tracer(pid, &tid);

			traced_message(pid, tid, tracer, err, errlen);
			return -1;
		}
		if (s.live == 0) {
			snprintf(err, errlen, "process %d exited while stopping",
				 (int)pid);
			return -1;
		}
		/* Two passes in a row with every thread stopped: a thread
		 * created during one pass is seen by the next. */
		if (s.nnot == 0) {
			if (++confirmed == 2)
				return 0;
			continue;
		}
		confirmed = 0;
		if (fz_ms_left(deadline) == 0) {
			not_stopped_message(pid, &s, timeout_ms, err, errlen);
			return -1;
		}
		fz_sleep_us(nap);
		if (nap < 5000)
			nap *= 2;
	}
}
