/* argp option table and checks. Everything that can be checked without a
 * target is checked here, so bad input never costs a freeze. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "cli/cli.h"
#include "report/report.h"

const char *argp_program_version = "pmadv " PMADV_VERSION;

enum {
	OPT_PIDFD = 256,
	OPT_ALL,
	OPT_ANON,
	OPT_FILE,
	OPT_PRIVATE,
	OPT_SHARED,
	OPT_FREEZE_TIMEOUT,
	OPT_FULL,
	OPT_LIMIT,
	OPT_OUTPUT_ALL,
	OPT_RAW,
	OPT_NOHEADINGS,
	OPT_USAGE,
	OPT_RECOVER,
	OPT_DOWN_TO,
	OPT_SORT,
	OPT_MAX_FREEZE,
};

static const struct argp_option table[] = {
	{ NULL, 0, NULL, 0, "Targets (each gets its own result):", 1 },
	{ "pid", 'p', "PID", 0, "target process (also /proc/PID); repeats, and takes comma lists", 1 },
	{ "pidfd", OPT_PIDFD, "FD", 0, "target given as a pidfd inherited from the caller", 1 },
	{ "name", 'N', "PATTERN", 0, "processes whose command name matches this regex, like pgrep", 1 },
	{ "full", OPT_FULL, NULL, 0, "-N matches the full command line", 1 },
	{ "cgroup", 'c', "PATH", 0, "every process of this cgroup (v2 or v1; a directory or a path as /proc/PID/cgroup shows it)", 1 },
	{ "unit", 'u', "UNIT", 0, "every process of this systemd unit (NAME or NAME.service, .scope, .slice), found in cgroupfs", 1 },
	{ NULL, 0, NULL, 0, "Advice:", 2 },
	{ "advice", 'a', "ADVICE", 0, "cold, pageout, willneed or collapse (case-insensitive, MADV_ prefix optional)", 2 },
	{ "list", 'l', NULL, 0, "list the target's mappings with size, Rss, class and the advice each can take; advise nothing", 2 },
	{ NULL, 0, NULL, 0, "Selection (at least one; -r, -m, -e repeat and are united):", 3 },
	{ "range", 'r', "RANGE", 0, "START-END or START+LENGTH; hex (0x..) or decimal, K M G T suffixes; page-aligned outward, clipped to mappings", 3 },
	{ "mapping", 'm', "NAME", 0, "mappings whose pathname, or its last component, is NAME: [heap], [stack], libc.so.6, /usr/bin/foo", 3 },
	{ "regex", 'e', "ERE", 0, "mappings whose pathname matches this POSIX extended regex (anonymous: empty name)", 3 },
	{ "all", OPT_ALL, NULL, 0, "every mapping", 3 },
	{ NULL, 0, NULL, 0, "Filters (narrow the selection):", 4 },
	{ "anon", OPT_ANON, NULL, 0, "anonymous memory only (heap, stack, MAP_ANONYMOUS, shared anon)", 4 },
	{ "file", OPT_FILE, NULL, 0, "file-backed mappings only", 4 },
	{ "private", OPT_PRIVATE, NULL, 0, "private mappings only", 4 },
	{ "shared", OPT_SHARED, NULL, 0, "shared mappings only", 4 },
	{ "limit", OPT_LIMIT, "SIZE|PCT%", 0, "advise at most SIZE resident bytes, or PCT% of the target's Rss: pages in memory (for pageout: mapped by the target alone), most resident mappings first", 4 },
	{ "down-to", OPT_DOWN_TO, "SIZE", 0, "advise resident pages until the target's Rss would be SIZE (as --limit with Rss - SIZE)", 4 },
	{ NULL, 0, NULL, 0, "Freezing (so the address space cannot change under pmadv):", 5 },
	{ "freeze", 'f', "MODE", 0, "none (default), stop, cgroup, or cgroup:PATH", 5 },
	{ "freeze-timeout", OPT_FREEZE_TIMEOUT, "TIME", 0, "how long to wait for the freeze (default 5s; 500ms, 2s...)", 5 },
	{ "max-freeze", OPT_MAX_FREEZE, "TIME", 0, "longest one freeze may last (default 100ms): longer work is done in several windows, the target running in between; 0: one window for the whole run", 5 },
	{ "recover", OPT_RECOVER, NULL, 0, "thaw what a pmadv that is gone left frozen (after a reboot, or pmadv killed with its cgroup); no target", 5 },
	{ NULL, 0, NULL, 0, "Output:", 6 },
	{ "dry-run", 'n', NULL, 0, "show what would be advised; advise nothing", 6 },
	{ "json", 'J', NULL, 0, "one JSON document on stdout", 6 },
	{ "verbose", 'v', NULL, 0, "a table of every range, exact byte counts", 6 },
	{ "quiet", 'q', NULL, 0, "errors only", 6 },
	{ "output", 'o', "COLS", 0, "print the table with these columns, comma separated; +COLS adds to the defaults", 6 },
	{ "output-all", OPT_OUTPUT_ALL, NULL, 0, "print the table with every column", 6 },
	{ "bytes", 'b', NULL, 0, "sizes in bytes, not human units", 6 },
	{ "raw", OPT_RAW, NULL, 0, "raw table: columns separated by one space; table rows only on stdout", 6 },
	{ "noheadings", OPT_NOHEADINGS, NULL, 0, "no table header; table rows only on stdout", 6 },
	{ "sort", OPT_SORT, "COLUMN", 0, "sort table rows by COLUMN (numbers largest first)", 6 },
	{ NULL, 0, NULL, 0, "Informational:", -1 },
	{ "help", 'h', NULL, 0, "give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "give a short usage message", -1 },
	{ "version", 'V', NULL, 0, "print program version", -1 },
	{ 0 }
};

/* The table's columns: -o, --output-all, or the defaults. */
static void set_columns(struct argp_state *st, struct options *o)
{
	const enum col_id *def = o->list ? columns_list_default : columns_range_default;
	size_t ndef = o->list ? columns_list_ndefault : columns_range_ndefault;
	struct err ce;

	if (o->output_all) {
		for (int c = 0; c < COL_COUNT; c++)
			o->columns[o->ncolumns++] = (enum col_id)c;
	} else if (o->output_arg) {
		int n = columns_parse(o->output_arg, def, ndef, o->columns,
				      sizeof(o->columns) / sizeof(o->columns[0]),
				      &ce);
		if (n < 0)
			argp_error(st, "%s (--help lists them)", shown(ce.msg));
		o->ncolumns = (size_t)n;
	} else {
		/* several targets share one table format: say whose rows */
		if (o->ntargets + o->nnames + o->ncgroups + o->nunits > 1 ||
		    o->nnames || o->ncgroups || o->nunits)
			o->columns[o->ncolumns++] = COL_PID;
		for (size_t i = 0; i < ndef; i++) {
			o->columns[o->ncolumns++] = def[i];
			/* what pageout can free, next to what is resident */
			if (def[i] == COL_RESIDENT && o->advice &&
			    o->advice->value == ADVICE_PAGEOUT)
				o->columns[o->ncolumns++] = COL_RECLAIMABLE;
		}
	}
}

