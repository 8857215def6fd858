/*
 * uneven - a target laid out like a real service's heap, for
 * tests/realprog.bats and bench/service-latency.sh: many anonymous mappings
 * of uneven sizes, some only partly touched, none mergeable.
 *
 * Usage: uneven --ready PATH --verify PATH [--count N] [--seed S]
 *               [--max-mib M] [--threads N]
 *
 *   --ready PATH   latch file, written atomically (PATH.tmp + rename) once
 *                  every mapping is made and touched. KEY=VALUE lines a
 *                  shell can source: pid, count, seed, mapped (bytes of the
 *                  mappings), touched (bytes written), sparse (how many
 *                  mappings are only partly touched), first, last (the
 *                  lowest start and the highest end, 0x hex), gen (0).
 *   --verify PATH  where SIGUSR1 writes the result of a check of every
 *                  touched byte, atomically (PATH.tmp + rename):
 *                  "OK checks=N bytes=B" or "FAIL checks=N mapping=I
 *                  addr=0xA" (the first wrong word). The check reads every
 *                  touched page, so it also brings paged-out memory back.
 *   --count N      number of mappings (default 2048).
 *   --seed S       seed of the size and touch mix (default 1); the same
 *                  seed gives the same sizes and touched pages.
 *   --max-mib M    largest mapping in MiB (default 32).
 *   --threads N    N extra threads that each sleep 1 ms in a loop (default
 *                  2): a target whose threads run while it is frozen.
 *
 * Sizes (deterministic, from the seed): about 72% are 1-16 pages, 22% up to
 * 256 KiB, 5% up to 2 MiB, 1% from 4 MiB up to --max-mib (seed 1: about
 * 610 MiB mapped, 270 MiB touched, 77 sparse). Mappings of 4 MiB and more
 * are always sparse; smaller ones above 256 KiB are sparse one time in two.
 * A sparse mapping is touched either as a prefix (like an allocator arena)
 * or in scattered 64 KiB blocks, 3-30% of it. Every mapping lies inside one
 * PROT_NONE reservation with a guard page between neighbours, so
 * /proc/PID/maps shows each as an entry of its own.
 *
 * Pattern: each touched 8-byte word holds a value derived from the seed,
 * the mapping index and the word's offset (never zero), so a page lost or
 * swapped back wrong, or moved, is seen.
 *
 * SIGTERM/SIGINT: exit 0. Signals only set flags; the main thread does the
 * work, waiting in sigsuspend().
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define KIB 1024UL
#define MIB (1024UL * 1024UL)
#define BLOCK (64 * KIB)

enum touch { DENSE, PREFIX, SCATTER };

struct mapping {
	unsigned char *addr;
	size_t len;
	enum touch how;
	unsigned pct;		/* PREFIX / SCATTER: percent touched */
	uint64_t key;		/* per-mapping pattern key */
};

static struct mapping *maps;
static unsigned long count = 2048, seed = 1, max_mib = 32, nthreads = 2;
static size_t pagesz;
static const char *ready_path, *verify_path;
static unsigned long checks;
static volatile sig_atomic_t want_verify, want_exit;

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	fputs("uneven: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	exit(1);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_verify = 1;
	else
		want_exit = 1;
}

/* splitmix64: the whole layout follows from --seed */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
	return mix(rng_state++);
}

