/* Bounded freeze windows, one after another. See windows.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigalloc.h"
#include "clock.h"
#include "resident.h"
#include "windows_seq.h"

bool windows_bounded(const struct options *o, const struct freeze_req *how)
{
	return how->mode != FREEZE_NONE && how->max_freeze_ms && !o->dry_run &&
	       !o->list;
}

static void before_freeze(void)
{
	heap_prewarm(512u << 10);	/* as window.c: no page faults frozen */
}

/* ---- selecting, inside a window ---- */

/* --limit or --down-to, fixed in the first window (from the Rss then). */
static uint64_t budget_left(struct member *mb, const struct options *o)
{
	if (!o->limit_bytes && !o->limit_pct && !o->down_to_set)
		return UINT64_MAX;
	if (!mb->budget_known) {
		mb->budget = resident_budget(mb->x, o);
		mb->budget_known = true;
	}
	return mb->budget > mb->led.attempted ? mb->budget - mb->led.attempted : 0;
}

/* Fresh maps, the selection over them, less what earlier windows did,
 * within what is left of the budget. -1: the member failed or is done. */
static int select_fresh(struct seq *s, struct member *mb)
{
	struct run *x = mb->x;
	const struct options *o = s->o;
	uint64_t left;

	plan_free(&x->plan);
	maps_free(&x->maps);
	free(x->text);
	free(x->res);
	resrun_free(&x->runs);
	x->have_runs = false;
	x->text = NULL;
	x->res = NULL;
	mb->cur = mb->ccur = 0;
	mb->off = mb->coff = 0;
	mb->rest_err = 0;
	if (window_read_maps(x, o))
		return -1;
	if (select_plan(&x->maps, &o->sel, o->advice->value, &x->plan) ||
	    ledger_note_plan(&mb->led, &x->plan, &x->maps) ||
	    ledger_subtract(&mb->led, &x->plan))
		goto oom;
	/* futile pageout out, residency, what is left of the budget */
	left = budget_left(mb, o);
	resident_plan_within(x, o, left);
	if (x->failed)
		return -1;
	x->res = calloc(x->plan.npieces ? x->plan.npieces : 1, sizeof(*x->res));
	if (!x->res)
		goto oom;
	return window_check_alive(x);
oom:
	run_fail(x, ENOMEM, "out of memory");
	return -1;
}

/* ---- one window ---- */

/* A freeze that could not be had, or no longer holds a member, after
 * earlier windows advised: what is left is not advised, and said so. */
static void stop_member(struct member *mb, const struct err *e)
{
	if (!mb->led.planned) {	/* its first window: nothing done yet */
		run_fail_err(mb->x, e);
	} else {
		run_warn(mb->x, "%d (%s): %s; the rest was not advised", mb->x->t.pid,
			 mb->x->t.comm, e->msg);
		mb->stop_err = e->code ? e->code : ECANCELED;
		chunk_record_rest(mb, mb->stop_err);
	}
	mb->done = true;
}

static bool live(const struct member *mb)
{
	return !mb->done && !mb->x->failed;
}

/* Freeze the live members together (a group one freeze covers). */
static struct freeze *freeze_live(struct seq *s, size_t *k)
{
	pid_t *pids = calloc(s->n, sizeof(*pids));
	int *fds = calloc(s->n, sizeof(*fds));
	struct freeze *fz = NULL;
	struct err e;

	*k = 0;
	if (!pids || !fds)
		err_set(&e, ENOMEM, "out of memory");
	for (size_t i = 0; pids && fds && i < s->n; i++)
		if (live(&s->v[i])) {
			pids[*k] = s->v[i].x->t.pid;
			fds[(*k)++] = s->v[i].x->t.pidfd;
		}
	if (!pids || !fds || freeze_begin(&s->req, pids, fds, *k, &fz, &e))
		for (size_t i = 0; i < s->n; i++)
			if (live(&s->v[i]))
				stop_member(&s->v[i], &e);
	free(pids);
	free(fds);
	return fz;
}

/* Inside the freeze: fresh maps and selection for every live member. */
static void select_live(struct seq *s, struct freeze *fz)
{
	struct err e;

	for (size_t i = 0; i < s->n; i++) {
		struct member *mb = &s->v[i];

		if (!live(mb))
			continue;
		if (freeze_covers(fz, mb->x->t.pid, &e)) {
			err_append(&e, "; not advised");
			stop_member(mb, &e);
		} else if (select_fresh(s, mb) || !mb->x->plan.npieces) {
			mb->done = true;
		}
	}
}

/* What the window's freeze was, into the whole run's figures. */
static void account(struct seq *s, struct window *w, struct freeze_info *fi,
		    struct run **runs, size_t k)
{
	s->windows++;
	s->frozen_ns += fi->frozen_ns;
	if (fi->frozen_ns > s->longest_ns)
		s->longest_ns = fi->frozen_ns;
	if (fi->broken) {
		window_warn_broken(runs, k, fi);
		s->stop = true;
	}
	if (!w->freeze.mode) {
		w->freeze = *fi;	/* the first: mode, cgroup, processes */
		return;
	}
	if (fi->broken) {
		w->freeze.broken = true;
		w->freeze.resumed = fi->resumed;
		w->freeze.stalled_ms = fi->stalled_ms;
		w->freeze.bound_ms = fi->bound_ms;
	}
	freeze_info_free(fi);
}

/* The test knob's hold, inside the window: it is not a stuck call (the
 * watchdog is told it progresses) and a signal ends it, as it would end
 * the run between two calls. */
