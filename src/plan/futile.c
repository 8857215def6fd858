/* Futile advice out of a plan. See futile.h. */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

static int skip_by_start(const void *a, const void *b)
{
	const struct skip *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int futile_apply(struct plan *p, const struct maps *maps, futile_rule rule,
		 void *ctx)
{
	size_t nfutile = 0, k = 0;
	struct skip *s;

	for (size_t i = 0; i < p->npieces; i++)
		if (rule(&maps->v[p->pieces[i].map], ctx))
			nfutile++;
	if (!nfutile)
		return 0;
	s = realloc(p->skips, (p->nskips + nfutile) * sizeof(*s));
	if (!s)
		return -1;
	p->skips = s;
	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];
		const char *why = rule(&maps->v[pc->map], ctx);

		if (!why) {
			p->pieces[k++] = *pc;
			continue;
		}
		s[p->nskips++] = (struct skip){ pc->start, pc->end, pc->map, why };
		p->bytes -= pc->end - pc->start;
	}
	p->npieces = k;
	qsort(p->skips, p->nskips, sizeof(*p->skips), skip_by_start);
	return 0;
}
