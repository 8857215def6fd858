/* Unit tests: mem_populate and big_alloc's mapping of what it hands out,
 * checked with mincore(2): the pages asked for are resident, the rest of
 * a large array is not, and what was written stays. */
#include <stdbool.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "lib/lib.h"

static size_t page;

/* Resident pages of [p, p + len) (p page-aligned). */
static size_t resident(void *p, size_t len)
{
	size_t n = (len + page - 1) / page, k = 0;
	unsigned char *vec = calloc(n, 1);

	if (!vec || mincore(p, len, vec) != 0) {
		free(vec);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		k += vec[i] & 1;
	free(vec);
	return k;
}

static void *fresh(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Whole pages, a range inside pages, and nothing at all. */
static void populate_ranges(void)
{
	size_t len = 64 * page;
	char *p = fresh(len);

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_NOTE("nothing asked");
	mem_populate(p, 0);
	CHECK_U64(resident(p, len), 0);
	CHECK_NOTE("pages 8..15 whole");
	mem_populate(p + 8 * page, 8 * page);
	CHECK_U64(resident(p, len), 8);
	CHECK_NOTE("from the middle of page 20 to the middle of page 22");
	mem_populate(p + 20 * page + page / 2, 2 * page);
	CHECK_U64(resident(p + 20 * page, 3 * page), 3);
	CHECK_U64(resident(p, len), 11);
	munmap(p, len);
}

/* What was there before stays: the call only maps. */
static void populate_keeps(void)
{
	size_t len = 16 * page;
	unsigned char *p = fresh(len);
	bool same = true;

	CHECK(p != NULL);
	if (!p)
		return;
	for (size_t i = 0; i < len; i += 97)
		p[i] = (unsigned char)(i * 31 + 7);
	mem_populate(p, len);
	for (size_t i = 0; i < len; i += 97)
		same = same && p[i] == (unsigned char)(i * 31 + 7);
	CHECK_NOTE("contents after mem_populate");
	CHECK(same);
	munmap(p, len);
}

/* big_alloc maps a small array whole, a large one's first part only. */
static void big_alloc_maps(void)
{
	/* above malloc's mmap threshold: its own fresh pages to count */
	size_t small = 64 << 10, large = 1536 << 10;
	char *a = big_alloc(large), *b;
	uintptr_t base;

	CHECK(a != NULL);
	if (a) {
		base = ((uintptr_t)a + page - 1) & ~(uintptr_t)(page - 1);
		CHECK_NOTE("a 1.5 MiB array: its first 128 KiB, no more");
		CHECK(resident((void *)base, (128 << 10) - page) ==
		      (128 << 10) / page - 1);
		CHECK(resident((void *)(base + (256 << 10)), 1024 << 10) == 0);
		free(a);
	}
	mallopt(M_MMAP_THRESHOLD, 32 << 10);
	b = big_alloc(small);
	CHECK(b != NULL);
	if (b) {
		base = ((uintptr_t)b + page - 1) & ~(uintptr_t)(page - 1);
		CHECK_NOTE("a 64 KiB array: whole");
		CHECK(resident((void *)base, small - page) == small / page - 1);
		free(b);
	}
}

int main(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	populate_ranges();
	populate_keeps();
	big_alloc_maps();
	return check_done();
}
