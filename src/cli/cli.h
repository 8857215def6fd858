/* cli: the command line: argp, the one control struct, argument checks,
 * --help, the column table. */
#ifndef PMADV_CLI_H
#define PMADV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"
#include "plan/plan.h"
#include "freeze/freeze.h"

/* Output columns for the range table (-v) and the mapping list (-l), in the
 * util-linux manner: names for -o, help text for --help. Pure. */
enum col_id {
	COL_PID, COL_COMM, COL_START, COL_END, COL_SIZE, COL_ADVISED,
	COL_RSS, COL_RSS_AFTER, COL_SWAP, COL_SWAP_AFTER, COL_PERMS,
	COL_CLASS, COL_NAME, COL_ADVICE, COL_ERROR, COL_RESIDENT,
	COL_RECLAIMABLE,
	COL_COUNT
};

struct column_info {
	const char *name;
	const char *help;
	bool number;		/* right-aligned; a JSON number */
};

const struct column_info *column_info(enum col_id id);

/* Parse "START,END,+RSS" style lists: a leading '+' appends to the
 * defaults. Returns the number of columns written to out (at most max), or
 * -1 with e naming the unknown column (unescaped: "unknown column 'X'"). */
int columns_parse(const char *list, const enum col_id *defaults, size_t ndefaults,
		  enum col_id *out, size_t max, struct err *e);

/* Defaults: the range table of -v and the mapping list of -l. */
extern const enum col_id columns_range_default[];
extern const size_t columns_range_ndefault;
extern const enum col_id columns_list_default[];
extern const size_t columns_list_ndefault;

/* Command-line options (argp), and the one control struct: every run-wide
 * setting lives in struct options, read once here (the test knobs from the
 * environment too) and passed down read-only. Everything is checked here,
 * before any target is touched: bad input never costs a freeze. */
/* --comeback's default threshold, in percent */
#define COMEBACK_PCT_DEFAULT 10

struct target_spec {
	bool is_pidfd;
	int value;		/* PID or fd number */
};

/* A further -a and the selection options after it (several advices in
 * one run). */
struct advice_pair {
	const struct advice *advice;
	struct selection sel;
};

struct options {
	struct target_spec *targets;	/* -p, --pidfd */
	size_t ntargets;
	struct selection by_name;	/* -N: its regexes (process names) */
	bool full;			/* -N matches the whole command line */
	const char **cgroups;		/* -c */
	size_t ncgroups;
	const char **units;		/* -u: systemd units, from cgroupfs */
	size_t nunits;
	const struct advice *advice;	/* NULL only with --list; the first
					 * pair's */
	struct selection sel;		/* the first pair's */
	struct advice_pair *more;	/* each further -a: the second pair on */
	size_t nmore;
	/* every (advice, selection) pair in command-line order, the first
	 * being advice and sel; set at the end of parsing when advising
	 * (npairs 0 with --list and --recover). A plan piece's pair indexes
	 * it. */
	struct pair_sel *pairs;
	size_t npairs;
	char advice_names[64];		/* the distinct advices, "pageout+cold";
					 * one: its name */
	struct freeze_req freeze;
	uint64_t limit_bytes;		/* --limit SIZE, 0: none */
	unsigned int limit_pct;		/* --limit PCT%, 0: none */
	uint64_t down_to;		/* --down-to SIZE: Rss to come down to */
	bool down_to_set;
	bool as_group;			/* --as-group: the goal is the targets'
					 * together */
	/* --comeback: pageout's guard against paging out what the target
	 * uses (engine.h). A mapping is hot when more than comeback_pct% of
	 * what pmadv paged out of it came back. */
	unsigned int comeback_pct;
	bool comeback_off;		/* --comeback=off */
	bool comeback_set;
	bool max_freeze_set;	/* --max-freeze given (not the default) */
	int sort_col;			/* --sort: enum col_id, -1: none */
	bool list;
	bool recover;			/* --recover: thaw what a gone pmadv froze */
	bool dry_run;
	bool json;
	bool quiet;
	bool verbose;
	bool bytes, raw, noheadings;
	const char *output_arg;		/* -o as given, parsed at the end */
	bool output_all;
	bool table;			/* a range table: -v, -o, --output-all,
					 * --raw or --noheadings asked for it */
	bool rows_only;			/* --raw, --noheadings: stdout holds
					 * table rows only, no summary */
	enum col_id columns[COL_COUNT * 2];
	size_t ncolumns;
	/* Test knobs, read from the environment only by a build made for
	 * the tests (-DPMADV_TEST_HOOKS, make test-build); 0 in pmadv as
	 * installed. PMADV_TEST_DELAY_MS holds each window open between
	 * selecting and advising; PMADV_MAPS_SOURCE=query reads maps by
	 * PROCMAP_QUERY. */
	unsigned int test_delay_ms;
	bool maps_query;
	/* PMADV_TEST_CHUNK_BYTES: each bounded window advises one chunk of
	 * at most this many bytes, so a small target takes many windows. */
	uint64_t test_chunk_bytes;
};

/* The advice of pair `pair` (a plan piece's): o->advice without pairs. */
static inline const struct advice *pair_advice(const struct options *o,
					       uint32_t pair)
{
	return pair < o->npairs ? o->pairs[pair].advice : o->advice;
}

/* Does any pair give advice value v? */
bool options_gives(const struct options *o, int v);

/* Parse argv; exits with PMADV_EXIT_USAGE on bad usage. */
void options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

#endif
