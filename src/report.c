/* Output. Tables go through libsmartcols. The -J document of an advice run
 * is written here by hand: it is one object with totals and nested arrays,
 * a shape libsmartcols' table JSON cannot produce; every string in it goes
 * through escape.c, so it is valid JSON whatever bytes a target chose. */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "escape.h"
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

/* ---- JSON document ---- */

static void json_str(FILE *f, const char *s)
{
	char *e = escape_str(s ? s : "", ESCAPE_JSON);

	fprintf(f, "\"%s\"", e ? e : "");
	free(e);
}

static void json_str_or_null(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\"%s\":", key);
	if (s)
		json_str(f, s);
	else
		fputs("null", f);
}

static void json_num_or_null(FILE *f, const char *key, bool valid, uint64_t v)
{
	if (valid)
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void json_row(FILE *f, const struct result_row *row, bool first,
		     bool with_stats)
{
	fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\"",
		first ? "" : ",", row->start, row->end);
	if (row->kind == ROW_SKIPPED) {
		json_str_or_null(f, "name", row->name);
		json_str_or_null(f, "reason", row->reason);
		fputc('}', f);
		return;
	}
	fprintf(f, ",\"size\":%" PRIu64 ",\"advised\":%" PRIu64
		",\"perms\":\"%s\",\"class\":\"%s\"", row->end - row->start,
		row->advised, row->perms, row->class_name);
	json_str_or_null(f, "name", row->name);
	if (with_stats) {
		json_num_or_null(f, "rss", row->before.valid, row->before.rss);
		json_num_or_null(f, "rss_after", row->after.valid, row->after.rss);
	}
	json_str_or_null(f, "error", row->error);
	fputc('}', f);
}

static void json_rows(FILE *f, const struct target_result *r, enum row_kind kind,
		      bool with_stats)
{
	bool first = true;

	for (size_t i = 0; i < r->nrows; i++) {
		if (r->rows[i].kind != kind)
			continue;
		json_row(f, &r->rows[i], first, with_stats);
		first = false;
	}
}

static void json_freeze(FILE *f, const struct window_info *w)
{
	const bool froze = w && strcmp(w->mode, "none");

	fprintf(f, ",\"freeze\":\"%s\",\"frozen_ms\":%.3f,\"frozen_processes\":%u"
		",\"frozen_already\":%s", w ? w->mode : "none",
		w ? w->frozen_ms : 0.0, w ? w->processes : 0,
		w && w->already ? "true" : "false");
	json_str_or_null(f, "frozen_cgroup", w ? w->cgroup : NULL);
	if (froze)
		fprintf(f, ",\"freeze_id\":%d", w->id);
	else
		fputs(",\"freeze_id\":null", f);
}

static void json_target(struct report *rp, const struct target_result *r)
{
	FILE *f = rp->targets;
	const bool with_stats = rp->o->verbose;

	/* a target never found (-N matching nothing) has no PID */
	if (r->pid > 0)
		fprintf(f, "%s{\"pid\":%d", rp->ntargets ? "," : "", r->pid);
	else
		fprintf(f, "%s{\"pid\":null", rp->ntargets ? "," : "");
	json_str_or_null(f, "comm", r->comm ? r->comm : "");
	fprintf(f, ",\"requested\":%" PRIu64 ",\"advised\":%" PRIu64
		",\"failed\":%" PRIu64, r->requested, r->advised, r->failed);
	json_str_or_null(f, "error", r->error);
	fputs(",\"warnings\":[", f);
	for (size_t i = 0; i < r->nwarnings; i++) {
		if (i)
			fputc(',', f);
		json_str(f, r->warnings[i]);
	}
	fputc(']', f);
	json_freeze(f, r->window);
	json_num_or_null(f, "rss_before", r->before.valid, r->before.rss);
	json_num_or_null(f, "rss_after", r->after.valid, r->after.rss);
	json_num_or_null(f, "swap_before", r->before.valid, r->before.swap);
	json_num_or_null(f, "swap_after", r->after.valid, r->after.swap);
	json_num_or_null(f, "anon_huge_before", r->before.valid, r->before.anon_huge);
	json_num_or_null(f, "anon_huge_after", r->after.valid, r->after.anon_huge);
	fputs(",\"ranges\":[", f);
	json_rows(f, r, ROW_RANGE, with_stats);
	fputs("],\"skipped\":[", f);
	json_rows(f, r, ROW_SKIPPED, with_stats);
	fputs("]}", f);
}

static void json_window(struct report *rp, const struct window_info *w)
{
	FILE *f = rp->freezes;

	fprintf(f, "%s{\"id\":%d,\"mode\":\"%s\",\"frozen_ms\":%.3f,"
		"\"frozen_processes\":%u,\"frozen_already\":%s",
		rp->nfreezes ? "," : "", w->id, w->mode, w->frozen_ms,
		w->processes, w->already ? "true" : "false");
	json_str_or_null(f, "cgroup", w->cgroup);
	fputs(",\"targets\":[", f);
	for (size_t i = 0; i < w->npids; i++)
		fprintf(f, "%s%d", i ? "," : "", w->pids[i]);
	fputs("]}", f);
	rp->nfreezes++;
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

		/* target-controlled text: libsmartcols escapes what is not
		 * printable in tables and JSON-escapes with -J, but passes
		 * invalid UTF-8 through: make it text first */
		if (o->json && v && (o->columns[c] == COL_COMM || o->columns[c] == COL_NAME))
			scols_line_refer_data(ln, c, escape_str(v, ESCAPE_UTF8));
		else if (v && (*v || !o->json))
			scols_line_set_data(ln, c, v);
	}
}

static void print_table(struct report *rp)
{
	if (!rp->table)
		return;
	scols_print_table(rp->table);
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
	printf("; %s %.1f ms by %s", w->already ? "already frozen," : "frozen",
	       w->frozen_ms, w->mode);
	if (w->cgroup) {
		char *cg = escape_str(w->cgroup, ESCAPE_TERMINAL);
		printf(" %s", cg ? cg : "?");
		free(cg);
	}
	if (w->processes > 1)
		printf(" (%u processes)", w->processes);
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
		json_target(rp, r);
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
		json_window(rp, w);
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
