/* One target's run outside its freeze window. See engine.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/plan.h"
#include "proc/proc.h"
#include "engine/engine.h"

void run_init(struct run *x, const struct target_ref *ref)
{
	*x = (struct run){ .ref = ref, .t.pidfd = -1,
			   .t.pid = ref && ref->kind == REF_PID ? ref->value : 0 };
}

void run_fail_err(struct run *x, const struct err *e)
{
	if (x->failed)
		return;
	x->failed = true;
	x->err = *e;
}

void run_fail(struct run *x, int code, const char *fmt, ...)
{
	va_list ap;

	if (x->failed)
		return;
	x->failed = true;
	x->err.code = code;
	va_start(ap, fmt);
	vsnprintf(x->err.msg, sizeof(x->err.msg), fmt, ap);
	va_end(ap);
}

void run_warn(struct run *x, const char *fmt, ...)
{
	char **v = array_grow(x->warnings, x->nwarnings, &x->warncap, sizeof(*v), 4);
	va_list ap;
	int n;

	if (!v)
		return;
	x->warnings = v;
	va_start(ap, fmt);
	n = vasprintf(&v[x->nwarnings], fmt, ap);
	va_end(ap);
	if (n >= 0)
		x->nwarnings++;
}

void run_advise_error(struct run *x, const struct advice *adv, int code,
		      bool advising, bool some_advised)
{
	struct err e;
	struct utsname u;

	switch (code) {
	case EACCES:
	case EPERM:
		target_explain_denied(&x->t, code, &e);
		break;
	case ESRCH:
		err_set(&e, code, advising ? "%d (%s) exited while being advised" :
			"%d (%s) has exited or has no address space", x->t.pid,
			x->t.comm);
		break;
	case EINVAL:
		uname(&u);
		err_set(&e, code, "advice '%s' is not allowed on another process "
			"by this kernel (Linux %s; it needs %s or later)",
			adv->name, u.release, adv->since);
		break;
	case ENOSYS:
		err_set(&e, code, "this kernel has no process_madvise (Linux 5.10 "
			"or later needed)");
		break;
	case EBADF:
		err_set(&e, code, "descriptor %d is not a pidfd", x->t.pidfd);
		break;
	default:
		err_set(&e, code, "process_madvise on %d: %s", x->t.pid,
			strerror(code));
	}
	/* what was advised before still counts: a warning, partial */
	if (some_advised)
		run_warn(x, "%s", e.msg);
	else
		run_fail_err(x, &e);
}

/* smaps_rollup walks every page table: read only when shown (not -q). */
static bool shows_effect(const struct options *o)
{
	return !o->quiet && !o->list;
}

