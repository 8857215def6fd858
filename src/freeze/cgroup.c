/* Freezing through the cgroup freezer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/proc.h"
#include "lib/lib.h"
#include "freeze/freeze.h"

/* Messages name the hierarchy, the cgroup and its directory (hence the
 * mount): a path can exist in several hierarchies. */
static const char *hier_name(int version)
{
	return version == 2 ? "v2" : "v1 freezer";
}

/* ---- which cgroup ---- */

/* Why this hierarchy cannot be frozen for the target, or NULL. */
static const char *unusable(const struct cgfs_mounts *m, int version,
			    const struct cgfs_membership *target,
			    const struct cgfs_membership *self, const char *path)
{
	if (!cgfs_have_mount(m, version))
		return "not mounted";
	if (!*cgfs_member_path(target, version))
		return "the process is in no cgroup of it";
	if (strcmp(path, "/") == 0)
		return "the process is in the root cgroup";
	if (*cgfs_member_path(self, version) &&
	    cgfs_path_under(cgfs_member_path(self, version), path))
		return "that cgroup contains pmadv itself";
	return NULL;
}

/* The target's own cgroup: v2, else the v1 freezer; the v1 freezer first
 * when it holds the target frozen already: that freeze is the one to
 * honour (never ours to thaw), and its frozen threads could never take a
 * v2 freeze. */
static int resolve_own(const struct cgfs_mounts *m,
		       const struct cgfs_membership *target,
		       const struct cgfs_membership *self, pid_t pid,
		       struct cg *c, struct err *e)
{
	const char *why[3] = { NULL, NULL, NULL };
	const char *p1 = cgfs_member_path(target, 1);
	bool v1 = !unusable(m, 1, target, self, p1) && cover_v1_freezing(m, p1);
	int order[2] = { v1 ? 1 : 2, v1 ? 2 : 1 };

	for (int i = 0; i < 2; i++) {
		int v = order[i];
		const char *path = cgfs_member_path(target, v);

		why[v] = unusable(m, v, target, self, path);
		if (!why[v] && cgfs_map_dir(m, v, path, c->dir, sizeof(c->dir)) != 0)
			why[v] = "its directory was not found under the mounts";
		if (!why[v]) {
			c->version = v;
			snprintf(c->path, sizeof(c->path), "%s", path);
			return 0;
		}
	}
	err_set(e, ENOENT, "no cgroup to freeze process %d in: v2: %s",
		(int)pid, why[2]);
	if (*target->v2 && cgfs_have_mount(m, 2))
		err_append(e, " (%s)", target->v2);
	err_append(e, "; v1 freezer: %s", why[1]);
	if (*target->v1 && cgfs_have_mount(m, 1))
		err_append(e, " (%s)", target->v1);
	err_append(e, "; use --freeze=stop, or move it into a cgroup of its own");
	return -1;
}

/* spec as /proc/PID/cgroup shows it, where it holds the target (v2 first). */
static int spec_as_path(const struct cgfs_mounts *m,
			const struct cgfs_membership *target, const char *spec,
			pid_t pid, struct cg *c, struct err *e)
{
	if (spec[0] != '/')
		return err_set(e, ENOENT, "%s: neither a directory under a "
			       "cgroup mount nor a cgroup path", spec);
	for (int h = 2; h >= 1 && !c->version; h--)
		if (*cgfs_member_path(target, h) &&
		    cgfs_path_under(cgfs_member_path(target, h), spec) &&
		    cgfs_map_dir(m, h, spec, c->dir, sizeof(c->dir)) == 0)
			c->version = h;
	if (!c->version)
		return err_set(e, ENOENT, "no cgroup %s contains process %d (it "
			       "is in v2 %s, v1 freezer %s)", spec, (int)pid,
			       *target->v2 ? target->v2 : "-",
			       *target->v1 ? target->v1 : "-");
	snprintf(c->path, sizeof(c->path), "%s", spec);
	for (size_t n = strlen(c->path); n > 1 && c->path[n - 1] == '/'; n--)
		c->path[n - 1] = '\0';
	return 0;
}

static int not_member_error(const struct cg *c, pid_t pid,
			    const struct cgfs_membership *mb, struct err *e)
{
	const char *in = cgfs_member_path(mb, c->version);

	return err_set(e, ESRCH, "%s cgroup %s (%s) does not contain process %d (it "
		       "is in %s)", hier_name(c->version), c->path, c->dir, (int)pid,
		       *in ? in : "none");
}

static bool member_of(const struct cg *c, const struct cgfs_membership *mb)
{
	const char *in = cgfs_member_path(mb, c->version);

	return *in && cgfs_path_under(in, c->path);
}

