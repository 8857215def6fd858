/* pmadv: memory advice for another process. main: options, targets, then
 * for each group one freeze covers: prepare, run, measure, report. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/proc.h"
#include "lib/lib.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "freeze/freeze.h"
#include "report/report.h"

struct tally {
	int ok, fail, partial;
	pid_t *seen;		/* a process is one target however named */
	size_t nseen, seen_cap;
	int windows;
	uint64_t advised;	/* --as-group: of them all */
	uint64_t pss_after;
	bool pss_after_missing;
	struct unreachable why;	/* --as-group: the targets' own, summed */
};

/* --as-group: the goal of the targets together, and each one's share. */
struct group {
	struct group_goal g;
	uint64_t *share;	/* share[i] for the list's target i */
	size_t targets;
};

/* First time this process comes up? Remembers it. */
static bool first_time(struct tally *t, pid_t pid)
{
	pid_t *v;

	for (size_t i = 0; i < t->nseen; i++)
		if (t->seen[i] == pid)
			return false;
	v = array_grow(t->seen, t->nseen, &t->seen_cap, sizeof(*v), 16);
	if (v) {
		t->seen = v;
		t->seen[t->nseen++] = pid;
	}
	return true;
}

/* Say on stderr what went wrong, report, count, free. */
static void conclude(struct run *x, const struct options *o,
		     const struct window_info *w, struct report *rp,
		     struct tally *t)
{
	struct target_result r;
	int status;

	outcome_build(x, o, w, &r);
	status = outcome_status(&r, o);
	if (r.error)
		msg_warn("%s", r.error);
	/* -q is errors only: a target that fully succeeded says nothing */
	for (size_t i = 0; i < r.nwarnings; i++)
		if (!o->quiet || status != PMADV_EXIT_OK)
			msg_warn("%s", r.warnings[i]);
	report_target(rp, &r);
	t->advised += r.advised;
	if (r.goal && r.goal->group) {
		t->why.shared += r.goal->why.shared;
		t->why.locked += r.goal->why.locked;
		t->why.noswap += r.goal->why.noswap;
		t->why.unselected += r.goal->why.unselected;
	}
	if (!r.error) {
		t->pss_after += r.after.valid ? r.after.pss : 0;
		t->pss_after_missing = t->pss_after_missing || !r.after.valid;
	}
	if (status == PMADV_EXIT_OK)
		t->ok++;
	else if (status == PMADV_EXIT_PARTIAL)
		t->partial++;
	else
		t->fail++;
	outcome_free(&r);
	run_free(x);
}

/* A target's freeze: -f cgroup freezes a -c target's cgroup it came from. */
static struct freeze_req freeze_for(const struct options *o, const struct run *x)
{
	struct freeze_req req = o->freeze;

	if (req.mode == FREEZE_CGROUP && !req.cgroup && x->ref->cgroup)
		req.cgroup = x->ref->cgroup;
	return req;
}

/* Open the batch's targets; drop the gone and the named twice; learn each's freeze. */
static void prepare(struct run *xs, size_t n, const struct options *o,
		    struct tally *t)
{
	for (size_t i = 0; i < n; i++) {
		struct run *x = &xs[i];
		struct freeze_req req = freeze_for(o, x);
		struct err e;

		run_prepare(x, o);
		if (!x->gone && !x->failed && !first_time(t, x->t.pid))
			x->gone = true;
		if (x->gone || x->failed || o->list || req.mode != FREEZE_CGROUP)
			continue;
		if (freeze_scope(&req, x->t.pid, &x->scope, &e))
			run_fail_err(x, &e);
	}
}

/* The window of the group xs[lead] leads: later batch members of its scope join. */
static void group_window(struct run *xs, size_t n, size_t lead,
			 const struct options *o, struct report *rp,
			 struct tally *t)
{
	struct run **m = calloc(n, sizeof(*m));
	struct freeze_req req = freeze_for(o, &xs[lead]);
	struct window w;
	size_t k = 0;

