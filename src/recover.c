/* Thawing freezes left by a pmadv that is gone: see recover.h. */
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

#include "freeze_lock.h"
#include "freeze_record.h"
#include "procstat.h"
#include "recover.h"
#include "rundir.h"
#include "sys.h"

#define CGROUP_SUPER_MAGIC_V1 0x27e0eb
#define CGROUP_SUPER_MAGIC_V2 0x63677270

enum undo { UNDO_THAWED, UNDO_VANISHED, UNDO_FAILED };

/* Is this process, named by PID and start time, still running? */
static bool alive(pid_t pid, unsigned long long start)
{
	char path[64];
	struct procstat ps;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return procstat_read(AT_FDCWD, path, &ps) == 0 &&
	       ps.start_time == start && ps.state != 'Z' && ps.state != 'X';
}

static enum undo undo_stop(const struct freeze_record *r, char *msg, size_t len)
{
	char path[64], comm[64];
	struct procstat ps;
	enum undo u = UNDO_THAWED;
	/* held by a pidfd from the check to the signal: the PID cannot be
	 * another process's in between */
	int fd = sys_pidfd_open(r->target, 0);

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)r->target);
	if (fd < 0 || procstat_read(AT_FDCWD, path, &ps) != 0) {
		snprintf(msg, len, "process %d, stopped by pmadv %d which is "
			 "gone, has exited: nothing to resume", (int)r->target,
			 (int)r->owner);
		u = UNDO_VANISHED;
	} else if (ps.start_time != r->target_start) {
		snprintf(msg, len, "process %d, stopped by pmadv %d which is "
			 "gone, has exited; its PID is another process's now: "
			 "left alone", (int)r->target, (int)r->owner);
		u = UNDO_VANISHED;
	} else {
		proc_comm(r->target, comm, sizeof(comm));
		if (sys_pidfd_send_signal(fd, SIGCONT) == 0)
			snprintf(msg, len, "resumed process %d (%s), stopped by "
				 "pmadv %d which is gone", (int)r->target, comm,
				 (int)r->owner);
		else
			u = UNDO_FAILED, snprintf(msg, len, "cannot resume "
				 "process %d (%s), stopped by pmadv %d which is "
				 "gone: %s", (int)r->target, comm, (int)r->owner,
				 strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return u;
}

/* The cgroup directory, if it is still the one recorded; else -1 with
 * what it is now in msg. */
static int open_same_cgroup(const struct freeze_record *r, char *msg,
			    size_t len)
{
	struct statfs sf;
	struct stat st;
	int fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(msg, len, "cgroup %s, frozen by pmadv %d which is "
			 "gone, no longer exists: nothing to thaw", r->dir,
			 (int)r->owner);
		return -1;
	}
	if (fstat(fd, &st) == 0 && fstatfs(fd, &sf) == 0 &&
	    (unsigned long long)st.st_dev == r->dev &&
	    (unsigned long long)st.st_ino == r->ino &&
	    (sf.f_type == CGROUP_SUPER_MAGIC_V1 ||
	     sf.f_type == CGROUP_SUPER_MAGIC_V2))
		return fd;
	snprintf(msg, len, "cgroup %s, frozen by pmadv %d which is gone, was "
		 "removed; that directory is another cgroup now: left alone",
		 r->dir, (int)r->owner);
	close(fd);
	return -1;
}

static enum undo undo_cgroup(const struct freeze_record *r, char *msg,
			     size_t len)
{
	const char *file = r->version == 2 ? "cgroup.freeze" : "freezer.state";
	const char *text = r->version == 2 ? "0" : "THAWED";
	int dfd = open_same_cgroup(r, msg, len), fd;
	ssize_t n = -1;

	if (dfd < 0)
		return UNDO_VANISHED;
	fd = openat(dfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		close(fd);
	}
	if (n < 0)
		snprintf(msg, len, "cannot thaw cgroup %s (v%d), frozen by "
			 "pmadv %d which is gone: %s: %s", r->dir, r->version,
			 (int)r->owner, file, strerror(errno));
	else
		snprintf(msg, len, "thawed cgroup %s (v%d), frozen by pmadv %d "
			 "which is gone", r->dir, r->version, (int)r->owner);
	close(dfd);
	return n < 0 ? UNDO_FAILED : UNDO_THAWED;
}

struct scan {
	bool all;
	recover_say say;
	void *ctx;
	struct recover_count *n;
	const char *dir;
};

static void say(const struct scan *s, bool failure, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(const struct scan *s, bool failure, const char *fmt, ...)
{
	char line[ERR_LEN + PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->say(failure, line, s->ctx);
}

/* A record nobody holds: undo it if its owner and guardian are gone. The
 * lock stays held until the file is unlinked, as in lock_drop. */
static void recover_record(const struct scan *s, int dirfd, const char *name,
			   const char *text)
{
	struct freeze_record r;
	char msg[ERR_LEN + PATH_MAX];
	enum undo u;

	if (record_parse(text, &r) != 0) {
		s->n->failed++;
		say(s, true, "%s/%s: unreadable freeze record: left in place",
		    s->dir, name);
		return;
	}
	if (alive(r.owner, r.owner_start) || alive(r.guardian, r.guardian_start)) {
		s->n->busy++;	/* it still may thaw: not ours to touch */
		if (s->all)
			say(s, false, "%s/%s: pmadv %d or its guardian %d still "
			    "runs: left alone", s->dir, name, (int)r.owner,
			    (int)r.guardian);
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

static void recover_entry(const struct scan *s, int dirfd, const char *name)
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
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		s->n->busy += errno == EWOULDBLOCK;	/* a run in progress */
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

int recover_run(bool all, recover_say sayfn, void *ctx, struct recover_count *n,
		struct err *e)
{
	char dir[PATH_MAX];
	struct scan s = { all, sayfn, ctx, n, dir };
	struct dirent *de;
	DIR *d;
	int rc;

	memset(n, 0, sizeof(*n));
	rc = rundir_get(dir, sizeof(dir), false, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	d = opendir(dir);
	if (!d)
		return err_set(e, errno, "run directory %s: %s", dir,
			       strerror(errno));
	while ((de = readdir(d)))
		if (is_lock_name(de->d_name))
			recover_entry(&s, dirfd(d), de->d_name);
	closedir(d);
	return 0;
}
