/* The window engine. See engine.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "engine/engine.h"

/* The progress of a long run of bounded windows, one line on stderr that
 * rewrites itself: bytes done of the total, rate, windows. Only when
 * stderr is a terminal, never with -q or -J, and only once the run has
 * taken more than a second (a short run shows nothing). Writes through
 * msg.c. */
#define PROGRESS_AFTER_NS 1000000000ULL
#define PROGRESS_EVERY_NS 200000000ULL

struct progress {
	bool on;		/* may show at all */
	bool shown;		/* a line is on the terminal */
	uint64_t start_ns, last_ns;
};

static void progress_init(struct progress *p, const struct options *o);
static void progress_update(struct progress *p, uint64_t done, uint64_t total,
			    unsigned int windows);
/* Erase the line, if one was shown. */
static void progress_end(struct progress *p);

/* The targets run between two windows at least this long, and at least
 * a third as long as the window before: the service gets a quarter of the
 * time or more, and the whole run stays within about 1.5 times one
 * unbounded window. What is read between windows counts as rest. */
#define REST_MIN_NS 1000000ULL
#define REST_SLICE_US 5000u	/* how often a rest looks for an interrupt */
/* Pageout: bytes under writeback a window may leave (see
 * swapcap_writeback); a rest waits, up to REST_DRAIN_MAX_NS, for the
 * device to bring it under a quarter of that, so the next window starts
 * with a device that takes pages at once. */
#define WRITEBACK_CAP (64ULL << 20)
#define REST_DRAIN_MAX_NS 1000000000ULL

struct member {
	struct run *x;
	struct ledger led;	/* what earlier windows did */
	struct cursor cur;	/* where this window is in its plan */
	bool in_window;		/* cur holds this window's plan */
	bool noted;		/* ... and the ledger has its skips */
	struct piece *covered;	/* the ranges x->runs was read over */
	size_t ncovered;
	struct piece *keep;	/* a budget's choice, made before the run */
	size_t nkeep;
	bool budgeted;
	bool done;		/* nothing left for it, or it stopped */
	size_t nmaps;		/* mappings the preview saw (before_freeze) */
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
	uint64_t frozen_ns, longest_ns;
	bool stop;		/* no further window */
	bool window_over;	/* this window ended early (the guardian's
				 * deadline): the next one goes on */
	unsigned int over;	/* windows longer than the bound */
	unsigned int longest_at;	/* which window was the longest */
	unsigned int nbroken;	/* windows that were not race-free */
	unsigned int expired;	/* windows in a row the guardian ended */
	int interrupt;		/* the signal that stopped it, or 0 */
	struct progress prog;
	int vmstat_fd;		/* pageout in windows: /proc/vmstat, or -1 */
	/* one chunk's iovecs and results: no allocation per call; malloc'd,
	 * not zeroed, so that a run touches only the pages it uses (40 KiB
	 * zeroed were a tenth of a small run's page faults) */
	struct piece *iov;
	struct advise_result *ires;
};

bool engine_bounded(const struct options *o, const struct freeze_req *how)
{
	return how->mode != FREEZE_NONE && how->max_freeze_ms && !o->dry_run &&
	       !o->list;
}

bool engine_interruptible(const struct options *o)
{
	/* an unbounded window (--max-freeze=0) is thawed at that signal (its
	 * call under way may wait on the frozen target itself: a mapping its
	 * FUSE server serves), and still reports (thaw_interruptible) */
	return o->advice && !o->dry_run && !o->list;
}

static bool live(const struct member *mb)
{
	return !mb->done && !mb->x->failed;
}

/* Reading smaps walks every page table: inside a window only when the
 * cheap signs (VmLck, HugetlbPages) say a mapping would be refused for
 * reasons only VmFlags show. */
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

