/* freeze: holding a target still while it is advised: the modes (SIGSTOP,
 * cgroup freezer), coverage of every task sharing the address space, the
 * guardian, locks and records in the run directory, recovery. */
#ifndef PMADV_FREEZE_H
#define PMADV_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <limits.h>

#include "lib/lib.h"

/* Freezing targets so their address space cannot change while pmadv reads
 * their maps and advises them: SIGSTOP through the pidfd, or the cgroup
 * freezer (v2 cgroup.freeze or v1 freezer.state). Only what this module
 * froze is thawed; nothing is ever left frozen: a guardian process (not
 * pmadv: freeze.h) freezes and thaws, and keeps each window's deadline
 * itself, so stopping, freezing, tracing, starving or killing pmadv cannot
 * hold a window open past its bound + GUARDIAN_SLACK_MS; a freeze record
 * stays in the run directory until a thaw has been seen. */
enum freeze_mode { FREEZE_NONE, FREEZE_STOP, FREEZE_CGROUP };
#define FREEZE_MODE_LAST FREEZE_CGROUP	/* the modes' names: freeze_mode_name */

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
	void (*before)(void *arg);	/* optional, called just before
					 * freezing (after the guardian's
					 * fork), with before_arg */
	void *before_arg;
	pid_t test_ahead_signal;	/* tests only (PMADV_TEST_HOOKS): after
					 * the look-ahead, SIGUSR1 to this
					 * PID, then 5 ms for it to act */
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
	bool lifted;		/* broken because the first interrupt thawed
				 * an unbounded window at once: the call
				 * under way went on unfrozen */
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

/* A run of bounded windows can be interrupted between its calls: in
 * thaw_interruptible's mode (below), the first SIGINT, SIGTERM or SIGHUP
 * is only noted (freeze_interrupted returns it) and the caller ends its
 * window, thaws and reports; a second one thaws at once and ends pmadv,
 * as outside this mode. */
int freeze_interrupted(void);	/* the signal noted, or 0; stays set */

/* Recovery: thaw the freezes whose pmadv and guardian are both gone (a
 * reboot-surviving cgroup freeze, pmadv killed together with its guardian,
 * a kill of a cgroup holding both when the guardian could not leave it).
 * It reads the freeze records in the caller's run directory (freeze.h,
 * freeze.h) and undoes only what a record says was frozen, and only
 * if that object is still the same: the process by PID and start time, the
 * cgroup by its directory's inode; never process 1. A record whose lock a
 * running pmadv or guardian holds is left alone; stale empty lock files are
 * removed. A record is removed only on evidence (freeze.h): the
 * process or cgroup positively gone (ESRCH, ENOENT, a PID or directory that
 * is another's now), or seen running; anything that cannot be told (EMFILE,
 * ENOMEM, EACCES...) keeps it and says so, and so does a thaw not seen.
 * Every run directory of the caller is read (rundir_all). Writes
 * no output itself: each line goes to the caller's say. */
struct recover_count {
	unsigned int thawed;	/* undone now */
	unsigned int vanished;	/* the object was gone or replaced: dropped */
	unsigned int failed;	/* could not be undone: record kept */
	unsigned int busy;	/* a running pmadv holds it: left alone */
};

/* failure: the line says what could not be done */
typedef void (*recover_say)(bool failure, const char *line, void *ctx);

/* Scan the run directory (nothing when it does not exist). all: also say
 * what is left alone and why (for --recover). 0, or -1 with e when the
 * directory is refused or unreadable. */
int recover_run(bool all, recover_say say, void *ctx, struct recover_count *n,
		struct err *e);

/* ==== Inside src/freeze/ only: what its files share. ==== */

/* Waiting for a freeze to take hold. The
 * wait is part of the window (the service is paused from the first freeze
 * action), so it naps briefly (50 us, doubling to 1 ms) and ends at the
 * window's bound as well as at --freeze-timeout, or as soon as the
 * guardian has ended the window on its own (pmadv was held up). */
