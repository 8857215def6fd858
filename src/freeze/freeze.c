/* Freezing targets around their maps and advice: the order and the locks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "freeze/freeze.h"

/* What a freeze holds: its mode, locks, cgroup, guardian and window. */
struct freeze {
	enum freeze_mode mode;
	pid_t pid;		/* pids[0]: the process lock's */
	int pidfd;		/* the caller's */
	unsigned int timeout_ms, max_freeze_ms;
	uint64_t deadline;	/* for the locks and the freeze together */
	bool already;		/* stopped/frozen before us: leave it so */
	bool froze;		/* we froze it: thaw at the end */
	struct lock plock;	/* the target process */
	struct lock glock;	/* the cgroup */
	struct cg *cg;		/* FREEZE_CGROUP's (8 KiB: not for the rest) */
	struct thaw_op thaw;
	struct guardian guard;	/* freezes, thaws, keeps the deadline */
	int slot;		/* thaw_arm */
	struct guardian_end end;	/* how our window ended */
	bool resumed;		/* someone else thawed (freeze_end's check) */
	bool lifted;		/* thawed at the first interrupt (unbounded) */
	uint64_t frozen_at;	/* the first freeze action (CLOCK_MONOTONIC) */
	unsigned int processes;
	struct cover_ahead ahead;	/* who shared the mms just before */
	pid_t held_live;	/* our stop: a thread seen with all in T */
};

/* ---- locks ---- */

/* One lock per process, whichever the mode, named by PID and start time
 * (read while the pidfd shows the process alive). */
static int lock_process(struct freeze *f, struct err *e)
{
	char name[96], what[64];
	struct procstat ps;

	if (procstat_of(f->pid, &ps) != 0 ||
	    sys_pidfd_send_signal(f->pidfd, 0) != 0)
		return err_set(e, ESRCH, "cannot freeze process %d: no such "
			       "process", (int)f->pid);
	snprintf(name, sizeof(name), "pid-%d-%llu.lock", (int)f->pid,
		 ps.start_time);
	snprintf(what, sizeof(what), "process %d", (int)f->pid);
	return lock_take(&f->plock, name, what, f->deadline, f->timeout_ms, e);
}

/* And one per cgroup: runs on two processes of one cgroup take turns
 * (always after the process lock: no deadlock). */
static int lock_cgroup(struct freeze *f, struct err *e)
{
	char name[96], what[PATH_MAX + 16];

	snprintf(name, sizeof(name), "cg-%llx-%llu.lock",
		 (unsigned long long)f->cg->dev, (unsigned long long)f->cg->ino);
	snprintf(what, sizeof(what), "cgroup %s", f->cg->path);
	return lock_take(&f->glock, name, what, f->deadline, f->timeout_ms, e);
}

/* ---- what to freeze ---- */

/* The targets a request may freeze together (n, pidfds, not pmadv). */
static int check_targets(const struct freeze_req *req, const pid_t *pids,
			 const int *pidfds, size_t n, struct err *e)
{
	if (n == 0)
		return err_set(e, EINVAL, "no process to freeze");
	if (req->mode == FREEZE_STOP && n != 1)
		return err_set(e, EINVAL, "--freeze=stop freezes one process at "
			       "a time, not %zu", n);
	for (size_t i = 0; i < n; i++) {
		if (pids[i] == getpid())
			return err_set(e, EPERM, "refusing to freeze pmadv itself");
		if (pidfds[i] < 0)
			return err_set(e, EBADF, "cannot freeze process %d: no "
				       "pidfd holds it", (int)pids[i]);
	}
	return 0;
}

/* Before a stop: refuse what cannot stop, see whether it is stopped. */
static int prepare_stop(struct freeze *f, struct err *e)
{
	if (stop_prepare(f->pid, &f->already, e) != 0)
		return -1;
	f->thaw = (struct thaw_op){ .kind = THAW_SIGNAL, .fd = f->pidfd,
				    .sig = SIGCONT };
	f->processes = 1;
	return 0;
}

