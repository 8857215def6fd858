/* Where cgroups are and what they contain. Reads only. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/proc.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
		    r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
				      (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static bool has_option(const char *opts, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = opts; p && *p; ) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

void cgfs_mounts_free(struct cgfs_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].root);
		free(m->v[i].point);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

int cgfs_mounts_read(struct cgfs_mounts *m)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f;

	m->v = NULL;
	m->n = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char *field[64], *save = NULL, *tok, *fstype = NULL, *opts = NULL;
		int nf = 0, sep = -1, kind;
		struct cgfs_mount *mt;

		line[strcspn(line, "\n")] = '\0';
		for (tok = strtok_r(line, " ", &save); tok && nf < 64;
		     tok = strtok_r(NULL, " ", &save)) {
			if (sep < 0 && nf >= 6 && strcmp(tok, "-") == 0)
				sep = nf;
			field[nf++] = tok;
		}
		if (sep < 0 || nf < sep + 4)
			continue;
		fstype = field[sep + 1];
		opts = field[sep + 3];
		if (strcmp(fstype, "cgroup2") == 0)
			kind = CGFS_V2;
		else if (strcmp(fstype, "cgroup") == 0)
			kind = has_option(opts, "freezer") ? CGFS_V1 : CGFS_OTHER;
		else
			continue;
		mt = array_grow(m->v, m->n, &alloc, sizeof(*mt), 16);
		if (!mt)
			break;
		m->v = mt;
		mt += m->n;
		unescape(field[3]);
		unescape(field[4]);
		mt->kind = kind;
		mt->systemd = kind == CGFS_OTHER && has_option(opts, "name=systemd");
		mt->cpu = kind != CGFS_V2 && (has_option(opts, "cpu") ||
					      has_option(opts, "cpuacct"));
		mt->root = strdup(field[3]);
		mt->point = strdup(field[4]);
		if (!mt->root || !mt->point) {
			free(mt->root);
			free(mt->point);
			break;
		}
		m->n++;
	}
	free(line);
	fclose(f);
	return 0;
}

bool cgfs_path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int cgfs_membership_read(pid_t pid, struct cgfs_membership *mb)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	mb->v2[0] = mb->v1[0] = '\0';
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char *c1 = strchr(line, ':'), *c2, *cgpath, *ctrls;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c1 = *c2 = '\0';
		ctrls = c1 + 1;
		cgpath = c2 + 1;
		cgpath[strcspn(cgpath, "\n")] = '\0';
		if (strcmp(line, "0") == 0 && *ctrls == '\0')
			snprintf(mb->v2, sizeof(mb->v2), "%s", cgpath);
		else if (has_option(ctrls, "freezer"))
			snprintf(mb->v1, sizeof(mb->v1), "%s", cgpath);
	}
	free(line);
	fclose(f);
	return 0;
}

const char *cgfs_member_path(const struct cgfs_membership *mb, int version)
{
	return version == 2 ? mb->v2 : mb->v1;
}

/* The directory of cgroup path in one mount, if it exists: 0, or -1. */
static int mount_dir(const struct cgfs_mount *mt, const char *path, char *dir,
		     size_t dirlen)
{
	const char *rel;
	struct stat st;

	if (!cgfs_path_under(path, mt->root))
		return -1;
	rel = strcmp(mt->root, "/") == 0 ? path : path + strlen(mt->root);
	if (strcmp(rel, "/") == 0)
		rel = "";
	if ((size_t)snprintf(dir, dirlen, "%s%s", mt->point, rel) >= dirlen)
		return -1;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int cgfs_map_dir(const struct cgfs_mounts *m, int version, const char *path,
		 char *dir, size_t dirlen)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == version &&
		    mount_dir(&m->v[i], path, dir, dirlen) == 0)
			return 0;
	return -1;
}

const char *cgfs_kind_name(const struct cgfs_mount *mt)
{
	return mt->kind == CGFS_V2 ? "v2" : mt->kind == CGFS_V1 ? "v1 freezer" :
	       mt->systemd ? "v1 name=systemd" : "v1";
}

bool cgfs_have_mount(const struct cgfs_mounts *m, int version)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == version)
			return true;
	return false;
}

/* The mount a real path is under (the longest mount point), or NULL. */
static const struct cgfs_mount *mount_of(const struct cgfs_mounts *m,
					 const char *real)
{
	const struct cgfs_mount *best = NULL;

	for (size_t i = 0; i < m->n; i++)
		if (cgfs_path_under(real, m->v[i].point) &&
		    (!best || strlen(m->v[i].point) > strlen(best->point)))
			best = &m->v[i];
	return best;
}

enum lookup cgfs_spec_as_dir(const struct cgfs_mounts *m, const char *spec,
		     int *version, char *path, size_t pathlen, char *dir,
		     size_t dirlen, struct err *e)
{
	char real[PATH_MAX];
	const struct cgfs_mount *best;
	const char *rel;
	struct stat st;

	if (!realpath(spec, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return LOOKUP_NONE;	/* not a directory: try it as a cgroup path */
	best = mount_of(m, real);
	if (!best)
		return LOOKUP_NONE;
	if (best->kind == CGFS_OTHER)
		return err_set(e, EINVAL, "%s is in a cgroup v1 hierarchy without "
			       "the freezer controller", spec);
	rel = strcmp(best->point, "/") == 0 ? real : real + strlen(best->point);
	if (strcmp(best->root, "/") == 0)
		snprintf(path, pathlen, "%s", *rel ? rel : "/");
	else
		snprintf(path, pathlen, "%s%s", best->root, rel);
	snprintf(dir, dirlen, "%s", real);
	*version = best->kind;
	return LOOKUP_FOUND;
}

/* ---- walking a cgroup and its descendants ---- */

struct id_walk {
	const char *file;
	void (*fn)(pid_t, void *);
	void *ctx;
};

static void ids_in(int dirfd, const struct id_walk *w)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	fd = openat(dirfd, w->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (getline(&line, &cap, f) > 0)
		if (isdigit((unsigned char)line[0]))
			w->fn((pid_t)atoi(line), w->ctx);
	free(line);
	fclose(f);
}

DIR *cgfs_opendir(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d && fd >= 0)
		close(fd);
	return d;
}

struct dirent *cgfs_next_subdir(DIR *d)
{
	struct dirent *de;

	while ((de = readdir(d)))
		if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) &&
		    strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return de;
	return NULL;
}

