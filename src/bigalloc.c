/* Huge-page friendly allocation for large arrays. */
#include <stdlib.h>
#include <sys/mman.h>

#include "bigalloc.h"

#define HUGE_SIZE (2UL << 20)

void *big_alloc(size_t size)
{
	size_t rounded;
	void *p;

	if (size < HUGE_SIZE)
		return malloc(size ? size : 1);
	rounded = (size + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	p = aligned_alloc(HUGE_SIZE, rounded);
	/* a hint only: with THP "madvise" it enables huge pages here, with
	 * "always" it is already so, with "never" nothing changes */
	if (p)
		(void)madvise(p, rounded, MADV_HUGEPAGE);
	return p;
}