/* Asking for columns or a table format asks for the table: an -o that
 * printed nothing but the summary was silently ignored. */
static void set_table(struct argp_state *st, struct options *o)
{
	o->rows_only = o->raw || o->noheadings;
	o->table = o->verbose || o->output_arg || o->output_all || o->rows_only;
	if (o->quiet && o->table && !o->json && !o->list)
		argp_error(st, "--quiet excludes the table (-v, -o, --output-all, "
			   "--raw, --noheadings)");
}

static void check_end(struct argp_state *st, struct options *o)
{
	if (o->recover) {
		if (o->ntargets || o->nnames || o->ncgroups || o->nunits ||
		    o->advice || o->list || !selection_empty(&o->sel))
			argp_error(st, "--recover takes no target, advice or selection");
		return;
	}
	if (!o->ntargets && !o->nnames && !o->ncgroups && !o->nunits)
		argp_error(st, "no target: give -p PID, --pidfd FD, -N NAME, -c CGROUP or -u UNIT");
	if (!o->advice && !o->list)
		argp_error(st, "no advice: give -a cold|pageout|willneed|collapse (or -l to list)");
	if (selection_empty(&o->sel) && !o->list)
		argp_error(st, "nothing selected: give -r, -m, -e or --all");
	if ((o->limit_bytes || o->limit_pct) && o->down_to_set)
		argp_error(st, "--limit and --down-to exclude each other");
	if (o->quiet && o->verbose)
		argp_error(st, "--quiet and --verbose exclude each other");
	if (o->list && o->dry_run)
		argp_error(st, "--list and --dry-run exclude each other (--list advises nothing)");
	if (o->full && !o->nnames)
		argp_error(st, "--full goes with -N");
	if (o->freeze.mode == FREEZE_CGROUP && o->freeze.cgroup && (o->ncgroups || o->nunits))
		argp_error(st, "--freeze=cgroup:PATH and -c or -u exclude each other "
			   "(with -c or -u, --freeze=cgroup freezes that cgroup once)");
	/* a warning, not an error: runbooks that pass it everywhere ran */
	if (o->max_freeze_set && o->freeze.mode == FREEZE_NONE && !o->list)
		msg_warn("--max-freeze has no effect without --freeze (-f stop or "
			 "-f cgroup); without a freeze each call is kept short anyway");
	set_table(st, o);
	set_columns(st, o);
}

static void version(struct argp_state *st)
{
	(void)st;
	printf("%s\n", argp_program_version);
	exit(0);	/* write errors: close_stdout, at exit */
}

