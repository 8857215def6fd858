/* Chunks of a window's plan, sized by work. See engine.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "engine/engine.h"

/* ---- work in an address range ---- */

/* first_ending_after from *hint on (set to the answer): pieces ascend, so 32,000
 * cost a step each, not a binary search each (3 ms of a 65,000-mapping window). */
static size_t find_end_above(const void *v, size_t n, size_t stride,
			     size_t off, uint64_t addr, size_t *hint)
{
#define END_AT(i) (*(const uint64_t *)((const char *)v + (i) * stride + off))
	size_t lo = 0, hi = n, i = *hint;

	if (i <= n && (i == 0 || END_AT(i - 1) <= addr)) {
		/* the answer is i or above: a few steps, then halve */
		for (lo = i; lo < n && lo < i + 8 && END_AT(lo) <= addr; lo++)
			;
		if (lo == n || END_AT(lo) > addr)
			hi = lo;
	}
#undef END_AT
	/* nothing left to halve: no pointer arithmetic (v may be NULL) */
	*hint = lo < hi ? lo + first_ending_after((const char *)v + lo * stride,
						  hi - lo, stride, off, addr) : lo;
	return *hint;
}

#define FIND_END_ABOVE(v, n, addr, hint) find_end_above((v), (n), \
	sizeof(*(v)), offsetof(__typeof__(*(v)), end), (addr), (hint))

struct walk {
	uint64_t acc, limit, page;
	uint64_t reach;		/* where the limit was met (0: not met) */
	size_t *hints;		/* [0] covered, [1] spans: find_end_above */
};

/* [s, e) is all work (is_work) or none. false: the limit is met in it;
 * w->reach says where (whole pages). */
static bool step(struct walk *k, uint64_t s, uint64_t e, bool is_work)
{
	if (!is_work || s >= e)
		return true;
	if (e - s <= k->limit - k->acc) {
		k->acc += e - s;
		return true;
	}
	k->reach = s + (k->limit - k->acc) / k->page * k->page;
	k->acc += k->reach - s;
	return false;
}

/* The covered part [s, e): spans say which pages are work. */
static bool walk_spans(const struct workmap *w, struct walk *k, uint64_t s,
		       uint64_t e)
{
	uint64_t at = s;

	for (size_t i = FIND_END_ABOVE(w->spans->v, w->spans->n, s, &k->hints[1]);
	     i < w->spans->n && w->spans->v[i].start < e; i++) {
		const struct res_span *r = &w->spans->v[i];
		uint64_t rs = r->start > at ? r->start : at;
		uint64_t re = r->end < e ? r->end : e;
		bool has = (r->flags & w->mask) == w->mask;

		/* a gap between spans: pages neither present nor swapped */
		if (!step(k, at, rs, w->absent) || !step(k, rs, re, has != w->absent))
			return false;
		at = re;
	}
	return step(k, at, e, w->absent);
}

/* Work from start on, until end or until it would pass limit. Returns the
 * work; *reach: the end of what fits (end when all does). */
static uint64_t walk_work(const struct workmap *w, uint64_t start, uint64_t end,
			  uint64_t limit, uint64_t *reach, size_t *hints)
{
	struct walk k = { .limit = limit, .page = w->page ? w->page : 4096,
			  .hints = hints };
	size_t ci = w->spans ? FIND_END_ABOVE(w->covered, w->ncovered, start,
					      &hints[0]) : 0;
	uint64_t at = start;

	while (at < end) {
		uint64_t e;
		bool more;

		if (!w->spans) {
			e = end;
			more = step(&k, at, e, true);
		} else if (ci < w->ncovered && w->covered[ci].start <= at) {
			e = w->covered[ci].end < end ? w->covered[ci].end : end;
			more = walk_spans(w, &k, at, e);
			ci++;
		} else {
			e = ci < w->ncovered && w->covered[ci].start < end ?
			    w->covered[ci].start : end;
			more = step(&k, at, e, true);	/* unknown: work */
		}
		if (!more) {
			*reach = k.reach;
			return k.acc;
		}
		at = e;
	}
	*reach = end;
	return k.acc;
}

/* ---- the cursor ---- */

void cursor_init(struct cursor *c, const struct plan *p, const struct maps *m,
		 struct advise_result *res)
{
	*c = (struct cursor){ .plan = p, .maps = m, .res = res };
}

bool cursor_done(const struct cursor *c)
{
	return c->cur >= c->plan->npieces || c->rest_err;
}

/* Cut points (absolute): whole pages, or huge pages for collapse (neither
 * part of a cut huge page is collapsed). */
static uint64_t cut_down(uint64_t a, const struct chunk_limits *lim)
{
	uint64_t g = lim->align > lim->page ? lim->align : lim->page;

	return a / g * g;
}

size_t chunk_take(struct cursor *c, const struct workmap *w,
		  const struct chunk_limits *lim, struct piece *out,
		  uint64_t *work)
{
	const struct plan *p = c->plan;
	uint64_t bytes = 0, wk = 0;
	size_t k = 0;

	while (!cursor_done(c) && k < lim->pieces && bytes < lim->bytes) {
		const struct piece *pc = &p->pieces[c->cur];
		uint64_t start = pc->start + c->off, end = pc->end, reach, cost, to;
		bool forced = false;

		/* one call, one advice: a chunk ends where the pair does */
		if (k && pc->pair != out[0].pair)
			break;
		if (end - start > lim->bytes - bytes)
			end = cut_down(start + (lim->bytes - bytes), lim);
		if (end < start)
			end = start;
		cost = walk_work(w, start, end, lim->work > wk ? lim->work - wk : 0,
				 &reach, c->hints);
		if (reach < pc->end)
			reach = cut_down(reach, lim);
		if (reach <= start) {
			if (k)
				break;
			/* a window must progress: one cut's worth */
			reach = cut_down(start, lim) + (lim->align > lim->page ?
							 lim->align : lim->page);
			if (reach > pc->end || reach <= start)
				reach = pc->end;
			forced = true;
		}
		if (reach != end || forced)	/* the work in [start, reach) */
			cost = walk_work(w, start, reach, UINT64_MAX, &to, c->hints);
		out[k++] = (struct piece){ start, reach, pc->map, pc->pair };
		bytes += reach - start;
		wk += cost;
		if (reach == pc->end) {
			c->cur++;
			c->off = 0;
		} else {
			c->off = reach - pc->start;
			break;		/* cut: the chunk is full */
		}
		if (forced)
			break;
	}
	*work = wk;
	return k;
}

