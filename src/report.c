/* Output: human summaries, tables through libsmartcols (-v, -l, and -l -J),
 * and the -J document of an advice run (report_json.c). */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "escape.h"
#include "msg.h"
#include "pmadv.h"
#include "report_json.h"
#include "report.h"
#include "size.h"

struct report {
	const struct options *o;
	FILE *targets;			/* JSON: the targets array so far */
	char *targets_buf;
	size_t targets_len;
	FILE *freezes;			/* JSON: the freezes array so far */
	char *freezes_buf;
	size_t freezes_len;
	size_t ntargets, nfreezes;
	uint64_t requested, advised, failed;
	struct libscols_table *table;	/* -v / -l: one for all targets */
};

static const char *advice_name(const struct report *rp)
{
	return rp->o->advice ? rp->o->advice->name : "";
}

/* ---- tables ---- */

static void fmt_size(const struct report *rp, uint64_t v, char *buf, size_t len)
{
	if (rp->o->bytes || rp->o->json)	/* JSON numbers are bytes */
		snprintf(buf, len, "%" PRIu64, v);
	else
		size_format(v, buf, len);
}

static struct libscols_table *new_table(const struct options *o)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	/* cells come escaped (escape.c), as everything printed: encoding
	 * them again would show a backslash as \x5c. --raw keeps its own
	 * encoding (blanks as \x20 too), which scripts decode. */
	scols_table_enable_noencoding(tb, !o->json && !o->raw);
	if (o->json && o->list) {
		scols_table_enable_json(tb, 1);
		scols_table_set_name(tb, "mappings");
	}
	for (size_t c = 0; c < o->ncolumns; c++) {
		const struct column_info *ci = column_info(o->columns[c]);
		struct libscols_column *cl;

		/* long names are cut on a terminal, so -l stays readable */
		cl = scols_table_new_column(tb, ci->name, 0, ci->number ? SCOLS_FL_RIGHT :
					    o->columns[c] == COL_NAME ? SCOLS_FL_TRUNC : 0);
		/* libsmartcols writes JSON keys in lower case itself */
		if (cl && o->json)
			scols_column_set_json_type(cl, ci->number ? SCOLS_JSON_NUMBER :
						   SCOLS_JSON_STRING);
	}
	return tb;
}

/* The text of one cell; NULL prints nothing. May use buf. */
static const char *cell(const struct report *rp, enum col_id c,
			const struct target_result *r, const struct result_row *row,
			char *buf, size_t len)
{
	switch (c) {
	case COL_PID:
		snprintf(buf, len, "%d", r->pid);
		return buf;
	case COL_COMM:
		return r->comm;
	case COL_START:
		snprintf(buf, len, "0x%" PRIx64, row->start);
		return buf;
	case COL_END:
		snprintf(buf, len, "0x%" PRIx64, row->end);
		return buf;
	case COL_SIZE:
		fmt_size(rp, row->end - row->start, buf, len);
		return buf;
	case COL_ADVISED:
		if (!row->advised_known)
			return NULL;
		fmt_size(rp, row->advised, buf, len);
		return buf;
	case COL_RSS:
	case COL_SWAP:
		if (!row->before.valid)
			return NULL;
		fmt_size(rp, c == COL_RSS ? row->before.rss : row->before.swap, buf, len);
		return buf;
	case COL_RSS_AFTER:
	case COL_SWAP_AFTER:
		if (!row->after.valid)
			return NULL;
		fmt_size(rp, c == COL_RSS_AFTER ? row->after.rss : row->after.swap, buf, len);
		return buf;
	case COL_PERMS:
		return row->perms;
	case COL_CLASS:
		return row->class_name;
	case COL_NAME:
		return row->name;
	case COL_ADVICE:
		return row->advice;
	case COL_ERROR:
		if (row->kind != ROW_SKIPPED)
			return row->error;
		snprintf(buf, len, "skipped: %s", row->reason);
		return buf;
	case COL_COUNT:
		break;
	}
	return NULL;
}

static enum escape_mode cell_escape(const struct options *o)
{
	return o->json ? ESCAPE_UTF8 : o->raw ? ESCAPE_BIDI : ESCAPE_TERMINAL;
}

