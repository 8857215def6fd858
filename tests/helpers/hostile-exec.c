/*
 * hostile-exec - a target that replaces its own image on request.
 *
 * Usage: hostile-exec --ready LATCH MARKER
 *
 * Maps 8 MiB of anonymous memory (written) at a fixed hint address far from
 * anything the loader uses (MAP_FIXED_NOREPLACE; elsewhere if taken), so
 * that after an exec nothing is mapped there, and writes the latch (pid=,
 * page=, region_start=0x.., region_end=0x..; atomically via LATCH.tmp).
 * On SIGUSR1 it execs itself (/proc/self/exe) as "hostile-exec --execed
 * MARKER": the new image, same PID, maps nothing of its own, writes
 * "execed=PID" to MARKER (atomically) and waits forever. The signal handler
 * only sets a flag; the exec happens in the main loop, so a target stopped
 * by SIGSTOP execs only once it is continued. Exits on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define LEN (8UL << 20)
#define HINT ((void *)0x3e0000000000UL)

static volatile sig_atomic_t want_exec;

static void die(const char *what)
{
	fprintf(stderr, "hostile-exec: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_usr1(int sig)
{
	(void)sig;
	want_exec = 1;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		die(tmp);
	if (rename(tmp, path) < 0)
		die(path);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	sigset_t block, old;
	char buf[512];
	unsigned char *p;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (argc == 3 && !strcmp(argv[1], "--execed")) {
		snprintf(buf, sizeof(buf), "execed=%ld\n", (long)getpid());
		write_atomic(argv[2], buf);
		for (;;)
			pause();
	}
	if (argc != 4 || strcmp(argv[1], "--ready")) {
		fputs("usage: hostile-exec --ready LATCH MARKER\n", stderr);
		return 2;
	}
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		die("sigaction");
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);

	p = mmap(HINT, LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 0x5a, LEN);
	snprintf(buf, sizeof(buf), "pid=%ld\npage=%ld\nregion_start=0x%lx\n"
		 "region_end=0x%lx\n", (long)getpid(), sysconf(_SC_PAGESIZE),
		 (unsigned long)p, (unsigned long)(p + LEN));
	write_atomic(argv[2], buf);

	while (!want_exec)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	execl("/proc/self/exe", "hostile-exec", "--execed", argv[3], (char *)NULL);
	die("exec");
}
