/* The fatal-signal thread. See freeze.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "freeze/freeze.h"

#define THAW_SLOTS 8

static const int fatal_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2,
	SIGXCPU, SIGXFSZ,
};
#define NFATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* The slots are read by the signal thread and at exit: the mutex keeps a
 * slot from being thawed while the main thread fills or frees it. */
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool armed, used;
	bool unbounded;		/* thawed at the first interrupt, */
	_Atomic bool held;	/* ... once the freeze holds */
	_Atomic bool lifted;	/* ... and it was */
	struct thaw_op op;
	int sock;
	uint64_t window;
} slots[THAW_SLOTS];
static int narmed;
static bool atexit_done;
static bool interruptible;		/* main thread's: signals are noted */
static bool thread_on;			/* ... by the thread; else by note() */
static _Atomic bool notes_first;	/* the thread's copy of it */
static _Atomic int interrupted;		/* the signal noted */

/* the thread and what it waits on */
static pthread_t sig_thread;
static int sigfd = -1, wakefd = -1;
static sigset_t saved_mask;

static void thaw_slot(int i)
{
	slots[i].armed = false;
	if (slots[i].sock < 0 ||
	    guardian_thaw_async(slots[i].sock, slots[i].window) != 0)
		thaw_op_run(&slots[i].op);
}

/* The guardian thaws (it alone sees the thaw and empties the record);
 * only when it is gone does this thread thaw, the record kept. At exit too. */
static void thaw_all(void)
{
	pthread_mutex_lock(&slots_mu);
	for (int i = 0; i < THAW_SLOTS; i++)
		if (slots[i].armed)
			thaw_slot(i);
	pthread_mutex_unlock(&slots_mu);
}

/* The first interrupt: an unbounded window cannot wait for the call under
 * way (it may wait on the frozen target): thawed now, said as lifted. */
static void lift_unbounded(void)
{
	pthread_mutex_lock(&slots_mu);
	for (int i = 0; i < THAW_SLOTS; i++)
		if (slots[i].armed && slots[i].unbounded &&
		    atomic_load(&slots[i].held)) {
			/* said before it is done: the main thread's call ends
			 * once the target runs, and it then asks */
			atomic_store(&slots[i].lifted, true);
			thaw_slot(i);
		}
	pthread_mutex_unlock(&slots_mu);
}

/* Thaw, then die of sig as if nothing had caught it: raised at this thread
 * and unblocked here, it ends the process whatever the main thread waits in. */
static void die_of(int sig)
{
	sigset_t one;

	thaw_all();
	signal(sig, SIG_DFL);
	raise(sig);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	_exit(128 + sig);	/* not reached */
}

/* Interruptible with nothing frozen: a handler notes the first interrupt; no
 * thread until a freeze needs one (0.1 ms of every run's start-up). */
static const int noted_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NNOTED (sizeof(noted_signals) / sizeof(noted_signals[0]))
static struct sigaction noted_old[NNOTED];
static bool noted_set[NNOTED];

static void note(int sig)
{
	int none = 0;

	/* a second interrupt does not wait: the default action */
	if (!atomic_compare_exchange_strong(&interrupted, &none, sig)) {
		signal(sig, SIG_DFL);
		raise(sig);	/* delivered once this handler returns */
	}
}

/* The signals whose disposition is the default (a caller that ignores or
 * handles one keeps it so). */
static void notes_on(void)
{
	struct sigaction sa = { .sa_handler = note, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NNOTED; i++)
		noted_set[i] = sigaction(noted_signals[i], NULL, &noted_old[i]) == 0 &&
			       !(noted_old[i].sa_flags & SA_SIGINFO) &&
			       noted_old[i].sa_handler == SIG_DFL &&
			       sigaction(noted_signals[i], &sa, NULL) == 0;
}

static void notes_off(void)
{
	for (size_t i = 0; i < NNOTED; i++)
		if (noted_set[i]) {
			sigaction(noted_signals[i], &noted_old[i], NULL);
			noted_set[i] = false;
		}
}

static void *signal_main(void *arg)
{
	struct pollfd p[2] = { { .fd = sigfd, .events = POLLIN },
			       { .fd = wakefd, .events = POLLIN } };
	struct signalfd_siginfo si;

	(void)arg;
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		/* a signal first, even when told to stop at the same time */
		if ((p[0].revents & POLLIN) &&
		    read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			int sig = (int)si.ssi_signo, none = 0;

			/* the first interrupt ends the run between two
			 * calls; a second one will not wait for that */
			if (atomic_load(&notes_first) &&
			    (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) &&
			    atomic_compare_exchange_strong(&interrupted, &none, sig)) {
				lift_unbounded();
				continue;
			}
			die_of(sig);
		}
		if (p[1].revents)
			return NULL;
	}
}

