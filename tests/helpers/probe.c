/* probe FILE MIB: a target that measures every pause it suffers.
 *
 * It maps MIB MiB of anonymous memory (no huge pages) and writes every
 * page, then a probe thread (SCHED_FIFO when allowed, so that only a
 * freeze, not the scheduler, holds it; its code and stack locked in
 * memory when allowed, so that no reclaim stalls it) loops: sleep 1 ms, read
 * CLOCK_MONOTONIC. A gap longer than the nap by more than 2 ms is a pause
 * of (gap - 1 ms - the thread's own CPU time in the gap): the thread was
 * stopped or frozen (or not run) that long. Its CPU time is left out: on
 * a VM whose host rebuilds a thawed process's page tables (the PVM test
 * VM), the thread is "running" with no guest event at all for a while
 * after a window that paged out much; that is the host's, not the
 * freeze's (bounded.bats's pauser measures the same way). FILE (created, one page) is mapped shared; 64-bit words:
 *   word 0  iterations
 *   word 1  longest pause, ns (since the last reset)
 *   word 2  sum of the pauses, ns
 *   word 3  number of pauses
 *   word 4  set to 1 to reset words 1-3 (the thread clears it)
 *   word 5  1 once the memory is written and the thread runs
 *   word 6  start of the memory; word 7 its end
 *   word 16.. the pauses, ns, in order (word 3 of them, as many as fit)
 * Prints "START END" (hex) of the memory once ready; SIGTERM ends it. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "words.h"

#define NAP_NS 1000000u
#define PAUSE_MIN_NS 2000000u
#define LOG_FIRST 16
#define LOG_END 512

static volatile uint64_t *words;

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

static void *probe(void *arg)
{
	struct timespec nap = { 0, NAP_NS };
	uint64_t last = now_ns(), last_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);

	(void)arg;
	for (;;) {
		uint64_t t, gap, cpu;

		nanosleep(&nap, NULL);
		t = now_ns();
		cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		gap = t - last;
		gap -= cpu - last_cpu < gap ? cpu - last_cpu : gap;
		last = t;
		last_cpu = cpu;
		if (words[4]) {
			words[1] = words[2] = words[3] = 0;
			words[4] = 0;
		} else if (gap > NAP_NS + PAUSE_MIN_NS) {
			uint64_t pause = gap - NAP_NS;

			if (pause > words[1])
				words[1] = pause;
			words[2] += pause;
			if (LOG_FIRST + words[3] < LOG_END)
				words[LOG_FIRST + words[3]] = pause;
			words[3]++;
		}
		words[0]++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 1 };
	pthread_attr_t at;
	pthread_t th;
	size_t len, page;
	unsigned char *mem;

	if (argc < 3) {
		fprintf(stderr, "usage: probe FILE MIB\n");
		return 2;
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	len = (size_t)strtoul(argv[2], NULL, 10) << 20;
	words = map_words(argv[1]);
	/* everything so far and the thread's stack locked; not the memory
	 * to advise (cold and pageout refuse locked memory) */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	pthread_attr_init(&at);
	if (pthread_attr_setinheritsched(&at, PTHREAD_EXPLICIT_SCHED) != 0 ||
	    pthread_attr_setschedpolicy(&at, SCHED_FIFO) != 0 ||
	    pthread_attr_setschedparam(&at, &sp) != 0 ||
	    pthread_create(&th, &at, probe, NULL) != 0) {
		/* not allowed: an ordinary thread */
		if (pthread_create(&th, NULL, probe, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	mlockall(MCL_CURRENT);	/* no MCL_FUTURE from here on */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(mem, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += page)
		mem[i] = (unsigned char)(i / page + 1);
	words[4] = 1;	/* pauses from now on */
	words[6] = (uint64_t)(uintptr_t)mem;
	words[7] = (uint64_t)(uintptr_t)(mem + len);
	words[5] = 1;
	printf("%lx %lx\n", (unsigned long)(uintptr_t)mem,
	       (unsigned long)(uintptr_t)(mem + len));
	fflush(stdout);
	for (;;)
		pause();
}
