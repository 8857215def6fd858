/* The caller-only run directory: see freeze.h. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "freeze/freeze.h"

#define CANDIDATES 3

struct cand {
	const char *parent_check;	/* a parent to create (0700) and check
					 * first, or NULL */
	char path[PATH_MAX];
};

/* Where the caller's runs may meet, in order of preference: worked out
 * once a run (euid, $XDG_RUNTIME_DIR and home do not change under it),
 * off the stack (12 KiB there made the start-up's deepest frames). */
static const struct cand *candidates(size_t *count)
{
	static struct cand c[CANDIDATES];
	static char parent[PATH_MAX];
	static size_t n;
	static bool done;
	const char *x = getenv("XDG_RUNTIME_DIR"), *h = getenv("HOME");
	struct passwd *pw;
	struct stat st;

	*count = n;
	if (done)
		return c;
	done = true;
	if (geteuid() == 0) {
		snprintf(c[n++].path, PATH_MAX, "/run/pmadv");
		*count = n;
		return c;
	}
	/* a session's runtime directory is the user's alone (pam_systemd) */
	if (x && x[0] == '/' && lstat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    strlen(x) + 8 < PATH_MAX)
		snprintf(c[n++].path, PATH_MAX, "%s/pmadv", x);
	/* without one (cron, su): the user's own directory in /tmp ... */
	snprintf(c[n++].path, PATH_MAX, "/tmp/pmadv-%u", (unsigned int)geteuid());
	/* ... unless another user took that name first: the home directory
	 * ($HOME, or the password database's) */
	if ((!h || h[0] != '/') && (pw = getpwuid(geteuid())))
		h = pw->pw_dir;
	if (h && h[0] == '/' && strlen(h) + 16 < PATH_MAX) {
		snprintf(parent, sizeof(parent), "%s/.cache", h);
		snprintf(c[n].path, PATH_MAX, "%s/.cache/pmadv", h);
		c[n++].parent_check = parent;
	}
	*count = n;
	return c;
}

/* Ours alone? root takes back a /run/pmadv an older pmadv made sticky and
 * world-writable (the lock code refuses what was planted); else one not
 * 0700 is refused, unless we just made it (the umask). */
static int check_dir(const char *dir, const struct stat *st, bool made,
		     struct err *e)
{
	if (!S_ISDIR(st->st_mode))
		return err_set(e, ENOTDIR, "refusing run directory %s: not a "
			       "directory", dir);
	if (st->st_uid != geteuid())
		return err_set(e, EPERM, "refusing run directory %s: owned by "
			       "uid %u, not by you (uid %u)", dir,
			       (unsigned int)st->st_uid, (unsigned int)geteuid());
	if ((st->st_mode & 07777) == 0700 ||
	    ((made || geteuid() == 0) && chmod(dir, 0700) == 0))
		return 0;
	return err_set(e, EPERM, "refusing run directory %s: mode %04o, "
		       "not 0700 (others could plant files there)", dir,
		       (unsigned int)(st->st_mode & 07777));
}

/* The parent of the home candidate: the user's, and writable by nobody
 * else (created 0700 when missing and create). */