static void close_fds(void)
{
	if (sigfd >= 0)
		close(sigfd);
	if (wakefd >= 0)
		close(wakefd);
	sigfd = wakefd = -1;
}

/* The signals the thread takes (those at their default), blocked here and
 * so in every later thread, with the stop signals. */
static int start_thread(struct err *e)
{
	sigset_t take, block, all, pre, now;
	struct sigaction old;
	int rc;

	/* from note() to the thread: what comes meanwhile waits for the signalfd */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &pre);
	notes_off();
	sigemptyset(&take);
	for (size_t i = 0; i < NFATAL; i++)
		if (sigaction(fatal_signals[i], NULL, &old) == 0 &&
		    !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
			sigaddset(&take, fatal_signals[i]);
	block = take;
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGTTIN);
	sigaddset(&block, SIGTTOU);
	saved_mask = pre;
	/* in one step: no moment with none blocked */
	sigorset(&now, &pre, &block);
	pthread_sigmask(SIG_SETMASK, &now, NULL);
	sigfd = signalfd(-1, &take, SFD_CLOEXEC);
	wakefd = eventfd(0, EFD_CLOEXEC);
	if (sigfd < 0 || wakefd < 0) {
		rc = errno;
		goto fail;
	}
	/* the thread itself blocks everything: it takes signals through sigfd */
	pthread_sigmask(SIG_SETMASK, &all, &block);
	rc = pthread_create(&sig_thread, NULL, signal_main, NULL);
	pthread_sigmask(SIG_SETMASK, &block, NULL);
	if (rc == 0) {
		thread_on = true;
		return 0;
	}
fail:
	close_fds();
	if (interruptible)
		notes_on();
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	return err_set(e, rc, "cannot start the signal thread: %s",
		       strerror(rc));
}

/* Signals that came after the thread stopped are delivered as the mask is
 * restored: their default action, as without a freeze. */
static void stop_thread(void)
{
	uint64_t one = 1;

	if (write(wakefd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(sig_thread, NULL);
	close_fds();
	thread_on = false;
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
}

int thaw_arm(const struct thaw_op *op, int guardian_sock, uint64_t window,
	     bool unbounded, struct err *e)
{
	int slot = 0;

	while (slot < THAW_SLOTS && slots[slot].used)
		slot++;
	if (slot == THAW_SLOTS)
		return err_set(e, EBUSY, "too many targets frozen at once");
	if (!atexit_done && atexit(thaw_all) == 0)
		atexit_done = true;
	if (!thread_on && start_thread(e) != 0)
		return -1;
	pthread_mutex_lock(&slots_mu);
	slots[slot].op = *op;
	slots[slot].sock = guardian_sock;
	slots[slot].window = window;
	slots[slot].used = true;
	slots[slot].unbounded = unbounded;
	atomic_store(&slots[slot].lifted, false);
	atomic_store(&slots[slot].held, false);
	slots[slot].armed = true;
	pthread_mutex_unlock(&slots_mu);
	narmed++;
	return slot;
}

void thaw_disarm(int slot)
{
	if (slot < 0 || slot >= THAW_SLOTS || !slots[slot].used)
		return;
	pthread_mutex_lock(&slots_mu);
	slots[slot].armed = false;
	slots[slot].used = false;
	pthread_mutex_unlock(&slots_mu);
	if (--narmed == 0 && !interruptible)
		stop_thread();	/* once interruptible, it runs till the end */
}

void thaw_interruptible(bool on)
{
	if (on == interruptible)
		return;
	atomic_store(&notes_first, on);
	interruptible = on;
	if (on && !thread_on) {
		notes_on();
	} else if (!on) {
		notes_off();
		if (thread_on && narmed == 0)
			stop_thread();
	}
}

void thaw_held(int slot)
{
	if (slot >= 0 && slot < THAW_SLOTS)
		atomic_store(&slots[slot].held, true);
}

bool thaw_lifted(int slot)
{
	return slot >= 0 && slot < THAW_SLOTS && atomic_load(&slots[slot].lifted);
}

int freeze_interrupted(void)
{
	return atomic_load(&interrupted);
}
