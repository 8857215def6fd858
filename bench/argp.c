/* bench/argp: what parsing pmadv's arguments with glibc argp (a fixed
 * choice of the project) costs a program that does nothing else. The table
 * has as many rows as pmadv's (46: groups, the options pmadv's bench runs
 * use, the rest with arguments and docs); the parser accepts -p, -a, --anon,
 * --all and -q and keeps nothing. Without arguments it skips argp: the start
 * of any C program, the baseline the parser is measured against.
 *
 *   argp -p PID -a cold --anon --all -q     argp_parse, then exit 0 (1 if
 *                                           it refused an argument)
 *   argp                                    exit 0 */
#include <argp.h>
#include <stdlib.h>

#define X(n) { "opt" #n, 1000 + (n), "ARG", 0, "an option pmadv has", 2 },

static const struct argp_option table[] = {
	{ NULL, 0, NULL, 0, "Targets:", 1 },
	{ "pid", 'p', "PID", 0, "target process", 1 },
	{ "advice", 'a', "ADVICE", 0, "the advice", 1 },
	{ "anon", 2001, NULL, 0, "anonymous mappings", 1 },
	{ "all", 2002, NULL, 0, "every mapping selected", 1 },
	{ "quiet", 'q', NULL, 0, "no output", 1 },
	{ NULL, 0, NULL, 0, "Others:", 2 },
	X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10)
	X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20)
	X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30)
	X(31) X(32) X(33) X(34) X(35) X(36) X(37) X(38)
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *st)
{
	(void)st;
	switch (key) {
	case 'p':
		return strtol(arg, NULL, 10) > 0 ? 0 : EINVAL;
	case 'a': case 'q': case 2001: case 2002:
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { table, parse, NULL, NULL, NULL, NULL, NULL };

	/* a refused argument fails the run, as timeit counts it */
	return argc > 1 && argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, NULL);
}
