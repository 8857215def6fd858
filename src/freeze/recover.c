/* Thawing freezes left by a pmadv that is gone: see freeze.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "freeze/freeze.h"
#include "proc/proc.h"
#include "lib/lib.h"

#define CGROUP_SUPER_MAGIC_V1 0x27e0eb
#define CGROUP_SUPER_MAGIC_V2 0x63677270

enum undo { UNDO_THAWED, UNDO_VANISHED, UNDO_FAILED };

/* How long a thaw just made is looked for (it takes effect at once). */
#define SEE_MS 100

enum life { LIFE_GONE, LIFE_ALIVE, LIFE_UNKNOWN };

/* PID and start time: gone (ESRCH, or PID another's), alive, or unknown (*err). */
static enum life life_of(pid_t pid, unsigned long long start, int *err)
{
	struct procstat ps;
	int fd = sys_pidfd_open(pid, 0);
	enum life l;

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return errno == ESRCH ? LIFE_GONE : LIFE_UNKNOWN;
	}
	if (procstat_of(pid, &ps) != 0) {
		*err = errno;
		l = sys_pidfd_send_signal(fd, 0) != 0 && errno == ESRCH ?
		    LIFE_GONE : LIFE_UNKNOWN;
	} else if (ps.start_time != start || ps.state == 'Z' || ps.state == 'X') {
		l = LIFE_GONE;
	} else {
		l = LIFE_ALIVE;
	}
	close(fd);
	return l;
}

static enum undo cannot_check(const struct freeze_record *r, const char *what,
			      int err, char *msg, size_t len)
{
	snprintf(msg, len, "cannot check process %d, stopped by pmadv %d which "
		 "is gone: %s: %s; its record is kept", (int)r->target,
		 (int)r->owner, what, strerror(err));
	return UNDO_FAILED;
}

static enum undo has_exited(const struct freeze_record *r, char *msg,
			    size_t len)
{
	snprintf(msg, len, "process %d, stopped by pmadv %d which is gone, has "
		 "exited: nothing to resume", (int)r->target, (int)r->owner);
	return UNDO_VANISHED;
}

/* Resume the recorded process (held by a pidfd), if still stopped. */
static enum undo resume(const struct freeze_record *r, int fd,
			const char *comm, char *msg, size_t len)
{
	struct observe o = { .kind = OBSERVE_STOP, .pid = r->target,
			     .pidfd = fd, .dirfd = -1 };
	char why[160];

	if (sys_pidfd_send_signal(fd, SIGCONT) != 0) {
		snprintf(msg, len, "cannot resume process %d (%s), stopped by "
			 "pmadv %d which is gone: %s; its record is kept",
			 (int)r->target, comm, (int)r->owner, strerror(errno));
		return UNDO_FAILED;
	}
	if (observe_thawed_within(&o, SEE_MS, why, sizeof(why)) == OBSERVED_THAWED) {
		snprintf(msg, len, "resumed process %d (%s), stopped by pmadv "
			 "%d which is gone", (int)r->target, comm, (int)r->owner);
		return UNDO_THAWED;
	}
	snprintf(msg, len, "sent SIGCONT to process %d (%s), stopped by pmadv "
		 "%d which is gone, but %s; its record is kept", (int)r->target,
		 comm, (int)r->owner, why);
	return UNDO_FAILED;
}

/* Only if still the same and stopped; the record goes only on evidence.
 * Never PID 1, never pmadv. */
static enum undo undo_stop(const struct freeze_record *r, char *msg, size_t len)
{
	char path[64], comm[64];
	struct procstat ps;
	enum undo u;
	enum observed st;
	int fd, gone;

	if (r->target <= 1 || r->target == getpid()) {
		snprintf(msg, len, "refusing to resume process %d named by a "
			 "freeze record of pmadv %d: %s; its record is kept",
			 (int)r->target, (int)r->owner, r->target <= 1 ?
			 "init is never signalled" : "that is this pmadv");
		return UNDO_FAILED;
	}
	fd = sys_pidfd_open(r->target, 0);
	if (fd < 0)
		return errno == ESRCH ? has_exited(r, msg, len) :
		       cannot_check(r, "pidfd_open", errno, msg, len);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)r->target);
	if (procstat_read(AT_FDCWD, path, &ps) != 0) {
		int err = errno;

		u = sys_pidfd_send_signal(fd, 0) != 0 && errno == ESRCH ?
		    has_exited(r, msg, len) : cannot_check(r, path, err, msg, len);
	} else if (ps.start_time != r->target_start) {
		snprintf(msg, len, "process %d, stopped by pmadv %d which is "
			 "gone, has exited; its PID is another process's now: "
			 "left alone", (int)r->target, (int)r->owner);
		u = UNDO_VANISHED;
	} else {
		proc_comm(r->target, comm, sizeof(comm));
		st = observe_stopped(r->target, fd, &gone);
		if (st == OBSERVED_FAILED) {
			u = cannot_check(r, "its threads", errno, msg, len);
		} else if (gone) {
			u = has_exited(r, msg, len);
		} else if (st == OBSERVED_THAWED) {
			snprintf(msg, len, "process %d (%s), stopped by pmadv %d "
				 "which is gone, runs already: nothing to resume",
				 (int)r->target, comm, (int)r->owner);
			u = UNDO_VANISHED;
		} else {
			u = resume(r, fd, comm, msg, len);
		}
	}
	close(fd);
	return u;
}

