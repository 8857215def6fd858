/* The window engine. See engine.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "engine/engine.h"

/* The progress line of a long run (a terminal, not -q or -J, after 1 s). */
#define PROGRESS_AFTER_NS 1000000000ULL
#define PROGRESS_EVERY_NS 200000000ULL

struct progress {
	bool on;		/* may show at all */
	bool shown;		/* a line is on the terminal */
	uint64_t start_ns, last_ns;
};

static void progress_update(struct progress *p, uint64_t done, uint64_t total,
			    unsigned int windows)
{
	uint64_t now = clock_now_ns();
	char d[32], t[32], r[32];
	double secs;

	if (!p->on || now - p->start_ns < PROGRESS_AFTER_NS ||
	    (p->shown && now - p->last_ns < PROGRESS_EVERY_NS))
		return;
	secs = (double)(now - p->start_ns) / 1e9;
	size_format(done, d, sizeof(d));
	size_format(total, t, sizeof(t));
	size_format((uint64_t)((double)done / secs), r, sizeof(r));
	msg_status("%s of %s advised, %s/s, %u windows", d, t, r, windows);
	p->shown = true;
	p->last_ns = now;
}

/* The targets run between two windows at least this long, and a third of
 * the window before: the service gets a quarter of the time or more. */
#define REST_MIN_NS 1000000ULL
#define REST_SLICE_US 5000u	/* how often a rest looks for an interrupt */
/* Pageout: bytes under writeback a window may leave; a rest waits (up to
 * REST_DRAIN_MAX_NS) for a quarter of it, so the next window starts with a
 * device that takes pages at once. */
#define WRITEBACK_CAP (64ULL << 20)
#define REST_DRAIN_MAX_NS 1000000000ULL
/* After the guard's sample windows the target runs this long before pmadv
 * looks: a page used a few times a second is back by then. */
#define GUARD_SETTLE_NS 250000000ULL
/* Without a freeze, the guard ends windows this long, to look between. */
#define GUARD_LOOK_NS 100000000ULL

/* Where a member is in the guard's course. */
enum guard_phase {
	GUARD_SAMPLE,		/* windows advise each mapping's sample */
	GUARD_SETTLE,		/* samples out: the target runs, then a look */
	GUARD_MAIN,		/* the rest, a look after every window */
};

struct member {
	struct run *x;
	struct ledger led;	/* what earlier windows did */
	struct cursor cur;	/* where this window is in its plan */
	bool in_window;		/* cur holds this window's plan */
	bool noted;		/* ... and the ledger has its skips */
	struct piece *covered;	/* the ranges x->spans was read over */
	size_t ncovered;
	struct piece *keep;	/* a budget's choice before the run, or NULL */
	size_t nkeep;
	bool done;		/* nothing left for it, or it stopped */
	size_t nmaps;		/* mappings the preview saw (before_freeze) */
	uint64_t maps_ns;	/* how long the preview's maps read took */
	/* the comeback guard (x->cb_on) */
	enum guard_phase phase;
	bool guard_acts;	/* samples and leaves hot mappings alone
				 * (one unbounded window: only reports) */
	struct res_spans before; /* residency before the run (pagemap) */
	struct procstat st0;	/* fault counts before the run */
	bool have_st0;
	struct stop_parent parent;	/* -f stop: a parent that may stop too */
};

struct engine {
	struct member *v;
	size_t n;
	const struct options *o;
	struct freeze_req req;
	bool bounded;		/* windows end at a deadline */
	struct pace pace;
	uint64_t page, max_ns;
	unsigned int windows;
	uint64_t window_start_ns;	/* when this window's calls began */
	uint64_t frozen_ns, longest_ns;
	bool stop;		/* no further window */
	bool window_over;	/* the guardian ended it: on with the next */
	unsigned int over;	/* windows longer than the bound */
	unsigned int longest_at;	/* which window was the longest */
	unsigned int nbroken;	/* windows that were not race-free */
	unsigned int expired;	/* windows in a row the guardian ended */
	int interrupt;		/* the signal that stopped it, or 0 */
	struct progress prog;
	int vmstat_fd;		/* pageout in windows: /proc/vmstat, or -1 */
	/* one chunk's iovecs and results; not zeroed (40 KiB zeroed were a
	 * tenth of a small run's page faults) */
	struct piece *iov;
	struct advise_result *ires;
};

bool engine_interruptible(const struct options *o)
{
	return o->advice && !o->dry_run && !o->list;
}

static bool live(const struct member *mb)
{
	return !mb->done && !mb->x->failed;
}

/* Reading smaps walks every page table: in a window only when VmLck or
 * HugetlbPages say VmFlags would refuse a mapping. */
static enum maps_file window_maps_file(const struct target *t,
				       const struct options *o)
{
	bool reclaims = false;

	for (size_t k = 0; k < o->npairs; k++)
		reclaims = reclaims || advice_reclaims(o->pairs[k].advice->value);
	return reclaims && (t->locked || t->hugetlb) ? MAPS_FILE_SMAPS :
	       MAPS_FILE_MAPS;
}

/* A maps line is 73 bytes before its name; names are mostly short paths.
 * A longer text grows the buffer: slower, never wrong. */
#define MAPS_LINE_ROOM 160

/* Just before a freeze (after the guardian's fork): our pages unshared and
 * heap for the window's arrays faulted in, so the window takes next to no
 * fault (at 65,000 mappings 430 became 15, each 5-10 us on a VM). */
