/* Freezing a target around the read of its maps and the advice: the order of
 * operations, the per-target locks that keep concurrent pmadv runs from
 * thawing a target under one another, and the report. The mechanisms live in
 * freeze_stop.c, freeze_cgroup.c and guardian.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "freeze.h"
#include "freeze_cgroup.h"
#include "freeze_stop.h"
#include "guardian.h"
#include "sys.h"

#define DEFAULT_TIMEOUT_MS 5000

/* A lock file held with flock(2) from before the freeze until after the
 * thaw. The guardian inherits the descriptor, so the lock outlives pmadv
 * until the guardian has thawed. The file is unlinked by whoever releases
 * it; a waiter that then gets the lock on the unlinked file notices and
 * tries again. */
struct lock {
	int fd;
	char path[128];
};

struct freeze {
	enum freeze_mode mode;
	pid_t pid;
	int pidfd;		/* the caller's, or own_pidfd */
	int own_pidfd;
	bool already;		/* stopped/frozen before us: leave it so */
	bool froze;		/* we froze it: thaw at the end */
	struct lock plock;	/* the target process */
	struct lock glock;	/* the cgroup */
	struct cg cg;
	struct thaw_op thaw;
	struct guardian guard;
	int slot;		/* thaw_arm */
	uint64_t frozen_at;
	unsigned int processes;
};

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

/* ---- locks ---- */

/* /run/pmadv, made sticky and world-writable like /tmp (root creates it) so
 * that every user's pmadv meets in one place; /tmp/pmadv-UID when /run/pmadv
 * does not exist and cannot be made (runs of one user still meet there). */
