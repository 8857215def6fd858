/* What undoes a freeze when pmadv cannot do it in order: the thaw action
 * and the guardian process (fatal signals: thaw_signals.c). See
 * guardian.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroot.h"
#include "clock.h"
#include "freeze_record.h"
#include "guardian.h"
#include "procstat.h"
#include "sys.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* ---- the thaw action ---- */

int thaw_op_run(const struct thaw_op *op)
{
	ssize_t n;

	switch (op->kind) {
	case THAW_SIGNAL:
		return sys_pidfd_send_signal(op->fd, op->sig);
	case THAW_WRITE:
		do
			n = write(op->fd, op->buf, op->len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -1;
		return 0;
	case THAW_NONE:
		break;
	}
	return 0;
}

/* ---- the guardian ---- */

static const int guardian_ignored[] = {
	SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
	SIGUSR1, SIGUSR2, SIGALRM,
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void close_range_fallback(unsigned int from, unsigned int to)
{
	if (syscall(SYS_close_range, from, to, 0) == 0)
		return;
	/* no close_range(2): close what a caller plausibly has open */
	for (unsigned int fd = from; fd <= to && fd < 4096; fd++)
		close((int)fd);
}

static void close_all_but(const int *keep, size_t nkeep)
{
	int sorted[40];
	size_t n = 0;
	unsigned int from = 3;

	for (size_t i = 0; i < nkeep && n < 40; i++)
		if (keep[i] >= 3)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_int);
	for (size_t i = 0; i < n; i++) {
		unsigned int k = (unsigned int)sorted[i];

		if (k < from)
			continue;	/* duplicate */
		if (k > from)
			close_range_fallback(from, k - 1);
		from = k + 1;
	}
	close_range_fallback(from, ~0u);
}

/* What the guardian needs to leave pmadv behind, found before the fork
 * (the child only writes). */
struct guardian_exit {
	struct cgroot roots;
	unsigned long arg_start, arg_end;	/* pmadv's command line */
};

/* Where our command line lives (fields 48 and 49 of /proc/self/stat), so
 * that the guardian can overwrite its copy, as setproctitle does. */
static void find_args(struct guardian_exit *x)
{
	char buf[4096], *p, *save = NULL;
	int field = 3;

	x->arg_start = x->arg_end = 0;
	if (proc_read_small(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) <= 0 ||
	    !(p = strrchr(buf, ')')))
		return;
	for (p = strtok_r(p + 1, " ", &save); p; p = strtok_r(NULL, " ", &save),
	     field++) {
		if (field == 48)
			x->arg_start = strtoul(p, NULL, 10);
		else if (field == 49)
			x->arg_end = strtoul(p, NULL, 10);
	}
	if (x->arg_end <= x->arg_start)
		x->arg_start = x->arg_end = 0;
}

/* In the child: another name, command line, session and cgroups. */
static void guardian_leave(const struct guardian_exit *x)
{
	prctl(PR_SET_NAME, GUARDIAN_NAME, 0, 0, 0);
	if (x->arg_end - x->arg_start > sizeof(GUARDIAN_NAME)) {
		memset((void *)x->arg_start, 0, x->arg_end - x->arg_start);
		memcpy((void *)x->arg_start, GUARDIAN_NAME, sizeof(GUARDIAN_NAME));
	}
	setsid();
	cgroot_enter(&x->roots);
}

static void guardian_main(int sock, const struct thaw_op *op,
			  const int *keep, size_t nkeep,
			  const char *const *unlink_paths, size_t nunlink,
			  const struct guardian_exit *x)
{
	struct thaw_op lop = *op;
	struct sigaction sa;
	sigset_t all;
	int keepall[40];
	size_t nk = 0;
	char c;
	ssize_t n;
	int null;

	guardian_leave(x);
	/* pmadv may run with 0-2 closed, so its descriptors may sit there:
	 * move what we keep above 2 before /dev/null takes 0-2 */
	if (sock < 3)
		sock = fcntl(sock, F_DUPFD_CLOEXEC, 3);
	if (lop.kind != THAW_NONE && lop.fd >= 0 && lop.fd < 3)
		lop.fd = fcntl(lop.fd, F_DUPFD_CLOEXEC, 3);
	for (size_t i = 0; i < nkeep && nk < 38; i++)
		keepall[nk++] = keep[i] >= 0 && keep[i] < 3 ?
				fcntl(keep[i], F_DUPFD_CLOEXEC, 3) : keep[i];
	keepall[nk++] = sock;
	if (lop.kind != THAW_NONE)
		keepall[nk++] = lop.fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof(guardian_ignored) / sizeof(guardian_ignored[0]); i++)
		sigaction(guardian_ignored[i], &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++) {
		if (null >= 0 && null != fd)
			dup2(null, fd);
		else if (null < 0)
			close(fd);
	}
	close_all_but(keepall, nk);

	c = 'r';
	if (send(sock, &c, 1, MSG_NOSIGNAL) != 1)
		_exit(1);
	for (;;) {
		n = recv(sock, &c, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == 'd')
			_exit(0);
		if (n == 1)
			continue;
		break;		/* end of file or error: pmadv is gone */
	}
	thaw_op_run(&lop);
	for (size_t i = 0; i < nunlink; i++)
		if (unlink_paths[i])
			unlink(unlink_paths[i]);
	_exit(0);
}

int guardian_start(struct guardian *g, const struct thaw_op *op,
		   const int *keep, size_t nkeep, const char *const *unlink_paths,
		   size_t nunlink, uint64_t deadline, struct err *e)
{
	struct guardian_exit x;
	struct pollfd pfd;
	int sv[2], rc;
	char c = 0;
	pid_t pid;

	g->pid = 0;
	g->sock = -1;
	g->start_time = 0;
	x.roots.n = 0;
	if (geteuid() == 0)	/* nobody else may move to a root cgroup */
		cgroot_find(&x.roots);
	find_args(&x);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		return err_set(e, errno, "cannot start the guardian: "
			       "socketpair: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		err_set(e, errno, "cannot start the guardian: fork: %s",
			strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0)
		guardian_main(sv[1], op, keep, nkeep, unlink_paths, nunlink, &x);
	close(sv[1]);
	g->pid = pid;
	g->sock = sv[0];

	/* Freeze only once it is ready (out of our process group). */
	pfd.fd = sv[0];
	pfd.events = POLLIN;
	for (;;) {
		/* it costs well under a millisecond; a run that spent its
		 * time waiting for a lock still gets it */
		unsigned int left = clock_ms_left(deadline);

		rc = poll(&pfd, 1, left > 1000 ? (int)left : 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		break;
	}
	if (rc == 1 && recv(sv[0], &c, 1, 0) == 1 && c == 'r') {
		/* for the freeze record: the guardian by PID and start time */
		g->start_time = record_start_time(pid);
		return 0;
	}
	err_set(e, rc == 0 ? ETIMEDOUT : 0, "the guardian process did not "
		"start%s", rc == 0 ? " in time" : "");
	guardian_stop(g);
	return -1;
}

void guardian_stop(struct guardian *g)
{
	char c = 'd';

	if (g->sock >= 0) {
		send(g->sock, &c, 1, MSG_NOSIGNAL);
		close(g->sock);
		g->sock = -1;
	}
	if (g->pid > 0) {
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
		g->pid = 0;
	}
}
