/* argp option table and checks. Everything that can be checked without a
 * target is checked here, so bad input never costs a freeze. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "options.h"
#include "pmadv.h"
#include "regex_guard.h"
#include "report.h"
#include "size.h"

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
	OPT_MAX_FREEZE,
};

static const struct argp_option table[] = {
	{ NULL, 0, NULL, 0, "Targets (each gets its own result):", 1 },
	{ "pid", 'p', "PID", 0, "target process (also /proc/PID); repeats, and takes comma lists", 1 },
	{ "pidfd", OPT_PIDFD, "FD", 0, "target given as a pidfd inherited from the caller", 1 },
	{ "name", 'N', "PATTERN", 0, "processes whose command name matches this regex, like pgrep", 1 },
	{ "full", OPT_FULL, NULL, 0, "-N matches the full command line", 1 },
	{ "cgroup", 'c', "PATH", 0, "every process of this cgroup (v2 or v1; a directory or a path as /proc/PID/cgroup shows it)", 1 },
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
	{ "limit", OPT_LIMIT, "SIZE|PCT%", 0, "advise at most SIZE bytes, or PCT% of the target's Rss, most resident mappings first", 4 },
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
	{ "output", 'o', "COLS", 0, "table columns, comma separated; +COLS adds to the defaults", 6 },
	{ "output-all", OPT_OUTPUT_ALL, NULL, 0, "every column", 6 },
	{ "bytes", 'b', NULL, 0, "sizes in bytes, not human units", 6 },
	{ "raw", OPT_RAW, NULL, 0, "raw table: columns separated by one space", 6 },
	{ "noheadings", OPT_NOHEADINGS, NULL, 0, "no table header", 6 },
	{ NULL, 0, NULL, 0, "Informational:", -1 },
	{ "help", 'h', NULL, 0, "give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "give a short usage message", -1 },
	{ "version", 'V', NULL, 0, "print program version", -1 },
	{ 0 }
};

static const char doc[] =
	"Give memory advice to another process through process_madvise(2)."
	"\v"
	"Examples:\n"
	"  pmadv -p 1234 -a pageout -m '[heap]'\n"
	"  pmadv -N '^worker$' -a cold --all --anon -f cgroup\n"
	"  pmadv -p 1234 -l\n"
	"  pmadv -p 1234 -a willneed -m libfoo.so -n -v\n"
	"  pmadv -p 1234 -a pageout --all --anon --limit 30% -J | jq .advised\n"
	"\n"
	"Exit status: 0 all selected memory advised; 1 failure (nothing advised, "
	"or a fatal error); 2 invalid usage or input; 3 partial (some advised, "
	"some failed, or some targets failed).";

/* --help ends with the output columns, taken from the column table. */
static char *help_filter(int key, const char *text, void *input)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC || !text)
		return (char *)text;
	f = open_memstream(&s, &len);
	if (!f)
		return (char *)text;
	fprintf(f, "%s\n\nAvailable output columns (-o):\n", text);
	for (int c = 0; c < COL_COUNT; c++)
		fprintf(f, "  %-11s %s\n", column_info(c)->name, column_info(c)->help);
	fputs("Default -v columns:", f);
	for (size_t i = 0; i < columns_range_ndefault; i++)
		fprintf(f, "%s%s", i ? "," : " ", column_info(columns_range_default[i])->name);
	fputs("\nDefault -l columns:", f);
	for (size_t i = 0; i < columns_list_ndefault; i++)
		fprintf(f, "%s%s", i ? "," : " ", column_info(columns_list_default[i])->name);
	fputc('\n', f);
	fclose(f);
	return s;
}

/* An argument as shown in a message: escaped, since operators paste text
 * with control characters too. Static rings: argp_error exits at once. */
#define SHOWN_MAX 200