static const char *lock_dir(void)
{
	static char tmp[64];
	const char *dirs[2] = { "/run/pmadv", tmp };
	struct stat st;

	snprintf(tmp, sizeof(tmp), "/tmp/pmadv-%u", (unsigned int)geteuid());
	for (size_t i = 0; i < 2; i++) {
		if (mkdir(dirs[i], i == 0 ? 01777 : 0700) == 0 && i == 0)
			chmod(dirs[i], 01777);	/* despite the umask */
		if (lstat(dirs[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		/* a directory someone else planted is not trusted */
		if (st.st_uid != 0 && st.st_uid != geteuid())
			continue;
		if (access(dirs[i], W_OK | X_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

static int lock_take(struct lock *l, const char *name, uint64_t deadline,
		     unsigned int timeout_ms, const char *what, char *err,
		     size_t errlen)
{
	const char *dir = lock_dir();
	unsigned int nap = 200;
	struct stat a, b;

	l->fd = -1;
	if (!dir) {
		snprintf(err, errlen, "cannot lock %s: no usable /run/pmadv "
			 "or /tmp/pmadv-%u", what, (unsigned int)geteuid());
		return -1;
	}
	snprintf(l->path, sizeof(l->path), "%s/%s", dir, name);
	for (;;) {
		if (l->fd < 0) {
			l->fd = open(l->path, O_RDONLY | O_CREAT | O_NOFOLLOW |
				     O_CLOEXEC, 0644);
			/* another user's file in a sticky directory */
			if (l->fd < 0 && errno == EACCES)
				l->fd = open(l->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (l->fd < 0 && errno != ENOENT) {
				snprintf(err, errlen, "cannot lock %s: %s: %s",
					 what, l->path, strerror(errno));
				return -1;
			}
		}
		if (l->fd >= 0 && flock(l->fd, LOCK_EX | LOCK_NB) == 0) {
			if (fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				return 0;
			/* released and unlinked meanwhile: start over */
			close(l->fd);
			l->fd = -1;
			continue;
		}
		if (l->fd >= 0 && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s: %s", what,
				 l->path, strerror(errno));
			close(l->fd);
			l->fd = -1;
			return -1;
		}
		if (fz_ms_left(deadline) == 0) {
			snprintf(err, errlen, "timed out after %u ms waiting for "
				 "another pmadv freezing %s (lock %s)", timeout_ms,
				 what, l->path);
			if (l->fd >= 0)
				close(l->fd);
			l->fd = -1;
			return -1;
		}
		fz_sleep_us(nap);
		if (nap < 5000)
			nap *= 2;
	}
}

static void lock_drop(struct lock *l)
{
	if (l->fd < 0)
		return;
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
}

/* Field 22 of /proc/PID/stat: with the PID, names one process for good. */
static int start_time(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (fz_read_file(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", start) != 1)
		return -1;
	return 0;
}

/* ---- freeze and thaw ---- */

static void freeze_free(struct freeze *f)
{
	if (f->mode == FREEZE_CGROUP)
		cg_close(&f->cg);
	lock_drop(&f->glock);
	lock_drop(&f->plock);
	if (f->own_pidfd >= 0)
		close(f->own_pidfd);
	free(f);
}

/* Undo our freeze: thaw, stand down the handlers and the guardian.
 * Returns 0, or -1 with errno from the thaw. */
static int unfreeze(struct freeze *f)
{
	int rc = 0, saved = 0;

	if (!f->froze)
		return 0;
	/* a target that has exited needs no SIGCONT; one retry otherwise */
	if (thaw_op_run(&f->thaw) != 0 &&
	    !(f->thaw.kind == THAW_SIGNAL && errno == ESRCH) &&
	    thaw_op_run(&f->thaw) != 0) {
		rc = -1;
		saved = errno;
	}
	thaw_disarm(f->slot);
	f->slot = -1;
	guardian_stop(&f->guard);
	f->froze = false;
	errno = saved;
	return rc;
}

static void describe_unfreeze(struct freeze *f, int rc, char *err, size_t errlen)
{
	if (rc == 0)
		fz_append(err, errlen, "; %s", f->mode == FREEZE_STOP ?
			  "resumed it" : "thawed it");
	else
		fz_append(err, errlen, "; and could not %s it: %s",
			  f->mode == FREEZE_STOP ? "resume" : "thaw",
			  strerror(errno));
}

int freeze_begin(const struct freeze_req *req, pid_t pid, int pidfd,
		 struct freeze **out, char *err, size_t errlen)
{
	unsigned int timeout_ms = req->timeout_ms ? req->timeout_ms :
				  DEFAULT_TIMEOUT_MS;
	uint64_t deadline = fz_deadline(timeout_ms);
	unsigned long long start;
	const char *unlinks[2];
	int keep[3];
	char name[96], what[PATH_MAX + 64];
	struct freeze *f;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->mode = req->mode;
	f->pid = pid;
	f->pidfd = pidfd;
	f->own_pidfd = -1;
	f->plock.fd = f->glock.fd = -1;
	f->guard.pid = 0;
	f->guard.sock = -1;
	f->slot = -1;
	f->cg.dirfd = f->cg.statefd = f->cg.eventsfd = -1;
	if (req->mode == FREEZE_NONE) {
		f->frozen_at = fz_now_ns();
		*out = f;
		return 0;
	}

	if (pid == getpid()) {
		snprintf(err, errlen, "refusing to freeze pmadv itself");
		goto fail;
	}
	if (f->pidfd < 0) {
		f->own_pidfd = sys_pidfd_open(pid, 0);
		if (f->own_pidfd < 0) {
			snprintf(err, errlen, "cannot freeze process %d: %s",
				 (int)pid, errno == ESRCH ? "no such process" :
				 strerror(errno));
			goto fail;
		}
		f->pidfd = f->own_pidfd;
	}
	/* The start time read must belong to the pidfd's process. */
	if (start_time(pid, &start) != 0 || sys_pidfd_send_signal(f->pidfd, 0) != 0) {
		snprintf(err, errlen, "cannot freeze process %d: no such process",
			 (int)pid);
		goto fail;
	}

	/* One lock per process, whichever the mode: a stop-run and a
	 * cgroup-run on the same target take turns too. */
	snprintf(name, sizeof(name), "pid-%d-%llu.lock", (int)pid, start);
	snprintf(what, sizeof(what), "process %d", (int)pid);
	if (lock_take(&f->plock, name, deadline, timeout_ms, what, err, errlen))
		goto fail;

	if (req->mode == FREEZE_STOP) {
		if (stop_prepare(pid, &f->already, err, errlen) != 0)
			goto fail;
		f->thaw.kind = THAW_SIGNAL;
		f->thaw.fd = f->pidfd;
		f->thaw.sig = SIGCONT;
		f->processes = 1;
	} else {
		if (cg_resolve(req->cgroup, pid, &f->cg, err, errlen) != 0)
			goto fail;
		if (sys_pidfd_send_signal(f->pidfd, 0) != 0) {
			snprintf(err, errlen, "cannot freeze process %d: no such "
				 "process", (int)pid);
			goto fail;
		}
		/* And one per cgroup: runs on two processes of one cgroup
		 * take turns (always after the process lock: no deadlock). */
		snprintf(name, sizeof(name), "cg-%llx-%llu.lock",
			 (unsigned long long)f->cg.dev,
			 (unsigned long long)f->cg.ino);
		snprintf(what, sizeof(what), "cgroup %s", f->cg.path);
		if (lock_take(&f->glock, name, deadline, timeout_ms, what, err,
			      errlen))
			goto fail;
		if (cg_already(&f->cg, &f->already, err, errlen) != 0)
			goto fail;
		cg_thaw_op(&f->cg, &f->thaw);
		/* counted before the freeze: the window holds only maps,
		 * selection and advice */
		f->processes = cg_count_procs(&f->cg);
	}

	if (f->already) {
		/* Someone else's freeze: never thawed by us. A cgroup may
		 * still be on its way to frozen; wait for it. */
		if (req->mode == FREEZE_CGROUP &&
		    cg_freeze(&f->cg, true, deadline, timeout_ms, err, errlen)) {
			fz_append(err, errlen, "; it was being frozen by another "
				  "program and is left so");
			goto fail;
		}
	} else {
		keep[0] = f->plock.fd;
		keep[1] = f->glock.fd;
		keep[2] = f->thaw.fd;
		unlinks[0] = f->plock.fd >= 0 ? f->plock.path : NULL;
		unlinks[1] = f->glock.fd >= 0 ? f->glock.path : NULL;
		if (guardian_start(&f->guard, &f->thaw, keep, 3, unlinks, 2,
				   deadline, err, errlen) != 0)
			goto fail;
		/* Armed before the first signal or write: no moment where
		 * the target is frozen and nothing would thaw it. */
		f->slot = thaw_arm(&f->thaw, f->guard.sock, unlinks, 2);
		if (f->slot < 0) {
			snprintf(err, errlen, "too many targets frozen at once");
			guardian_stop(&f->guard);
			goto fail;
		}
		if (req->before)
			req->before();
		f->froze = true;
		if (req->mode == FREEZE_STOP)
			rc = stop_freeze(pid, f->pidfd, deadline, timeout_ms, err,
					 errlen);
		else
			rc = cg_freeze(&f->cg, false, deadline, timeout_ms, err,
				       errlen);
		if (rc != 0) {
			describe_unfreeze(f, unfreeze(f), err, errlen);
			goto fail;
		}
	}
	f->frozen_at = fz_now_ns();
	*out = f;
	return 0;
fail:
	unfreeze(f);
	freeze_free(f);
	return -1;
}

int freeze_end(struct freeze *f, struct freeze_info *info, char *err,
	       size_t errlen)
{
	uint64_t thaw_at = fz_now_ns();
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (info)
		memset(info, 0, sizeof(*info));
	if (!f)
		return 0;
	if (f->froze && unfreeze(f) != 0) {
		snprintf(err, errlen, "cannot %s process %d: %s",
			 f->mode == FREEZE_STOP ? "resume (SIGCONT)" : "thaw",
			 (int)f->pid, strerror(errno));
		if (f->mode == FREEZE_CGROUP)
			fz_append(err, errlen, " (cgroup %s)", f->cg.dir);
		rc = -1;
	}
	if (info) {
		info->mode = f->mode;
		info->frozen_ns = f->mode == FREEZE_NONE ? 0 : thaw_at - f->frozen_at;
		info->processes = f->processes;
		info->already = f->already;
		if (f->mode == FREEZE_CGROUP) {
			size_t n = strlen(f->cg.path);

			if (n >= sizeof(info->cgroup))
				n = sizeof(info->cgroup) - 1;
			memcpy(info->cgroup, f->cg.path, n);
			info->cgroup[n] = '\0';
		}
	}
	freeze_free(f);
	return rc;
}