static void before_freeze(void *arg)
{
	struct engine *s = arg;
	size_t per = sizeof(struct piece) * 2 + sizeof(struct advise_result) +
		     sizeof(struct mapping), want = 512u << 10;

	for (size_t i = 0; i < s->n; i++) {
		struct run *x = s->v[i].x;
		size_t text = s->v[i].nmaps * MAPS_LINE_ROOM + (64u << 10);

		/* the window's maps text in one buffer touched now */
		if (window_maps_file(&x->t, s->o) == MAPS_FILE_MAPS)
			target_read_ready(&x->t, text);
		want += s->v[i].nmaps * per * 2;
		/* a budget's cut of the plan (plan_keep) */
		if (s->v[i].keep)
			want += (s->v[i].nmaps + s->v[i].nkeep) *
				sizeof(struct piece);
	}
	heap_prewarm(want < (24u << 20) ? want : (24u << 20));
	own_memory_unshare();	/* the heap prewarm grew included */
	/* and the arrays every call writes, never touched before the first */
	mem_populate(s->iov, ADVISE_MAX_IOV * sizeof(*s->iov));
	mem_populate(s->ires, ADVISE_MAX_IOV * sizeof(*s->ires));
	advise_ready();
}

/* ---- failures ---- */

/* The member cannot go on: its error, or a warning once windows advised. */
static void stop_member(struct member *mb, const struct err *e)
{
	if (!mb->led.planned) {
		run_fail_err(mb->x, e);
	} else {
		run_warn(mb->x, "%d (%s): %s; the rest was not advised",
			 mb->x->t.pid, mb->x->t.comm, e->msg);
		/* never tried: canceled; the warning above says why */
		if (mb->in_window)
			chunk_rest(&mb->cur, ECANCELED);
	}
	mb->done = true;
}

/* ---- before the first window, outside any freeze ---- */

static struct piece *pieces_dup(const struct plan *p, size_t *n)
{
	struct piece *v = malloc((p->npieces ? p->npieces : 1) * sizeof(*v));

	if (v && p->npieces)
		memcpy(v, p->pieces, p->npieces * sizeof(*v));
	*n = v ? p->npieces : 0;
	return v;
}

/* Residency sizes bounded windows' chunks; budgets and tables use it. */
static bool wants_residency(const struct engine *s)
{
	return s->bounded || resident_wanted(s->o);
}

static void drop_window_plan(struct member *mb)
{
	struct run *x = mb->x;

	plan_free(&x->plan);
	maps_free(&x->maps);
	free(x->text);
	free(x->res);
	x->text = NULL;
	x->res = NULL;
	mb->in_window = false;
}

/* ---- the comeback guard (engine.h), outside any window but its plan ---- */

/* Several advices: the guard is pageout's alone. */
static bool guarded(const struct options *o, uint32_t pair)
{
	return pair_advice(o, pair)->value == ADVICE_PAGEOUT;
}

static void guard_init(struct engine *s, struct member *mb)
{
	struct run *x = mb->x;

	x->cb_on = options_gives(s->o, ADVICE_PAGEOUT) && !s->o->comeback_off &&
		   !s->o->dry_run && !s->o->list;
	if (!x->cb_on)
		return;
	x->cb.pct = s->o->comeback_pct;
	/* one unbounded window has no sample window: only reports */
	mb->guard_acts = s->bounded || s->req.mode == FREEZE_NONE;
	mb->phase = mb->guard_acts ? GUARD_SAMPLE : GUARD_MAIN;
	mb->have_st0 = !procstat_of(x->t.pid, &mb->st0);
}

/* Asked for every piece inside the freeze: a binary search of the sorted hot
 * list. A mapping whose bounds changed may be listed twice; a miss is rejudged. */
static bool in_hot(const struct run *x, uint64_t start, uint64_t end)
{
	size_t i = FIRST_ENDING_AFTER(x->cb.hot, x->cb.nhot, end, start);

	return i < x->cb.nhot && x->cb.hot[i].start < end;
}

struct hot_ctx {
	const struct run *x;
	const struct options *o;
};

static const char *hot_rule(const struct mapping *m, const struct piece *pc,
			    void *ctx)
{
	const struct hot_ctx *h = ctx;

	return guarded(h->o, pc->pair) && in_hot(h->x, m->start, m->end) ?
	       COMEBACK_HOT_REASON : NULL;
}

/* In the window's selection: hot mappings become skips; while sampling,
 * only the samples are advised. 0, or -1 (no memory). */
static int guard_plan(struct engine *s, struct member *mb)
{
	struct run *x = mb->x;
	struct hot_ctx h = { x, s->o };
	struct piece *v;
	size_t n, nall;
	bool *g = NULL;
	int rc;

	if (x->cb.nhot && futile_apply(&x->plan, &x->maps, hot_rule, &h))
		return -1;
	if (mb->phase != GUARD_SAMPLE)
		return 0;
	if (s->o->npairs > 1) {
		g = calloc(s->o->npairs, sizeof(*g));
		if (!g)
			return -1;
		for (size_t k = 0; k < s->o->npairs; k++)
			g[k] = guarded(s->o, (uint32_t)k);
	}
	rc = comeback_sample(&x->plan, &x->maps, s->page, g, &v, &n, &nall);
	free(g);
	if (rc)
		return -1;
	if (!n) {
		free(v);
		mb->phase = GUARD_MAIN;
		return 0;
	}
	plan_set_pieces(&x->plan, v, nall, n);
	return 0;
}

/* The guard reads the ledger: a run it watches commits every window. */
static bool guard_any(const struct engine *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].x->cb_on)
			return true;
	return false;
}

