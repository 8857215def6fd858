/* The target process: pidfd, liveness, libproc2 facts, /proc reads. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libproc2/pids.h>

#include "lib/lib.h"
#include "proc/proc.h"

static void init(struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
}

int target_open_pid(pid_t pid, struct target *t, struct err *e)
{
	init(t);
	t->pid = pid;
	t->pidfd = sys_pidfd_open(pid, 0);
	if (t->pidfd >= 0)
		return 0;
	switch (errno) {
	case ESRCH:
		err_set(e, ESRCH, "no such process: %d", (int)pid);
		break;
	case ENOENT:
		err_set(e, ENOENT, "%d is a thread, not a process: name its "
			 "thread group (Tgid in /proc/%d/status)", (int)pid, (int)pid);
		break;
	case ENOSYS:
		err_set(e, ENOSYS, "this kernel has no pidfd_open (Linux 5.3 "
			 "or later needed)");
		break;
	default:
		err_set(e, errno, "cannot open process %d: %s", (int)pid,
			 strerror(errno));
	}
	return -1;
}

/* Tgid of a task: itself for a process, its process for a thread; 0 when
 * it cannot be read. */
static pid_t thread_group_of(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int target_open_pidfd(int fd, struct target *t, struct err *e)
{
	char path[64], line[256];
	FILE *f;
	long pid = LONG_MIN;

	init(t);
	t->inherited = true;
	if (fcntl(fd, F_GETFD) < 0) {
		err_set(e, EBADF, "--pidfd %d: file descriptor is not open", fd);
		return -1;
	}
	/* only a pidfd's fdinfo has a Pid: line */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f) {
		err_set(e, errno, "--pidfd %d: cannot read %s: %s", fd, path,
			 strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1)
			break;
	fclose(f);
	if (pid == LONG_MIN) {
		err_set(e, EBADF, "--pidfd %d: not a pidfd (hint: pass a "
			 "descriptor from pidfd_open(2) or clone(CLONE_PIDFD))", fd);
		return -1;
	}
	if (pid == -1) {
		err_set(e, ESRCH, "--pidfd %d: the process has exited", fd);
		return -1;
	}
	if (pid == 0) {
		err_set(e, ESRCH, "--pidfd %d: the process is in a PID "
			 "namespace not visible from here", fd);
		return -1;
	}
	if (thread_group_of((pid_t)pid) != (pid_t)pid && thread_group_of((pid_t)pid) > 0)
		return err_set(e, EINVAL, "--pidfd %d: a pidfd of thread %ld of process "
			       "%d (PIDFD_THREAD), not of a process (hint: "
			       "pidfd_open(%d, 0))", fd, pid, (int)thread_group_of((pid_t)pid),
			       (int)thread_group_of((pid_t)pid));
	t->pid = (pid_t)pid;
	t->pidfd = fd;
	return 0;
}

/* TracerPid and HugetlbPages are not among libproc2's items. */
static void read_status_extras(struct target *t)
{
	char path[64], line[256];
	FILE *f;
	unsigned long long kb;
	int v;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "TracerPid: %d", &v) == 1)
			t->tracer = v;
		else if (sscanf(line, "HugetlbPages: %llu kB", &kb) == 1)
			t->hugetlb = kb * 1024;
	}
	fclose(f);
}

/* libproc2 contexts, made once per run: procps_pids_new probes for libnuma
 * every time, which costs more than the lookup itself. */
static struct pids_info *facts_info, *rollup_info;

void target_lib_done(void)
{
	if (facts_info)
		procps_pids_unref(&facts_info);
	if (rollup_info)
		procps_pids_unref(&rollup_info);
}

int target_facts(struct target *t, struct err *e)
{
	static enum pids_item items[] = { PIDS_CMD, PIDS_STATE, PIDS_FLAGS,
					  PIDS_ID_EUID, PIDS_VM_RSS_LOCKED };
	enum { I_CMD, I_STATE, I_FLAGS, I_EUID, I_LCK };
	struct pids_info *info;
	struct pids_fetch *fetch;
	unsigned int pid = (unsigned int)t->pid;

	if (!facts_info &&
	    procps_pids_new(&facts_info, items, (int)(sizeof(items) / sizeof(items[0]))) < 0) {
		facts_info = NULL;
		err_set(e, errno, "libproc2: cannot read process table");
		return -1;
	}
	info = facts_info;
	fetch = procps_pids_select(info, &pid, 1, PIDS_SELECT_PID);
	if (!fetch || fetch->counts->total < 1) {
		err_set(e, ESRCH, "no such process: %d", (int)t->pid);
		return -1;
	}
	struct pids_stack *s = fetch->stacks[0];
	snprintf(t->comm, sizeof(t->comm), "%s", PIDS_VAL(I_CMD, str, s, info));
	t->state = PIDS_VAL(I_STATE, s_ch, s, info);
	t->kthread = PIDS_VAL(I_FLAGS, ul_int, s, info) & PF_KTHREAD;
	t->euid = PIDS_VAL(I_EUID, u_int, s, info);
	t->locked = (uint64_t)PIDS_VAL(I_LCK, ul_int, s, info) * 1024;
	read_status_extras(t);
	if (t->kthread) {
		err_set(e, EINVAL, "%d (%s) is a kernel thread: it has no "
			 "address space to advise", (int)t->pid, t->comm);
		return -1;
	}
	if (t->state == 'Z' || t->state == 'X') {
		err_set(e, ESRCH, "%d (%s) is a zombie: it has no memory left "
			 "to advise", (int)t->pid, t->comm);
		return -1;
	}
	return 0;
}

