/* One target's run. The freeze window holds only what must be inside it:
 * reading maps, selecting, the liveness check and the advice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bigalloc.h"
#include "procmap.h"
#include "run.h"

void run_init(struct run *x, int pid)
{
	memset(x, 0, sizeof(*x));
	x->t.pidfd = -1;
	x->t.pid = pid;
	x->r.freeze.mode = FREEZE_NONE;
}

static int fail(struct run *x)
{
	x->failed = true;
	return -1;
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

/* Human output and JSON show what the advice did; -q shows nothing, and
 * smaps_rollup walks every page table, so it is read only when shown. */
static bool shows_effect(const struct options *o)
{
	return !o->quiet && !o->list;
}

/* PROCMAP_QUERY instead of the text: forced by PMADV_MAPS_SOURCE=query
 * (for benchmarks and diagnosis), else only when the text failed. */
static int read_maps_query(struct run *x, char **text, struct maps *m)
{
	int e = procmap_read(x->t.pid, m, text);

	if (e) {
		maps_free(m);
		free(*text);
		*text = NULL;
	}
	return e;
}

/* Read and parse /proc/PID/<file> into text and m. A torn read (addresses
 * not increasing) can only happen on a changing target: read again, and
 * for maps, fall back to PROCMAP_QUERY. */
static int read_maps(struct run *x, const char *file, char **text, struct maps *m)
{
	const bool maps = !strcmp(file, "maps");

	if (maps && x->query_maps && !read_maps_query(x, text, m))
		return 0;
	for (int attempt = 0;; attempt++) {
		size_t len, bad;
		int e = target_read(&x->t, file, text, &len);

		if (e) {
			if (e == EACCES || e == EPERM)
				target_explain_denied(&x->t, EACCES, x->err, sizeof(x->err));
			else
				snprintf(x->err, sizeof(x->err), "cannot read /proc/%d/%s: %s",
					 x->t.pid, file, e == ESRCH ?
					 "the process has exited" : strerror(e));
			return -1;
		}
		e = maps_parse(*text, len, m, &bad);
		if (e == MAPS_OK)
			return 0;
		maps_free(m);
		free(*text);
		*text = NULL;
		if (e == MAPS_ENOMEM) {
			snprintf(x->err, sizeof(x->err), "out of memory");
			return -1;
		}
		if (e != MAPS_ORDER || attempt == 2) {
			if (maps && !read_maps_query(x, text, m))
				return 0;
			snprintf(x->err, sizeof(x->err), "cannot parse /proc/%d/%s "
				 "line %zu", x->t.pid, file, bad);
			return -1;
		}
	}
}

int run_prepare(struct run *x, const struct options *o,
		const struct target_spec *spec, const regex_t *must_match,
		bool discovered)
{
	const char *delay = getenv("PMADV_TEST_DELAY_MS");
	const char *source = getenv("PMADV_MAPS_SOURCE");
	int rc;

	x->delay_ms = delay ? (unsigned int)strtoul(delay, NULL, 10) : 0;
	x->query_maps = source && !strcmp(source, "query");
	rc = spec->is_pidfd ? target_open_pidfd(spec->value, &x->t, x->err, sizeof(x->err))
			    : target_open_pid(spec->value, &x->t, x->err, sizeof(x->err));
	if (rc && discovered && errno == ESRCH) {
		x->gone = true;
		return 0;
	}
	if (!rc)
		rc = target_facts(&x->t, x->err, sizeof(x->err));
	if (rc)
		return fail(x);
	if (must_match && regexec(must_match, x->t.comm, 0, NULL, 0)) {
		x->gone = true;
		return 0;
	}
	if (!o->dry_run && !o->list) {
		/* cheap and touches nothing: permission, advice, kernel support */
		int e = advise_probe(x->t.pidfd, o->advice->value);
		if (e) {
			explain_probe(x, o->advice, e);
			return fail(x);
		}
	}
	if (shows_effect(o))
		target_rollup(x->t.pid, &x->r.before);
	if (o->verbose && read_maps(x, "smaps", &x->snap_text[0], &x->snap[0]))
		return fail(x);
	return 0;
}

/* Reading smaps walks every page table: only when --limit needs Rss, or
 * the cheap signs (VmLck, HugetlbPages) say a mapping would be refused for
 * reasons only VmFlags show. */
