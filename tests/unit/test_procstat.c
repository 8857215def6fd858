/* Unit tests: procstat_parse, the one parser of /proc/PID/stat, on real
 * lines and on command names that hold ')' and spaces
 * (fixtures/proc.stat, one line per case, in the order checked here). */
#include "check.h"
#include "proc/proc.h"

static const char *fixtures = "tests/fixtures";

static void ok(const char *line, char state, unsigned long flags,
	       unsigned long long start)
{
	struct procstat ps = { 0 };

	CHECK_NOTE("procstat_parse(\"%.40s...\")", line);
	CHECK_INT(procstat_parse(line, &ps), 0);
	CHECK_INT(ps.state, state);
	CHECK_U64(ps.flags, flags);
	CHECK_U64(ps.start_time, start);
}

static void bad(const char *line)
{
	struct procstat ps;

	CHECK_NOTE("procstat_parse(\"%s\")", line);
	CHECK_INT(procstat_parse(line, &ps), -1);
}

int main(int argc, char **argv)
{
	char *text, *line, *save = NULL;
	size_t len;

	if (argc > 1)
		fixtures = argv[1];
	text = check_read_fixture(fixtures, "proc.stat", &len);
	line = strtok_r(text, "\n", &save);
	ok(line, 'R', 4194304, 104876);		/* a real cat */
	{	/* the fault counts the comeback guard reads (fields 10, 12) */
		struct procstat ps = { 0 };

		CHECK_INT(procstat_parse(line, &ps), 0);
		CHECK_U64(ps.minflt, 126);
		CHECK_U64(ps.majflt, 0);
		CHECK_INT(ps.ppid, 1939);	/* field 4: -f stop's parent watch */
	}
	line = strtok_r(NULL, "\n", &save);
	ok(line, 'S', 2129984, 12);		/* kthreadd */
	CHECK(2129984 & PF_KTHREAD);
	line = strtok_r(NULL, "\n", &save);
	ok(line, 't', 4194560, 987654321);	/* comm "a) b (c) T" */
	{	/* the parent counted from the last ')', as the rest */
		struct procstat ps = { 0 };

		CHECK_INT(procstat_parse(line, &ps), 0);
		CHECK_INT(ps.ppid, 1);
	}
	line = strtok_r(NULL, "\n", &save);
	ok(line, 'Z', 4227084, 55);		/* comm "(( ))" */
	line = strtok_r(NULL, "\n", &save);
	bad(line);				/* cut before field 22 */
	line = strtok_r(NULL, "\n", &save);
	bad(line);				/* no comm at all */
	bad("");
	bad("1 (x)");
	free(text);
	return check_done();
}