/* The cgroup directory, if it is still the one recorded; else -1 with
 * what it is now in msg and *u (gone, or cannot tell). */
static int open_same_cgroup(const struct freeze_record *r, char *msg,
			    size_t len, enum undo *u)
{
	struct statfs sf;
	struct stat st;
	int fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	*u = UNDO_FAILED;
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		snprintf(msg, len, "cgroup %s, frozen by pmadv %d which is gone, "
			 "no longer exists: nothing to thaw", r->dir, (int)r->owner);
		*u = UNDO_VANISHED;
		return -1;
	}
	if (fd < 0 || fstat(fd, &st) != 0 || fstatfs(fd, &sf) != 0) {
		snprintf(msg, len, "cannot check cgroup %s, frozen by pmadv %d "
			 "which is gone: %s; its record is kept", r->dir,
			 (int)r->owner, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_dev == r->dev &&
	    (unsigned long long)st.st_ino == r->ino &&
	    (sf.f_type == CGROUP_SUPER_MAGIC_V1 ||
	     sf.f_type == CGROUP_SUPER_MAGIC_V2))
		return fd;
	snprintf(msg, len, "cgroup %s, frozen by pmadv %d which is gone, was "
		 "removed; that directory is another cgroup now: left alone",
		 r->dir, (int)r->owner);
	*u = UNDO_VANISHED;
	close(fd);
	return -1;
}

/* Thaw the recorded cgroup only if it is still the same one and still
 * frozen by itself; drop the record only on evidence. */
static enum undo undo_cgroup(const struct freeze_record *r, char *msg,
			     size_t len)
{
	const char *file = r->version == 2 ? "cgroup.freeze" : "freezer.state";
	const char *text = r->version == 2 ? "0" : "THAWED";
	struct observe o = { .kind = OBSERVE_CGROUP, .pidfd = -1,
			     .version = r->version };
	enum observed st;
	enum undo u;
	char why[160];
	ssize_t n = -1;
	int fd;

	o.dirfd = open_same_cgroup(r, msg, len, &u);
	if (o.dirfd < 0)
		return u;
	u = UNDO_FAILED;
	st = observe_thawed(&o, why, sizeof(why));
	if (st == OBSERVED_FAILED) {
		snprintf(msg, len, "cannot check cgroup %s, frozen by pmadv %d "
			 "which is gone: %s; its record is kept", r->dir,
			 (int)r->owner, why);
	} else if (st == OBSERVED_THAWED) {
		snprintf(msg, len, "cgroup %s, frozen by pmadv %d which is gone, "
			 "is not frozen any more: nothing to thaw", r->dir,
			 (int)r->owner);
		u = UNDO_VANISHED;
	} else {
		fd = openat(o.dirfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			n = write(fd, text, strlen(text));
			close(fd);
		}
		if (n < 0)
			snprintf(msg, len, "cannot thaw cgroup %s (v%d), frozen "
				 "by pmadv %d which is gone: %s: %s; its record "
				 "is kept", r->dir, r->version, (int)r->owner,
				 file, strerror(errno));
		else if (observe_thawed_within(&o, SEE_MS, why, sizeof(why)) == OBSERVED_THAWED)
			u = UNDO_THAWED, snprintf(msg, len, "thawed cgroup %s "
				 "(v%d), frozen by pmadv %d which is gone", r->dir,
				 r->version, (int)r->owner);
		else
			snprintf(msg, len, "wrote %s to %s/%s (v%d), frozen by "
				 "pmadv %d which is gone, but %s; its record is "
				 "kept", text, r->dir, file, r->version,
				 (int)r->owner, why);
	}
	close(o.dirfd);
	return u;
}