static bool need_smaps(const struct target *t, const struct options *o)
{
	return o->limit_bytes || o->limit_pct ||
	       (advice_reclaims(o->advice->value) && (t->locked || t->hugetlb));
}

static int select_window(struct run *x, const struct options *o)
{
	if (read_maps(x, need_smaps(&x->t, o) ? "smaps" : "maps", &x->text, &x->maps))
		return -1;
	if (select_plan(&x->maps, &o->sel, o->advice->value, &x->plan))
		goto oom;
	if (o->limit_bytes || o->limit_pct) {
		uint64_t budget = o->limit_bytes ? o->limit_bytes :
				  (uint64_t)((unsigned __int128)maps_total_rss(&x->maps) *
					     o->limit_pct / 100);
		if (select_limit(&x->plan, &x->maps, budget, (uint64_t)sysconf(_SC_PAGESIZE)))
			goto oom;
	}
	return 0;
oom:
	snprintf(x->err, sizeof(x->err), "out of memory");
	return -1;
}

static void test_delay(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (ms && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void advise(struct run *x, const struct options *o)
{
	struct advise_stats st;

	x->res = calloc(x->plan.npieces, sizeof(*x->res));
	if (!x->res) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		fail(x);
		return;
	}
	advise_run(x->t.pidfd, o->advice->value, x->plan.pieces, x->plan.npieces,
		   x->res, &st);
	if (!st.fatal)
		return;
	if (st.fatal == EACCES || st.fatal == EPERM)
		target_explain_denied(&x->t, st.fatal, x->err, sizeof(x->err));
	else if (st.fatal == ESRCH)
		snprintf(x->err, sizeof(x->err), "%d (%s) exited while being "
			 "advised", x->t.pid, x->t.comm);
	else
		snprintf(x->err, sizeof(x->err), "process_madvise on %d: %s",
			 x->t.pid, strerror(st.fatal));
	/* what was advised before the failure still counts: partial */
	if (!st.advised)
		fail(x);
}

/* Just before the target freezes: a target of up to ~2,000
 * mappings then costs no page fault of ours while frozen (larger ones use
 * huge pages, bigalloc.c). */
void run_before_freeze(void)
{
	heap_prewarm(512u << 10);
}

void run_window(struct run *x, const struct options *o,
		const struct freeze_req *how)
{
	struct freeze_req req = *how;
	struct freeze *fz = NULL;
	struct err ferr;
	int e;

	req.before = run_before_freeze;
	if (freeze_begin(&req, &x->t.pid, &x->t.pidfd, 1, &fz, &ferr)) {
		snprintf(x->err, sizeof(x->err), "%s", ferr.msg);
		fail(x);
		return;
	}
	if (select_window(x, o)) {
		fail(x);
		goto thaw;
	}
	/* the PID cannot have been recycled while its pidfd shows it alive:
	 * the maps just read are this process's */
	e = target_alive(&x->t);
	if (e) {
		if (e == ESRCH)
			snprintf(x->err, sizeof(x->err), "%d (%s) exited while its "
				 "maps were read", x->t.pid, x->t.comm);
		else
			snprintf(x->err, sizeof(x->err), "cannot check through its "
				 "pidfd that %d is alive: %s", x->t.pid, strerror(e));
		fail(x);
		goto thaw;
	}
	test_delay(x->delay_ms);
	if (!o->dry_run && x->plan.npieces)
		advise(x, o);
thaw:
	if (freeze_end(fz, &x->r.freeze, &ferr) && !x->failed) {
		snprintf(x->err, sizeof(x->err), "%s", ferr.msg);
		fail(x);
	}
}

void run_list(struct run *x, const struct options *o)
{
	struct maps keep = { 0 };
	struct selection sel;

	if (read_maps(x, "smaps", &x->text, &x->maps)) {
		fail(x);
		return;
	}
	if (selection_empty(&o->sel) && !o->sel.filters)
		return;
	/* with a selection or filters, list just the mappings they take */
	sel = o->sel;
	if (selection_empty(&sel))
		sel.all = true;
	if (select_plan(&x->maps, &sel, o->advice ? o->advice->value : ADVICE_WILLNEED, &x->plan)) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		fail(x);
		return;
	}
	keep.v = malloc((x->maps.n ? x->maps.n : 1) * sizeof(*keep.v));
	keep.stats = malloc((x->maps.n ? x->maps.n : 1) * sizeof(*keep.stats));
	if (!keep.v || !keep.stats) {
		maps_free(&keep);
		snprintf(x->err, sizeof(x->err), "out of memory");
		fail(x);
		return;
	}
	for (size_t i = 0, p = 0, s = 0; i < x->maps.n; i++) {
		bool in;

		while (p < x->plan.npieces && x->plan.pieces[p].map < i)
			p++;
		while (s < x->plan.nskips && x->plan.skips[s].map < i)
			s++;
		in = (p < x->plan.npieces && x->plan.pieces[p].map == i) ||
		     (s < x->plan.nskips && x->plan.skips[s].map == i);
		if (in) {
			keep.v[keep.n] = x->maps.v[i];
			if (x->maps.stats)
				keep.stats[keep.n] = x->maps.stats[i];
			keep.n++;
		}
	}
	keep.cap = keep.n;
	if (!x->maps.stats) {
		free(keep.stats);
		keep.stats = NULL;
	}
	maps_free(&x->maps);
	x->maps = keep;
	plan_free(&x->plan);
}

