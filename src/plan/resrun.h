/* Runs of pages by residency: what /proc/PID/pagemap (or its PAGEMAP_SCAN
 * ioctl) says of each page, merged into address runs of equal flags. Pure:
 * residency.c reads the kernel's answer, this builds and sums the runs. */
#ifndef PMADV_RESRUN_H
#define PMADV_RESRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum res_flag {
	RES_PRESENT = 1 << 0,	/* in memory, mapped here (counts in Rss) */
	RES_SWAPPED = 1 << 1,	/* in swap */
	RES_EXCLUSIVE = 1 << 2,	/* mapped by this process only (mapcount 1):
				 * cold/pageout act on it */
	RES_FILE = 1 << 3,	/* a file page or shared anonymous */
};

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_ENTRY_PRESENT (1ULL << 63)
#define PM_ENTRY_SWAPPED (1ULL << 62)
#define PM_ENTRY_FILE (1ULL << 61)
#define PM_ENTRY_EXCLUSIVE (1ULL << 56)

struct res_run {
	uint64_t start, end;
	unsigned int flags;	/* enum res_flag, never 0 */
};

/* Sorted, disjoint runs; pages neither present nor swapped are left out. */
struct res_runs {
	struct res_run *v;
	size_t n, cap;
	bool exclusive_known;	/* RES_EXCLUSIVE was read (pagemap), not
				 * unknown (PAGEMAP_SCAN has no such bit) */
};

/* Append [start, end) with flags (ignored when 0), merged into the last run
 * when adjacent with equal flags. Runs must come in address order.
 * Returns 0 or -1 (no memory). */
int resrun_add(struct res_runs *r, uint64_t start, uint64_t end,
	       unsigned int flags);

/* The flags of one pagemap entry. */
unsigned int resrun_entry_flags(uint64_t entry);

/* Append the runs of n pagemap entries for pages from start on. */
int resrun_add_entries(struct res_runs *r, const uint64_t *ent, size_t n,
		       uint64_t start, uint64_t page);

/* Bytes of [start, end) in runs whose flags include all of mask. */
uint64_t resrun_sum(const struct res_runs *r, uint64_t start, uint64_t end,
		    unsigned int mask);

/* Index of the first run ending after addr (r->n if none). */
size_t resrun_find(const struct res_runs *r, uint64_t addr);

void resrun_free(struct res_runs *r);

#endif
