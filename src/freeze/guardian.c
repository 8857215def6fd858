/* The guardian process. See freeze.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "freeze/freeze.h"

/* The root cgroups the guardian moves itself to, so that what freezes,
 * throttles or kills pmadv's cgroup (a unit freeze, cpu.max, cgroup.kill,
 * a systemd stop, an OOM group kill) does not reach it: v2, and v1 with
 * freezer, cpu, cpuacct or name=systemd (memory is left as it is). Found
 * before the fork: the child only writes. */
#define CGROOT_MAX 8
#define CGROOT_PATH 256

struct cgroot {
	size_t n;
	char procs[CGROOT_MAX][CGROOT_PATH];	/* ".../cgroup.procs" */
};

static void cgroot_find(struct cgroot *r)
{
	struct cgfs_mounts m;

	r->n = 0;
	if (cgfs_mounts_read(&m) != 0)
		return;
	/* a hierarchy mounted twice is entered twice: that changes nothing */
	for (size_t i = 0; i < m.n; i++) {
		const struct cgfs_mount *mt = &m.v[i];

		if (strcmp(mt->root, "/") != 0)
			continue;	/* not a hierarchy's root */
		if ((mt->kind != CGFS_OTHER || mt->cpu || mt->systemd) &&
		    r->n < CGROOT_MAX &&
		    snprintf(r->procs[r->n], CGROOT_PATH, "%s/cgroup.procs",
			     mt->point) < CGROOT_PATH)
			r->n++;
	}
	cgfs_mounts_free(&m);
}

