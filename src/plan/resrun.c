/* Runs of pages by residency. See resrun.h. */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "plan/plan.h"

int resrun_add(struct res_runs *r, uint64_t start, uint64_t end,
	       unsigned int flags)
{
	struct res_run *v;

	if (!flags || start >= end)
		return 0;
	if (r->n && r->v[r->n - 1].end == start && r->v[r->n - 1].flags == flags) {
		r->v[r->n - 1].end = end;
		return 0;
	}
	v = array_grow(r->v, r->n, &r->cap, sizeof(*v), 64);
	if (!v)
		return -1;
	r->v = v;
	r->v[r->n++] = (struct res_run){ start, end, flags };
	return 0;
}

unsigned int resrun_entry_flags(uint64_t entry)
{
	unsigned int f = 0;

	if (entry & PM_ENTRY_PRESENT) {
		f |= RES_PRESENT;
		/* exclusivity and file-ness describe a mapped page only */
		if (entry & PM_ENTRY_EXCLUSIVE)
			f |= RES_EXCLUSIVE;
		if (entry & PM_ENTRY_FILE)
			f |= RES_FILE;
	} else if (entry & PM_ENTRY_SWAPPED) {
		f |= RES_SWAPPED;
	}
	return f;
}

int resrun_add_entries(struct res_runs *r, const uint64_t *ent, size_t n,
		       uint64_t start, uint64_t page)
{
	size_t i = 0;

	while (i < n) {
		unsigned int f = resrun_entry_flags(ent[i]);
		size_t k = i + 1;

		while (k < n && resrun_entry_flags(ent[k]) == f)
			k++;
		if (resrun_add(r, start + i * page, start + k * page, f))
			return -1;
		i = k;
	}
	return 0;
}

size_t resrun_find(const struct res_runs *r, uint64_t addr)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t resrun_sum(const struct res_runs *r, uint64_t start, uint64_t end,
		    unsigned int mask)
{
	uint64_t sum = 0;

	for (size_t i = resrun_find(r, start); i < r->n && r->v[i].start < end; i++) {
		uint64_t s = r->v[i].start > start ? r->v[i].start : start;
		uint64_t e = r->v[i].end < end ? r->v[i].end : end;

		if ((r->v[i].flags & mask) == mask)
			sum += e - s;
	}
	return sum;
}

void resrun_free(struct res_runs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