static int check_parent(const char *p, bool create, struct err *e)
{
	struct stat st;

	if (lstat(p, &st) != 0) {
		if (errno != ENOENT || !create)
			return err_set(e, errno, "run directory parent %s: %s", p,
				       strerror(errno));
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return err_set(e, errno, "cannot make %s: %s", p,
				       strerror(errno));
		if (lstat(p, &st) != 0)
			return err_set(e, errno, "%s: %s", p, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return err_set(e, EPERM, "refusing run directory parent %s: not "
			       "a directory of yours that only you may write", p);
	return 0;
}

/* One candidate: LOOKUP_FOUND usable (made when create); LOOKUP_NONE
 * missing and !create; LOOKUP_FAILED refused or impossible, with e. */
static enum lookup try_one(const struct cand *c, bool create, struct err *e)
{
	struct stat st;
	bool made = false;

	if (c->parent_check && check_parent(c->parent_check, create, e) != 0)
		return e->code == ENOENT && !create ? LOOKUP_NONE : LOOKUP_FAILED;
	if (lstat(c->path, &st) != 0) {
		if (errno != ENOENT)
			return err_set(e, errno, "run directory %s: %s", c->path,
				       strerror(errno));
		if (!create)
			return LOOKUP_NONE;
		if (mkdir(c->path, 0700) == 0)
			made = true;
		else if (errno != EEXIST)
			return err_set(e, errno, "cannot make run directory "
				       "%s: %s", c->path, strerror(errno));
		if (lstat(c->path, &st) != 0)
			return err_set(e, errno, "run directory %s: %s", c->path,
				       strerror(errno));
	}
	return check_dir(c->path, &st, made, e);
}

enum lookup rundir_get(char *buf, size_t len, bool create, struct err *e)
{
	static bool said;
	char refused[ERR_LEN] = "";
	size_t n;
	const struct cand *c = candidates(&n);
	int missing = 0;

	for (size_t i = 0; i < n; i++) {
		struct err one;
		enum lookup r = try_one(&c[i], create, &one);

		if (r == LOOKUP_NONE) {
			missing++;
			continue;
		}
		if (r == LOOKUP_FOUND) {
			if (strlen(c[i].path) >= len)
				return err_set(e, ENAMETOOLONG, "run directory "
					       "%s: name too long", c[i].path);
			snprintf(buf, len, "%s", c[i].path);
			if (refused[0] && create && !said) {
				said = true;
				msg_warn("%s; using %s instead", refused, buf);
			}
			return LOOKUP_FOUND;
		}
		if (!refused[0])
			snprintf(refused, sizeof(refused), "%s", one.msg);
		if (geteuid() == 0 || i + 1 == n) {
			err_set(e, one.code, "%s", refused);
			if (strcmp(refused, one.msg))
				err_append(e, "; %s", one.msg);
			if (geteuid() != 0)
				err_append(e, "; set XDG_RUNTIME_DIR to a directory "
					   "of your own that only you may write "
					   "(mode 0700)");
			return LOOKUP_FAILED;
		}
	}
	if (missing && !create)
		return LOOKUP_NONE;
	return err_set(e, ENOENT, "no run directory");
}

size_t rundir_all(char (*dirs)[PATH_MAX], size_t max)
{
	size_t n, k = 0;
	const struct cand *c = candidates(&n);

	for (size_t i = 0; i < n && k < max; i++) {
		struct err one;

		if (try_one(&c[i], false, &one) == LOOKUP_FOUND) {
			/* its length only: a page, not PATH_MAX bytes each */
			size_t len = strnlen(c[i].path, PATH_MAX - 1);

			memcpy(dirs[k], c[i].path, len);
			dirs[k++][len] = '\0';
		}
	}
	return k;
}

/* Lock files in the caller-only run directory: see freeze.h. */
/* O_NONBLOCK: a FIFO at a lock path opens at once, then is refused */
#define LOCK_OPEN (O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* Only a regular file of ours is a lock file. -1 with e otherwise. */
static int check_lock_file(int fd, const char *path, struct err *e)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return err_set(e, errno, "cannot lock: %s: %s", path,
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "refusing lock file %s: not a regular "
			       "file (remove it)", path);
	if (st.st_uid != geteuid())
		return err_set(e, EPERM, "refusing lock file %s: owned by uid "
			       "%u (remove it)", path, (unsigned int)st.st_uid);
	/* a hard link to another file would have that file rewritten (0
	 * links: unlinked since it was opened, which the caller sees) */
	if (st.st_nlink > 1)
		return err_set(e, EPERM, "refusing lock file %s: a hard link "
			       "(%lu names; remove it)", path,
			       (unsigned long)st.st_nlink);
	return 0;
}

/* Open (or create) a lock file at dirfd/name into *fd: LOOKUP_FOUND;
 * LOOKUP_NONE when it is not there; LOOKUP_FAILED with e otherwise. */
static enum lookup lock_open(int dirfd, const char *name, int flags, int *fd,
			     struct err *e)
{
	struct stat st;

	/* refuse what is there before even opening it */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "refusing lock file %s: not a regular "
			       "file (remove it)", name);
	*fd = openat(dirfd, name, LOCK_OPEN | flags, 0600);
	if (*fd < 0) {
		if (errno == ENOENT)
			return LOOKUP_NONE;
		if (errno == ELOOP)
			return err_set(e, ELOOP, "refusing lock file %s: a "
				       "symbolic link (remove it)", name);
		return err_set(e, errno, "cannot lock: %s: %s", name,
			       strerror(errno));
	}
	if (check_lock_file(*fd, name, e) != 0) {
		close(*fd);
		*fd = -1;
		return LOOKUP_FAILED;
	}
	return LOOKUP_FOUND;
}

