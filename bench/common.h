/* Shared by bench/floor.c and bench/naive.c: the minimum needed to turn
 * /proc/PID/maps into the list of anonymous mappings that
 * `pmadv --anon --all` selects (no name, [heap], [stack...]). No checks
 * beyond what keeps the programs from crashing: these are baselines. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif

#define MAX_IOV 1024
#define MAX_RW_COUNT 0x7ffff000UL

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whole /proc/PID/maps in one buffer (8 MiB to start, doubled if full). */
static inline char *read_maps(const char *pid, size_t *len)
{
	char path[64];
	size_t cap = 8u << 20, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		exit(1);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n - 1 == 0 && !(buf = realloc(buf, cap *= 2)))
			exit(1);
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static inline uint64_t hex_at(const char **p)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		unsigned c = (unsigned char)**p;
		if (c - '0' < 10)
			v = v << 4 | (c - '0');
		else if ((c | 0x20) - 'a' < 6)
			v = v << 4 | ((c | 0x20) - 'a' + 10);
		else
			return v;
	}
}

/* Anonymous mappings of the text as iovecs; returns their count. */
static inline size_t parse_anon(const char *p, const char *end,
				struct iovec **out)
{
	size_t n = 0, cap = 4096;
	struct iovec *v = malloc(cap * sizeof(*v));

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *name;
		uint64_t s, e;

		if (!nl)
			nl = end;
		s = hex_at(&p);
		p++;
		e = hex_at(&p);
		/* perms(4) ' ' offset ' ' dev ' ' inode, then padding and name:
		 * skip 5 fields, then spaces */
		for (int f = 0; f < 4 && p < nl; f++) {
			const char *q = memchr(p + 1, ' ', (size_t)(nl - p - 1));
			p = q ? q : nl;
		}
		name = p;
		while (name < nl && *name == ' ')
			name++;
		if (name == nl || (*name == '[' &&
		    (!memcmp(name, "[heap]", 6) || !memcmp(name, "[stack", 6)))) {
			if (n == cap)
				v = realloc(v, (cap *= 2) * sizeof(*v));
			v[n].iov_base = (void *)(uintptr_t)s;
			v[n].iov_len = e - s;
			n++;
		}
		p = nl + 1;
	}
	*out = v;
	return n;
}

#endif