/* The rest: long enough for the samples to come back once all are out. */
static uint64_t guard_settling(const struct engine *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (live(&s->v[i]) && s->v[i].x->cb_on &&
		    s->v[i].phase == GUARD_SETTLE)
			return GUARD_SETTLE_NS;
	return 0;
}

static int entry_by_start(const void *a, const void *b)
{
	const struct ledger_entry *x = *(const struct ledger_entry *const *)a;
	const struct ledger_entry *y = *(const struct ledger_entry *const *)b;

	return x->map.start < y->map.start ? -1 : x->map.start > y->map.start;
}

/* A mapping hot from now on: its figures, its name copied. */
static int guard_add_hot(struct run *x, const struct ledger_entry *le,
			 uint64_t out, uint64_t back)
{
	struct comeback_hot *v = array_grow(x->cb.hot, x->cb.nhot, &x->cb.hotcap,
					    sizeof(*v), 8);
	char *name;

	if (!v)
		return -1;
	x->cb.hot = v;
	name = strndup(le->map.name, le->map.name_len);
	if (!name)
		return -1;
	v[x->cb.nhot++] = (struct comeback_hot){ le->whole_start, le->whole_end,
						name, out, back };
	return 0;
}

/* Resident bytes (before the run) of the selection outside the hot
 * mappings that pmadv has not paged out yet: out is all it paged out. */
static uint64_t guard_untried(const struct member *mb,
			      const struct options *o, uint64_t out)
{
	const unsigned int mask = resident_mask_for(mb->x, ADVICE_PAGEOUT);
	uint64_t all = 0, hot_out = 0;

	for (size_t i = 0; i < mb->ncovered; i++)
		if (guarded(o, mb->covered[i].pair) &&
		    !in_hot(mb->x, mb->covered[i].start, mb->covered[i].end))
			all += resspan_sum(&mb->before, mb->covered[i].start,
					   mb->covered[i].end, mask);
	for (size_t i = 0; i < mb->x->cb.nhot; i++)
		hot_out += mb->x->cb.hot[i].paged_out;
	out = out > hot_out ? out - hot_out : 0;
	return all > out ? all - out : 0;
}

/* What paged out is in memory again, by mapping; acting: hot mappings are
 * left alone from now, and a member none of whose mappings stays out stops. */
static int guard_look(struct member *mb, const struct options *o, bool acting)
{
	struct run *x = mb->x;
	const struct ledger *l = &mb->led;
	unsigned int mask = resident_mask_for(x, ADVICE_PAGEOUT);
	const struct ledger_entry **ev = NULL;
	struct piece *pv = NULL;
	struct res_spans now = { 0 };
	uint64_t out = 0, back = 0, small_out = 0;
	size_t n = 0, npv = 0, judged_cold = 0;
	uint64_t faulted = UINT64_MAX;
	struct procstat st;
	bool settled;
	struct err e;
	int rc = -1;

	/* a page came back by a fault; pages the kernel did not take are
	 * present without one and must not make a mapping look hot */
	if (mb->have_st0 && !procstat_of(x->t.pid, &st))
		faulted = (st.minflt + st.majflt - mb->st0.minflt - mb->st0.majflt) *
			  (uint64_t)sysconf(_SC_PAGESIZE);

	ev = malloc((l->n ? l->n : 1) * sizeof(*ev));
	/* zeroed: gcc -O1 cannot tell that only the first n are read */
	pv = calloc(l->n ? l->n : 1, sizeof(*pv));
	if (!ev || !pv)
		goto out;
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].reason && l->v[i].advised &&
		    guarded(o, l->v[i].pair))
			ev[n++] = &l->v[i];
	qsort(ev, n, sizeof(*ev), entry_by_start);
	/* disjoint, so that what is read comes in address order (the sums
	 * search it): an entry overlapping the one before is read from its end */
	for (size_t i = 0; i < n; i++) {
		uint64_t s = ev[i]->map.start;

		if (npv && s < pv[npv - 1].end)
			s = pv[npv - 1].end;
		if (s < ev[i]->map.end)
			pv[npv++] = (struct piece){ s, ev[i]->map.end, 0, ev[i]->pair };
	}
	/* present or not: PAGEMAP_SCAN, fast on swapped-out spans */
	if (resident_read_pieces(x->t.pid, RES_METHOD_SCAN, pv, npv, &now, &e)) {
		rc = 0;		/* no look this time: the figures stay */
		goto out;
	}
	/* entries of one mapping lie together in address order */
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t o = 0, b = 0;
		size_t h;

		for (j = i; j < n && ev[j]->whole_start == ev[i]->whole_start &&
		     ev[j]->whole_end == ev[i]->whole_end; j++) {
			o += resspan_sum(&mb->before, ev[j]->map.start,
					 ev[j]->map.end, mask);
			b += resspan_both(&mb->before, mask, &now, RES_PRESENT,
					  ev[j]->map.start, ev[j]->map.end);
		}
		out += o;
		back += b;
		for (h = 0; h < x->cb.nhot; h++)
			if (x->cb.hot[h].start == ev[i]->whole_start &&
			    x->cb.hot[h].end == ev[i]->whole_end)
				break;
		if (h < x->cb.nhot) {
			x->cb.hot[h].paged_out = o;
			x->cb.hot[h].came_back = b;
		} else if (acting && comeback_hot(o, b, x->cb.pct) &&
			   b / 2 <= faulted) {
			if (guard_add_hot(x, ev[i], o, b))
				goto out;
		} else if (o >= COMEBACK_MIN_OUT) {
			judged_cold++;
		} else {
			small_out += o;
		}
	}
	x->cb.paged_out = out;
	x->cb.came_back = back;
	if (x->cb.nhot > 1)
		qsort(x->cb.hot, x->cb.nhot, sizeof(*x->cb.hot), by_start);
	/* judged after the settle, never on a sample half done */
	settled = mb->phase != GUARD_SAMPLE;
	if (mb->phase == GUARD_SETTLE)
		mb->phase = GUARD_MAIN;
	/* every mapping paged out came back, and what is left lies in them */
	if (acting && settled && live(mb) && x->cb.nhot && !judged_cold &&
	    small_out < COMEBACK_MIN_OUT &&
	    guard_untried(mb, o, out) < COMEBACK_MIN_OUT) {
		char a[32], b[32];

		x->cb.stopped = true;
		mb->done = true;
		run_warn(x, "%d (%s): stopped: the service faulted back %s of %s "
			 "paged out (its working set)", x->t.pid, x->t.comm,
			 size_format(back, a, sizeof(a)),
			 size_format(out, b, sizeof(b)));
	}
	rc = 0;