/* Just before a freeze (after the guardian's fork): pmadv's pages made
 * its own again, and heap enough for the window's arrays faulted in
 * (what the maps had in the preview, twice): a window then takes next to
 * no page fault of ours while the target is frozen (at 65,000 mappings
 * 430 faults became 15; a fault costs 5-10 us on a VM). */
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
		if (s->v[i].budgeted)
			want += (s->v[i].nmaps + s->v[i].nkeep) *
				sizeof(struct piece);
	}
	heap_prewarm(want < (24u << 20) ? want : (24u << 20));
	own_memory_unshare();	/* the heap prewarm grew included */
	/* and the arrays every call writes, never touched before the first */
	memset(s->iov, 0, ADVISE_MAX_IOV * sizeof(*s->iov));
	memset(s->ires, 0, ADVISE_MAX_IOV * sizeof(*s->ires));
	advise_ready();
}

/* ---- failures ---- */

/* The member cannot go on. In its first window that is its error; after
 * earlier windows advised, what they did stands and the rest is not
 * advised, said as a warning. */
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

static void stop_member_oom(struct member *mb)
{
	struct err e;

	err_set(&e, ENOMEM, "out of memory");
	stop_member(mb, &e);
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

/* Residency sizes the chunks of bounded windows; budgets, the dry run and
 * the tables use it too. */
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

/* The maps as they are now (not frozen: they only guide), the selection
 * over them, their residency, and a budget's choice. */
static int preview(struct engine *s, struct member *mb)
{
	const struct options *o = s->o;
	struct run *x = mb->x;
	bool budget = resident_budgeted(o);
	struct err e;
	int rc = -1;

	if (!wants_residency(s) && !budget)
		return 0;
	/* a budget is of the Rss: smaps */
	if (maps_source_read(&x->t, budget ? MAPS_FILE_SMAPS : MAPS_FILE_MAPS,
			     o->maps_query, &x->text, &x->maps, &e))
		goto fail;
	mb->nmaps = x->maps.n;
	if (select_pairs(&x->maps, o->pairs, o->npairs, &x->plan))
		goto oom;
	mb->covered = pieces_dup(&x->plan, &mb->ncovered);
	if (!mb->covered)
		goto oom;
	/* pagemap has the exclusive bit budgets and the tables use;
	 * PAGEMAP_SCAN reads sparse arenas far faster. Read only to size
	 * calls, a failure costs nothing but smaller calls (all is work). */
	if (resident_read(x, resident_wanted(o) ? RES_METHOD_PAGEMAP :
			  RES_METHOD_SCAN, &e) && (budget || resident_wanted(o)))
		goto fail;
	if (budget) {
		if (resident_futile(x, o))
			goto oom;
		resident_goal(x, o);
		/* already there, a budget under a page, or nothing it can
		 * move: nothing to do (the report says which), no freeze */
		if (!x->goal.need || x->goal.small || !x->goal.movable)
			mb->done = true;
		if (resident_choose(x, o, x->goal.need))
			goto oom;
		mb->keep = pieces_dup(&x->plan, &mb->nkeep);
		if (!mb->keep)
			goto oom;
		mb->budgeted = true;
	}
	rc = 0;
	goto out;
oom:
	err_set(&e, ENOMEM, "out of memory");
fail:
	run_fail_err(x, &e);
out:
	drop_window_plan(mb);
	return rc;
}

/* ---- inside a window ---- */

/* Fresh maps, the selection over them, less what earlier windows did,
 * within a budget's choice. -1: the member stopped. */
static int select_fresh(struct engine *s, struct member *mb)
{
	const struct options *o = s->o;
	struct run *x = mb->x;
	struct err e;

	drop_window_plan(mb);
	if (maps_source_read(&x->t, window_maps_file(&x->t, o), o->maps_query,
			     &x->text, &x->maps, &e)) {
		stop_member(mb, &e);
		return -1;
	}
	if (select_pairs(&x->maps, o->pairs, o->npairs, &x->plan) ||
	    ledger_subtract(&mb->led, &x->plan) || resident_futile(x, o) ||
	    (mb->budgeted && plan_keep(&x->plan, mb->keep, mb->nkeep)))
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
		stop_member(mb, &e);
		return -1;
	}
	return 0;
oom:
	stop_member_oom(mb);
	return -1;
}

/* Freeze the live members together. NULL: no freeze was had (each
 * member stopped, saying why). */
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

/* The kernel refused the target as a whole (it exited, access went
 * away) for advice adv: a warning once something was advised, else its
 * error. */
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

