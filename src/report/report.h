/* report: the flat result rows and their writers to stdout: human
 * summaries, tables, JSON, --sort. */
#ifndef PMADV_REPORT_H
#define PMADV_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proc/proc.h"
#include "cli/cli.h"

/* What one target's run produced, flat: rows, totals, at most one fatal
 * error, warnings. Built by outcome.c; report.c never looks behind it. */
enum row_kind {
	ROW_RANGE,		/* selected; advised (or would be: dry run) */
	ROW_SKIPPED,		/* passed over, or refused by the kernel */
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
	const char *advice;	/* -l: what it can take or why not; else the advice */
	struct row_stats before, after;
	bool resident_known;	/* pagemap was read (run.c) */
	uint64_t resident;	/* bytes in memory when selected */
	bool reclaimable_known;	/* pageout with pagemap read */
	uint64_t reclaimable;	/* resident, mapped by the target alone */
};

/* One freeze window and the targets it covered. */
struct window_info {
	int id;			/* 0, 1, ... in the order windows ran */
	const struct freeze_info *freeze;	/* as freeze_end gave it */
	double frozen_ms;	/* all its windows together */
	unsigned int windows;	/* freezes one after another (--max-freeze) */
	double max_window_ms;	/* the longest of them */
	unsigned int bound_ms;	/* --max-freeze of bounded windows (0: none) */
	bool bound_exceeded;	/* a window outlasted it */
	const int *pids;	/* targets covered */
	size_t npids;
};

/* Resident bytes an advice cannot move, by why (JSON "unreachable"). */
struct unreachable {
	uint64_t shared;	/* in the selection, mapped by others too */
	uint64_t locked;	/* mappings the kernel refuses (mlock...) */
	uint64_t noswap;	/* no swap for it, or a shared file not ours */
	uint64_t unselected;	/* outside the selection */
};

struct goal {
	bool set;
	bool down_to;		/* --down-to (else --limit) */
	const char *advice;	/* what its budget is spent on */
	bool lowers_rss;	/* else a --down-to is a budget, never met */
	bool group;		/* --as-group: goal is this target's share */
	uint64_t goal;		/* --down-to's Rss, or --limit's bytes */
	uint64_t rss;		/* the target's Rss before (smaps) */
	uint64_t need;		/* resident bytes to advise; 0: already met */
	bool small;		/* need is under a page: nothing can be done */
	uint64_t movable;	/* resident bytes the selection could move */
	bool reachable;		/* movable covers need, to a page */
	struct unreachable why;	/* the rest of the Rss */
};

/* --as-group: the goal of the targets together. */
struct group_goal {
	bool set, down_to;
	const char *cgroup;	/* measured by its memory.current; NULL: by
				 * the targets' summed Pss */
	uint64_t goal;		/* --down-to's size, or --limit's bytes */
	uint64_t before, after;	/* the group's memory */
	bool after_known;
	uint64_t need;		/* what the targets had to shed together */
	uint64_t movable;	/* what their selections could move */
	struct unreachable why;	/* the rest of their Rss, summed */
	bool met;
};

/* --comeback: what the target took back of what pmadv paged out (pages
 * resident and its alone before, advised, back at the last look), and the
 * mappings left alone as hot. */
struct comeback_hot {
	uint64_t start, end;	/* the mapping */
	const char *name;	/* its pathname (target's text; "" anonymous) */
	uint64_t paged_out, came_back;
};

struct comeback_info {
	unsigned int pct;	/* the threshold */
	uint64_t paged_out, came_back;
	bool faults_known;	/* /proc/PID/stat read before and after */
	uint64_t minor_faults, major_faults;	/* the target's, during the run */
	bool stopped;		/* nothing stayed out: the run stopped */
	struct comeback_hot *hot;
	size_t nhot, hotcap;	/* hotcap: the engine's, as it grows hot */
};

/* One advice's share of a target's (or the run's) totals: several -a. */
struct advice_total {
	const char *advice;	/* its name */
	uint64_t requested, advised, failed;
	size_t nranges, nskipped;
};

/* At most this many distinct advices in one run (four are remote). */
#define RESULT_ADVICES 8

