/* bench/gen: a benchmark target with N mappings that cannot merge.
 *
 *   gen N LATCHFILE
 *
 * Reserves N pages, then maps over them alternately one page of private
 * anonymous read-write memory and one page of a private read-only mapping of
 * a temporary file (an anonymous and a file-backed mapping never merge, and
 * two file mappings are never adjacent). Every page is touched (anon pages
 * written, file pages read), then LATCHFILE is written with the PID and the
 * program pauses until killed. Total mappings = N + what libc and the loader
 * bring (~25); vm.max_map_count (65530 by default) must exceed that. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/pmadv-bench-gen.XXXXXX";
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long n;
	char *base, *end;
	int fd;

	if (argc != 3 || (n = strtoul(argv[1], &end, 10)) == 0 || *end) {
		fprintf(stderr, "usage: gen N LATCHFILE\n");
		return 2;
	}
	fd = mkstemp(tmpl);
	if (fd < 0 || ftruncate(fd, pg) < 0 || pwrite(fd, "x", 1, 0) != 1) {
		perror("gen: temp file");
		return 1;
	}
	unlink(tmpl);	/* the mappings keep it; shows as "(deleted)": file-backed */
	base = mmap(NULL, n * (size_t)pg, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		perror("gen: reserve");
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		char *a = base + i * (size_t)pg;
		void *r;

		if (i % 2 == 0)
			r = mmap(a, pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		else
			r = mmap(a, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
		if (r == MAP_FAILED) {
			fprintf(stderr, "gen: mapping %lu of %lu: %s%s\n", i + 1, n,
				strerror(errno), errno == ENOMEM ?
				" (raise vm.max_map_count)" : "");
			return 1;
		}
		if (i % 2 == 0)
			memset(a, (int)(i & 0xff) | 1, (size_t)pg);
		else
			(void)*(volatile char *)a;
	}
	close(fd);
	{
		char tmp[4096], buf[32];
		int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		int lfd;

		/* write then rename: the latch appears complete or not at all */
		snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
		lfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (lfd < 0 || write(lfd, buf, (size_t)len) != len ||
		    close(lfd) < 0 || rename(tmp, argv[2]) < 0) {
			perror("gen: latch file");
			return 1;
		}
	}
	for (;;)
		pause();
}