out:
	resspan_free(&now);
	free(ev);
	free(pv);
	return rc;
}

/* After a window's rest each guarded member looks (acting only when more
 * windows may follow). Whether any member is left to advise. */
static bool guard_look_all(struct engine *s, bool more)
{
	bool left = false;
	struct err e;

	for (size_t i = 0; i < s->n; i++) {
		struct member *mb = &s->v[i];

		if (mb->x->cb_on && !mb->x->failed && mb->led.n &&
		    guard_look(mb, s->o, more && mb->guard_acts)) {
			err_set(&e, ENOMEM, "out of memory");
			stop_member(mb, &e);
		}
		left = left || live(mb);
	}
	return left;
}

/* At the end: the target's faults during the run; the before spans go. */
static void guard_finish(struct member *mb)
{
	struct run *x = mb->x;
	struct procstat st;

	if (mb->have_st0 && !procstat_of(x->t.pid, &st) &&
	    st.start_time == mb->st0.start_time) {
		x->cb.faults_known = true;
		x->cb.minor_faults = st.minflt - mb->st0.minflt;
		x->cb.major_faults = st.majflt - mb->st0.majflt;
	}
	resspan_free(&mb->before);
}

/* Unfrozen maps (they only guide), selected, residency, a budget's choice. */
static void preview(struct engine *s, struct member *mb)
{
	const struct options *o = s->o;
	struct run *x = mb->x;
	bool budget = resident_budgeted(o);
	struct err e;

	if (!wants_residency(s) && !budget && !x->cb_on)
		return;
	/* a budget is of the Rss: smaps */
	mb->maps_ns = clock_now_ns();
	if (maps_source_read(&x->t, budget ? MAPS_FILE_SMAPS : MAPS_FILE_MAPS,
			     o->maps_query, &x->text, &x->maps, &e))
		goto fail;
	/* the windows read maps, not smaps: only that read says their least */
	mb->maps_ns = budget ? 0 : clock_now_ns() - mb->maps_ns;
	mb->nmaps = x->maps.n;
	if (select_pairs(&x->maps, o->pairs, o->npairs, &x->plan))
		goto oom;
	mb->covered = pieces_dup(&x->plan, &mb->ncovered);
	if (!mb->covered)
		goto oom;
	/* pagemap has the exclusive bit; PAGEMAP_SCAN is far faster on sparse
	 * arenas. Only sizing calls, a failure costs only smaller calls. */
	if ((wants_residency(s) || budget) &&
	    resident_read(x, resident_wanted(o) ? RES_METHOD_PAGEMAP :
			  RES_METHOD_SCAN, &e) && (budget || resident_wanted(o)))
		goto fail;
	/* exclusive pages only: a shared one is never paged out, and would
	 * look as if it came back */
	if (x->cb_on && resident_read_pieces(x->t.pid, RES_METHOD_PAGEMAP,
					     x->plan.pieces, x->plan.npieces,
					     &mb->before, &e))
		goto fail;
	if (budget) {
		if (resident_goal(x, o))
			goto oom;
		/* nothing to do (the report says why): no freeze */
		if (!x->goal.need || x->goal.small || !x->goal.movable)
			mb->done = true;
		if (resident_choose(x, o, x->goal.need))
			goto oom;
		mb->keep = pieces_dup(&x->plan, &mb->nkeep);
		if (!mb->keep)
			goto oom;
	}
	/* every piece futile (a pageout with no swap...) or none selected: no
	 * window could advise a byte, so no freeze; these skips are the report */
	if (!mb->done && !o->dry_run && !o->list) {
		if (resident_futile(x, o))
			goto oom;
		if (!x->plan.npieces) {
			if (ledger_note_plan(&mb->led, &x->plan, &x->maps))
				goto oom;
			mb->done = true;
		}
	}
	goto out;
oom:
	err_set(&e, ENOMEM, "out of memory");
fail:
	run_fail_err(x, &e);
out:
	drop_window_plan(mb);
}

/* ---- inside a window ---- */