/* /proc/PID/cmdline, NULs as spaces as libproc2 gives it (-N --full). */
static char *cmdline_of(struct target *t)
{
	char *buf;
	size_t len;

	if (target_read(t, "cmdline", &buf, &len))
		return NULL;
	while (len && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return buf;
}

/* Is the pidfd's process the one discovery listed, still matching? The
 * start time is read, then the pidfd checked alive. */
static bool still_selected(const struct run *x)
{
	const struct target_ref *r = x->ref;
	struct procstat ps;
	struct target t;
	char *cmd;
	bool ok = true;

	if (r->start_time && (procstat_of(x->t.pid, &ps) ||
			      ps.start_time != r->start_time || target_alive(&x->t)))
		return false;
	if (!r->must_match)
		return true;
	if (!r->match_cmdline)
		return !regexec(r->must_match, x->t.comm, 0, NULL, 0);
	t = x->t;	/* target_read takes a buffer made ready: not this one */
	t.read_buf = NULL;
	cmd = cmdline_of(&t);
	ok = cmd && !regexec(r->must_match, cmd, 0, NULL, 0);
	free(cmd);
	return ok;
}

static int open_target(struct run *x)
{
	const struct target_ref *r = x->ref;
	struct err e;
	int rc;

	if (r->kind == REF_LOST) {
		run_fail(x, 0, "%s", r->lost);
		return -1;
	}
	rc = r->kind == REF_PIDFD ? target_open_pidfd(r->value, &x->t, &e)
				  : target_open_pid(r->value, &x->t, &e);
	if (rc && r->discovered && e.code == ESRCH) {
		x->gone = true;	/* listed, then exited: nothing to say */
		return -1;
	}
	if (!rc)
		rc = target_facts(&x->t, &e);
	if (rc) {
		run_fail_err(x, &e);
		return -1;
	}
	/* a PID recycled since the listing names what nothing selected */
	if (r->discovered && !still_selected(x)) {
		x->gone = true;
		return -1;
	}
	return 0;
}

void run_prepare(struct run *x, const struct options *o)
{
	struct err e;

	if (open_target(x))
		return;
	/* permission, advice, support of each advice; touches nothing */
	for (size_t k = 0; !o->dry_run && !o->list && k < o->npairs; k++) {
		const struct advice *a = o->pairs[k].advice;

		if (pair_first(o, k) && advise_probe(x->t.pidfd, a->value)) {
			run_advise_error(x, a, errno, false, false);
			return;
		}
	}
	if (options_gives(o, ADVICE_PAGEOUT))	/* can swap take anon pages? */
		x->noswap = swapcap_why_not(x->t.pid, x->noswap_buf,
					    sizeof(x->noswap_buf));
	if (shows_effect(o))
		target_rollup(x->t.pid, &x->before);
	/* the table's RSS and SWAP columns (-v, -o, --output-all, --raw) */
	if (o->table && maps_source_read(&x->t, MAPS_FILE_SMAPS, false,
					 &x->snap_text[0], &x->snap[0], &e))
		run_fail_err(x, &e);
}

void run_measure_after(struct run *x, const struct options *o)
{
	struct err e;

	if (x->failed || o->dry_run || o->list)
		return;
	if (shows_effect(o))
		target_rollup(x->t.pid, &x->after);
	/* the advice happened: a failed read only costs the table its columns */
	if (o->table && maps_source_read(&x->t, MAPS_FILE_SMAPS, false,
					 &x->snap_text[1], &x->snap[1], &e))
		run_warn(x, "%d (%s): no figures after the advice: %s", x->t.pid,
			 x->t.comm, e.msg);
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
	for (size_t i = 0; i < x->nwarnings; i++)
		free(x->warnings[i]);
	free(x->warnings);
	free(x->res);
	free(x->scope);
	resspan_free(&x->spans);
	for (size_t i = 0; i < x->cb.nhot; i++)
		free((char *)x->cb.hot[i].name);
	free(x->cb.hot);
	target_close(&x->t);
	*x = (struct run){ .t.pidfd = -1, .concluded = true };
}

/* Resident memory for a plan. See engine.h. */
bool resident_wanted(const struct options *o)
{
	/* the RESIDENT columns: in a table (-v, -o...) or the list (-l) */
	return o->limit_bytes || o->limit_pct || o->down_to_set || o->dry_run ||
	       o->table || o->list;
}

unsigned int resident_mask_for(const struct run *x, int v)
{
	if (v != ADVICE_PAGEOUT)
		return RES_PRESENT;
	return RES_PRESENT | RES_EXCLUSIVE | (x->noswap ? RES_FILE : 0);
}

static unsigned int resident_mask(const struct run *x, const struct options *o)
{
	return resident_mask_for(x, o->advice ? o->advice->value : 0);
}

/* The kernel's rule (can_do_file_pageout): a MAP_SHARED file is paged out
 * only for its owner, a caller with CAP_FOWNER, or one who may write it. A
 * file pmadv cannot look at (deleted, another mount namespace) is advised. */
struct futile_ctx {
	const struct run *x;
	const struct options *o;
};

static const char *futile_rule_of(const struct mapping *m,
				  const struct piece *pc, void *ctx)
{
	const struct futile_ctx *c = ctx;
	const struct run *x = c->x;
	struct stat st;

	/* several advices: only pageout's pieces */
	if (pair_advice(c->o, pc->pair)->value != ADVICE_PAGEOUT)
		return NULL;
	if (mapping_class(m) == CLASS_ANON)
		return x->noswap;
	if (mapping_class(m) != CLASS_FILE || !mapping_shared(m) || m->deleted ||
	    m->name[0] != '/' || geteuid() == 0)
		return NULL;
	if (stat(m->name, &st) || st.st_uid == geteuid() ||
	    !faccessat(AT_FDCWD, m->name, W_OK, AT_EACCESS))
		return NULL;
	return RESIDENT_SHARED_FILE_REASON;
}

int resident_read_pieces(pid_t pid, enum res_method method,
			 const struct piece *v, size_t n, struct res_spans *out,
			 struct err *e)
{
	struct residency r;
	int rc = 0;

	resspan_free(out);
	if (residency_open(pid, method, &r, e))
		return -1;
	/* one read per stretch of touching pieces, not one a mapping */
	for (size_t i = 0, j; !rc && i < n; i = j) {
		for (j = i + 1; j < n && v[j].start <= v[j - 1].end; j++)
			;
		rc = residency_read(&r, v[i].start, v[j - 1].end, out, e);
	}
	residency_close(&r);
	return rc;
}

int resident_read(struct run *x, enum res_method method, struct err *e)
{
	int rc = resident_read_pieces(x->t.pid, method, x->plan.pieces,
				      x->plan.npieces, &x->spans, e);

	x->have_spans = !rc;
	return rc;
}

/* --limit or --down-to in bytes, from the Rss of x's maps (smaps). */
static uint64_t resident_budget(const struct run *x, const struct options *o)
{
	if (x->has_share)
		return x->share;
	return budget_need(maps_total_rss(&x->maps), o->down_to_set, o->down_to,
			   o->limit_bytes, o->limit_pct);
}

/* A skipped range's share of its mapping's Rss (smaps). */
static uint64_t skip_rss(const struct maps *m, const struct skip *sk)
{
	const struct mapping *mp = &m->v[sk->map];
	uint64_t len = mp->end - mp->start;

	if (!m->stats || !len)
		return 0;
	return (uint64_t)((unsigned __int128)m->stats[sk->map].rss *
			  (sk->end - sk->start) / len);
}

int resident_goal(struct run *x, const struct options *o)
{
	struct goal *g = &x->goal;
	unsigned int mask = resident_mask(x, o);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), known;

	memset(g, 0, sizeof(*g));
	if (resident_futile(x, o))
		return -1;
	if (!resident_budgeted(o))
		return 0;
	g->set = true;
	g->group = x->has_share;
	g->down_to = o->down_to_set && !g->group;
	g->advice = o->advice ? o->advice->name : "";
	g->lowers_rss = o->advice && o->advice->lowers_rss;
	g->rss = maps_total_rss(&x->maps);
	g->goal = g->down_to ? o->down_to : resident_budget(x, o);
	g->need = resident_budget(x, o);
	/* --down-to within a page of the goal is there already */
	if (g->down_to && g->need < page)
		g->need = 0;
	g->small = !g->down_to && !g->group && g->need < page;
	for (size_t i = 0; i < x->plan.npieces; i++) {
		const struct piece *pc = &x->plan.pieces[i];
		uint64_t movable = resspan_sum(&x->spans, pc->start, pc->end, mask);
		uint64_t present = resspan_sum(&x->spans, pc->start, pc->end,
					       RES_PRESENT);
		uint64_t own = mask & RES_EXCLUSIVE ?
			       resspan_sum(&x->spans, pc->start, pc->end,
					   RES_PRESENT | RES_EXCLUSIVE) : present;

		g->movable += movable;
		/* present, not exclusive: mapped by others too */
		g->why.shared += present - own;
		/* its own but not a file page, without swap: anonymous */
		g->why.noswap += own - movable;
	}
	for (size_t i = 0; i < x->plan.nskips; i++) {
		const struct skip *sk = &x->plan.skips[i];
		bool futile = (x->noswap && !strcmp(sk->reason, x->noswap)) ||
			      !strcmp(sk->reason, RESIDENT_SHARED_FILE_REASON);

		if (futile)
			g->why.noswap += resspan_sum(&x->spans, sk->start, sk->end,
						     RES_PRESENT);
		else
			g->why.locked += skip_rss(&x->maps, sk);
	}
	g->reachable = g->movable + page > g->need;
	known = g->movable + g->why.shared + g->why.locked + g->why.noswap;
	g->why.unselected = g->rss > known ? g->rss - known : 0;
	return 0;
}