	if (!m) {
		run_fail(&xs[lead], ENOMEM, "out of memory");
		conclude(&xs[lead], o, NULL, rp, t);
		return;
	}
	for (size_t i = lead; i < n; i++)
		if (i == lead || (!xs[i].concluded && !xs[i].gone &&
				  !xs[i].failed && xs[lead].scope && xs[i].scope &&
				  !strcmp(xs[lead].scope, xs[i].scope)))
			m[k++] = &xs[i];
	/* after an interrupt nothing more is advised, but all is reported */
	for (size_t i = 0; freeze_interrupted() && i < k; i++)
		run_fail(m[i], ECANCELED, "%d (%s) not advised: interrupted",
			 m[i]->t.pid, m[i]->t.comm);
	engine_run(m, k, &req, o, t->windows++, &w);
	for (size_t i = 0; i < k; i++)
		run_measure_after(m[i], o);
	for (size_t i = 0; i < k; i++)
		conclude(m[i], o, &w.info, rp, t);
	report_window(rp, &w.info);
	window_free(&w);
	free(m);
}

static void handle_batch(struct run *xs, size_t n, const struct options *o,
		      struct report *rp, struct tally *t)
{
	prepare(xs, n, o, t);
	for (size_t i = 0; i < n; i++) {
		struct run *x = &xs[i];

		if (x->concluded)
			continue;	/* with an earlier group */
		if (x->gone)
			run_free(x);
		else if (x->failed)
			conclude(x, o, NULL, rp, t);
		else if (o->list) {
			run_list(x, o);
			conclude(x, o, NULL, rp, t);
		} else
			group_window(xs, n, i, o, rp, t);
	}
}

/* --as-group, first: what each target could move, the group's memory
 * (memory.current, else summed Pss), its need, each share (none for a
 * target that cannot be looked at: its run says why). */
static int group_plan(const struct target_list *l, const struct options *o,
		      struct group *gp)
{
	uint64_t *movable = calloc(l->n ? l->n : 1, sizeof(*movable));
	struct group_goal *g = &gp->g;
	const char *cg = l->n ? l->v[0].cgroup : NULL;
	struct tally seen = { 0 };
	uint64_t pss_sum = 0;
	int rc;

	gp->share = calloc(l->n ? l->n : 1, sizeof(*gp->share));
	if (!movable || !gp->share) {
		free(movable);
		return -1;
	}
	/* the cgroup every target came from (-c, -u), or NULL */
	for (size_t i = 1; cg && i < l->n; i++)
		if (!l->v[i].cgroup || strcmp(l->v[i].cgroup, cg))
			cg = NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct run x;
		uint64_t pss;
		struct err e;

		run_init(&x, &l->v[i]);
		run_prepare(&x, o);
		if (!x.gone && !x.failed && first_time(&seen, x.t.pid) &&
		    !resident_movable(&x, o, &movable[i], &pss, &e)) {
			pss_sum += pss;
			gp->targets++;
		}
		g->movable += movable[i];
		run_free(&x);
	}
	free(seen.seen);
	g->set = true;
	g->down_to = o->down_to_set;
	if (cg && !cgfs_memory_current(cg, &g->before))
		g->cgroup = cg;
	else
		g->before = pss_sum;
	g->need = budget_need(g->before, o->down_to_set, o->down_to,
			      o->limit_bytes, o->limit_pct);
	g->goal = o->down_to_set ? o->down_to : g->need;
	rc = budget_shares(movable, l->n, g->need, gp->share);
	free(movable);
	return rc;
}

/* --as-group, after: the group's memory now, and whether the goal was met. */
static void group_finish(struct group *gp, const struct options *o,
			 struct report *rp, struct tally *t)
{
	struct group_goal *g = &gp->g;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (g->cgroup)
		g->after_known = !cgfs_memory_current(g->cgroup, &g->after);
	else if (!t->pss_after_missing && !o->dry_run && !o->quiet) {
		g->after = t->pss_after;
		g->after_known = true;
	}
	/* only pageout lowers memory: another's --down-to is a budget, never met */
	bool lowers = !g->down_to || o->advice->lowers_rss;
	/* a dry run: met if it would be, all it could move advised */
	uint64_t would = g->movable < g->need ? g->movable : g->need;