/* Async-signal-safe; failures ignored (not root: it stays). */
static void cgroot_enter(const struct cgroot *r)
{
	for (size_t i = 0; i < r->n; i++) {
		int fd = open(r->procs[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		(void)!write(fd, "0", 1);	/* "0": the writer itself */
		close(fd);
	}
}

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* How long pmadv waits for an answer before it takes the guardian for
 * lost (stopped or traced by someone, or starved): it then kills it and
 * thaws itself. The guardian answers in microseconds. */
#define ANSWER_MS 5000
/* A thaw the guardian did not see is tried again this often, and once
 * pmadv is gone for this long before the record is left to --recover. */
#define RETRY_MS 50
#define LAST_TRIES_MS 1000
/* How long a thaw is looked for (it takes effect at once). */
#define SEE_MS 50

/* ---- actions ---- */

int thaw_op_run(const struct thaw_op *op)
{
	ssize_t n;

	if (op->kind == THAW_SIGNAL)
		return sys_pidfd_send_signal(op->fd, op->sig);
	if (op->kind != THAW_WRITE)
		return 0;	/* THAW_NONE */
	do
		n = write(op->fd, op->buf, op->len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* A thaw, retried once; an exited process needs none. 0, or errno. */
static int run_thaw(const struct thaw_op *op)
{
	if (thaw_op_run(op) == 0 || (op->kind == THAW_SIGNAL && errno == ESRCH) ||
	    thaw_op_run(op) == 0)
		return 0;
	return errno ? errno : EIO;
}

/* ---- what pmadv and the guardian share ---- */

struct guardian_shared {
	_Atomic uint64_t progress_ns;	/* pmadv's heartbeat */
	_Atomic uint64_t expired;	/* the window the guardian ended */
	_Atomic uint64_t stalled_ns;	/* ... and how old the heartbeat was */
};

enum { M_FREEZE = 'F', M_REFREEZE = 'R', M_THAW = 'T', M_THAWED = 'H',
       M_DONE = 'D', M_ANSWER = 'a' };

#define F_EXPIRED 2u
#define F_SEEN 4u

struct msg {
	uint32_t op;
	int32_t err;
	uint64_t id;
	uint64_t a, b, c;	/* FREEZE: bound, stuck; THAWED: errno, t1;
				 * answers: t0, t1, stalled */
	uint32_t flags;
	char why[160];
};

/* Send a message of these fields only. 0, or -1 (errno from send). */
static int post(int sock, uint32_t op, uint64_t id, uint64_t a, uint64_t b,
		int flags)
{
	struct msg m = { .op = op, .id = id, .a = a, .b = b };

	return send(sock, &m, sizeof(m), MSG_NOSIGNAL | flags) ==
	       (ssize_t)sizeof(m) ? 0 : -1;
}

/* Window identities: never reused in a run. */
static uint64_t last_window;

/* ---- the guardian process ---- */

static const int guardian_ignored[] = {
	SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
	SIGUSR1, SIGUSR2, SIGALRM,
};

static void close_range_fallback(unsigned int from, unsigned int to)
{
	if (syscall(SYS_close_range, from, to, 0) == 0)
		return;
	/* no close_range(2): close what a caller plausibly has open */
	for (unsigned int fd = from; fd <= to && fd < 4096; fd++)
		close((int)fd);
}

#define KEEP_MAX 48

static void close_all_but(const int *keep, size_t nkeep)
{
	int sorted[KEEP_MAX];
	size_t n = 0;
	unsigned int from = 3;

	for (size_t i = 0; i < nkeep && n < KEEP_MAX; i++)
		if (keep[i] >= 3)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(sorted[0]), by_int);
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

/* What the guardian needs to leave pmadv behind, found before the fork. */
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

/* In the child: another name, command line, session and cgroups, and (as
 * root) a higher priority, so whatever starves pmadv leaves it its deadlines. */
static void guardian_leave(const struct guardian_exit *x)
{
	cgroot_enter(&x->roots);	/* first: out of what may freeze pmadv */
	prctl(PR_SET_NAME, GUARDIAN_NAME, 0, 0, 0);
	if (x->arg_end - x->arg_start > sizeof(GUARDIAN_NAME)) {
		memset((void *)x->arg_start, 0, x->arg_end - x->arg_start);
		memcpy((void *)x->arg_start, GUARDIAN_NAME, sizeof(GUARDIAN_NAME));
	}
	setsid();
	/* real-time when allowed (it sleeps but for a thaw; the kernel's RT
	 * throttling bounds it anyway), else a better nice */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK,
			       &(struct sched_param){ .sched_priority = 1 }) != 0)
		(void)setpriority(PRIO_PROCESS, 0, -10);
}

/* Descriptors 0-2 are about to become /dev/null: one of ours there moves
 * up (the same descriptor everywhere it appears). */
struct lift {
	int from[KEEP_MAX], to[KEEP_MAX];
	size_t n;
};

static void lift(struct lift *l, int *fd)
{
	if (*fd < 0 || *fd > 2)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->from[i] == *fd) {
			*fd = l->to[i];
			return;
		}
	if (l->n < KEEP_MAX) {
		l->from[l->n] = *fd;
		l->to[l->n] = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
		*fd = l->to[l->n++];
	}
}

struct gstate {
	struct guardian_cfg cfg;	/* its own copy, descriptors lifted */
	int sock;
	struct guardian_shared *sh;
	uint64_t window;	/* named by FREEZE, 0: none yet */
	bool active;		/* frozen and not thawed */
	bool pending;		/* thawed (or tried), not seen yet */
	bool expired;
	uint64_t t0, t1, bound_ns, stuck_ns;
	int err;
	char why[160];
};

/* Look for the thaw: 0 when seen; else -1, *err (if 0) saying why not. */
static int see_thaw(const struct observe *obs, int *err, char *why, size_t len)
{
	enum observed r = observe_thawed_within(obs, SEE_MS, why, len);

	if (r != OBSERVED_THAWED && !*err)
		*err = r == OBSERVED_FAILED ? errno : EBUSY;
	return r == OBSERVED_THAWED ? 0 : -1;
}

/* The record is emptied by whoever sees the thaw. */
static void seen(struct gstate *s)
{
	s->pending = false;
	s->err = 0;
	s->why[0] = '\0';
	record_clear(s->cfg.record_fd);
}

/* Thaw (if in force), then look. done: pmadv thawed it already, at
 * done->b (errno done->a): only the look is left. */
static void thaw_and_see(struct gstate *s, const struct msg *done)
{
	if (s->active || s->pending) {
		bool pmadv_thawed = done && s->active;
		int err = pmadv_thawed ? (int)done->a : run_thaw(&s->cfg.thaw);

		if (s->active)
			s->t1 = pmadv_thawed ? done->b : clock_now_ns();
		s->active = false;
		s->pending = true;
		s->err = err;
	}
	if (s->pending && see_thaw(&s->cfg.obs, &s->err, s->why, sizeof(s->why))) {
		if (s->err && !s->why[0])
			snprintf(s->why, sizeof(s->why), "%s", strerror(s->err));
		return;
	}
	seen(s);	/* seen, or nothing in force: nothing to see */
}

static uint64_t deadline_of(const struct gstate *s)
{
	uint64_t last;

	if (s->bound_ns)
		return s->t0 + s->bound_ns + (uint64_t)GUARDIAN_GRACE_MS * 1000000u;
	last = atomic_load(&s->sh->progress_ns);
	return (last > s->t0 ? last : s->t0) + s->stuck_ns;
}

/* The deadline passed: end the window, and say so in the shared page. */
static void expire(struct gstate *s, uint64_t now)
{
	uint64_t last = atomic_load(&s->sh->progress_ns);

	if (last < s->t0)
		last = s->t0;
	thaw_and_see(s, NULL);
	s->expired = true;
	atomic_store(&s->sh->stalled_ns, now > last ? now - last : 0);
	atomic_store(&s->sh->expired, s->window);
}

static void answer_fill(const struct gstate *s, uint64_t id, int err,
			struct msg *m)
{
	*m = (struct msg){ .op = M_ANSWER, .id = id, .err = err, .a = s->t0,
			   .b = s->t1, .c = atomic_load(&s->sh->stalled_ns),
			   .flags = (s->expired ? F_EXPIRED : 0) |
				    (!s->pending && !s->active ? F_SEEN : 0) };
	snprintf(m->why, sizeof(m->why), "%s", s->why);
}

static void answer(struct gstate *s, uint64_t id, int err)
{
	struct msg m;

	answer_fill(s, id, err, &m);
	send(s->sock, &m, sizeof(m), MSG_NOSIGNAL);
}

/* The guardian is forked for each window, so each of its pages is
 * copy-on-write or unmapped until it first writes there: between its
 * freeze action and its answer that was 100-170 us of faults (the shared
 * page, stack pages, snprintf's first use), felt by the frozen target
 * (1,000 mappings: the answer went 105-190 us after the freeze action;
 * with this, pmadv has it 26-36 us after). Take them now, before any
 * freeze. */
#define WARM_STACK 32768u

static void __attribute__((noinline)) warm(const struct gstate *s)
{
	volatile char stack[WARM_STACK];
	struct msg m;

	for (size_t i = 0; i < sizeof(stack); i += 512)
		stack[i] = 0;
	/* a write that changes nothing: pmadv writes the heartbeat */
	atomic_fetch_add(&s->sh->progress_ns, 0);
	answer_fill(s, 0, 0, &m);
	stack[0] = m.why[0];
}

static void on_freeze(struct gstate *s, const struct msg *m)
{
	if (s->window || s->pending) {
		answer(s, m->id, EALREADY);	/* one window per guardian */
		return;
	}
	s->window = m->id;
	s->bound_ns = m->a;
	s->stuck_ns = m->b;
	s->t0 = clock_now_ns();
	if (thaw_op_run(&s->cfg.freeze) != 0) {
		int err = errno;

		s->t0 = 0;
		answer(s, m->id, err ? err : EIO);	/* nothing frozen */
		return;
	}
	s->active = true;
	atomic_store(&s->sh->progress_ns, s->t0);
	answer(s, m->id, 0);
}

static void on_thaw(struct gstate *s, const struct msg *m)
{
	if (s->window && m->id != s->window) {
		answer(s, m->id, ESRCH);	/* not this window: nothing done */
		return;
	}
	/* pmadv's own thaw failed: ours may not */
	thaw_and_see(s, m->op == M_THAWED && !m->a ? m : NULL);
	answer(s, m->id, s->pending ? (s->err ? s->err : EBUSY) : 0);
}

/* pmadv is gone: thaw, see it (for a while), remove empty lock files. */
static void on_eof(struct gstate *s)
{
	uint64_t until = clock_deadline(LAST_TRIES_MS);

	thaw_and_see(s, NULL);
	while (s->pending && clock_now_ns() < until) {
		clock_sleep_us(RETRY_MS * 1000u);
		thaw_and_see(s, NULL);
	}
	for (int i = 0; i < 2; i++) {
		struct stat st;

		if (s->cfg.lock_fd[i] >= 0 && s->cfg.lock_path[i] &&
		    fstat(s->cfg.lock_fd[i], &st) == 0 && st.st_size == 0)
			unlink(s->cfg.lock_path[i]);
	}
}

static void serve(struct gstate *s)
{
	for (;;) {
		struct pollfd p = { .fd = s->sock, .events = POLLIN };
		/* the deadline, a precise one (ppoll, not poll's rounding); a
		 * thaw not seen yet: RETRY_MS; else no limit */
		uint64_t t = clock_now_ns(), d = s->active ? deadline_of(s) :
			   t + (uint64_t)RETRY_MS * 1000000u;
		uint64_t left = d > t ? d - t : 0;
		struct timespec ts = { (time_t)(left / 1000000000u),
				       (long)(left % 1000000000u) };
		struct msg m;
		ssize_t n;
		int rc;

		rc = ppoll(&p, 1, s->active || s->pending ? &ts : NULL, NULL);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0) {
			uint64_t now = clock_now_ns();

			if (s->active && now >= deadline_of(s))
				expire(s, now);
			else if (s->pending)
				thaw_and_see(s, NULL);	/* try again */
			continue;
		}
		n = recv(s->sock, &m, sizeof(m), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			break;		/* end of file or error: pmadv is gone */
		switch (m.op) {
		case M_FREEZE:
			on_freeze(s, &m);
			break;
		case M_REFREEZE:
			if (s->active && m.id == s->window)
				thaw_op_run(&s->cfg.freeze);
			answer(s, m.id, s->active && m.id == s->window ? 0 : ETIME);
			break;
		case M_THAW:
		case M_THAWED:
			on_thaw(s, &m);
			break;
		case M_DONE:
			if (s->active)
				thaw_and_see(s, NULL);	/* never leave it frozen */
			_exit(0);
		default:
			break;
		}
	}
	on_eof(s);
	_exit(0);
}

static void guardian_main(int sock, const struct guardian_cfg *cfg,
			  struct guardian_shared *sh,
			  const struct guardian_exit *x)
{
	struct gstate s;
	int *mine[] = { &sock, &s.cfg.freeze.fd, &s.cfg.thaw.fd,
			&s.cfg.obs.pidfd, &s.cfg.obs.dirfd, &s.cfg.record_fd,
			&s.cfg.lock_fd[0], &s.cfg.lock_fd[1] };
	struct lift l = { .n = 0 };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t all;
	int keepall[KEEP_MAX];
	size_t nk = 0;
	int null;

	guardian_leave(x);
	s = (struct gstate){ .cfg = *cfg, .sh = sh };
	/* pmadv may run with 0-2 closed, so its descriptors may sit there:
	 * move what we keep above 2 before /dev/null takes 0-2 */
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		lift(&l, mine[i]);
		keepall[nk++] = *mine[i];
	}
	s.sock = sock;
	for (size_t i = 0; i < cfg->nkeep && nk < KEEP_MAX; i++) {
		int fd = cfg->keep[i];

		lift(&l, &fd);
		keepall[nk++] = fd;
	}

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
	warm(&s);
	/* ready: an answer to no request */
	if (post(s.sock, M_ANSWER, 0, 0, 0, 0) != 0)
		_exit(1);
	serve(&s);
}

