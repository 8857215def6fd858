/* The freeze window's watchdog thread. See watchdog.h. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "watchdog.h"

static unsigned int times(unsigned int v, unsigned int k)
{
	return v > ~0u / k ? ~0u : v * k;
}

unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms)
{
	if (max_freeze_ms) {
		unsigned int b = times(max_freeze_ms, WATCHDOG_BOUNDED_FACTOR);

		return b > WATCHDOG_BOUNDED_MIN_MS ? b : WATCHDOG_BOUNDED_MIN_MS;
	}

	/* twice what the operator allows a freeze to take hold: an advice
	 * call waits on the target's memory much as the freeze waits on its
	 * threads; never under 5 s, which a 64 MiB call always beats */
	unsigned int twice = times(freeze_timeout_ms, 2);

	return twice > WATCHDOG_MIN_MS ? twice : WATCHDOG_MIN_MS;
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
				  .tv_nsec = (long)(ns % 1000000000u) };
}

/* The thaw must happen even if the main thread never returns: run it
 * here (one retry, as unfreeze does; a target that exited needs none). */
static void fire(struct watchdog *w, uint64_t stalled_ns)
{
	w->stalled_ns = stalled_ns;
	w->thaw_err = 0;
	if (thaw_op_run(&w->op) != 0 &&
	    !(w->op.kind == THAW_SIGNAL && errno == ESRCH) &&
	    thaw_op_run(&w->op) != 0)
		w->thaw_err = errno;
	w->fired_ns = clock_now_ns();
	atomic_store(&w->fired, true);
}

static void *watch(void *arg)
{
	struct watchdog *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		uint64_t last = atomic_load(&w->last_ns);
		uint64_t due = last + w->bound_ns;
		uint64_t now = clock_now_ns();
		struct timespec ts;

		if (now >= due) {
			fire(w, now - last);
			break;
		}
		ts = ts_of(due);
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int init_sync(struct watchdog *w)
{
	pthread_condattr_t ca;
	int rc;

	rc = pthread_mutex_init(&w->mu, NULL);
	if (rc)
		return rc;
	rc = pthread_condattr_init(&ca);
	if (!rc) {
		rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		if (!rc)
			rc = pthread_cond_init(&w->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (rc)
		pthread_mutex_destroy(&w->mu);
	return rc;
}

int watchdog_start(struct watchdog *w, const struct thaw_op *op,
		   unsigned int bound_ms, struct err *e)
{
	sigset_t all, old;
	int rc;

	memset(w, 0, sizeof(*w));
	w->op = *op;
	w->bound_ns = (uint64_t)bound_ms * 1000000u;
	atomic_store(&w->last_ns, clock_now_ns());
	rc = init_sync(w);
	if (rc)
		return err_set(e, rc, "cannot start the freeze watchdog: %s",
			       strerror(rc));
	/* signals are the signal thread's (thaw_signals.c) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->th, NULL, watch, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return err_set(e, rc, "cannot start the freeze watchdog: %s",
			       strerror(rc));
	}
	w->running = true;
	return 0;
}

bool watchdog_kick(struct watchdog *w)
{
	if (!w->running)
		return true;
	if (atomic_load(&w->fired))
		return false;
	atomic_store(&w->last_ns, clock_now_ns());
	return true;
}

bool watchdog_stop(struct watchdog *w)
{
	if (!w->running)
		return false;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->running = false;
	return atomic_load(&w->fired);
}
