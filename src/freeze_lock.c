/* Lock files in /run/pmadv or /tmp/pmadv-UID: see freeze_lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "freeze_lock.h"

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
			l->fd = open(l->path, O_RDONLY | O_CREAT | O_NOFOLLOW |
				     O_CLOEXEC, 0644);
			/* another user's file in a sticky directory */
			if (l->fd < 0 && errno == EACCES)
				l->fd = open(l->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (l->fd < 0 && errno != ENOENT)
				return err_set(t->e, errno, "cannot lock %s: %s: %s",
					       t->what, l->path, strerror(errno));
		}
		if (l->fd < 0)
			return 0;
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
	const char *dir = lock_dir();
	int rc;

	l->fd = -1;
	if (!dir)
		return err_set(e, EACCES, "cannot lock %s: no usable /run/pmadv "
			       "or /tmp/pmadv-%u", what, (unsigned int)geteuid());
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
	if (l->fd < 0)
		return;
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
}
