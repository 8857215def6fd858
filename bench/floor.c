/* bench/floor: the floor pmadv is measured against. Does only the necessary
 * work for `pmadv -p PID -a cold --anon --all`: pidfd_open, read
 * /proc/PID/maps with one large buffer, parse, one iovec per anonymous
 * mapping, one process_madvise per 1024 iovecs (and <= MAX_RW_COUNT bytes).
 * No options beyond the variant, no output, no checks.
 *
 *   floor PID        text of /proc/PID/maps
 *   floor -q PID     PROCMAP_QUERY ioctl (Linux 6.11+), asking every
 *                    mapping's name (as text parsing gets it)
 *   floor -Q PID     PROCMAP_QUERY, asking the name only of mappings
 *                    without a file (a second ioctl for those)
 *   floor -s PID     text, inside a stop: SIGSTOP through the pidfd, wait
 *                    for state T (a one-thread target), work, SIGCONT
 *   floor -g CG PID  text, inside a cgroup v2 freeze of directory CG:
 *                    cgroup.freeze 1, wait for "frozen 1", work, 0
 *   floor -r PID     text, with a report as pmadv's default mode makes
 *                    one: /proc/PID/smaps_rollup read before and after,
 *                    one line of advised bytes and Rss/Swap before -> after
 *
 * With FLOOR_TIMING set in the environment, prints to stderr
 * "maps_ns=N advise_ns=N calls=N iovecs=N" (reading and parsing the maps;
 * the process_madvise calls), the lower bound of a freeze window's work;
 * with -s or -g also "window_ns=N": from the freeze action to the thaw
 * action, the least a freeze window can be. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "common.h"

#include "../src/proc/procmap_query.h"

static int anon_name(const char *name, uint32_t size)
{
	return size == 0 || !strcmp(name, "[heap]") || !strncmp(name, "[stack", 6);
}

static size_t query_anon(const char *pid, int lean, struct iovec **out)
{
	static char name[4096];
	struct procmap_query q;
	size_t n = 0, cap = 4096;
	struct iovec *v = malloc(cap * sizeof(*v));
	uint64_t addr = 0;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		exit(1);
	for (;;) {
		int anon;

		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		q.query_addr = addr;
		if (!lean) {
			q.vma_name_addr = (uintptr_t)name;
			q.vma_name_size = sizeof(name);
		}
		if (ioctl(fd, PROCMAP_QUERY, &q) < 0) {
			if (errno == ENOENT)
				break;
			exit(1);
		}
		if (!lean) {
			anon = anon_name(name, q.vma_name_size);
		} else if (q.inode || q.dev_major || q.dev_minor) {
			anon = 0;
		} else {
			struct procmap_query r = q;

			r.query_flags = 0;
			r.query_addr = q.vma_start;
			r.vma_name_addr = (uintptr_t)name;
			r.vma_name_size = sizeof(name);
			anon = ioctl(fd, PROCMAP_QUERY, &r) == 0 &&
			       anon_name(name, r.vma_name_size);
		}
		if (anon) {
			if (n == cap)
				v = realloc(v, (cap *= 2) * sizeof(*v));
			v[n].iov_base = (void *)(uintptr_t)q.vma_start;
			v[n].iov_len = q.vma_end - q.vma_start;
			n++;
		}
		addr = q.vma_end;
	}
	close(fd);
	*out = v;
	return n;
}

static void put(const char *dir, const char *file, const char *what)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, what, strlen(what)) < 0)
		exit(1);
	close(fd);
}

/* Does the file hold `what`? */
static int holds(const char *path, const char *what)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (r < 0)
		exit(1);
	buf[r] = '\0';
	return strstr(buf, what) != NULL;
}

