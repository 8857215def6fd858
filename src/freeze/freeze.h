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

enum freeze_mode { FREEZE_NONE, FREEZE_STOP, FREEZE_CGROUP };
#define FREEZE_MODE_LAST FREEZE_CGROUP	/* the modes' names: freeze_mode_name */

#define FREEZE_TIMEOUT_MS_DEFAULT 5000
/* --max-freeze: a service barely notices 100 ms (one request waits that
 * much once), ~40 times a window's own cost (freeze, maps, thaw: 1-3 ms). */
#define FREEZE_MAX_MS_DEFAULT 100

struct freeze_req {
	enum freeze_mode mode;
	const char *cgroup;	/* NULL: the target's own cgroup */
	unsigned int timeout_ms;
	unsigned int max_freeze_ms;	/* --max-freeze; 0: unbounded */
	void (*before)(void *arg);	/* optional: just before freezing,
					 * after the guardian's fork */
	void *before_arg;
	pid_t test_ahead_signal;	/* PMADV_TEST_HOOKS: SIGUSR1 to it
					 * after the look-ahead, then 5 ms */
};

struct freeze_info {
	enum freeze_mode mode;
	uint64_t frozen_ns;	/* first freeze action to thaw action */
	unsigned int processes;	/* processes the freeze held (1 for stop) */
	bool already;		/* frozen by someone else before us: left so */
	char *cgroup;		/* FREEZE_CGROUP's, malloc'd, as in /proc/PID/cgroup */
	int cgroup_version;	/* its hierarchy: 2, or 1 (the v1 freezer) */
	bool broken;		/* not race-free: expired, lifted or resumed */
	bool lifted;		/* the first interrupt thawed an unbounded
				 * window: the call under way went on */
	bool resumed;		/* another thawed it (SIGCONT, a cgroup writer) */
	unsigned int stalled_ms;	/* expired: how long the window (with
					 * a bound) or the stall lasted */
	unsigned int bound_ms;		/* expired: watchdog_bound_ms */
	bool expired;		/* the guardian ended the window at its
				 * deadline: a call stuck or pmadv held up */
};

struct freeze;

/* Parse "none", "stop", "cgroup", "cgroup:PATH". Returns 0, or -1 (bad). */
int freeze_parse_mode(const char *s, struct freeze_req *req);
const char *freeze_mode_name(enum freeze_mode mode);
/* A freeze another program undid: what showed it, what that program did. */
const char *freeze_mode_resumed(enum freeze_mode mode);

/* FREEZE_CGROUP: *key = malloc'd "v2:/path" or "v1:/path" of the cgroup
 * freeze_begin would freeze (same refusals); equal keys can share one
 * freeze. Else NULL. 0, or -1 with e. */
int freeze_scope(const struct freeze_req *req, pid_t pid, char **key,
		 struct err *e);

/* One freeze for n targets (pids[i] held by pidfds[i] >= 0). NONE: succeeds.
 * STOP: n is 1. CGROUP: the cgroup (req->cgroup, or pids[0]'s own) must hold
 * every pids[i], else -1 naming one outside. On failure nothing stays frozen. */
int freeze_begin(const struct freeze_req *req, const pid_t *pids,
		 const int *pidfds, size_t n, struct freeze **out,
		 struct err *e);

/* Before each member's maps are read: does the freeze still hold pid and
 * all that can change its address space (its threads, wherever their
 * cgroup, processes sharing its mm)? 0; or -1 with e naming one not held. */
int freeze_covers(const struct freeze *f, pid_t pid, struct err *e);

/* After each advice call: a heartbeat for the guardian (no system call);
 * false once it ended the window (watchdog_bound_ms): not race-free, stop. */
bool freeze_progress(struct freeze *f);

/* The most bytes one advice call may carry in this window, so that
 * progress shows often enough; 0: no limit of ours. */
uint64_t freeze_call_max_bytes(const struct freeze *f);

/* The window's start (our first freeze action, else freeze_begin's
 * return), from which --max-freeze counts; 0 for f == NULL. */
uint64_t freeze_started_ns(const struct freeze *f);

/* Thaw what freeze_begin froze (unless the guardian did: info->expired),
 * fill info (freeze_info_free), free f; f may be NULL. 0, or -1 with e
 * when the thaw failed or was not seen: the record stays for --recover. */
int freeze_end(struct freeze *f, struct freeze_info *info, struct err *e);
void freeze_info_free(struct freeze_info *info);

/* The first interrupt noted in thaw_interruptible's mode, or 0. */
int freeze_interrupted(void);

