/* From a run to its result rows and totals. See engine.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "lib/lib.h"
#include "report/report.h"

/* A kernel refusal is a skip that says what the kernel said (literal
 * strerror(EINVAL): row texts are static). */
static const char *refused_reason(int advice)
{
	if (advice == ADVICE_COLLAPSE)
		return "refused by the kernel for collapse: Invalid argument "
		       "(EINVAL: not huge-page eligible: THP off for it, or a "
		       "file system without huge pages)";
	return "refused by the kernel for this advice: Invalid argument "
	       "(EINVAL: locked, hugetlb, I/O or PFN mapping)";
}

/* Why a call failed, beyond its errno text. */
static const char *failure_hint(int advice, int e)
{
	if (e != ENOMEM)
		return "";
	/* collapse says ENOMEM when it cannot get a huge page */
	return advice == ADVICE_COLLAPSE ? " (no huge page could be allocated)" :
	       " (unmapped since maps were read; hint: --freeze)";
}

/* Figures of the mapping holding addr in an smaps snapshot. */
static struct row_stats stats_at(const struct maps *m, uint64_t addr)
{
	size_t i = m->stats ? maps_find(m, addr) : m->n;

	if (i >= m->n || m->v[i].start > addr)
		return (struct row_stats){ 0 };
	return (struct row_stats){ .valid = true, .rss = m->stats[i].rss,
				   .swap = m->stats[i].swap };
}

/* Resident bytes of the row's range, when pagemap was read. */
static void resident_of(const struct run *x, const struct advice *adv,
			struct result_row *row, struct target_result *r)
{
	uint64_t reclaimable = 0;

	if (!x->have_spans)
		return;
	row->resident_known = r->resident_known = true;
	row->resident = resspan_sum(&x->spans, row->start, row->end, RES_PRESENT);
	if (adv && adv->value == ADVICE_PAGEOUT && x->spans.exclusive_known) {
		row->reclaimable_known = r->reclaimable_known = true;
		row->reclaimable = reclaimable =
			resspan_sum(&x->spans, row->start, row->end,
				    resident_mask_for(x, ADVICE_PAGEOUT));
	}
	if (row->kind == ROW_SKIPPED)
		return;
	r->resident += row->resident;
	r->reclaimable += reclaimable;
}

static void describe(struct result_row *row, const struct mapping *m)
{
	memcpy(row->perms, m->perms, 4);
	row->perms[4] = '\0';
	row->class_name = mapping_class_name(mapping_class(m));
	row->name = m->name;
}

/* EINVAL for a mapped range is the kernel's word that this mapping cannot
 * take the advice (locked, hugetlb...): a skip, not a failure. */
static bool refused(const struct run *x, const struct options *o, size_t i)
{
	return x->res &&
	       advice_einval_is_refusal(pair_advice(o, x->plan.pieces[i].pair)->value) &&
	       x->res[i].err == EINVAL && !x->res[i].advised;
}

static struct advice_total *advice_total(struct target_result *r,
					 const struct advice *adv)
{
	static struct advice_total none;	/* never read */

	for (size_t j = 0; j < r->nadvice; j++)
		if (r->by_advice[j].advice == adv->name)
			return &r->by_advice[j];
	return &none;
}

static void piece_row(const struct run *x, const struct options *o, size_t i,
		      struct result_row *row, struct target_result *r)
{
	const struct piece *pc = &x->plan.pieces[i];
	const struct advice *adv = pair_advice(o, pc->pair);
	struct advice_total *t = advice_total(r, adv);
	uint64_t size = pc->end - pc->start;

	row->start = pc->start;
	row->end = pc->end;
	row->advice = adv->name;
	if (r->rows)
		describe(row, &x->maps.v[pc->map]);
	if (refused(x, o, i)) {
		row->kind = ROW_SKIPPED;
		row->reason = refused_reason(adv->value);
		r->nskipped++;
		t->nskipped++;
		return;
	}
	row->kind = ROW_RANGE;
	row->advised_known = x->res != NULL;
	r->nranges++;
	r->requested += size;
	t->nranges++;
	t->requested += size;
	if (x->res) {
		row->advised = x->res[i].advised;
		row->error = x->res[i].err ? strerror(x->res[i].err) : NULL;
		r->advised += x->res[i].advised;
		r->failed += size - x->res[i].advised;
		t->advised += x->res[i].advised;
		t->failed += size - x->res[i].advised;
	}
}