	g->why = t->why;
	g->met = lowers && budget_group_met(g->need, g->movable, g->down_to,
					    o->dry_run ? would : t->advised,
					    gp->targets, page);
	report_group(rp, g);
	if (g->need && !g->met && !lowers) {
		msg_warn("group goal %s: %s does not lower the targets' memory; "
			 "it was spent as a budget (only pageout takes pages out "
			 "of memory)", o->dry_run ? "would not be met" : "not met",
			 o->advice->name);
	} else if (g->need && !g->met) {
		char a[32], b[32], c[32], d[32], e[32], f[32], h[32];

		msg_warn("group goal %s: %s to shed, %s advised, the targets' "
			 "selections could move %s; the rest of their Rss (each "
			 "target's own): %s shared with other processes, %s "
			 "locked or refused by the kernel, %s that no swap or "
			 "rule lets go, %s not selected",
			 o->dry_run ? "would not be met" : "not met",
			 size_format(g->need, a, sizeof(a)),
			 size_format(t->advised, b, sizeof(b)),
			 size_format(g->movable, c, sizeof(c)),
			 size_format(g->why.shared, d, sizeof(d)),
			 size_format(g->why.locked, e, sizeof(e)),
			 size_format(g->why.noswap, f, sizeof(f)),
			 size_format(g->why.unselected, h, sizeof(h)));
	}
	if (g->need && !g->met && !o->dry_run && t->ok) {
		t->ok--;	/* some of the way: partial */
		t->partial++;
	}
	free(gp->share);
}

static void handle_targets(const struct target_list *l, const struct options *o,
		    struct report *rp, struct tally *t)
{
	struct group gp = { 0 };
	/* only -f cgroup shares a freeze: else one target at a time, so a
	 * long list never holds more than one pidfd open */
	size_t step = o->freeze.mode == FREEZE_CGROUP && !o->list ? l->n : 1;
	struct run *xs = calloc(step ? step : 1, sizeof(*xs));

	/* a first SIGINT/SIGTERM/SIGHUP ends the run between calls, reported */
	if (engine_interruptible(o))
		thaw_interruptible(true);
	if (!xs || (o->as_group && group_plan(l, o, &gp))) {
		msg_warn("out of memory");
		t->fail++;
		free(xs);
		free(gp.share);
		return;
	}
	for (size_t i = 0; i < l->n; i += step) {
		size_t n = l->n - i < step ? l->n - i : step;

		for (size_t k = 0; k < n; k++) {
			run_init(&xs[k], &l->v[i + k]);
			xs[k].has_share = o->as_group;
			xs[k].share = o->as_group ? gp.share[i + k] : 0;
		}
		handle_batch(xs, n, o, rp, t);
	}
	if (o->as_group)
		group_finish(&gp, o, rp, t);
	thaw_interruptible(false);
	free(xs);
}

/* Freezes a gone pmadv left are thawed at every start, said on stderr;
 * --recover's result (ctx: its options) is its stdout, none with -q. */
static void say(bool failure, const char *line, void *ctx)
{
	const struct options *o = ctx;

	if (failure || !o)
		msg_warn("%s", line);
	else if (!o->quiet)
		report_recovered(line);
}

static int recover_command(const struct options *o)
{
	struct recover_count n;
	struct err e;

	if (recover_run(true, say, (void *)o, &n, &e) != 0) {
		msg_warn("%s", e.msg);
		return PMADV_EXIT_FAIL;
	}
	if (!n.thawed && !n.vanished && !n.failed && !o->quiet)
		report_recovered(NULL);
	return n.failed ? PMADV_EXIT_FAIL : PMADV_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct target_list l;
	struct report *rp;
	struct options o;
	struct tally t = { 0 };
	struct err e;
	int status;

	/* a closed stdout shows as EPIPE at exit, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	options_parse(argc, argv, &o);
	if (o.recover)
		return recover_command(&o);
	/* a run directory that cannot be used is said when a freeze needs it */
	recover_run(false, say, NULL, &(struct recover_count){ 0 }, &e);
	rp = report_new(&o, &e);
	if (!rp) {
		msg_warn("%s", e.msg);
		options_free(&o);
		return PMADV_EXIT_FAIL;
	}
	if (discover_targets(&o, &l)) {
		msg_warn("out of memory");
		report_finish(rp);
		options_free(&o);
		return PMADV_EXIT_FAIL;
	}
	handle_targets(&l, &o, rp, &t);
	status = !t.fail && !t.partial ? PMADV_EXIT_OK :
		 !t.ok && !t.partial ? PMADV_EXIT_FAIL : PMADV_EXIT_PARTIAL;
	report_finish(rp);	/* stdout is checked at exit */
	target_list_free(&l);
	options_free(&o);
	free(t.seen);
	return status;
}
