/*
 * target - a configurable process for pmadv's tests to advise.
 *
 * Usage: target --ready PATH [OPTION...]
 *
 * Each option maps memory, fills or touches it, and reports where it is in the
 * "ready" latch file. Options may be combined; each may be given once.
 *
 *   --ready PATH        latch file, written (atomically: PATH.tmp + rename)
 *                       once everything is mapped and touched, and again after
 *                       every SIGUSR1 re-touch. Required.
 *   --verify PATH       where SIGUSR2 writes "intact=1" or "intact=0" (the
 *                       result of checking every pattern-filled mapping).
 *   --file PATH         map PATH (non-empty) MAP_PRIVATE, PROT_READ, and read
 *                       every page. Key: file. A path with spaces is fine.
 *   --map-only PATH     like --file but never touch the pages (not even on
 *                       SIGUSR1): for WILLNEED tests. Key: maponly.
 *   --shared-file PATH  like --file, but MAP_SHARED (still PROT_READ).
 *                       Key: shfile.
 *   --cow-file PATH     like --file, but PROT_READ|PROT_WRITE and
 *                       pattern-filled: every page copied on write, so its
 *                       resident pages are anonymous (a program's .data).
 *                       PATH's size must be a multiple of 8. Key: cowfile.
 *   --anon N            N MiB of MAP_PRIVATE anonymous memory filled with a
 *                       pattern. Key: anon.
 *   --shared-anon N     N MiB of MAP_SHARED anonymous memory (shows as
 *                       "/dev/zero (deleted)"), pattern-filled. Key: shanon.
 *   --memfd NAME:N      memfd_create(NAME) of N MiB, mapped MAP_SHARED,
 *                       pattern-filled (shows as "/memfd:NAME (deleted)").
 *                       Key: memfd.
 *   --many N            N adjacent one-page anonymous mappings that cannot
 *                       merge (protections alternate PROT_READ and
 *                       PROT_READ|PROT_WRITE; every page is written first).
 *                       Key: many (whole span), many_count=N.
 *   --hole              3 anonymous pages, written, then the middle one is
 *                       unmapped. Keys: hole (whole 3-page span, with the
 *                       hole), hole_lo, hole_mid (unmapped), hole_hi.
 *   --locked N          N MiB anonymous, written, mlock()ed. Key: locked.
 *   --threads N         start N extra threads (sleeping). Key: threads=N.
 *   --spin              make the --threads spin instead of sleep.
 *   --main-exits        once ready, the main thread exits (pthread_exit):
 *                       the --threads run on, the process shows as Z.
 *   --sharer            fork a child that keeps every mapping made by the
 *                       options before this one (MAP_SHARED ones stay shared
 *                       with it), reads every page of them (so they count
 *                       in its Rss too) and sleeps; it dies with the target
 *                       (PR_SET_PDEATHSIG). Key: sharer=PID.
 *   --zombie-child      fork a child that exits at once and is never reaped:
 *                       key zombie=PID (a zombie once the latch is written).
 *
 * Every mapping (except --many, whose pages are themselves the point) sits
 * between two PROT_NONE guard pages of its own so that it never merges with a
 * neighbouring mapping: /proc/PID/smaps then shows exactly one entry for it.
 *
 * Latch file: KEY=VALUE lines that a shell can source. For each mapping key K:
 *   K=0xSTART-0xEND  K_start=0xSTART  K_end=0xEND  K_size=BYTES
 * plus pid=PID, page=PAGESIZE and gen=N (0 at start, +1 per SIGUSR1).
 * Addresses are lower-case hex with 0x. Paths are never written (they may
 * contain spaces).
 *
 * Signals (handlers only set flags; the work is done in the main loop, which
 * waits in sigsuspend()):
 *   SIGUSR1  re-touch every page (read file pages, rewrite the anon/shared
 *            patterns), then rewrite the latch file with gen incremented.
 *   SIGUSR2  verify every pattern (reads only) and write the verify file.
 *   SIGTERM/SIGINT  exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

struct region {
	const char *key;
	unsigned char *addr;	/* start of the usable mapping */
	size_t len;
	int pattern;		/* filled with the pattern (anon, shared) */
	int touch;		/* read on re-touch (file) */
};