/* spec's cgroup: holding the target, never the root or one holding pmadv. */
static int resolve_spec(const struct cgfs_mounts *m,
			const struct cgfs_membership *target,
			const struct cgfs_membership *self, const char *spec,
			pid_t pid, struct cg *c, struct err *e)
{
	enum lookup r;
	int v = 0;

	r = cgfs_spec_as_dir(m, spec, &v, c->path, sizeof(c->path), c->dir,
			     sizeof(c->dir), e);
	if (r == LOOKUP_FAILED)
		return -1;
	c->version = v;
	if (r == LOOKUP_NONE && spec_as_path(m, target, spec, pid, c, e) != 0)
		return -1;
	if (strcmp(c->path, "/") == 0)
		return err_set(e, EPERM, "refusing to freeze the root cgroup of "
			       "the cgroup %s hierarchy: it holds every process, "
			       "pmadv included", hier_name(c->version));
	if (!member_of(c, target))
		return not_member_error(c, pid, target, e);
	if (member_of(c, self))
		return err_set(e, EPERM, "refusing to freeze %s cgroup %s (%s): it "
			       "contains pmadv itself (process %d, in %s)",
			       hier_name(c->version), c->path, c->dir, (int)getpid(),
			       cgfs_member_path(self, c->version));
	return 0;
}

static int cg_open(struct cg *c, struct err *e)
{
	const char *state = c->version == 2 ? "cgroup.freeze" : "freezer.state";
	struct stat st;

	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0 || fstat(c->dirfd, &st) != 0)
		return err_set(e, errno, "cannot open cgroup %s: %s", c->dir,
			       strerror(errno));
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->statefd = openat(c->dirfd, state, O_WRONLY | O_CLOEXEC);
	if (c->statefd < 0)
		return err_set(e, errno, "cannot freeze %s cgroup %s (%s): %s: %s",
			       hier_name(c->version), c->path, c->dir, state,
			       errno == ENOENT ? "no such file (the root cgroup, "
			       "or no freezer in this kernel)" : strerror(errno));
	if (c->version == 2) {
		c->eventsfd = openat(c->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		if (c->eventsfd < 0)
			return err_set(e, errno, "cannot open %s/cgroup.events: %s",
				       c->dir, strerror(errno));
	}
	return 0;
}

int cg_resolve(const char *spec, pid_t pid, struct cg *c, struct err *e)
{
	struct cgfs_membership target, self;
	struct cgfs_mounts m;
	int rc;

	*c = (struct cg){ .dirfd = -1, .statefd = -1, .eventsfd = -1 };
	if (cgfs_membership_read(pid, &target) != 0)
		return err_set(e, errno, "cannot read /proc/%d/cgroup: %s",
			       (int)pid, errno == ENOENT ? "no such process" :
			       strerror(errno));
	if (cgfs_membership_read(0, &self) != 0 || cgfs_mounts_read(&m) != 0)
		return err_set(e, errno, "cannot read the cgroups of pmadv: %s",
			       strerror(errno));
	rc = spec ? resolve_spec(&m, &target, &self, spec, pid, c, e) :
		    resolve_own(&m, &target, &self, pid, c, e);
	if (rc == 0)
		rc = cg_open(c, e);
	cgfs_mounts_free(&m);
	if (rc != 0)
		cg_close(c);
	return rc;
}

int cg_check_member(const struct cg *c, pid_t pid, struct err *e)
{
	struct cgfs_membership mb;

	if (cgfs_membership_read(pid, &mb) != 0)
		return err_set(e, errno, "cannot read /proc/%d/cgroup: %s",
			       (int)pid, errno == ENOENT ? "no such process" :
			       strerror(errno));
	return member_of(c, &mb) ? 0 : not_member_error(c, pid, &mb, e);
}

/* ---- its state ---- */

int cg_already(const struct cg *c, bool *already, struct err *e)
{
	char buf[64];
	const char *file = c->version == 2 ? "cgroup.freeze" : "freezer.self_freezing";

	*already = false;
	if (proc_read_small(c->dirfd, file, buf, sizeof(buf)) < 0)
		return err_set(e, errno, "cannot read %s/%s: %s", c->dir, file,
			       strerror(errno));
	*already = buf[0] == '1';
	return 0;
}

/* A write to the state file, for the signal thread and the guardian. */
void cg_state_op(const struct cg *c, bool freeze, struct thaw_op *op)
{
	const char *v2 = freeze ? "1" : "0", *v1 = freeze ? "FROZEN" : "THAWED";

	*op = (struct thaw_op){ .kind = THAW_WRITE, .fd = c->statefd };
	snprintf(op->buf, sizeof(op->buf), "%s", c->version == 2 ? v2 : v1);
	op->len = strlen(op->buf);
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

static bool looks_frozen(int version, char st, const char *wchan)
{
	if (strchr("TtZXx", st))
		return true;	/* stopped or dead: counts as frozen */
	if (!*wchan)
		return st != 'R';	/* can't tell better */
	if (version == 1)
		return strstr(wchan, "refrigerator") != NULL;
	/* v2 traps frozen tasks in the signal code */
	return strcmp(wchan, "do_freezer_trap") == 0 ||
	       strcmp(wchan, "get_signal") == 0 ||
	       strcmp(wchan, "do_signal_stop") == 0 ||
	       strcmp(wchan, "ptrace_stop") == 0;
}

static void check_thread(pid_t tid, void *ctx)
{
	struct unfrozen *u = ctx;
	char path[64], wchan[48] = "";
	struct procstat ps;

	if (procstat_of(tid, &ps) != 0)
		return;		/* gone */
	u->threads++;
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)tid);
	if (proc_read_small(AT_FDCWD, path, wchan, sizeof(wchan)) < 0 ||
	    strcmp(wchan, "0") == 0)
		wchan[0] = '\0';
	if (looks_frozen(u->version, ps.state, wchan))
		return;
	if (u->nnot < NAMED) {
		u->tid[u->nnot] = tid;
		u->state[u->nnot] = ps.state;
		snprintf(u->wchan[u->nnot], sizeof(u->wchan[0]), "%s", wchan);
	}
	u->nnot++;
}

