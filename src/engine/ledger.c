/* The record of ranges across bounded windows. See engine.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

static int push(struct ledger *l, const struct mapping *m, uint64_t start,
		uint64_t end, uint32_t pair, const char *reason)
{
	struct ledger_entry *x = array_grow(l->v, l->n, &l->cap, sizeof(*x), 64);
	char *name;

	if (!x)
		return -1;
	l->v = x;
	name = strndup(m->name, m->name_len);
	if (!name)
		return -1;
	x = &l->v[l->n++];
	*x = (struct ledger_entry){ .map = *m, .whole_start = m->start,
				    .whole_end = m->end, .pair = pair,
				    .reason = reason };
	x->map.name = name;
	x->map.start = start;
	x->map.end = end;
	if (l->n > 1 && l->v[l->n - 2].map.start >= start)
		l->sorted = false;
	return 0;
}

int ledger_add(struct ledger *l, const struct mapping *m, uint64_t start,
	       uint64_t end, uint32_t pair, uint64_t advised, int err)
{
	if (l->n == 0)
		l->sorted = true;
	if (push(l, m, start, end, pair, NULL))
		return -1;
	l->v[l->n - 1].advised = advised;
	l->v[l->n - 1].err = err;
	l->attempted += end - start;
	return 0;
}

static void sort(struct ledger *l)
{
	if (!l->sorted && l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), by_start);
	l->sorted = true;
}

/* A skip where a later window advised (a new mapping, a munlock since)
 * loses that part, so entries, and the result's rows, never overlap. */
static int trim_skips(struct ledger *l)
{
	size_t n = l->n, na = 0, k = 0;
	struct addr_range *att;	/* the attempted entries, in order */

	sort(l);
	att = malloc((n ? n : 1) * sizeof(*att));
	if (!att)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!l->v[i].reason)
			att[na++] = (struct addr_range){ l->v[i].map.start,
							 l->v[i].map.end };
	for (size_t i = 0; i < n && na; i++) {
		if (!l->v[i].reason)
			continue;
		for (size_t j = FIRST_ENDING_AFTER(att, na, end, l->v[i].map.start);
		     j < na && att[j].start < l->v[i].map.end; j++) {
			struct ledger_entry *x = &l->v[i];
			uint64_t ys = att[j].start, ye = att[j].end;

			if (ys > x->map.start && ye < x->map.end) {
				/* split: the head [start, ys) a new entry, the
				 * skip goes on as the tail [ye, end) */
				struct mapping whole = x->map;

				whole.start = x->whole_start;
				whole.end = x->whole_end;
				if (push(l, &whole, x->map.start, ys, x->pair,
					 x->reason)) {
					free(att);
					return -1;
				}
				x = &l->v[i];	/* push may have moved v */
				x->map.start = ye;
			} else if (ys <= x->map.start) {
				x->map.start = ye < x->map.end ? ye : x->map.end;
			} else {
				x->map.end = ys;
			}
		}
	}
	free(att);
	/* drop skips trimmed to nothing */
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].map.start >= l->v[i].map.end) {
			free((char *)l->v[i].map.name);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
	l->sorted = false;
	sort(l);
	return 0;
}

/* Keep only the selectors no plan so far has matched. */
static int note_unmatched(struct ledger *l, const struct plan *p)
{
	size_t k = 0;

	if (!l->planned) {
		l->planned = true;
		if (!p->nunmatched)
			return 0;
		l->unmatched = malloc(p->nunmatched * sizeof(*l->unmatched));
		if (!l->unmatched)
			return -1;
		memcpy(l->unmatched, p->unmatched, p->nunmatched * sizeof(*l->unmatched));
		l->nunmatched = p->nunmatched;
		return 0;
	}
	for (size_t i = 0; i < l->nunmatched; i++) {
		bool still = false;

		for (size_t j = 0; j < p->nunmatched && !still; j++)
			still = p->unmatched[j].what == l->unmatched[i].what;
		if (still)
			l->unmatched[k++] = l->unmatched[i];
	}
	l->nunmatched = k;
	return 0;
}

int ledger_note_plan(struct ledger *l, const struct plan *p,
		     const struct maps *maps)
{
	size_t n0;

	if (trim_skips(l))
		return -1;
	n0 = l->n;
	/* each skip's parts no entry covers yet (entries are disjoint) */
	for (size_t i = 0; i < p->nskips; i++) {
		const struct skip *s = &p->skips[i];
		uint64_t at = s->start;

		for (size_t j = FIRST_ENDING_AFTER(l->v, n0, map.end, at);
		     j < n0 && l->v[j].map.start < s->end; j++) {
			if (l->v[j].map.start > at &&
			    push(l, &maps->v[s->map], at, l->v[j].map.start,
				 s->pair, s->reason))
				return -1;
			at = l->v[j].map.end;
		}
		if (at < s->end && push(l, &maps->v[s->map], at, s->end, s->pair,
					s->reason))
			return -1;
	}
	return note_unmatched(l, p);
}