struct freeze_wait {
	uint64_t deadline;	/* give up then (clock_now_ns) */
	unsigned int limit_ms;	/* how long that was, for messages */
	bool bounded;		/* ... --max-freeze's bound, not the timeout */
	bool (*over)(void *ctx);	/* the window has ended meanwhile */
	void (*again)(void *ctx);	/* v1, our freeze: write FROZEN again */
	void *ctx;
	int pollfd;		/* naps wake early on POLLPRI here (v2
				 * cgroup.events), or -1 */
};

/* wait_until within a freeze: also WAIT_OVER when w->over says so; naps
 * wake early on w->pollfd; w->again between tries. */
enum wait_result freeze_wait_run(const struct freeze_wait *w,
				 enum wait_test (*test)(void *dctx), void *dctx);

/* What the limit was, for the message: the bound (with its 50 ms floor)
 * or "" (the timeout). */
const char *freeze_wait_why(const struct freeze_wait *w);

/* Seeing that a freeze is
 * undone. A freeze record leaves the run directory only once its thaw has
 * been seen: every live thread of the process out of T, the cgroup's own
 * freeze off (v2 cgroup.freeze 0, v1 freezer.self_freezing 0), or the
 * process or cgroup positively gone (ESRCH through the pidfd, ENOENT or
 * ENODEV for the cgroup). Anything else (a read that fails for another
 * reason: EMFILE, ENOMEM, EACCES...) is "cannot tell", never "gone".
 * Reads only. */
enum observe_kind { OBSERVE_NONE, OBSERVE_STOP, OBSERVE_CGROUP };

struct observe {
	enum observe_kind kind;
	pid_t pid;		/* STOP: the process, held by pidfd */
	int pidfd;
	int dirfd;		/* CGROUP: its directory */
	int version;		/* 2, or 1 (v1 freezer) */
};

/* Is the freeze undone? OBSERVED_FROZEN: why says what holds (a thread in
 * T, cgroup.freeze 1); OBSERVED_FAILED: cannot tell, with errno (why says
 * what failed). OBSERVE_NONE: OBSERVED_THAWED. why may be NULL. */
enum observed {
	OBSERVED_FAILED = -1,
	OBSERVED_FROZEN = 0,
	OBSERVED_THAWED = 1,
};
enum observed observe_thawed(const struct observe *o, char *why, size_t len);

/* The same, looked at again for up to ms while it is not seen thawed (a
 * thaw takes effect at once: this only rides out a momentary hiccup). */
enum observed observe_thawed_within(const struct observe *o, unsigned int ms,
				    char *why, size_t len);

/* STOP only: is any live thread of pid in T? 1 yes, 0 no (or the process
 * is gone: *gone set), -1 with errno when it cannot be told. */
int observe_stopped(pid_t pid, int pidfd, int *gone);

/* The guardian: a process that is not pmadv
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
#define GUARDIAN_GRACE_MS 60u
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
 * before the freeze action. GUARDIAN_FROZE; GUARDIAN_ACTION_FAILED with
 * e->code the action's errno (nothing frozen); GUARDIAN_LOST with e when
 * the guardian did not answer (it is killed, and the thaw run here in case
 * it had frozen). */