struct scan {
	bool all;
	recover_say say;
	void *ctx;
	struct recover_count *n;
	const char *dir;
};

static __attribute__((format(printf, 3, 4)))
void say(const struct scan *s, bool failure, const char *fmt, ...)
{
	char line[ERR_LEN + PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->say(failure, line, s->ctx);
}

/* A record nobody holds: undo it if its owner and guardian are gone (the
 * lock held until the file is unlinked). */
static void recover_record(const struct scan *s, int dirfd, const char *name,
			   const char *text)
{
	struct freeze_record r;
	char msg[ERR_LEN + PATH_MAX];
	enum undo u;
	enum life lo, lg;
	int err_o, err_g;

	if (record_parse(text, &r) != 0) {
		s->n->failed++;
		say(s, true, "%s/%s: unreadable freeze record: left in place",
		    s->dir, name);
		return;
	}
	lo = life_of(r.owner, r.owner_start, &err_o);
	lg = life_of(r.guardian, r.guardian_start, &err_g);
	if (lo == LIFE_ALIVE || lg == LIFE_ALIVE) {
		/* it still may thaw: not ours to touch */
		if (s->all)
			say(s, false, "%s/%s: pmadv %d or its guardian %d still "
			    "runs: left alone", s->dir, name, (int)r.owner,
			    (int)r.guardian);
		return;
	}
	if (lo == LIFE_UNKNOWN || lg == LIFE_UNKNOWN) {
		s->n->failed++;	/* it may still run: never act on a guess */
		say(s, true, "%s/%s: cannot tell whether pmadv %d or its "
		    "guardian %d still runs: %s; left in place", s->dir, name,
		    (int)r.owner, (int)r.guardian,
		    strerror(lo == LIFE_UNKNOWN ? err_o : err_g));
		return;
	}
	u = r.kind == RECORD_STOP ? undo_stop(&r, msg, sizeof(msg)) :
	    undo_cgroup(&r, msg, sizeof(msg));
	say(s, u == UNDO_FAILED, "%s", msg);
	if (u == UNDO_FAILED) {
		s->n->failed++;
		return;		/* kept: --recover may try again */
	}
	if (u == UNDO_THAWED)
		s->n->thawed++;
	else
		s->n->vanished++;
	unlinkat(dirfd, name, 0);
}

/* Not inlined: its 9 KiB of buffers would deepen every run's start-up
 * stack (a page fault per page) for the rare lock file found. */
static __attribute__((noinline)) void
recover_entry(const struct scan *s, int dirfd, const char *name)
{
	char text[PATH_MAX + 512];
	struct stat a, b;
	struct err e;
	ssize_t len;
	int fd = lock_open_existing(dirfd, name, &e);

	if (fd < 0) {
		if (e.code != ENOENT) {
			s->n->failed++;
			if (s->all)
				say(s, true, "%s/%s: %s", s->dir, name, e.msg);
		}
		return;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {	/* a run in progress: left */
		close(fd);
		return;
	}
	/* still the file at that name (not unlinked by its holder meanwhile)? */
	len = pread(fd, text, sizeof(text) - 1, 0);
	if (len >= 0 && fstat(fd, &a) == 0 &&
	    fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		text[len] = '\0';
		if (len == 0)
			unlinkat(dirfd, name, 0);	/* a stale lock */
		else
			recover_record(s, dirfd, name, text);
	}
	close(fd);
}

static bool is_lock_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".lock");
}

/* One run directory. */
static int scan_dir(struct scan *s, const char *dir, struct err *e)
{
	struct dirent *de;
	DIR *d;

	s->dir = dir;
	d = opendir(dir);
	if (!d)
		return err_set(e, errno, "run directory %s: %s", dir,
			       strerror(errno));
	while ((de = readdir(d)))
		if (is_lock_name(de->d_name))
			recover_entry(s, dirfd(d), de->d_name);
	closedir(d);
	return 0;
}

int recover_run(bool all, recover_say sayfn, void *ctx, struct recover_count *n,
		struct err *e)
{
	static char dirs[4][PATH_MAX];
	struct scan s = { all, sayfn, ctx, n, NULL };
	char dir[PATH_MAX];
	size_t k;

	memset(n, 0, sizeof(*n));
	/* a directory that is refused says so (and nothing is touched) */
	if (rundir_get(dir, sizeof(dir), false, e) == LOOKUP_FAILED)
		return -1;
	/* every directory of ours: the one used may have changed since */
	k = rundir_all(dirs, 4);
	for (size_t i = 0; i < k; i++)
		if (scan_dir(&s, dirs[i], e) != 0)
			return -1;
	return 0;
}
