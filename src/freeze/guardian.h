/* Private to the freeze module (freeze.c, freeze_stop.c, freeze_cgroup.c,
 * guardian.c, thaw_signals.c). The guardian: a process that is not pmadv
 * and that alone freezes and thaws the target, so that nothing pmadv can
 * suffer (SIGSTOP, a frozen cgroup, a debugger, strace, starvation, a
 * SIGKILL) can hold a window open past its bound.
 *
 * One guardian serves one window (freeze_begin .. freeze_end). It is
 * forked before the freeze, leaves pmadv's session, cgroups and name, and
 * then takes requests on a socket pair whose other end only pmadv holds:
 *
 *   FREEZE id  it runs the freeze action (SIGSTOP through the pidfd, or a
 *              write of 1 / FROZEN) and answers with its clock at that
 *              moment: the window starts there. From then on it keeps the
 *              window's deadline itself: with a bound (--max-freeze) it
 *              thaws at start + bound + GUARDIAN_GRACE_MS, whatever pmadv
 *              does; without one (--max-freeze=0) once pmadv's heartbeat
 *              (guardian_progress, a store in a page both share) is older
 *              than the stuck-call limit.
 *   REFREEZE   v1 only: write FROZEN again while FREEZING (never once the
 *              window has ended).
 *   THAW id    it runs the thaw action (unless it already did at the
 *              deadline), then looks for the thaw: every thread out of T,
 *              cgroup.freeze 0 / freezer.self_freezing 0, or the process or
 *              cgroup positively gone. Only then is the freeze record
 *              emptied; a thaw not seen keeps it, and the answer says why.
 *   DONE       it exits.
 *   end of file  pmadv died (even by SIGKILL): as THAW, then the lock files
 *              go (a lock file is removed only when it holds no record),
 *              and it exits. A thaw it cannot see is retried for a second;
 *              then the record stays for pmadv --recover.
 *
 * A window has an identity (a number that is never reused in a pmadv
 * run): a request for another window is answered as "no such window", so
 * a late thaw never touches a later window; the guardian only ever thaws
 * the window it froze, and only while that window is in force. */
#ifndef PMADV_GUARDIAN_H
#define PMADV_GUARDIAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "freeze_observe.h"

/* ---- actions: one system call each ---- */

enum thaw_kind { THAW_NONE, THAW_SIGNAL, THAW_WRITE };

/* A freeze or thaw action, precomputed so that running it takes one system
 * call: a signal through a pidfd, or a write of "0"/"THAWED" ("1"/"FROZEN"
 * to freeze) to an already open cgroup.freeze/freezer.state. */
struct thaw_op {
	enum thaw_kind kind;
	int fd;			/* pidfd (THAW_SIGNAL) or file (THAW_WRITE) */
	int sig;		/* THAW_SIGNAL */
	char buf[16];		/* THAW_WRITE */
	size_t len;
};

/* Run it. Async-signal-safe. 0, or -1 with errno set. */
int thaw_op_run(const struct thaw_op *op);

/* ---- the guardian ---- */

#define GUARDIAN_NAME "frzguard"

/* With a bound, the guardian thaws at start + bound + this: room for one
 * advice call that overruns (a window may overshoot by about one chunk)
 * and for pmadv's own thaw to arrive first. The target runs again within
 * bound + GUARDIAN_SLACK_MS: the grace plus the guardian's wake-up and the
 * thaw itself (measured: tests/freeze18.bats). */
#define GUARDIAN_GRACE_MS 90u
#define GUARDIAN_SLACK_MS 100u

/* Everything the guardian needs, fixed before the fork. */
struct guardian_cfg {
	struct thaw_op freeze;	/* SIGSTOP, or write 1 / FROZEN */
	struct thaw_op thaw;	/* SIGCONT, or write 0 / THAWED */
	struct observe obs;
	int record_fd;		/* the lock file holding the freeze record */
	int lock_fd[2];		/* lock files removed at the end, if empty */
	const char *lock_path[2];
	const int *keep;	/* other descriptors it keeps */
	size_t nkeep;
};

struct guardian_shared;		/* the page pmadv and the guardian share */

struct guardian {
	pid_t pid;		/* 0: none */
	int sock;		/* pmadv's end */
	unsigned long long start_time;	/* of pid (/proc/PID/stat) */
	uint64_t window;	/* its window's identity, 0 before FREEZE */
	struct guardian_shared *sh;
	struct observe obs;	/* pmadv's copy, for when the guardian is gone */
	struct thaw_op thaw;
	int record_fd;
};

/* Fork it and wait until it is ready (placed, descriptors closed), at most
 * until deadline (and at least a second). 0, or -1 with e. */
int guardian_start(struct guardian *g, const struct guardian_cfg *cfg,
		   uint64_t deadline, struct err *e);

/* Have it freeze. bound_ns: --max-freeze (0: none, then stuck_ns since
 * the last heartbeat is the limit). *t0: its clock (CLOCK_MONOTONIC) just
 * before the freeze action. 0; 1 with e->code the action's errno (nothing
 * frozen); -1 with e when the guardian did not answer (it is killed, and
 * the thaw run here in case it had frozen). */
int guardian_freeze(struct guardian *g, uint64_t bound_ns, uint64_t stuck_ns,
		    uint64_t *t0, struct err *e);

/* v1: write FROZEN again (a v1 freeze can fail to converge). false once
 * the window is over. */
bool guardian_refreeze(struct guardian *g);

/* pmadv progressed (an advice call completed): a store, no system call. */
void guardian_progress(struct guardian *g);

/* Has the guardian ended this window at its deadline? */
bool guardian_expired(const struct guardian *g);

/* How a window ended. */
struct guardian_end {
	bool froze;		/* a freeze was in force at all */
	bool expired;		/* the guardian thawed at the deadline */
	bool seen;		/* the thaw was seen: the record is emptied */
	int err;		/* the thaw's errno, or 0 */
	uint64_t t0, t1;	/* the freeze action, the thaw action */
	uint64_t stalled_ns;	/* expired: since the last heartbeat */
	char why[160];		/* !seen: what holds it, or what failed */
};

/* End the window: thaw (unless the guardian did), see the thaw, empty the
 * record. When the guardian does not answer (stopped or traced by someone,
 * killed) it is killed and all this is done here. 0 when the thaw was
 * seen; -1 otherwise (end->why and end->err say why; the record stays). */
int guardian_thaw(struct guardian *g, struct guardian_end *end);

/* Let it go (DONE) and reap it. */
void guardian_stop(struct guardian *g);

/* The message a fatal-signal path sends: THAW of window id, without
 * waiting for an answer. Async-signal-safe. 0, or -1 with errno (the
 * guardian is gone: thaw yourself). */
int guardian_thaw_async(int sock, uint64_t window);

#endif