static int not_frozen_error(const struct cg *c, const struct freeze_wait *w,
			    struct err *e)
{
	struct unfrozen u = { .version = c->version };
	unsigned int named;

	cgfs_each_id(c->dirfd, u.version == 2 ? "cgroup.threads" : "tasks",
		     check_thread, &u);
	named = u.nnot < NAMED ? u.nnot : NAMED;
	err_set(e, ETIMEDOUT, "%s cgroup %s (%s) did not freeze within %u ms%s",
		hier_name(c->version), c->path, c->dir, w->limit_ms,
		freeze_wait_why(w));
	if (u.nnot == 0) {
		err_append(e, " (%u threads, none seen running)", u.threads);
		return -1;
	}
	err_append(e, ": %u of %u threads not frozen:", u.nnot, u.threads);
	for (unsigned int i = 0; i < named; i++) {
		char comm[64];

		proc_comm(u.tid[i], comm, sizeof(comm));
		err_append(e, "%s %d (%s, state %c%s%s)", i ? "," : "",
			   (int)u.tid[i], comm, u.state[i],
			   *u.wchan[i] ? " in " : "", u.wchan[i]);
	}
	if (u.nnot > named)
		err_append(e, " and %u more", u.nnot - named);
	return -1;
}

/* ---- freezing ---- */

struct cg_wait {
	const struct cg *c;
	struct err *e;
};

/* Frozen now? WAIT_TEST_FAILED with errno when it cannot be read. v2:
 * cgroup.events says "frozen 1"; waits read it again after each short
 * nap, not only on POLLPRI: the kernel announces a change of the file at
 * most once per 10 ms, so a wake-up can come 4-18 ms after the cgroup
 * froze. v1: freezer.state FROZEN; it can fail to converge, so w->again
 * writes FROZEN each round for our own freeze, as CRIU does. */
static enum wait_test frozen_now(const struct cg *c)
{
	char buf[256];
	ssize_t n;

	if (c->version == 1) {
		if (proc_read_small(c->dirfd, "freezer.state", buf, sizeof(buf)) < 0)
			return WAIT_TEST_FAILED;
		return strncmp(buf, "FROZEN", 6) == 0 ? WAIT_MET : WAIT_NOT_YET;
	}
	if (lseek(c->eventsfd, 0, SEEK_SET) < 0 ||
	    (n = read(c->eventsfd, buf, sizeof(buf) - 1)) < 0)
		return WAIT_TEST_FAILED;
	buf[n] = '\0';
	return strstr(buf, "frozen 1") ? WAIT_MET : WAIT_NOT_YET;
}

static enum wait_test frozen_test(void *ctx)
{
	struct cg_wait *w = ctx;
	enum wait_test r = frozen_now(w->c);

	if (r == WAIT_TEST_FAILED)
		err_set(w->e, errno, "cannot read the state of %s cgroup %s (%s): %s",
			hier_name(w->c->version), w->c->path, w->c->dir, strerror(errno));
	return r;
}

int cg_wait_frozen(const struct cg *c, const struct freeze_wait *fw,
		   struct err *e)
{
	struct cg_wait w = { c, e };
	struct freeze_wait v = *fw;

	v.pollfd = c->version == 2 ? c->eventsfd : -1;
	switch (freeze_wait_run(&v, frozen_test, &w)) {
	case WAIT_DONE:
		return 0;
	case WAIT_DEADLINE:
		return not_frozen_error(c, fw, e);
	case WAIT_OVER:
		return err_set(e, ETIME, "%s cgroup %s (%s): the guardian ended "
			       "the window before the freeze took hold: pmadv "
			       "was held up (stopped, traced, frozen or starved) "
			       "past the window's bound", hier_name(c->version),
			       c->path, c->dir);
	case WAIT_INTERRUPTED: {
		char what[PATH_MAX + 64];

		snprintf(what, sizeof(what), "%s cgroup %s to freeze",
			 hier_name(c->version), c->path);
		return wait_interrupted_error(e, what);
	}
	case WAIT_FAILED:
		break;		/* the test's error is in e */
	}
	return -1;
}

bool cg_still_frozen(const struct cg *c)
{
	char buf[32];

	/* v2: the write is what another writer changes first: cgroup.events
	 * follows once every task has left the freezer trap */
	if (c->version == 2 &&
	    proc_read_small(c->dirfd, "cgroup.freeze", buf, sizeof(buf)) >= 0 &&
	    buf[0] == '0')
		return false;
	return frozen_now(c) != WAIT_NOT_YET;	/* unreadable: frozen */
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