/* Recovery: thaw the freezes whose pmadv and guardian are both gone (a
 * cgroup freeze surviving a reboot), from the records in the caller's run
 * directories; only if the object is still the same (PID and start time,
 * directory inode), never process 1, never a record whose lock is held.
 * A record goes only on evidence (observe below); else it is kept. */
struct recover_count {
	unsigned int thawed;	/* undone now */
	unsigned int vanished;	/* the object was gone or replaced: dropped */
	unsigned int failed;	/* could not be undone: record kept */
};

/* failure: the line says what could not be done */
typedef void (*recover_say)(bool failure, const char *line, void *ctx);

/* Scan the run directories (none: nothing). all: say too what is left alone
 * and why (--recover). 0, or -1 with e (a directory refused or unreadable). */
int recover_run(bool all, recover_say say, void *ctx, struct recover_count *n,
		struct err *e);

/* ==== Inside src/freeze/ only: what its files share. ==== */

/* What a wait's test says: */
enum wait_test {
	WAIT_TEST_FAILED = -1,	/* its error is in its ctx */
	WAIT_NOT_YET = 0,
	WAIT_MET = 1,
};

/* What the wait came to. */
enum wait_result {
	WAIT_FAILED = -1,	/* the test failed */
	WAIT_DONE = 0,		/* the test was met */
	WAIT_DEADLINE = 1,	/* time ran out first */
	WAIT_OVER = 2,		/* the freeze window ended first (w->over) */
	WAIT_INTERRUPTED = 3,	/* SIGINT, SIGTERM or SIGHUP came first */
};

/* Waiting for a freeze to take hold is part of the window (the service is
 * paused from the first freeze action): short naps, ending at the bound
 * or --freeze-timeout, or when the guardian ended the window. */
struct freeze_wait {
	uint64_t deadline;	/* give up then (clock_now_ns) */
	unsigned int limit_ms;	/* how long that was, for messages */
	bool bounded;		/* ... --max-freeze's bound, not the timeout */
	bool (*over)(void *ctx);	/* the window has ended meanwhile */
	void (*again)(void *ctx);	/* v1, our freeze: write FROZEN again */
	void *ctx;
	int pollfd;		/* POLLPRI here ends naps (v2 cgroup.events), or -1 */
	bool slow;		/* not in a window: wait_until's naps */
	bool interruptible;	/* ends at the first interrupt: a wait before
				 * anything of ours is frozen */
};

/* Ask test(dctx) (at least once) until met: for 0.5 ms again at once, then
 * napping between, 50 us doubling up to 1 ms; when slow, naps only, 100 us
 * up to 6.4 ms; never past the deadline. */
enum wait_result freeze_wait_run(const struct freeze_wait *w,
				 enum wait_test (*test)(void *dctx), void *dctx);

/* The same outside a window: no pollfd; nothing ends it but the deadline
 * and, when interruptible (a wait before our freeze: another run's lock,
 * someone else's freeze taking hold), the first interrupt. */
enum wait_result wait_until(uint64_t deadline, bool interruptible,
			    enum wait_test (*test)(void *ctx), void *ctx);

/* e says that interrupt came while waiting for what; -1. */
int wait_interrupted_error(struct err *e, const char *what);

/* The limit, for the message: the bound (50 ms floor), or "" (timeout). */
const char *freeze_wait_why(const struct freeze_wait *w);

/* Seeing that a freeze is undone, before its record goes: every live
 * thread out of T, the cgroup's own freeze off (v2 cgroup.freeze 0, v1
 * freezer.self_freezing 0), or positively gone (ESRCH; ENOENT or ENODEV).
 * Any other failure (EMFILE, EACCES...) is "cannot tell", never "gone". */
enum observe_kind { OBSERVE_NONE, OBSERVE_STOP, OBSERVE_CGROUP };

struct observe {
	enum observe_kind kind;
	pid_t pid;		/* STOP: the process, held by pidfd */
	int pidfd;
	int dirfd;		/* CGROUP: its directory */
	int version;		/* 2, or 1 (v1 freezer) */
};

/* Is the freeze undone? why (may be NULL) says what holds, or what failed
 * (OBSERVED_FAILED, with errno). */
enum observed {
	OBSERVED_FAILED = -1,
	OBSERVED_FROZEN = 0,
	OBSERVED_THAWED = 1,
};
enum observed observe_thawed(const struct observe *o, char *why, size_t len);

/* The same, retried for up to ms. */
enum observed observe_thawed_within(const struct observe *o, unsigned int ms,
				    char *why, size_t len);

/* STOP only: is a live thread of pid in T? OBSERVED_FROZEN yes, OBSERVED_THAWED
 * no (or gone: *gone set), OBSERVED_FAILED with errno when it cannot be told. */