/* Every other target must be in the cgroup too; one that has exited is no
 * reason to refuse (its own run finds it gone). */
static int check_members(const struct freeze *f, const pid_t *pids,
			 const int *pidfds, size_t n, struct err *e)
{
	for (size_t i = 1; i < n; i++)
		if (cg_check_member(f->cg, pids[i], e) != 0 &&
		    sys_pidfd_send_signal(pidfds[i], 0) == 0)
			return -1;
	err_clear(e);
	return 0;
}

/* Before a cgroup freeze: the cgroup, every member in it, its lock. */
static int prepare_cgroup(struct freeze *f, const struct freeze_req *req,
			  const pid_t *pids, const int *pidfds, size_t n,
			  struct err *e)
{
	f->cg = malloc(sizeof(*f->cg));
	if (!f->cg)
		return err_set(e, ENOMEM, "out of memory");
	if (cg_resolve(req->cgroup, f->pid, f->cg, e) != 0)
		return -1;
	if (sys_pidfd_send_signal(f->pidfd, 0) != 0)
		return err_set(e, ESRCH, "cannot freeze process %d: no such "
			       "process", (int)f->pid);
	if (check_members(f, pids, pidfds, n, e) != 0 || lock_cgroup(f, e) != 0 ||
	    cg_already(f->cg, &f->already, e) != 0)
		return -1;
	cg_state_op(f->cg, false, &f->thaw);
	/* counted before the freeze: a window holds maps, selection, advice only */
	f->processes = (unsigned int)cgfs_count_procs(f->cg->dirfd);
	return 0;
}

int freeze_scope(const struct freeze_req *req, pid_t pid, char **key,
		 struct err *e)
{
	struct cg c;
	int rc;

	*key = NULL;
	if (req->mode != FREEZE_CGROUP)
		return 0;
	if (pid == getpid())
		return err_set(e, EPERM, "refusing to freeze pmadv itself");
	if (cg_resolve(req->cgroup, pid, &c, e) != 0)
		return -1;
	rc = asprintf(key, "v%d:%s", c.version, c.path);
	cg_close(&c);
	if (rc < 0) {
		*key = NULL;
		return err_set(e, ENOMEM, "out of memory");
	}
	return 0;
}

int freeze_parse_mode(const char *s, struct freeze_req *req)
{
	if (!s)
		return -1;
	if (strncasecmp(s, "cgroup:", 7) == 0 && s[7]) {
		req->mode = FREEZE_CGROUP;
		req->cgroup = s + 7;
		return 0;
	}
	/* the names are freeze_mode_name's */
	for (enum freeze_mode m = FREEZE_NONE; m <= FREEZE_MODE_LAST; m++)
		if (strcasecmp(s, freeze_mode_name(m)) == 0) {
			req->mode = m;
			req->cgroup = NULL;
			return 0;
		}
	return -1;
}

/* A row per enum freeze_mode, in its order: name, undoing it (a freeze that
 * did not take hold), freeze_mode_resumed's */
static const struct {
	const char *name, *undo, *undone, *resumed;
} modes[] = {
	{ "none", "", "", "" },
	{ "stop", "resume", "resumed", "a thread was running again while pmadv "
	  "advised it (another program sent SIGCONT)" },
	{ "cgroup", "thaw", "thawed", "its cgroup was no longer frozen while "
	  "pmadv advised it (another program thawed the cgroup)" },
};
_Static_assert(sizeof(modes) / sizeof(modes[0]) == FREEZE_MODE_LAST + 1, "");

const char *freeze_mode_name(enum freeze_mode mode)
{
	return (unsigned int)mode <= FREEZE_MODE_LAST ? modes[mode].name : "?";
}

const char *freeze_mode_resumed(enum freeze_mode mode)
{
	return modes[mode].resumed;	/* a freeze's mode: always in range */
}

/* ---- freeze and thaw ---- */

