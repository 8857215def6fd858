/* Large, short-lived arrays (maps text, mappings, pieces) for targets with
 * tens of thousands of mappings. Most of pmadv's cost there is first-touch
 * page faults: a 2 MiB-aligned block can be backed by huge pages, one fault
 * per 2 MiB instead of 512. Small sizes go to malloc. Free with free(). */
#ifndef PMADV_BIGALLOC_H
#define PMADV_BIGALLOC_H

#include <stddef.h>

/* A PMD-sized transparent huge page on x86_64 and arm64 with 4 KiB pages:
 * the unit of big_alloc's alignment and of MADV_COLLAPSE. */
#define HUGE_PAGE_SIZE (2ULL << 20)

void *big_alloc(size_t size);

/* Room for element n of a growing array v of *cap elements of `size`
 * bytes, doubling from `first`. Returns the array, perhaps moved (and
 * *cap grown), or NULL when out of memory (v is then still valid). */
void *array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

/* Fault in `size` bytes of heap and keep them: the small arrays a freeze
 * window allocates then land on resident pages instead of taking page
 * faults while the target is frozen. Call it after any fork (the guardian):
 * pages shared with a child would fault again on the first write. */
void heap_prewarm(size_t size);

#endif
