/* What options.c hands argp besides the option table: the text after the
 * options (examples, exit status, the output columns), and the holding of
 * stderr while argp and getopt parse (they write raw text to it). Private
 * to options.c. */
#ifndef PMADV_OPTIONS_HELP_H
#define PMADV_OPTIONS_HELP_H

/* The argp doc string: one line, then (after \v) what --help ends with. */
extern const char options_doc[];

/* argp's help_filter: --help ends with the output columns, from the column
 * table (columns.c), so the list can never drift from the code. */
char *options_help_filter(int key, const char *text, void *input);

/* stderr becomes a buffer until options_release_stderr, which writes it to
 * the real stderr escaped line by line; also called at exit (argp_error
 * exits). */
void options_hold_stderr(void);
void options_release_stderr(void);

#endif
