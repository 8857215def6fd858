/* The target process: pidfd, liveness, its facts and files in /proc. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "proc/proc.h"

int target_open_pid(pid_t pid, struct target *t, struct err *e)
{
	*t = (struct target){ .pid = pid, .pidfd = sys_pidfd_open(pid, 0) };
	if (t->pidfd >= 0)
		return 0;
	switch (errno) {
	case ESRCH:
		return err_set(e, ESRCH, "no such process: %d", (int)pid);
	case ENOENT:
		return err_set(e, ENOENT, "%d is a thread, not a process: name its "
			       "thread group (Tgid in /proc/%d/status)", (int)pid,
			       (int)pid);
	case ENOSYS:
		return err_set(e, ENOSYS, "this kernel has no pidfd_open (Linux "
			       "5.3 or later needed)");
	default:
		return err_set(e, errno, "cannot open process %d: %s", (int)pid,
			       strerror(errno));
	}
}

int target_open_pidfd(int fd, struct target *t, struct err *e)
{
	char path[64];
	long pid = LONG_MIN, tgid = 0;

	*t = (struct target){ .pidfd = -1, .inherited = true };
	if (fcntl(fd, F_GETFD) < 0)
		return err_set(e, EBADF, "--pidfd %d: file descriptor is not open", fd);
	/* only a pidfd's fdinfo has a Pid: line */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (proc_key_long(AT_FDCWD, path, "Pid:", &pid) < 0)
		return err_set(e, errno, "--pidfd %d: cannot read %s: %s", fd, path,
			       strerror(errno));
	if (pid == LONG_MIN)
		return err_set(e, EBADF, "--pidfd %d: not a pidfd (hint: pass a "
			       "descriptor from pidfd_open(2) or clone(CLONE_PIDFD))", fd);
	if (pid == -1)
		return err_set(e, ESRCH, "--pidfd %d: the process has exited", fd);
	if (pid == 0)
		return err_set(e, ESRCH, "--pidfd %d: the process is in a PID "
			       "namespace not visible from here", fd);
	/* a thread's Tgid is its process's */
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (proc_key_long(AT_FDCWD, path, "Tgid:", &tgid) == 0 && tgid > 0 && tgid != pid)
		return err_set(e, EINVAL, "--pidfd %d: a pidfd of thread %ld of process "
			       "%d (PIDFD_THREAD), not of a process (hint: "
			       "pidfd_open(%d, 0))", fd, pid, (int)tgid, (int)tgid);
	t->pid = (pid_t)pid;
	t->pidfd = fd;
	return 0;
}

/* The name stat holds between its first '(' and its last ')': raw, as
 * the kernel keeps it (status escapes it). */
static void stat_comm(const char *line, char *comm, size_t len)
{
	const char *a = strchr(line, '('), *b = strrchr(line, ')');
	size_t n;

	if (!a || !b || b < a) {
		snprintf(comm, len, "?");
		return;
	}
	n = (size_t)(b - a - 1) < len - 1 ? (size_t)(b - a - 1) : len - 1;
	memcpy(comm, a + 1, n);
	comm[n] = '\0';
}

/* The text after "Key:" at the start of a status line, or NULL. */
static char *status_value(char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) ? NULL : line + n;
}

/* From /proc/PID/status, one read: the effective uid, VmLck, TracerPid,
 * HugetlbPages, Threads. 0, or -1 with errno. */