static void add_row(struct report *rp, const struct target_result *r,
		    const struct result_row *row)
{
	struct libscols_line *ln = scols_table_new_line(rp->table, NULL);
	const struct options *o = rp->o;
	char buf[320];

	if (!ln)
		return;
	for (size_t c = 0; c < o->ncolumns; c++) {
		const char *v = cell(rp, o->columns[c], r, row, buf, sizeof(buf));

		/* target-controlled text, escaped as everywhere; in JSON
		 * libsmartcols escapes controls but passes invalid UTF-8,
		 * and DEL and bidi controls get their last pass in
		 * print_table */
		if (v && (o->columns[c] == COL_COMM || o->columns[c] == COL_NAME))
			scols_line_refer_data(ln, c, escape_str(v, cell_escape(o)));
		else if (v && (*v || !o->json))
			scols_line_set_data(ln, c, v);
	}
}

static void print_table(struct report *rp)
{
	char *doc = NULL, *e;

	if (!rp->table)
		return;
	if (!rp->o->json) {
		scols_print_table(rp->table);
	} else if (!scols_print_table_to_string(rp->table, &doc) && doc) {
		e = escape_str(doc, ESCAPE_JSON_DOC);
		fputs(e ? e : doc, stdout);
		free(e);
	}
	free(doc);
	scols_unref_table(rp->table);
	rp->table = NULL;
}

static void table_rows(struct report *rp, const struct target_result *r)
{
	if (!rp->table)
		rp->table = new_table(rp->o);
	for (size_t i = 0; rp->table && i < r->nrows; i++)
		add_row(rp, r, &r->rows[i]);
	if (!rp->o->json)	/* JSON: one document for all targets, at the end */
		print_table(rp);
}

/* ---- human summary ---- */

static void size_pair(const struct report *rp, uint64_t v, char *buf, size_t len)
{
	char h[32];

	size_format(v, h, sizeof(h));
	if (rp->o->verbose || rp->o->bytes)
		snprintf(buf, len, "%s (%" PRIu64 " bytes)", h, v);
	else
		snprintf(buf, len, "%s", h);
}

static void human_freeze(const struct window_info *w)
{
	if (!w || !strcmp(w->mode, "none"))
		return;
	printf("; %s %.1f ms", w->already ? "already frozen," : "frozen",
	       w->frozen_ms);
	if (w->windows > 1)
		printf(" in %u windows (longest %.1f ms)", w->windows,
		       w->max_window_ms);
	printf(" by %s", w->mode);
	if (w->cgroup) {
		char *cg = escape_str(w->cgroup, ESCAPE_TERMINAL);
		printf(" %s", cg ? cg : "?");
		free(cg);
	}
	if (w->processes > 1)
		printf(" (%u processes)", w->processes);
	if (w->broken && w->resumed)
		printf("; freeze broken: resumed by another program, not race-free");
	else if (w->broken)
		printf("; freeze broken: thawed after %.1f s without progress, "
		       "not race-free", w->stalled_ms / 1000.0);
}

static void human_effect(const struct report *rp, const struct target_result *r)
{
	char a[64], b[64];

	if (!r->before.valid || !r->after.valid)
		return;
	/* what the advice did, never confused with what was advised */
	fmt_size(rp, r->before.rss, a, sizeof(a));
	fmt_size(rp, r->after.rss, b, sizeof(b));
	printf("  Rss %s -> %s", a, b);
	fmt_size(rp, r->before.swap, a, sizeof(a));
	fmt_size(rp, r->after.swap, b, sizeof(b));
	printf(", Swap %s -> %s", a, b);
	fmt_size(rp, r->before.anon_huge, a, sizeof(a));
	fmt_size(rp, r->after.anon_huge, b, sizeof(b));
	printf(", AnonHugePages %s -> %s\n", a, b);
}

