/* Process discovery: by name through libproc2, as pgrep does; by cgroup
 * through cgroupfs. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <libproc2/pids.h>

#include "cgroupfs.h"
#include "discover.h"
#include "procstat.h"

int discover_by_name(const regex_t *re, bool full, pid_t **pids, size_t *n)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_CMD, PIDS_CMDLINE,
				   PIDS_FLAGS, PIDS_STATE };
	enum { I_PID, I_CMD, I_CMDLINE, I_FLAGS, I_STATE };
	struct pids_info *info = NULL;
	struct pids_stack *s;
	pid_t self = getpid();
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (procps_pids_new(&info, items, (int)(sizeof(items) / sizeof(items[0]))) < 0)
		return -1;
	while ((s = procps_pids_get(info, PIDS_FETCH_TASKS_ONLY))) {
		pid_t pid = PIDS_VAL(I_PID, s_int, s, info);
		const char *text = PIDS_VAL(full ? I_CMDLINE : I_CMD, str, s, info);
		char st = PIDS_VAL(I_STATE, s_ch, s, info);

		if (pid == self || (PIDS_VAL(I_FLAGS, ul_int, s, info) & PF_KTHREAD) ||
		    st == 'Z' || st == 'X')
			continue;
		if (regexec(re, text ? text : "", 0, NULL, 0))
			continue;
		if (*n == cap) {
			pid_t *v;
			cap = cap ? cap * 2 : 16;
			v = realloc(*pids, cap * sizeof(*v));
			if (!v) {
				procps_pids_unref(&info);
				free(*pids);
				*pids = NULL;
				return -1;
			}
			*pids = v;
		}
		(*pids)[(*n)++] = pid;
	}
	procps_pids_unref(&info);
	return 0;
}

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
	cgfs_each_id(dirfd, "cgroup.procs", add_id, ctx);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int discover_cgroup(const char *cgroup, pid_t **pids, size_t *n, struct err *e)
{
	struct idlist l = { NULL, 0, 0, false };
	size_t k = 0;
	int fd;

	*pids = NULL;
	*n = 0;
	fd = cgfs_open(cgroup, e);
	if (fd < 0)
		return -1;
	cgfs_walk(fd, add_dir, &l);
	close(fd);
	if (l.oom) {
		free(l.v);
		return err_set(e, ENOMEM, "out of memory");
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
