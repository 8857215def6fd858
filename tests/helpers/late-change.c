/* late-change LATCH: three 1 MiB anonymous regions A, B, C (touched, each
 * between guard pages), reported in LATCH as a=, b=, c= and span= (A..C).
 * SIGUSR1 mlocks B, SIGUSR2 unmaps B; either writes "changed=1" to LATCH.
 * For tests that change the target after pmadv read its maps: the kernel
 * then refuses (mlock: EINVAL for cold/pageout) or fails (unmapped: ENOMEM)
 * one range of a batch, and pmadv must isolate it and go on. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t what;

static void on_signal(int sig)
{
	what = sig;
}

static void latch(const char *path, char *const r[3], size_t len, int changed)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "a=%p-%p\nb=%p-%p\nc=%p-%p\nspan=%p-%p\nchanged=%d\n",
		(void *)r[0], (void *)(r[0] + len), (void *)r[1], (void *)(r[1] + len),
		(void *)r[2], (void *)(r[2] + len), (void *)r[0], (void *)(r[2] + len),
		changed);
	fclose(f);
	rename(tmp, path);
}

int main(int argc, char **argv)
{
	const size_t len = 1 << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	char *base, *r[3];
	sigset_t block, old;

	if (argc != 2) {
		fprintf(stderr, "usage: late-change LATCH\n");
		return 2;
	}
	/* A, B, C with a PROT_NONE page between them: never merged */
	base = mmap(NULL, 3 * (len + page) + page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return 1;
	for (int i = 0; i < 3; i++) {
		r[i] = base + page + (size_t)i * (len + page);
		if (mprotect(r[i], len, PROT_READ | PROT_WRITE))
			return 1;
		memset(r[i], 'a' + i, len);
	}
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	latch(argv[1], r, len, 0);
	for (;;) {
		sigsuspend(&old);
		if (what == SIGUSR1 && mlock(r[1], len))
			perror("mlock");
		if (what == SIGUSR2 && munmap(r[1], len))
			perror("munmap");
		if (what)
			latch(argv[1], r, len, 1);
		what = 0;
	}
}