enum guardian_froze {
	GUARDIAN_LOST = -1,
	GUARDIAN_FROZE = 0,
	GUARDIAN_ACTION_FAILED = 1,
};
enum guardian_froze guardian_freeze(struct guardian *g, uint64_t bound_ns, uint64_t stuck_ns,
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
 * record. here: the thaw action is ours, then the guardian looks (a
 * window ends when pmadv is done, not when the guardian is next
 * scheduled); else the guardian's. When the guardian does not answer
 * (stopped or traced by someone, killed) it is killed and all this is
 * done here. 0 when the thaw was seen; -1 otherwise (end->why and
 * end->err say why; the record stays). */
int guardian_thaw(struct guardian *g, bool here, struct guardian_end *end);

/* Let it go (DONE) and reap it. */
void guardian_stop(struct guardian *g);

/* The message a fatal-signal path sends: THAW of window id, without
 * waiting for an answer. Async-signal-safe. 0, or -1 with errno (the
 * guardian is gone: thaw yourself). */
int guardian_thaw_async(int sock, uint64_t window);

/* The limits on a freeze window that the
 * guardian keeps (freeze.h) — a process that is not pmadv, so they hold
 * while pmadv's main thread is stuck in a system call (a mapping served by
 * a FUSE server that the freeze also froze: process_madvise then waits for
 * that server, which waits for the thaw), and equally while pmadv is
 * stopped, frozen with its cgroup, traced or starved.
 *
 * With --max-freeze M the window ends at M + GUARDIAN_GRACE_MS after its
 * first freeze action, whatever pmadv does. With --max-freeze=0 (one
 * window for the run) it ends once no advice call has completed for
 * watchdog_bound_ms(): max(2 x --freeze-timeout, 5 s). Progress is counted
 * per process_madvise call, and under a freeze each call carries at most
 * WATCHDOG_CALL_MAX_BYTES, so a long pageout of many GiB shows progress
 * every call; only a call that itself takes longer than the bound (a
 * blocked one, or a device slower than ~13 MB/s) ends it. */
/* Bytes per process_madvise call under a freeze of ours: 64 MiB takes
 * about 64 ms to page out at the ~1 GB/s measured here (swap file), and up
 * to 5 s at 13 MB/s. */
#define WATCHDOG_CALL_MAX_BYTES (64ULL << 20)
#define WATCHDOG_MIN_MS 5000u

/* The longest a window may last: max_freeze_ms 0: max(2 x
 * freeze_timeout_ms, WATCHDOG_MIN_MS) without progress; else
 * max_freeze_ms + GUARDIAN_GRACE_MS from its start; saturating. */
unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms);

/* Freezing through the cgroup freezer, v2
 * (cgroup.freeze, cgroup.events) or v1 (freezer.state). */
struct cg {
	int version;		/* 2, or 1 for the v1 freezer */
	char path[PATH_MAX];	/* as /proc/PID/cgroup shows it */
	char dir[PATH_MAX];	/* its directory */
	int dirfd;
	int statefd;		/* cgroup.freeze / freezer.state, write only */
	int eventsfd;		/* v2: cgroup.events; else -1 */
	dev_t dev;		/* of the directory: the lock key */
	ino_t ino;
};

/* Find the cgroup to freeze from /proc/PID/cgroup and /proc/self/mountinfo:
 * spec NULL means the target's own (v2 preferred; a hierarchy where the
 * target sits in the root cgroup, or whose cgroup holds pmadv, is passed
 * over); otherwise spec is a directory under a cgroup mount or a path as
 * /proc/PID/cgroup shows it, and must contain the target. The root cgroup
 * and cgroups that contain pmadv are refused. Opens the files; cg_close
 * closes them (also after a failure). 0, or -1 with e. */
int cg_resolve(const char *spec, pid_t pid, struct cg *c, struct err *e);

/* Is pid in the cgroup or below it? 0; or -1 with e saying where it is. */
int cg_check_member(const struct cg *c, pid_t pid, struct err *e);

/* Was the cgroup frozen already, by someone else (v2 cgroup.freeze 1; v1
 * self_freezing 1)? Then it is only waited for and never thawed. */
int cg_already(const struct cg *c, bool *already, struct err *e);

/* The write that thaws it. */
void cg_thaw_op(const struct cg *c, struct thaw_op *op);

/* The write that freezes it (the guardian runs it). */
void cg_freeze_op(const struct cg *c, struct thaw_op *op);

