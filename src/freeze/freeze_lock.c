/* Lock files in the caller-only run directory: see freeze_lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/lib.h"
#include "freeze/freeze.h"

/* O_NONBLOCK: a FIFO at a lock path opens at once instead of waiting for
 * a writer forever, and is then refused; O_NOFOLLOW: no link is followed */
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
	return 0;
}

#define LOCK_VANISHED (-2)

/* Open (or create) a lock file at dirfd/name: the descriptor;
 * LOCK_VANISHED when it is not there; -1 with e otherwise. */
static int lock_open(int dirfd, const char *name, const char *shown,
		     int flags, struct err *e)
{
	struct stat st;
	int fd;

	/* refuse what is there before even opening it */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "refusing lock file %s: not a regular "
			       "file (remove it)", shown);
	fd = openat(dirfd, name, LOCK_OPEN | flags, 0600);
	if (fd < 0) {
		if (errno == ENOENT)
			return LOCK_VANISHED;
		if (errno == ELOOP)
			return err_set(e, ELOOP, "refusing lock file %s: a "
				       "symbolic link (remove it)", shown);
		return err_set(e, errno, "cannot lock: %s: %s", shown,
			       strerror(errno));
	}
	if (check_lock_file(fd, shown, e) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int lock_open_existing(int dirfd, const char *name, struct err *e)
{
	int fd = lock_open(dirfd, name, name, 0, e);

	if (fd == LOCK_VANISHED)
		return err_set(e, ENOENT, "%s: gone", name);
	return fd;
}

struct lock_try {
	struct lock *l;
	const char *what;
	struct err *e;
};

/* wait_until's test: 1 with the lock held, 0 while another run holds it. */
static int lock_try(void *ctx)
{
	struct lock_try *t = ctx;
	struct lock *l = t->l;
	struct stat a, b;

	for (;;) {
		if (l->fd < 0) {
			int fd = lock_open(AT_FDCWD, l->path, l->path, O_CREAT,
					   t->e);

			if (fd == LOCK_VANISHED)
				return 0;	/* the directory went away */
			if (fd < 0)
				return -1;
			l->fd = fd;
		}
		if (flock(l->fd, LOCK_EX | LOCK_NB) != 0)
			break;
		if (fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 1;
		/* released and unlinked meanwhile: start over */
		close(l->fd);
		l->fd = -1;
	}
	if (errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	err_set(t->e, errno, "cannot lock %s: %s: %s", t->what, l->path,
		strerror(errno));
	close(l->fd);
	l->fd = -1;
	return -1;
}

int lock_take(struct lock *l, const char *name, const char *what,
	      uint64_t deadline, unsigned int timeout_ms, struct err *e)
{
	struct lock_try t = { l, what, e };
	char dir[PATH_MAX - 128];
	int rc;

	l->fd = -1;
	if (rundir_get(dir, sizeof(dir), true, e) != 0) {
		err_append(e, "; cannot lock %s", what);
		return -1;
	}
	snprintf(l->path, sizeof(l->path), "%s/%s", dir, name);
	rc = wait_until(deadline, lock_try, &t);
	if (rc <= 0)
		return rc;
	err_set(e, ETIMEDOUT, "timed out after %u ms waiting for another pmadv "
		"freezing %s (lock %s)", timeout_ms, what, l->path);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	return -1;
}

void lock_drop(struct lock *l)
{
	struct stat st;

	if (l->fd < 0)
		return;
	/* a freeze record whose thaw was not seen stays for --recover; it
	 * is read only once nobody holds the lock */
	if (fstat(l->fd, &st) == 0 && st.st_size == 0)
		unlink(l->path);
	close(l->fd);
	l->fd = -1;
}