static void freeze_free(struct freeze *f)
{
	cover_ahead_free(&f->ahead);
	if (f->cg)
		cg_close(f->cg);
	free(f->cg);
	lock_drop(&f->glock);	/* removed only when it holds no record */
	lock_drop(&f->plock);
	free(f);
}

/* The lock file of what is frozen holds the freeze record. */
static struct lock *record_lock(struct freeze *f)
{
	return f->mode == FREEZE_STOP ? &f->plock : &f->glock;
}

/* Undo our freeze (here: the thaw action is ours, at a window's normal
 * end), see it, then stand down the signal slot and the guardian. 0, or
 * -1 with errno (f->end.why says what holds or failed). */
static int unfreeze(struct freeze *f, bool here)
{
	int rc;

	if (!f->froze)
		return 0;
	rc = guardian_thaw(&f->guard, here, &f->end);
	thaw_disarm(f->slot);
	f->slot = -1;
	guardian_stop(&f->guard);
	f->froze = false;
	if (rc != 0)
		errno = f->end.err ? f->end.err : EIO;
	return rc;
}

/* A thaw not seen: what holds, and where the record waits. */
static void describe_kept(struct freeze *f, int err, struct err *e)
{
	if (f->end.why[0])
		err_append(e, " (%s)", f->end.why);
	else
		err_append(e, ": %s", strerror(err));
	err_append(e, "; its freeze record stays in %s: run pmadv --recover "
		   "once it can be thawed", record_lock(f)->path);
}

/* Who froze what, for a later pmadv should pmadv and the guardian die. */
static int record_freeze(const struct freeze *f, int fd, struct err *e)
{
	struct freeze_record r = {
		.owner = getpid(), .owner_start = record_start_time(0),
		.guardian = f->guard.pid, .guardian_start = f->guard.start_time,
	};

	if (f->mode == FREEZE_STOP) {
		r.kind = RECORD_STOP;
		r.target = f->pid;
		r.target_start = record_start_time(f->pid);
	} else {
		r.kind = RECORD_CGROUP;
		r.version = f->cg->version;
		r.dev = (unsigned long long)f->cg->dev;
		r.ino = (unsigned long long)f->cg->ino;
		snprintf(r.dir, sizeof(r.dir), "%s", f->cg->dir);
	}
	if (record_write(fd, &r, e) == 0)
		return 0;
	record_clear(fd);	/* no half record: nothing is frozen */
	return -1;
}

/* How the guardian freezes, thaws and sees the thaw; record, locks. */
static void guardian_config(struct freeze *f, struct guardian_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->thaw = f->thaw;
	if (f->mode == FREEZE_STOP) {
		cfg->freeze = f->thaw;
		cfg->freeze.sig = SIGSTOP;
		cfg->obs = (struct observe){ .kind = OBSERVE_STOP, .pid = f->pid,
					     .pidfd = f->pidfd, .dirfd = -1 };
	} else {
		cg_state_op(f->cg, true, &cfg->freeze);
		cfg->obs = (struct observe){ .kind = OBSERVE_CGROUP,
					     .pidfd = -1, .dirfd = f->cg->dirfd,
					     .version = f->cg->version };
	}
	cfg->record_fd = record_lock(f)->fd;
	cfg->lock_fd[0] = f->plock.fd;
	cfg->lock_fd[1] = f->glock.fd;
	cfg->lock_path[0] = f->plock.fd >= 0 ? f->plock.path : NULL;
	cfg->lock_path[1] = f->glock.fd >= 0 ? f->glock.path : NULL;
}

/* The freeze action failed (the guardian's errno in e->code). */
static void freeze_action_error(const struct freeze *f, struct err *e)
{
	int code = e->code ? e->code : EIO;
	char why[ERR_LEN];

	snprintf(why, sizeof(why), "%s", code == ESRCH ? "no such process" :
		 code == EPERM && f->mode == FREEZE_STOP ?
		 "not permitted to signal it" : strerror(code));
	if (f->mode == FREEZE_STOP)
		err_set(e, code, "cannot stop process %d: %s", (int)f->pid, why);
	else
		err_set(e, code, "cannot freeze %s cgroup %s (%s): %s",
			f->cg->version == 2 ? "v2" : "v1 freezer", f->cg->path,
			f->cg->dir, why);
}