/* Wait until it is frozen: v2 re-reads cgroup.events for "frozen 1" after
 * each short nap (woken early by POLLPRI); v1 re-reads freezer.state (w's
 * again writes FROZEN each round for our own freeze). 0; or -1 with e
 * naming the threads not frozen in time, or saying the window ended first
 * (the caller thaws: this never does). */
int cg_wait_frozen(const struct cg *c, const struct freeze_wait *w,
		   struct err *e);

/* When a window closes: is the cgroup still frozen? v2: cgroup.freeze
 * still 1 and cgroup.events "frozen 1"; v1: freezer.state FROZEN. false
 * once another writer thawed it during the window; true when it cannot be
 * read (then nothing says it was thawed). */
bool cg_still_frozen(const struct cg *c);

void cg_close(struct cg *c);

/* Which freezes hold a task. A freeze of a
 * process does not by itself hold everything that can change its address
 * space: a thread may sit in another cgroup than its process (v1 `tasks`,
 * v2 threaded cgroups), and other processes may share the mm (CLONE_VM,
 * freeze/cover.c). And a stop cannot take hold of a task that the cgroup
 * freezer holds. Reads only: never signals, never freezes. */
/* Before the freeze (the window's first action): which processes share
 * each of pids' address spaces, by one scan of /proc, and the last PID
 * the kernel had handed out. Inside the window only those, and processes
 * created since, need a look: no scan of /proc while frozen. 0; -1 (then
 * a is empty and the window scans /proc itself). */
struct cover_ahead {
	long last;		/* the last PID handed out; -1: unknown */
	long max;		/* pid_max then */
	uint64_t at_ns;		/* when, CLOCK_MONOTONIC */
	struct cover_pair {
		pid_t member;	/* one of pids */
		pid_t sharer;	/* a process sharing its mm */
	} *v;
	size_t n, cap;
};
int cover_look_ahead(const pid_t *pids, size_t n, struct cover_ahead *a);
void cover_ahead_free(struct cover_ahead *a);

/* Inside a freeze: is every live task sharing pid's address space held,
 * by a group stop (state T: ours or another program's) or, with cg (the
 * frozen cgroup), by being in cg or below? theirs: the freeze is another
 * program's (pmadv only waited for it). held_live: a live thread of pid
 * that our stop's confirmation has just seen with all of pid's threads in
 * T (they are not walked again: none can start while all are stopped), or
 * 0. 0; or -1 with e naming the first task that is not held: tid, comm,
 * state, its cgroups. */
int cover_check(pid_t pid, const struct cg *cg, bool theirs,
		const struct cover_ahead *a, pid_t held_live, struct err *e);

/* Before a stop: is a live thread of pid in a cgroup that is frozen or
 * being frozen (v2: cgroup.freeze 1 on it or an ancestor, or cgroup.events
 * frozen 1; v1: freezer.state not THAWED)? true with *tid and where ("v2
 * cgroup /x") set; false if none (or when it cannot be told). */
bool cover_cgroup_frozen(pid_t pid, pid_t *tid, char *where, size_t len);

/* Freezing by SIGSTOP through the pidfd. */
/* Before freezing: refuse a traced target, naming the tracer (a group stop
 * may never complete under a tracer). *already: someone else has stopped
 * it, or is stopping it: a thread is in T (group stop, complete or under
 * way) or a stop signal is pending (one sent while a thread sleeps in D is
 * taken only when it wakes); then nothing is to be sent or undone. Else
 * refuse a target a thread of which the cgroup freezer holds: a SIGSTOP
 * could not take hold and only a SIGCONT could take it back. 0, or -1
 * with e. */
int stop_prepare(pid_t pid, bool *already, struct err *e);

/* Our stop (the guardian sent SIGSTOP through the pidfd): poll
 * /proc/PID/task/TID/stat, rescanning the task directory every round,
 * until every live thread is `T`. 0 with *live one of them; or -1 with e
 * naming the threads that did not stop in time, or saying the window
 * ended first (the caller has the guardian thaw: this never does). */
