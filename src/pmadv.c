/* pmadv: memory advice for another process. main only orchestrates:
 * options, targets, then per target: open and check (before the window);
 * freeze, read maps, select, advise, thaw (the window); measure and report
 * (after it). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advise.h"
#include "discover.h"
#include "escape.h"
#include "freeze.h"
#include "maps.h"
#include "options.h"
#include "pmadv.h"
#include "report.h"
#include "run.h"
#include "select.h"
#include "target.h"

/* One line on stderr. It may carry target-controlled text (command and
 * mapping names) and the operator's own arguments: escaped as a whole. */
static void warnmsg(const char *fmt, ...)
{
	char line[1024], *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	e = escape_str(line, ESCAPE_TERMINAL);
	fprintf(stderr, "pmadv: %s\n", e ? e : line);
	free(e);
}

/* Status of one target, as in the EXIT STATUS contract. */
static int target_status(const struct run *x, const struct options *o)
{
	const struct target_result *r = &x->r;

	if (r->error)
		return PMADV_EXIT_FAIL;
	if (o->list)
		return PMADV_EXIT_OK;
	if (o->dry_run)
		return !r->requested ? PMADV_EXIT_FAIL :
		       x->plan.nunmatched ? PMADV_EXIT_PARTIAL : PMADV_EXIT_OK;
	if (!r->advised)
		return PMADV_EXIT_FAIL;
	if (r->failed || x->plan.nunmatched)
		return PMADV_EXIT_PARTIAL;
	return PMADV_EXIT_OK;
}

/* Say on stderr what went wrong; hand the result to report. */
static int conclude(struct run *x, const struct options *o)
{
	int status;

	run_tally(x, o);
	if (x->failed) {
		x->r.error = x->err;
		warnmsg("%s", x->err);
	} else if (!o->list && !x->plan.npieces && !x->plan.nunmatched &&
		   !x->r.nskipped) {
		snprintf(x->err, sizeof(x->err), "%d (%s): nothing to advise: no "
			 "mapping passed the filters", x->t.pid, x->t.comm);
		warnmsg("%s", x->err);
	} else if (!o->list && !x->r.nranges && !x->plan.nunmatched) {
		snprintf(x->err, sizeof(x->err), "%d (%s): nothing to advise: "
			 "every selected mapping was skipped (-v says why)",
			 x->t.pid, x->t.comm);
		warnmsg("%s", x->err);
	}
	run_warnings(x, warnmsg);
	if (o->list && !x->failed) {
		struct list_result l = { x->t.pid, "", &x->maps,
					 o->advice ? o->advice->value : -1 };
		snprintf(l.comm, sizeof(l.comm), "%s", x->t.comm);
		report_list(&l);
	} else if (!o->list) {
		report_target(&x->r);
	}
	status = target_status(x, o);
	run_free(x);
	return status;
}

struct tally {
	int ok, fail, partial;
	pid_t *seen;		/* targets done: -p P,P or -N and -c overlapping */
	size_t nseen;
};

/* First time this PID comes up? Remembers it. */
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

static void count(struct tally *t, int status)
{
	if (status == PMADV_EXIT_OK)
		t->ok++;
	else if (status == PMADV_EXIT_PARTIAL)
		t->partial++;
	else
		t->fail++;
}

/* A target that could not even be found: reported like any other. */
static void lost_target(const struct options *o, struct tally *t, int pid,
			const char *fmt, ...)
{
	struct run x;
	va_list ap;

	run_init(&x, pid);
	va_start(ap, fmt);
	vsnprintf(x.err, sizeof(x.err), fmt, ap);
	va_end(ap);
	x.failed = true;
	count(t, conclude(&x, o));
}

static void one_target(const struct options *o, const struct target_spec *spec,
		       bool discovered,
		       const regex_t *must_match, struct tally *t)
{
	struct run x;

	run_init(&x, spec->value);
	if (!spec->is_pidfd && !first_time(t, spec->value))
		return;
	if (!run_prepare(&x, o, spec, must_match, discovered) && !x.gone) {
		if (o->list)
			run_list(&x, o);
		else
			run_window(&x, o, &o->freeze);
		run_measure_after(&x, o);
	}
	if (x.gone) {		/* a listed process that has since exited */
		run_free(&x);
		return;
	}
	count(t, conclude(&x, o));
}

/* -c with --freeze=cgroup: the cgroup is frozen once for all its members,
 * and every member is read and advised inside that one window. */
