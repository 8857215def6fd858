/* pauser FILE MIB [MMAP]: a service that notices every pause. It maps MIB
 * MiB of anonymous memory, fills it, then a thread loops forever: touch
 * the next page of a small working set (write), with MMAP=1 also mmap and
 * munmap one page (so it takes the target's mmap_lock for writing), sleep
 * 200 us, and record the longest pause between two iterations. The
 * working set, code and stacks are locked, the MIB MiB are not: what is
 * paged out is the MIB MiB, and a pause is the freeze (or the lock), never
 * a swap-in queued behind the pageout's own writes. A freeze shows as a
 * pause as long as the freeze; an advice call that holds the mmap_lock as
 * one as long as the call (MMAP=1). FILE (created, one page) is mapped
 * shared; 64-bit words:
 *   word 0  iterations
 *   word 1  longest pause between two iterations, ns (since the reset):
 *           the time the thread was off a CPU (wall time less its own CPU
 *           time), which a freeze is
 *   word 2  1 once the memory is filled and the thread runs
 *   word 3  set to 1 to reset word 1 (the thread clears it)
 *   word 4  when that longest pause began, CLOCK_REALTIME us (a shell's
 *           $EPOCHREALTIME places it in a run)
 *   word 5  when it ended, likewise
 *   word 6  its wall time, ns
 * Prints "START END" (hex) of the memory once ready. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t *words;
static unsigned char *mem, *work;
static size_t len, page;
static volatile int go;

enum { WORK_PAGES = 64 };
static int use_mmap;

static uint64_t real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void *loop(void *arg)
{
	struct timespec nap = { 0, 200000 };
	uint64_t last, last_us, last_cpu;
	size_t at = 0;

	(void)arg;
	while (!go)
		nanosleep(&nap, NULL);
	last = now_ns();
	last_us = real_us();
	last_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (;;) {
		uint64_t t, t_us, cpu, off;

		work[at] = (unsigned char)(work[at] + 1);
		at = (at + page) % (WORK_PAGES * page);
		if (use_mmap) {
			void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED)
				munmap(p, page);
		}
		nanosleep(&nap, NULL);
		t = now_ns();
		t_us = real_us();
		cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		/* Off a CPU: frozen, stopped, waiting for a lock or a CPU. Time
		 * the guest counts as ours but did not run us is not: on a VM
		 * whose host rebuilds a thawed process's page tables (this
		 * PVM test VM), a target is "running" with no guest event at
		 * all, not even the tick, for 35-120 ms after a large pageout
		 * (ftrace); that is the host's, after the window, not the
		 * freeze. */
		off = t - last - (cpu - last_cpu < t - last ? cpu - last_cpu : t - last);
		if (words[3]) {
			words[1] = 0;
			words[6] = 0;
			words[3] = 0;
		} else if (off > words[1]) {
			words[1] = off;
			words[6] = t - last;
			words[4] = last_us;
			words[5] = t_us;
		}
		last = t;
		last_us = t_us;
		last_cpu = cpu;
		words[0]++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th;
	pthread_attr_t attr;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: pauser FILE MIB [MMAP]\n");
		return 2;
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	len = (size_t)strtoul(argv[2], NULL, 10) << 20;
	use_mmap = argc > 3 && atoi(argv[3]);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)page) != 0)
		return 1;
	words = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	work = mmap(NULL, WORK_PAGES * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (words == MAP_FAILED || work == MAP_FAILED)
		return 1;
	/* the thread exists (a small stack) before everything mapped so far
	 * is locked; the memory to page out is mapped after */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	if (pthread_create(&th, &attr, loop, NULL) != 0)
		return 1;
	if (mlockall(MCL_CURRENT) != 0)
		perror("pauser: mlockall (pauses may include swap-ins)");
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	/* not one huge page: pageout works on small pages, as a heap's */
	madvise(mem, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += page)
		mem[i] = (unsigned char)(i / page) | 1;
	go = 1;
	printf("%lx %lx\n", (unsigned long)mem, (unsigned long)(mem + len));
	fflush(stdout);
	words[2] = 1;
	for (;;)
		pause();
}