int resident_movable(struct run *x, const struct options *o,
		     uint64_t *movable, uint64_t *pss, struct err *e)
{
	struct mem_rollup r;
	int rc = -1;

	*movable = *pss = 0;
	target_rollup(x->t.pid, &r);
	*pss = r.valid ? r.pss : 0;
	if (maps_source_read(&x->t, MAPS_FILE_SMAPS, o->maps_query, &x->text,
			     &x->maps, e))
		return -1;
	if (select_plan(&x->maps, &o->sel, o->advice->value, &x->plan))
		goto oom;
	/* the spans cover what futile pageout then takes out (a reason's bytes) */
	if (resident_read(x, RES_METHOD_PAGEMAP, e))
		goto out;
	if (resident_goal(x, o))
		goto oom;
	*movable = x->goal.movable;
	rc = 0;
	goto out;
oom:
	err_set(e, ENOMEM, "out of memory");
out:
	memset(&x->goal, 0, sizeof(x->goal));
	resspan_free(&x->spans);
	x->have_spans = false;
	plan_free(&x->plan);
	maps_free(&x->maps);
	free(x->text);
	x->text = NULL;
	return rc;
}

bool goal_reached(const struct goal *g, uint64_t advised)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	/* --limit is "at most": reached once all it could move is advised */
	uint64_t want = g->down_to || g->need < g->movable ? g->need : g->movable;

	if (!g->set || g->small || (g->down_to && !g->lowers_rss))
		return false;
	/* nothing movable: nothing met, however little was asked */
	return want && advised + page > want;
}

