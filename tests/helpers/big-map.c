/* big-map GIB LATCH: one untouched anonymous mapping of GIB GiB
 * (MAP_NORESERVE: costs no memory), reported as big=START-END in LATCH;
 * then waits. For the per-call byte cap: the kernel silently ignores what
 * lies past 0x7ffff000 bytes in one process_madvise call. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len;
	char *p;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: big-map GIB LATCH\n");
		return 2;
	}
	len = strtoul(argv[1], NULL, 10) << 30;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fprintf(f, "big=%p-%p\n", (void *)p, (void *)(p + len));
	fclose(f);
	for (;;)
		pause();
}
