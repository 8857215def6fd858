/* A target whose address space keeps changing under pmadv:
 *   flipper FILE_A FILE_B [PAGES [HOLD_US]]
 * maps PAGES pages (default 16) at one fixed address, alternately from
 * FILE_A and FILE_B (MAP_SHARED | MAP_FIXED, read-only, never touched, so
 * no page of either file is brought in by the flipper itself), holding each
 * for HOLD_US microseconds (default 0), forever. Prints the address (hex)
 * on stdout once the first mapping is in place: ready from then on. Both
 * files must be at least PAGES pages long. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long pages = argc > 3 ? strtol(argv[3], NULL, 10) : 16;
	long hold = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
	size_t len;
	int fd[2];
	void *addr;

	if (argc < 3 || pages < 1) {
		fprintf(stderr, "usage: flipper FILE_A FILE_B [PAGES [HOLD_US]]\n");
		return 2;
	}
	len = (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < 2; i++) {
		fd[i] = open(argv[1 + i], O_RDONLY | O_CLOEXEC);
		if (fd[i] < 0) {
			perror(argv[1 + i]);
			return 1;
		}
	}
	/* reserve the address once; every flip replaces it in place */
	addr = mmap(NULL, len, PROT_READ, MAP_SHARED, fd[0], 0);
	if (addr == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("%lx\n", (unsigned long)addr);
	fflush(stdout);
	for (unsigned long n = 1;; n++) {
		if (mmap(addr, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd[n & 1], 0)
		    == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		if (hold) {
			struct timespec ts = { hold / 1000000, (hold % 1000000) * 1000 };

			nanosleep(&ts, NULL);
		}
	}
}
