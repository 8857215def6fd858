/* Choosing resident spans up to a budget. See plan.h. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>

#include "lib/lib.h"
#include "plan/plan.h"

/* A piece's bytes under the mask, or a target's movable bytes. */
struct ranked {
	size_t idx;
	uint64_t bytes;
};

/* Most bytes first; ties in index order. */
static int by_bytes_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct out {
	struct piece *v;
	size_t n, cap;
	uint64_t bytes;
};

/* Take the spans of one piece until the budget is spent. */
static int take_piece(struct out *o, const struct piece *pc,
		      const struct res_spans *spans, unsigned int mask,
		      uint64_t budget, uint64_t page)
{
	for (size_t i = resspan_find(spans, pc->start);
	     i < spans->n && spans->v[i].start < pc->end && o->bytes < budget; i++) {
		uint64_t s = spans->v[i].start > pc->start ? spans->v[i].start : pc->start;
		uint64_t e = spans->v[i].end < pc->end ? spans->v[i].end : pc->end;
		struct piece *v;

		if ((spans->v[i].flags & mask) != mask || e <= s)
			continue;	/* e <= s: a span out of order */
		if (e - s > budget - o->bytes)
			e = s + ((budget - o->bytes) & ~(page - 1));
		if (e <= s)
			break;
		v = array_grow(o->v, o->n, &o->cap, sizeof(*v), 64);
		if (!v)
			return -1;
		o->v = v;
		o->v[o->n++] = (struct piece){ s, e, pc->map, pc->pair };
		o->bytes += e - s;
	}
	return 0;
}

/* Address order; spans of one mapping that touch become one iovec. */
static void join(struct out *o)
{
	size_t k = 0;

	if (!o->n)
		return;		/* nothing chosen: no array at all */
	qsort(o->v, o->n, sizeof(*o->v), by_start);
	for (size_t i = 0; i < o->n; i++) {
		if (k && o->v[k - 1].map == o->v[i].map &&
		    o->v[k - 1].pair == o->v[i].pair && o->v[k - 1].end == o->v[i].start)
			o->v[k - 1].end = o->v[i].end;
		else
			o->v[k++] = o->v[i];
	}
	o->n = k;
}

int budget_select(struct plan *p, const struct res_spans *spans,
		  unsigned int mask, uint64_t budget, uint64_t page)
{
	struct ranked *rank = malloc((p->npieces ? p->npieces : 1) * sizeof(*rank));
	struct out o = { 0 };

	if (!rank)
		return -1;
	for (size_t i = 0; i < p->npieces; i++)
		rank[i] = (struct ranked){ i, resspan_sum(spans, p->pieces[i].start,
							  p->pieces[i].end, mask) };
	qsort(rank, p->npieces, sizeof(*rank), by_bytes_desc);
	for (size_t k = 0; k < p->npieces && o.bytes < budget && rank[k].bytes; k++)
		if (take_piece(&o, &p->pieces[rank[k].idx], spans, mask, budget, page)) {
			free(rank);
			free(o.v);
			return -1;
		}
	free(rank);
	join(&o);
	plan_set_pieces(p, o.v, o.n, o.n);
	return 0;
}

/* Runs of pages by residency. See plan.h. */
int resspan_add(struct res_spans *r, uint64_t start, uint64_t end,
		unsigned int flags)
{
	struct res_span *v;

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
	r->v[r->n++] = (struct res_span){ start, end, flags };
	return 0;
}

/* The flags of one pagemap entry. */
static unsigned int resspan_entry_flags(uint64_t entry)
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

int resspan_add_entries(struct res_spans *r, const uint64_t *ent, size_t n,
			uint64_t start, uint64_t page)
{
	size_t i = 0;

	while (i < n) {
		unsigned int f = resspan_entry_flags(ent[i]);
		size_t k = i + 1;

		while (k < n && resspan_entry_flags(ent[k]) == f)
			k++;
		if (resspan_add(r, start + i * page, start + k * page, f))
			return -1;
		i = k;
	}
	return 0;
}

uint64_t resspan_sum(const struct res_spans *r, uint64_t start, uint64_t end,
		     unsigned int mask)
{
	uint64_t sum = 0;

	for (size_t i = resspan_find(r, start); i < r->n && r->v[i].start < end; i++) {
		uint64_t s = r->v[i].start > start ? r->v[i].start : start;
		uint64_t e = r->v[i].end < end ? r->v[i].end : end;

		/* s < e: spans out of order must not wrap the sum */
		if ((r->v[i].flags & mask) == mask && s < e)
			sum += e - s;
	}
	return sum;
}

