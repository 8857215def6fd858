/* pmadv: memory advice for another process. main only orchestrates:
 * options, then per target: open, check, freeze, read maps, select, advise,
 * thaw; then report. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "advise.h"
#include "freeze.h"
#include "maps.h"
#include "options.h"
#include "pmadv.h"
#include "report.h"
#include "select.h"
#include "target.h"

#define ERRLEN 512

/* Everything one target needs until it is reported. */
struct run {
	struct target t;
	char *text;			/* maps/smaps text; names point into it */
	struct maps maps;
	struct plan plan;
	struct advise_result *res;
	bool *refused;
	struct target_result r;
	char err[ERRLEN];
};

static void warnmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("pmadv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Explain why the kernel would not take this advice at all. */
static void explain_probe(struct run *x, const struct advice *adv, int e)
{
	struct utsname u;

	switch (e) {
	case EACCES:
	case EPERM:
		target_explain_denied(&x->t, e, x->err, sizeof(x->err));
		break;
	case ESRCH:
		snprintf(x->err, sizeof(x->err), "%d (%s) has exited or has no "
			 "address space", x->t.pid, x->t.comm);
		break;
	case EINVAL:
		uname(&u);
		snprintf(x->err, sizeof(x->err), "advice '%s' is not allowed on "
			 "another process by this kernel (Linux %s; it needs %s or "
			 "later)", adv->name, u.release, adv->since);
		break;
	case ENOSYS:
		snprintf(x->err, sizeof(x->err), "this kernel has no "
			 "process_madvise (Linux 5.10 or later needed)");
		break;
	case EBADF:
		snprintf(x->err, sizeof(x->err), "descriptor %d is not a pidfd",
			 x->t.pidfd);
		break;
	default:
		snprintf(x->err, sizeof(x->err), "process_madvise on %d: %s",
			 x->t.pid, strerror(e));
	}
}

/* Reading smaps walks every page table: only when the cheap signs (VmLck,
 * HugetlbPages in status) say some mapping would be refused by name-less
 * VmFlags. */
static bool need_smaps(const struct target *t, const struct advice *adv)
{
	return advice_reclaims(adv->value) && (t->locked || t->hugetlb);
}

/* Inside the freeze window: read maps, select. A torn read (addresses not
 * increasing) can only happen without a freeze; read again then. */
static int read_and_select(struct run *x, const struct options *o)
{
	const char *file = need_smaps(&x->t, o->advice) ? "smaps" : "maps";

	for (int attempt = 0;; attempt++) {
		size_t len, bad;
		int e = target_read(&x->t, file, &x->text, &len);

		if (e) {
			if (e == EACCES || e == EPERM)
				target_explain_denied(&x->t, EACCES, x->err, sizeof(x->err));
			else
				snprintf(x->err, sizeof(x->err), "cannot read /proc/%d/%s: %s",
					 x->t.pid, file, e == ESRCH ? "the process has exited" : strerror(e));
			return -1;
		}
		e = maps_parse(x->text, len, &x->maps, &bad);
		if (e == MAPS_OK)
			break;
		maps_free(&x->maps);
		free(x->text);
		x->text = NULL;
		if (e != MAPS_ORDER || attempt == 2) {
			snprintf(x->err, sizeof(x->err), "cannot parse /proc/%d/%s "
				 "line %zu", x->t.pid, file, bad);
			return -1;
		}
	}
	if (select_plan(&x->maps, &o->sel, o->advice->value, &x->plan)) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return -1;
	}
	return 0;
}