static void skip_row(const struct run *x, const struct options *o,
		     const struct skip *s, struct result_row *row,
		     struct target_result *r)
{
	const struct advice *adv = pair_advice(o, s->pair);

	row->kind = ROW_SKIPPED;
	row->start = s->start;
	row->end = s->end;
	row->reason = s->reason;
	row->advice = adv->name;
	if (r->rows)
		describe(row, &x->maps.v[s->map]);
	r->nskipped++;
	advice_total(r, adv)->nskipped++;
}

/* Pieces and skips merged in address order. */
static void advice_rows(const struct run *x, const struct options *o,
			struct target_result *r)
{
	const struct plan *p = &x->plan;
	size_t i = 0, k = 0;
	/* rows are kept only where printed; totals count through a scratch
	 * row (zeroing 168 bytes a row showed at 65,000 rows) */
	struct result_row scratch = { 0 };

	while (i < p->npieces || k < p->nskips) {
		struct result_row *row = r->rows ? &r->rows[r->nrows++] : &scratch;
		uint32_t pair;	/* the row's, for its resident figures */

		if (k >= p->nskips ||
		    (i < p->npieces && p->pieces[i].start < p->skips[k].start)) {
			pair = p->pieces[i].pair;
			piece_row(x, o, i++, row, r);
		} else {
			pair = p->skips[k].pair;
			skip_row(x, o, &p->skips[k++], row, r);
		}
		if (r->rows) {	/* a row's own figures: only where printed */
			row->before = stats_at(&x->snap[0], row->start);
			row->after = stats_at(&x->snap[1], row->start);
		}
		resident_of(x, pair_advice(o, pair), row, r);
	}
}

/* What m can take: "yes" or why not; without an advice, all it takes. */
static char *advice_cell(const struct run *x, const struct mapping *m,
			 const struct advice *given)
{
	const struct advice *a;
	char buf[128] = "";
	size_t n = 0;

	if (given) {
		const char *why = select_refusal(m, given->value);
		/* futile: the reason its skip would carry */
		for (size_t i = 0; !why && i < x->plan.nskips; i++)
			if (x->plan.skips[i].start >= m->start &&
			    x->plan.skips[i].start < m->end)
				why = x->plan.skips[i].reason;
		return strdup(why ? why : "yes");
	}
	for (size_t i = 0; (a = advice_remote(i)) && n < sizeof(buf); i++)
		if (!select_refusal(m, a->value))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
					      n ? "," : "", a->name);
	if (!n)
		snprintf(buf, sizeof(buf), "none: %s",
			 select_refusal(m, advice_remote(0)->value));
	return strdup(buf);
}

static int list_rows(const struct run *x, const struct options *o,
		     struct target_result *r)
{
	for (size_t i = 0; i < x->maps.n; i++) {
		struct result_row *row = &r->rows[r->nrows];
		const struct mapping *m = &x->maps.v[i];

		row->kind = ROW_MAPPING;
		row->start = m->start;
		row->end = m->end;
		describe(row, m);
		if (x->maps.stats)
			row->before = (struct row_stats){ true, x->maps.stats[i].rss,
							  x->maps.stats[i].swap };
		row->advice = advice_cell(x, m, o->advice);
		if (!row->advice)
			return -1;
		resident_of(x, o->advice, row, r);
		r->nrows++;
	}
	return 0;
}

/* Each reason of futile advice once, with what it left out. */
static void futile_warnings(struct run *x)
{
	const char *reasons[] = { x->noswap, RESIDENT_SHARED_FILE_REASON };
	const struct plan *p = &x->plan;

	for (size_t r = 0; r < 2; r++) {
		uint64_t bytes = 0;
		size_t n = 0;
		char size[32];

		for (size_t k = 0; reasons[r] && k < p->nskips; k++)
			if (!strcmp(p->skips[k].reason, reasons[r])) {
				bytes += p->skips[k].end - p->skips[k].start;
				n++;
			}
		if (!n)
			continue;
		size_format(bytes, size, sizeof(size));
		run_warn(x, "%d (%s): pageout of %zu %s mapping%s (%s) skipped: %s",
			 x->t.pid, x->t.comm, n, r ? "shared file" : "anonymous",
			 n == 1 ? "" : "s", size, reasons[r]);
	}
}

/* A goal not reached says why, in resident terms; a --limit or share
 * above what could move is met once that is advised, saying why the rest
 * could not be. A dry run says it of what it would do. */