static const char *shown(const char *s)
{
	static char ring[4][SHOWN_MAX + 1];
	static int k;
	char *e = escape_str(s, ESCAPE_TERMINAL);

	k = (k + 1) % 4;
	/* a message stays one readable line: long text is cut, and says so */
	if (e && strlen(e) > SHOWN_MAX)
		snprintf(ring[k], sizeof(ring[k]), "%.*s...", SHOWN_MAX - 3, e);
	else
		snprintf(ring[k], sizeof(ring[k]), "%s", e ? e : "?");
	free(e);
	return ring[k];
}

static void *grow(struct argp_state *st, void *v, size_t n, size_t size)
{
	void *p = realloc(v, (n + 1) * size);

	if (!p)
		argp_failure(st, PMADV_EXIT_FAIL, ENOMEM, "options");
	return p;
}

static void add_target(struct argp_state *st, struct options *o, bool is_pidfd,
		       int value)
{
	o->targets = grow(st, o->targets, o->ntargets, sizeof(*o->targets));
	o->targets[o->ntargets++] = (struct target_spec){ is_pidfd, value };
}

static int parse_int(const char *s, long max, long *out)
{
	uint64_t v;

	if (number_parse(s, &v, NULL) || v > (uint64_t)max)
		return -1;
	*out = (long)v;
	return 0;
}

static void parse_pids(struct argp_state *st, struct options *o, char *arg)
{
	for (char *tok = arg, *next; tok; tok = next) {
		const char *s = tok;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		long pid = 0;

		if (!strncmp(s, "/proc/", 6))
			s += 6;
		/* decimal only: "0x10" is no one's way of writing a PID */
		if (s[strspn(s, "0123456789")])
			argp_error(st, "invalid PID '%s': expected a positive number or /proc/PID", shown(tok));
		/* PIDs are at most 2^22 (PID_MAX_LIMIT) */
		if (parse_int(s, 4194304, &pid) || pid < 1)
			argp_error(st, "invalid PID '%s': expected a positive number or /proc/PID", shown(tok));
		if (pid == getpid())
			argp_error(st, "PID %ld is pmadv itself", pid);
		add_target(st, o, false, (int)pid);
	}
}

static void parse_limit(struct argp_state *st, struct options *o, const char *arg)
{
	size_t len = strlen(arg);
	uint64_t v;

	if (len > 1 && arg[len - 1] == '%') {
		char buf[32];
		if (len - 1 >= sizeof(buf))
			argp_error(st, "invalid --limit '%s'", shown(arg));
		memcpy(buf, arg, len - 1);
		buf[len - 1] = '\0';
		if (number_parse(buf, &v, NULL) || v == 0 || v > 100)
			argp_error(st, "invalid --limit '%s': a percentage from 1%% to 100%%", shown(arg));
		o->limit_pct = (unsigned int)v;
	} else {
		if (size_parse(arg, &v, NULL) || v == 0)
			argp_error(st, "invalid --limit '%s': a size (4096, 64M, 1.5G) "
				   "or a percentage (30%%)", shown(arg));
		o->limit_bytes = v;
	}
}

