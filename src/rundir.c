/* The caller-only run directory: see rundir.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundir.h"

/* Where the caller's runs meet. */
static void rundir_path(char *buf, size_t len)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (geteuid() == 0) {
		snprintf(buf, len, "/run/pmadv");
		return;
	}
	/* a session's runtime directory is the user's alone (pam_systemd);
	 * without one (cron, su) the user's own directory in /tmp */
	if (x && x[0] == '/' && lstat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    strlen(x) + 8 < len) {
		snprintf(buf, len, "%s/pmadv", x);
		return;
	}
	snprintf(buf, len, "/tmp/pmadv-%u", (unsigned int)geteuid());
}

/* Ours and ours alone? An older pmadv made /run/pmadv sticky and
 * world-writable: root takes it back (what was planted there is refused
 * file by file by the lock code). */
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
	if ((st->st_mode & 07777) == 0700)
		return 0;
	/* made just now (the umask may have said otherwise), or root's */
	if ((made || geteuid() == 0) && chmod(dir, 0700) == 0)
		return 0;
	return err_set(e, EPERM, "refusing run directory %s: mode %04o, "
		       "not 0700 (others could plant files there)", dir,
		       (unsigned int)(st->st_mode & 07777));
}

int rundir_get(char *buf, size_t len, bool create, struct err *e)
{
	struct stat st;
	bool made = false;

	rundir_path(buf, len);
	if (lstat(buf, &st) != 0) {
		if (errno != ENOENT)
			return err_set(e, errno, "run directory %s: %s", buf,
				       strerror(errno));
		if (!create)
			return 1;
		if (mkdir(buf, 0700) == 0)
			made = true;
		else if (errno != EEXIST)
			return err_set(e, errno, "cannot make run directory "
				       "%s: %s", buf, strerror(errno));
		if (lstat(buf, &st) != 0)
			return err_set(e, errno, "run directory %s: %s", buf,
				       strerror(errno));
	}
	return check_dir(buf, &st, made, e);
}