#define MAX_REGIONS 16
static struct region regions[MAX_REGIONS];
static int nregions;
static size_t pagesz;

static const char *ready_path;
static const char *verify_path;

static unsigned char *many_addr;
static long many_count;
static unsigned char *hole_addr;
static pid_t zombie_pid, sharer_pid;
static long nthreads;
static int main_exits;
static int spin;
static unsigned long gen;

static volatile sig_atomic_t want_touch, want_verify, want_exit;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("target: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	exit(1);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_touch = 1;
	else if (sig == SIGUSR2)
		want_verify = 1;
	else
		want_exit = 1;
}

static unsigned long parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end)
		die("bad number for %s: '%s'", what, s);
	errno = 0;
	return v;
}

/* The pattern word at word index i of a region, never zero. */
static inline uint64_t pattern_word(const struct region *r, size_t i)
{
	uint64_t x = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL;

	x ^= (uint64_t)(uintptr_t)r->key[0] << 56;
	return x | 1;
}

static void fill_pattern(struct region *r)
{
	uint64_t *w = (uint64_t *)r->addr;
	size_t n = r->len / sizeof(*w);

	for (size_t i = 0; i < n; i++)
		w[i] = pattern_word(r, i);
}

static int check_pattern(const struct region *r)
{
	const volatile uint64_t *w = (const volatile uint64_t *)r->addr;
	size_t n = r->len / sizeof(*w);

	for (size_t i = 0; i < n; i++)
		if (w[i] != pattern_word(r, i))
			return 0;
	return 1;
}

static void read_pages(const unsigned char *p, size_t len)
{
	volatile unsigned char sink = 0;

	for (size_t off = 0; off < len; off += pagesz)
		sink ^= ((const volatile unsigned char *)p)[off];
	(void)sink;
}

/*
 * Reserve len + 2 pages PROT_NONE and map the real thing over the middle, so
 * that the mapping has guard pages of its own and cannot merge.
 */