/* uniform in [lo, hi] */
static uint64_t between(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static size_t pages(size_t bytes)
{
	return bytes / pagesz;
}

static void plan(void)
{
	size_t max_pages = pages(max_mib * MIB);

	for (unsigned long i = 0; i < count; i++) {
		struct mapping *m = &maps[i];
		uint64_t r = rnd() % 100;
		size_t np;

		if (r < 72)
			np = between(1, 16);
		else if (r < 94)
			np = between(17, pages(256 * KIB));
		else if (r < 99)
			np = between(pages(256 * KIB) + 1, pages(2 * MIB));
		else
			np = between(pages(4 * MIB), max_pages > pages(4 * MIB) ?
				     max_pages : pages(4 * MIB));
		m->len = np * pagesz;
		m->key = mix(seed * 0x100000001b3ULL + i);
		m->how = DENSE;
		m->pct = 100;
		if (m->len >= 4 * MIB || (m->len > 256 * KIB && rnd() % 2)) {
			m->how = rnd() % 2 ? PREFIX : SCATTER;
			m->pct = (unsigned)between(3, 30);
		}
	}
}

/* Is 64 KiB block b of mapping i touched? (SCATTER only) */
static int block_touched(const struct mapping *m, size_t b)
{
	return mix(m->key ^ (b * 0x2545f4914f6cdd1dULL)) % 100 < m->pct;
}

/* Calls fn on each touched run [off, off + len) of m. */
static int each_run(const struct mapping *m,
		    int (*fn)(const struct mapping *, size_t, size_t, void *),
		    void *arg)
{
	switch (m->how) {
	case DENSE:
		return fn(m, 0, m->len, arg);
	case PREFIX: {
		size_t len = m->len / 100 * m->pct;

		len = (len + pagesz - 1) / pagesz * pagesz;
		return fn(m, 0, len ? len : pagesz, arg);
	}
	case SCATTER:
		for (size_t off = 0, b = 0; off < m->len; off += BLOCK, b++) {
			size_t len = m->len - off < BLOCK ? m->len - off : BLOCK;
			int rc;

			if (!block_touched(m, b))
				continue;
			rc = fn(m, off, len, arg);
			if (rc)
				return rc;
		}
		return 0;
	}
	return 0;
}

static inline uint64_t word_at(const struct mapping *m, size_t off)
{
	return mix(m->key + off) | 1;
}

static int fill_run(const struct mapping *m, size_t off, size_t len, void *arg)
{
	uint64_t *w = (uint64_t *)(m->addr + off);
	size_t *total = arg;

	for (size_t k = 0; k < len / 8; k++)
		w[k] = word_at(m, off + k * 8);
	*total += len;
	return 0;
}

struct check {
	size_t bytes;
	uintptr_t bad;
};

static int check_run(const struct mapping *m, size_t off, size_t len, void *arg)
{
	const volatile uint64_t *w = (const volatile uint64_t *)(m->addr + off);
	struct check *c = arg;

	for (size_t k = 0; k < len / 8; k++)
		if (w[k] != word_at(m, off + k * 8)) {
			c->bad = (uintptr_t)&w[k];
			return 1;
		}
	c->bytes += len;
	return 0;
}

static unsigned char *lowest, *highest;

static size_t build(void)
{
	size_t span = pagesz, touched = 0;
	unsigned char *res, *p;

	for (unsigned long i = 0; i < count; i++)
		span += maps[i].len + pagesz;
	res = mmap(NULL, span, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		die("mmap reserve %zu", span);
	p = res + pagesz;
	for (unsigned long i = 0; i < count; i++) {
		struct mapping *m = &maps[i];

		m->addr = mmap(p, m->len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (m->addr == MAP_FAILED)
			die("mmap %zu at %p", m->len, (void *)p);
		p += m->len + pagesz;
		each_run(m, fill_run, &touched);
	}
	lowest = maps[0].addr;
	highest = maps[count - 1].addr + maps[count - 1].len;
	return touched;
}

static void write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		die("path too long: %s", path);
	f = fopen(tmp, "w");
	if (!f)
		die("open %s", tmp);
	fputs(text, f);
	if (fflush(f) || fclose(f))
		die("write %s", tmp);
	if (rename(tmp, path) < 0)
		die("rename %s", tmp);
}

static void verify(void)
{
	struct check c = { 0, 0 };
	char buf[256];
	unsigned long i;

	checks++;
	for (i = 0; i < count; i++)
		if (each_run(&maps[i], check_run, &c))
			break;
	if (i == count)
		snprintf(buf, sizeof(buf), "OK checks=%lu bytes=%zu\n", checks,
			 c.bytes);
	else
		snprintf(buf, sizeof(buf), "FAIL checks=%lu mapping=%lu addr=0x%lx\n",
			 checks, i, (unsigned long)c.bad);
	if (verify_path)
		write_atomic(verify_path, buf);
}

static void *ticker(void *arg)
{
	const struct timespec ms = { 0, 1000000 };

	(void)arg;
	for (;;)
		nanosleep(&ms, NULL);
	return NULL;
}

static void start_threads(void)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned long i = 0; i < nthreads; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, ticker, NULL);

		if (e) {
			errno = e;
			die("pthread_create");
		}
		pthread_detach(t);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static unsigned long num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end)
		die("bad number for %s: '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t block, waitmask;
	size_t mapped = 0, touched;
	unsigned long sparse = 0;
	char buf[1024];

	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGUSR1);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (int i = 1; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		errno = 0;
		if (!v)
			die("%s needs an argument", o);
		if (!strcmp(o, "--ready"))
			ready_path = v;
		else if (!strcmp(o, "--verify"))
			verify_path = v;
		else if (!strcmp(o, "--count"))
			count = num(v, o);
		else if (!strcmp(o, "--seed"))
			seed = num(v, o);
		else if (!strcmp(o, "--max-mib"))
			max_mib = num(v, o);
		else if (!strcmp(o, "--threads"))
			nthreads = num(v, o);
		else
			die("unknown option '%s' (see the comment at the top of uneven.c)", o);
	}
	errno = 0;
	if (!ready_path)
		die("--ready PATH is required");
	if (!count || max_mib < 4)
		die("--count must be > 0 and --max-mib >= 4");
	maps = calloc(count, sizeof(*maps));
	if (!maps)
		die("calloc");
	rng_state = mix(seed);
	plan();
	touched = build();
	for (unsigned long i = 0; i < count; i++) {
		mapped += maps[i].len;
		sparse += maps[i].how != DENSE;
	}
	start_threads();
	snprintf(buf, sizeof(buf),
		 "pid=%ld\ncount=%lu\nseed=%lu\nmapped=%zu\ntouched=%zu\n"
		 "sparse=%lu\nfirst=0x%lx\nlast=0x%lx\ngen=0\n",
		 (long)getpid(), count, seed, mapped, touched, sparse,
		 (unsigned long)lowest, (unsigned long)highest);
	write_atomic(ready_path, buf);

	while (!want_exit) {
		sigsuspend(&waitmask);
		if (want_verify) {
			want_verify = 0;
			verify();
		}
	}
	return 0;
}