enum observed observe_stopped(pid_t pid, int pidfd, int *gone);

/* The guardian: a process that is not pmadv and alone freezes and thaws
 * the target, so that nothing pmadv can suffer (SIGSTOP, a frozen cgroup,
 * a debugger, starvation, SIGKILL) holds a window open past its bound.
 * One serves one window; forked before the freeze, it leaves pmadv's
 * session, cgroups and name, and takes requests on a socket pair:
 *
 *   FREEZE id  the freeze action; answers with its clock then (the window
 *              starts there). It then thaws on its own at watchdog_bound_ms
 *              (with --max-freeze=0, counted from pmadv's last heartbeat).
 *   REFREEZE   v1 only: write FROZEN again while the window lasts.
 *   THAW id    the thaw action (unless done at the deadline), then it looks
 *              for the thaw (observe); only a thaw seen empties the record.
 *   DONE       it exits.
 *   end of file  pmadv died: as THAW (retried for a second), the empty lock
 *              files removed, and it exits.
 *
 * A window's identity is never reused in a run: a late request for another
 * window is refused, so the guardian thaws only the window it froze. */
/* ---- actions: one system call each ---- */

enum thaw_kind { THAW_NONE, THAW_SIGNAL, THAW_WRITE };

/* A freeze or thaw action, precomputed: one system call (a signal through
 * a pidfd, or a write to an open cgroup.freeze/freezer.state). */
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

/* The guardian thaws at start + bound + grace: room for one call that
 * overruns and for pmadv's own thaw to come first. The target runs again
 * within bound + slack (the guardian's wake-up: tests/freeze18.bats). */
#define GUARDIAN_GRACE_MS 60u
#define GUARDIAN_SLACK_MS 100u

/* Fixed before the fork. */
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
	struct guardian_cfg cfg;	/* for when the guardian is gone */
};

/* Fork it, wait (to deadline, 1 s at least) until ready. 0, or -1 with e. */
int guardian_start(struct guardian *g, const struct guardian_cfg *cfg,
		   uint64_t deadline, struct err *e);

/* Have it freeze (bound_ns 0: stuck_ns after the last heartbeat is the
 * limit); *t0: its clock at the freeze action. ACTION_FAILED: nothing
 * frozen, e->code the errno; LOST: no answer (killed, thawed here). */
enum guardian_froze {
	GUARDIAN_LOST = -1,
	GUARDIAN_FROZE = 0,
	GUARDIAN_ACTION_FAILED = 1,
};
enum guardian_froze guardian_freeze(struct guardian *g, uint64_t bound_ns, uint64_t stuck_ns,
		    uint64_t *t0, struct err *e);

/* v1: write FROZEN again (it can fail to converge); false once it is over. */
bool guardian_refreeze(struct guardian *g);

/* pmadv progressed (an advice call completed): a store, no system call. */
void guardian_progress(struct guardian *g);

/* Has the guardian ended this window at its deadline? */
bool guardian_expired(const struct guardian *g);

/* How a window ended. */
struct guardian_end {
	bool expired;		/* the guardian thawed at the deadline */
	bool seen;		/* the thaw was seen: the record is emptied */
	int err;		/* the thaw's errno, or 0 */
	uint64_t t1;		/* the thaw action */
	uint64_t stalled_ns;	/* expired: since the last heartbeat */
	char why[160];		/* !seen: what holds it, or what failed */
};

/* End the window: thaw (here: the action is ours, so the window ends when
 * pmadv is done, not when the guardian is next scheduled), see it, empty
 * the record; a guardian that does not answer is killed and all is done
 * here. 0 when the thaw was seen; -1 (end says why; the record stays). */
int guardian_thaw(struct guardian *g, bool here, struct guardian_end *end);

/* DONE, and reap it. */
void guardian_stop(struct guardian *g);

/* THAW of window, unanswered: for fatal signals. Async-signal-safe. 0, or
 * -1 with errno (the guardian is gone: thaw yourself). */
int guardian_thaw_async(int sock, uint64_t window);

/* The guardian's limits hold even while pmadv is stuck in a call (a
 * mapping served by a FUSE server the freeze froze). With --max-freeze=0
 * progress is counted per call, so calls under a freeze carry at most
 * this: 64 MiB pages out in ~64 ms at ~1 GB/s, in 5 s at 13 MB/s. */
#define WATCHDOG_CALL_MAX_BYTES (64ULL << 20)
#define WATCHDOG_MIN_MS 5000u