static void goal_warning(struct run *x, const struct target_result *r,
			 const struct options *o)
{
	bool dry_run = o->dry_run;
	const struct goal *g = &x->goal;
	const char *kind = g->down_to ? "goal" : g->group ? "group share" : "limit";
	char a[32], b[32], c[32], d[32], e[32], f[32], h[32], k[32];

	if (!g->need)
		return;
	if (g->small) {	/* a budget under a page: its bytes exactly */
		run_warn(x, "%d (%s): the budget (%" PRIu64 " B) is less than a "
			 "page (%ld B): nothing to do", x->t.pid, x->t.comm,
			 g->need, sysconf(_SC_PAGESIZE));
		return;
	}
	size_format(g->goal, a, sizeof(a));
	size_format(g->need, b, sizeof(b));
	if (g->down_to && !g->lowers_rss) {
		run_warn(x, "%d (%s): goal %s %s: %s does not lower the Rss; "
			 "it %s %s of resident pages (Rss - goal), as --limit "
			 "would (only pageout takes pages out of memory)",
			 x->t.pid, x->t.comm, a, dry_run ? "would not be met" :
			 "not met", g->advice, dry_run ? "would be given" :
			 "was given",
			 size_format(dry_run ? r->resident : r->advised, c,
				     sizeof(c)));
		return;
	}
	size_format(g->movable, c, sizeof(c));
	size_format(g->rss, d, sizeof(d));
	size_format(g->why.shared, e, sizeof(e));
	size_format(g->why.locked, f, sizeof(f));
	size_format(g->why.noswap, h, sizeof(h));
	size_format(g->why.unselected, k, sizeof(k));
	if (!g->reachable) {
		run_warn(x, "%d (%s): %s %s %s: %s to go, the selection could "
			 "move %s; the rest of the %s Rss: %s shared with other "
			 "processes, %s locked or refused by the kernel, %s that "
			 "no swap or rule lets go, %s not selected", x->t.pid,
			 x->t.comm, kind, a, r->goal_met ? "is above what could "
			 "move" : "out of reach", b, c, d, e, f, h, k);
		return;
	}
	if (!r->goal_met && !dry_run)
		run_warn(x, "%d (%s): %s %s not reached: %s of %s advised (failed "
			 "or interrupted ranges, or pages that left memory "
			 "meanwhile)", x->t.pid, x->t.comm, kind, a,
			 size_format(r->advised, c, sizeof(c)), b);
}

/* Failed ranges, each named; a process-wide error marking every range
 * after it names the first, then counts. */
#define ERRNO_SLOTS 256

static void failed_warnings(struct run *x, const struct options *o)
{
	const struct plan *p = &x->plan;
	size_t total[ERRNO_SLOTS] = { 0 }, seen[ERRNO_SLOTS] = { 0 }, canceled = 0;

	for (size_t i = 0; x->res && i < p->npieces; i++) {
		int e = x->res[i].err;

		if (e > 0 && e < ERRNO_SLOTS && !refused(x, o, i))
			total[e]++;
	}
	for (size_t i = 0; x->res && i < p->npieces; i++) {
		int e = x->res[i].err;
		size_t k;

		if (!e || refused(x, o, i))
			continue;
		if (e == ECANCELED) {	/* one line for them all, below */
			canceled++;
			continue;
		}
		k = e > 0 && e < ERRNO_SLOTS && advise_errno_fatal(e) ? ++seen[e] : 1;
		if (k == 1)
			run_warn(x, "%d (%s): 0x%llx-0x%llx: %s%s", x->t.pid,
				 x->t.comm, (unsigned long long)p->pieces[i].start,
				 (unsigned long long)p->pieces[i].end, strerror(e),
				 failure_hint(pair_advice(o, p->pieces[i].pair)->value, e));
		else if (k == 2)
			run_warn(x, "%d (%s): %zu more ranges: %s", x->t.pid,
				 x->t.comm, total[e] - 1, strerror(e));
	}
	if (canceled)
		run_warn(x, "%d (%s): %zu %s not advised: the run stopped before "
			 "%s", x->t.pid, x->t.comm, canceled,
			 canceled == 1 ? "range" : "ranges",
			 canceled == 1 ? "it" : "them");
}

