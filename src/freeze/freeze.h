/* Freezing targets so their address space cannot change while pmadv reads
 * their maps and advises them: SIGSTOP through the pidfd, or the cgroup
 * freezer (v2 cgroup.freeze or v1 freezer.state). Only what this module
 * froze is thawed; nothing is ever left frozen: a guardian process (not
 * pmadv: guardian.h) freezes and thaws, and keeps each window's deadline
 * itself, so stopping, freezing, tracing, starving or killing pmadv cannot
 * hold a window open past its bound + GUARDIAN_SLACK_MS; a freeze record
 * stays in the run directory until a thaw has been seen. */
#ifndef PMADV_FREEZE_H
#define PMADV_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum freeze_mode { FREEZE_NONE, FREEZE_STOP, FREEZE_CGROUP };

#define FREEZE_TIMEOUT_MS_DEFAULT 5000
/* --max-freeze: a latency-sensitive service barely notices 100 ms (a
 * request that arrives then waits that much once), and it is ~40 times the
 * cost of a window itself (freeze, maps, thaw: 1-3 ms here), so the windows
 * do work, not overhead. */
#define FREEZE_MAX_MS_DEFAULT 100

struct freeze_req {
	enum freeze_mode mode;
	const char *cgroup;	/* FREEZE_CGROUP: NULL = the target's own
				 * cgroup; else a directory under a cgroup
				 * mount or a path as /proc/PID/cgroup
				 * shows it */
	unsigned int timeout_ms;
	unsigned int max_freeze_ms;	/* --max-freeze: how long one window
					 * may last (0: unbounded); the
					 * watchdog's bound follows it */
	void (*before)(void);	/* optional, called just before freezing
				 * (after the guardian's fork) */
};

struct freeze_info {
	enum freeze_mode mode;
	uint64_t frozen_ns;	/* from the first freeze action (kill, write
				 * of 1 or FROZEN) to the thaw action */
	unsigned int processes;	/* processes the freeze held (1 for stop) */
	bool already;		/* frozen by someone else before us: left so */
	char *cgroup;		/* malloc'd: cgroup frozen as /proc/PID/cgroup
				 * shows it, prefixed by nothing; NULL unless
				 * FREEZE_CGROUP */
	int version;		/* 2 or 1 (v1 freezer) for FREEZE_CGROUP,
				 * else 0 */
	bool broken;		/* not race-free: the guardian ended the
				 * window at its deadline (expired), or
				 * someone else thawed it (resumed) */
	bool resumed;		/* broken because, when the window closed,
				 * a thread was no longer stopped (another
				 * program's SIGCONT) or the cgroup no
				 * longer frozen (another writer) */
	unsigned int stalled_ms;	/* expired: with a bound, how long the
					 * window lasted; without, how long
					 * nothing progressed */
	unsigned int bound_ms;		/* expired: the limit it passed
					 * (watchdog_bound_ms) */
	bool expired;		/* broken because the guardian ended the
				 * window itself at its deadline: an advice
				 * call stuck, or pmadv held up (stopped,
				 * frozen, traced, starved) */
};

struct freeze;

/* Parse "none", "stop", "cgroup", "cgroup:PATH". Returns 0, or -1 (bad). */
int freeze_parse_mode(const char *s, struct freeze_req *req);
const char *freeze_mode_name(enum freeze_mode mode);

/* Which freeze would hold pid under req: for FREEZE_CGROUP, *key = malloc'd
 * "v2:/path" or "v1:/path" of the cgroup freeze_begin would freeze
 * (resolved exactly as it does: req->cgroup or the target's own; same
 * refusals, same messages); targets with equal keys can share one freeze.
 * For NONE/STOP, *key = NULL (each target is frozen alone). 0, or -1 with
 * e. */
int freeze_scope(const struct freeze_req *req, pid_t pid, char **key,
		 struct err *e);

/* Freeze n targets with one freeze (pids[i] held by pidfds[i] >= 0). NONE:
 * nothing, succeeds. STOP: n must be 1. CGROUP: the cgroup (req->cgroup, or
 * pids[0]'s own) must contain every pids[i], else -1 naming the one
 * outside. On failure nothing is left frozen. */
int freeze_begin(const struct freeze_req *req, const pid_t *pids,
		 const int *pidfds, size_t n, struct freeze **out,
		 struct err *e);

/* Inside the window: does the freeze still hold pid and everything that
 * can change its address space? Every live thread of it (wherever its
 * cgroup) and every thread of the other processes sharing its mm
 * (CLONE_VM, found by kcmp) must be stopped (T) or, for CGROUP, in the
 * frozen cgroup or below; and for CGROUP pid itself still in it. NONE:
 * always. Used before each member's maps are read. 0; or -1 with e naming
 * the task that is not held (pid/tid, comm, state, its cgroups). */
int freeze_covers(const struct freeze *f, pid_t pid, struct err *e);

/* Inside the window, after each advice call returns: the window made
 * progress (a heartbeat the guardian reads; no system call). The guardian
 * ends a window of ours on its own at --max-freeze + GUARDIAN_GRACE_MS
 * from its first freeze action, or with --max-freeze=0 once no call has
 * completed for max(2 x timeout, 5 s) — even while the main thread is
 * stuck in a call (a mapping served by a FUSE server the freeze froze) or
 * pmadv is stopped. Returns false once that happened: the window is over
 * and no longer race-free; advise no more. */
bool freeze_progress(struct freeze *f);

/* The most bytes one advice call may carry in this window, so that
 * progress shows often enough; 0: no limit of ours. */
uint64_t freeze_call_max_bytes(const struct freeze *f);

/* When the window started (CLOCK_MONOTONIC ns, as clock_now_ns): the first
 * freeze action for a freeze of ours, else when freeze_begin returned. A
 * window's own deadline is this + --max-freeze (the wait for the freeze to
 * take hold is part of the window). 0 for f == NULL. */
uint64_t freeze_started_ns(const struct freeze *f);

/* Thaw what freeze_begin froze (unless the guardian did at the deadline:
 * info->expired), fill info (caller frees with freeze_info_free), free f.
 * Safe with f == NULL (info zeroed, mode NONE). 0, or -1 with e when the
 * thaw failed or was not seen: the freeze record then stays in the run
 * directory (e names it) for pmadv --recover. */
int freeze_end(struct freeze *f, struct freeze_info *info, struct err *e);
void freeze_info_free(struct freeze_info *info);

/* A run of bounded windows can be interrupted between its calls: from
 * freeze_interruptible_begin to _end, the first SIGINT, SIGTERM or SIGHUP
 * is only noted (freeze_interrupted returns it) and the caller ends its
 * window, thaws and reports; a second one thaws at once and ends pmadv,
 * as outside this mode. Main thread only. 0, or -1 with e. */
int freeze_interruptible_begin(struct err *e);
void freeze_interruptible_end(void);
int freeze_interrupted(void);	/* the signal taken, or 0 */

#endif
