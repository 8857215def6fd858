/* The targets a run names. See proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dlfcn.h>
#include <libproc2/pids.h>
#include <dirent.h>

#include "proc/proc.h"
#include "cli/cli.h"

/* A systemd unit's cgroup, found in cgroupfs alone (systemd need not be
 * running): in the v2 hierarchy or a v1 name=systemd one. */
struct cgunit {
	char name[256];		/* the unit, suffix included: foo.service */
	char dir[PATH_MAX];	/* its cgroup directory */
	char path[PATH_MAX];	/* as /proc/PID/cgroup shows it */
	bool v2;		/* in the v2 hierarchy (else v1 name=systemd) */
};

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

	if (depth >= MAX_DEPTH || (s->best_depth >= 0 && depth >= s->best_depth) ||
	    !(d = cgfs_opendir(dirfd)))
		return;
	while ((de = cgfs_next_subdir(d))) {
		char sub[PATH_MAX];
		int subfd;

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

/* The unit in one mount (u filled; holds: it holds processes), or not. */
static bool in_mount(const struct cgfs_mount *mt, const char *name,
		    struct cgunit *u, bool *holds)
{
	struct search s = { name, -1, "" };
	int top = open(mt->point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (top < 0)
		return false;
	search(top, "", 0, &s);
	close(top);
	if (s.best_depth < 0)
		return false;
	snprintf(u->dir, sizeof(u->dir), "%s%s", mt->point, s.best);
	snprintf(u->path, sizeof(u->path), "%s%s",
		 strcmp(mt->root, "/") ? mt->root : "", s.best);
	u->v2 = mt->kind == CGFS_V2;
	*holds = cgfs_dir_holds_procs(u->dir);
	return true;
}

/* Find unit ("foo" means foo.service): the shallowest directory of that
 * name; in several hierarchies, the one holding processes, v2 first. 0;
 * or -1 with e (ENOENT, saying where it looked). */
static int cgunit_find(const char *unit, struct cgunit *u, struct err *e)
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
			/* v2 first, then v1 name=systemd */
			if (pass == 0 ? m.v[i].kind != CGFS_V2 : !m.v[i].systemd)
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

/* libproc2 is loaded at the first -N: other runs never pay for it and the
 * libraries it pulls in (libsystemd, libgcrypt, liblzma...). */
#define LIBPROC2_SONAME "libproc2.so.0"

static struct {
	void *handle;
	__typeof__(&procps_pids_new) pids_new;
	__typeof__(&procps_pids_get) pids_get;
	__typeof__(&procps_pids_unref) pids_unref;
	char why[512];		/* why it could not be loaded */
} proc2;

static bool proc2_load(void)
{
	static const char *const names[] = {
		"procps_pids_new", "procps_pids_get", "procps_pids_unref",
	};
	void **const fns[] = {
		(void **)&proc2.pids_new, (void **)&proc2.pids_get,
		(void **)&proc2.pids_unref,
	};
	const char *soname = LIBPROC2_SONAME;

	if (proc2.handle)
		return true;
	if (*proc2.why)
		return false;
#ifdef PMADV_TEST_HOOKS
	/* tests only: a soname that is not there, to see the error */
	if (getenv("PMADV_TEST_LIBPROC2"))
		soname = getenv("PMADV_TEST_LIBPROC2");
#endif
	char why[200];

	proc2.handle = lib_load(soname, names, fns, 3, why, sizeof(why));
	if (proc2.handle)
		return true;
	snprintf(proc2.why, sizeof(proc2.why), "-N needs libproc2 (%s): %s; "
		 "install it (Debian: apt-get install libproc2-0)", soname, why);
	return false;
}

/* A process found by name or cgroup; its start time tells a reused PID. */
struct found {
	pid_t pid;
	unsigned long long start;
};

/* The processes whose name (full: command line) matches re, by PID; never
 * pmadv, kernel threads or zombies. 0, or -1 with errno (ELIBACC: proc2.why). */
static int by_name_pids(const regex_t *re, bool full, struct found **v,
			size_t *n)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_CMD, PIDS_CMDLINE,
				   PIDS_FLAGS, PIDS_STATE, PIDS_TICS_BEGAN };
	enum { I_PID, I_CMD, I_CMDLINE, I_FLAGS, I_STATE, I_BEGAN };
	struct pids_info *info = NULL;
	struct pids_stack *s;
	pid_t self = getpid();
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (!proc2_load()) {
		errno = ELIBACC;
		return -1;
	}
	if (proc2.pids_new(&info, items, (int)(sizeof(items) / sizeof(items[0]))) < 0)
		return -1;
	while ((s = proc2.pids_get(info, PIDS_FETCH_TASKS_ONLY))) {
		pid_t pid = PIDS_VAL(I_PID, s_int, s, info);
		const char *text = PIDS_VAL(full ? I_CMDLINE : I_CMD, str, s, info);
		char st = PIDS_VAL(I_STATE, s_ch, s, info);
		struct found *w;

		if (pid == self || (PIDS_VAL(I_FLAGS, ul_int, s, info) & PF_KTHREAD) ||
		    st == 'Z' || st == 'X')
			continue;
		if (regexec(re, text ? text : "", 0, NULL, 0))
			continue;
		w = array_grow(*v, *n, &cap, sizeof(*w), 16);
		if (!w) {
			proc2.pids_unref(&info);
			free(*v);
			*v = NULL;
			return -1;
		}
		*v = w;
		(*v)[(*n)++] = (struct found){ pid, PIDS_VAL(I_BEGAN, ull_int, s, info) };
	}
	proc2.pids_unref(&info);
	return 0;
}

