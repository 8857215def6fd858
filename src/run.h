/* One target's run, in the order the race demands: checks before the freeze
 * window; maps, selection and advice inside it; measurements after it. */
#ifndef PMADV_RUN_H
#define PMADV_RUN_H

#include <regex.h>
#include <stdbool.h>

#include "advise.h"
#include "maps.h"
#include "options.h"
#include "result.h"
#include "select.h"
#include "target.h"

#define RUN_ERRLEN 512

struct run {
	struct target t;
	char *text;			/* maps/smaps text; names point into it */
	struct maps maps;
	struct plan plan;
	struct advise_result *res;
	bool *refused;
	char *snap_text[2];		/* -v: smaps before and after */
	struct maps snap[2];
	unsigned int delay_ms;		/* PMADV_TEST_DELAY_MS */
	bool query_maps;		/* PMADV_MAPS_SOURCE=query */
	struct target_result r;
	char err[RUN_ERRLEN];
	bool failed;			/* err says why */
	bool gone;			/* a listed process that has since exited,
					 * or whose PID now names another one */
};

void run_init(struct run *x, int pid);

/* Open the target (by PID or pidfd), learn its facts, ask the kernel
 * whether it would take the advice, take the "before" measurements.
 * must_match: for -N, the command name must still match once the pidfd
 * holds the process. Returns 0, or -1 with x->failed and x->err. */
int run_prepare(struct run *x, const struct options *o,
		const struct target_spec *spec, const regex_t *must_match,
		bool discovered);

/* The window: freeze as told, read maps, select, advise, thaw. */
void run_window(struct run *x, const struct options *o,
		const struct freeze_req *how);

/* freeze_req.before for pmadv's windows: warm the heap after the
 * guardian's fork. */
void run_before_freeze(void);

/* -l: read smaps and keep the selected mappings in x->maps. */
void run_list(struct run *x, const struct options *o);

/* After the window: the "after" measurements. */
void run_measure_after(struct run *x, const struct options *o);

/* Totals into x->r; the kernel's refusals become skips. */
void run_tally(struct run *x, const struct options *o);

/* Per-range failures and unmatched selectors, one line each. */
void run_warnings(const struct run *x, void (*warn)(const char *fmt, ...));

void run_free(struct run *x);

#endif
