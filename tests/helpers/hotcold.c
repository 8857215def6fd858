/*
 * hotcold - a service with a working set and memory it no longer uses, for
 * the comeback guard's tests (tests/thrash.bats): --count anonymous
 * mappings of --mib MiB, every page written; the mappings named by --hot
 * are then read at random by a busy thread for as long as it runs, the
 * others are never touched again.
 *
 * Usage: hotcold --ready PATH [--count N] [--mib M] [--hot I,J,...]
 *
 *   --ready PATH  latch file, written atomically (PATH.tmp + rename) once
 *                 every page is written and the reader runs. KEY=VALUE
 *                 lines a shell can source: pid, count, mib, hot (the
 *                 list), and startI, endI (0x hex) for each mapping I.
 *   --count N     mappings (default 8).
 *   --mib M       size of each, MiB (default 128).
 *   --hot LIST    indexes of the mappings the reader reads (default 1,5).
 *
 * Every mapping lies inside one PROT_NONE reservation with a guard page
 * between neighbours, so /proc/PID/maps shows each as an entry of its own.
 * SIGTERM/SIGINT: exit 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_MAPS 64

static unsigned char *base[MAX_MAPS];
static size_t len, pagesz;
static unsigned long count = 8, mib = 128;
static int hot[MAX_MAPS], nhot;
static volatile uint64_t sink;

static void die(const char *what)
{
	fprintf(stderr, "hotcold: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Reads one byte of a random page of a random hot mapping, forever: every
 * page of them is read many times a second. */
static void *reader(void *arg)
{
	uint64_t x = 88172645463325252ULL, pages = len / pagesz, sum = 0;

	(void)arg;
	for (;;) {
		/* xorshift64: cheap, no locks */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += base[hot[x % (uint64_t)nhot]][(x >> 16) % pages * pagesz];
		sink = sum;
	}
	return NULL;
}

static void parse_hot(const char *s)
{
	char *end;

	nhot = 0;
	while (*s && nhot < MAX_MAPS) {
		hot[nhot++] = (int)strtol(s, &end, 10);
		s = *end == ',' ? end + 1 : end;
		if (end == s && *s)
			break;
	}
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	unsigned char *res;
	pthread_t t;
	sigset_t set;
	char tmp[4096];
	FILE *f;
	int sig;

	hot[0] = 1;
	hot[1] = 5;
	nhot = 2;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ready"))
			ready = argv[i + 1];
		else if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--mib"))
			mib = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--hot"))
			parse_hot(argv[i + 1]);
	}
	if (!ready || !count || count > MAX_MAPS || !mib || !nhot) {
		fprintf(stderr, "usage: hotcold --ready PATH [--count N] [--mib M] [--hot I,J]\n");
		return 2;
	}
	for (int i = 0; i < nhot; i++)
		if (hot[i] < 0 || (unsigned long)hot[i] >= count) {
			fprintf(stderr, "hotcold: --hot index %d out of range\n", hot[i]);
			return 2;
		}
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	len = mib << 20;
	/* a guard page before each mapping: none merges with a neighbour */
	res = mmap(NULL, count * (len + pagesz) + pagesz, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		die("mmap reservation");
	for (unsigned long i = 0; i < count; i++) {
		base[i] = mmap(res + pagesz + i * (len + pagesz), len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (base[i] == MAP_FAILED)
			die("mmap");
		/* no huge pages: pageout splits them, and the test counts
		 * 4 KiB pages */
		madvise(base[i], len, MADV_NOHUGEPAGE);
		for (size_t o = 0; o < len; o += pagesz)
			base[i][o] = (unsigned char)(i + o / pagesz + 1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, reader, NULL))
		die("pthread_create");
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	f = fopen(tmp, "w");
	if (!f)
		die("ready file");
	fprintf(f, "pid=%d\ncount=%lu\nmib=%lu\nhot=", (int)getpid(), count, mib);
	for (int i = 0; i < nhot; i++)
		fprintf(f, "%s%d", i ? "," : "", hot[i]);
	fputc('\n', f);
	for (unsigned long i = 0; i < count; i++)
		fprintf(f, "start%lu=0x%lx\nend%lu=0x%lx\n", i, (unsigned long)base[i],
			i, (unsigned long)(base[i] + len));
	if (fclose(f) || rename(tmp, ready))
		die("ready file");
	sigwait(&set, &sig);
	return 0;
}