struct idlist {
	struct found *v;
	size_t n, alloc;
	bool oom;
};

static void add_id(pid_t id, void *ctx)
{
	struct idlist *l = ctx;
	struct found *v;

	if (l->oom || id == getpid())
		return;
	v = array_grow(l->v, l->n, &l->alloc, sizeof(*v), 64);
	if (!v) {
		l->oom = true;
		return;
	}
	l->v = v;
	l->v[l->n++] = (struct found){ id, 0 };
}

/* The processes of a cgroup and its descendants (what freezing it freezes),
 * not pmadv, in increasing order; a hierarchy's root refused. 0, or -1 with e. */
static int cgroup_pids(const char *cgroup, struct found **pids, size_t *n,
		       char *where, size_t wherelen, struct err *e)
{
	struct idlist l = { NULL, 0, 0, false };
	size_t k = 0;
	int fd;

	*pids = NULL;
	*n = 0;
	fd = cgfs_open(cgroup, where, wherelen, e);
	if (fd < 0)
		return -1;
	cgfs_each_id(fd, "cgroup.procs", add_id, &l);
	close(fd);
	if (l.oom) {
		free(l.v);
		return err_set(e, ENOMEM, "out of memory");
	}
	if (l.n) {
		qsort(l.v, l.n, sizeof(*l.v), by_int);
		for (size_t i = 0; i < l.n; i++)
			if (k == 0 || l.v[k - 1].pid != l.v[i].pid)
				l.v[k++] = l.v[i];
	}
	*pids = l.v;
	*n = k;
	return 0;
}

static struct target_ref *push(struct target_list *l, enum ref_kind kind, int value)
{
	struct target_ref *v = array_grow(l->v, l->n, &l->cap, sizeof(*v), 16);

	if (!v)
		return NULL;
	l->v = v;
	l->v[l->n] = (struct target_ref){ .kind = kind, .value = value };
	return &l->v[l->n++];
}

/* A name or cgroup that gave no process: a target of its own that fails. */
static int lost(struct target_list *l, const char *fmt, ...)
{
	struct target_ref *r = push(l, REF_LOST, 0);
	va_list ap;
	int n;

	if (!r)
		return -1;
	va_start(ap, fmt);
	n = vasprintf(&r->lost, fmt, ap);
	va_end(ap);
	if (n < 0) {
		l->n--;
		return -1;
	}
	return 0;
}

static int add_found(struct target_list *l, const struct found *v, size_t n,
		     const regex_t *must_match, bool cmdline, const char *cgroup)
{
	for (size_t i = 0; i < n; i++) {
		struct target_ref *r = push(l, REF_PID, v[i].pid);

		if (!r)
			return -1;
		r->discovered = true;
		r->start_time = v[i].start;
		r->must_match = must_match;
		r->match_cmdline = cmdline;
		r->cgroup = cgroup;
	}
	return 0;
}

static int by_name(const struct options *o, struct target_list *l)
{
	for (size_t k = 0; k < o->by_name.nregexes; k++) {
		const struct regex_sel *rs = &o->by_name.regexes[k];
		struct found *v;
		size_t n;
		int rc;

		if (by_name_pids(&rs->re, o->full, &v, &n)) {
			if (errno == ELIBACC ? lost(l, "%s", proc2.why) :
			    lost(l, "cannot list processes: %s", strerror(errno)))
				return -1;
			continue;
		}
		rc = !n ? lost(l, "no process matches -N '%s'%s", rs->src,
			       o->full ? " --full" : "") :
			  add_found(l, v, n, &rs->re, o->full, NULL);
		free(v);
		if (rc)
			return -1;
	}
	return 0;
}

