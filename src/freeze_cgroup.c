/* Freezing through the cgroup freezer: find the cgroup (mounts from
 * /proc/self/mountinfo, membership from /proc/PID/cgroup), refuse what must
 * not be frozen, freeze and wait, say what did not freeze. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "freeze.h"
#include "freeze_cgroup.h"

enum { H_OTHER = 0, H_V1 = 1, H_V2 = 2 };	/* kinds of cgroup mount */

struct mnt {
	int kind;		/* H_V2 cgroup2; H_V1 v1 with freezer; H_OTHER */
	char *root;		/* cgroup path mounted (mountinfo field 4) */
	char *point;		/* where */
};

struct mounts {
	struct mnt *v;
	size_t n;
};

/* Paths of one process in the v2 and v1-freezer hierarchies ("" = none). */
struct membership {
	char v2[PATH_MAX];
	char v1[PATH_MAX];
};

static const char *hier_name(int version)
{
	return version == 2 ? "v2" : "v1 freezer";
}

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

static void mounts_free(struct mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].root);
		free(m->v[i].point);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Every cgroup and cgroup2 mount in /proc/self/mountinfo. */
static int mounts_read(struct mounts *m)
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
			kind = H_V2;
		else if (strcmp(fstype, "cgroup") == 0)
			kind = has_option(opts, "freezer") ? H_V1 : H_OTHER;
		else
			continue;
		if (m->n == alloc) {
			struct mnt *v;

			alloc = alloc ? alloc * 2 : 16;
			v = realloc(m->v, alloc * sizeof(*v));
			if (!v)
				break;
			m->v = v;
		}
		unescape(field[3]);
		unescape(field[4]);
		m->v[m->n].kind = kind;
		m->v[m->n].root = strdup(field[3]);
		m->v[m->n].point = strdup(field[4]);
		if (!m->v[m->n].root || !m->v[m->n].point) {
			free(m->v[m->n].root);
			free(m->v[m->n].point);
			break;
		}
		m->n++;
	}
	free(line);
	fclose(f);
	return 0;
}

/* Is path at or below dir (both cgroup paths, or both file paths)? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Read /proc/PID/cgroup ("self" for pid 0). */
static int membership_read(pid_t pid, struct membership *mb)
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

static const char *member_path(const struct membership *mb, int version)
{
	return version == 2 ? mb->v2 : mb->v1;
}

/* The directory of cgroup path in a mount of that version, or -1. */
static int map_dir(const struct mounts *m, int version, const char *path,
		   char *dir, size_t dirlen)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mnt *mt = &m->v[i];
		const char *rel;
		struct stat st;

		if (mt->kind != version || !path_under(path, mt->root))
			continue;
		rel = strcmp(mt->root, "/") == 0 ? path : path + strlen(mt->root);
		if (strcmp(rel, "/") == 0)
			rel = "";
		if ((size_t)snprintf(dir, dirlen, "%s%s", mt->point, rel) >= dirlen)
			continue;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	return -1;
}

static bool have_mount(const struct mounts *m, int version)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == version)
			return true;
	return false;
}

