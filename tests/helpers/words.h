/* The page of little-endian 64-bit words a test helper shares with its
 * test (read there with od): FILE is created, one page long, and mapped
 * shared. Exits 1 with a message when it cannot be. */
#ifndef PMADV_TEST_WORDS_H
#define PMADV_TEST_WORDS_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile uint64_t *map_words(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	void *p;

	if (fd < 0 || ftruncate(fd, 4096) != 0) {
		perror(path);
		exit(1);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	close(fd);
	return p;
}

#endif