/* Fresh maps, selected, less what was done, within the budget's choice. */
static int select_fresh(struct engine *s, struct member *mb)
{
	const struct options *o = s->o;
	struct run *x = mb->x;
	struct err e;

	drop_window_plan(mb);
	if (maps_source_read(&x->t, window_maps_file(&x->t, o), o->maps_query,
			     &x->text, &x->maps, &e))
		goto fail;
	if (select_pairs(&x->maps, o->pairs, o->npairs, &x->plan) ||
	    ledger_subtract(&mb->led, &x->plan) || resident_futile(x, o) ||
	    (mb->keep && plan_keep(&x->plan, mb->keep, mb->nkeep)) ||
	    (x->cb_on && guard_plan(s, mb)))
		goto oom;
	x->res = calloc(x->plan.npieces ? x->plan.npieces : 1, sizeof(*x->res));
	if (!x->res)
		goto oom;
	cursor_init(&mb->cur, &x->plan, &x->maps, x->res);
	mb->in_window = true;
	mb->noted = false;
	/* the PID cannot have been recycled while its pidfd shows it alive:
	 * the maps just read are this process's */
	if (target_alive(&x->t)) {
		err_set(&e, errno, errno == ESRCH ? "%d (%s) exited while its "
			"maps were read" : "cannot check through its pidfd that "
			"%d (%s) is alive", x->t.pid, x->t.comm);
		goto fail;
	}
	return 0;
oom:
	err_set(&e, ENOMEM, "out of memory");
fail:
	stop_member(mb, &e);
	return -1;
}

/* Freeze the live members together. NULL: each member stopped, said why. */
static struct freeze *freeze_live(struct engine *s)
{
	pid_t *pids = calloc(s->n, sizeof(*pids));
	int *fds = calloc(s->n, sizeof(*fds));
	struct freeze *fz = NULL;
	size_t k = 0;
	struct err e;

	if (!pids || !fds)
		err_set(&e, ENOMEM, "out of memory");
	for (size_t i = 0; pids && fds && i < s->n; i++)
		if (live(&s->v[i])) {
			pids[k] = s->v[i].x->t.pid;
			fds[k++] = s->v[i].x->t.pidfd;
		}
	if (!pids || !fds || freeze_begin(&s->req, pids, fds, k, &fz, &e))
		for (size_t i = 0; i < s->n; i++)
			if (live(&s->v[i]))
				stop_member(&s->v[i], &e);
	free(pids);
	free(fds);
	return fz;
}

static void select_live(struct engine *s, struct freeze *fz)
{
	struct err e;

	for (size_t i = 0; i < s->n; i++) {
		struct member *mb = &s->v[i];

		if (!live(mb))
			continue;
		if (freeze_covers(fz, mb->x->t.pid, &e)) {
			err_append(&e, "; not advised");
			stop_member(mb, &e);
		} else if (!select_fresh(s, mb) && !mb->x->plan.npieces) {
			mb->done = true;
		}
	}
}

static bool progressed(void *fz)
{
	return freeze_progress(fz);
}

/* The kernel refused the target as a whole (it exited, access went away). */
static void refused(struct member *mb, const struct advice *adv, int code)
{
	bool some = false;

	for (size_t i = 0; i < mb->led.n && !some; i++)
		some = mb->led.v[i].advised > 0;
	for (size_t i = 0; i < mb->x->plan.npieces && !some; i++)
		some = mb->x->res[i].advised > 0;
	run_advise_error(mb->x, adv, code, true, some);
	chunk_rest(&mb->cur, code);
	mb->done = true;
}

/* Work for the next call; 0: thaw now. The window's first call (!any)
 * goes whatever the time left: a window must progress. */
static uint64_t next_work(struct engine *s, uint64_t deadline, bool any)
{
	uint64_t now = clock_now_ns(), w;

	if (!s->bounded)
		return UINT64_MAX;
	if (any && s->o->test_chunk_bytes)
		return 0;	/* tests: one call per window */
	w = pace_work(&s->pace, deadline > now ? deadline - now : 0);
	if (!w && !any)
		w = pace_work(&s->pace, s->max_ns);
	return w ? w : (any ? 0 : 1);
}

/* Advise the member call by call until its plan is done or time is up. */
static void advise_member(struct engine *s, struct member *mb,
			  struct freeze *fz, uint64_t deadline, bool *any)
{
	const struct options *o = s->o;
	struct workmap wm = {
		.spans = mb->x->have_spans ? &mb->x->spans : NULL,
		.covered = mb->covered, .ncovered = mb->ncovered,
		.page = s->page,
	};
	struct advise_watch watch = { .progress = progressed, .ctx = fz,
				      .max_bytes = freeze_call_max_bytes(fz) };
	struct chunk_limits lim = {
		.bytes = ADVISE_MAX_BYTES, .pieces = ADVISE_MAX_IOV, .page = s->page,
	};

