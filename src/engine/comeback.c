/* Pageout's comeback guard, pure half: the sample, the sums. See engine.h. */
#include <stdbool.h>
#include <stdlib.h>

#include "engine/engine.h"

int comeback_sample(const struct plan *p, const struct maps *maps,
		    uint64_t page, const bool *guarded, struct piece **out,
		    size_t *n, size_t *nall)
{
	size_t cap = p->npieces * COMEBACK_STRIPES + 1, k = 0, others = 0;
	struct piece *v = malloc(cap * sizeof(*v));

	*out = NULL;
	*n = *nall = 0;
	if (!v)
		return -1;
	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];
		const struct mapping *m = &maps->v[pc->map];
		uint64_t len = m->end - m->start, take, stripe, gap;

		if (guarded && !guarded[pc->pair]) {
			v[k++] = *pc;	/* not the guard's advice */
			others++;
			continue;
		}
		if (len <= COMEBACK_WHOLE) {
			v[k++] = *pc;
			continue;
		}
		take = len / 16 < COMEBACK_SAMPLE_MAX ? len / 16 : COMEBACK_SAMPLE_MAX;
		/* whole pages, one at least per stripe */
		stripe = take / COMEBACK_STRIPES / page * page;
		if (!stripe)
			stripe = page;
		gap = len / COMEBACK_STRIPES / page * page;
		for (unsigned int j = 0; j < COMEBACK_STRIPES; j++) {
			/* spread: hot data is rarely only where a mapping starts */
			uint64_t s = m->start + j * gap, e = s + stripe;

			if (s < pc->start)
				s = pc->start;
			if (e > pc->end)
				e = pc->end;
			if (s < e)
				v[k++] = (struct piece){ s, e, pc->map, pc->pair };
		}
	}
	qsort(v, k, sizeof(*v), by_start);
	*out = v;
	*n = k - others;
	*nall = k;
	return 0;
}

uint64_t resspan_both(const struct res_spans *a, unsigned int amask,
		      const struct res_spans *b, unsigned int bmask,
		      uint64_t start, uint64_t end)
{
	uint64_t sum = 0;

	for (size_t i = resspan_find(a, start); i < a->n && a->v[i].start < end; i++) {
		uint64_t s = a->v[i].start > start ? a->v[i].start : start;
		uint64_t e = a->v[i].end < end ? a->v[i].end : end;

		if ((a->v[i].flags & amask) == amask && s < e)
			sum += resspan_sum(b, s, e, bmask);
	}
	return sum;
}

bool comeback_hot(uint64_t paged_out, uint64_t came_back, unsigned int pct)
{
	return paged_out >= COMEBACK_MIN_OUT &&
	       (unsigned __int128)came_back * 100 > (unsigned __int128)paged_out * pct;
}