/* ---- pmadv's side ---- */

/* A freeze's answer comes microseconds after the freeze action: waiting
 * awake saves a wake-up the target would spend frozen (sched_yield lets
 * the guardian run on one CPU). */
#define SPIN_NS 300000u

/* The answer to the request just sent, within ms. 0, or -1 with errno
 * (ETIMEDOUT: none in time; EPIPE: the guardian is gone). */
static int await_as(struct guardian *g, struct msg *m, unsigned int ms,
		    bool spin)
{
	uint64_t until = clock_deadline(ms), spin_end = clock_now_ns() + SPIN_NS;
	struct pollfd p = { .fd = g->sock, .events = POLLIN };

	for (;;) {
		unsigned int left = clock_ms_left(until);
		ssize_t n;
		int rc;

		if (spin && clock_now_ns() < spin_end) {
			n = recv(g->sock, m, sizeof(*m), MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				sched_yield();
				continue;
			}
			goto got;
		}
		rc = poll(&p, 1, (int)left);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(g->sock, m, sizeof(*m), 0);
		if (n < 0 && errno == EINTR)
			continue;
got:
		if (n != (ssize_t)sizeof(*m)) {
			errno = n < 0 ? errno : EPIPE;
			return -1;
		}
		if (m->op == M_ANSWER)
			return 0;
	}
}