	/* no freeze: short calls, for the target's mmap_lock (engine.h) */
	if (s->req.mode == FREEZE_NONE)
		lim.bytes = ADVISE_UNFROZEN_MAX_BYTES;
	if (o->test_chunk_bytes && o->test_chunk_bytes < lim.bytes)
		lim.bytes = o->test_chunk_bytes;
	while (!cursor_done(&mb->cur) && !s->stop) {
		struct advise_stats st;
		size_t first = mb->cur.cur, k;
		uint64_t t0, work;

		/* a signal, or the window ended (guardian, another's thaw) */
		if (freeze_interrupted()) {
			s->stop = true;
			return;
		}
		if (!freeze_progress(fz)) {
			s->window_over = true;
			return;
		}
		/* no freeze, the guard acting: end windows so it looks */
		if (*any && mb->guard_acts && s->req.mode == FREEZE_NONE &&
		    clock_now_ns() - s->window_start_ns >= GUARD_LOOK_NS)
			return;
		/* a chunk holds one pair's pieces */
		const struct advice *adv =
			pair_advice(o, mb->x->plan.pieces[mb->cur.cur].pair);

		/* PAGEMAP_SCAN has no exclusive bit: present pages then */
		wm.mask = mb->x->spans.exclusive_known ?
			  resident_mask_for(mb->x, adv->value) : RES_PRESENT;
		wm.absent = adv->value == ADVICE_WILLNEED;
		lim.align = adv->value == ADVICE_COLLAPSE ? HUGE_PAGE_SIZE : 0;
		lim.work = next_work(s, deadline, *any);
		/* pageout: no room under the writeback cap (a full queue holds calls) */
		if (!lim.work || (*any && adv->value == ADVICE_PAGEOUT &&
				  s->vmstat_fd >= 0 && swapcap_writeback(s->vmstat_fd) +
				  lim.work > WRITEBACK_CAP))
			return;			/* thaw: it would not fit */
		/* collapse, bounded: one huge page a call, as its time
		 * (compaction) is not predicted by residency */
		if (s->bounded && lim.align && lim.work > lim.align)
			lim.work = lim.align;
		k = chunk_take(&mb->cur, &wm, &lim, s->iov, &work);
		*any = true;
		t0 = clock_now_ns();
		advise_run(mb->x->t.pidfd, adv->value, s->iov, k, &watch,
			   s->ires, &st);
		pace_record(&s->pace, work, clock_now_ns() - t0);
		chunk_record(&mb->cur, first, s->iov, s->ires, k);
		if (st.fatal) {
			refused(mb, adv, st.fatal);
			return;
		}
		if (freeze_interrupted()) {
			s->stop = true;
			return;
		}
		if (st.stopped) {	/* the window ended during the call */
			s->window_over = true;
			return;
		}
	}
	mb->done = cursor_done(&mb->cur);
	if (mb->done && mb->guard_acts && mb->phase == GUARD_SAMPLE) {
		mb->phase = GUARD_SETTLE;	/* the rest after a look */
		mb->done = false;
	}
}

/* To every member: the race-free window asked for was not had. */
static void warn_broken(struct engine *s, const struct freeze_info *fi)
{
	for (size_t i = 0; i < s->n; i++) {
		struct run *x = s->v[i].x;

		if (x->failed)
			continue;
		if (fi->lifted)
			run_warn(x, "%d (%s): the %s freeze was lifted at the "
				 "interrupt (one unbounded window: the call under "
				 "way may wait on the target); what that call "
				 "advised after it was not race-free", x->t.pid,
				 x->t.comm, freeze_mode_name(fi->mode));
		else if (fi->resumed)
			run_warn(x, "%d (%s): freeze broken: %s; the advice of "
				 "that window was not race-free", x->t.pid,
				 x->t.comm, freeze_mode_resumed(fi->mode));
		else if (s->bounded)
			run_warn(x, "%d (%s): freeze broken: the guardian ended "
				 "the %s window after %u ms (its deadline: %u ms) "
				 "while pmadv was advising or held up; the advice "
				 "of that window was not race-free", x->t.pid,
				 x->t.comm, freeze_mode_name(fi->mode),
				 fi->stalled_ms, fi->bound_ms);
		else
			run_warn(x, "%d (%s): freeze broken: no advice call "
				 "completed for %.1f s (limit %.1f s), so the %s "
				 "freeze was ended while advising; the advice was "
				 "not race-free", x->t.pid, x->t.comm,
				 fi->stalled_ms / 1000.0, fi->bound_ms / 1000.0,
				 freeze_mode_name(fi->mode));
	}
}

/* What the window's freeze was, into the whole run's figures. */
static void account(struct engine *s, struct window *w, struct freeze_info *fi)
{
	s->windows += fi->mode != FREEZE_NONE;
	s->frozen_ns += fi->frozen_ns;
	s->over += s->bounded && fi->frozen_ns > s->max_ns;
	if (fi->frozen_ns > s->longest_ns) {
		s->longest_ns = fi->frozen_ns;
		s->longest_at = s->windows;
	}
	s->expired = fi->broken && fi->expired ? s->expired + 1 : 0;
	if (fi->broken) {
		if (!s->nbroken++)
			warn_broken(s, fi);
		/* after one window the guardian ended, the next goes on with
		 * fresh maps; two in a row is a call waiting for the frozen
		 * target itself (its FUSE server), which no window finishes.
		 * Another's thaw, or an unbounded stuck call, ends the run. */
		if (!fi->expired || !s->bounded || s->expired >= 2)
			s->stop = true;
	}
	if (!w->freeze.mode) {
		w->freeze = *fi;	/* the first: mode, cgroup, processes */
		return;
	}
	if (fi->broken && !w->freeze.broken) {
		w->freeze.broken = true;
		w->freeze.resumed = fi->resumed;
		w->freeze.stalled_ms = fi->stalled_ms;
		w->freeze.bound_ms = fi->bound_ms;
	}
	freeze_info_free(fi);
}

/* Every window reads the maps again: a bound below that read cannot hold.
 * Said before the first window (the preview's read, unfrozen, timed). */
static void warn_slow_maps(const struct engine *s)
{
	for (size_t i = 0; s->bounded && i < s->n; i++) {
		const struct member *mb = &s->v[i];
		const struct run *x = mb->x;

		if (!x->failed && !mb->done && mb->maps_ns > s->max_ns)
			run_warn(mb->x, "%d (%s): reading its maps (%zu mappings) "
				 "took %.1f ms, longer than the --max-freeze bound "
				 "of %.1f ms: no window can be shorter (a larger "
				 "bound, or 0 for one window)", x->t.pid, x->t.comm,
				 mb->nmaps, mb->maps_ns / 1e6, s->max_ns / 1e6);
	}
}

