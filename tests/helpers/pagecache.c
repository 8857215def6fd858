/* pagecache drop FILE...   drop the clean, unmapped page cache of FILEs
 * pagecache count FILE     print how many of FILE's pages are in memory
 * For the race test: WILLNEED reading a dropped file back in is a signal
 * that background reclaim (which only evicts) cannot fake. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int drop(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fdatasync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		perror(path);
		return 1;
	}
	close(fd);
	return 0;
}

static int count(const char *path)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	unsigned char *vec;
	size_t pages, n = 0;
	void *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	pages = ((size_t)st.st_size + (size_t)page - 1) / (size_t)page;
	/* mapped, never touched: mincore then reports page cache residency */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(pages ? pages : 1);
	if (p == MAP_FAILED || !vec || mincore(p, (size_t)st.st_size, vec)) {
		perror("mincore");
		return 1;
	}
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	printf("%zu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc >= 3 && !strcmp(argv[1], "drop")) {
		for (int i = 2; i < argc; i++)
			rc |= drop(argv[i]);
		return rc;
	}
	if (argc == 3 && !strcmp(argv[1], "count"))
		return count(argv[2]);
	fprintf(stderr, "usage: pagecache drop FILE... | pagecache count FILE\n");
	return 2;
}