static void test_delay(unsigned int ms, struct freeze *fz)
{
	uint64_t until = clock_now_ns() + (uint64_t)ms * 1000000u;

	while (clock_now_ns() < until && !freeze_interrupted() &&
	       freeze_progress(fz))
		clock_sleep_us(REST_SLICE_US);
}

/* One window: freeze, select, advise until the bound, thaw. Returns its
 * length (ns), 0 if no freeze was had. */
static uint64_t one_window(struct seq *s, struct window *w)
{
	struct run **runs = calloc(s->n, sizeof(*runs));
	struct freeze_info fi;
	struct freeze *fz;
	uint64_t deadline;
	bool any = false;
	size_t k = 0;
	struct err e;

	fz = runs ? freeze_live(s, &k) : NULL;
	if (!fz) {
		s->stop = true;
		free(runs);
		return 0;
	}
	deadline = clock_now_ns() + s->max_ns;
	select_live(s, fz);
	test_delay(s->o->test_delay_ms, fz);
	for (size_t i = 0; i < s->n && !s->stop; i++)
		if (live(&s->v[i]))
			chunk_advise(s, &s->v[i], fz, deadline, &any);
	k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].x->failed)
			runs[k++] = s->v[i].x;
	if (freeze_end(fz, &fi, &e))
		for (size_t i = 0; i < k; i++)
			run_fail_err(runs[i], &e);
	account(s, w, &fi, runs, k);
	free(runs);
	return fi.frozen_ns;
}

/* ---- the sequence ---- */

/* The targets run: at least as long as the window before. false: a
 * signal asked to stop meanwhile. */
static bool rest(uint64_t window_ns)
{
	uint64_t until = clock_now_ns() + (window_ns > REST_MIN_NS ?
					   window_ns : REST_MIN_NS);

	while (!freeze_interrupted()) {
		uint64_t now = clock_now_ns();

		if (now >= until)
			return true;
		clock_sleep_us(until - now > REST_SLICE_US * 1000ULL ? REST_SLICE_US :
			       (unsigned int)((until - now) / 1000u) + 1);
	}
	return false;
}

static void progress(struct seq *s)
{
	uint64_t done = 0, total = 0;

	/* before the commit: the ledger has the windows before this one */
	for (size_t i = 0; i < s->n; i++) {
		const struct member *mb = &s->v[i];

		total += mb->led.attempted + mb->x->plan.bytes;
		for (size_t k = 0; k < mb->led.n; k++)
			done += mb->led.v[k].advised;
		for (size_t k = 0; mb->x->res && k < mb->x->plan.npieces; k++)
			done += mb->x->res[k].advised;
	}
	progress_update(&s->prog, done, total, s->windows);
}

/* Each member's ledger becomes its maps, plan and results, as one window
 * would have left them; what was selected and never advised (a stop)
 * carries why. */
static void finish(struct seq *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct member *mb = &s->v[i];
		struct run *x = mb->x;

		if (s->interrupt && !x->failed && live(mb))
			run_warn(x, "%d (%s): interrupted by signal %d after %u "
				 "windows; the rest was not advised", x->t.pid,
				 x->t.comm, s->interrupt, s->windows);
		if (!x->failed && live(mb))
			chunk_record_rest(mb, ECANCELED);
		/* one window: its plan and results are the outcome as they are */
		if (mb->committed && !x->failed) {
			chunk_commit(mb);
			plan_free(&x->plan);
			maps_free(&x->maps);
			free(x->text);
			free(x->res);
			x->text = NULL;
			x->res = NULL;
			if (ledger_result(&mb->led, &x->text, &x->maps, &x->plan, &x->res))
				run_fail(x, ENOMEM, "out of memory");
		}
		ledger_free(&mb->led);
	}
}

static void fill_info(struct window *w, const struct seq *s,
		      const struct freeze_req *how, int id)
{
	window_fill_info(w, how, id, s->n, s->frozen_ns, s->windows, s->longest_ns);
}

static void sequence(struct seq *s, struct window *w)
{
	bool more = true;

	while (more) {
		uint64_t len = one_window(s, w);

		more = false;
		for (size_t i = 0; !s->stop && i < s->n; i++)
			more = more || live(&s->v[i]);
		progress(s);
		/* outside the freeze: what this window did, for the next */
		for (size_t i = 0; more && i < s->n; i++)
			if (live(&s->v[i]))
				chunk_commit(&s->v[i]);
		if (more && !rest(len))
			more = false;
	}
	s->interrupt = freeze_interrupted();
}

void windows_run(struct run **m, size_t n, const struct freeze_req *how,
		 const struct options *o, int id, struct window *w)
{
	struct seq s = { .n = n, .o = o, .req = *how };

	if (!windows_bounded(o, how)) {
		window_run(m, n, how, o, id, w);
		return;
	}
	memset(w, 0, sizeof(*w));
	w->pids = calloc(n, sizeof(*w->pids));
	s.v = calloc(n, sizeof(*s.v));
	if (!w->pids || !s.v) {
		for (size_t i = 0; i < n; i++)
			run_fail(m[i], ENOMEM, "out of memory");
		free(s.v);
		fill_info(w, &s, how, id);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		s.v[i].x = m[i];
		w->pids[i] = m[i]->t.pid;
	}
	s.req.before = before_freeze;
	s.page = (uint64_t)sysconf(_SC_PAGESIZE);
	s.max_ns = (uint64_t)how->max_freeze_ms * 1000000u;
	pace_init(&s.pace, ADVISE_MAX_BYTES, s.max_ns);
	progress_init(&s.prog, o);
	sequence(&s, w);
	progress_end(&s.prog);
	finish(&s);
	fill_info(w, &s, how, id);
	free(s.v);
}