static bool window_over(void *ctx)
{
	struct freeze *f = ctx;

	return guardian_expired(&f->guard);
}

static void refreeze(void *ctx)
{
	struct freeze *f = ctx;

	guardian_refreeze(&f->guard);
}

/* Our freeze must take hold within --freeze-timeout and the bound, but
 * never less than this (a v2 freeze takes ~1 ms, a stop of 8 busy threads
 * on 2 CPUs ~28 ms): a 1 ms bound still gets its windows. */
#define HOLD_MIN_MS 50u

static void wait_for_hold(struct freeze *f, struct freeze_wait *w)
{
	unsigned int ms = f->max_freeze_ms > HOLD_MIN_MS ? f->max_freeze_ms :
			  HOLD_MIN_MS;
	uint64_t bound = f->frozen_at + (uint64_t)ms * 1000000u;

	*w = (struct freeze_wait){ .deadline = f->deadline,
				   .limit_ms = f->timeout_ms, .over = window_over,
				   .ctx = f, .pollfd = -1 };
	if (f->max_freeze_ms && bound < f->deadline) {
		w->deadline = bound;
		w->limit_ms = ms;
		w->bounded = true;
	}
	w->again = f->mode == FREEZE_CGROUP && f->cg->version == 1 ? refreeze : NULL;
}

/* Processes sharing the targets' mms, just before the freeze
 * (cover_look_ahead): the window then checks only the PIDs handed out
 * since, as long as few are and little time passed (cover.c). */
static void look_ahead(struct freeze *f, const struct freeze_req *req,
		       const pid_t *pids, size_t n)
{
	cover_look_ahead(pids, n, &f->ahead);
#ifdef PMADV_TEST_HOOKS
	/* a process created between the look-ahead and the freeze (soon
	 * enough that the window looks only at PIDs handed out since) */
	if (req->test_ahead_signal && kill(req->test_ahead_signal, SIGUSR1) == 0)
		clock_sleep_us(5000);
#else
	(void)req;
#endif
}

/* Our own freeze: guardian, signal thread and record first, so that the
 * target is never frozen with nothing to thaw it. */
static int freeze_ours(struct freeze *f, const struct freeze_req *req,
		       const pid_t *pids, size_t n, struct err *e)
{
	struct guardian_cfg cfg;
	struct freeze_wait w;
	uint64_t bound_ns = (uint64_t)f->max_freeze_ms * 1000000u;
	uint64_t stuck_ns = (uint64_t)watchdog_bound_ms(f->timeout_ms, 0) * 1000000u;
	enum guardian_froze froze;
	int rc;

	/* The waits for the hold nap from 50 us: the default 50 us of timer
	 * slack would double each. (The guardian forked below inherits it.) */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL);
	guardian_config(f, &cfg);
	if (guardian_start(&f->guard, &cfg, f->deadline, e) != 0)
		return -1;
	f->slot = thaw_arm(&f->thaw, f->guard.sock, f->guard.window,
			   !f->max_freeze_ms, e);
	if (f->slot < 0 || record_freeze(f, record_lock(f)->fd, e) != 0) {
		thaw_disarm(f->slot);	/* nothing frozen yet: nothing sent */
		f->slot = -1;
		guardian_stop(&f->guard);
		return -1;
	}
	if (req->before) {
		uint64_t t0 = clock_now_ns();

		req->before(req->before_arg);
		/* pmadv's own preparation: not the target's time to stop */
		f->deadline += clock_now_ns() - t0;
	}
	/* last: the guardian forked above is older than it */
	look_ahead(f, req, pids, n);
	f->froze = true;
	froze = guardian_freeze(&f->guard, bound_ns, stuck_ns, &f->frozen_at, e);
	if (froze == GUARDIAN_ACTION_FAILED)
		freeze_action_error(f, e);
	if (froze == GUARDIAN_FROZE) {
		wait_for_hold(f, &w);
		rc = f->mode == FREEZE_STOP ? stop_wait_ours(f->pid, &w, &f->held_live, e) :
		     cg_wait_frozen(f->cg, &w, e);
	}
	if (froze != GUARDIAN_FROZE || rc != 0) {
		if (unfreeze(f, false) == 0) {
			err_append(e, "; %s it", modes[f->mode].undone);
		} else {
			int err = errno;

			err_append(e, "; and could not %s it", modes[f->mode].undo);
			describe_kept(f, err, e);
		}
		return -1;
	}
	thaw_held(f->slot);
	return 0;
}

