/* The help text argp prints after the options, and stderr held while argp
 * parses. See options_help.h. */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/lib.h"

const char options_doc[] =
	"Give memory advice to another process through process_madvise(2)."
	"\v"
	"Examples:\n"
	"  pmadv -p 1234 -a pageout -m '[heap]'\n"
	"  pmadv -N '^worker$' -a cold --all --anon -f cgroup\n"
	"  pmadv -p 1234 -l\n"
	"  pmadv -p 1234 -a willneed -m libfoo.so -n -v\n"
	"  pmadv -p 1234 -a pageout --all --anon --limit 30% -J | jq .advised\n"
	"  pmadv -p 1234 -a pageout --all --anon --down-to 2G -n\n"
	"\n"
	"Exit status: 0 all selected memory advised; 1 failure (nothing advised, "
	"or a fatal error); 2 invalid usage or input; 3 partial (some advised, "
	"some failed, or some targets failed; unlike pgrep, where 3 is a "
	"fatal error).";

/* --help ends with the output columns, taken from the column table. */
char *options_help_filter(int key, const char *text, void *input)
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

void options_release_stderr(void)
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

void options_hold_stderr(void)
{
	held.mem = open_memstream(&held.buf, &held.len);
	if (!held.mem)
		return;		/* unescaped, but said */
	held.real = stderr;
	stderr = held.mem;
	atexit(options_release_stderr);
}

