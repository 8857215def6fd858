/* One option's argument at a time. See options_arg.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "cli/cli.h"

/* An argument as shown in a message: escaped, since operators paste text
 * with control characters too. Static rings: argp_error exits at once. */
#define SHOWN_MAX 200

const char *shown(const char *s)
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

/* PIDs are at most 2^22 (PID_MAX_LIMIT): a larger number is a PID no
 * process can have, which is not what "expected a positive number" says. */
#define PID_LIMIT 4194304

void parse_pids(struct argp_state *st, struct options *o, char *arg)
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
		if (!*s || s[strspn(s, "0123456789")])
			argp_error(st, "invalid PID '%s': expected a positive number or /proc/PID", shown(tok));
		if (parse_int(s, PID_LIMIT, &pid))
			argp_error(st, "invalid PID '%s': no process can have it "
				   "(PIDs go up to %d)", shown(tok), PID_LIMIT);
		if (pid < 1)
			argp_error(st, "invalid PID '%s': expected a positive number or /proc/PID", shown(tok));
		if (pid == getpid())
			argp_error(st, "PID %ld is pmadv itself", pid);
		add_target(st, o, false, (int)pid);
	}
}

void parse_limit(struct argp_state *st, struct options *o, const char *arg)
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

void add_name_regex(struct argp_state *st, struct options *o, const char *arg)
{
	struct selection tmp = { .regexes = o->names, .nregexes = o->nnames };
	struct err e;

	/* an unset shell variable must not name every process */
	if (!*arg)
		argp_error(st, "empty -N pattern: it would match every process");
	if (regex_guard(arg, &e) || select_add_regex(&tmp, arg, &e))
		argp_error(st, "invalid -N pattern '%s': %s", shown(arg), e.msg);
	o->names = tmp.regexes;
	o->nnames = tmp.nregexes;
}

void add_range(struct argp_state *st, struct selection *sel, const char *arg)
{
	struct err e;

	sel->ranges = grow(st, sel->ranges, sel->nranges, sizeof(*sel->ranges));
	sel->range_src = grow(st, sel->range_src, sel->nranges, sizeof(*sel->range_src));
	if (range_parse(arg, (uint64_t)sysconf(_SC_PAGESIZE), &sel->ranges[sel->nranges], &e))
		argp_error(st, "invalid range '%s': %s", shown(arg), e.msg);
	sel->range_src[sel->nranges++] = arg;
}

void set_advice(struct argp_state *st, struct options *o, const char *arg)
{
	o->advice = advice_lookup(arg);
	if (!o->advice)
		argp_error(st, "unknown advice '%s' (use %s)", shown(arg), advice_remote_list());
	if (!o->advice->remote)
		argp_error(st, "advice '%s' is not allowed on another process "
			   "(process_madvise takes only %s)", shown(arg), advice_remote_list());
}

void set_freeze_timeout(struct argp_state *st, struct options *o, const char *arg)
{
	unsigned int ms;

	if (duration_parse_ms(arg, &ms, NULL) || ms == 0)
		argp_error(st, "invalid --freeze-timeout '%s' (e.g. 500ms, 2s)", shown(arg));
	o->freeze.timeout_ms = ms;
}

void add_cgroup(struct argp_state *st, struct options *o, const char *arg)
{
	if (!*arg)
		argp_error(st, "empty cgroup path");
	o->cgroups = grow(st, o->cgroups, o->ncgroups, sizeof(*o->cgroups));
	o->cgroups[o->ncgroups++] = arg;
}

void add_unit(struct argp_state *st, struct options *o, const char *arg)
{
	if (!*arg)
		argp_error(st, "empty unit name");
	/* a unit name is one cgroup directory's name, never a path */
	if (strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, ".."))
		argp_error(st, "invalid unit '%s': a unit name such as foo.service, "
			   "not a path (-c takes cgroup paths)", shown(arg));
	o->units = grow(st, o->units, o->nunits, sizeof(*o->units));
	o->units[o->nunits++] = arg;
}

void add_regex(struct argp_state *st, struct selection *sel, const char *arg)
{
	struct err e;

	/* -e "$PATTERN" with PATTERN unset would select every mapping */
	if (!*arg)
		argp_error(st, "empty regex: it would match every mapping (every "
			   "mapping: --all; anonymous ones: -e '^$' or --anon)");
	if (regex_guard(arg, &e) || select_add_regex(sel, arg, &e))
		argp_error(st, "invalid regex '%s': %s", shown(arg), e.msg);
}

void add_mapping(struct argp_state *st, struct selection *sel, const char *arg)
{
	if (!*arg)
		argp_error(st, "empty mapping name (hint: anonymous mappings: --anon, or -e '^$')");
	sel->names = grow(st, sel->names, sel->nnames, sizeof(*sel->names));
	sel->names[sel->nnames++] = arg;
}

void set_sort(struct argp_state *st, struct options *o, const char *arg)
{
	enum col_id c;
	struct err e;

	if (columns_parse(arg, NULL, 0, &c, 1, &e) != 1 || strchr(arg, ','))
		argp_error(st, "invalid --sort '%s': one column (--help lists them)", shown(arg));
	o->sort_col = (int)c;
}


void add_pidfd(struct argp_state *st, struct options *o, const char *arg)
{
	long v = 0;

	if (parse_int(arg, 1 << 30, &v))
		argp_error(st, "invalid --pidfd '%s': expected a file descriptor number", shown(arg));
	add_target(st, o, true, (int)v);
}

void set_down_to(struct argp_state *st, struct options *o, const char *arg)
{
	if (size_parse(arg, &o->down_to, NULL))
		argp_error(st, "invalid --down-to '%s': a size (512M, 2G)", shown(arg));
	o->down_to_set = true;
}

void set_max_freeze(struct argp_state *st, struct options *o, const char *arg)
{
	unsigned int ms;
	struct err e;

	if (duration_parse_ms(arg, &ms, &e))
		argp_error(st, "invalid --max-freeze '%s': %s (e.g. 100ms, 1s; 0 for one window)",
			   shown(arg), e.msg);
	o->freeze.max_freeze_ms = ms;
	o->max_freeze_set = true;
}
