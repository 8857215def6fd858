/*
 * hostile-churn - a target whose address space never stops changing.
 *
 * Usage: hostile-churn --ready LATCH [SLOTS [THREADS]]
 *
 * Reserves nothing: picks a window of SLOTS (default 1024) slots of two
 * pages each and, from THREADS (default 2) threads, forever maps one
 * anonymous page (written) into a random free slot or unmaps a random mapped
 * one (MAP_FIXED_NOREPLACE, so a slot is never mapped twice and nothing else
 * is ever replaced). The second page of each slot stays a hole, so the slots
 * never merge: the maps have up to SLOTS extra lines that keep appearing
 * and disappearing. Once half the slots are mapped it writes the latch
 * (pid=, page=, window_start=0x.., window_end=0x..; atomically via
 * LATCH.tmp). Each thread yields every 64 operations so the machine stays
 * usable. Exits on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static unsigned char *window;
static size_t pagesz, slots;
static unsigned char *state;	/* 1 = mapped; one owner thread per slot */
static long nthreads = 2;

static void die(const char *what)
{
	fprintf(stderr, "hostile-churn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void flip(size_t i)
{
	unsigned char *a = window + i * 2 * pagesz;

	if (state[i]) {
		if (munmap(a, pagesz) < 0)
			die("munmap");
		state[i] = 0;
	} else {
		void *p = mmap(a, pagesz, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED && errno == EEXIST)
			return;	/* something else took the slot: leave it be */
		if (p == MAP_FAILED)
			die("mmap slot");
		if (p != a)	/* an old kernel ignoring NOREPLACE */
			die("slot moved");
		*a = (unsigned char)i | 1;
		state[i] = 1;
	}
}

/* thread t owns the slots i with i % nthreads == t */
static void *churn(void *arg)
{
	long t = (long)arg;
	unsigned int seed = (unsigned int)t * 7919u + 1;
	size_t mine = (slots - (size_t)t + (size_t)nthreads - 1) / (size_t)nthreads;

	for (unsigned long n = 0;; n++) {
		size_t i = (size_t)t + (size_t)(rand_r(&seed) % mine) * (size_t)nthreads;

		flip(i);
		if (n % 64 == 63)
			sched_yield();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char tmp[4096];
	pthread_t th;
	FILE *f;

	if (argc < 3 || argc > 5 || strcmp(argv[1], "--ready")) {
		fputs("usage: hostile-churn --ready LATCH [SLOTS [THREADS]]\n", stderr);
		return 2;
	}
	slots = argc > 3 ? strtoul(argv[3], NULL, 10) : 1024;
	nthreads = argc > 4 ? strtol(argv[4], NULL, 10) : 2;
	if (slots < 2 || nthreads < 1 || (size_t)nthreads > slots) {
		fputs("hostile-churn: bad SLOTS or THREADS\n", stderr);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	state = calloc(slots, 1);
	if (!state)
		die("calloc");
	/* find a free window, then give it back: the slots are mapped one by one */
	window = mmap(NULL, slots * 2 * pagesz, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (window == MAP_FAILED)
		die("mmap window");
	if (munmap(window, slots * 2 * pagesz) < 0)
		die("munmap window");
	for (size_t i = 0; i < slots; i += 2)
		flip(i);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "pid=%ld\npage=%zu\nwindow_start=0x%lx\nwindow_end=0x%lx\n",
		(long)getpid(), pagesz, (unsigned long)window,
		(unsigned long)(window + slots * 2 * pagesz));
	if (fclose(f) || rename(tmp, argv[2]) < 0)
		die("latch");
	for (long t = 0; t < nthreads; t++)
		if (pthread_create(&th, NULL, churn, (void *)t))
			die("pthread_create");
	for (;;)
		pause();
}
