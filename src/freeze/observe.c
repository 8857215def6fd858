/* Seeing a thaw: see freeze.h. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <time.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "freeze/freeze.h"

struct stop_count {
	unsigned int live;
	pid_t stopped;		/* a live thread in T, or 0 */
};

static int count_one(pid_t tid, char state, void *ctx)
{
	struct stop_count *c = ctx;

	c->live++;
	if (state == 'T' && !c->stopped)
		c->stopped = tid;
	return 0;
}

/* Positively gone: ESRCH through the pidfd (the PID cannot be another
 * process's while the pidfd is open); without one, no /proc entry. */
static int gone_now(int pidfd, int scan_errno)
{
	if (pidfd >= 0)
		return sys_pidfd_send_signal(pidfd, 0) != 0 && errno == ESRCH;
	return scan_errno == ENOENT || scan_errno == ESRCH;
}

static pid_t last_stopped;

enum observed observe_stopped(pid_t pid, int pidfd, int *gone)
{
	struct stop_count c = { 0, 0 };
	int saved;

	*gone = 0;
	last_stopped = 0;
	if (proc_each_live_task(pid, count_one, &c) != 0) {
		saved = errno;
		if (gone_now(pidfd, saved)) {
			*gone = 1;
			return OBSERVED_THAWED;
		}
		errno = saved;
		return OBSERVED_FAILED;
	}
	/* what was read was this process's only if it still lives now; a
	 * zombie (no live thread): nothing of it can run or stop */
	if ((pidfd >= 0 && gone_now(pidfd, 0)) || c.live == 0) {
		*gone = 1;
		return OBSERVED_THAWED;
	}
	last_stopped = c.stopped;
	return c.stopped ? OBSERVED_FROZEN : OBSERVED_THAWED;
}

/* errno is kept: the caller's failure is read after */
static __attribute__((format(printf, 3, 4)))
void say(char *why, size_t len, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	errno = saved;
}

static enum observed observe_stop(const struct observe *o, char *why, size_t len)
{
	int gone;
	enum observed r = observe_stopped(o->pid, o->pidfd, &gone);

	if (r == OBSERVED_FAILED) {
		say(why, len, "cannot read the threads of process %d: %s",
		    (int)o->pid, strerror(errno));
		return OBSERVED_FAILED;
	}
	if (r == OBSERVED_THAWED)
		return r;
	say(why, len, "thread %d of process %d is still stopped (T)",
	    (int)last_stopped, (int)o->pid);
	return OBSERVED_FROZEN;
}

static enum observed observe_cgroup(const struct observe *o, char *why, size_t len)
{
	const char *file = o->version == 2 ? "cgroup.freeze" :
			   "freezer.self_freezing";
	char buf[32];

	if (proc_read_small(o->dirfd, file, buf, sizeof(buf)) < 0) {
		/* a removed cgroup: its files are gone (ENOENT) or refuse (ENODEV) */
		if (errno == ENOENT || errno == ENODEV)
			return OBSERVED_THAWED;
		say(why, len, "cannot read %s: %s", file, strerror(errno));
		return OBSERVED_FAILED;
	}
	if (buf[0] == '0')
		return OBSERVED_THAWED;
	say(why, len, "%s still reads %c", file, buf[0]);
	return OBSERVED_FROZEN;
}

enum observed observe_thawed(const struct observe *o, char *why, size_t len)
{
	if (why && len)
		why[0] = '\0';
	if (o->kind == OBSERVE_STOP)
		return observe_stop(o, why, len);
	return o->kind == OBSERVE_CGROUP ? observe_cgroup(o, why, len) :
	       OBSERVED_THAWED;
}

struct look {
	const struct observe *o;
	char *why;
	size_t len;
	enum observed last;
};

/* wait_until's test: met once seen thawed; the last look is kept. */
static enum wait_test look_again(void *ctx)
{
	struct look *l = ctx;

	l->last = observe_thawed(l->o, l->why, l->len);
	return l->last == OBSERVED_THAWED ? WAIT_MET : WAIT_NOT_YET;
}

enum observed observe_thawed_within(const struct observe *o, unsigned int ms,
				    char *why, size_t len)
{
	struct look l = { o, why, len, OBSERVED_FAILED };

	wait_until(clock_deadline(ms), false, look_again, &l);
	return l.last;
}

/* Waiting for a freeze to take hold: see freeze.h. Naps double from the
 * first to the last; wait_until's (slow) waits nap longer. */
#define NAP_FIRST_NS 50000u
#define NAP_MAX_NS 1000000u
#define SLOW_NAP_FIRST_NS 100000u
#define SLOW_NAP_MAX_NS 6400000u
/* In a window, the test is first asked again at once (yielding the CPU
 * between): a freeze mostly holds within a few hundred microseconds, the
 * target's CPU waking, and each nap that ends after that is felt by the
 * frozen target (with naps only, stop windows over 1,000 mappings were
 * 0.07 ms longer here: 1.28 against 1.21 ms, 151 runs each). */
#define SPIN_FIRST_NS 500000u

static void nap(const struct freeze_wait *w, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	if (w->pollfd >= 0) {
		struct pollfd p = { .fd = w->pollfd, .events = POLLPRI };

		ppoll(&p, 1, &ts, NULL);
		return;
	}
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static enum wait_result wait_run(const struct freeze_wait *w,
				 enum wait_test (*test)(void *dctx), void *dctx)
{
	uint64_t step = w->slow ? SLOW_NAP_FIRST_NS : NAP_FIRST_NS;
	uint64_t max = w->slow ? SLOW_NAP_MAX_NS : NAP_MAX_NS;
	uint64_t spin_end = w->slow ? 0 : clock_now_ns() + SPIN_FIRST_NS;

	for (;;) {
		enum wait_test r = test(dctx);
		uint64_t now;

		if (r == WAIT_MET)
			return WAIT_DONE;
		if (r == WAIT_TEST_FAILED)
			return WAIT_FAILED;
		if (w->over && w->over(w->ctx))
			return WAIT_OVER;
		if (w->interruptible && freeze_interrupted())
			return WAIT_INTERRUPTED;
		now = clock_now_ns();
		if (now >= w->deadline)
			return WAIT_DEADLINE;
		if (now < spin_end) {
			sched_yield();
			continue;
		}
		if (w->again)
			w->again(w->ctx);
		if (step > w->deadline - now)
			step = w->deadline - now;
		nap(w, step);
		if (step < max)
			step *= 2;
	}
}

/* Its own function (a debugger's breakpoint in tests/freeze18.bats): the
 * waits before a freeze take hold (wait_until) never reach it. */
enum wait_result freeze_wait_run(const struct freeze_wait *w,
				 enum wait_test (*test)(void *dctx), void *dctx)
{
	return wait_run(w, test, dctx);
}

enum wait_result wait_until(uint64_t deadline, bool interruptible,
			    enum wait_test (*test)(void *ctx), void *ctx)
{
	struct freeze_wait w = { .deadline = deadline, .pollfd = -1, .slow = true,
				 .interruptible = interruptible };

	return wait_run(&w, test, ctx);
}

int wait_interrupted_error(struct err *e, const char *what)
{
	int sig = freeze_interrupted();

	return err_set(e, EINTR, "interrupted by signal %d (SIG%s) while "
		       "waiting for %s; nothing frozen", sig, sigabbrev_np(sig),
		       what);
}

const char *freeze_wait_why(const struct freeze_wait *w)
{
	return w->bounded ? " (a freeze must take hold within the window's "
			    "bound, --max-freeze, or 50 ms)" : "";
}
