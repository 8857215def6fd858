/* Choosing resident runs up to a budget. See budget.h. */
#include <stdlib.h>

#include "lib/lib.h"
#include "plan/plan.h"

struct ranked {
	size_t piece;
	uint64_t bytes;		/* under the mask */
};

static int by_bytes_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->piece < y->piece ? -1 : x->piece > y->piece;
}

static int by_start(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct out {
	struct piece *v;
	size_t n, cap;
	uint64_t bytes;
};

/* Take the runs of one piece until the budget is spent. */
static int take_piece(struct out *o, const struct piece *pc,
		      const struct res_runs *runs, unsigned int mask,
		      uint64_t budget, uint64_t page)
{
	for (size_t i = resrun_find(runs, pc->start);
	     i < runs->n && runs->v[i].start < pc->end && o->bytes < budget; i++) {
		uint64_t s = runs->v[i].start > pc->start ? runs->v[i].start : pc->start;
		uint64_t e = runs->v[i].end < pc->end ? runs->v[i].end : pc->end;
		struct piece *v;

		if ((runs->v[i].flags & mask) != mask)
			continue;
		if (e - s > budget - o->bytes)
			e = s + ((budget - o->bytes) & ~(page - 1));
		if (e <= s)
			break;
		v = array_grow(o->v, o->n, &o->cap, sizeof(*v), 64);
		if (!v)
			return -1;
		o->v = v;
		o->v[o->n++] = (struct piece){ s, e, pc->map };
		o->bytes += e - s;
	}
	return 0;
}

/* Address order; runs of one mapping that touch become one iovec. */
static void join(struct out *o)
{
	size_t k = 0;

	if (!o->n)
		return;		/* nothing chosen: no array at all */
	qsort(o->v, o->n, sizeof(*o->v), by_start);
	for (size_t i = 0; i < o->n; i++) {
		if (k && o->v[k - 1].map == o->v[i].map && o->v[k - 1].end == o->v[i].start)
			o->v[k - 1].end = o->v[i].end;
		else
			o->v[k++] = o->v[i];
	}
	o->n = k;
}

int budget_select(struct plan *p, const struct res_runs *runs,
		  unsigned int mask, uint64_t budget, uint64_t page)
{
	struct ranked *rank = malloc((p->npieces ? p->npieces : 1) * sizeof(*rank));
	struct out o = { 0 };

	if (!rank)
		return -1;
	for (size_t i = 0; i < p->npieces; i++)
		rank[i] = (struct ranked){ i, resrun_sum(runs, p->pieces[i].start,
							 p->pieces[i].end, mask) };
	qsort(rank, p->npieces, sizeof(*rank), by_bytes_desc);
	for (size_t k = 0; k < p->npieces && o.bytes < budget && rank[k].bytes; k++)
		if (take_piece(&o, &p->pieces[rank[k].piece], runs, mask, budget, page)) {
			free(rank);
			free(o.v);
			return -1;
		}
	free(rank);
	join(&o);
	free(p->pieces);
	p->pieces = o.v;
	p->npieces = o.n;
	p->bytes = o.bytes;
	return 0;
}