int lock_open_existing(int dirfd, const char *name, struct err *e)
{
	int fd = -1;

	if (lock_open(dirfd, name, 0, &fd, e) == LOOKUP_NONE)
		return err_set(e, ENOENT, "%s: gone", name);
	return fd;
}

struct lock_try {
	struct lock *l;
	const char *what;
	struct err *e;
};

/* wait_until's test: met with the lock held. */
static enum wait_test lock_try(void *ctx)
{
	struct lock_try *t = ctx;
	struct lock *l = t->l;
	struct stat a, b;

	for (;;) {
		if (l->fd < 0) {
			switch (lock_open(AT_FDCWD, l->path, O_CREAT,
					  &l->fd, t->e)) {
			case LOOKUP_NONE:
				return WAIT_NOT_YET;	/* the directory went away */
			case LOOKUP_FAILED:
				return WAIT_TEST_FAILED;
			case LOOKUP_FOUND:
				break;
			}
		}
		if (flock(l->fd, LOCK_EX | LOCK_NB) != 0)
			break;
		if (fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return WAIT_MET;
		/* released and unlinked meanwhile: start over */
		close(l->fd);
		l->fd = -1;
	}
	if (errno == EWOULDBLOCK || errno == EINTR)
		return WAIT_NOT_YET;
	err_set(t->e, errno, "cannot lock %s: %s: %s", t->what, l->path,
		strerror(errno));
	close(l->fd);
	l->fd = -1;
	return WAIT_TEST_FAILED;
}

int lock_take(struct lock *l, const char *name, const char *what,
	      uint64_t deadline, unsigned int timeout_ms, struct err *e)
{
	struct lock_try t = { l, what, e };
	char dir[PATH_MAX - 128];
	enum wait_result r;

	l->fd = -1;
	if (rundir_get(dir, sizeof(dir), true, e) != LOOKUP_FOUND) {
		err_append(e, "; cannot lock %s", what);
		return -1;
	}
	free(l->path);
	if (asprintf(&l->path, "%s/%s", dir, name) < 0) {
		l->path = NULL;
		return err_set(e, ENOMEM, "cannot lock %s: out of memory", what);
	}
	r = wait_until(deadline, true, lock_try, &t);
	if (r == WAIT_INTERRUPTED) {
		char why[PATH_MAX + 96];

		snprintf(why, sizeof(why), "another pmadv freezing %s (lock %s)",
			 what, l->path);
		wait_interrupted_error(e, why);
	} else if (r != WAIT_DEADLINE) {
		return r == WAIT_DONE ? 0 : -1;	/* failed: lock_try set e */
	} else {
		err_set(e, ETIMEDOUT, "timed out after %u ms waiting for another pmadv "
			"freezing %s (lock %s)", timeout_ms, what, l->path);
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	return -1;
}

void lock_drop(struct lock *l)
{
	struct stat st;

	if (l->fd >= 0) {
		/* a freeze record whose thaw was not seen stays for
		 * --recover; it is read only once nobody holds the lock */
		if (fstat(l->fd, &st) == 0 && st.st_size == 0)
			unlink(l->path);
		close(l->fd);
		l->fd = -1;
	}
	free(l->path);
	l->path = NULL;
}

/* Freeze records in lock files: see freeze.h. */
#define RECORD_MAGIC "pmadv freeze record 1\n"

/* The text of r into buf. Its length, or -1 when it does not fit. Pure. */
static int record_format(const struct freeze_record *r, char *buf, size_t len)
{
	int n;

	if (r->kind == RECORD_STOP)
		n = snprintf(buf, len, RECORD_MAGIC "owner %d %llu\n"
			     "guardian %d %llu\nstop %d %llu\n"
			     "undo SIGCONT to process %d\n", (int)r->owner,
			     r->owner_start, (int)r->guardian,
			     r->guardian_start, (int)r->target,
			     r->target_start, (int)r->target);
	else
		/* the directory last: it runs to the end of the text, so
		 * any byte a cgroup name may hold survives */
		n = snprintf(buf, len, RECORD_MAGIC "owner %d %llu\n"
			     "guardian %d %llu\ncgroup %d %llu %llu\n"
			     "undo write %s to %s\ndir %s", (int)r->owner,
			     r->owner_start, (int)r->guardian,
			     r->guardian_start, r->version, r->dev, r->ino,
			     r->version == 2 ? "0" : "THAWED",
			     r->version == 2 ? "cgroup.freeze" : "freezer.state",
			     r->dir);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* "KEY N M\n" at *p: the two numbers; *p moves past the line. */
static int two_numbers(const char **p, const char *key, long long *a,
		       unsigned long long *b)
{
	size_t k = strlen(key);
	char *end;

	if (strncmp(*p, key, k) || (*p)[k] != ' ')
		return -1;
	*a = strtoll(*p + k + 1, &end, 10);
	if (*end != ' ')
		return -1;
	*b = strtoull(end + 1, &end, 10);
	if (*end != '\n' && *end != ' ')
		return -1;
	*p = strchr(end, '\n');
	if (!*p)
		return -1;
	(*p)++;
	return 0;
}

static int parse_cgroup(const char *p, struct freeze_record *r)
{
	const char *d;
	int n = 0;

	if (sscanf(p, "cgroup %d %llu %llu%n", &r->version, &r->dev, &r->ino,
		   &n) != 3 || n == 0 || (r->version != 1 && r->version != 2))
		return -1;
	d = strstr(p, "\ndir ");
	if (!d || strlen(d + 5) == 0 || strlen(d + 5) >= sizeof(r->dir) ||
	    d[5] != '/')
		return -1;
	strcpy(r->dir, d + 5);
	r->kind = RECORD_CGROUP;
	return 0;
}

int record_parse(const char *text, struct freeze_record *r)
{
	const char *p = text;
	long long v;

	memset(r, 0, sizeof(*r));
	if (strncmp(p, RECORD_MAGIC, strlen(RECORD_MAGIC)))
		return -1;
	p += strlen(RECORD_MAGIC);
	if (two_numbers(&p, "owner", &v, &r->owner_start) || v <= 0)
		return -1;
	r->owner = (pid_t)v;
	if (two_numbers(&p, "guardian", &v, &r->guardian_start) || v <= 0)
		return -1;
	r->guardian = (pid_t)v;
	if (!strncmp(p, "stop ", 5)) {
		if (two_numbers(&p, "stop", &v, &r->target_start) || v <= 0)
			return -1;
		r->target = (pid_t)v;
		r->kind = RECORD_STOP;
		return 0;
	}
	return parse_cgroup(p, r);
}

int record_write(int fd, const struct freeze_record *r, struct err *e)
{
	char buf[PATH_MAX + 512];
	int n = record_format(r, buf, sizeof(buf));

	if (n < 0)
		return err_set(e, ENAMETOOLONG, "cannot record the freeze: "
			       "too long");
	errno = 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return err_set(e, errno ? errno : EIO, "cannot record the "
			       "freeze: %s", strerror(errno ? errno : EIO));
	return 0;
}

void record_clear(int fd)
{
	if (fd >= 0)
		(void)!ftruncate(fd, 0);
}

unsigned long long record_start_time(pid_t pid)
{
	struct procstat ps;

	if (procstat_of(pid, &ps) != 0)
		return 0;
	return ps.start_time;
}
