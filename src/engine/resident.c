/* Resident memory for a plan. See resident.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/plan.h"
#include "proc/proc.h"
#include "engine/engine.h"

bool resident_wanted(const struct options *o)
{
	/* tables (and so the RESIDENT columns) are printed only with -v, -l */
	return o->limit_bytes || o->limit_pct || o->down_to_set || o->dry_run ||
	       o->verbose || o->list;
}

static bool is_pageout(const struct options *o)
{
	return o->advice && o->advice->value == ADVICE_PAGEOUT;
}

unsigned int resident_mask(const struct options *o)
{
	return is_pageout(o) ? RES_PRESENT | RES_EXCLUSIVE : RES_PRESENT;
}

void resident_prepare(struct run *x, const struct options *o)
{
	if (is_pageout(o))
		x->noswap = swapcap_why_not(x->t.pid, x->noswap_buf,
					    sizeof(x->noswap_buf));
}

/* The kernel's rule (can_do_file_pageout): a MAP_SHARED file is paged out
 * only for its owner, a caller with CAP_FOWNER, or one who may write it.
 * A file pmadv cannot look at (deleted, another mount namespace) is
 * advised as asked. */
static const char *futile_rule_of(const struct mapping *m, void *ctx)
{
	const struct run *x = ctx;
	struct stat st;

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

int resident_read(struct run *x, enum res_method method, struct err *e)
{
	struct residency r;
	int rc = 0;

	resrun_free(&x->runs);
	x->have_runs = false;
	if (residency_open(x->t.pid, method, &r, e))
		return -1;
	/* one read per stretch of touching pieces: 65,000 one-page
	 * mappings side by side are one read, not 65,000 */
	for (size_t i = 0, j; !rc && i < x->plan.npieces; i = j) {
		for (j = i + 1; j < x->plan.npieces &&
		     x->plan.pieces[j].start == x->plan.pieces[j - 1].end; j++)
			;
		rc = residency_read(&r, x->plan.pieces[i].start,
				    x->plan.pieces[j - 1].end, &x->runs, e);
	}
	residency_close(&r);
	x->have_runs = !rc;
	return rc;
}

uint64_t resident_budget(const struct run *x, const struct options *o)
{
	uint64_t rss = maps_total_rss(&x->maps);

	if (o->down_to_set)
		return budget_down_to(rss, o->down_to);
	if (o->limit_bytes)
		return o->limit_bytes;
	return (uint64_t)((unsigned __int128)rss * o->limit_pct / 100);
}

void resident_plan(struct run *x, const struct options *o)
{
	resident_plan_within(x, o, o->limit_bytes || o->limit_pct || o->down_to_set ?
			     resident_budget(x, o) : UINT64_MAX);
}

void resident_plan_within(struct run *x, const struct options *o, uint64_t budget)
{
	struct err e;

	/* runs first: a skipped mapping's residency is shown too */
	if (resident_wanted(o) && resident_read(x, RES_METHOD_PAGEMAP, &e)) {
		run_fail_err(x, &e);
		return;
	}
	if (resident_futile(x, o) ||
	    (budget != UINT64_MAX && resident_choose(x, o, budget)))
		run_fail(x, ENOMEM, "out of memory");
}

int resident_futile(struct run *x, const struct options *o)
{
	return is_pageout(o) ? futile_apply(&x->plan, &x->maps, futile_rule_of, x) : 0;
}

int resident_choose(struct run *x, const struct options *o, uint64_t budget)
{
	return budget_select(&x->plan, &x->runs, resident_mask(o), budget,
			     (uint64_t)sysconf(_SC_PAGESIZE));
}