/* The members with their start times: only PIDs listed both before and
 * after the reads are kept (one reused in between would name another). */
static int members(const char *cgroup, struct found **v, size_t *n,
		   char *where, size_t wherelen, struct err *e)
{
	struct found *again;
	size_t nagain, k = 0, j = 0;

	if (cgroup_pids(cgroup, v, n, where, wherelen, e))
		return -1;
	for (size_t i = 0; i < *n; i++) {
		struct procstat ps;

		if (!procstat_of((*v)[i].pid, &ps))
			(*v)[i].start = ps.start_time;
	}
	if (cgroup_pids(cgroup, &again, &nagain, NULL, 0, e)) {
		free(*v);
		return -1;
	}
	for (size_t i = 0; i < *n; i++) {
		while (j < nagain && again[j].pid < (*v)[i].pid)
			j++;
		if (j < nagain && again[j].pid == (*v)[i].pid && (*v)[i].start)
			(*v)[k++] = (*v)[i];
	}
	*n = k;
	free(again);
	return 0;
}

/* The processes of a cgroup as targets; named in messages as named. */
static int by_one_cgroup(struct target_list *l, const char *spec,
			 const char *named, const char *freeze_as)
{
	char where[PATH_MAX + 32] = "";
	struct found *v;
	struct err e;
	size_t n;
	int rc;

	if (members(spec, &v, &n, where, sizeof(where), &e))
		return lost(l, "%s", e.msg);
	/* the hierarchy and directory used: a path can be in several */
	rc = !n ? lost(l, "%s (%s) has no process to advise", named, where) :
		  add_found(l, v, n, NULL, false, freeze_as);
	free(v);
	return rc;
}

static int by_cgroup(const struct options *o, struct target_list *l)
{
	for (size_t k = 0; k < o->ncgroups; k++) {
		char named[PATH_MAX + 16];

		snprintf(named, sizeof(named), "cgroup %s", o->cgroups[k]);
		if (by_one_cgroup(l, o->cgroups[k], named, o->cgroups[k]))
			return -1;
	}
	return 0;
}

/* Kept for the run: -f cgroup freezes what a target's ref->cgroup says. */
static const char *keep_cgroup(struct target_list *l, const char *s)
{
	char **v = array_grow(l->cgroups, l->ncgroups, &l->cgroups_cap,
			      sizeof(*v), 4);

	if (!v)
		return NULL;
	l->cgroups = v;
	return (l->cgroups[l->ncgroups] = strdup(s)) ? l->cgroups[l->ncgroups++] : NULL;
}

/* -u: a v2 unit by its directory; a v1 name=systemd one by its path, which
 * -f cgroup finds in the freezer hierarchy (systemd mirrors its units). */
static int by_unit(const struct options *o, struct target_list *l)
{
	for (size_t k = 0; k < o->nunits; k++) {
		char named[sizeof(((struct cgunit *)0)->name) + 8];
		const char *freeze_as;
		struct cgunit u;
		struct err e;

		if (cgunit_find(o->units[k], &u, &e)) {
			if (lost(l, "%s", e.msg))
				return -1;
			continue;
		}
		snprintf(named, sizeof(named), "unit %s", u.name);
		freeze_as = keep_cgroup(l, u.v2 ? u.dir : u.path);
		if (!freeze_as || by_one_cgroup(l, u.dir, named, freeze_as))
			return -1;
	}
	return 0;
}

int discover_targets(const struct options *o, struct target_list *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < o->ntargets; i++)
		if (!push(l, o->targets[i].is_pidfd ? REF_PIDFD : REF_PID,
			  o->targets[i].value))
			return -1;
	int rc = by_name(o, l);

	/* done looking up: the library and what the loader kept for it go (a
	 * leak checker would otherwise find the loader's lists at exit);
	 * never loaded: its page left untouched */
	if (proc2.handle) {
		dlclose(proc2.handle);
		memset(&proc2, 0, sizeof(proc2));
	}
	return rc || by_cgroup(o, l) || by_unit(o, l) ? -1 : 0;
}

void target_list_free(struct target_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].lost);
	for (size_t i = 0; i < l->ncgroups; i++)
		free(l->cgroups[i]);
	free(l->cgroups);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