/* After the last thaw: a parent our stops stopped runs again, said. */
static void resume_parents(struct engine *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct stop_parent *p = &s->v[i].parent;
		struct run *x = s->v[i].x;
		int r = stop_parent_resume(p);
		char failed[96];

		if (!r)
			continue;
		snprintf(failed, sizeof(failed), ", and stays stopped: SIGCONT: %s "
			 "(resume it: kill -CONT %d)", strerror(errno), (int)p->pid);
		run_warn(x, "%d (%s): its parent %d (%s) stopped itself when pmadv "
			 "stopped it, as su, sudo and runuser do%s", x->t.pid,
			 x->t.comm, (int)p->pid, p->comm,
			 r > 0 ? "; resumed it (SIGCONT)" : failed);
	}
}

/* Said once per target: windows longer than the bound, the longest named. */
static void warn_over(const struct engine *s)
{
	for (size_t i = 0; s->over && i < s->n; i++)
		if (!s->v[i].x->failed)
			run_warn(s->v[i].x, "%d (%s): window %u of %u lasted %.1f ms, "
				 "over the --max-freeze bound of %.1f ms (%u %s "
				 "over it)", s->v[i].x->t.pid, s->v[i].x->t.comm,
				 s->longest_at, s->windows, s->longest_ns / 1e6,
				 s->max_ns / 1e6, s->over,
				 s->over == 1 ? "window" : "windows");
}

/* Tests only: hold the window open, progressing; a signal ends it. */
static void test_delay(unsigned int ms, struct freeze *fz)
{
	uint64_t until = clock_now_ns() + (uint64_t)ms * 1000000u;

	while (ms && clock_now_ns() < until && !freeze_interrupted() &&
	       freeze_progress(fz))
		clock_sleep_us(REST_SLICE_US);
}

/* One window: freeze, select, advise, thaw. Its length (ns). */
static uint64_t one_window(struct engine *s, struct window *w)
{
	struct freeze *fz = freeze_live(s);
	struct freeze_info fi;
	uint64_t deadline;
	bool any = false;
	struct err e;

	if (!fz) {
		s->stop = true;
		return 0;
	}
	/* from the first freeze action; a sixteenth left for the thaw */
	deadline = freeze_started_ns(fz) + s->max_ns - s->max_ns / 16;
	select_live(s, fz);
	test_delay(s->o->test_delay_ms, fz);
	s->window_start_ns = clock_now_ns();
	s->window_over = false;
	for (size_t i = 0; i < s->n && !s->stop && !s->window_over &&
	     !s->o->dry_run; i++)
		if (live(&s->v[i]))
			advise_member(s, &s->v[i], fz, deadline, &any);
	if (freeze_end(fz, &fi, &e))
		for (size_t i = 0; i < s->n; i++)
			run_fail_err(s->v[i].x, &e);	/* the first error stays */
	account(s, w, &fi);
	return fi.frozen_ns;
}

/* ---- the sequence ---- */

/* The targets run (REST_MIN_NS; pageout: writeback drained). false: interrupted. */
static bool rest(const struct engine *s, uint64_t since, uint64_t window_ns,
		 uint64_t min_ns)
{
	uint64_t want = window_ns / 3 > REST_MIN_NS ? window_ns / 3 : REST_MIN_NS;

	if (want < min_ns)
		want = min_ns;
	uint64_t until = since + want;

	while (!freeze_interrupted()) {
		uint64_t now = clock_now_ns();

		if (now >= until && (now >= since + REST_DRAIN_MAX_NS ||
				     s->vmstat_fd < 0 ||
				     swapcap_writeback(s->vmstat_fd) <= WRITEBACK_CAP / 4))
			return true;
		if (now >= until) {
			clock_sleep_us(1000);
			continue;
		}
		clock_sleep_us(until - now > REST_SLICE_US * 1000ULL ? REST_SLICE_US :
			       (unsigned int)((until - now) / 1000u) + 1);
	}
	return false;
}

static void progress(struct engine *s)
{
	uint64_t done = 0, total = 0;

	/* before the commit: the ledger has the windows before this one */
	for (size_t i = 0; i < s->n; i++) {
		const struct member *mb = &s->v[i];

		total += mb->led.attempted + (mb->in_window ? mb->x->plan.bytes : 0);
		for (size_t k = 0; k < mb->led.n; k++)
			done += mb->led.v[k].advised;
		for (size_t k = 0; mb->in_window && k < mb->x->plan.npieces; k++)
			done += mb->x->res[k].advised;
	}
	progress_update(&s->prog, done, total, s->windows);
}

/* Outside the freeze (copying 32,000 skips' names cost a third of a
 * window): the window's skips and attempts into the member's ledger. */
static void commit_member(struct member *mb)
{
	if (!mb->in_window || mb->x->failed)
		return;
	if (!mb->noted && ledger_note_plan(&mb->led, &mb->x->plan, &mb->x->maps))
		goto oom;
	mb->noted = true;
	if (chunk_commit(&mb->cur, &mb->led))
		goto oom;
	return;
oom:
	run_fail(mb->x, ENOMEM, "out of memory");
}