/* The longest a window may last: max_freeze_ms 0: max(2 x
 * freeze_timeout_ms, WATCHDOG_MIN_MS) without progress; else
 * max_freeze_ms + GUARDIAN_GRACE_MS from its start; saturating. */
unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms);

/* The cgroup freezer: v2 (cgroup.freeze, cgroup.events) or v1 (freezer.state). */
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

/* The cgroup to freeze: spec NULL is the target's own (v2 preferred; a
 * hierarchy where it sits in the root, or with pmadv, is passed over);
 * else a directory or /proc/PID/cgroup path containing the target. The
 * root and pmadv's cgroups are refused. cg_close either way. 0, or -1. */
int cg_resolve(const char *spec, pid_t pid, struct cg *c, struct err *e);

/* Is pid in the cgroup or below it? 0; or -1 with e saying where it is. */
int cg_check_member(const struct cg *c, pid_t pid, struct err *e);

/* Was the cgroup frozen already, by someone else (v2 cgroup.freeze 1; v1
 * self_freezing 1)? Then it is only waited for and never thawed. */
int cg_already(const struct cg *c, bool *already, struct err *e);

/* The write that freezes it, or thaws it (the guardian runs the freeze). */
void cg_state_op(const struct cg *c, bool freeze, struct thaw_op *op);

/* Wait until frozen (v2 cgroup.events "frozen 1", v1 freezer.state). 0; or -1
 * with e: the threads not frozen in time, or the window ended (caller thaws). */
int cg_wait_frozen(const struct cg *c, const struct freeze_wait *w,
		   struct err *e);

/* When a window closes: is the cgroup still frozen? false once another
 * writer thawed it; true when it cannot be read. */
bool cg_still_frozen(const struct cg *c);

void cg_close(struct cg *c);

/* Which freezes hold a task: a thread may sit in another cgroup than its
 * process (v1 `tasks`, v2 threaded), other processes may share the mm
 * (CLONE_VM), and a stop cannot take a task the cgroup freezer holds.
 * cover_look_ahead, before the freeze: the processes sharing each of pids'
 * address spaces (one scan of /proc) and the last PID handed out, so the window
 * looks only at those and newer ones. 0; -1 (a empty: the window scans). */
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

/* Inside a freeze: is every live task sharing pid's address space held, by
 * a group stop (state T: ours or another program's) or, with cg (the frozen
 * cgroup), by being in cg or below? theirs: the freeze is another program's
 * (pmadv only waited for it). held_live: a live thread of pid that our
 * stop's confirmation has just seen with all of pid's threads in T (they are
 * not walked again: none can start while all are stopped), or 0. 0; or -1
 * with e naming the first task that is not held: tid, comm, state, cgroups. */
int cover_check(pid_t pid, const struct cg *cg, bool theirs,
		const struct cover_ahead *a, pid_t held_live, struct err *e);

/* Before a stop: is a live thread of pid in a cgroup that is frozen or
 * being frozen (v2: cgroup.freeze 1 on it or an ancestor, or cgroup.events
 * frozen 1; v1: freezer.state not THAWED)? true with *tid and where ("v2
 * cgroup /x") set; false if none (or when it cannot be told). */
bool cover_cgroup_frozen(pid_t pid, pid_t *tid, char *where, size_t len);

/* Is v1 freezer cgroup path (as /proc/PID/cgroup shows it) frozen or being
 * frozen? freezer.state shows an ancestor's freeze too. */
struct cgfs_mounts;
bool cover_v1_freezing(const struct cgfs_mounts *m, const char *path);

/* SIGSTOP through the pidfd. Before it: refuse a traced target (a group
 * stop may never complete under a tracer). *already: a thread is in T or a
 * stop signal is pending (one sent while a thread is in D waits for it):
 * nothing to send or undo. Else refuse a target the cgroup freezer holds
 * (a SIGSTOP would stay pending until a SIGCONT). 0, or -1 with e. */
int stop_prepare(pid_t pid, bool *already, struct err *e);

/* Our stop: wait until every live thread is T. 0, *live one of them; or -1
 * with e: the threads not stopped in time, or the window ended (caller thaws). */
int stop_wait_ours(pid_t pid, const struct freeze_wait *w, pid_t *live,
		   struct err *e);

/* A parent that relays job control (su, sudo, runuser: waitpid with
 * WUNTRACED, then a SIGSTOP to itself) stops itself when its child is
 * stopped, and then waits for a SIGCONT that nobody sends. */
struct stop_parent {
	int fd;			/* its pidfd, or -1: none to watch */
	pid_t pid;
	char comm[64];
};

/* Before the first stop of child: its parent, unless it is init or
 * stopped already (fd -1 then). */
void stop_parent_note(struct stop_parent *p, pid_t child);