static void human_target(const struct report *rp, const struct target_result *r)
{
	char a[64], b[64];
	char *comm;

	if (r->error || (!r->nranges && !r->nskipped))
		return;		/* main said why on stderr */
	comm = escape_str(r->comm, ESCAPE_TERMINAL);
	size_pair(rp, r->requested, b, sizeof(b));
	if (rp->o->dry_run) {
		printf("%d (%s): %s: %s would be advised in %zu ranges (dry run)",
		       r->pid, comm ? comm : "?", advice_name(rp), b, r->nranges);
	} else {
		size_pair(rp, r->advised, a, sizeof(a));
		printf("%d (%s): %s: %s of %s advised in %zu ranges", r->pid,
		       comm ? comm : "?", advice_name(rp), a, b, r->nranges);
		if (r->failed) {
			size_pair(rp, r->failed, a, sizeof(a));
			printf(", %s failed", a);
		}
	}
	if (r->nskipped)
		printf(", %zu skipped%s", r->nskipped, rp->o->verbose ? "" : " (-v lists them)");
	human_freeze(r->window);
	putchar('\n');
	human_effect(rp, r);
	free(comm);
}

/* ---- entry points ---- */

struct report *report_new(const struct options *o)
{
	struct report *rp = calloc(1, sizeof(*rp));

	if (!rp)
		return NULL;
	rp->o = o;
	/* libsmartcols tells printable characters by the locale; loading it
	 * costs start-up time, so only when a table will be printed */
	if (o->verbose || o->list)
		setlocale(LC_ALL, "");
	if (o->json && o->list)	/* one document, even when every target fails */
		rp->table = new_table(o);
	if (o->json && !o->list) {
		rp->targets = open_memstream(&rp->targets_buf, &rp->targets_len);
		rp->freezes = open_memstream(&rp->freezes_buf, &rp->freezes_len);
		if (!rp->targets || !rp->freezes) {
			report_finish(rp);
			return NULL;
		}
	}
	return rp;
}

void report_target(struct report *rp, const struct target_result *r)
{
	rp->requested += r->requested;
	rp->advised += r->advised;
	rp->failed += r->failed;
	if (r->list) {
		if (!r->error)
			table_rows(rp, r);
	} else if (rp->o->json) {
		json_target(rp->targets, !rp->ntargets, r, rp->o->verbose);
	} else if (!rp->o->quiet) {
		if (rp->o->verbose && !r->error)
			table_rows(rp, r);
		human_target(rp, r);
	}
	rp->ntargets++;
}

void report_window(struct report *rp, const struct window_info *w)
{
	if (!strcmp(w->mode, "none") || !w->npids)
		return;
	if (rp->o->json && !rp->o->list) {
		json_window(rp->freezes, !rp->nfreezes++, w);
	} else if (!rp->o->quiet && !rp->o->json && w->npids > 1) {
		char *cg = w->cgroup ? escape_str(w->cgroup, ESCAPE_TERMINAL) : NULL;

		printf("one freeze (%s%s%s, %.1f ms) covered %zu targets:", w->mode,
		       cg ? " " : "", cg ? cg : "", w->frozen_ms, w->npids);
		for (size_t i = 0; i < w->npids; i++)
			printf("%s %d", i ? "," : "", w->pids[i]);
		putchar('\n');
		free(cg);
	}
}

static void close_json(struct report *rp)
{
	if (rp->targets)
		fclose(rp->targets);
	if (rp->freezes)
		fclose(rp->freezes);
	rp->targets = rp->freezes = NULL;
}

int report_finish(struct report *rp)
{
	print_table(rp);
	if (rp->targets && rp->freezes) {
		close_json(rp);
		printf("{\"advice\":\"%s\",\"dry_run\":%s,\"requested\":%" PRIu64
		       ",\"advised\":%" PRIu64 ",\"failed\":%" PRIu64
		       ",\"targets\":[%s],\"freezes\":[%s]}\n", advice_name(rp),
		       rp->o->dry_run ? "true" : "false", rp->requested, rp->advised,
		       rp->failed, rp->targets_buf ? rp->targets_buf : "",
		       rp->freezes_buf ? rp->freezes_buf : "");
	}
	close_json(rp);
	free(rp->targets_buf);
	free(rp->freezes_buf);
	free(rp);
	if (fflush(stdout) || ferror(stdout)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

void report_close_stdout(void)
{
	/* a reader that went away (| head) is not an error, as in util-linux */
	if ((fflush(stdout) || ferror(stdout)) && errno != EPIPE) {
		msg_warn("write error on standard output: %s",
			 errno ? strerror(errno) : "I/O error");
		_exit(PMADV_EXIT_FAIL);
	}
}
