/* argp option table and checks: bad input never costs a freeze. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "lib/lib.h"
#include "cli/cli.h"
#include "report/report.h"

/* -e and -N patterns are tried first: glibc's regcomp recurses per nesting
 * level (15,000 nested parentheses crash it) and nested counted repetitions
 * take minutes or gigabytes. So bounded length and depth, and a trial
 * compile in a child with CPU and memory limits. */
#define REGEX_MAX_LEN 4096	/* a path is at most PATH_MAX */
#define REGEX_MAX_DEPTH 100

#define TRY_CPU_S 1
#define TRY_WALL_MS 3000
#define TRY_MEM (1ULL << 30)

/* Deepest group nesting; escaped parentheses and those in brackets don't count. */
static unsigned int depth_of(const char *s)
{
	unsigned int depth = 0, max = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '[') {
			/* "[]...]" and "[^]...]": the first ] is literal */
			p += p[1] == '^' ? 2 : 1;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			if (!*p)
				break;
		} else if (*p == '(' && ++depth > max) {
			max = depth;
		} else if (*p == ')' && depth) {
			depth--;
		}
	}
	return max;
}

/* An AddressSanitizer build, as gcc and clang each say it. */
#if defined(__SANITIZE_ADDRESS__)
#define PMADV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PMADV_ASAN 1
#endif
#endif
#ifndef PMADV_ASAN
#define PMADV_ASAN 0
#endif

/* In the child: compile under limits; the exit status says how it went. */
static void try_compile(const char *src)
{
	struct rlimit cpu = { TRY_CPU_S, TRY_CPU_S + 1 };
	regex_t re;

	setrlimit(RLIMIT_CPU, &cpu);
#if !PMADV_ASAN	/* ASan reserves terabytes of address space */
	struct rlimit mem = { TRY_MEM, TRY_MEM };
	setrlimit(RLIMIT_AS, &mem);
#endif
	_exit(regcomp(&re, src, REG_EXTENDED | REG_NOSUB) == REG_ESPACE ? 3 : 0);
}

