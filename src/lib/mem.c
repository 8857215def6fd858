/* pmadv's own memory: huge-page friendly large arrays, growable and sorted
 * arrays, the prewarm and unshare before a window; and an optional dlopen. */
#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/lib.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void mem_populate(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + len + page - 1) & ~(page - 1);

	if (!len || madvise((void *)a, b - a, MADV_POPULATE_WRITE) == 0)
		return;
	/* an older kernel: a touch per page, what was there kept */
	for (volatile char *q = p; q < (char *)p + len; q += page)
		*q = *q;
}

#define BIG_POPULATE (128u << 10)

void *big_alloc(size_t size)
{
	size_t rounded;
	void *p;

	if (size < HUGE_PAGE_SIZE) {
		/* its callers fill it, or its first part (worst-case
		 * sizes): that part mapped now in one call; bounded, so an
		 * array used by half is not made resident whole */
		p = malloc(size ? size : 1);
		if (p)
			mem_populate(p, size < BIG_POPULATE ? size : BIG_POPULATE);
	} else {
		rounded = (size + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
		p = aligned_alloc(HUGE_PAGE_SIZE, rounded);
		/* a hint only: THP "madvise" enables huge pages here,
		 * "always" has them already, "never" changes nothing */
		if (p)
			(void)madvise(p, rounded, MADV_HUGEPAGE);
	}
	return p;
}

void *lib_load(const char *soname, const char *const *names, void **const *fns,
	       size_t n, char *why, size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	size_t i = 0;

	while (h && i < n && (*fns[i] = dlsym(h, names[i])))
		i++;
	if (h && i == n)
		return h;
	snprintf(why, len, "%s", dlerror());	/* before dlclose */
	if (h)
		dlclose(h);
	return NULL;
}

void *array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;

	if (n < *cap)
		return v;
	v = realloc(v, ncap * size);
	if (v)
		*cap = ncap;
	return v;
}

int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

size_t first_ending_after(const void *v, size_t n, size_t size, size_t end_at,
			  uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (*(const uint64_t *)((const char *)v + mid * size + end_at) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void heap_keep(void)
{
	/* glibc's largest mmap threshold; trimming only far above it */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

void heap_prewarm(size_t size)
{
	char *p;

	heap_keep();
	p = malloc(size);
	if (p) {
		mem_populate(p, size);
		free(p);
	}
}

/* pmadv's own arrays are tens of MiB at most; what is larger is not
 * pmadv's heap (AddressSanitizer's shadow is a 15 TiB rw-p mapping: its
 * mincore vector alone would be 3.5 GiB) */
#define UNSHARE_MAX_MAPPING (1ULL << 30)

/* Only spans of resident pages: the rest would fault as fresh memory
 * anyway, and populating them would only grow pmadv. */
static void unshare_range(uintptr_t s, uintptr_t e, size_t pg,
			  unsigned char **vec, size_t *cap)
{
	size_t n = (e - s) / pg, i, j;

	if (n > *cap) {
		unsigned char *v = realloc(*vec, n);

		if (!v)
			return;
		*vec = v;
		*cap = n;
	}
	if (mincore((void *)s, e - s, *vec) != 0)
		return;
	for (i = 0; i < n; i = j) {
		for (; i < n && !((*vec)[i] & 1); i++)
			;
		for (j = i; j < n && ((*vec)[j] & 1); j++)
			;
		if (j > i)
			(void)madvise((void *)(s + i * pg), (j - i) * pg,
				      MADV_POPULATE_WRITE);
	}
}

void own_memory_unshare(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), cap = 0;
	unsigned char *vec = NULL;
	char line[512], perm[8];
	unsigned long s, e;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) != 3 ||
		    strcmp(perm, "rw-p") || e - s > UNSHARE_MAX_MAPPING)
			continue;
		/* the heap whole: the window's arrays land in chunks freed by
		 * the preview, whose untouched tails would fault */
		if (strstr(line, "[heap]"))
			(void)madvise((void *)s, e - s, MADV_POPULATE_WRITE);
		else
			unshare_range(s, e, pg, &vec, &cap);
	}
	free(vec);
	fclose(f);
}
