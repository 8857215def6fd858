/* One freeze window over a group of targets. See window.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigalloc.h"
#include "clock.h"
#include "maps_source.h"
#include "resident.h"
#include "window.h"

/* Just before the target freezes (after the guardian's fork): a target of
 * up to ~2,000 mappings then costs no page fault of ours while frozen
 * (larger ones use huge pages, bigalloc.c). */
static void before_freeze(void)
{
	heap_prewarm(512u << 10);
}

/* Reading smaps walks every page table: only when --limit needs Rss, or
 * the cheap signs (VmLck, HugetlbPages) say a mapping would be refused for
 * reasons only VmFlags show. */
static enum maps_file maps_file_for(const struct target *t, const struct options *o)
{
	return o->limit_bytes || o->limit_pct || o->down_to_set ||
	       (advice_reclaims(o->advice->value) && (t->locked || t->hugetlb)) ?
	       MAPS_FILE_SMAPS : MAPS_FILE_MAPS;
}

int window_read_maps(struct run *x, const struct options *o)
{
	struct err e;

	if (maps_source_read(&x->t, maps_file_for(&x->t, o), o->maps_query,
			     &x->text, &x->maps, &e)) {
		run_fail_err(x, &e);
		return -1;
	}
	return 0;
}

int window_check_alive(struct run *x)
{
	/* the PID cannot have been recycled while its pidfd shows it alive:
	 * the maps just read are this process's */
	if (!target_alive(&x->t))
		return 0;
	run_fail(x, errno, errno == ESRCH ? "%d (%s) exited while its maps "
		 "were read" : "cannot check through its pidfd that %d (%s) "
		 "is alive", x->t.pid, x->t.comm);
	return -1;
}

static void select_member(struct run *x, const struct options *o)
{
	if (window_read_maps(x, o))
		return;
	if (select_plan(&x->maps, &o->sel, o->advice->value, &x->plan)) {
		run_fail(x, ENOMEM, "out of memory");
		return;
	}
	/* futile pageout out, residency and budgets (resident.c) */
	resident_plan(x, o);
	if (!x->failed)
		window_check_alive(x);
}

/* After every advice call: the window progressed (its watchdog counts
 * on it); false once the watchdog has ended the freeze. */
static bool progressed(void *fz)
{
	return freeze_progress(fz);
}

static void advise_member(struct run *x, const struct options *o,
			  struct freeze *fz)
{
	struct advise_watch watch = { .progress = progressed, .ctx = fz,
				      .max_bytes = freeze_call_max_bytes(fz) };
	struct advise_stats st;

	/* no freeze: short calls, so the target's mmap_lock is never held
	 * for long (advise.h) */
	if (!watch.max_bytes && o->freeze.mode == FREEZE_NONE)
		watch.max_bytes = ADVISE_UNFROZEN_MAX_BYTES;

	x->res = calloc(x->plan.npieces, sizeof(*x->res));
	if (!x->res) {
		run_fail(x, ENOMEM, "out of memory");
		return;
	}
	advise_run(x->t.pidfd, o->advice->value, x->plan.pieces, x->plan.npieces,
		   &watch, x->res, &st);
	if (!st.fatal)
		return;
	run_advise_error(x, o->advice, st.fatal, true, st.advised > 0);
}

static void advise_members(struct run **m, size_t n, const struct options *o,
			   struct freeze *fz)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i]->failed || o->dry_run || !m[i]->plan.npieces)
			continue;
		if (freeze_progress(fz))
			advise_member(m[i], o, fz);
		else
			run_fail(m[i], ECANCELED, "%d (%s) not advised: the freeze "
				 "was broken before its turn", m[i]->t.pid,
				 m[i]->t.comm);
	}
}

/* Said for every member: the operator asked for a race-free window and
 * did not get one. */
void window_warn_broken(struct run **m, size_t n, const struct freeze_info *fi)
{
	for (size_t i = 0; i < n; i++) {
		if (fi->resumed)
			run_warn(m[i], "%d (%s): freeze broken: %s while pmadv "
				 "advised it (another program %s); the advice "
				 "of that window was not race-free", m[i]->t.pid,
				 m[i]->t.comm, fi->mode == FREEZE_STOP ?
				 "a thread was running again" :
				 "its cgroup was no longer frozen",
				 fi->mode == FREEZE_STOP ? "sent SIGCONT" :
				 "thawed the cgroup");
		else
			run_warn(m[i], "%d (%s): freeze broken: no advice call "
				 "completed for %.1f s (limit %.1f s), so the %s "
				 "freeze was ended while advising; the advice was "
				 "not race-free", m[i]->t.pid, m[i]->t.comm,
				 fi->stalled_ms / 1000.0, fi->bound_ms / 1000.0,
				 freeze_mode_name(fi->mode));
	}
}

void window_fill_info(struct window *w, const struct freeze_req *how, int id,
		      size_t n, uint64_t frozen_ns, unsigned int windows,
		      uint64_t longest_ns)
{
	w->info = (struct window_info){
		.id = id,
		.mode = freeze_mode_name(w->freeze.mode ? w->freeze.mode : how->mode),
		.frozen_ms = (double)frozen_ns / 1e6,
		.windows = windows,
		.max_window_ms = (double)longest_ns / 1e6,
		.processes = w->freeze.processes,
		.already = w->freeze.already,
		.cgroup = w->freeze.cgroup,
		.broken = w->freeze.broken,
		.stalled_ms = w->freeze.stalled_ms,
		.resumed = w->freeze.resumed,
		.pids = w->pids,
		.npids = w->pids ? n : 0,
	};
}

void window_run(struct run **m, size_t n, const struct freeze_req *how,
		const struct options *o, int id, struct window *w)
{
	struct freeze_req req = *how;
	struct freeze *fz = NULL;
	pid_t *pids = calloc(n, sizeof(*pids));
	int *pidfds = calloc(n, sizeof(*pidfds));
	struct err e;

	memset(w, 0, sizeof(*w));
	w->pids = calloc(n, sizeof(*w->pids));
	if (!pids || !pidfds || !w->pids) {
		for (size_t i = 0; i < n; i++)
			run_fail(m[i], ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		pids[i] = w->pids[i] = m[i]->t.pid;
		pidfds[i] = m[i]->t.pidfd;
	}
	req.before = before_freeze;
	if (freeze_begin(&req, pids, pidfds, n, &fz, &e)) {
		for (size_t i = 0; i < n; i++)
			run_fail_err(m[i], &e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (freeze_covers(fz, m[i]->t.pid, &e)) {
			err_append(&e, "; not advised");
			run_fail_err(m[i], &e);
		} else {
			select_member(m[i], o);
		}
	}
	if (o->test_delay_ms)
		clock_sleep_us(o->test_delay_ms * 1000u);
	advise_members(m, n, o, fz);
	if (freeze_end(fz, &w->freeze, &e))
		for (size_t i = 0; i < n; i++)
			run_fail_err(m[i], &e);
	if (w->freeze.broken)
		window_warn_broken(m, n, &w->freeze);
out:
	window_fill_info(w, how, id, n, w->freeze.frozen_ns,
			 w->freeze.mode != FREEZE_NONE, w->freeze.frozen_ns);
	free(pids);
	free(pidfds);
}

void window_free(struct window *w)
{
	freeze_info_free(&w->freeze);
	free(w->pids);
	memset(w, 0, sizeof(*w));
}