/* Rss and Swap from /proc/PID/smaps_rollup, in kB. */
static void rollup(const char *pid, unsigned long long *rss,
		   unsigned long long *swap)
{
	char path[64], buf[4096], *p;
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		exit(1);
	buf[r] = '\0';
	*rss = (p = strstr(buf, "\nRss:")) ? strtoull(p + 5, NULL, 10) : 0;
	*swap = (p = strstr(buf, "\nSwap:")) ? strtoull(p + 6, NULL, 10) : 0;
}

/* The stop or cgroup freeze, and its thaw: as pmadv's freeze does, less
 * its checks (threads, other sharers of the mm, locks, guardian). */
static void freeze(int mode, int pidfd, const char *pid, const char *cg, int on)
{
	char path[4096];

	if (mode == 's') {
		syscall(SYS_pidfd_send_signal, pidfd, on ? SIGSTOP : SIGCONT, NULL, 0);
		snprintf(path, sizeof(path), "/proc/%s/stat", pid);
		while (on && !holds(path, ") T "))
			sched_yield();
	} else if (mode == 'g') {
		put(cg, "cgroup.freeze", on ? "1" : "0");
		snprintf(path, sizeof(path), "%s/cgroup.events", cg);
		while (on && !holds(path, "frozen 1"))
			sched_yield();
	}
}

int main(int argc, char **argv)
{
	int mode = argc > 2 ? argv[1][1] : 0;	/* 0, 'q', 'Q', 's', 'g', 'r' */
	const char *pid = argv[argc - 1];
	const char *cg = mode == 'g' && argc > 3 ? argv[2] : NULL;
	int pidfd = (int)syscall(SYS_pidfd_open, atoi(pid), 0);
	struct iovec *v, batch[MAX_IOV];
	size_t n, calls = 0, advised = 0;
	uint64_t tf, t0, t1, t2, t3;
	unsigned long long rss0 = 0, swap0 = 0, rss1, swap1;

	if (mode == 'g' && !cg)
		exit(2);
	if (mode == 'r')
		rollup(pid, &rss0, &swap0);
	tf = now_ns();
	freeze(mode, pidfd, pid, cg, 1);
	t0 = now_ns();
	if (mode == 'q' || mode == 'Q') {
		n = query_anon(pid, mode == 'Q', &v);
	} else {
		size_t len;
		char *text = read_maps(pid, &len);
		n = parse_anon(text, text + len, &v);
	}
	t1 = now_ns();
	/* batches of <= 1024 iovecs and <= MAX_RW_COUNT bytes; a mapping larger
	 * than what is left of a batch is split */
	for (size_t i = 0; i < n;) {
		size_t k = 0, bytes = 0;

		while (i < n && k < MAX_IOV && bytes < MAX_RW_COUNT) {
			size_t room = MAX_RW_COUNT - bytes;

			batch[k] = v[i];
			if (v[i].iov_len > room) {
				batch[k].iov_len = room;
				v[i].iov_base = (char *)v[i].iov_base + room;
				v[i].iov_len -= room;
			} else {
				i++;
			}
			bytes += batch[k++].iov_len;
		}
		long got = syscall(SYS_process_madvise, pidfd, batch, k, MADV_COLD, 0);

		advised += got > 0 ? (size_t)got : 0;
		calls++;
	}
	t2 = now_ns();
	freeze(mode, pidfd, pid, cg, 0);
	t3 = now_ns();
	if (mode == 'r') {
		rollup(pid, &rss1, &swap1);
		printf("%s: cold: %zu bytes advised in %zu ranges\n  Rss %llu kB -> "
		       "%llu kB, Swap %llu kB -> %llu kB\n", pid, advised, n, rss0,
		       rss1, swap0, swap1);
	}
	if (getenv("FLOOR_TIMING"))
		fprintf(stderr, "maps_ns=%llu advise_ns=%llu calls=%zu iovecs=%zu "
			"window_ns=%llu\n", (unsigned long long)(t1 - t0),
			(unsigned long long)(t2 - t1), calls, n,
			(unsigned long long)(mode == 's' || mode == 'g' ? t3 - tf : 0));
	return 0;
}