int target_alive(const struct target *t)
{
	return sys_pidfd_send_signal(t->pidfd, 0);
}

int target_read(const struct target *t, const char *file, char **bufp,
		size_t *lenp)
{
	char path[64];
	size_t cap = 256 * 1024, len = 0;
	char *buf;
	int fd, e;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)t->pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	/* large reads: seq_file fills the whole buffer per call, so a changing
	 * address space is seen in as few pieces as possible */
	for (;;) {
		ssize_t n;

		if (cap - len < 64 * 1024) {
			/* past the first 256 KiB: a target with thousands of
			 * mappings; grow in huge-page friendly blocks */
			size_t ncap = cap < (8u << 20) ? (8u << 20) : cap * 2;
			char *nb = big_alloc(ncap);
			if (!nb) {
				e = ENOMEM;
				goto fail;
			}
			memcpy(nb, buf, len);
			free(buf);
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	close(fd);
	free(buf);
	errno = e;
	return -1;
}

void target_explain_denied(const struct target *t, int errnum, struct err *e)
{
	if (errnum == EPERM) {
		err_set(e, errnum, "not permitted to advise %d (%s): "
			 "process_madvise needs CAP_SYS_NICE (hint: run as root "
			 "or grant cap_sys_nice)", (int)t->pid, t->comm);
		return;
	}
	if (t->tracer > 0) {
		err_set(e, errnum, "access to %d (%s) refused: ptrace read "
			 "access denied; it is traced by process %d",
			 (int)t->pid, t->comm, (int)t->tracer);
	} else if (t->euid != geteuid() && geteuid() != 0) {
		err_set(e, errnum, "access to %d (%s) refused: ptrace read "
			 "access denied; it runs as uid %u, you are uid %u "
			 "(hint: run as that user or as root)", (int)t->pid,
			 t->comm, t->euid, (unsigned int)geteuid());
	} else {
		err_set(e, errnum, "access to %d (%s) refused: ptrace read "
			 "access denied (not dumpable, or a security module said "
			 "no; CAP_SYS_PTRACE overrides)", (int)t->pid, t->comm);
	}
}

void target_close(struct target *t)
{
	if (t->pidfd >= 0 && !t->inherited)
		close(t->pidfd);
	t->pidfd = -1;
}

void target_rollup(pid_t pid, struct mem_rollup *r)
{
	static enum pids_item items[] = { PIDS_SMAP_RSS, PIDS_SMAP_SWAP,
					  PIDS_SMAP_HUGE_ANON, PIDS_SMAP_PSS,
					  PIDS_SMAP_SWAP_PSS };
	struct pids_fetch *fetch;
	unsigned int p = (unsigned int)pid;

	memset(r, 0, sizeof(*r));
	if (!rollup_info && procps_pids_new(&rollup_info, items, 5) < 0) {
		rollup_info = NULL;
		return;
	}
	fetch = procps_pids_select(rollup_info, &p, 1, PIDS_SELECT_PID);
	if (fetch && fetch->counts->total >= 1) {
		struct pids_stack *s = fetch->stacks[0];
		r->rss = (uint64_t)PIDS_VAL(0, ul_int, s, rollup_info) * 1024;
		r->swap = (uint64_t)PIDS_VAL(1, ul_int, s, rollup_info) * 1024;
		r->anon_huge = (uint64_t)PIDS_VAL(2, ul_int, s, rollup_info) * 1024;
		r->pss = (uint64_t)PIDS_VAL(3, ul_int, s, rollup_info) * 1024;
		r->swap_pss = (uint64_t)PIDS_VAL(4, ul_int, s, rollup_info) * 1024;
		r->valid = true;
	}
}
