/* argp option table and checks. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "pmadv.h"
#include "size.h"

const char *argp_program_version = "pmadv " PMADV_VERSION;
const char *argp_program_bug_address = NULL;

enum {
	OPT_PIDFD = 256,
	OPT_ALL,
	OPT_ANON,
	OPT_FILE,
	OPT_PRIVATE,
	OPT_SHARED,
	OPT_FREEZE_TIMEOUT,
};

static const struct argp_option table[] = {
	{ NULL, 0, NULL, 0, "Target:", 1 },
	{ "pid", 'p', "PID", 0, "target process (also /proc/PID); repeats, and takes comma lists", 1 },
	{ "pidfd", OPT_PIDFD, "FD", 0, "target given as a pidfd inherited from the caller", 1 },
	{ NULL, 0, NULL, 0, "Advice:", 2 },
	{ "advice", 'a', "ADVICE", 0, "cold, pageout, willneed or collapse (case-insensitive, MADV_ prefix optional)", 2 },
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
	{ NULL, 0, NULL, 0, "Freezing (so the address space cannot change under pmadv):", 5 },
	{ "freeze", 'f', "MODE", 0, "none (default), stop, cgroup, or cgroup:PATH", 5 },
	{ "freeze-timeout", OPT_FREEZE_TIMEOUT, "TIME", 0, "how long to wait for the freeze (default 5s; 500ms, 2s...)", 5 },
	{ NULL, 0, NULL, 0, "Output:", 6 },
	{ "dry-run", 'n', NULL, 0, "show what would be advised; advise nothing", 6 },
	{ "json", 'J', NULL, 0, "one JSON document on stdout", 6 },
	{ "verbose", 'v', NULL, 0, "one line per range, exact sizes", 6 },
	{ "quiet", 'q', NULL, 0, "errors only", 6 },
	{ NULL, 0, NULL, 0, "Informational:", -1 },
	{ 0 }
};

static const char doc[] =
	"Give memory advice to another process through process_madvise(2)."
	"\v"
	"Examples:\n"
	"  pmadv -p 1234 -a pageout -m '[heap]'\n"
	"  pmadv -p 1234 -a cold --all --anon -f cgroup\n"
	"  pmadv -p 1234 -a willneed -m libfoo.so -n -v\n"
	"  pmadv -p 1234 -a pageout -r 0x7f0000000000+64M -J | jq .advised\n"
	"\n"
	"Exit status: 0 all selected memory advised; 1 failure (nothing advised, "
	"or a fatal error); 2 invalid usage or input; 3 partial (some advised, "
	"some failed).";

static void add_target(struct argp_state *st, struct options *o, bool is_pidfd,
		       int value)
{
	struct target_spec *v = realloc(o->targets, (o->ntargets + 1) * sizeof(*v));

	if (!v)
		argp_failure(st, PMADV_EXIT_FAIL, ENOMEM, "options");
	o->targets = v;
	v[o->ntargets++] = (struct target_spec){ is_pidfd, value };
}

static int parse_int(const char *s, long max, long *out)
{
	uint64_t v;

	if (number_parse(s, &v) || v > (uint64_t)max)
		return -1;
	*out = (long)v;
	return 0;
}

static void parse_pids(struct argp_state *st, struct options *o, char *arg)
{
	char *save = NULL;

	for (char *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *s = tok;
		long pid = 0;

		if (!strncmp(s, "/proc/", 6))
			s += 6;
		/* PIDs are at most 2^22 (pid_max) */
		if (parse_int(s, 4194304, &pid) || pid < 1)
			argp_error(st, "invalid PID '%s': expected a positive number or /proc/PID", tok);
		if (pid == getpid())
			argp_error(st, "PID %ld is pmadv itself", pid);
		add_target(st, o, false, (int)pid);
	}
}