/* Unmatched selectors, failed ranges, nothing to advise. */
static void add_warnings(struct run *x, const struct options *o,
			 const struct target_result *r)
{
	const struct plan *p = &x->plan;

	for (size_t i = 0; i < p->nunmatched; i++)
		run_warn(x, "%d (%s): %s '%s' %s", x->t.pid, x->t.comm,
			 p->unmatched[i].kind, p->unmatched[i].what,
			 strcmp(p->unmatched[i].kind, "range") ?
			 "matches no mapping" : "covers no mapping");
	if (x->failed || o->list)
		return;		/* the error says it all; -l advises nothing */
	failed_warnings(x, o);
	futile_warnings(x);
	if (x->goal.set) {
		goal_warning(x, r, o);
		return;
	}
	if (!p->npieces && !p->nunmatched && !r->nskipped)
		run_warn(x, "%d (%s): nothing to advise: no mapping passed the "
			 "filters", x->t.pid, x->t.comm);
	else if (!r->nranges && !p->nunmatched)
		run_warn(x, "%d (%s): nothing to advise: every selected mapping "
			 "was skipped (-v says why)", x->t.pid, x->t.comm);
}

int outcome_build(struct run *x, const struct options *o,
		  const struct window_info *w, struct target_result *r)
{
	size_t n = o->list ? x->maps.n : x->plan.npieces + x->plan.nskips;
	/* the summary and -q need totals only (65,000 rows: bench/) */
	bool rows = o->list || o->json || o->table;

	*r = (struct target_result){ .pid = x->t.pid, .comm = x->t.comm,
				     .list = o->list, .window = w,
				     .before = x->before, .after = x->after };
	r->rows = rows ? calloc(n ? n : 1, sizeof(*r->rows)) : NULL;
	if ((rows && !r->rows) || (o->list && !x->failed && list_rows(x, o, r)))
		run_fail(x, ENOMEM, "out of memory");
	else if (!o->list) {
		/* one total per distinct advice, in pair order (even selecting nothing) */
		for (size_t k = 0; k < o->npairs; k++)
			if (pair_first(o, k) && r->nadvice < RESULT_ADVICES)
				r->by_advice[r->nadvice++].advice = o->pairs[k].advice->name;
		advice_rows(x, o, r);	/* even after a late failure: what was done */
	}
	if (x->goal.set && !o->list) {
		r->goal = &x->goal;
		/* a dry run: met if it would be, all it could move advised */
		uint64_t would = x->goal.movable < x->goal.need ?
				 x->goal.movable : x->goal.need;

		r->goal_met = !x->goal.need ||
			      goal_reached(&x->goal, o->dry_run ? would : r->advised);
	}
	add_warnings(x, o, r);
	if (o->sort_col >= 0 && r->rows)
		rows_sort(r->rows, r->nrows, (enum col_id)o->sort_col);
	r->comeback = x->cb_on ? &x->cb : NULL;
	r->error = x->failed ? x->err.msg : NULL;
	r->warnings = (const char *const *)x->warnings;
	r->nwarnings = x->nwarnings;
	r->nunmatched = x->plan.nunmatched;
	return rows && !r->rows ? -1 : 0;
}

void outcome_free(struct target_result *r)
{
	for (size_t i = 0; r->list && i < r->nrows; i++)
		free((char *)r->rows[i].advice);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

int outcome_status(const struct target_result *r, const struct options *o)
{
	if (r->error)
		return PMADV_EXIT_FAIL;
	/* selectors that match nothing: as when advising */
	if (o->list)
		return !r->nunmatched ? PMADV_EXIT_OK :
		       r->nrows ? PMADV_EXIT_PARTIAL : PMADV_EXIT_FAIL;
	/* a goal already met is a success with nothing to do */
	if (r->goal && !r->goal->need)
		return r->nunmatched ? PMADV_EXIT_PARTIAL : PMADV_EXIT_OK;
	if (o->dry_run)
		return !r->requested ? PMADV_EXIT_FAIL :
		       r->nunmatched ? PMADV_EXIT_PARTIAL : PMADV_EXIT_OK;
	if (!r->advised)
		return PMADV_EXIT_FAIL;
	/* the guard stopped the run: the target uses what it was given */
	if (r->comeback && r->comeback->stopped)
		return PMADV_EXIT_PARTIAL;
	if (r->goal && !r->goal_met)
		return PMADV_EXIT_PARTIAL;
	/* a broken freeze: advised, but not as asked (race-free) */
	if (r->failed || r->nunmatched || (r->window && r->window->freeze->broken))
		return PMADV_EXIT_PARTIAL;
	return PMADV_EXIT_OK;
}