static void check_end(struct argp_state *st, struct options *o)
{
	struct err ce;

	if (o->recover) {
		if (o->ntargets || o->nnames || o->ncgroups || o->advice ||
		    o->list || !selection_empty(&o->sel))
			argp_error(st, "--recover takes no target, advice or selection");
		return;
	}
	if (!o->ntargets && !o->nnames && !o->ncgroups)
		argp_error(st, "no target: give -p PID, --pidfd FD, -N NAME or -c CGROUP");
	if (!o->advice && !o->list)
		argp_error(st, "no advice: give -a cold|pageout|willneed|collapse (or -l to list)");
	if (selection_empty(&o->sel) && !o->list)
		argp_error(st, "nothing selected: give -r, -m, -e or --all");
	if (o->quiet && o->verbose)
		argp_error(st, "--quiet and --verbose exclude each other");
	if (o->list && o->dry_run)
		argp_error(st, "--list and --dry-run exclude each other (--list advises nothing)");
	if (o->full && !o->nnames)
		argp_error(st, "--full goes with -N");
	if (o->freeze.mode == FREEZE_CGROUP && o->freeze.cgroup && o->ncgroups)
		argp_error(st, "--freeze=cgroup:PATH and -c exclude each other "
			   "(with -c, --freeze=cgroup freezes that cgroup once)");
	if (o->output_all) {
		for (int c = 0; c < COL_COUNT; c++)
			o->columns[o->ncolumns++] = (enum col_id)c;
	} else if (o->output_arg) {
		const enum col_id *def = o->list ? columns_list_default : columns_range_default;
		size_t ndef = o->list ? columns_list_ndefault : columns_range_ndefault;
		int n = columns_parse(o->output_arg, def, ndef, o->columns,
				      sizeof(o->columns) / sizeof(o->columns[0]),
				      &ce);
		if (n < 0)
			argp_error(st, "%s (--help lists them)", shown(ce.msg));
		o->ncolumns = (size_t)n;
	} else {
		const enum col_id *def = o->list ? columns_list_default : columns_range_default;
		size_t ndef = o->list ? columns_list_ndefault : columns_range_ndefault;
		/* several targets share one table format: say whose rows */
		if (o->ntargets + o->nnames + o->ncgroups > 1 || o->nnames || o->ncgroups)
			o->columns[o->ncolumns++] = COL_PID;
		for (size_t i = 0; i < ndef; i++)
			o->columns[o->ncolumns++] = def[i];
	}
}

static void add_name_regex(struct argp_state *st, struct options *o, const char *arg)
{
	struct selection tmp = { .regexes = o->names, .nregexes = o->nnames };
	struct err e;

	if (regex_guard(arg, &e) || select_add_regex(&tmp, arg, &e))
		argp_error(st, "invalid -N pattern '%s': %s", shown(arg), e.msg);
	o->names = tmp.regexes;
	o->nnames = tmp.nregexes;
}

static void add_range(struct argp_state *st, struct selection *sel, const char *arg)
{
	struct err e;

	sel->ranges = grow(st, sel->ranges, sel->nranges, sizeof(*sel->ranges));
	sel->range_src = grow(st, sel->range_src, sel->nranges, sizeof(*sel->range_src));
	if (range_parse(arg, (uint64_t)sysconf(_SC_PAGESIZE), &sel->ranges[sel->nranges], &e))
		argp_error(st, "invalid range '%s': %s", shown(arg), e.msg);
	sel->range_src[sel->nranges++] = arg;
}

static void set_advice(struct argp_state *st, struct options *o, const char *arg)
{
	o->advice = advice_lookup(arg);
	if (!o->advice)
		argp_error(st, "unknown advice '%s' (use %s)", shown(arg), advice_remote_list());
	if (!o->advice->remote)
		argp_error(st, "advice '%s' is not allowed on another process "
			   "(process_madvise takes only %s)", shown(arg), advice_remote_list());
}

static void set_freeze_timeout(struct argp_state *st, struct options *o, const char *arg)
{
	unsigned int ms;

	if (duration_parse_ms(arg, &ms, NULL) || ms == 0)
		argp_error(st, "invalid --freeze-timeout '%s' (e.g. 500ms, 2s)", shown(arg));
	o->freeze.timeout_ms = ms;
}

static void set_max_freeze(struct argp_state *st, struct options *o, const char *arg)
{
	unsigned int ms;

	if (duration_parse_ms(arg, &ms, NULL))
		argp_error(st, "invalid --max-freeze '%s' (e.g. 100ms, 1s; 0 for one window)",
			   shown(arg));
	o->freeze.max_freeze_ms = ms;
}

static void add_cgroup(struct argp_state *st, struct options *o, const char *arg)
{
	if (!*arg)
		argp_error(st, "empty cgroup path");
	o->cgroups = grow(st, o->cgroups, o->ncgroups, sizeof(*o->cgroups));
	o->cgroups[o->ncgroups++] = arg;
}

