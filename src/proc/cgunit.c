/* A systemd unit's cgroup, from cgroupfs. See cgunit.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/proc.h"

#define MAX_DEPTH 64

static void unit_name(const char *unit, char *name, size_t len)
{
	static const char *const suffix[] = { ".service", ".scope", ".slice",
					      ".socket", ".mount", ".swap" };
	const char *dot = strrchr(unit, '.');

	for (size_t i = 0; dot && i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (!strcmp(dot, suffix[i])) {
			snprintf(name, len, "%s", unit);
			return;
		}
	snprintf(name, len, "%s.service", unit);
}

/* The shallowest directory called name below dirfd (rel is dirfd's path
 * relative to the mount point, "" at the top). */
struct search {
	const char *name;
	int best_depth;		/* -1: none yet */
	char best[PATH_MAX];	/* relative to the mount point: "/a/b" */
};

static void search(int dirfd, const char *rel, int depth, struct search *s)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (depth >= MAX_DEPTH || (s->best_depth >= 0 && depth >= s->best_depth))
		return;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		int subfd;

		if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) >= sizeof(sub))
			continue;
		if (!strcmp(de->d_name, s->name)) {
			if (s->best_depth < 0 || depth + 1 < s->best_depth) {
				s->best_depth = depth + 1;
				snprintf(s->best, sizeof(s->best), "%s", sub);
			}
			continue;	/* a unit's own subgroups are not other units */
		}
		subfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
			       O_NOFOLLOW | O_CLOEXEC);
		if (subfd < 0)
			continue;
		search(subfd, sub, depth + 1, s);
		close(subfd);
	}
	closedir(d);
}

/* The unit in one mount: 1 found (u filled, holds says whether it holds
 * processes), 0 not. */
static int in_mount(const struct cgfs_mount *mt, const char *name,
		    struct cgunit *u, bool *holds)
{
	struct search s = { name, -1, "" };
	int top, fd;

	top = open(mt->point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return 0;
	search(top, "", 0, &s);
	close(top);
	if (s.best_depth < 0)
		return 0;
	snprintf(u->dir, sizeof(u->dir), "%s%s", mt->point, s.best);
	snprintf(u->path, sizeof(u->path), "%s%s",
		 strcmp(mt->root, "/") ? mt->root : "", s.best);
	u->v2 = mt->kind == CGFS_V2;
	snprintf(u->where, sizeof(u->where), "%s %s", cgfs_kind_name(mt), u->dir);
	fd = open(u->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*holds = fd >= 0 && cgfs_holds_procs(fd);
	if (fd >= 0)
		close(fd);
	return 1;
}

static bool unit_mount(const struct cgfs_mount *mt, bool v2)
{
	return v2 ? mt->kind == CGFS_V2 : mt->systemd;
}

int cgunit_find(const char *unit, struct cgunit *u, struct err *e)
{
	struct cgfs_mounts m;
	struct cgunit cand;
	bool found = false, holds = false;

	memset(u, 0, sizeof(*u));
	unit_name(unit, u->name, sizeof(u->name));
	if (cgfs_mounts_read(&m) != 0)
		return err_set(e, errno, "cannot read /proc/self/mountinfo: %s",
			       strerror(errno));
	err_set(e, ENOENT, "no unit %s in cgroupfs (looked in", u->name);
	for (int pass = 0; pass < 2 && !holds; pass++)
		for (size_t i = 0; i < m.n && !holds; i++) {
			if (!unit_mount(&m.v[i], pass == 0))
				continue;
			err_append(e, " %s %s", cgfs_kind_name(&m.v[i]), m.v[i].point);
			cand = *u;
			if (!in_mount(&m.v[i], u->name, &cand, &holds))
				continue;
			if (!found || holds)
				*u = cand;
			found = true;
		}
	cgfs_mounts_free(&m);
	if (!found) {
		err_append(e, ")");
		return -1;
	}
	err_clear(e);
	return 0;
}
