/* Which freezes hold a task: every task sharing the target's mm must be
 * stopped or in the frozen cgroup before its maps are read; and a task the
 * cgroup freezer holds cannot take a stop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "proc/proc.h"
#include "freeze/freeze.h"

/* ---- inside the window: is everything held? ---- */

struct check {
	const struct cg *cg;
	struct mm_task bad;	/* the first task not held */
};

static int not_held(const struct mm_task *t, void *ctx)
{
	struct check *c = ctx;

	/* T is a group stop, whoever sent it: job control keeps the task
	 * off the CPU until a SIGCONT (the same trust pmadv gives a target
	 * someone else stopped) */
	if (t->state == 'T')
		return 0;
	errno = 0;
	if (c->cg && (cg_check_member(c->cg, t->tid, NULL) == 0 ||
		      errno == ENOENT))
		return 0;	/* in the frozen cgroup, or gone meanwhile */
	c->bad = *t;
	return 1;
}

/* Where the task is: its v2 and v1 freezer cgroups. */
static void append_where(pid_t tid, struct err *e)
{
	struct cgfs_membership mb;

	if (cgfs_membership_read(tid, &mb) != 0)
		return;
	if (*mb.v2)
		err_append(e, ", in v2 cgroup %s", mb.v2);
	if (*mb.v1)
		err_append(e, "%s v1 freezer cgroup %s", *mb.v2 ? " and" : ", in",
			   mb.v1);
}

/* Why the freeze does not hold it, and what would. */
static void append_why(const struct mm_task *t, const struct cg *cg,
		       bool theirs, struct err *e)
{
	if (cg)
		err_append(e, "; the freeze holds %s cgroup %s only",
			   cg->version == 2 ? "v2" : "v1 freezer", cg->path);
	else if (theirs)
		err_append(e, "; the stop another program sent has not taken "
			   "hold of it (pmadv leaves that stop alone)");
	else if (!t->thread)
		err_append(e, "; a stop holds only the process it is sent to "
			   "(stop that one too, or put both in one cgroup and "
			   "use --freeze=cgroup)");
}

static int not_held_error(pid_t pid, const struct mm_task *t,
			  const struct cg *cg, bool theirs, struct err *e)
{
	char comm[64];

	proc_comm(t->tid, comm, sizeof(comm));
	if (t->thread && t->tid == pid)
		err_set(e, EBUSY, "process %d (%s)", (int)pid, comm);
	else if (t->thread)
		err_set(e, EBUSY, "thread %d (%s) of process %d", (int)t->tid,
			comm, (int)pid);
	else if (t->tid == t->tgid)
		err_set(e, EBUSY, "process %d (%s), which shares the address "
			"space of process %d (CLONE_VM, not a thread),",
			(int)t->tid, comm, (int)pid);
	else
		err_set(e, EBUSY, "thread %d (%s) of process %d, which shares "
			"the address space of process %d (CLONE_VM, not a "
			"thread),", (int)t->tid, comm, (int)t->tgid, (int)pid);
	err_append(e, " is not held by the freeze: state %c", t->state);
	append_where(t->tid, e);
	append_why(t, cg, theirs, e);
	return -1;
}

int cover_check(pid_t pid, const struct cg *cg, bool theirs, struct err *e)
{
	struct check c = { .cg = cg };
	bool complete;
	int rc;

	/* Once every task of the mm is held, none can create another: the
	 * one scan, done inside the freeze, sees them all. Without kcmp
	 * (complete false) only the threads can be checked. */
	rc = mmshare_each(pid, not_held, &c, &complete, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return not_held_error(pid, &c.bad, cg, theirs, e);
	return 0;
}

/* ---- before a stop: is a thread frozen by a cgroup? ---- */

static bool read_is(const char *dir, const char *file, const char *what)
{
	char path[PATH_MAX + 32], buf[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return proc_read_small(AT_FDCWD, path, buf, sizeof(buf)) > 0 &&
	       strstr(buf, what) != NULL;
}

/* v2: frozen, or on its way: cgroup.freeze 1 on the cgroup or on any
 * ancestor visible under the mounts (cgroup.events says "frozen 1" only
 * once the freeze is complete, ancestors' included). */
static bool v2_freezing(const struct cgfs_mounts *m, const char *path)
{
	char p[PATH_MAX], dir[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	if (cgfs_map_dir(m, 2, p, dir, sizeof(dir)) == 0 &&
	    read_is(dir, "cgroup.events", "frozen 1"))
		return true;
	while (strcmp(p, "/") != 0 && *p) {
		char *slash = strrchr(p, '/');

		if (cgfs_map_dir(m, 2, p, dir, sizeof(dir)) == 0 &&
		    read_is(dir, "cgroup.freeze", "1"))
			return true;
		slash[slash == p] = '\0';	/* "/a" -> "/" */
	}
	return false;
}

/* v1: freezer.state shows an ancestor's freeze too. */
static bool v1_freezing(const struct cgfs_mounts *m, const char *path)
{
	char dir[PATH_MAX];

	return cgfs_map_dir(m, 1, path, dir, sizeof(dir)) == 0 &&
	       (read_is(dir, "freezer.state", "FROZEN") ||
		read_is(dir, "freezer.state", "FREEZING"));
}

struct frozen_scan {
	const struct cgfs_mounts *m;
	pid_t tid;
	char *where;
	size_t len;
};

static int cgroup_frozen(const struct mm_task *t, void *ctx)
{
	struct frozen_scan *s = ctx;
	struct cgfs_membership mb;

	if (cgfs_membership_read(t->tid, &mb) != 0)
		return 0;
	if (*mb.v2 && v2_freezing(s->m, mb.v2))
		snprintf(s->where, s->len, "v2 cgroup %s", mb.v2);
	else if (*mb.v1 && strcmp(mb.v1, "/") != 0 && v1_freezing(s->m, mb.v1))
		snprintf(s->where, s->len, "v1 freezer cgroup %s", mb.v1);
	else
		return 0;
	s->tid = t->tid;
	return 2;
}

int cover_cgroup_frozen(pid_t pid, pid_t *tid, char *where, size_t len)
{
	struct cgfs_mounts m;
	struct frozen_scan s = { &m, 0, where, len };
	int rc;

	*tid = 0;
	if (cgfs_mounts_read(&m) != 0)
		return 0;
	rc = mmshare_threads(pid, cgroup_frozen, &s);
	cgfs_mounts_free(&m);
	*tid = s.tid;
	return rc == 2;
}