/* How much work the next call may carry; 0: thaw now. any: something
 * was advised in this window already (its first call goes whatever the
 * time left: a window must progress). */
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

/* Pageout: is there room under the writeback cap for work more bytes?
 * A full device queue would hold the call (and the window) until the
 * device catches up. */
static bool writeback_room(const struct engine *s, uint64_t work)
{
	return s->vmstat_fd < 0 ||
	       swapcap_writeback(s->vmstat_fd) + work <= WRITEBACK_CAP;
}

/* Advise the member from its cursor, call by call, until its plan is done
 * or the window's time is up. */
static void advise_member(struct engine *s, struct member *mb,
			  struct freeze *fz, uint64_t deadline, bool *any)
{
	const struct options *o = s->o;
	struct workmap wm = {
		.runs = mb->x->have_runs ? &mb->x->runs : NULL,
		.covered = mb->covered, .ncovered = mb->ncovered,
		.page = s->page,
	};
	struct advise_watch watch = { .progress = progressed, .ctx = fz,
				      .max_bytes = freeze_call_max_bytes(fz) };
	struct chunk_limits lim = {
		.bytes = ADVISE_MAX_BYTES, .pieces = ADVISE_MAX_IOV, .page = s->page,
	};

	/* no freeze: short calls, so the target's mmap_lock is never held
	 * for long (engine.h) */
	if (s->req.mode == FREEZE_NONE)
		lim.bytes = ADVISE_UNFROZEN_MAX_BYTES;
	if (o->test_chunk_bytes && o->test_chunk_bytes < lim.bytes)
		lim.bytes = o->test_chunk_bytes;
	while (!cursor_done(&mb->cur) && !s->stop) {
		struct advise_stats st;
		size_t first = mb->cur.cur, k;
		uint64_t t0, work;

		/* the guardian may have ended the window (its deadline) or
		 * another program thawed it; a signal ends the run before
		 * the next call */
		if (freeze_interrupted()) {
			s->stop = true;
			return;
		}
		if (!freeze_progress(fz)) {
			s->window_over = true;
			return;
		}
		/* the chunk's advice: its first piece's pair's (a chunk
		 * holds one pair's pieces) */
		const struct advice *adv =
			pair_advice(o, mb->x->plan.pieces[mb->cur.cur].pair);

		/* PAGEMAP_SCAN has no exclusive bit: present pages then */
		wm.mask = mb->x->runs.exclusive_known ?
			  resident_mask_for(adv->value) : RES_PRESENT;
		wm.absent = adv->value == ADVICE_WILLNEED;
		lim.align = adv->value == ADVICE_COLLAPSE ? HUGE_PAGE_SIZE : 0;
		lim.work = next_work(s, deadline, *any);
		if (!lim.work || (*any && adv->value == ADVICE_PAGEOUT &&
				  !writeback_room(s, lim.work)))
			return;			/* thaw: it would not fit */
		/* collapse: one huge page a call when bounded. Its time is
		 * the kernel's allocation of a huge page (compaction), which
		 * no residency predicts: the deadline is looked at between
		 * each */
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
}

/* Said for every member: the operator asked for a race-free window and
 * did not get one. */
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
			run_warn(x, "%d (%s): freeze broken: %s while pmadv "
				 "advised it (another program %s); the advice "
				 "of that window was not race-free", x->t.pid,
				 x->t.comm, fi->mode == FREEZE_STOP ?
				 "a thread was running again" :
				 "its cgroup was no longer frozen",
				 fi->mode == FREEZE_STOP ? "sent SIGCONT" :
				 "thawed the cgroup");
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
		/* a window the guardian ended at its deadline (one slow call,
		 * a held-up pmadv): the next one goes on with fresh maps. Two
		 * in a row is a call that waits for the target itself (a
		 * mapping its frozen FUSE server serves): no window can
		 * finish it. Another program's thaw, or a call stuck with no
		 * bound, ends the run too. */
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

/* Tests only (a build with PMADV_TEST_HOOKS): hold the window open. Not
 * a stuck call (the watchdog is told it progresses); a signal ends it. */
static void test_delay(unsigned int ms, struct freeze *fz)
{
	uint64_t until = clock_now_ns() + (uint64_t)ms * 1000000u;

	while (ms && clock_now_ns() < until && !freeze_interrupted() &&
	       freeze_progress(fz))
		clock_sleep_us(REST_SLICE_US);
}

/* One window: freeze, select, advise until the deadline, thaw. Returns
 * its length (ns). */
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
	/* the window counts from the first freeze action (the service feels
	 * it from the first kill or write), and leaves a sixteenth of the
	 * bound for the thaw */
	deadline = freeze_started_ns(fz) + s->max_ns - s->max_ns / 16;
	select_live(s, fz);
	test_delay(s->o->test_delay_ms, fz);
	s->window_over = false;
	for (size_t i = 0; i < s->n && !s->stop && !s->window_over &&
	     !s->o->dry_run; i++)
		if (live(&s->v[i]))
			advise_member(s, &s->v[i], fz, deadline, &any);
	if (freeze_end(fz, &fi, &e))
		for (size_t i = 0; i < s->n; i++)
			if (!s->v[i].x->failed)
				run_fail_err(s->v[i].x, &e);
	account(s, w, &fi);
	return fi.frozen_ns;
}

