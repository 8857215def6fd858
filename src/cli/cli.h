/* cli: the command line: argp, the options struct, checks, --help, columns. */
#ifndef PMADV_CLI_H
#define PMADV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/lib.h"
#include "plan/plan.h"
#include "freeze/freeze.h"

/* Output columns of the range table (-v) and the mapping list (-l). Pure. */
enum col_id {
	COL_PID, COL_COMM, COL_START, COL_END, COL_SIZE, COL_ADVISED,
	COL_RSS, COL_RSS_AFTER, COL_SWAP, COL_SWAP_AFTER, COL_PERMS,
	COL_CLASS, COL_NAME, COL_ADVICE, COL_ERROR, COL_RESIDENT,
	COL_RECLAIMABLE,
	COL_COUNT
};

struct column_info {
	const char *name, *help;
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

#define COMEBACK_PCT_DEFAULT 10	/* --comeback, percent */

struct target_spec {
	bool is_pidfd;
	int value;		/* PID or fd number */
};

/* A further -a and the selection options after it. */
struct advice_pair {
	const struct advice *advice;
	struct selection sel;
};

/* Every run-wide setting, read and checked once before any target is
 * touched (bad input never costs a freeze), then passed down read-only. */
struct options {
	struct target_spec *targets;	/* -p, --pidfd */
	size_t ntargets;
	struct selection by_name;	/* -N: its regexes (process names) */
	bool full;			/* -N matches the whole command line */
	const char **cgroups;		/* -c */
	size_t ncgroups;
	const char **units;		/* -u: systemd units, from cgroupfs */
	size_t nunits;
	const struct advice *advice;	/* the first pair's; NULL with -l */
	struct selection sel;		/* the first pair's */
	struct advice_pair *more;	/* each further -a: the second pair on */
	size_t nmore;
	/* every pair in command-line order when advising (piece.pair) */
	struct pair_sel *pairs;
	size_t npairs;
	char advice_names[64];		/* "pageout+cold" */
	struct freeze_req freeze;
	uint64_t limit_bytes;		/* --limit SIZE, 0: none */
	unsigned int limit_pct;		/* --limit PCT%, 0: none */
	uint64_t down_to;		/* --down-to SIZE: Rss to come down to */
	bool down_to_set, as_group;
	unsigned int comeback_pct;	/* --comeback (engine.h) */
	bool comeback_off, comeback_set;	/* --comeback=off; given */
	bool max_freeze_set;	/* --max-freeze given (not the default) */
	int sort_col;			/* --sort: enum col_id, -1: none */
	bool list, dry_run, json, quiet, verbose, bytes, raw, noheadings;
	bool recover;			/* --recover: thaw what a gone pmadv froze */
	const char *output_arg;		/* -o as given, parsed at the end */
	bool output_all;
	bool table;			/* a range table is printed */
	bool rows_only;			/* --raw, --noheadings: no summary */
	enum col_id columns[COL_COUNT * 2];
	size_t ncolumns;
	/* Test knobs (-DPMADV_TEST_HOOKS builds only; README): 0 otherwise */
	unsigned int test_delay_ms;	/* PMADV_TEST_DELAY_MS */
	bool maps_query;		/* PMADV_MAPS_SOURCE=query */
	uint64_t test_chunk_bytes;	/* PMADV_TEST_CHUNK_BYTES */
};

/* The advice of pair `pair` (a plan piece's): o->advice without pairs. */
static inline const struct advice *pair_advice(const struct options *o,
					       uint32_t pair)
{
	return pair < o->npairs ? o->pairs[pair].advice : o->advice;
}

/* Does any pair give advice value v? Is pair k the first to give its own
 * (several pairs may share one advice)? */
bool options_gives(const struct options *o, int v);
bool pair_first(const struct options *o, size_t k);

/* Parse argv; exits with PMADV_EXIT_USAGE on bad usage. */
void options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

#endif