static int read_status(struct target *t)
{
	char path[64], buf[4096];
	unsigned long uid;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid);
	if (proc_read_small(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	/* the keys by prefix, their numbers by strtoul: sscanf's four
	 * formats on each of 55 lines cost more than the read */
	for (char *line = buf, *nl; *line; line = nl + 1) {
		char *v, *end;

		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if ((v = status_value(line, "Uid:"))) {
			strtoul(v, &end, 10);	/* the real uid, then the effective */
			uid = strtoul(end, &v, 10);
			if (v != end)
				t->euid = (unsigned int)uid;
		} else if ((v = status_value(line, "VmLck:"))) {
			t->locked = strtoull(v, NULL, 10) * 1024;
		} else if ((v = status_value(line, "TracerPid:"))) {
			t->tracer = (pid_t)strtol(v, NULL, 10);
		} else if ((v = status_value(line, "HugetlbPages:"))) {
			t->hugetlb = strtoull(v, NULL, 10) * 1024;
		} else if ((v = status_value(line, "Threads:"))) {
			t->threads = strtoul(v, NULL, 10);
		}
		if (!nl)
			break;
	}
	return 0;
}

/* Facts about a process pmadv holds by pidfd: stat and status read once
 * each (libproc2 is for looking processes up: discover.c). */
int target_facts(struct target *t, struct err *e)
{
	char path[64], line[1024];
	struct procstat ps;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->pid);
	if (proc_read_small(AT_FDCWD, path, line, sizeof(line)) < 0 ||
	    procstat_parse(line, &ps) || read_status(t))
		return err_set(e, ESRCH, "no such process: %d", (int)t->pid);
	stat_comm(line, t->comm, sizeof(t->comm));
	if (ps.flags & PF_KTHREAD)
		return err_set(e, EINVAL, "%d (%s) is a kernel thread: it has no "
			       "address space to advise", (int)t->pid, t->comm);
	/* a main thread that exited (pthread_exit) shows as Z while the
	 * others run: the process is alive, but the kernel finds its memory
	 * through that thread, which has none */
	if ((ps.state == 'Z' || ps.state == 'X') && t->threads > 1)
		return err_set(e, ESRCH, "%d (%s): its main thread has exited (%lu "
			       "threads run on), and process_madvise reaches the "
			       "memory only through it", (int)t->pid, t->comm,
			       t->threads - 1);
	if (ps.state == 'Z' || ps.state == 'X')
		return err_set(e, ESRCH, "%d (%s) is a zombie: it has no memory left "
			       "to advise", (int)t->pid, t->comm);
	return 0;
}

int target_alive(const struct target *t)
{
	return sys_pidfd_send_signal(t->pidfd, 0);
}

#define READ_AHEAD (64 * 1024)

int target_read(struct target *t, const char *file, char **bufp, size_t *lenp)
{
	char path[64];
	size_t cap = 256 * 1024, len = 0, ready = 0;
	char *buf = NULL;
	int fd, e;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)t->pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	if (t->read_buf) {	/* target_read_ready's */
		buf = t->read_buf;
		cap = ready = t->read_cap;
		t->read_buf = NULL;
	} else {
		buf = malloc(cap);
	}
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
			ready = len + READ_AHEAD < ncap ? len + READ_AHEAD : ncap;
			mem_populate(nb, ready);
			memcpy(nb, buf, len);
			free(buf);
			buf = nb;
			cap = ncap;
		}
		/* the buffer's next block mapped in one call, not a fault a page */
		if (len + READ_AHEAD / 2 > ready && ready < cap) {
			size_t to = len + READ_AHEAD < cap ? len + READ_AHEAD : cap;

			mem_populate(buf + ready, to - ready);
			ready = to;
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
	err_set(e, errnum, "access to %d (%s) refused: ptrace read access "
		"denied", (int)t->pid, t->comm);
	if (t->tracer > 0)
		err_append(e, "; it is traced by process %d", (int)t->tracer);
	else if (t->euid != geteuid() && geteuid() != 0)
		err_append(e, "; it runs as uid %u, you are uid %u (hint: run as "
			   "that user or as root)", t->euid, (unsigned int)geteuid());
	else
		err_append(e, " (not dumpable, or a security module said no; "
			   "CAP_SYS_PTRACE overrides)");
}

void target_read_ready(struct target *t, size_t cap)
{
	free(t->read_buf);
	t->read_buf = malloc(cap);
	t->read_cap = cap;
	if (t->read_buf)
		mem_populate(t->read_buf, cap);
}

void target_close(struct target *t)
{
	if (t->pidfd >= 0 && !t->inherited)
		close(t->pidfd);
	t->pidfd = -1;
	free(t->read_buf);
	t->read_buf = NULL;
}

void target_rollup(pid_t pid, struct mem_rollup *r)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "Rss:", offsetof(struct mem_rollup, rss) },
		{ "Swap:", offsetof(struct mem_rollup, swap) },
		{ "AnonHugePages:", offsetof(struct mem_rollup, anon_huge) },
		{ "Pss:", offsetof(struct mem_rollup, pss) },
		{ "SwapPss:", offsetof(struct mem_rollup, swap_pss) },
	};
	char path[64], buf[4096];
	unsigned int seen = 0;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (proc_read_small(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return;
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t k = strlen(fields[i].key);
			unsigned long long kb;

			if (!strncmp(line, fields[i].key, k) &&
			    sscanf(line + k, "%llu kB", &kb) == 1) {
				*(uint64_t *)((char *)r + fields[i].off) = kb * 1024;
				seen |= 1u << i;
			}
		}
	}
	r->valid = seen == (1u << (sizeof(fields) / sizeof(fields[0]))) - 1;
}
