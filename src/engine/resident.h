/* Resident memory for one target's plan, before its windows (or for -l):
 * futile pageout taken out (no swap for anonymous pages, shared files the
 * caller may not write), residency read when something uses it (budgets,
 * dry run, -v, -l, the resident columns), and the budget (--limit,
 * --down-to) spent on resident pages. The plain path (advice + selection,
 * nothing else) reads no pagemap. */
#ifndef PMADV_RESIDENT_H
#define PMADV_RESIDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"
#include "residency.h"
#include "run.h"

#define RESIDENT_SHARED_FILE_REASON "shared file the caller neither owns " \
	"nor may write: the kernel pages out nothing of it"

/* Is residency read for this run at all? */
bool resident_wanted(const struct options *o);

/* Before any window: learn whether swap can take the target's anonymous
 * pages (pageout only; kept in x). */
void resident_prepare(struct run *x, const struct options *o);

/* After select_plan: the steps above. On failure x has failed. */
void resident_plan(struct run *x, const struct options *o);

/* The same with the budget given (UINT64_MAX: none): what bounded windows
 * have left of it after the earlier ones (windows.c). */
void resident_plan_within(struct run *x, const struct options *o, uint64_t budget);

/* The residency of x's plan pieces into x->runs (have_runs). 0, or -1
 * with e. */
int resident_read(struct run *x, enum res_method method, struct err *e);

/* Pageout only: pieces the kernel would page out nothing of become skips
 * with the reason. 0, or -1 (no memory). */
int resident_futile(struct run *x, const struct options *o);

/* The plan's pieces become the resident runs chosen for budget bytes
 * (budget.h), from x->runs. 0, or -1 (no memory). */
int resident_choose(struct run *x, const struct options *o, uint64_t budget);

/* Does this run set a budget (--limit, --down-to)? */
static inline bool resident_budgeted(const struct options *o)
{
	return o->limit_bytes || o->limit_pct || o->down_to_set;
}

/* --limit or --down-to in bytes, from the Rss of x's maps (smaps). */
uint64_t resident_budget(const struct run *x, const struct options *o);

/* Page flags a budget spends for this advice: present pages, and for
 * pageout only those mapped by the target alone (others stay). */
unsigned int resident_mask(const struct options *o);

#endif
