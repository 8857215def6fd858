/* Command-line options (argp), and the one control struct: every run-wide
 * setting lives in struct options, read once here (the test knobs from the
 * environment too) and passed down read-only. Everything is checked here,
 * before any target is touched: bad input never costs a freeze. */
#ifndef PMADV_OPTIONS_H
#define PMADV_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "advice.h"
#include "columns.h"
#include "freeze.h"
#include "select.h"

struct target_spec {
	bool is_pidfd;
	int value;		/* PID or fd number */
};

struct options {
	struct target_spec *targets;	/* -p, --pidfd */
	size_t ntargets;
	struct regex_sel *names;	/* -N */
	size_t nnames;
	bool full;			/* -N matches the whole command line */
	const char **cgroups;		/* -c */
	size_t ncgroups;
	const char **units;		/* -u: systemd units, from cgroupfs */
	size_t nunits;
	const struct advice *advice;	/* NULL only with --list */
	struct selection sel;
	struct freeze_req freeze;
	uint64_t limit_bytes;		/* --limit SIZE, 0: none */
	unsigned int limit_pct;		/* --limit PCT%, 0: none */
	uint64_t down_to;		/* --down-to SIZE: Rss to come down to */
	bool down_to_set;
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

/* Parse argv; exits with PMADV_EXIT_USAGE on bad usage. */
void options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

#endif