static void walk(int dirfd, int depth, const struct id_walk *w)
{
	struct dirent *de;
	DIR *d;

	ids_in(dirfd, w);
	if (depth >= 64 || !(d = cgfs_opendir(dirfd)))
		return;
	while ((de = cgfs_next_subdir(d))) {
		int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
				 O_NOFOLLOW | O_CLOEXEC);

		if (sub < 0)
			continue;
		walk(sub, depth + 1, w);
		close(sub);
	}
	closedir(d);
}

void cgfs_each_id(int dirfd, const char *file, void (*fn)(pid_t, void *),
		  void *ctx)
{
	struct id_walk w = { file, fn, ctx };

	walk(dirfd, 0, &w);
}

/* ---- any cgroup, for listing ---- */

static void count_one(pid_t id, void *ctx)
{
	(void)id;
	(*(size_t *)ctx)++;
}

size_t cgfs_count_procs(int dirfd)
{
	size_t n = 0;

	cgfs_each_id(dirfd, "cgroup.procs", count_one, &n);
	return n;
}

bool cgfs_dir_holds_procs(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool r;

	if (fd < 0)
		return false;
	r = cgfs_count_procs(fd) > 0;
	close(fd);
	return r;
}

/* A cgroup path in every hierarchy where it exists: an empty namesake in v2
 * must not hide the v1 cgroup that holds the processes. The mount, or NULL. */
static const struct cgfs_mount *path_dir(const struct cgfs_mounts *m,
					 const char *spec, char *dir, size_t dirlen)
{
	static const int order[] = { CGFS_V2, CGFS_V1, CGFS_OTHER };
	const struct cgfs_mount *first = NULL;
	char cand[PATH_MAX];
	bool holds;

	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < m->n; i++) {
			if (m->v[i].kind != order[k] ||
			    mount_dir(&m->v[i], spec, cand, sizeof(cand)) != 0)
				continue;
			holds = cgfs_dir_holds_procs(cand);
			if (!first || holds)
				snprintf(dir, dirlen, "%s", cand);
			if (holds)
				return &m->v[i];
			if (!first)
				first = &m->v[i];
		}
	return first;
}

/* The directory of spec in any hierarchy: a directory under a cgroup mount
 * (v1 without the freezer included), or a cgroup path (path_dir). */
static int any_dir(const char *spec, char *dir, size_t dirlen, char *where,
		   size_t wherelen, struct err *e)
{
	const struct cgfs_mount *used = NULL;
	char path[PATH_MAX];
	struct cgfs_mounts m;
	struct stat st;
	enum lookup r;
	int version = 0;

	if (cgfs_mounts_read(&m) != 0)
		return err_set(e, errno, "cannot read /proc/self/mountinfo: %s",
			       strerror(errno));
	dir[0] = '\0';
	r = cgfs_spec_as_dir(&m, spec, &version, path, sizeof(path), dir,
			     dirlen, NULL);
	/* a directory of a v1 hierarchy without freezer: fine */
	if (r == LOOKUP_FAILED)
		r = realpath(spec, dir) && stat(dir, &st) == 0 ? LOOKUP_FOUND :
		    LOOKUP_NONE;
	if (r == LOOKUP_NONE) {
		dir[0] = '\0';
		if (spec[0] == '/' && !(used = path_dir(&m, spec, dir, dirlen)))
			dir[0] = '\0';
	}
	if (*dir && !used)
		used = mount_of(&m, dir);
	if (*dir && where)
		snprintf(where, wherelen, "%s %s", used ? cgfs_kind_name(used) :
			 "?", dir);
	cgfs_mounts_free(&m);
	if (!*dir)
		return err_set(e, ENOENT, "no cgroup %s: neither a directory "
			       "under a cgroup mount nor a cgroup path", spec);
	return 0;
}

int cgfs_open(const char *spec, char *where, size_t wherelen, struct err *e)
{
	char dir[PATH_MAX];
	struct stat self, parent;
	int fd;

	if (any_dir(spec, dir, sizeof(dir), where, wherelen, e) != 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "cannot open cgroup %s: %s", dir,
			       strerror(errno));
	/* a hierarchy's root (its mount point: the parent is another file
	 * system) holds every process of the machine */
	if (fstat(fd, &self) == 0 && fstatat(fd, "..", &parent, 0) == 0 &&
	    (self.st_dev != parent.st_dev || self.st_ino == parent.st_ino)) {
		close(fd);
		return err_set(e, EPERM, "refusing the root cgroup %s: it holds "
			       "every process of the machine (name a cgroup "
			       "below it)", dir);
	}
	return fd;
}

int cgfs_memory_current(const char *spec, uint64_t *bytes)
{
	char buf[64], *end;
	struct err e;
	int fd = cgfs_open(spec, NULL, 0, &e);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = proc_read_small(fd, "memory.current", buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return -1;
	errno = 0;
	*bytes = strtoull(buf, &end, 10);
	return errno || end == buf ? -1 : 0;
}
