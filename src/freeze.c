/* Freezing targets around the read of their maps and the advice: the order
 * of operations, which locks are taken, and the report. The mechanisms live
 * in freeze_stop.c, freeze_cgroup.c, freeze_lock.c and guardian.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "freeze.h"
#include "freeze_int.h"
#include "freeze_cgroup.h"
#include "freeze_cover.h"
#include "freeze_lock.h"
#include "freeze_record.h"
#include "freeze_stop.h"
#include "guardian.h"
#include "procstat.h"
#include "sys.h"
#include "thaw_signals.h"
#include "watchdog.h"


int freeze_parse_mode(const char *s, struct freeze_req *req)
{
	if (!s)
		return -1;
	if (strcasecmp(s, "none") == 0) {
		req->mode = FREEZE_NONE;
		req->cgroup = NULL;
	} else if (strcasecmp(s, "stop") == 0) {
		req->mode = FREEZE_STOP;
		req->cgroup = NULL;
	} else if (strcasecmp(s, "cgroup") == 0) {
		req->mode = FREEZE_CGROUP;
		req->cgroup = NULL;
	} else if (strncasecmp(s, "cgroup:", 7) == 0 && s[7]) {
		req->mode = FREEZE_CGROUP;
		req->cgroup = s + 7;
	} else {
		return -1;
	}
	return 0;
}

const char *freeze_mode_name(enum freeze_mode mode)
{
	switch (mode) {
	case FREEZE_NONE:
		return "none";
	case FREEZE_STOP:
		return "stop";
	case FREEZE_CGROUP:
		return "cgroup";
	}
	return "?";
}

/* ---- freeze and thaw ---- */

static void freeze_free(struct freeze *f)
{
	cg_close(&f->cg);
	lock_drop(&f->glock);
	lock_drop(&f->plock);
	free(f);
}

/* The lock file of what is frozen holds the freeze record. */
static int record_fd(const struct freeze *f)
{
	return f->mode == FREEZE_STOP ? f->plock.fd : f->glock.fd;
}

/* Undo our freeze: thaw, stand down the handlers and the guardian.
 * Returns 0, or -1 with errno from the thaw. */
static int unfreeze(struct freeze *f)
{
	int rc = 0, saved = 0;

	if (!f->froze)
		return 0;
	/* the watchdog has thawed it already: again could undo a stop
	 * someone else made since (unless its thaw failed) */
	f->broken = watchdog_stop(&f->wd);
	if (f->broken && !f->wd.thaw_err)
		goto done;
	/* a target that has exited needs no SIGCONT; one retry otherwise */
	if (thaw_op_run(&f->thaw) != 0 &&
	    !(f->thaw.kind == THAW_SIGNAL && errno == ESRCH) &&
	    thaw_op_run(&f->thaw) != 0) {
		rc = -1;
		saved = errno;
	} else {
		record_clear(record_fd(f));	/* thawed: nothing to recover */
	}
done:
	thaw_disarm(f->slot);
	f->slot = -1;
	guardian_stop(&f->guard);
	f->froze = false;
	errno = saved;
	return rc;
}

static void describe_unfreeze(struct freeze *f, int rc, struct err *e)
{
	if (rc == 0)
		err_append(e, "; %s", f->mode == FREEZE_STOP ?
			   "resumed it" : "thawed it");
	else
		err_append(e, "; and could not %s it: %s",
			   f->mode == FREEZE_STOP ? "resume" : "thaw",
			   strerror(errno));
}

/* Who froze what, written before the freeze, for a later pmadv to undo
 * should pmadv and the guardian both die (freeze_record.h). */
static int record_freeze(const struct freeze *f, struct err *e)
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
		r.version = f->cg.version;
		r.dev = (unsigned long long)f->cg.dev;
		r.ino = (unsigned long long)f->cg.ino;
		snprintf(r.dir, sizeof(r.dir), "%s", f->cg.dir);
	}
	return record_write(record_fd(f), &r, e);
}

/* Our own freeze: the guardian, the signal thread and the watchdog first,
 * so that there is no moment where the target is frozen and nothing would
 * thaw it. */
static int freeze_ours(struct freeze *f, const struct freeze_req *req,
		       struct err *e)
{
	const char *unlinks[2] = {
		f->plock.fd >= 0 ? f->plock.path : NULL,
		f->glock.fd >= 0 ? f->glock.path : NULL,
	};
	int keep[3] = { f->plock.fd, f->glock.fd, f->thaw.fd };
	int rc;

	if (guardian_start(&f->guard, &f->thaw, keep, 3, unlinks, 2,
			   f->deadline, e) != 0)
		return -1;
	f->slot = thaw_arm(&f->thaw, f->guard.sock, unlinks, 2, e);
	if (f->slot < 0) {
		guardian_stop(&f->guard);
		return -1;
	}
	if (record_freeze(f, e) != 0) {
		thaw_disarm(f->slot);	/* nothing frozen yet: nothing sent */
		f->slot = -1;
		guardian_stop(&f->guard);
		return -1;
	}
	if (watchdog_start(&f->wd, &f->thaw, watchdog_bound_ms(f->timeout_ms,
						      f->max_freeze_ms),
			   e) != 0) {
		thaw_disarm(f->slot);
		f->slot = -1;
		guardian_stop(&f->guard);
		return -1;
	}
	if (req->before)
		req->before();
	f->froze = true;
	if (f->mode == FREEZE_STOP)
		rc = stop_freeze(f->pid, f->pidfd, f->deadline, f->timeout_ms, e);
	else
		rc = cg_freeze(&f->cg, false, f->deadline, f->timeout_ms, e);
	if (rc != 0)
		describe_unfreeze(f, unfreeze(f), e);
	return rc;
}