static void sequence(struct engine *s, struct window *w)
{
	unsigned int rounds = 0;
	bool more = false;

	/* none to advise (goals met already): no freeze at all */
	for (size_t i = 0; i < s->n; i++)
		more = more || live(&s->v[i]);
	while (more) {
		uint64_t len = one_window(s, w), thawed = clock_now_ns();

		more = false;
		for (size_t i = 0; !s->stop && !s->o->dry_run && i < s->n; i++)
			more = more || live(&s->v[i]);
		progress(s);
		/* one window that did it all is the outcome as it stands: no
		 * ledger (at 10,000 mappings a tenth of the user time) */
		if (!s->o->dry_run && (++rounds > 1 || more || s->stop ||
				       freeze_interrupted() || guard_any(s)))
			for (size_t i = 0; i < s->n; i++)
				commit_member(&s->v[i]);
		more = more && rest(s, thawed, len, guard_settling(s));
		/* after the rest: pages had time to come back */
		if (!s->o->dry_run && !guard_look_all(s, more))
			more = false;
	}
	s->interrupt = freeze_interrupted();
}

/* Ledgers become maps, plans and results (a dry run keeps its plan). */
static void finish(struct engine *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct member *mb = &s->v[i];
		struct run *x = mb->x;

		if (s->interrupt && live(mb))
			run_warn(x, "%d (%s): interrupted by signal %d (SIG%s); "
				 "the rest was not advised", x->t.pid, x->t.comm,
				 s->interrupt, sigabbrev_np(s->interrupt));
		if (!s->o->dry_run && !x->failed && mb->led.planned) {
			if (mb->in_window && live(mb)) {
				chunk_rest(&mb->cur, ECANCELED);
				commit_member(mb);
			}
			drop_window_plan(mb);
			if (!x->failed && ledger_result(&mb->led, &x->text, &x->maps,
							&x->plan, &x->res))
				run_fail(x, ENOMEM, "out of memory");
		}
		if (s->o->dry_run) {	/* nothing advised: no results */
			free(x->res);
			x->res = NULL;
		}
		if (x->cb_on)
			guard_finish(mb);
		ledger_free(&mb->led);
		free(mb->covered);
		free(mb->keep);
	}
}

static void fill_info(struct window *w, const struct engine *s,
		      const struct freeze_req *how, int id)
{
	if (!w->freeze.mode)
		w->freeze.mode = how->mode;	/* no window ran */
	w->info = (struct window_info){
		.id = id,
		.freeze = &w->freeze,
		.frozen_ms = (double)s->frozen_ns / 1e6,
		.windows = s->windows,
		.max_window_ms = (double)s->longest_ns / 1e6,
		.bound_ms = s->bounded ? how->max_freeze_ms : 0,
		.bound_exceeded = s->bounded &&
				  s->longest_ns > (uint64_t)how->max_freeze_ms * 1000000u,
		.pids = w->pids,
		.npids = w->pids ? s->n : 0,
	};
}

static void engine_free(struct engine *s)
{
	if (s) {
		free(s->v);
		free(s->iov);
		free(s->ires);
		free(s);
	}
}

void engine_run(struct run **m, size_t n, const struct freeze_req *how,
		const struct options *o, int id, struct window *w)
{
	struct engine *s = calloc(1, sizeof(*s));

	*w = (struct window){ .pids = calloc(n, sizeof(*w->pids)) };
	if (s) {
		s->v = calloc(n, sizeof(*s->v));
		s->iov = big_alloc(ADVISE_MAX_IOV * sizeof(*s->iov));
		s->ires = big_alloc(ADVISE_MAX_IOV * sizeof(*s->ires));
	}
	if (!s || !w->pids || !s->v || !s->iov || !s->ires) {
		for (size_t i = 0; i < n; i++)
			run_fail(m[i], ENOMEM, "out of memory");
		engine_free(s);
		return;
	}
	s->n = n;
	s->o = o;
	s->req = *how;
	s->req.before = before_freeze;
	s->req.before_arg = s;
	heap_keep();	/* the preview's arrays leave their pages to the windows' */
	/* windows end at a deadline: a freeze, --max-freeze > 0, advice */
	s->bounded = how->mode != FREEZE_NONE && how->max_freeze_ms &&
		     !o->dry_run && !o->list;
	s->page = (uint64_t)sysconf(_SC_PAGESIZE);
	s->max_ns = s->bounded ? (uint64_t)how->max_freeze_ms * 1000000u : UINT64_MAX / 2;
	pace_init(&s->pace, s->max_ns);
	s->vmstat_fd = s->bounded && options_gives(o, ADVICE_PAGEOUT) ?
		       open("/proc/vmstat", O_RDONLY | O_CLOEXEC) : -1;
	for (size_t i = 0; i < n; i++) {
		s->v[i].x = m[i];
		w->pids[i] = m[i]->t.pid;
		guard_init(s, &s->v[i]);
		preview(s, &s->v[i]);
	}
	s->prog = (struct progress){ .on = !o->quiet && !o->json &&
				     msg_status_possible(),
				     .start_ns = clock_now_ns() };
	s->prog.last_ns = s->prog.start_ns;
	warn_slow_maps(s);
	/* -f stop: a parent that relays job control, noted before the first stop */
	for (size_t i = 0; i < n; i++)
		if (how->mode == FREEZE_STOP)
			stop_parent_note(&s->v[i].parent, m[i]->t.pid);
		else
			s->v[i].parent.fd = -1;
	sequence(s, w);
	if (s->prog.shown)
		msg_status_clear();
	warn_over(s);
	resume_parents(s);
	finish(s);
	fill_info(w, s, how, id);
	if (s->vmstat_fd >= 0)
		close(s->vmstat_fd);
	engine_free(s);
}

void window_free(struct window *w)
{
	freeze_info_free(&w->freeze);
	free(w->pids);
	memset(w, 0, sizeof(*w));
}