static void add_mapping(struct argp_state *st, struct selection *sel, const char *arg)
{
	if (!*arg)
		argp_error(st, "empty mapping name (hint: anonymous mappings: --anon, or -e '^$')");
	sel->names = grow(st, sel->names, sel->nnames, sizeof(*sel->names));
	sel->names[sel->nnames++] = arg;
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
	struct err e;
	long v = 0;

	switch (key) {
	case 'p':		parse_pids(st, o, arg); break;
	case OPT_PIDFD:
		if (parse_int(arg, 1 << 30, &v))
			argp_error(st, "invalid --pidfd '%s': expected a file descriptor number", shown(arg));
		add_target(st, o, true, (int)v);
		break;
	case 'N':		add_name_regex(st, o, arg); break;
	case OPT_FULL:		o->full = true; break;
	case 'c':		add_cgroup(st, o, arg); break;
	case 'a':		set_advice(st, o, arg); break;
	case 'l':		o->list = true; break;
	case 'r':		add_range(st, sel, arg); break;
	case 'm':		add_mapping(st, sel, arg); break;
	case 'e':
		if (regex_guard(arg, &e) || select_add_regex(sel, arg, &e))
			argp_error(st, "invalid regex '%s': %s", shown(arg), e.msg);
		break;
	case OPT_ALL:		sel->all = true; break;
	case OPT_ANON:		sel->filters |= SEL_ANON; break;
	case OPT_FILE:		sel->filters |= SEL_FILE; break;
	case OPT_PRIVATE:	sel->filters |= SEL_PRIVATE; break;
	case OPT_SHARED:	sel->filters |= SEL_SHARED; break;
	case OPT_LIMIT:		parse_limit(st, o, arg); break;
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

/* argp and getopt write their messages to stderr themselves, echoing the
 * operator's text raw (an unknown option may hold a terminal escape) and
 * naming the program as invoked. While they parse, stderr is a buffer;
 * it reaches the real stderr escaped line by line, when parsing is done
 * or at exit (argp_error exits). */
static struct {
	FILE *real, *mem;
	char *buf;
	size_t len;
} held;

static void release_stderr(void)
{
	char *line, *save = NULL;

	if (!held.real)
		return;
	fclose(held.mem);
	stderr = held.real;
	held.real = NULL;
	for (line = held.buf ? strtok_r(held.buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *e = escape_str(line, ESCAPE_TERMINAL);

		fprintf(stderr, "%s\n", e ? e : "?");
		free(e);
	}
	free(held.buf);
	held.buf = NULL;
}

static void hold_stderr(void)
{
	held.mem = open_memstream(&held.buf, &held.len);
	if (!held.mem)
		return;		/* unescaped, but said */
	held.real = stderr;
	stderr = held.mem;
	atexit(release_stderr);
}

void options_parse(int argc, char **argv, struct options *o)
{
	static const struct argp argp = { table, parse_opt, NULL, doc, NULL,
					  help_filter, NULL };

	const char *delay = getenv("PMADV_TEST_DELAY_MS");
	const char *source = getenv("PMADV_MAPS_SOURCE");
	const char *chunk = getenv("PMADV_TEST_CHUNK_BYTES");

	memset(o, 0, sizeof(*o));
	o->freeze.mode = FREEZE_NONE;
	o->freeze.timeout_ms = FREEZE_TIMEOUT_MS_DEFAULT;
	o->freeze.max_freeze_ms = FREEZE_MAX_MS_DEFAULT;
	o->test_chunk_bytes = chunk ? strtoull(chunk, NULL, 10) : 0;
	o->test_delay_ms = delay ? (unsigned int)strtoul(delay, NULL, 10) : 0;
	o->maps_query = source && !strcmp(source, "query");
	argp_err_exit_status = PMADV_EXIT_USAGE;
	/* --help and --version exit from inside argp: check their writes */
	atexit(report_close_stdout);
	/* getopt names the program by argv[0]: as util-linux does, by the
	 * short name */
	if (argc > 0)
		argv[0] = program_invocation_short_name;
	hold_stderr();
	argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, o);
	release_stderr();
}

void options_free(struct options *o)
{
	struct selection names = { .regexes = o->names, .nregexes = o->nnames };

	selection_free(&o->sel);
	selection_free(&names);
	free(o->targets);
	free(o->cgroups);
	memset(o, 0, sizeof(*o));
}
