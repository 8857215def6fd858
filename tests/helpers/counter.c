/* A target that makes visible progress: counter FILE [THREADS [CHILDREN]].
 *
 * FILE (created, one page) is mapped shared and holds little-endian 64-bit
 * words the test reads with od:
 *   word 0        iterations of thread 1, which spins without pause
 *   word 1..15    iterations of threads 2.. (each sleeps 1 ms per round)
 *   word 16       longest stall thread 1 saw between two iterations, in ns
 *   word 17       stalls of at least COUNTER_STALL_MS (default 50 ms)
 *   word 18       total length of those stalls, in ns
 *   word 19       1 once every thread runs
 * THREADS (default 2, at most 15) counting threads besides the main thread,
 * which only waits. CHILDREN (default 0) forked processes that wait too, to
 * give a cgroup more than one process; they die with the counter.
 * The mapping is named by FILE's path in /proc/PID/maps. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "words.h"

static volatile uint64_t *words;
static uint64_t stall_ns = 50000000;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *spin(void *arg)
{
	uint64_t prev = now_ns(), n = 0, max = 0, stalls = 0, total = 0;

	(void)arg;
	for (;;) {
		uint64_t t = now_ns(), d = t - prev;

		if (d > max)
			__atomic_store_n(&words[16], max = d, __ATOMIC_RELAXED);
		if (d >= stall_ns) {
			__atomic_store_n(&words[17], ++stalls, __ATOMIC_RELAXED);
			__atomic_store_n(&words[18], total += d, __ATOMIC_RELAXED);
		}
		prev = t;
		__atomic_store_n(&words[0], ++n, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *sleepy(void *arg)
{
	long slot = (long)arg;
	struct timespec ms = { 0, 1000000 };
	uint64_t n = 0;

	for (;;) {
		__atomic_store_n(&words[slot], ++n, __ATOMIC_RELAXED);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 2 ? strtol(argv[2], NULL, 10) : 2;
	long children = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	const char *env = getenv("COUNTER_STALL_MS");
	pthread_t th;

	if (argc < 2 || threads < 1 || threads > 15 || children < 0) {
		fprintf(stderr, "usage: counter FILE [THREADS [CHILDREN]]\n");
		return 2;
	}
	if (env)
		stall_ns = strtoull(env, NULL, 10) * 1000000u;
	words = map_words(argv[1]);
	for (long i = 0; i < children; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			for (;;)
				pause();
		}
	}
	if (pthread_create(&th, NULL, spin, NULL) != 0)
		return 1;
	for (long i = 1; i < threads; i++)
		if (pthread_create(&th, NULL, sleepy, (void *)i) != 0)
			return 1;
	/* every thread exists now: the test may start */
	while (__atomic_load_n(&words[0], __ATOMIC_RELAXED) == 0)
		sched_yield();
	__atomic_store_n(&words[19], 1, __ATOMIC_RELAXED);
	for (;;)
		pause();
}