/* spec as a directory: the mount it is under (longest mount point). */
static int spec_as_dir(const struct mounts *m, const char *spec, int *version,
		       char *path, size_t pathlen, char *dir, size_t dirlen,
		       char *err, size_t errlen)
{
	char real[PATH_MAX];
	const struct mnt *best = NULL;
	size_t bestlen = 0;
	const char *rel;
	struct stat st;

	if (!realpath(spec, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return 1;	/* not a directory: try it as a cgroup path */
	for (size_t i = 0; i < m->n; i++) {
		size_t n = strlen(m->v[i].point);

		if (path_under(real, m->v[i].point) && (!best || n > bestlen)) {
			best = &m->v[i];
			bestlen = n;
		}
	}
	if (!best)
		return 1;
	if (best->kind == H_OTHER) {
		snprintf(err, errlen, "%s is in a cgroup v1 hierarchy without the "
			 "freezer controller", spec);
		return -1;
	}
	rel = strcmp(best->point, "/") == 0 ? real : real + bestlen;
	if (strcmp(best->root, "/") == 0)
		snprintf(path, pathlen, "%s", *rel ? rel : "/");
	else
		snprintf(path, pathlen, "%s%s", best->root, rel);
	snprintf(dir, dirlen, "%s", real);
	*version = best->kind;
	return 0;
}

/* Why this hierarchy cannot be frozen for the target, or NULL. */
static const char *unusable(const struct mounts *m, int version,
			    const struct membership *target,
			    const struct membership *self, const char *path)
{
	if (!have_mount(m, version))
		return "not mounted";
	if (!*member_path(target, version))
		return "the process is in no cgroup of it";
	if (strcmp(path, "/") == 0)
		return "the process is in the root cgroup";
	if (*member_path(self, version) && path_under(member_path(self, version), path))
		return "that cgroup contains pmadv itself";
	return NULL;
}

static int cg_open(struct cg *c, char *err, size_t errlen)
{
	const char *state = c->version == 2 ? "cgroup.freeze" : "freezer.state";
	struct stat st;

	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0 || fstat(c->dirfd, &st) != 0) {
		snprintf(err, errlen, "cannot open cgroup %s: %s", c->dir,
			 strerror(errno));
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->statefd = openat(c->dirfd, state, O_WRONLY | O_CLOEXEC);
	if (c->statefd < 0) {
		snprintf(err, errlen, "cannot freeze %s cgroup %s: %s: %s",
			 hier_name(c->version), c->path, state,
			 errno == ENOENT ? "no such file (the root cgroup, or no "
			 "freezer in this kernel)" : strerror(errno));
		return -1;
	}
	if (c->version == 2) {
		c->eventsfd = openat(c->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		if (c->eventsfd < 0) {
			snprintf(err, errlen, "cannot open %s/cgroup.events: %s",
				 c->dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int cg_resolve(const char *spec, pid_t pid, struct cg *c, char *err,
	       size_t errlen)
{
	struct membership target, self;
	struct mounts m;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->dirfd = c->statefd = c->eventsfd = -1;
	if (membership_read(pid, &target) != 0) {
		snprintf(err, errlen, "cannot read /proc/%d/cgroup: %s", (int)pid,
			 errno == ENOENT ? "no such process" : strerror(errno));
		return -1;
	}
	if (membership_read(0, &self) != 0 || mounts_read(&m) != 0) {
		snprintf(err, errlen, "cannot read the cgroups of pmadv: %s",
			 strerror(errno));
		return -1;
	}

	if (!spec) {
		const char *why[3] = { NULL, NULL, NULL };

		for (int v = 2; v >= 1; v--) {
			why[v] = unusable(&m, v, &target, &self, member_path(&target, v));
			if (!why[v] && map_dir(&m, v, member_path(&target, v),
					       c->dir, sizeof(c->dir)) != 0)
				why[v] = "its directory was not found under the mounts";
			if (!why[v]) {
				c->version = v;
				snprintf(c->path, sizeof(c->path), "%s",
					 member_path(&target, v));
				break;
			}
		}
		if (!c->version) {
			snprintf(err, errlen, "no cgroup to freeze process %d in: "
				 "v2: %s", (int)pid, why[2]);
			if (*target.v2 && have_mount(&m, 2))
				fz_append(err, errlen, " (%s)", target.v2);
			fz_append(err, errlen, "; v1 freezer: %s", why[1]);
			if (*target.v1 && have_mount(&m, 1))
				fz_append(err, errlen, " (%s)", target.v1);
			fz_append(err, errlen, "; use --freeze=stop, or move it "
				  "into a cgroup of its own");
			goto out;
		}
	} else {
		int v = 0, r;

		r = spec_as_dir(&m, spec, &v, c->path, sizeof(c->path), c->dir,
				sizeof(c->dir), err, errlen);
		if (r < 0)
			goto out;
		if (r > 0) {
			if (spec[0] != '/') {
				snprintf(err, errlen, "%s: neither a directory under "
					 "a cgroup mount nor a cgroup path", spec);
				goto out;
			}
			/* as /proc/PID/cgroup shows it: the hierarchy where it
			 * contains the target, v2 first */
			for (int h = 2; h >= 1 && !v; h--)
				if (*member_path(&target, h) &&
				    path_under(member_path(&target, h), spec) &&
				    map_dir(&m, h, spec, c->dir, sizeof(c->dir)) == 0)
					v = h;
			if (!v) {
				snprintf(err, errlen, "no cgroup %s contains process "
					 "%d (it is in v2 %s, v1 freezer %s)", spec, (int)pid,
					 *target.v2 ? target.v2 : "-",
					 *target.v1 ? target.v1 : "-");
				goto out;
			}
			snprintf(c->path, sizeof(c->path), "%s", spec);
			for (size_t n = strlen(c->path); n > 1 && c->path[n - 1] == '/'; n--)
				c->path[n - 1] = '\0';
		}
		c->version = v;
		if (strcmp(c->path, "/") == 0) {
			snprintf(err, errlen, "refusing to freeze the root cgroup "
				 "of the cgroup %s hierarchy: it holds every process, "
				 "pmadv included", hier_name(v));
			goto out;
		}
		if (!*member_path(&target, v) ||
		    !path_under(member_path(&target, v), c->path)) {
			snprintf(err, errlen, "%s cgroup %s does not contain "
				 "process %d (it is in %s)", hier_name(v), c->path,
				 (int)pid, *member_path(&target, v) ?
				 member_path(&target, v) : "none");
			goto out;
		}
		if (*member_path(&self, v) && path_under(member_path(&self, v), c->path)) {
			snprintf(err, errlen, "refusing to freeze %s cgroup %s: it "
				 "contains pmadv itself (process %d, in %s)",
				 hier_name(v), c->path, (int)getpid(),
				 member_path(&self, v));
			goto out;
		}
	}
	rc = cg_open(c, err, errlen);
out:
	mounts_free(&m);
	if (rc != 0)
		cg_close(c);
	return rc;
}

int cg_already(const struct cg *c, bool *already, char *err, size_t errlen)
{
	char buf[64];
	const char *file = c->version == 2 ? "cgroup.freeze" : "freezer.self_freezing";

	*already = false;
	if (fz_read_file(c->dirfd, file, buf, sizeof(buf)) < 0) {
		snprintf(err, errlen, "cannot read %s/%s: %s", c->dir, file,
			 strerror(errno));
		return -1;
	}
	*already = buf[0] == '1';
	return 0;
}

void cg_thaw_op(const struct cg *c, struct thaw_op *op)
{
	memset(op, 0, sizeof(*op));
	op->kind = THAW_WRITE;
	op->fd = c->statefd;
	snprintf(op->buf, sizeof(op->buf), "%s", c->version == 2 ? "0" : "THAWED");
	op->len = strlen(op->buf);
}

static int write_state(const struct cg *c, const char *s)
{
	ssize_t n;

	do
		n = write(c->statefd, s, strlen(s));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* v2: does cgroup.events say "frozen 1"? */
static int v2_frozen(const struct cg *c)
{
	char buf[256];
	ssize_t n;

	if (lseek(c->eventsfd, 0, SEEK_SET) < 0)
		return -1;
	n = read(c->eventsfd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return strstr(buf, "frozen 1") != NULL;
}

/* ---- walking a cgroup and its descendants ---- */

typedef void (*cg_visit)(int dirfd, void *ctx);

static void walk(int dirfd, int depth, cg_visit fn, void *ctx)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fn(dirfd, ctx);
	if (depth >= 64)
		return;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = openat(dirfd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		walk(sub, depth + 1, fn, ctx);
		close(sub);
	}
	closedir(d);
}

/* Call fn for each number listed one a line in file of the directory. */
static void each_id(int dirfd, const char *file, void (*fn)(pid_t, void *),
		    void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (getline(&line, &cap, f) > 0)
		if (isdigit((unsigned char)line[0]))
			fn((pid_t)atoi(line), ctx);
	free(line);
	fclose(f);
}

static void count_one(pid_t id, void *ctx)
{
	(void)id;
	(*(unsigned int *)ctx)++;
}

static void count_dir(int dirfd, void *ctx)
{
	each_id(dirfd, "cgroup.procs", count_one, ctx);
}

unsigned int cg_count_procs(const struct cg *c)
{
	unsigned int n = 0;

	walk(c->dirfd, 0, count_dir, &n);
	return n;
}

/* ---- naming what did not freeze ---- */

#define NAMED 6

struct unfrozen {
	int version;
	unsigned int threads, nnot;
	pid_t tid[NAMED];
	char state[NAMED];
	char wchan[NAMED][48];
};

static void check_thread(pid_t tid, void *ctx)
{
	struct unfrozen *u = ctx;
	char path[64], buf[1024], wchan[48] = "";
	char st = 0, *p;
	bool frozen;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	if (fz_read_file(AT_FDCWD, path, buf, sizeof(buf)) > 0 &&
	    (p = strrchr(buf, ')')) && p[1] == ' ')
		st = p[2];
	if (!st)
		return;		/* gone */
	u->threads++;
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)tid);
	if (fz_read_file(AT_FDCWD, path, wchan, sizeof(wchan)) < 0 ||
	    strcmp(wchan, "0") == 0)
		wchan[0] = '\0';
	if (strchr("TtZXx", st))
		frozen = true;	/* stopped or dead: counts as frozen */
	else if (!*wchan)
		frozen = st != 'R';	/* can't tell better */
	else if (u->version == 1)
		frozen = strstr(wchan, "refrigerator") != NULL;
	else	/* v2 traps frozen tasks in the signal code */
		frozen = strcmp(wchan, "do_freezer_trap") == 0 ||
			 strcmp(wchan, "get_signal") == 0 ||
			 strcmp(wchan, "do_signal_stop") == 0 ||
			 strcmp(wchan, "ptrace_stop") == 0;
	if (frozen)
		return;
	if (u->nnot < NAMED) {
		u->tid[u->nnot] = tid;
		u->state[u->nnot] = st;
		snprintf(u->wchan[u->nnot], sizeof(u->wchan[0]), "%s", wchan);
	}
	u->nnot++;
}

static void check_dir(int dirfd, void *ctx)
{
	struct unfrozen *u = ctx;

	each_id(dirfd, u->version == 2 ? "cgroup.threads" : "tasks",
		check_thread, ctx);
}

static void not_frozen_message(const struct cg *c, unsigned int timeout_ms,
			       char *err, size_t errlen)
{
	struct unfrozen u;
	unsigned int named;

	memset(&u, 0, sizeof(u));
	u.version = c->version;
	walk(c->dirfd, 0, check_dir, &u);
	named = u.nnot < NAMED ? u.nnot : NAMED;
	snprintf(err, errlen, "%s cgroup %s did not freeze within %u ms",
		 hier_name(c->version), c->path, timeout_ms);
	if (u.nnot == 0) {
		fz_append(err, errlen, " (%u threads, none seen running)",
			  u.threads);
		return;
	}
	fz_append(err, errlen, ": %u of %u threads not frozen:", u.nnot, u.threads);
	for (unsigned int i = 0; i < named; i++) {
		char comm[64];

		fz_comm(u.tid[i], comm, sizeof(comm));
		fz_append(err, errlen, "%s %d (%s, state %c%s%s)", i ? "," : "",
			  (int)u.tid[i], comm, u.state[i],
			  *u.wchan[i] ? " in " : "", u.wchan[i]);
	}
	if (u.nnot > named)
		fz_append(err, errlen, " and %u more", u.nnot - named);
}

int cg_freeze(const struct cg *c, bool only_wait, uint64_t deadline,
	      unsigned int timeout_ms, char *err, size_t errlen)
{
	const char *freeze = c->version == 2 ? "1" : "FROZEN";
	unsigned int nap = 100;
	char buf[64];

	if (!only_wait && write_state(c, freeze) != 0) {
		snprintf(err, errlen, "cannot freeze %s cgroup %s: %s",
			 hier_name(c->version), c->path, strerror(errno));
		return -1;
	}
	for (;;) {
		unsigned int left;
		int frozen;

		if (c->version == 2) {
			frozen = v2_frozen(c);
		} else {
			frozen = fz_read_file(c->dirfd, "freezer.state", buf,
					      sizeof(buf)) < 0 ? -1 :
				 strncmp(buf, "FROZEN", 6) == 0;
		}
		if (frozen < 0) {
			snprintf(err, errlen, "cannot read the state of %s cgroup "
				 "%s: %s", hier_name(c->version), c->path,
				 strerror(errno));
			return -1;
		}
		if (frozen)
			return 0;
		left = fz_ms_left(deadline);
		if (left == 0) {
			not_frozen_message(c, timeout_ms, err, errlen);
			return -1;
		}
		if (c->version == 2) {
			struct pollfd pfd = { .fd = c->eventsfd, .events = POLLPRI };

			/* cgroup.events wakes POLLPRI on change; the cap
			 * only guards against a missed notification */
			poll(&pfd, 1, left < 50 ? (int)left : 50);
		} else {
			fz_sleep_us(nap);
			if (nap < 10000)
				nap *= 2;
			/* v1 can fail to converge: write FROZEN again, as
			 * CRIU does (never when the freeze is not ours) */
			if (!only_wait)
				write_state(c, freeze);
		}
	}
}

void cg_close(struct cg *c)
{
	if (c->eventsfd >= 0)
		close(c->eventsfd);
	if (c->statefd >= 0)
		close(c->statefd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->eventsfd = c->statefd = c->dirfd = -1;
}

/* ---- members of a cgroup (for -c) ---- */

struct idlist {
	pid_t *v;
	size_t n, alloc;
	bool oom;
};

static void add_id(pid_t id, void *ctx)
{
	struct idlist *l = ctx;

	if (l->oom || id == getpid())
		return;
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 64;
		pid_t *v = realloc(l->v, alloc * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->alloc = alloc;
	}
	l->v[l->n++] = id;
}

static void add_dir(int dirfd, void *ctx)
{
	each_id(dirfd, "cgroup.procs", add_id, ctx);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int freeze_cgroup_members(const char *cgroup, pid_t **pids, size_t *n,
			  char *err, size_t errlen)
{
	static const int order[] = { H_V2, H_V1, H_OTHER };
	char path[PATH_MAX], dir[PATH_MAX] = "";
	struct idlist l = { NULL, 0, 0, false };
	struct mounts m;
	int version = 0, r, fd;
	size_t k = 0;

	*pids = NULL;
	*n = 0;
	if (mounts_read(&m) != 0) {
		snprintf(err, errlen, "cannot read /proc/self/mountinfo: %s",
			 strerror(errno));
		return -1;
	}
	r = spec_as_dir(&m, cgroup, &version, path, sizeof(path), dir,
			sizeof(dir), err, errlen);
	if (r < 0 && version == 0) {
		/* a directory of a v1 hierarchy without freezer: fine here */
		struct stat st;

		r = realpath(cgroup, dir) && stat(dir, &st) == 0 ? 0 : 1;
	}
	if (r > 0) {
		dir[0] = '\0';
		if (cgroup[0] == '/')
			for (size_t i = 0; i < 3 && !*dir; i++)
				for (size_t j = 0; j < m.n && !*dir; j++) {
					const struct mnt *mt = &m.v[j];
					const char *rel;
					struct stat st;

					if (mt->kind != order[i] ||
					    !path_under(cgroup, mt->root))
						continue;
					rel = strcmp(mt->root, "/") == 0 ? cgroup :
					      cgroup + strlen(mt->root);
					if (strcmp(rel, "/") == 0)
						rel = "";
					if ((size_t)snprintf(dir, sizeof(dir), "%s%s",
							     mt->point, rel) >= sizeof(dir) ||
					    stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
						dir[0] = '\0';
				}
		if (!*dir) {
			snprintf(err, errlen, "no cgroup %s: neither a directory "
				 "under a cgroup mount nor a cgroup path", cgroup);
			mounts_free(&m);
			return -1;
		}
	}
	mounts_free(&m);
	err[0] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open cgroup %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	walk(fd, 0, add_dir, &l);
	close(fd);
	if (l.oom) {
		free(l.v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (l.n) {
		qsort(l.v, l.n, sizeof(*l.v), cmp_pid);
		for (size_t i = 0; i < l.n; i++)
			if (k == 0 || l.v[k - 1] != l.v[i])
				l.v[k++] = l.v[i];
	}
	*pids = l.v;
	*n = k;
	return 0;
}