static unsigned char *map_guarded(size_t len, int prot, int flags, int fd)
{
	unsigned char *res, *p;

	res = mmap(NULL, len + 2 * pagesz, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		die("mmap reserve %zu", len);
	p = mmap(res + pagesz, len, prot, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap %zu", len);
	return p;
}

static struct region *add_region(const char *key, unsigned char *addr,
				 size_t len)
{
	struct region *r;

	if (nregions == MAX_REGIONS)
		die("too many regions");
	r = &regions[nregions++];
	r->key = key;
	r->addr = addr;
	r->len = len;
	return r;
}

static void map_file_as(const char *key, const char *path, int touch, int flags,
			int cow)
{
	struct stat st;
	unsigned char *p;
	size_t len;
	int fd;
	struct region *r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	if (fstat(fd, &st) < 0)
		die("stat %s", path);
	if (st.st_size <= 0)
		die("%s is empty", path);
	len = (size_t)st.st_size;
	if (cow && len % sizeof(uint64_t))
		die("%s: size not a multiple of 8", path);
	p = map_guarded(len, cow ? PROT_READ | PROT_WRITE : PROT_READ, flags, fd);
	close(fd);
	r = add_region(key, p, len);
	r->touch = touch && !cow;
	r->pattern = cow;
	if (cow)
		fill_pattern(r);
	else if (touch)
		read_pages(p, len);
}

static void map_file(const char *key, const char *path, int touch)
{
	map_file_as(key, path, touch, MAP_PRIVATE, 0);
}

static void map_anon(const char *key, size_t len, int shared)
{
	unsigned char *p;
	struct region *r;

	p = map_guarded(len, PROT_READ | PROT_WRITE,
			(shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1);
	r = add_region(key, p, len);
	r->pattern = 1;
	fill_pattern(r);
}

static void map_memfd(const char *spec)
{
	char name[256];
	const char *colon = strrchr(spec, ':');
	size_t len;
	unsigned char *p;
	struct region *r;
	int fd;

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(name))
		die("--memfd wants NAME:MIB, got '%s'", spec);
	memcpy(name, spec, (size_t)(colon - spec));
	name[colon - spec] = 0;
	len = parse_num(colon + 1, "--memfd") * MIB;
	if (!len)
		die("--memfd size must be > 0");
	fd = (int)syscall(SYS_memfd_create, name, 0);
	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, (off_t)len) < 0)
		die("ftruncate memfd");
	p = map_guarded(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	close(fd);
	r = add_region("memfd", p, len);
	r->pattern = 1;
	fill_pattern(r);
}

static void map_many(long n)
{
	unsigned char *p;

	if (n < 1)
		die("--many wants N >= 1");
	/* Guard pages around the whole run; the run itself alternates. */
	p = map_guarded((size_t)n * pagesz, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1);
	for (long i = 0; i < n; i++)
		p[(size_t)i * pagesz] = (unsigned char)(i | 1);
	for (long i = 0; i < n; i += 2)
		if (mprotect(p + (size_t)i * pagesz, pagesz, PROT_READ) < 0)
			die("mprotect");
	many_addr = p;
	many_count = n;
}

static void touch_many(void)
{
	for (long i = 0; i < many_count; i++) {
		volatile unsigned char *q = many_addr + (size_t)i * pagesz;

		if (i % 2)
			*q = (unsigned char)(i | 1);
		else
			(void)*q;
	}
}

static void map_hole(void)
{
	unsigned char *p;

	p = map_guarded(3 * pagesz, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1);
	memset(p, 0xa5, 3 * pagesz);
	if (munmap(p + pagesz, pagesz) < 0)
		die("munmap hole");
	hole_addr = p;
}

static void map_locked(size_t len)
{
	unsigned char *p;

	p = map_guarded(len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1);
	memset(p, 0x3c, len);
	if (mlock(p, len) < 0)
		die("mlock %zu", len);
	add_region("locked", p, len);
}

static void *thread_main(void *arg)
{
	(void)arg;
	if (spin) {
		volatile unsigned long n = 0;

		for (;;)
			n++;
	}
	for (;;)
		pause();
	return NULL;
}

static void start_threads(long n)
{
	sigset_t all, old;

	/* Threads block every signal so that the main thread gets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, thread_main, NULL);

		if (e) {
			errno = e;
			die("pthread_create");
		}
		pthread_detach(t);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void start_zombie(void)
{
	siginfo_t si;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(0);
	/* Wait until it has exited, without reaping it. */
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			die("waitid");
	zombie_pid = pid;
}

static void start_sharer(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* map what it shares: fork copies no page table entries of
		 * shared mappings, so they would not count as its Rss */
		for (int i = 0; i < nregions; i++)
			for (size_t k = 0; k < regions[i].len; k += pagesz)
				(void)*(volatile unsigned char *)(regions[i].addr + k);
		for (;;)
			pause();
	}
	sharer_pid = pid;
}

static void put_range(FILE *f, const char *key, const void *start, size_t len)
{
	uintptr_t s = (uintptr_t)start, e = s + len;

	fprintf(f, "%s=0x%lx-0x%lx\n", key, (unsigned long)s, (unsigned long)e);
	fprintf(f, "%s_start=0x%lx\n", key, (unsigned long)s);
	fprintf(f, "%s_end=0x%lx\n", key, (unsigned long)e);
	fprintf(f, "%s_size=%zu\n", key, len);
}

static void write_latch(void)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", ready_path) >= sizeof(tmp))
		die("--ready path too long");
	f = fopen(tmp, "w");
	if (!f)
		die("open %s", tmp);
	fprintf(f, "pid=%ld\n", (long)getpid());
	fprintf(f, "page=%zu\n", pagesz);
	fprintf(f, "gen=%lu\n", gen);
	for (int i = 0; i < nregions; i++)
		put_range(f, regions[i].key, regions[i].addr, regions[i].len);
	if (many_addr) {
		put_range(f, "many", many_addr, (size_t)many_count * pagesz);
		fprintf(f, "many_count=%ld\n", many_count);
	}
	if (hole_addr) {
		put_range(f, "hole", hole_addr, 3 * pagesz);
		put_range(f, "hole_lo", hole_addr, pagesz);
		put_range(f, "hole_mid", hole_addr + pagesz, pagesz);
		put_range(f, "hole_hi", hole_addr + 2 * pagesz, pagesz);
	}
	if (nthreads)
		fprintf(f, "threads=%ld\n", nthreads);
	if (zombie_pid)
		fprintf(f, "zombie=%ld\n", (long)zombie_pid);
	if (sharer_pid)
		fprintf(f, "sharer=%ld\n", (long)sharer_pid);
	if (fflush(f) || fclose(f))
		die("write %s", tmp);
	if (rename(tmp, ready_path) < 0)
		die("rename %s", tmp);
}