static void test_delay(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (ms && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The freeze window: only maps, selection and the advice happen inside. */
static int advise_target(struct run *x, const struct options *o,
			 unsigned int delay_ms)
{
	struct freeze *fz = NULL;
	char ferr[ERRLEN];
	int rc = 0, e;

	if (freeze_begin(&o->freeze, x->t.pid, x->t.pidfd, &fz, x->err, sizeof(x->err)))
		return -1;
	if (read_and_select(x, o)) {
		rc = -1;
		goto thaw;
	}
	/* the PID cannot have been recycled while its pidfd shows it alive:
	 * the maps we read are this process's */
	e = target_alive(&x->t);
	if (e) {
		snprintf(x->err, sizeof(x->err), "%d (%s) exited while its maps "
			 "were read", x->t.pid, x->t.comm);
		rc = -1;
		goto thaw;
	}
	test_delay(delay_ms);
	if (!o->dry_run && x->plan.npieces) {
		struct advise_stats st;

		x->res = calloc(x->plan.npieces, sizeof(*x->res));
		if (!x->res) {
			snprintf(x->err, sizeof(x->err), "out of memory");
			rc = -1;
			goto thaw;
		}
		advise_run(x->t.pidfd, o->advice->value, x->plan.pieces,
			   x->plan.npieces, x->res, &st);
		if (st.fatal) {
			if (st.fatal == EACCES || st.fatal == EPERM)
				target_explain_denied(&x->t, st.fatal, x->err, sizeof(x->err));
			else if (st.fatal == ESRCH)
				snprintf(x->err, sizeof(x->err), "%d (%s) exited while "
					 "being advised", x->t.pid, x->t.comm);
			else
				snprintf(x->err, sizeof(x->err), "process_madvise on %d: %s",
					 x->t.pid, strerror(st.fatal));
			rc = st.fatal;
		}
	}
thaw:
	if (freeze_end(fz, &x->r.freeze, ferr, sizeof(ferr))) {
		warnmsg("%s", ferr);
		if (!rc) {
			snprintf(x->err, sizeof(x->err), "%s", ferr);
			rc = -1;
		}
	}
	return rc;
}

/* Tally the plan and the kernel's answers; refusals become skips. */
static void tally(struct run *x, const struct options *o)
{
	struct target_result *r = &x->r;
	const struct plan *p = &x->plan;

	r->maps = &x->maps;
	r->plan = p;
	r->res = x->res;
	r->nskipped = p->nskips;
	if (x->res && advice_reclaims(o->advice->value))
		x->refused = calloc(p->npieces ? p->npieces : 1, sizeof(*x->refused));
	r->refused = x->refused;
	for (size_t i = 0; i < p->npieces; i++) {
		uint64_t size = p->pieces[i].end - p->pieces[i].start;

		/* EINVAL for cold/pageout on a range that was mapped: the kernel's
		 * own word that this mapping cannot take it (locked, hugetlb...) */
		if (x->refused && x->res[i].err == EINVAL && !x->res[i].advised) {
			x->refused[i] = true;
			r->nskipped++;
			continue;
		}
		r->nranges++;
		r->requested += size;
		if (x->res) {
			r->advised += x->res[i].advised;
			r->failed += size - x->res[i].advised;
		}
	}
}

static void warn_failures(const struct run *x)
{
	const struct plan *p = &x->plan;

	for (size_t i = 0; i < p->nunmatched; i++)
		warnmsg("%d (%s): %s '%s' %s", x->t.pid, x->t.comm,
			p->unmatched[i].kind, p->unmatched[i].what,
			strcmp(p->unmatched[i].kind, "range") ?
			"matches no mapping" : "covers no mapping");
	if (!x->res || x->r.error)
		return;
	for (size_t i = 0; i < p->npieces; i++) {
		if (!x->res[i].err || (x->refused && x->refused[i]))
			continue;
		warnmsg("%d (%s): 0x%llx-0x%llx: %s%s", x->t.pid, x->t.comm,
			(unsigned long long)p->pieces[i].start,
			(unsigned long long)p->pieces[i].end, strerror(x->res[i].err),
			x->res[i].err == ENOMEM ? " (unmapped since maps were read; "
			"hint: --freeze)" : "");
	}
}

/* Status of one target, as in the EXIT STATUS contract. */
static int target_status(const struct run *x, bool dry_run)
{
	const struct target_result *r = &x->r;

	if (r->error)
		return PMADV_EXIT_FAIL;
	if (dry_run)
		return !r->requested ? PMADV_EXIT_FAIL :
		       x->plan.nunmatched ? PMADV_EXIT_PARTIAL : PMADV_EXIT_OK;
	if (!r->advised)
		return PMADV_EXIT_FAIL;
	if (r->failed || x->plan.nunmatched)
		return PMADV_EXIT_PARTIAL;
	return PMADV_EXIT_OK;
}

static int run_one(const struct options *o, const struct target_spec *spec,
		   unsigned int delay_ms)
{
	struct run x;
	int rc, status;

	memset(&x, 0, sizeof(x));
	x.t.pidfd = -1;
	x.r.freeze.mode = FREEZE_NONE;
	rc = spec->is_pidfd ? target_open_pidfd(spec->value, &x.t, x.err, sizeof(x.err))
			    : target_open_pid(spec->value, &x.t, x.err, sizeof(x.err));
	if (!rc)
		rc = target_facts(&x.t, x.err, sizeof(x.err));
	if (!rc && !o->dry_run) {
		/* cheap and touches nothing: permission, advice, kernel support */
		int e = advise_probe(x.t.pidfd, o->advice->value);
		if (e) {
			explain_probe(&x, o->advice, e);
			rc = -1;
		}
	}
	if (!rc)
		rc = advise_target(&x, o, delay_ms);
	x.r.pid = spec->is_pidfd && !x.t.pid ? -1 : x.t.pid;
	snprintf(x.r.comm, sizeof(x.r.comm), "%s", x.t.comm);
	tally(&x, o);
	if (rc) {
		x.r.error = x.err;
		warnmsg("%s", x.err);
	} else if (!x.plan.npieces && !x.plan.nunmatched) {
		snprintf(x.err, sizeof(x.err), "%d (%s): nothing to advise: %s",
			 x.t.pid, x.t.comm, x.plan.nskips ?
			 "every selected mapping was skipped (-v says why)" :
			 "no mapping passed the filters");
		warnmsg("%s", x.err);
	}
	warn_failures(&x);
	report_target(&x.r);
	status = target_status(&x, o->dry_run);
	plan_free(&x.plan);
	maps_free(&x.maps);
	free(x.text);
	free(x.res);
	free(x.refused);
	target_close(&x.t);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	struct report_opts ro;
	const char *delay = getenv("PMADV_TEST_DELAY_MS");
	unsigned int delay_ms = delay ? (unsigned int)strtoul(delay, NULL, 10) : 0;
	int nok = 0, nfail = 0, npartial = 0, status;

	/* a closed stdout shows as EPIPE at exit, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	options_parse(argc, argv, &o);
	ro = (struct report_opts){ o.advice->name, o.dry_run, o.json, o.verbose, o.quiet };
	if (report_init(&ro)) {
		warnmsg("out of memory");
		return PMADV_EXIT_FAIL;
	}
	for (size_t i = 0; i < o.ntargets; i++) {
		switch (run_one(&o, &o.targets[i], delay_ms)) {
		case PMADV_EXIT_OK:
			nok++;
			break;
		case PMADV_EXIT_PARTIAL:
			npartial++;
			break;
		default:
			nfail++;
		}
	}
	status = !nfail && !npartial ? PMADV_EXIT_OK :
		 !nok && !npartial ? PMADV_EXIT_FAIL : PMADV_EXIT_PARTIAL;
	if (report_finish()) {
		warnmsg("write error on standard output: %s", strerror(errno));
		if (status == PMADV_EXIT_OK)
			status = PMADV_EXIT_FAIL;
	}
	options_free(&o);
	return status;
}