/* -l: residency, futile pageout and a budget, as when advising. */
static void resident_plan(struct run *x, const struct options *o)
{
	uint64_t budget = resident_budgeted(o) ? resident_budget(x, o) : UINT64_MAX;
	struct err e;

	/* spans first: a skipped mapping's residency is shown too */
	if (resident_wanted(o) && resident_read(x, RES_METHOD_PAGEMAP, &e)) {
		run_fail_err(x, &e);
		return;
	}
	if (resident_futile(x, o) ||
	    (budget != UINT64_MAX && resident_choose(x, o, budget)))
		run_fail(x, ENOMEM, "out of memory");
}

/* Keep only the mappings the plan takes or skips, for -l. */
static int keep_planned(struct run *x)
{
	struct maps keep = { 0 };
	size_t n = x->maps.n ? x->maps.n : 1, p = 0, s = 0;

	keep.v = malloc(n * sizeof(*keep.v));
	keep.stats = x->maps.stats ? malloc(n * sizeof(*keep.stats)) : NULL;
	if (!keep.v || (x->maps.stats && !keep.stats)) {
		maps_free(&keep);
		return -1;
	}
	for (size_t i = 0; i < x->maps.n; i++) {
		while (p < x->plan.npieces && x->plan.pieces[p].map < i)
			p++;
		while (s < x->plan.nskips && x->plan.skips[s].map < i)
			s++;
		if ((p < x->plan.npieces && x->plan.pieces[p].map == i) ||
		    (s < x->plan.nskips && x->plan.skips[s].map == i)) {
			if (keep.stats)
				keep.stats[keep.n] = x->maps.stats[i];
			keep.v[keep.n++] = x->maps.v[i];
		}
	}
	keep.cap = keep.n;
	maps_free(&x->maps);
	x->maps = keep;
	return 0;
}

void run_list(struct run *x, const struct options *o)
{
	struct selection sel = o->sel;
	struct err e;

	if (maps_source_read(&x->t, MAPS_FILE_SMAPS, false, &x->text, &x->maps, &e)) {
		run_fail_err(x, &e);
		return;
	}
	/* without a selection, every mapping (the filters still apply) */
	if (selection_empty(&sel))
		sel.all = true;
	if (select_plan(&x->maps, &sel, o->advice ? o->advice->value : ADVICE_WILLNEED,
			&x->plan)) {
		run_fail(x, ENOMEM, "out of memory");
		return;
	}
	resident_plan(x, o);
	if (!x->failed && keep_planned(x))
		run_fail(x, ENOMEM, "out of memory");
}

int resident_futile(struct run *x, const struct options *o)
{
	struct futile_ctx c = { x, o };

	return options_gives(o, ADVICE_PAGEOUT) ? futile_apply(&x->plan, &x->maps, futile_rule_of, &c) : 0;
}

int resident_choose(struct run *x, const struct options *o, uint64_t budget)
{
	return budget_select(&x->plan, &x->spans, resident_mask(x, o), budget,
			     (uint64_t)sysconf(_SC_PAGESIZE));
}