static void cgroup_group(const struct options *o, const char *cg,
			 const pid_t *pids, size_t n, struct tally *t)
{
	struct run *xs = calloc(n, sizeof(*xs));
	struct freeze_req req = o->freeze;
	struct freeze_req none = { .mode = FREEZE_NONE };
	struct freeze *fz = NULL;
	struct freeze_info info;
	struct err err;
	pid_t *live = calloc(n ? n : 1, sizeof(*live));
	int *livefds = calloc(n ? n : 1, sizeof(*livefds));
	size_t first = n, nlive = 0;

	if (!xs || !live || !livefds) {
		free(xs);
		free(live);
		free(livefds);
		lost_target(o, t, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct target_spec spec = { false, pids[i] };
		run_init(&xs[i], pids[i]);
		if (!first_time(t, pids[i])) {
			xs[i].gone = true;	/* already done as another target */
			continue;
		}
		if (!run_prepare(&xs[i], o, &spec, NULL, true) && !xs[i].gone && first == n)
			first = i;
	}
	req.cgroup = cg;
	req.before = run_before_freeze;
	for (size_t i = first; i < n; i++)
		if (!xs[i].failed && !xs[i].gone) {
			live[nlive] = xs[i].t.pid;
			livefds[nlive++] = xs[i].t.pidfd;
		}
	if (first < n && !o->list &&
	    freeze_begin(&req, live, livefds, nlive, &fz, &err)) {
		for (size_t i = 0; i < n; i++)
			if (!xs[i].failed && !xs[i].gone) {
				snprintf(xs[i].err, sizeof(xs[i].err), "%s", err.msg);
				xs[i].failed = true;
			}
		first = n;
	}
	for (size_t i = 0; first < n && i < n; i++) {
		if (xs[i].failed || xs[i].gone)
			continue;
		if (o->list)
			run_list(&xs[i], o);	/* -l reads, never freezes */
		else
			run_window(&xs[i], o, &none);
	}
	if (fz) {
		if (freeze_end(fz, &info, &err))
			warnmsg("%s", err.msg);
		for (size_t i = 0; i < n; i++) {
			xs[i].r.freeze = info;
			xs[i].r.freeze.cgroup = info.cgroup ? strdup(info.cgroup) : NULL;
		}
		freeze_info_free(&info);
	}
	for (size_t i = 0; i < n; i++) {
		if (xs[i].gone) {
			run_free(&xs[i]);
			continue;
		}
		run_measure_after(&xs[i], o);
		count(t, conclude(&xs[i], o));
	}
	free(xs);
	free(live);
	free(livefds);
}

static void by_name(const struct options *o, struct tally *t)
{
	for (size_t k = 0; k < o->nnames; k++) {
		pid_t *pids;
		size_t n;

		if (discover_by_name(&o->names[k].re, o->full, &pids, &n)) {
			lost_target(o, t, 0, "cannot list processes: %s", strerror(errno));
			continue;
		}
		if (!n)
			lost_target(o, t, 0, "no process matches -N '%s'%s",
				    o->names[k].src, o->full ? " --full" : "");
		for (size_t i = 0; i < n; i++) {
			struct target_spec spec = { false, pids[i] };
			/* re-checked once the pidfd holds the process: a PID
			 * recycled since the listing is not the one named */
			one_target(o, &spec, true, o->full ? NULL : &o->names[k].re, t);
		}
		free(pids);
	}
}

static void by_cgroup(const struct options *o, struct tally *t)
{
	for (size_t k = 0; k < o->ncgroups; k++) {
		struct err err;
		pid_t *pids;
		size_t n;

		if (discover_cgroup(o->cgroups[k], &pids, &n, &err)) {
			lost_target(o, t, 0, "%s", err.msg);
			continue;
		}
		if (!n)
			lost_target(o, t, 0, "cgroup %s has no process to advise",
				    o->cgroups[k]);
		else if (o->freeze.mode == FREEZE_CGROUP)
			cgroup_group(o, o->cgroups[k], pids, n, t);
		else
			for (size_t i = 0; i < n; i++) {
				struct target_spec spec = { false, pids[i] };
				one_target(o, &spec, true, NULL, t);
			}
		free(pids);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct report_opts ro;
	struct tally t = { 0 };
	int status;

	/* a closed stdout shows as EPIPE at exit, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	options_parse(argc, argv, &o);
	ro = (struct report_opts){
		.advice = o.advice ? o.advice->name : "", .dry_run = o.dry_run,
		.json = o.json, .verbose = o.verbose, .quiet = o.quiet,
		.list = o.list, .bytes = o.bytes, .raw = o.raw,
		.noheadings = o.noheadings, .columns = o.columns,
		.ncolumns = o.ncolumns,
	};
	if (report_init(&ro)) {
		warnmsg("out of memory");
		return PMADV_EXIT_FAIL;
	}
	for (size_t i = 0; i < o.ntargets; i++)
		one_target(&o, &o.targets[i], false, NULL, &t);
	by_name(&o, &t);
	by_cgroup(&o, &t);
	status = !t.fail && !t.partial ? PMADV_EXIT_OK :
		 !t.ok && !t.partial ? PMADV_EXIT_FAIL : PMADV_EXIT_PARTIAL;
	/* a reader that went away (| head) is not an error, as in util-linux */
	if (report_finish() && errno != EPIPE) {
		warnmsg("write error on standard output: %s", strerror(errno));
		if (status == PMADV_EXIT_OK)
			status = PMADV_EXIT_FAIL;
	}
	options_free(&o);
	free(t.seen);
	target_lib_done();
	return status;
}
