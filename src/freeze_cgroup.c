/* Freezing through the cgroup freezer: find the cgroup (through cgroupfs:
 * mounts, membership), refuse what must not be frozen, freeze and wait, say
 * what did not freeze. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "freeze.h"
#include "freeze_cgroup.h"

static const char *hier_name(int version)
{
	return version == 2 ? "v2" : "v1 freezer";
}

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
	struct cgfs_membership target, self;
	struct cgfs_mounts m;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->dirfd = c->statefd = c->eventsfd = -1;
	if (cgfs_membership_read(pid, &target) != 0) {
		snprintf(err, errlen, "cannot read /proc/%d/cgroup: %s", (int)pid,
			 errno == ENOENT ? "no such process" : strerror(errno));
		return -1;
	}
	if (cgfs_membership_read(0, &self) != 0 || cgfs_mounts_read(&m) != 0) {
		snprintf(err, errlen, "cannot read the cgroups of pmadv: %s",
			 strerror(errno));
		return -1;
	}

	if (!spec) {
		const char *why[3] = { NULL, NULL, NULL };

		for (int v = 2; v >= 1; v--) {
			why[v] = unusable(&m, v, &target, &self,
					  cgfs_member_path(&target, v));
			if (!why[v] && cgfs_map_dir(&m, v, cgfs_member_path(&target, v),
						    c->dir, sizeof(c->dir)) != 0)
				why[v] = "its directory was not found under the mounts";
			if (!why[v]) {
				c->version = v;
				snprintf(c->path, sizeof(c->path), "%s",
					 cgfs_member_path(&target, v));
				break;
			}
		}
		if (!c->version) {
			snprintf(err, errlen, "no cgroup to freeze process %d in: "
				 "v2: %s", (int)pid, why[2]);
			if (*target.v2 && cgfs_have_mount(&m, 2))
				fz_append(err, errlen, " (%s)", target.v2);
			fz_append(err, errlen, "; v1 freezer: %s", why[1]);
			if (*target.v1 && cgfs_have_mount(&m, 1))
				fz_append(err, errlen, " (%s)", target.v1);
			fz_append(err, errlen, "; use --freeze=stop, or move it "
				  "into a cgroup of its own");
			goto out;
		}
	} else {
		int v = 0, r;

		r = cgfs_spec_as_dir(&m, spec, &v, c->path, sizeof(c->path),
				     c->dir, sizeof(c->dir), err, errlen);
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
				if (*cgfs_member_path(&target, h) &&
				    cgfs_path_under(cgfs_member_path(&target, h),
						    spec) &&
				    cgfs_map_dir(&m, h, spec, c->dir,
						 sizeof(c->dir)) == 0)
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
		if (!*cgfs_member_path(&target, v) ||
		    !cgfs_path_under(cgfs_member_path(&target, v), c->path)) {
			snprintf(err, errlen, "%s cgroup %s does not contain "
				 "process %d (it is in %s)", hier_name(v), c->path,
				 (int)pid, *cgfs_member_path(&target, v) ?
				 cgfs_member_path(&target, v) : "none");
			goto out;
		}
		if (*cgfs_member_path(&self, v) &&
		    cgfs_path_under(cgfs_member_path(&self, v), c->path)) {
			snprintf(err, errlen, "refusing to freeze %s cgroup %s: it "
				 "contains pmadv itself (process %d, in %s)",
				 hier_name(v), c->path, (int)getpid(),
				 cgfs_member_path(&self, v));
			goto out;
		}
	}
	rc = cg_open(c, err, errlen);
out:
	cgfs_mounts_free(&m);
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

static void count_one(pid_t id, void *ctx)
{
	(void)id;
	(*(unsigned int *)ctx)++;
}

static void count_dir(int dirfd, void *ctx)
{
	cgfs_each_id(dirfd, "cgroup.procs", count_one, ctx);
}

unsigned int cg_count_procs(const struct cg *c)
{
	unsigned int n = 0;

	cgfs_walk(c->dirfd, count_dir, &n);
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

	cgfs_each_id(dirfd, u->version == 2 ? "cgroup.threads" : "tasks",
		check_thread, ctx);
}

static void not_frozen_message(const struct cg *c, unsigned int timeout_ms,
			       char *err, size_t errlen)
{
	struct unfrozen u;
	unsigned int named;

	memset(&u, 0, sizeof(u));
	u.version = c->version;
	cgfs_walk(c->dirfd, check_dir, &u);
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

/* freeze.h's entry point for -c: listing a cgroup is cgroupfs's job. */
int freeze_cgroup_members(const char *cgroup, pid_t **pids, size_t *n,
			  char *err, size_t errlen)
{
	return cgfs_members(cgroup, pids, n, err, errlen);
}