static int ask(struct guardian *g, uint32_t op, uint64_t a, uint64_t b,
	       struct msg *ans)
{
	if (g->pid <= 0 || g->sock < 0) {
		errno = EPIPE;
		return -1;
	}
	if (post(g->sock, op, g->window, a, b, 0) != 0)
		return -1;
	return await_as(g, ans, ANSWER_MS, op == M_FREEZE);
}

/* Reap it: after DONE, or lost (killed: it is our child). */
static void reap(struct guardian *g, bool lost)
{
	if (g->sock >= 0) {
		if (!lost)
			post(g->sock, M_DONE, g->window, 0, 0, 0);
		close(g->sock);
		g->sock = -1;
	}
	if (g->pid > 0) {
		if (lost)
			kill(g->pid, SIGKILL);
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
		g->pid = 0;
	}
}

/* Without the guardian: thaw and look here. */
static int thaw_here(struct guardian *g, struct guardian_end *end)
{
	end->err = run_thaw(&g->cfg.thaw);
	end->t1 = clock_now_ns();
	if (see_thaw(&g->cfg.obs, &end->err, end->why, sizeof(end->why)))
		return -1;
	end->seen = true;
	end->err = 0;
	end->why[0] = '\0';
	record_clear(g->cfg.record_fd);
	return 0;
}

