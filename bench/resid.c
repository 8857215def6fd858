/* bench/resid: the cost of residency (src/residency.c) next to the advice
 * it prepares. A child maps GIB GiB of anonymous memory and writes every
 * page; then, median of REPS rounds each:
 *   pagemap   residency_read by pread of /proc/PID/pagemap (every bit)
 *   scan      residency_read by the PAGEMAP_SCAN ioctl
 * and once, when swap can take it (-s), the pageout of the whole range by
 * process_madvise (the work the residency reading is there to aim).
 * Prints "gib=G pagemap_ms=X scan_ms=Y pageout_ms=Z|- runs=N resident=B".
 * The child is killed before exit; the caller owns any swap file.
 *
 *   resid [-s] GIB REPS */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "common.h"

#include "../src/proc/proc.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static pid_t child;
static uint64_t base, len;

static void start_child(uint64_t bytes)
{
	int p[2];

	if (pipe(p))
		exit(1);
	child = fork();
	if (child == 0) {
		char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		madvise(m, bytes, MADV_NOHUGEPAGE);	/* 4 KiB pages: the worst case */
		for (uint64_t i = 0; i < bytes; i += 4096)
			m[i] = (char)i | 1;
		uint64_t a = (uintptr_t)m;
		if (write(p[1], &a, sizeof(a)) != sizeof(a))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &base, sizeof(base)) != sizeof(base)) {
		kill(child, SIGKILL);
		exit(1);
	}
	close(p[0]);
	len = bytes;
}

static double time_read(enum res_method m, struct res_spans *out)
{
	struct residency r;
	struct err e;
	uint64_t t0;

	resspan_free(out);
	if (residency_open(child, m, &r, &e))
		return -1;
	t0 = now_ns();
	if (residency_read(&r, base, base + len, out, &e))
		fprintf(stderr, "resid: %s\n", e.msg);
	t0 = now_ns() - t0;
	residency_close(&r);
	return (double)t0 / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

static double pageout_ms(void)
{
	int fd = (int)syscall(SYS_pidfd_open, child, 0);
	uint64_t t0, done = 0;

	if (fd < 0)
		return -1;
	t0 = now_ns();
	while (done < len) {
		uint64_t n = len - done > MAX_RW_COUNT ? MAX_RW_COUNT & ~4095UL : len - done;
		struct iovec v = { (void *)(uintptr_t)(base + done), n };

		if (syscall(SYS_process_madvise, fd, &v, 1, MADV_PAGEOUT, 0) < 0)
			return -1;
		done += n;
	}
	t0 = now_ns() - t0;
	close(fd);
	return (double)t0 / 1e6;
}

int main(int argc, char **argv)
{
	int swap = argc > 1 && !strcmp(argv[1], "-s");
	struct res_spans spans = { 0 };
	double pm[64], sc[64], po = -1;
	int reps;

	if (argc != 3 + swap)
		return 2;
	reps = atoi(argv[2 + swap]);
	if (reps < 1 || reps > 64)
		return 2;
	start_child((uint64_t)atof(argv[1 + swap]) * (1ULL << 30));
	for (int i = 0; i < reps; i++) {
		pm[i] = time_read(RES_METHOD_PAGEMAP, &spans);
		sc[i] = time_read(RES_METHOD_SCAN, &spans);
	}
	if (swap)
		po = pageout_ms();
	printf("gib=%s pagemap_ms=%.2f scan_ms=%.2f pageout_ms=", argv[1 + swap],
	       median(pm, reps), median(sc, reps));
	if (po < 0)
		printf("-");
	else
		printf("%.1f", po);
	printf(" runs=%zu resident=%llu\n", spans.n,
	       (unsigned long long)resspan_sum(&spans, base, base + len, RES_PRESENT));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	resspan_free(&spans);
	return 0;
}