static void retouch(void)
{
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (r->pattern)
			fill_pattern(r);
		else if (r->touch)
			read_pages(r->addr, r->len);
		else if (!strcmp(r->key, "locked"))
			read_pages(r->addr, r->len);
	}
	if (many_addr)
		touch_many();
	if (hole_addr) {
		hole_addr[0] ^= 0;
		hole_addr[2 * pagesz] ^= 0;
	}
}

static void verify(void)
{
	int ok = 1;
	int fd;
	char buf[32];
	int n;

	for (int i = 0; i < nregions; i++)
		if (regions[i].pattern && !check_pattern(&regions[i]))
			ok = 0;
	if (!verify_path)
		return;
	fd = open(verify_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open %s", verify_path);
	n = snprintf(buf, sizeof(buf), "intact=%d\n", ok);
	if (write(fd, buf, (size_t)n) != n)
		die("write %s", verify_path);
	close(fd);
}

static const char *need_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		errno = 0;
		die("%s needs an argument", argv[*i]);
	}
	return argv[++*i];
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t block, waitmask;

	pagesz = (size_t)sysconf(_SC_PAGESIZE);

	/* Block our signals before anything is mapped: none is lost. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGUSR1);
	sigdelset(&waitmask, SIGUSR2);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		errno = 0;
		if (!strcmp(o, "--ready"))
			ready_path = need_arg(argc, argv, &i);
		else if (!strcmp(o, "--verify"))
			verify_path = need_arg(argc, argv, &i);
		else if (!strcmp(o, "--file"))
			map_file("file", need_arg(argc, argv, &i), 1);
		else if (!strcmp(o, "--map-only"))
			map_file("maponly", need_arg(argc, argv, &i), 0);
		else if (!strcmp(o, "--shared-file"))
			map_file_as("shfile", need_arg(argc, argv, &i), 1, MAP_SHARED, 0);
		else if (!strcmp(o, "--cow-file"))
			map_file_as("cowfile", need_arg(argc, argv, &i), 1, MAP_PRIVATE, 1);
		else if (!strcmp(o, "--anon"))
			map_anon("anon", parse_num(need_arg(argc, argv, &i), o) * MIB, 0);
		else if (!strcmp(o, "--shared-anon"))
			map_anon("shanon", parse_num(need_arg(argc, argv, &i), o) * MIB, 1);
		else if (!strcmp(o, "--memfd"))
			map_memfd(need_arg(argc, argv, &i));
		else if (!strcmp(o, "--many"))
			map_many((long)parse_num(need_arg(argc, argv, &i), o));
		else if (!strcmp(o, "--hole"))
			map_hole();
		else if (!strcmp(o, "--locked"))
			map_locked(parse_num(need_arg(argc, argv, &i), o) * MIB);
		else if (!strcmp(o, "--threads"))
			nthreads = (long)parse_num(need_arg(argc, argv, &i), o);
		else if (!strcmp(o, "--spin"))
			spin = 1;
		else if (!strcmp(o, "--main-exits"))
			main_exits = 1;
		else if (!strcmp(o, "--zombie-child"))
			start_zombie();
		else if (!strcmp(o, "--sharer"))
			start_sharer();
		else
			die("unknown option '%s' (see the comment at the top of target.c)", o);
	}
	errno = 0;
	if (!ready_path)
		die("--ready PATH is required");
	for (int i = 0; i < nregions; i++)
		if (!regions[i].len)
			die("--%s size must be > 0", regions[i].key);
	if (nthreads)
		start_threads(nthreads);

	write_latch();
	if (main_exits)
		pthread_exit(NULL);

	while (!want_exit) {
		sigsuspend(&waitmask);
		if (want_touch) {
			want_touch = 0;
			retouch();
			gen++;
			write_latch();
		}
		if (want_verify) {
			want_verify = 0;
			verify();
		}
	}
	return 0;
}