/* Someone else's freeze, never thawed by us: wait for it to hold. */
static int freeze_theirs(struct freeze *f, struct err *e)
{
	struct freeze_wait w = { .deadline = f->deadline, .interruptible = true,
				 .limit_ms = f->timeout_ms, .pollfd = -1 };
	char what[96];

	if (f->mode == FREEZE_STOP) {
		/* it may not have taken hold everywhere yet; if it never does,
		 * freeze_covers names the thread */
		if (stop_wait_theirs(f->pid, f->deadline) != WAIT_INTERRUPTED)
			return 0;
		snprintf(what, sizeof(what), "another program's stop of process "
			 "%d to take hold", (int)f->pid);
		return wait_interrupted_error(e, what);
	}
	if (cg_wait_frozen(f->cg, &w, e) == 0)
		return 0;
	err_append(e, "; it was being frozen by another program and is left so");
	return -1;
}

static struct freeze *freeze_new(const struct freeze_req *req, pid_t pid,
				 int pidfd)
{
	struct freeze *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	*f = (struct freeze){
		.mode = req->mode, .pid = pid, .pidfd = pidfd,
		.timeout_ms = req->timeout_ms ? req->timeout_ms : FREEZE_TIMEOUT_MS_DEFAULT,
		.max_freeze_ms = req->max_freeze_ms,
		.plock.fd = -1, .glock.fd = -1, .guard.sock = -1, .slot = -1,
	};
	f->deadline = clock_deadline(f->timeout_ms);
	return f;
}

int freeze_begin(const struct freeze_req *req, const pid_t *pids,
		 const int *pidfds, size_t n, struct freeze **out,
		 struct err *e)
{
	struct freeze *f;
	int rc;

	*out = NULL;
	err_clear(e);
	if (req->mode != FREEZE_NONE && check_targets(req, pids, pidfds, n, e))
		return -1;
	f = freeze_new(req, n ? pids[0] : 0, n ? pidfds[0] : -1);
	if (!f)
		return err_set(e, ENOMEM, "out of memory");
	if (req->mode != FREEZE_NONE) {
		rc = lock_process(f, e);
		if (rc == 0)
			rc = req->mode == FREEZE_STOP ? prepare_stop(f, e) :
			     prepare_cgroup(f, req, pids, pidfds, n, e);
		if (rc == 0 && f->already)
			look_ahead(f, req, pids, n);
		/* an interrupt while the lock was taken: nothing frozen */
		if (rc == 0 && !f->already && freeze_interrupted())
			rc = wait_interrupted_error(e, "the freeze to begin");
		if (rc == 0)
			rc = f->already ? freeze_theirs(f, e) :
			     freeze_ours(f, req, pids, n, e);
		if (rc != 0) {
			unfreeze(f, false);	/* nothing left frozen, whatever failed */
			freeze_free(f);
			return -1;
		}
	}
	if (!f->froze)
		f->frozen_at = clock_now_ns();	/* no freeze of ours: from now */
	*out = f;
	return 0;
}

bool freeze_progress(struct freeze *f)
{
	if (!f || !f->froze)
		return true;
	guardian_progress(&f->guard);
	return !guardian_expired(&f->guard);
}