static void *grow(struct argp_state *st, void *v, size_t n, size_t size)
{
	void *p = realloc(v, (n + 1) * size);

	if (!p)
		argp_failure(st, PMADV_EXIT_FAIL, ENOMEM, "options");
	return p;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct options *o = st->input;
	struct selection *sel = &o->sel;
	char err[256];
	const char *why;
	long v = 0;

	switch (key) {
	case 'p':
		parse_pids(st, o, arg);
		break;
	case OPT_PIDFD:
		if (parse_int(arg, 1 << 30, &v))
			argp_error(st, "invalid --pidfd '%s': expected a file descriptor number", arg);
		add_target(st, o, true, (int)v);
		break;
	case 'a':
		o->advice = advice_lookup(arg);
		if (!o->advice)
			argp_error(st, "unknown advice '%s' (use %s)", arg, advice_remote_list());
		if (!o->advice->remote)
			argp_error(st, "advice '%s' is not allowed on another process "
				   "(process_madvise takes only %s)", arg, advice_remote_list());
		break;
	case 'r':
		sel->ranges = grow(st, sel->ranges, sel->nranges, sizeof(*sel->ranges));
		sel->range_src = grow(st, sel->range_src, sel->nranges, sizeof(*sel->range_src));
		if (range_parse(arg, (uint64_t)sysconf(_SC_PAGESIZE), &sel->ranges[sel->nranges], &why))
			argp_error(st, "invalid range '%s': %s", arg, why);
		sel->range_src[sel->nranges++] = arg;
		break;
	case 'm':
		if (!*arg)
			argp_error(st, "empty mapping name (hint: anonymous mappings: --anon, or -e '^$')");
		sel->names = grow(st, sel->names, sel->nnames, sizeof(*sel->names));
		sel->names[sel->nnames++] = arg;
		break;
	case 'e':
		if (select_add_regex(sel, arg, err, sizeof(err)))
			argp_error(st, "invalid regex '%s': %s", arg, err);
		break;
	case OPT_ALL:
		sel->all = true;
		break;
	case OPT_ANON:
		sel->filters |= SEL_ANON;
		break;
	case OPT_FILE:
		sel->filters |= SEL_FILE;
		break;
	case OPT_PRIVATE:
		sel->filters |= SEL_PRIVATE;
		break;
	case OPT_SHARED:
		sel->filters |= SEL_SHARED;
		break;
	case 'f':
		if (freeze_parse_mode(arg, &o->freeze))
			argp_error(st, "invalid freeze mode '%s' (use none, stop, cgroup or cgroup:PATH)", arg);
		break;
	case OPT_FREEZE_TIMEOUT: {
		unsigned int ms;
		if (duration_parse_ms(arg, &ms) || ms == 0)
			argp_error(st, "invalid --freeze-timeout '%s' (e.g. 500ms, 2s)", arg);
		o->freeze.timeout_ms = ms;
		break;
	}
	case 'n':
		o->dry_run = true;
		break;
	case 'J':
		o->json = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument '%s' (options only; see -r, -m, -e)", arg);
		break;
	case ARGP_KEY_END:
		if (!o->ntargets)
			argp_error(st, "no target: give -p PID or --pidfd FD");
		if (!o->advice)
			argp_error(st, "no advice: give -a cold|pageout|willneed|collapse");
		if (selection_empty(sel))
			argp_error(st, "nothing selected: give -r, -m, -e or --all");
		if (o->quiet && o->verbose)
			argp_error(st, "--quiet and --verbose exclude each other");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void options_parse(int argc, char **argv, struct options *o)
{
	static const struct argp argp = { table, parse_opt, NULL, doc, NULL, NULL, NULL };

	memset(o, 0, sizeof(*o));
	o->freeze.mode = FREEZE_NONE;
	o->freeze.timeout_ms = 5000;
	argp_err_exit_status = PMADV_EXIT_USAGE;
	argp_parse(&argp, argc, argv, 0, NULL, o);
}

void options_free(struct options *o)
{
	selection_free(&o->sel);
	free(o->targets);
	memset(o, 0, sizeof(*o));
}