int stop_wait_ours(pid_t pid, const struct freeze_wait *w, pid_t *live,
		   struct err *e);

/* Someone else's stop: wait until every live thread is in T, at most until
 * deadline (freeze_covers names a thread it has not reached). */
void stop_wait_theirs(pid_t pid, uint64_t deadline);

/* When a window closes: is every live thread still stopped (T)? false once
 * something resumed one (a SIGCONT from another program) while the window
 * was open. A process that has exited counts as held: nothing of it ran. */
bool stop_still_held(pid_t pid);

/* The per-process and per-cgroup lock files
 * that keep concurrent pmadv runs from freezing, and so thawing, one target
 * under one another. A lock file is held with flock(2) from before the
 * freeze until after the thaw, and holds the record of the freeze while it
 * is in force (freeze.h). The guardian inherits the descriptor, so
 * the lock outlives pmadv until the guardian has thawed. The file is
 * unlinked by whoever releases it, unless it still holds a record (a thaw
 * not seen: it stays for --recover); a waiter that then gets the lock on
 * the unlinked file notices and tries again. The files live in the caller-only
 * run directory (freeze.h); even there a lock path that is not a regular
 * file of the caller's (a FIFO, a link, a device) is refused, never opened
 * in a way that could block. */
struct lock {
	int fd;
	char *path;		/* lock_take's; freed by lock_drop */
};

/* Take the lock file name in the run directory, waiting for another run's
 * until deadline; what names the locked thing in messages ("process 12"),
 * timeout_ms is said in the time-out one. 0, or -1 with e (l->fd is then
 * -1). */
int lock_take(struct lock *l, const char *name, const char *what,
	      uint64_t deadline, unsigned int timeout_ms, struct err *e);

/* Open the existing lock file name in the directory dirfd the way
 * lock_take does (no link followed, no blocking, a regular file of the
 * caller's only), for recovery. The descriptor, or -1 with e. */
int lock_open_existing(int dirfd, const char *name, struct err *e);

/* Release it, and unlink it when it holds no freeze record (nothing when
 * not held); its path is freed. A record stays until its thaw has been
 * seen. */
void lock_drop(struct lock *l);

/* The record of a freeze in
 * force. It is the content of the lock file of what is frozen (the
 * process lock for --freeze=stop, the cgroup lock for --freeze=cgroup),
 * written before the freeze and emptied only once a thaw has been seen
 * (freeze.h: by the guardian, by pmadv when the guardian is lost,
 * or by recovery); a lock file is removed only when empty, so a record
 * whose thaw failed or was not seen stays for --recover. It names who froze (pmadv and its guardian, each by
 * PID and start time), what (a process by PID and start time, or a cgroup
 * directory by path, version and inode) and how to undo it, so that a later
 * pmadv can thaw it once both are gone, and only if the object is still the
 * same. Plain text, for operators too. */
enum record_kind { RECORD_STOP, RECORD_CGROUP };

struct freeze_record {
	pid_t owner;			/* the pmadv that froze */
	unsigned long long owner_start;	/* start times: /proc/PID/stat */
	pid_t guardian;
	unsigned long long guardian_start;
	enum record_kind kind;
	pid_t target;			/* RECORD_STOP: stopped by SIGSTOP */
	unsigned long long target_start;
	int version;			/* RECORD_CGROUP: 2, or 1 (v1 freezer) */
	unsigned long long dev, ino;	/* ... of its directory */
	char dir[PATH_MAX];
};

/* Parse what record_format wrote (NUL-terminated). 0, or -1. Pure. */
int record_parse(const char *text, struct freeze_record *r);

/* Replace the content of the lock file fd with r. 0, or -1 with e. */
int record_write(int fd, const struct freeze_record *r, struct err *e);

