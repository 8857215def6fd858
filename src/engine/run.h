/* One target's run, from opening it to its result: what is done before a
 * freeze window (open through a pidfd, learn its facts, ask the kernel
 * whether it takes the advice, the "before" figures), inside it (window.c:
 * read maps, select, advise) and after it (the "after" figures). A run
 * holds everything the result rows point into until run_free. */
#ifndef PMADV_RUN_H
#define PMADV_RUN_H

#include <stdbool.h>

#include "advise.h"
#include "discover.h"
#include "err.h"
#include "maps.h"
#include "options.h"
#include "resrun.h"
#include "select.h"
#include "target.h"

struct run {
	const struct target_ref *ref;
	struct target t;
	char *text;			/* maps/smaps text; names point into it */
	struct maps maps;
	struct plan plan;
	struct advise_result *res;	/* NULL: not advised (dry run, -l) */
	char *snap_text[2];		/* -v: smaps before and after */
	struct maps snap[2];
	struct mem_rollup before, after;
	bool failed;			/* err holds the one fatal error */
	struct err err;
	char **warnings;		/* escaped later, as everything printed */
	size_t nwarnings;
	bool gone;			/* a discovered process that has since
					 * exited, or whose PID now names another
					 * one, or a target named twice: no result */
	char *scope;			/* freeze_scope key: who shares a freeze */
	struct res_runs runs;		/* residency of the plan (resident.c) */
	bool have_runs;			/* runs were read */
	const char *noswap;		/* pageout: why swap cannot take its
					 * anonymous pages, or NULL */
	char noswap_buf[256];
};

void run_init(struct run *x, const struct target_ref *ref);

/* Open the target, learn its facts, probe the advice, take the "before"
 * figures. On failure x->failed and x->err say why. */
void run_prepare(struct run *x, const struct options *o);

/* -l: read smaps and keep the mappings the selection takes (all without
 * one). Never freezes. */
void run_list(struct run *x, const struct options *o);

/* After the window: the "after" figures. */
void run_measure_after(struct run *x, const struct options *o);

/* Record the fatal error (the first one wins) / a warning. */
void run_fail(struct run *x, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void run_fail_err(struct run *x, const struct err *e);
void run_warn(struct run *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Why the kernel refused to advise the target (EACCES, ESRCH...), while
 * advising or before: the fatal error, or a warning when some_advised
 * (what was advised before the failure still counts). */
void run_advise_error(struct run *x, const struct advice *adv, int code,
		      bool advising, bool some_advised);

void run_free(struct run *x);

#endif