/* Targets, advice and selection. */
static error_t parse_what(int key, char *arg, struct argp_state *st)
{
	struct options *o = st->input;
	struct selection *sel = &o->sel;

	switch (key) {
	case 'p':		parse_pids(st, o, arg); break;
	case OPT_PIDFD:		add_pidfd(st, o, arg); break;
	case 'N':		add_name_regex(st, o, arg); break;
	case OPT_FULL:		o->full = true; break;
	case 'c':		add_cgroup(st, o, arg); break;
	case 'u':		add_unit(st, o, arg); break;
	case 'a':		set_advice(st, o, arg); break;
	case 'l':		o->list = true; break;
	case 'r':		add_range(st, sel, arg); break;
	case 'm':		add_mapping(st, sel, arg); break;
	case 'e':		add_regex(st, sel, arg); break;
	case OPT_ALL:		sel->all = true; break;
	case OPT_ANON:		sel->filters |= SEL_ANON; break;
	case OPT_FILE:		sel->filters |= SEL_FILE; break;
	case OPT_PRIVATE:	sel->filters |= SEL_PRIVATE; break;
	case OPT_SHARED:	sel->filters |= SEL_SHARED; break;
	case OPT_LIMIT:		parse_limit(st, o, arg); break;
	case OPT_DOWN_TO:	set_down_to(st, o, arg); break;
	default:		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Freezing, output, help and the checks at the end. */
static error_t parse_how(int key, char *arg, struct argp_state *st)
{
	struct options *o = st->input;

	switch (key) {
	case 'f':
		if (freeze_parse_mode(arg, &o->freeze))
			argp_error(st, "invalid freeze mode '%s' (use none, stop, cgroup or cgroup:PATH)", shown(arg));
		break;
	case OPT_FREEZE_TIMEOUT: set_freeze_timeout(st, o, arg); break;
	case OPT_MAX_FREEZE:	set_max_freeze(st, o, arg); break;
	case OPT_RECOVER:	o->recover = true; break;
	case 'n':		o->dry_run = true; break;
	case 'J':		o->json = true; break;
	case 'v':		o->verbose = true; break;
	case 'q':		o->quiet = true; break;
	case 'o':		o->output_arg = arg; break;
	case OPT_OUTPUT_ALL:	o->output_all = true; break;
	case 'b':		o->bytes = true; break;
	case OPT_RAW:		o->raw = true; break;
	case OPT_NOHEADINGS:	o->noheadings = true; break;
	case OPT_SORT:		set_sort(st, o, arg); break;
	/* argp's own help is -?; util-linux tools answer -h (ARGP_NO_HELP) */
	case 'h':		argp_state_help(st, stdout, ARGP_HELP_STD_HELP); break;
	case OPT_USAGE:		argp_state_help(st, stdout, ARGP_HELP_USAGE | ARGP_HELP_EXIT_OK); break;
	case 'V':		version(st); break;
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument '%s' (options only; see -r, -m, -e)", shown(arg));
		break;
	case ARGP_KEY_END:	check_end(st, o); break;
	default:		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	error_t rc = parse_what(key, arg, st);

	return rc == ARGP_ERR_UNKNOWN ? parse_how(key, arg, st) : rc;
}

void options_parse(int argc, char **argv, struct options *o)
{
	static const struct argp argp = { table, parse_opt, NULL, options_doc,
					  NULL, options_help_filter, NULL };

	memset(o, 0, sizeof(*o));
	o->freeze.mode = FREEZE_NONE;
	o->sort_col = -1;
	o->freeze.timeout_ms = FREEZE_TIMEOUT_MS_DEFAULT;
	o->freeze.max_freeze_ms = FREEZE_MAX_MS_DEFAULT;
#ifdef PMADV_TEST_HOOKS
	/* Test knobs: compiled only into the build the tests use (make's
	 * pmadv-test, -DPMADV_TEST_HOOKS). No environment variable changes
	 * what an installed pmadv does: there these fields stay 0. */
	{
		const char *delay = getenv("PMADV_TEST_DELAY_MS");
		const char *source = getenv("PMADV_MAPS_SOURCE");
		const char *chunk = getenv("PMADV_TEST_CHUNK_BYTES");

		o->test_chunk_bytes = chunk ? strtoull(chunk, NULL, 10) : 0;
		o->test_delay_ms = delay ? (unsigned int)strtoul(delay, NULL, 10) : 0;
		o->maps_query = source && !strcmp(source, "query");
	}
#endif
	argp_err_exit_status = PMADV_EXIT_USAGE;
	/* --help and --version exit from inside argp: check their writes */
	atexit(report_close_stdout);
	/* getopt names the program by argv[0]: as util-linux does, by the
	 * short name */
	if (argc > 0)
		argv[0] = program_invocation_short_name;
	options_hold_stderr();
	argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, o);
	options_release_stderr();
#ifdef PMADV_TEST_HOOKS
	/* a window held open on purpose is not a window to end at the
	 * default bound (the guardian keeps it): the hold plus a second,
	 * unless the test set a bound itself */
	if (o->test_delay_ms && !o->max_freeze_set && o->freeze.max_freeze_ms)
		o->freeze.max_freeze_ms = o->test_delay_ms + 1000;
#endif
}

void options_free(struct options *o)
{
	struct selection names = { .regexes = o->names, .nregexes = o->nnames };

	selection_free(&o->sel);
	selection_free(&names);
	free(o->targets);
	free(o->cgroups);
	free(o->units);
	memset(o, 0, sizeof(*o));
}