uint64_t freeze_call_max_bytes(const struct freeze *f)
{
	return f && f->froze ? WATCHDOG_CALL_MAX_BYTES : 0;
}

uint64_t freeze_started_ns(const struct freeze *f)
{
	return f ? f->frozen_at : 0;
}

int freeze_covers(const struct freeze *f, pid_t pid, struct err *e)
{
	const struct cg *cg = f && f->mode == FREEZE_CGROUP ? f->cg : NULL;

	err_clear(e);
	if (!f || f->mode == FREEZE_NONE)
		return 0;
	if (f->mode == FREEZE_STOP && pid != f->pid)
		return err_set(e, EINVAL, "process %d is not the one stopped (%d)",
			       (int)pid, (int)f->pid);
	if (cg && cg_check_member(cg, pid, e) != 0) {
		err_append(e, ": it left the freeze before it took hold");
		return -1;
	}
	/* its threads wherever they are, and other processes in its mm */
	return cover_check(pid, cg, f->already, &f->ahead, f->held_live, e);
}

static void fill_info(const struct freeze *f, uint64_t thaw_at,
		      struct freeze_info *info)
{
	info->mode = f->mode;
	/* first freeze action to thaw action, one clock; never negative */
	info->frozen_ns = f->mode == FREEZE_NONE || thaw_at <= f->frozen_at ? 0 :
			  thaw_at - f->frozen_at;
	info->processes = f->processes;
	info->already = f->already;
	if (f->mode == FREEZE_CGROUP) {
		info->cgroup = strdup(f->cg->path);
		info->cgroup_version = f->cg->version;
	}
	info->broken = f->end.expired || f->resumed || f->lifted;
	info->resumed = f->resumed;
	info->lifted = f->lifted;
	info->expired = f->end.expired;
	if (f->end.expired) {
		/* the window's length, or without a bound the stall's */
		uint64_t ns = f->max_freeze_ms ? info->frozen_ns : f->end.stalled_ns;

		info->stalled_ms = (unsigned int)(ns / 1000000u);
		info->bound_ms = watchdog_bound_ms(f->timeout_ms, f->max_freeze_ms);
	}
}

int freeze_end(struct freeze *f, struct freeze_info *info, struct err *e)
{
	uint64_t thaw_at;
	bool held;
	int rc = 0;

	err_clear(e);
	memset(info, 0, sizeof(*info));	/* mode FREEZE_NONE */
	if (!f)
		return 0;
	/* does the freeze still hold (no other program's SIGCONT or thaw)?
	 * Nothing else would tell. Checked while it should; whether the
	 * guardian ended the window itself is known from its answer (unfreeze) */
	held = f->mode == FREEZE_NONE || guardian_expired(&f->guard) ||
	       (f->mode == FREEZE_STOP ? stop_still_held(f->pid) :
		cg_still_frozen(f->cg));
	f->lifted = thaw_lifted(f->slot);	/* before unfreeze disarms */
	thaw_at = clock_now_ns();
	if (f->froze) {
		/* an interrupt had the guardian thaw already: not again */
		if (unfreeze(f, !f->lifted) != 0) {
			int err = errno;

			rc = err_set(e, err, "cannot %s process %d",
				     f->mode == FREEZE_STOP ? "resume (SIGCONT)" :
				     "thaw", (int)f->pid);
			if (f->mode == FREEZE_CGROUP)
				err_append(e, " (cgroup %s)", f->cg->dir);
			describe_kept(f, err, e);
		}
		if (f->end.t1)
			thaw_at = f->end.t1;	/* the thaw action itself */
	}
	/* the guardian's own thaw is no one else's, nor the interrupt's */
	f->resumed = !held && !f->end.expired && !f->lifted;
	fill_info(f, thaw_at, info);
	freeze_free(f);
	return rc;
}

void freeze_info_free(struct freeze_info *info)
{
	free(info->cgroup);
	info->cgroup = NULL;
}
