/* What one target's run produced, flat: a row per range advised, skipped or
 * refused (or, with -l, per mapping listed), totals, at most one fatal
 * error and any number of warnings. Built by outcome.c; report.c only
 * formats it, and never looks behind it (no maps, plans or freezes). */
#ifndef PMADV_RESULT_H
#define PMADV_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

enum row_kind {
	ROW_RANGE,		/* selected; advised (or would be: dry run) */
	ROW_SKIPPED,		/* passed over before the call, or refused by
				 * the kernel for this advice */
	ROW_MAPPING,		/* -l: one mapping */
};

/* Per-range figures from smaps, when it was read. */
struct row_stats {
	bool valid;
	uint64_t rss, swap;
};

struct result_row {
	enum row_kind kind;
	uint64_t start, end;
	bool advised_known;	/* false in a dry run and for skips */
	uint64_t advised;
	char perms[5];
	const char *class_name;	/* anon, file, special */
	const char *name;	/* the mapping's pathname (target's text) */
	const char *error;	/* errno text of a failed range, or NULL */
	const char *reason;	/* why skipped, or NULL */
	const char *advice;	/* -l: what it can take, or why not */
	struct row_stats before, after;
	bool resident_known;	/* pagemap was read (resident.c) */
	uint64_t resident;	/* bytes in memory when selected */
	bool reclaimable_known;	/* pageout with pagemap read */
	uint64_t reclaimable;	/* resident, mapped by the target alone */
};

/* One freeze window and the targets it covered. */
struct window_info {
	int id;			/* 0, 1, ... in the order windows ran */
	const char *mode;	/* none, stop, cgroup */
	double frozen_ms;	/* all its windows together */
	unsigned int windows;	/* freezes one after another (--max-freeze) */
	double max_window_ms;	/* the longest of them */
	unsigned int bound_ms;	/* --max-freeze of bounded windows (0: none) */
	bool bound_exceeded;	/* a window outlasted it */
	unsigned int processes;	/* processes the freeze held */
	bool already;		/* frozen by someone else: left so */
	const char *cgroup;	/* cgroup frozen, or NULL */
	bool broken;		/* not race-free: its watchdog thawed it while
				 * an advice call was stuck, or another
				 * program resumed or thawed it */
	unsigned int stalled_ms;	/* broken: how long nothing progressed */
	bool resumed;		/* broken by another program's SIGCONT or
				 * thaw, not by the watchdog */
	const int *pids;	/* targets covered */
	size_t npids;
};

struct target_result {
	int pid;		/* <= 0: never found */
	const char *comm;
	const char *error;	/* the fatal error, or NULL */
	const char *const *warnings;
	size_t nwarnings;
	uint64_t requested, advised, failed;
	size_t nranges, nskipped;
	size_t nunmatched;	/* selectors that matched nothing */
	bool list;		/* -l rows */
	const struct window_info *window;	/* NULL: none ran */
	struct mem_rollup before, after;	/* smaps_rollup, when shown */
	bool resident_known;	/* sums of the ranges' (or mappings') */
	uint64_t resident, reclaimable;
	bool reclaimable_known;
	struct result_row *rows;
	size_t nrows;
};

#endif