void chunk_record(struct cursor *c, size_t first, const struct piece *pcs,
		  const struct advise_result *r, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		struct advise_result *to = &c->res[first + i];

		to->advised += r[i].advised;
		if (r[i].err == ECANCELED) {
			/* the window ended: a later one may advise the rest */
			uint64_t at = pcs[i].start + r[i].advised;

			c->cur = first + i;
			c->off = at - c->plan->pieces[c->cur].start;
			if (at >= c->plan->pieces[c->cur].end) {
				c->cur++;
				c->off = 0;
			}
			return;
		}
		if (r[i].err && !to->err)
			to->err = r[i].err;
	}
}

void chunk_rest(struct cursor *c, int err)
{
	if (!c->rest_err)
		c->rest_err = err;
}

static int commit_part(struct cursor *c, struct ledger *l, size_t i,
		       uint64_t from, uint64_t to, uint64_t advised, int err)
{
	const struct piece *pc = &c->plan->pieces[i];

	if (to <= from)
		return 0;
	if (advised > to - from)
		advised = to - from;
	return ledger_add(l, &c->maps->v[pc->map], pc->start + from,
			  pc->start + to, pc->pair, advised, err);
}

int chunk_commit(struct cursor *c, struct ledger *l)
{
	const struct plan *p = c->plan;
	size_t last = c->rest_err ? p->npieces : c->cur + (c->off ? 1 : 0);

	for (size_t i = c->ccur; i < last && i < p->npieces; i++) {
		uint64_t size = p->pieces[i].end - p->pieces[i].start;
		uint64_t from = i == c->ccur ? c->coff : 0;
		/* what the kernel took, less what a commit counted before */
		uint64_t adv = c->res[i].advised - (i == c->ccur ? c->cadv : 0);
		uint64_t done = i < c->cur ? size : i == c->cur ? c->off : 0;
		int err = c->res[i].err;

		if (done > from && commit_part(c, l, i, from, done, adv, err))
			return -1;
		if (c->rest_err && done < size &&
		    commit_part(c, l, i, done > from ? done : from, size, 0,
				err ? err : c->rest_err))
			return -1;
	}
	c->ccur = c->rest_err ? p->npieces : c->cur;
	c->coff = c->rest_err ? 0 : c->off;
	c->cadv = c->ccur < p->npieces ? c->res[c->ccur].advised : 0;
	return 0;
}

/* ---- a budget chosen before the window ---- */

int plan_keep(struct plan *p, const struct piece *keep, size_t nkeep)
{
	/* both sorted and disjoint: one merge walk; the overlaps, one piece
	 * each, are fewer than npieces + nkeep, so one allocation */
	size_t room = p->npieces + nkeep, n = 0, j = 0;
	struct piece *out = malloc((room ? room : 1) * sizeof(*out));

	if (!out)
		return -1;
	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];

		while (j < nkeep && keep[j].end <= pc->start)
			j++;
		for (size_t k = j; k < nkeep && keep[k].start < pc->end; k++) {
			uint64_t s = keep[k].start > pc->start ? keep[k].start : pc->start;
			uint64_t e = keep[k].end < pc->end ? keep[k].end : pc->end;

			out[n++] = (struct piece){ s, e, pc->map, pc->pair };
		}
	}
	plan_set_pieces(p, out, n, n);
	return 0;
}

/* Call sizing from measured time per byte of work. See engine.h. */
void pace_init(struct pace *p, uint64_t window_ns)
{
	*p = (struct pace){ .slice_ns = window_ns / 16 };
}

uint64_t pace_work(const struct pace *p, uint64_t ns_left)
{
	double ns = (double)ns_left * 0.75, want;

	if (p->slice_ns && ns > (double)p->slice_ns)
		ns = (double)p->slice_ns;
	/* not calls ever smaller as the deadline nears: thaw */
	if (ns < (double)p->slice_ns / 8)
		return 0;
	if (p->ns_per_byte <= 0)
		return PACE_PROBE_BYTES;
	want = (ns - p->call_ns) / p->ns_per_byte;
	if (want < 1)
		return 0;
	/* a double this large would not convert */
	return want >= 1.8e19 ? UINT64_MAX : (uint64_t)want;
}

static void learn(double *est, double seen)
{
	*est = *est <= 0 || seen > *est ? seen : (*est + seen) / 2;
}

void pace_record(struct pace *p, uint64_t work, uint64_t ns)
{
	if (work < PACE_LEARN_BYTES) {
		learn(&p->call_ns, (double)ns);
		return;
	}
	/* the fixed part is not the device's: leave it out of the rate */
	double rest = (double)ns > p->call_ns ? (double)ns - p->call_ns : 0;

	learn(&p->ns_per_byte, rest / (double)work);
	if (p->ns_per_byte <= 0)
		p->ns_per_byte = 1e-6;	/* measured, and fast */
}
