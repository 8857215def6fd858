/* Huge-page friendly allocation for large arrays. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/lib.h"

void *big_alloc(size_t size)
{
	size_t rounded;
	void *p;

	if (size < HUGE_PAGE_SIZE)
		return malloc(size ? size : 1);
	rounded = (size + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
	p = aligned_alloc(HUGE_PAGE_SIZE, rounded);
	/* a hint only: with THP "madvise" it enables huge pages here, with
	 * "always" it is already so, with "never" nothing changes */
	if (p)
		(void)madvise(p, rounded, MADV_HUGEPAGE);
	return p;
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

void heap_prewarm(size_t size)
{
	char *p;

	/* served from the heap, not a fresh mmap, and not trimmed on free */
	mallopt(M_MMAP_THRESHOLD, (int)(size * 2));
	mallopt(M_TRIM_THRESHOLD, (int)(size * 4));
	p = malloc(size);
	if (p) {
		/* volatile: a memset just before free is a dead store that
		 * the compiler may drop */
		for (size_t i = 0; i < size; i += 4096)
			((volatile char *)p)[i] = 0;
		free(p);
	}
}