/* Empty it: the freeze is over. Async-signal-safe. */
void record_clear(int fd);

/* The start time of pid (0 for ourselves), or 0 when it is gone. */
unsigned long long record_start_time(pid_t pid);

/* The directory that holds the
 * lock files, and in them the record of every freeze in force. Only its
 * owner may write there, so nobody else can plant a FIFO, a symbolic link
 * or a held file at a lock path: /run/pmadv for root (mode 0700, owned by
 * root); for any other user a 0700 directory of their own, the first of
 * $XDG_RUNTIME_DIR/pmadv (when that is set, absolute, a directory of
 * theirs and 0700), /tmp/pmadv-UID and $HOME/.cache/pmadv that is usable.
 *
 * A directory that is not a real directory, not owned by the caller, or
 * not mode 0700 is refused, never used: another user who creates
 * /tmp/pmadv-UID first cannot block the user's freezes, because pmadv then
 * says so (once, naming it) and uses the next one. Every run of a user
 * picks the same one, so concurrent runs still take turns; --recover looks
 * in all of them. */
/* The caller's run directory into buf; created (0700) when create and
 * missing. LOOKUP_FOUND; LOOKUP_NONE when none exists and !create;
 * LOOKUP_FAILED with e (every candidate refused or impossible: e names
 * them and says how to set XDG_RUNTIME_DIR). A candidate refused on the
 * way is said once on stderr, with the one used instead. */
enum lookup rundir_get(char *buf, size_t len, bool create, struct err *e);

/* Every candidate that exists and is the caller's alone (for recovery),
 * at most max. The count. */
size_t rundir_all(char (*dirs)[PATH_MAX], size_t max);

/* Fatal signals while a freeze is in force:
 * they must thaw at once, even while pmadv's main thread sits in a system
 * call the kernel will not interrupt (a process_madvise waiting for a
 * frozen FUSE server). A signal handler cannot run then, so the signals
 * are blocked in every thread and taken by one thread of their own, which
 * runs the thaw actions and then ends the process with the signal's
 * default action (exit status 128+sig, as before). */
/* Arm a window: until thaw_disarm, a fatal signal (SIGINT, SIGTERM,
 * SIGHUP, SIGPIPE, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ
 * whose disposition was the default) asks the guardian on guardian_sock to
 * thaw window (it sees the thaw and removes the record and the lock files
 * once pmadv is gone), or runs op itself when the guardian is gone, and
 * ends pmadv with the signal's default action; exit() without freeze_end
 * does the same. SIGTSTP, SIGTTIN
 * and SIGTTOU are held back while armed, so pmadv is not stopped with the
 * target frozen. The first arm starts the signal thread, the last disarm
 * ends it: outside freezes pmadv has one thread. Call both from the main
 * thread only. Returns a slot number, or -1 with e. */
int thaw_arm(const struct thaw_op *op, int guardian_sock, uint64_t window,
	     bool unbounded, struct err *e);
void thaw_disarm(int slot);

/* Interruptible mode (on: true), for a run that advises: the first
 * SIGINT, SIGTERM or SIGHUP is noted for freeze_interrupted (by a handler
 * until a freeze is armed, then by the signal thread, to the end); the
 * main thread ends its window after the call under way, thaws and
 * reports. A window armed unbounded is thawed
 * at that first signal too: its call under way may wait on the frozen
 * target itself (thaw_lifted says so). A second signal, or any other
 * fatal one, thaws what is armed and ends pmadv as always. Main thread
 * only. 0, or -1 with e. */
int thaw_interruptible(bool on, struct err *e);
/* The freeze of slot holds: from now on the first interrupt may lift it
 * (before, the main thread may be waiting on the guardian's answer). */
void thaw_held(int slot);
/* Was slot's window thawed by the first interrupt (unbounded windows)? */
bool thaw_lifted(int slot);

#endif