struct target_result {
	int pid;		/* <= 0: never found */
	const char *comm, *error;	/* error: the fatal one, or NULL */
	const char *const *warnings;
	size_t nwarnings;
	uint64_t requested, advised, failed;
	size_t nranges, nskipped;
	/* the same per advice, in command-line order */
	struct advice_total by_advice[RESULT_ADVICES];
	size_t nadvice;
	size_t nunmatched;	/* selectors that matched nothing */
	bool list;		/* -l rows */
	const struct window_info *window;	/* NULL: none ran */
	struct mem_rollup before, after;	/* smaps_rollup, when shown */
	bool resident_known;	/* sums of the ranges' (or mappings') */
	uint64_t resident, reclaimable;
	bool reclaimable_known;
	const struct goal *goal;	/* NULL: no goal */
	bool goal_met;
	const struct comeback_info *comeback;	/* NULL: the guard was off */
	struct result_row *rows;
	size_t nrows;
};

/* --sort: a target's result rows ordered by one column, numbers largest
 * first, text in byte order, ties kept in address order. Pure. */
void rows_sort(struct result_row *rows, size_t n, enum col_id col);

/* The only writer of results to stdout (argp's --help aside). */
struct report;

/* NULL with e: out of memory, or no libsmartcols for the tables the
 * options ask for. o must outlive the report. */
struct report *report_new(const struct options *o, struct err *e);
/* One target's result; it may be freed afterwards. */
void report_target(struct report *rp, const struct target_result *r);
/* A freeze window, after the results of the targets it covered. */
void report_window(struct report *rp, const struct window_info *w);
/* --as-group: the group's goal and state, said with the totals. */
void report_group(struct report *rp, const struct group_goal *g);
/* Print what is pending and free rp (write errors: report_close_stdout). */
void report_finish(struct report *rp);

/* --recover: a line of what was thawed (escaped); NULL: "nothing to recover". */
void report_recovered(const char *line);

/* For atexit, the one check of stdout (as util-linux's close_stdout): a
 * write error is said and exits 1; a reader gone (| head) is no error. */
void report_close_stdout(void);

/* A size as the options want it: bytes (-b, JSON) or human units. */
char *report_size(const struct options *o, uint64_t v, char *buf, size_t len);

/* libsmartcols, loaded by report_new. 0, or -1 with e. */
int table_load(struct err *e);
void table_unload(void);

/* A table with the options' columns and format; NULL when out of memory. */
struct libscols_table;
struct libscols_table *table_new(const struct options *o);

/* -l: the sums of the columns that add up, for one target (pid) or for
 * all (pid 0); a sum is unknown when a row's figure is. */
struct list_total {
	int pid;
	size_t targets;
	uint64_t size, rss, swap, resident, reclaimable;
	bool rss_known, swap_known, resident_known, reclaimable_known;
};
void list_total_init(struct list_total *t, int pid);
void list_total_add(struct list_total *t, const struct target_result *r);
/* all += one */
void list_total_merge(struct list_total *all, const struct list_total *one);

/* One target's rows (and, for -l, its total row). */
void table_add(struct libscols_table *tb, const struct options *o,
	       const struct target_result *r);

/* -l, several targets: the line that closes the list, all of them. */
void table_add_total(struct libscols_table *tb, const struct options *o,
		     const struct list_total *all);

/* Print tb (-J: one line, DEL and bidi controls as \uXXXX, and json_tail
 * (NULL: none) added as the document's last keys) and free it. */
void table_print(struct libscols_table *tb, const struct options *o,
		 const char *json_tail);

/* -l -J: ,"totals":[per target],"total":{all}; malloc'd (NULL: no memory). */
char *json_list_totals(const struct list_total *v, size_t n,
		       const struct list_total *all);

/* -J of an advice run: an element of "targets" / "freezes"; first: no comma. */
void json_target(FILE *f, bool first, const struct target_result *r,
		 bool with_stats);
void json_window(FILE *f, bool first, const struct window_info *w);

/* Run-wide sums that never count shared memory twice (Pss, SwapPss), and
 * the resident bytes selected. valid: every target had its rollup. */
struct report_totals {
	size_t targets;		/* with a result (no fatal error) */
	bool valid, resident_known, reclaimable_known;
	uint64_t pss_before, pss_after, swap_pss_before, swap_pss_after;
	uint64_t resident;
	uint64_t reclaimable;	/* the targets' own pages: never twice */
};

void report_totals_add(struct report_totals *t, const struct target_result *r);
/* ,"pss_before":N,... (null where unknown) */
void json_totals(FILE *f, const struct report_totals *t);
/* ,"per_advice":[{"advice":NAME,"requested":N,...}, ...] */
void json_by_advice(FILE *f, const struct advice_total *v, size_t n);
/* ,"group_goal":{...} (null without --as-group) */
void json_group(FILE *f, const struct group_goal *g);

#endif