void run_measure_after(struct run *x, const struct options *o)
{
	if (x->failed || o->dry_run || o->list)
		return;
	if (shows_effect(o))
		target_rollup(x->t.pid, &x->r.after);
	if (o->verbose && read_maps(x, "smaps", &x->snap_text[1], &x->snap[1]))
		x->err[0] = '\0';	/* the advice happened; only -v loses a column */
}

void run_tally(struct run *x, const struct options *o)
{
	struct target_result *r = &x->r;
	const struct plan *p = &x->plan;

	r->pid = x->t.pid;
	snprintf(r->comm, sizeof(r->comm), "%s", x->t.comm);
	r->maps = &x->maps;
	r->plan = p;
	r->res = x->res;
	r->nskipped = p->nskips;
	r->smaps_before = x->snap[0].n ? &x->snap[0] : NULL;
	r->smaps_after = x->snap[1].n ? &x->snap[1] : NULL;
	if (x->res && o->advice && advice_einval_is_refusal(o->advice->value))
		x->refused = calloc(p->npieces ? p->npieces : 1, sizeof(*x->refused));
	r->refused = x->refused;
	for (size_t i = 0; i < p->npieces; i++) {
		uint64_t size = p->pieces[i].end - p->pieces[i].start;

		/* EINVAL for cold/pageout/collapse on a range that was mapped:
		 * the kernel's own word that this mapping cannot take it
		 * (locked, hugetlb, not huge-page eligible); a skip */
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

void run_warnings(const struct run *x, void (*warn)(const char *fmt, ...))
{
	const struct plan *p = &x->plan;

	if (!x->failed && x->err[0])	/* cut short after some was advised */
		warn("%s", x->err);
	for (size_t i = 0; i < p->nunmatched; i++)
		warn("%d (%s): %s '%s' %s", x->t.pid, x->t.comm,
		     p->unmatched[i].kind, p->unmatched[i].what,
		     strcmp(p->unmatched[i].kind, "range") ?
		     "matches no mapping" : "covers no mapping");
	if (!x->res || x->failed)
		return;
	for (size_t i = 0; i < p->npieces; i++) {
		if (!x->res[i].err || (x->refused && x->refused[i]))
			continue;
		warn("%d (%s): 0x%llx-0x%llx: %s%s", x->t.pid, x->t.comm,
		     (unsigned long long)p->pieces[i].start,
		     (unsigned long long)p->pieces[i].end, strerror(x->res[i].err),
		     x->res[i].err == ENOMEM ? " (unmapped since maps were read; "
		     "hint: --freeze)" : "");
	}
}

void run_free(struct run *x)
{
	plan_free(&x->plan);
	maps_free(&x->maps);
	free(x->text);
	for (int i = 0; i < 2; i++) {
		maps_free(&x->snap[i]);
		free(x->snap_text[i]);
	}
	free(x->res);
	free(x->refused);
	freeze_info_free(&x->r.freeze);
	target_close(&x->t);
	x->text = NULL;
	x->res = NULL;
	x->refused = NULL;
}
