/* The caller-only run directory: see rundir.h. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/lib.h"
#include "freeze/freeze.h"

#define CANDIDATES 3

struct cand {
	char path[PATH_MAX];
	const char *parent_check;	/* a parent to create (0700) and check
					 * first, or NULL */
};

/* The user's home, from $HOME or the password database. */
static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && h[0] == '/')
		return h;
	pw = getpwuid(geteuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

/* Where the caller's runs may meet, in order of preference. */
static size_t candidates(struct cand *c, char *parent, size_t plen)
{
	const char *x = getenv("XDG_RUNTIME_DIR"), *h;
	struct stat st;
	size_t n = 0;

	if (geteuid() == 0) {
		snprintf(c[n++].path, PATH_MAX, "/run/pmadv");
		return n;
	}
	/* a session's runtime directory is the user's alone (pam_systemd) */
	if (x && x[0] == '/' && lstat(x, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    strlen(x) + 8 < PATH_MAX)
		snprintf(c[n++].path, PATH_MAX, "%s/pmadv", x);
	/* without one (cron, su): the user's own directory in /tmp ... */
	snprintf(c[n++].path, PATH_MAX, "/tmp/pmadv-%u", (unsigned int)geteuid());
	/* ... unless another user took that name first: the home directory */
	h = home_dir();
	if (h && strlen(h) + 16 < plen && strlen(h) + 16 < PATH_MAX) {
		snprintf(parent, plen, "%s/.cache", h);
		snprintf(c[n].path, PATH_MAX, "%s/.cache/pmadv", h);
		c[n++].parent_check = parent;
	}
	return n;
}

/* Ours and ours alone? root takes /run/pmadv back from an older pmadv that
 * made it sticky and world-writable (what was planted there is refused
 * file by file by the lock code); anyone else's directory that is not
 * 0700 is refused, unless we made it just now (the umask may have said
 * otherwise). */
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
	if ((made || geteuid() == 0) && chmod(dir, 0700) == 0)
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

/* One candidate: 0 usable (made when create); 1 missing and !create; -1
 * refused or impossible, with e. */
static int try_one(const struct cand *c, bool create, struct err *e)
{
	struct stat st;
	bool made = false;

	if (c->parent_check && check_parent(c->parent_check, create, e) != 0)
		return e->code == ENOENT && !create ? 1 : -1;
	if (lstat(c->path, &st) != 0) {
		if (errno != ENOENT)
			return err_set(e, errno, "run directory %s: %s", c->path,
				       strerror(errno));
		if (!create)
			return 1;
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

int rundir_get(char *buf, size_t len, bool create, struct err *e)
{
	static bool said;
	struct cand c[CANDIDATES];
	char parent[PATH_MAX], refused[ERR_LEN] = "";
	size_t n;
	int missing = 0;

	memset(c, 0, sizeof(c));
	n = candidates(c, parent, sizeof(parent));
	for (size_t i = 0; i < n; i++) {
		struct err one;
		int r = try_one(&c[i], create, &one);

		if (r == 1) {
			missing++;
			continue;
		}
		if (r == 0) {
			if (strlen(c[i].path) >= len)
				return err_set(e, ENAMETOOLONG, "run directory "
					       "%s: name too long", c[i].path);
			snprintf(buf, len, "%s", c[i].path);
			if (refused[0] && create && !said) {
				said = true;
				msg_warn("%s; using %s instead", refused, buf);
			}
			return 0;
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
			return -1;
		}
	}
	if (missing && !create)
		return 1;
	return err_set(e, ENOENT, "no run directory");
}

size_t rundir_all(char (*dirs)[PATH_MAX], size_t max)
{
	struct cand c[CANDIDATES];
	char parent[PATH_MAX];
	size_t n, k = 0;

	memset(c, 0, sizeof(c));
	n = candidates(c, parent, sizeof(parent));
	for (size_t i = 0; i < n && k < max; i++) {
		struct err one;

		if (try_one(&c[i], false, &one) == 0)
			memcpy(dirs[k++], c[i].path, PATH_MAX);
	}
	return k;
}