/* After the last thaw: a parent stopped now (it was not before) is
 * resumed (SIGCONT through its pidfd): 1; 0 when it runs; -1 (errno)
 * when it is stopped and the SIGCONT failed. The pidfd is closed. */
int stop_parent_resume(struct stop_parent *p);

/* Someone else's stop: wait until every live thread is in T, at most until
 * deadline (freeze_covers names a thread it has not reached) or the first
 * interrupt (WAIT_INTERRUPTED). */
enum wait_result stop_wait_theirs(pid_t pid, uint64_t deadline);

/* When a window closes: is every live thread still T (no SIGCONT from
 * another program)? An exited process counts as held. */
bool stop_still_held(pid_t pid);

/* Per-process and per-cgroup lock files keep concurrent runs from
 * freezing, and so thawing, one target under one another: flock(2) from
 * before the freeze to after the thaw; the guardian inherits it. Whoever
 * releases it unlinks it unless it holds a record; a waiter that then gets
 * the unlinked file tries again. A lock path that is not a regular file of
 * the caller's is refused, never opened in a way that could block. */
struct lock {
	int fd;
	char *path;		/* lock_take's; freed by lock_drop */
};

/* Take the lock file name in the run directory, waiting for another run's
 * until deadline; what names the locked thing in messages ("process 12"),
 * timeout_ms is said in the time-out one. 0, or -1 with e (l->fd -1). */
int lock_take(struct lock *l, const char *name, const char *what,
	      uint64_t deadline, unsigned int timeout_ms, struct err *e);

/* Open the existing lock file name in the directory dirfd the way
 * lock_take does (no link followed, no blocking, a regular file of the
 * caller's only), for recovery. The descriptor, or -1 with e. */
int lock_open_existing(int dirfd, const char *name, struct err *e);

/* Release it, and unlink it unless it holds a freeze record (which stays
 * until its thaw has been seen); its path is freed. */
void lock_drop(struct lock *l);

/* The record of a freeze in force: the frozen thing's lock file's content,
 * written before the freeze, emptied once a thaw is seen. It names who froze
 * what, by PID and start time or directory inode, so a later pmadv thaws it
 * only if the object is still the same. Plain text, for operators too. */
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

/* The run directory holds the lock files; only its owner may write there, so
 * nobody can plant a FIFO, link or held file at a lock path: /run/pmadv for
 * root; else the first usable 0700 directory of the caller's among
 * $XDG_RUNTIME_DIR/pmadv, /tmp/pmadv-UID, $HOME/.cache/pmadv. One not the
 * caller's or not 0700 is refused (said once on stderr, with the one used
 * instead) and the next used, so another user cannot block the freezes.
 * rundir_get: it into buf, created (0700) when create and missing.
 * LOOKUP_FOUND; LOOKUP_NONE when none exists and !create; LOOKUP_FAILED with e
 * naming every candidate refused, and how to set XDG_RUNTIME_DIR. */
enum lookup rundir_get(char *buf, size_t len, bool create, struct err *e);

/* Every candidate that exists and is the caller's alone (for recovery),
 * at most max. The count. */
size_t rundir_all(char (*dirs)[PATH_MAX], size_t max);

/* Fatal signals under a freeze must thaw at once, even while the main thread
 * sits in a call the kernel will not interrupt (a process_madvise waiting for a
 * frozen FUSE server), where no handler can run: so they are blocked everywhere
 * and taken by a thread of their own, from the first thaw_arm to the last
 * thaw_disarm. Armed, a fatal signal whose disposition was the default (and
 * exit() without freeze_end) asks the guardian to thaw window, or runs op when
 * it is gone, then takes the default action; SIGTSTP, SIGTTIN and SIGTTOU are
 * held back so pmadv is not stopped with the target frozen. Main thread only. A
 * slot number, or -1 with e. */
int thaw_arm(const struct thaw_op *op, int guardian_sock, uint64_t window,
	     bool unbounded, struct err *e);
void thaw_disarm(int slot);

/* Interruptible mode, for a run that advises: a first SIGINT, SIGTERM or
 * SIGHUP is only noted (freeze_interrupted); the main thread ends its window,
 * thaws and reports. An unbounded window is thawed at once (its call may wait
 * on the frozen target: thaw_lifted). A second ends pmadv. Main thread only. */
void thaw_interruptible(bool on);
/* The freeze of slot holds: from now on the first interrupt may lift it
 * (before, the main thread may be waiting on the guardian's answer). */
void thaw_held(int slot);
/* Was slot's window thawed by the first interrupt (unbounded windows)? */
bool thaw_lifted(int slot);

#endif