int guardian_start(struct guardian *g, const struct guardian_cfg *cfg,
		   uint64_t deadline, struct err *e)
{
	struct guardian_exit x;
	struct msg m;
	int sv[2];
	pid_t pid;
	unsigned int left;

	*g = (struct guardian){ .sock = -1, .window = ++last_window, .cfg = *cfg };
	x.roots.n = 0;
	if (geteuid() == 0)	/* nobody else may move to a root cgroup */
		cgroot_find(&x.roots);
	find_args(&x);
	g->sh = mmap(NULL, sizeof(*g->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g->sh == MAP_FAILED) {
		g->sh = NULL;
		return err_set(e, errno, "cannot start the guardian: mmap: %s",
			       strerror(errno));
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		err_set(e, errno, "cannot start the guardian: socketpair: %s",
			strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		err_set(e, errno, "cannot start the guardian: fork: %s",
			strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		guardian_main(sv[1], cfg, g->sh, &x);
	}
	close(sv[1]);
	g->pid = pid;
	g->sock = sv[0];

	/* Freeze only once it is ready (out of our process group): well under a
	 * millisecond; a run that spent its time waiting for a lock gets a second. */
	left = clock_ms_left(deadline);
	if (await_as(g, &m, left > 1000 ? left : 1000, false) == 0 && m.id == 0 &&
	    m.err == 0) {
		/* for the freeze record: the guardian by PID and start time */
		g->start_time = record_start_time(pid);
		return 0;
	}
	err_set(e, errno == ETIMEDOUT ? ETIMEDOUT : EPIPE, "the guardian "
		"process did not start%s", errno == ETIMEDOUT ? " in time" : "");
	reap(g, true);
fail:
	guardian_stop(g);
	return -1;
}

enum guardian_froze guardian_freeze(struct guardian *g, uint64_t bound_ns,
				    uint64_t stuck_ns, uint64_t *t0, struct err *e)
{
	struct msg m;

	if (ask(g, M_FREEZE, bound_ns, stuck_ns, &m) != 0) {
		struct guardian_end end = { 0 };
		int saved = errno;

		/* it may have frozen before it was lost: undo that here */
		reap(g, true);
		thaw_here(g, &end);
		err_set(e, saved, "the guardian did not answer: %s",
			strerror(saved));
		return GUARDIAN_LOST;
	}
	if (m.err) {
		err_set(e, m.err, "%s", strerror(m.err));
		return GUARDIAN_ACTION_FAILED;	/* nothing frozen */
	}
	*t0 = m.a;
	return GUARDIAN_FROZE;
}

bool guardian_refreeze(struct guardian *g)
{
	struct msg m;

	return ask(g, M_REFREEZE, 0, 0, &m) == 0 && m.err == 0;
}

void guardian_progress(struct guardian *g)
{
	if (g->sh)
		atomic_store(&g->sh->progress_ns, clock_now_ns());
}

bool guardian_expired(const struct guardian *g)
{
	return g->sh && g->window && atomic_load(&g->sh->expired) == g->window;
}

int guardian_thaw(struct guardian *g, bool here, struct guardian_end *end)
{
	struct msg m;
	int rc;

	memset(end, 0, sizeof(*end));
	/* Thawing here ends the window without waiting for the guardian to
	 * be scheduled (tens of microseconds, felt by the target); unless
	 * the guardian ended the window already, when a second thaw could
	 * undo someone else's freeze begun since. */
	if (here && g->pid > 0 && g->sock >= 0 && !guardian_expired(g)) {
		int err = run_thaw(&g->cfg.thaw);

		rc = ask(g, M_THAWED, (uint64_t)err, clock_now_ns(), &m);
	} else {
		rc = ask(g, M_THAW, 0, 0, &m);
	}
	if (rc != 0 || m.id != g->window || m.err == ESRCH) {
		/* lost (or never there): it may have frozen; thaw here */
		reap(g, true);
		end->expired = guardian_expired(g);
		if (end->expired && g->sh)
			end->stalled_ns = atomic_load(&g->sh->stalled_ns);
		return thaw_here(g, end);
	}
	end->expired = m.flags & F_EXPIRED;
	end->seen = m.flags & F_SEEN;
	end->err = end->seen ? 0 : (m.err ? m.err : EBUSY);
	end->t1 = m.b;
	end->stalled_ns = m.c;
	snprintf(end->why, sizeof(end->why), "%s", m.why);
	return end->seen ? 0 : -1;
}

void guardian_stop(struct guardian *g)
{
	reap(g, false);
	if (g->sh) {
		munmap(g->sh, sizeof(*g->sh));
		g->sh = NULL;
	}
}

int guardian_thaw_async(int sock, uint64_t window)
{
	return post(sock, M_THAW, window, 0, 0, MSG_DONTWAIT);
}

unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms)
{
	if (max_freeze_ms)
		return max_freeze_ms > ~0u - GUARDIAN_GRACE_MS ? ~0u :
		       max_freeze_ms + GUARDIAN_GRACE_MS;

	/* twice what the operator allows a freeze to take hold: an advice
	 * call waits on the target's memory much as the freeze waits on its
	 * threads; never under 5 s, which a 64 MiB call always beats */
	unsigned int twice = freeze_timeout_ms > ~0u / 2 ? ~0u :
			     freeze_timeout_ms * 2;

	return twice > WATCHDOG_MIN_MS ? twice : WATCHDOG_MIN_MS;
}