/* Someone else's freeze: never thawed by us. A stop or a cgroup may still
 * be on its way; wait for it. */
static int freeze_theirs(struct freeze *f, struct err *e)
{
	if (f->mode == FREEZE_STOP) {
		/* it may not have taken hold everywhere yet; if it never does,
		 * freeze_covers names the thread */
		stop_wait_theirs(f->pid, f->deadline);
		return 0;
	}
	if (cg_freeze(&f->cg, true, f->deadline, f->timeout_ms, e) == 0)
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
	f->mode = req->mode;
	f->pid = pid;
	f->pidfd = pidfd;
	f->timeout_ms = req->timeout_ms ? req->timeout_ms :
			FREEZE_TIMEOUT_MS_DEFAULT;
	f->max_freeze_ms = req->max_freeze_ms;
	f->deadline = clock_deadline(f->timeout_ms);
	f->plock.fd = f->glock.fd = -1;
	f->guard.sock = -1;
	f->slot = -1;
	f->cg.dirfd = f->cg.statefd = f->cg.eventsfd = -1;
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
		if (rc == 0)
			rc = f->already ? freeze_theirs(f, e) : freeze_ours(f, req, e);
		if (rc != 0) {
			unfreeze(f);	/* nothing left frozen, whatever failed */
			freeze_free(f);
			return -1;
		}
	}
	f->frozen_at = clock_now_ns();
	watchdog_kick(&f->wd);	/* the window starts now */
	*out = f;
	return 0;
}

bool freeze_progress(struct freeze *f)
{
	return !f || watchdog_kick(&f->wd);
}

uint64_t freeze_call_max_bytes(const struct freeze *f)
{
	return f && f->wd.running ? WATCHDOG_CALL_MAX_BYTES : 0;
}

int freeze_covers(const struct freeze *f, pid_t pid, struct err *e)
{
	const struct cg *cg = f && f->mode == FREEZE_CGROUP ? &f->cg : NULL;

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
	return cover_check(pid, cg, f->already, e);
}

static void fill_info(const struct freeze *f, uint64_t thaw_at,
		      struct freeze_info *info)
{
	/* frozen until the watchdog thawed it, not until we came back */
	if (f->broken)
		thaw_at = f->wd.fired_ns;
	info->mode = f->mode;
	info->frozen_ns = f->mode == FREEZE_NONE ? 0 : thaw_at - f->frozen_at;
	info->processes = f->processes;
	info->already = f->already;
	if (f->mode == FREEZE_CGROUP) {
		info->cgroup = strdup(f->cg.path);
		info->version = f->cg.version;
	}
	info->broken = f->broken || f->resumed;
	info->stalled_ms = (unsigned int)(f->wd.stalled_ns / 1000000u);
	info->resumed = f->resumed;
	info->bound_ms = f->broken ? watchdog_bound_ms(f->timeout_ms,
							f->max_freeze_ms) : 0;
}

/* Inside the window, as it closes: does the freeze still hold? A SIGCONT
 * another program sent, or another writer's thaw of the cgroup, makes
 * the window's advice not race-free; nothing else would tell. */
static bool still_held(const struct freeze *f)
{
	if (f->mode == FREEZE_STOP)
		return stop_still_held(f->pid);
	if (f->mode == FREEZE_CGROUP)
		return cg_still_frozen(&f->cg);
	return true;
}

int freeze_end(struct freeze *f, struct freeze_info *info, struct err *e)
{
	uint64_t thaw_at;
	bool held;
	int rc = 0;

	err_clear(e);
	if (info)
		memset(info, 0, sizeof(*info));	/* mode FREEZE_NONE */
	if (!f)
		return 0;
	/* checked while it should still hold; whether the watchdog thawed
	 * it is known only once that thread is joined (unfreeze) */
	held = f->mode == FREEZE_NONE || still_held(f);
	thaw_at = clock_now_ns();
	if (f->froze && unfreeze(f) != 0) {
		rc = err_set(e, errno, "cannot %s process %d: %s",
			     f->mode == FREEZE_STOP ? "resume (SIGCONT)" : "thaw",
			     (int)f->pid, strerror(errno));
		if (f->mode == FREEZE_CGROUP)
			err_append(e, " (cgroup %s)", f->cg.dir);
	}
	/* the watchdog's own thaw is no one else's */
	f->resumed = !held && !f->broken;
	if (info)
		fill_info(f, thaw_at, info);
	freeze_free(f);
	return rc;
}

void freeze_info_free(struct freeze_info *info)
{
	if (!info)
		return;
	free(info->cgroup);
	info->cgroup = NULL;
}

int freeze_interruptible_begin(struct err *e)
{
	return thaw_interruptible(true, e);
}

void freeze_interruptible_end(void)
{
	thaw_interruptible(false, NULL);
}

int freeze_interrupted(void)
{
	return thaw_interrupted();
}