/* ---- the sequence ---- */

/* The targets run: at least a third as long as the window before, and
 * for pageout until the device has written most of what is under
 * writeback. false: a signal asked to stop meanwhile. */
static bool rest(const struct engine *s, uint64_t since, uint64_t window_ns)
{
	uint64_t want = window_ns / 3 > REST_MIN_NS ? window_ns / 3 : REST_MIN_NS;
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

/* Outside the freeze: what the window selected and skipped (copies of
 * names: 32,000 skips cost a third of a window at 65,000 mappings) and
 * what it attempted, into the member's ledger. */
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

static void commit(struct engine *s)
{
	for (size_t i = 0; i < s->n; i++)
		commit_member(&s->v[i]);
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
		/* one window that did it all: its maps, plan and results
		 * are the outcome as they stand, no ledger to rebuild them
		 * from (at 10,000 mappings a tenth of pmadv's user time) */
		if (!s->o->dry_run && (++rounds > 1 || more || s->stop ||
				       freeze_interrupted()))
			commit(s);
		if (more && !rest(s, thawed, len))
			more = false;
	}
	s->interrupt = freeze_interrupted();
}

/* Each member's ledger becomes its maps, plan and results, as the report
 * reads them; what was selected and never advised (a stop) carries why.
 * A dry run keeps its one window's plan as it is. */
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

	memset(w, 0, sizeof(*w));
	w->pids = calloc(n, sizeof(*w->pids));
	if (s) {
		s->v = calloc(n, sizeof(*s->v));
		s->iov = malloc(ADVISE_MAX_IOV * sizeof(*s->iov));
		s->ires = malloc(ADVISE_MAX_IOV * sizeof(*s->ires));
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
	s->bounded = engine_bounded(o, how);
	s->page = (uint64_t)sysconf(_SC_PAGESIZE);
	s->max_ns = s->bounded ? (uint64_t)how->max_freeze_ms * 1000000u : UINT64_MAX / 2;
	pace_init(&s->pace, s->max_ns);
	s->vmstat_fd = s->bounded && options_gives(o, ADVICE_PAGEOUT) ?
		       open("/proc/vmstat", O_RDONLY | O_CLOEXEC) : -1;
	for (size_t i = 0; i < n; i++) {
		s->v[i].x = m[i];
		w->pids[i] = m[i]->t.pid;
		preview(s, &s->v[i]);
	}
	progress_init(&s->prog, o);
	sequence(s, w);
	progress_end(&s->prog);
	warn_over(s);
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

/* The progress line. See engine.h. */
static void progress_init(struct progress *p, const struct options *o)
{
	p->on = !o->quiet && !o->json && msg_status_possible();
	p->shown = false;
	p->start_ns = p->last_ns = clock_now_ns();
}

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

static void progress_end(struct progress *p)
{
	if (p->shown)
		msg_status_clear();
	p->shown = false;
}