/* Wait for the child at most TRY_WALL_MS; kill it past that. */
static int reap(pid_t pid)
{
	int fd = sys_pidfd_open(pid, 0), status = 0;
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (fd >= 0 && poll(&pfd, 1, TRY_WALL_MS) == 0)
		kill(pid, SIGKILL);
	if (fd >= 0)
		close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int regex_guard(const char *src, struct err *e)
{
	size_t len = strlen(src);
	pid_t pid;
	int status;

	if (len > REGEX_MAX_LEN)
		return err_set(e, EINVAL, "too long (%zu bytes; at most %d)", len,
			       REGEX_MAX_LEN);
	if (depth_of(src) > REGEX_MAX_DEPTH)
		return err_set(e, EINVAL, "groups nested %u deep (at most %d)",
			       depth_of(src), REGEX_MAX_DEPTH);
	pid = fork();
	if (pid < 0)
		return 0;	/* cannot try: the length and depth bounds hold */
	if (pid == 0)
		try_compile(src);
	status = reap(pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return err_set(e, EINVAL, "too complex: compiling it takes more than %d s "
		       "of CPU or %llu MiB (simplify the repetitions)", TRY_CPU_S,
		       TRY_MEM >> 20);
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

/* Room for element n: capacity doubles at each power of two (no field for it). */
static void *grow(struct argp_state *st, void *v, size_t n, size_t size)
{
	void *p;

	if (n & (n - 1))
		return v;	/* n is not a power of two: room is left */
	p = realloc(v, (n ? 2 * n : 1) * size);
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

/* PIDs are at most 2^22 (PID_MAX_LIMIT): a larger number is a PID no
 * process can have, which is not what "expected a positive number" says. */
#define PID_LIMIT 4194304

static void parse_pids(struct argp_state *st, struct options *o, char *arg)
{
	size_t len = strlen(arg);

	/* "-p 123," names the list: an empty PID alone says nothing */
	if (!len || arg[0] == ',' || arg[len - 1] == ',' || strstr(arg, ",,"))
		argp_error(st, "invalid PID list '%s': an empty item (PIDs are "
			   "separated by single commas)", shown(arg));
	for (char *tok = arg, *next; tok; tok = next) {
		const char *s = tok;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		long pid = 0;

		if (!strncmp(s, "/proc/", 6))
			s += 6;
		/* decimal, not all zeros: "0x10" is no one's way of writing a PID */
		if (!s[strspn(s, "0")] || s[strspn(s, "0123456789")])
			argp_error(st, "invalid PID '%s': expected a positive number or /proc/PID", shown(tok));
		if (parse_int(s, PID_LIMIT, &pid))
			argp_error(st, "invalid PID '%s': no process can have it "
				   "(PIDs go up to %d)", shown(tok), PID_LIMIT);
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
		snprintf(buf, sizeof(buf), "%.*s", (int)(len - 1), arg);
		if (number_parse(buf, &v, NULL) || v == 0 || v > 100)
			argp_error(st, "invalid --limit '%s': a percentage from 1%% to 100%%", shown(arg));
		o->limit_pct = (unsigned int)v;
	} else {
		struct err e = { 0 };
		int bad = size_parse(arg, &v, &e);

		if (bad && e.code == ERANGE)
			argp_error(st, "invalid --limit '%s': %s", shown(arg), e.msg);
		if (bad)
			argp_error(st, "invalid --limit '%s': a size (4096, 64M, 1.5G) "
				   "or a percentage (30%%)", shown(arg));
		if (v == 0)
			argp_error(st, "invalid --limit '%s': zero bytes would advise "
				   "nothing (for a look, -n)", shown(arg));
		o->limit_bytes = v;
	}
}

/* -N and -e: an empty pattern (an unset shell variable) would match
 * every process or mapping: refused, saying so (empty). */
static void add_regex(struct argp_state *st, struct selection *sel,
		      const char *arg, const char *what, const char *empty)
{
	struct err e;

	if (!*arg)
		argp_error(st, "%s", empty);
	if (regex_guard(arg, &e) || select_add_regex(sel, arg, &e))
		argp_error(st, "invalid %s '%s': %s", what, shown(arg), e.msg);
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

static const struct advice *remote_advice(struct argp_state *st, const char *arg)
{
	const struct advice *a = advice_lookup(arg);

	if (!a)
		argp_error(st, "unknown advice '%s' (use %s)", shown(arg), advice_remote_list());
	if (!a->remote)
		argp_error(st, "advice '%s' is not allowed on another process "
			   "(process_madvise takes only %s)", shown(arg), advice_remote_list());
	return a;
}

/* -a is the first pair's advice (given again, the last one, as ever). */
static void set_advice(struct argp_state *st, struct options *o, const char *arg)
{
	const struct advice *a = remote_advice(st, arg);

	if (o->nmore)
		argp_error(st, "-a after --then: give each further advice with "
			   "--then ADVICE");
	o->advice = a;
}

/* --then starts a new pair: the selection options after it are its own. */
static void add_then(struct argp_state *st, struct options *o, const char *arg)
{
	const struct advice *a = remote_advice(st, arg);

	if (!o->advice)
		argp_error(st, "--then needs -a first: -a ADVICE SELECTION --then "
			   "ADVICE SELECTION");
	o->more = grow(st, o->more, o->nmore, sizeof(*o->more));
	o->more[o->nmore++] = (struct advice_pair){ .advice = a };
}

bool options_gives(const struct options *o, int v)
{
	if (o->advice && o->advice->value == v)
		return true;
	for (size_t k = 0; k < o->nmore; k++)
		if (o->more[k].advice->value == v)
			return true;
	return false;
}

bool pair_first(const struct options *o, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (o->pairs[j].advice == o->pairs[k].advice)
			return false;
	return true;
}

/* Several pairs must each select something, with nothing that takes one
 * advice only; then o->pairs and advice_names. */
static void check_pairs(struct argp_state *st, struct options *o)
{
	size_t n = 0;

	if (!o->advice || o->list || o->recover)
		return;
	if (o->nmore) {
		if (selection_empty(&o->sel))
			argp_error(st, "-a %s selects nothing: give -r, -m, -e or "
				   "--all before the first --then (each --then "
				   "starts a new advice with its own selection)",
				   o->advice->name);
		for (size_t k = 0; k < o->nmore; k++)
			if (selection_empty(&o->more[k].sel))
				argp_error(st, "--then %s (advice %zu) selects "
					   "nothing: give -r, -m, -e or --all after "
					   "it (each --then starts a new advice with "
					   "its own selection)",
					   o->more[k].advice->name, k + 2);
		if (o->limit_bytes || o->limit_pct || o->down_to_set || o->as_group)
			argp_error(st, "--limit, --down-to and --as-group take one "
				   "advice: no --then");
	}
	o->pairs = malloc((o->nmore + 1) * sizeof(*o->pairs));
	if (!o->pairs)
		argp_failure(st, PMADV_EXIT_FAIL, ENOMEM, "options");
	o->pairs[0] = (struct pair_sel){ &o->sel, o->advice };
	for (size_t k = 0; k < o->nmore; k++)
		o->pairs[k + 1] = (struct pair_sel){ &o->more[k].sel, o->more[k].advice };
	o->npairs = o->nmore + 1;
	for (size_t k = 0; k < o->npairs; k++)
		if (pair_first(o, k))
			n += (size_t)snprintf(o->advice_names + n,
					      sizeof(o->advice_names) - n, "%s%s",
					      n ? "+" : "", o->pairs[k].advice->name);
}

static void set_freeze_timeout(struct argp_state *st, struct options *o, const char *arg)
{
	unsigned int ms;
	struct err e;

	if (duration_parse_ms(arg, &ms, &e))
		argp_error(st, "invalid --freeze-timeout '%s': %s (e.g. 500ms, 2s)",
			   shown(arg), e.msg);
	if (ms == 0)
		argp_error(st, "invalid --freeze-timeout '%s': must be more than 0 "
			   "(e.g. 500ms, 2s)", shown(arg));
	o->freeze.timeout_ms = ms;
}

/* -c, -u, -m: arg onto a list; an empty one is refused, saying empty. */
static void add_name(struct argp_state *st, const char ***v, size_t *n,
		     const char *arg, const char *empty)
{
	if (!*arg)
		argp_error(st, "%s", empty);
	*v = grow(st, *v, *n, sizeof(**v));
	(*v)[(*n)++] = arg;
}

static void add_unit(struct argp_state *st, struct options *o, const char *arg)
{
	/* a unit name is one cgroup directory's name, never a path */
	if (strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, ".."))
		argp_error(st, "invalid unit '%s': a unit name such as foo.service, "
			   "not a path (-c takes cgroup paths)", shown(arg));
	add_name(st, &o->units, &o->nunits, arg, "empty unit name");
}

static void set_sort(struct argp_state *st, struct options *o, const char *arg)
{
	enum col_id c;
	struct err e;

	if (columns_parse(arg, NULL, 0, &c, 1, &e) != 1 || strchr(arg, ','))
		argp_error(st, "invalid --sort '%s': one column (--help lists them)", shown(arg));
	o->sort_col = (int)c;
}

static void add_pidfd(struct argp_state *st, struct options *o, const char *arg)
{
	long v = 0;

	if (parse_int(arg, 1 << 30, &v))
		argp_error(st, "invalid --pidfd '%s': expected a file descriptor number", shown(arg));
	add_target(st, o, true, (int)v);
}

static void set_comeback(struct argp_state *st, struct options *o, const char *arg)
{
	size_t len = strlen(arg);
	char buf[32];
	uint64_t v;

	o->comeback_set = true;
	if (!strcmp(arg, "off")) {
		o->comeback_off = true;
		return;
	}
	/* "25" and "25%" alike */
	if (len && arg[len - 1] == '%')
		len--;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, arg);
	if (!len || len >= sizeof(buf) || number_parse(buf, &v, NULL) || v > 100)
		argp_error(st, "invalid --comeback '%s': a percentage from 0 to 100, or off",
			   shown(arg));
	o->comeback_off = false;
	o->comeback_pct = (unsigned int)v;
}

static void set_down_to(struct argp_state *st, struct options *o, const char *arg)
{
	if (size_parse(arg, &o->down_to, NULL))
		argp_error(st, "invalid --down-to '%s': a size (512M, 2G)", shown(arg));
	o->down_to_set = true;
}

static void set_max_freeze(struct argp_state *st, struct options *o, const char *arg)
{
	unsigned int ms;
	struct err e;

	if (duration_parse_ms(arg, &ms, &e))
		argp_error(st, "invalid --max-freeze '%s': %s (e.g. 100ms, 1s; 0 for one window)",
			   shown(arg), e.msg);
	o->freeze.max_freeze_ms = ms;
	o->max_freeze_set = true;
}

/* The help argp prints after the options; stderr held as it parses (cli.h). */
static const char options_doc[] =
	"Give memory advice to another process through process_madvise(2)."
	"\v"
	"Examples:\n"
	"  pmadv -p 1234 -a pageout -m '[heap]'\n"
	"  pmadv -N '^worker$' -a cold --all --anon -f cgroup\n"
	"  pmadv -p 1234 -l\n"
	"  pmadv -p 1234 -a willneed -m libfoo.so -n -v\n"
	"  pmadv -p 1234 -a pageout --all --anon --limit 30% -J | jq .advised\n"
	"  pmadv -p 1234 -a pageout --all --anon --down-to 2G -n\n"
	"  pmadv -p 1234 -f stop -a pageout --anon --all --then cold --file --all\n"
	"\n"
	"Exit status: 0 all selected memory advised; 1 failure (nothing advised, "
	"or a fatal error); 2 invalid usage or input; 3 partial (some advised, "
	"some failed, or some targets failed, or pageout's --comeback guard "
	"stopped: the service faulted back what was paged out; unlike pgrep, "
	"where 3 is a fatal error). --down-to/--limit: 0 goal met or already met (nothing "
	"to do), 3 some of the way (a warning says why), 1 nothing movable.";

/* --help ends with the advice and the output columns, from their tables. */
static char *options_help_filter(int key, const char *text, void *input)
{
	const struct advice *a;
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC || !text)
		return (char *)text;
	f = open_memstream(&s, &len);
	if (!f)
		return (char *)text;
	fprintf(f, "%s\n\nAvailable advice (-a):\n", text);
	for (size_t i = 0; (a = advice_remote(i)); i++)
		fprintf(f, "  %-11s %s\n", a->name, a->help);
	fputs("\nAvailable output columns (-o):\n", f);
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

/* argp and getopt write their messages to stderr, echoing the operator's
 * text raw (an unknown option may hold a terminal escape) and naming the
 * program as invoked. While they parse, stderr is a buffer that reaches the
 * real one escaped line by line, after parsing or at exit (argp_error exits). */
static struct {
	FILE *real, *mem;
	char *buf;
	size_t len;
} held;

static void options_release_stderr(void)
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

/* Only what an operator typed can make argp's text unsafe: all printable ASCII,
 * it is printed as is (holding costs page faults, a third of a short start-up). */
static bool args_plain(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		for (const unsigned char *c = (unsigned char *)argv[i]; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				return false;
	return true;
}

static void options_hold_stderr(int argc, char **argv)
{
	if (args_plain(argc, argv))
		return;
	held.mem = open_memstream(&held.buf, &held.len);
	if (!held.mem)
		return;		/* unescaped, but said */
	held.real = stderr;
	stderr = held.mem;
	atexit(options_release_stderr);
}

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
	OPT_AS_GROUP,
	OPT_COMEBACK,
	OPT_THEN,
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
	{ "advice", 'a', "ADVICE", 0, "the advice (below); case-insensitive, MADV_ prefix optional", 2 },
	{ "then", OPT_THEN, "ADVICE", 0, "one more advice, for the selection options after it: several advices in one run, in one sequence of windows; a range gets the first advice whose selection takes it", 2 },
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
	{ "comeback", OPT_COMEBACK, "PCT|off", 0, "pageout: a mapping whose paged-out pages come back (the target faults them in) beyond PCT% is hot: left alone, and the run goes on with memory that stays out; when nothing stays out, the run stops (exit 3). Each mapping's sample goes first (default 10%; off: no guard)", 4 },
	{ "as-group", OPT_AS_GROUP, NULL, 0, "--limit/--down-to apply to all the targets together (a -c/-u cgroup's memory.current where its memory controller is on, else their summed Pss), spread over them, most movable first", 4 },
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
		if (o->ntargets > 1 || o->by_name.nregexes || o->ncgroups ||
		    o->nunits)
			o->columns[o->ncolumns++] = COL_PID;
		for (size_t i = 0; i < ndef; i++) {
			o->columns[o->ncolumns++] = def[i];
			/* what pageout can free, next to what is resident */
			if (def[i] == COL_RESIDENT && options_gives(o, ADVICE_PAGEOUT))
				o->columns[o->ncolumns++] = COL_RECLAIMABLE;
			/* several advices: which one each range got */
			if (def[i] == COL_SIZE && o->npairs > 1)
				o->columns[o->ncolumns++] = COL_ADVICE;
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
		if (o->ntargets || o->by_name.nregexes || o->ncgroups ||
		    o->nunits || o->advice || o->list || !selection_empty(&o->sel))
			argp_error(st, "--recover takes no target, advice or selection");
		return;
	}
	if (o->nmore && o->list)
		argp_error(st, "--list takes one advice at most: no --then");
	if (!o->ntargets && !o->by_name.nregexes && !o->ncgroups && !o->nunits)
		argp_error(st, "no target: give -p PID, --pidfd FD, -N NAME, -c CGROUP or -u UNIT");
	if (!o->advice && !o->list)
		argp_error(st, "no advice: give -a ADVICE, one of %s (or -l to list)",
			   advice_remote_list());
	if (selection_empty(&o->sel) && !o->list && !o->nmore)
		argp_error(st, "nothing selected: give -r, -m, -e or --all");
	if ((o->limit_bytes || o->limit_pct) && o->down_to_set)
		argp_error(st, "--limit and --down-to exclude each other");
	if (o->as_group && !o->limit_bytes && !o->limit_pct && !o->down_to_set)
		argp_error(st, "--as-group needs a goal: --limit or --down-to");
	/* a threshold is about pages paged out: other advice has none
	 * (off is accepted anywhere: runbooks may pass it always) */
	if (o->comeback_set && !o->comeback_off &&
	    !options_gives(o, ADVICE_PAGEOUT))
		argp_error(st, "--comeback=PCT goes with -a pageout (or "
			   "--then pageout)");
	if (o->as_group && o->list)
		argp_error(st, "--as-group goes with advising, not --list");
	if (o->quiet && o->verbose)
		argp_error(st, "--quiet and --verbose exclude each other");
	if (o->list && o->dry_run)
		argp_error(st, "--list and --dry-run exclude each other (--list advises nothing)");
	if (o->full && !o->by_name.nregexes)
		argp_error(st, "--full goes with -N");
	if (o->freeze.mode == FREEZE_CGROUP && o->freeze.cgroup && (o->ncgroups || o->nunits))
		argp_error(st, "--freeze=cgroup:PATH and -c or -u exclude each other "
			   "(with -c or -u, --freeze=cgroup freezes that cgroup once)");
	/* a warning, not an error: runbooks that pass it everywhere ran */
	if (o->max_freeze_set && o->freeze.mode == FREEZE_NONE && !o->list)
		msg_warn("--max-freeze has no effect without --freeze (-f stop or "
			 "-f cgroup); without a freeze each call is kept short anyway");
	check_pairs(st, o);
	set_table(st, o);
	set_columns(st, o);
}

/* The modes named from freeze_mode_name: a new mode is listed here too. */
static void bad_freeze_mode(struct argp_state *st, const char *arg)
{
	char list[128] = "";
	size_t n = 0;

	for (enum freeze_mode m = FREEZE_NONE; m <= FREEZE_MODE_LAST &&
	     n < sizeof(list); m++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s, ",
				      freeze_mode_name(m));
	argp_error(st, "invalid freeze mode '%s' (use %scgroup:PATH)", shown(arg),
		   list);
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct options *o = st->input;
	/* selection options go to the pair the last --then started */
	struct selection *sel = o->nmore ? &o->more[o->nmore - 1].sel : &o->sel;

	switch (key) {
	case 'p':		parse_pids(st, o, arg); break;
	case OPT_PIDFD:		add_pidfd(st, o, arg); break;
	case 'N':
		add_regex(st, &o->by_name, arg, "-N pattern",
			  "empty -N pattern: it would match every process");
		break;
	case OPT_FULL:		o->full = true; break;
	case 'c':
		add_name(st, &o->cgroups, &o->ncgroups, arg, "empty cgroup path");
		break;
	case 'u':		add_unit(st, o, arg); break;
	case 'a':		set_advice(st, o, arg); break;
	case OPT_THEN:		add_then(st, o, arg); break;
	case 'l':		o->list = true; break;
	case 'r':		add_range(st, sel, arg); break;
	case 'm':
		add_name(st, &sel->names, &sel->nnames, arg, "empty mapping name "
			 "(hint: anonymous mappings: --anon, or -e '^$')");
		break;
	case 'e':
		add_regex(st, sel, arg, "regex", "empty regex: it would match "
			  "every mapping (every mapping: --all; anonymous "
			  "ones: -e '^$' or --anon)");
		break;
	case OPT_ALL:		sel->all = true; break;
	case OPT_ANON:		sel->filters |= SEL_ANON; break;
	case OPT_FILE:		sel->filters |= SEL_FILE; break;
	case OPT_PRIVATE:	sel->filters |= SEL_PRIVATE; break;
	case OPT_SHARED:	sel->filters |= SEL_SHARED; break;
	case OPT_LIMIT:		parse_limit(st, o, arg); break;
	case OPT_DOWN_TO:	set_down_to(st, o, arg); break;
	case OPT_AS_GROUP:	o->as_group = true; break;
	case OPT_COMEBACK:	set_comeback(st, o, arg); break;
	case 'f':
		if (freeze_parse_mode(arg, &o->freeze))
			bad_freeze_mode(st, arg);
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
	case 'V':		/* write errors: close_stdout, at exit */
		printf("%s\n", argp_program_version);
		exit(0);
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument '%s' (options only; see -r, -m, -e)", shown(arg));
		break;
	case ARGP_KEY_END:	check_end(st, o); break;
	default:		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void options_parse(int argc, char **argv, struct options *o)
{
	static const struct argp argp = { table, parse_opt, NULL, options_doc,
					  NULL, options_help_filter, NULL };

	*o = (struct options){ .freeze = { .mode = FREEZE_NONE,
				.timeout_ms = FREEZE_TIMEOUT_MS_DEFAULT,
				.max_freeze_ms = FREEZE_MAX_MS_DEFAULT },
			       .sort_col = -1, .comeback_pct = COMEBACK_PCT_DEFAULT };
#ifdef PMADV_TEST_HOOKS
	/* Test knobs (-DPMADV_TEST_HOOKS only): no environment variable
	 * changes what an installed pmadv does. */
	{
		const char *delay = getenv("PMADV_TEST_DELAY_MS");
		const char *source = getenv("PMADV_MAPS_SOURCE");
		const char *chunk = getenv("PMADV_TEST_CHUNK_BYTES");
		const char *ahead = getenv("PMADV_TEST_AHEAD_SIGNAL");

		o->test_chunk_bytes = chunk ? strtoull(chunk, NULL, 10) : 0;
		o->test_delay_ms = delay ? (unsigned int)strtoul(delay, NULL, 10) : 0;
		o->maps_query = source && !strcmp(source, "query");
		o->freeze.test_ahead_signal = ahead ? (pid_t)atoi(ahead) : 0;
	}
#endif
	argp_err_exit_status = PMADV_EXIT_USAGE;
	/* --help and --version exit from inside argp: check their writes */
	atexit(report_close_stdout);
	/* getopt names the program by argv[0]: the short name (util-linux) */
	if (argc > 0)
		argv[0] = program_invocation_short_name;
	options_hold_stderr(argc, argv);
	argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, o);
	options_release_stderr();
#ifdef PMADV_TEST_HOOKS
	/* a window held open on purpose must outlive the default bound (the
	 * guardian keeps it): the hold plus a second, unless the test set one */
	if (o->test_delay_ms && !o->max_freeze_set && o->freeze.max_freeze_ms)
		o->freeze.max_freeze_ms = o->test_delay_ms + 1000;
#endif
}

void options_free(struct options *o)
{
	selection_free(&o->sel);
	for (size_t k = 0; k < o->nmore; k++)
		selection_free(&o->more[k].sel);
	free(o->more);
	free(o->pairs);
	selection_free(&o->by_name);
	free(o->targets);
	free(o->cgroups);
	free(o->units);
	memset(o, 0, sizeof(*o));
}