void resspan_free(struct res_spans *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Futile advice out of a plan. See plan.h. */
int futile_apply(struct plan *p, const struct maps *maps, futile_rule rule,
		 void *ctx)
{
	size_t nfutile = 0, k = 0;
	struct skip *s;

	for (size_t i = 0; i < p->npieces; i++)
		if (rule(&maps->v[p->pieces[i].map], &p->pieces[i], ctx))
			nfutile++;
	if (!nfutile)
		return 0;
	s = realloc(p->skips, (p->nskips + nfutile) * sizeof(*s));
	if (!s)
		return -1;
	p->skips = s;
	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];
		const char *why = rule(&maps->v[pc->map], pc, ctx);

		if (!why) {
			p->pieces[k++] = *pc;
			continue;
		}
		s[p->nskips++] = (struct skip){ pc->start, pc->end, pc->map, pc->pair, why };
		p->bytes -= pc->end - pc->start;
	}
	p->npieces = k;
	qsort(p->skips, p->nskips, sizeof(*p->skips), by_start);
	return 0;
}

/* /proc/swaps and cgroup swap limits. See plan.h. */
/* Fields: Filename Type Size Used Priority; a filename with spaces shows
 * them as \040, so whitespace splits fields. */
static int parse_line(const char *line, uint64_t *size, uint64_t *used)
{
	unsigned long long s, u;
	char name[4096], type[64];
	int prio;

	if (sscanf(line, "%4095s %63s %llu %llu %d", name, type, &s, &u, &prio) != 5 ||
	    u > s || s > UINT64_MAX / 1024)
		return -1;
	*size = (uint64_t)s * 1024;
	*used = (uint64_t)u * 1024;
	return 0;
}

int swapinfo_parse_swaps(const char *text, unsigned int *areas,
			 uint64_t *size, uint64_t *free_bytes)
{
	const char *line = strchr(text, '\n');	/* the header */

	*areas = 0;
	*size = *free_bytes = 0;
	while (line && *++line) {
		uint64_t s, u;

		if (*line != '\n') {
			if (parse_line(line, &s, &u))
				return -1;
			(*areas)++;
			*size += s;
			*free_bytes += s - u;
		}
		line = strchr(line, '\n');
	}
	return 0;
}

int swapinfo_parse_limit(const char *text, uint64_t *v)
{
	char *end;

	if (!strncmp(text, "max", 3) && (text[3] == '\n' || !text[3])) {
		*v = UINT64_MAX;
		return 0;
	}
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	*v = strtoull(text, &end, 10);
	return errno || (*end != '\n' && *end) ? -1 : 0;
}

int swapinfo_parse_writeback(const char *text, uint64_t *pages)
{
	static const char key[] = "nr_writeback ";

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, sizeof(key) - 1)) {
			char *end;

			*pages = strtoull(l + sizeof(key) - 1, &end, 10);
			return end == l + sizeof(key) - 1 ? -1 : 0;
		}
	return -1;
}

uint64_t budget_need(uint64_t before, bool down_to_set, uint64_t down_to,
		     uint64_t limit_bytes, unsigned int limit_pct)
{
	if (down_to_set)
		return budget_down_to(before, down_to);
	if (limit_bytes)
		return limit_bytes;
	return (uint64_t)((unsigned __int128)before * limit_pct / 100);
}

bool budget_group_met(uint64_t need, uint64_t movable, bool down_to,
		      uint64_t advised, size_t targets, uint64_t page)
{
	uint64_t want = down_to || need < movable ? need : movable;

	return !need || advised + page * (targets ? targets : 1) > want;
}

int budget_shares(const uint64_t *movable, size_t n, uint64_t need,
		  uint64_t *share)
{
	struct ranked *order = malloc((n ? n : 1) * sizeof(*order));

	if (!order)
		return -1;
	for (size_t i = 0; i < n; i++) {
		order[i] = (struct ranked){ i, movable[i] };
		share[i] = 0;
	}
	/* the most movable first, ties in the order named */
	qsort(order, n, sizeof(*order), by_bytes_desc);
	for (size_t k = 0; k < n && need; k++) {
		size_t i = order[k].idx;

		share[i] = movable[i] < need ? movable[i] : need;
		need -= share[i];
	}
	free(order);
	return 0;
}
