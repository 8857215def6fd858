/* pmadv: memory advice for another process. main orchestrates: options,
 * the targets they name, then for each group of targets one freeze covers:
 * prepare them (run.c), run their window (engine.c), measure after it,
 * build their results (outcome.c) and hand them to the report. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"
#include "lib/lib.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "freeze/freeze.h"
#include "report/report.h"

struct tally {
	int ok, fail, partial;
	pid_t *seen;		/* a process is one target however named */
	size_t nseen;
	int windows;
};

/* First time this process comes up? Remembers it. */
static bool first_time(struct tally *t, pid_t pid)
{
	pid_t *v;

	for (size_t i = 0; i < t->nseen; i++)
		if (t->seen[i] == pid)
			return false;
	v = realloc(t->seen, (t->nseen + 1) * sizeof(*v));
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
	if (r.error)
		msg_warn("%s", r.error);
	for (size_t i = 0; i < r.nwarnings; i++)
		msg_warn("%s", r.warnings[i]);
	report_target(rp, &r);
	status = outcome_status(&r, o);
	if (status == PMADV_EXIT_OK)
		t->ok++;
	else if (status == PMADV_EXIT_PARTIAL)
		t->partial++;
	else
		t->fail++;
	outcome_free(&r);
	run_free(x);
}

/* The freeze a target takes: with -f cgroup, a -c target freezes the
 * cgroup it came from. */
static struct freeze_req freeze_for(const struct options *o, const struct run *x)
{
	struct freeze_req req = o->freeze;

	if (req.mode == FREEZE_CGROUP && !req.cgroup && x->ref->cgroup)
		req.cgroup = x->ref->cgroup;
	return req;
}

/* Open each target of the batch; drop the gone and the named twice; learn
 * which freeze each would take. */
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

static bool same_scope(const struct run *a, const struct run *b)
{
	return a->scope && b->scope && !strcmp(a->scope, b->scope);
}

/* The window of the group led by xs[lead]: every later member of the
 * batch with the same scope joins it. */
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
		if (i == lead || (xs[i].ref && !xs[i].gone && !xs[i].failed &&
				  same_scope(&xs[lead], &xs[i])))
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

static void run_batch(struct run *xs, size_t n, const struct options *o,
		      struct report *rp, struct tally *t)
{
	prepare(xs, n, o, t);
	for (size_t i = 0; i < n; i++) {
		struct run *x = &xs[i];

		if (!x->ref)
			continue;	/* concluded with an earlier group */
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

static void run_all(const struct target_list *l, const struct options *o,
		    struct report *rp, struct tally *t)
{
	/* one freeze can cover many targets only with -f cgroup: then the
	 * whole list is one batch; else one target at a time, so a long -N
	 * or -c list never holds more than one pidfd open */
	size_t step = o->freeze.mode == FREEZE_CGROUP && !o->list ? l->n : 1;
	struct run *xs = calloc(step ? step : 1, sizeof(*xs));
	struct err e;

	/* a first SIGINT/SIGTERM/SIGHUP ends the run between two calls, with
	 * its report */
	if (engine_interruptible(o) && freeze_interruptible_begin(&e)) {
		msg_warn("%s", e.msg);
		t->fail++;
		free(xs);
		return;
	}
	if (!xs) {
		msg_warn("out of memory");
		t->fail++;
		return;
	}
	for (size_t i = 0; i < l->n; i += step) {
		size_t n = l->n - i < step ? l->n - i : step;

		for (size_t k = 0; k < n; k++)
			run_init(&xs[k], &l->v[i + k]);
		run_batch(xs, n, o, rp, t);
	}
	freeze_interruptible_end();
	free(xs);
}

/* Freezes a gone pmadv left: at every start they are thawed, each said on
 * stderr; --recover does it alone and its result (what was thawed) is
 * its stdout, escaped as everything pmadv prints. */
static void say_stderr(bool failure, const char *line, void *ctx)
{
	(void)failure;
	(void)ctx;
	msg_warn("%s", line);
}

static void say_result(bool failure, const char *line, void *ctx)
{
	(void)ctx;
	if (failure)
		msg_warn("%s", line);
	else
		report_recovered(line);
}

static int recover_command(void)
{
	struct recover_count n;
	struct err e;

	if (recover_run(true, say_result, NULL, &n, &e) != 0) {
		msg_warn("%s", e.msg);
		return PMADV_EXIT_FAIL;
	}
	if (!n.thawed && !n.vanished && !n.failed)
		report_recovered(NULL);
	return n.failed ? PMADV_EXIT_FAIL : PMADV_EXIT_OK;
}

/* A run directory that cannot be used is said when a freeze needs it. */
static void recover_at_start(void)
{
	struct recover_count n;
	struct err e;

	recover_run(false, say_stderr, NULL, &n, &e);
}

int main(int argc, char **argv)
{
	struct target_list l;
	struct report *rp;
	struct options o;
	struct tally t = { 0 };
	int status;

	/* a closed stdout shows as EPIPE at exit, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	options_parse(argc, argv, &o);
	if (o.recover)
		return recover_command();
	recover_at_start();
	rp = report_new(&o);
	if (!rp || discover_targets(&o, &l)) {
		msg_warn("out of memory");
		return PMADV_EXIT_FAIL;
	}
	run_all(&l, &o, rp, &t);
	status = !t.fail && !t.partial ? PMADV_EXIT_OK :
		 !t.ok && !t.partial ? PMADV_EXIT_FAIL : PMADV_EXIT_PARTIAL;
	report_finish(rp);	/* stdout is checked at exit */
	target_list_free(&l);
	options_free(&o);
	free(t.seen);
	target_lib_done();
	return status;
}