/* Append [start, end) of piece pc to out (grown as needed). */
static int emit(struct piece **out, size_t *n, size_t *cap,
		const struct piece *pc, uint64_t start, uint64_t end)
{
	struct piece *v = array_grow(*out, *n, cap, sizeof(*v), 16);

	if (!v)
		return -1;
	*out = v;
	(*out)[(*n)++] = (struct piece){ start, end, pc->map, pc->pair };
	return 0;
}

/* The parts of pc no attempted entry covers (*k walks the sorted entries). */
static int cut_piece(const struct ledger *l, size_t *k, const struct piece *pc,
		     struct piece **out, size_t *n, size_t *cap)
{
	uint64_t at = pc->start;

	while (*k < l->n && l->v[*k].map.end <= at)
		(*k)++;
	for (size_t j = *k; j < l->n && l->v[j].map.start < pc->end; j++) {
		const struct ledger_entry *x = &l->v[j];

		if (x->reason || x->map.end <= at)
			continue;	/* a skip is no piece */
		if (x->map.start > at && emit(out, n, cap, pc, at, x->map.start))
			return -1;
		if (x->map.end > at)
			at = x->map.end;
		if (at >= pc->end)
			return 0;
	}
	return at < pc->end ? emit(out, n, cap, pc, at, pc->end) : 0;
}

int ledger_subtract(struct ledger *l, struct plan *p)
{
	struct piece *out = NULL;
	size_t n = 0, cap = 0, k = 0;

	if (!l->n)
		return 0;	/* the first window: nothing to take away */
	sort(l);
	for (size_t i = 0; i < p->npieces; i++)
		if (cut_piece(l, &k, &p->pieces[i], &out, &n, &cap)) {
			free(out);
			return -1;
		}
	plan_set_pieces(p, out, n, n);
	return 0;
}

/* b continues a: one mapping (not merely equal fields: libc's read-only
 * and RELRO segments are two), contiguous, both advised whole. */
static bool joins(const struct ledger_entry *a, const struct ledger_entry *b)
{
	return !a->reason && !b->reason && !a->err && !b->err &&
	       a->pair == b->pair && a->map.end == b->map.start &&
	       a->advised == a->map.end - a->map.start &&
	       b->advised == b->map.end - b->map.start &&
	       a->whole_start == b->whole_start && a->whole_end == b->whole_end &&
	       !memcmp(a->map.perms, b->map.perms, 4) &&
	       !strcmp(a->map.name, b->map.name);
}

/* Merge what joins, in place. */
static void coalesce(struct ledger *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (k && joins(&l->v[k - 1], &l->v[i])) {
			l->v[k - 1].map.end = l->v[i].map.end;
			l->v[k - 1].advised += l->v[i].advised;
			free((char *)l->v[i].map.name);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
}

/* One buffer for every name, as maps text would be. */
static char *names_text(struct ledger *l, struct maps *maps)
{
	size_t len = 1, at = 0;
	char *t;

	for (size_t i = 0; i < l->n; i++)
		len += l->v[i].map.name_len + 1;
	t = malloc(len);
	if (!t)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		maps->v[i] = l->v[i].map;
		memcpy(t + at, l->v[i].map.name, l->v[i].map.name_len + 1);
		maps->v[i].name = t + at;
		at += l->v[i].map.name_len + 1;
	}
	t[at] = '\0';
	return t;
}

int ledger_result(struct ledger *l, char **text, struct maps *maps,
		  struct plan *plan, struct advise_result **res)
{
	size_t n;

	if (trim_skips(l))
		return -1;
	coalesce(l);
	n = l->n ? l->n : 1;
	*maps = (struct maps){ .v = malloc(n * sizeof(*maps->v)) };
	*plan = (struct plan){ .pieces = malloc(n * sizeof(*plan->pieces)),
			       .skips = malloc(n * sizeof(*plan->skips)) };
	*res = calloc(n, sizeof(**res));
	*text = maps->v ? names_text(l, maps) : NULL;
	if (!*text || !plan->pieces || !plan->skips || !*res)
		goto oom;
	maps->n = maps->cap = l->n;
	for (size_t i = 0; i < l->n; i++) {
		const struct ledger_entry *x = &l->v[i];

		if (x->reason) {
			plan->skips[plan->nskips++] = (struct skip){
				x->map.start, x->map.end, (uint32_t)i, x->pair,
				x->reason };
			continue;
		}
		(*res)[plan->npieces] = (struct advise_result){ x->advised, x->err };
		plan->pieces[plan->npieces++] = (struct piece){
			x->map.start, x->map.end, (uint32_t)i, x->pair };
		plan->bytes += x->map.end - x->map.start;
	}
	plan->unmatched = l->unmatched;
	plan->nunmatched = l->nunmatched;
	l->unmatched = NULL;
	l->nunmatched = 0;
	return 0;
oom:
	free(*text);
	*text = NULL;
	free(*res);
	*res = NULL;
	maps_free(maps);
	plan_free(plan);	/* its unmatched are still the ledger's */
	return -1;
}

void ledger_free(struct ledger *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].map.name);
	free(l->v);
	free(l->unmatched);
	memset(l, 0, sizeof(*l));
}
