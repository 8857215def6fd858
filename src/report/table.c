/* The tables of -v, -l and the table options (libsmartcols), -l -J
 * included. Private to report.c, the only writer of results. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libsmartcols.h>

#include "lib/lib.h"
#include "report/report.h"

void report_size(const struct options *o, uint64_t v, char *buf, size_t len)
{
	if (o->bytes || o->json)	/* JSON numbers are bytes */
		snprintf(buf, len, "%" PRIu64, v);
	else
		size_format(v, buf, len);
}

struct libscols_table *table_new(const struct options *o)
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
static const char *cell(const struct options *o, enum col_id c,
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
		report_size(o, row->end - row->start, buf, len);
		return buf;
	case COL_ADVISED:
		if (!row->advised_known)
			return NULL;
		report_size(o, row->advised, buf, len);
		return buf;
	case COL_RSS:
	case COL_SWAP:
		if (!row->before.valid)
			return NULL;
		report_size(o, c == COL_RSS ? row->before.rss : row->before.swap, buf, len);
		return buf;
	case COL_RSS_AFTER:
	case COL_SWAP_AFTER:
		if (!row->after.valid)
			return NULL;
		report_size(o, c == COL_RSS_AFTER ? row->after.rss : row->after.swap, buf, len);
		return buf;
	case COL_RESIDENT:
	case COL_RECLAIMABLE:
		if (!(c == COL_RESIDENT ? row->resident_known : row->reclaimable_known))
			return NULL;
		report_size(o, c == COL_RESIDENT ? row->resident : row->reclaimable, buf, len);
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

static void add_row(struct libscols_table *tb, const struct options *o,
		    const struct target_result *r, const struct result_row *row)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char buf[320];

	if (!ln)
		return;
	for (size_t c = 0; c < o->ncolumns; c++) {
		const char *v = cell(o, o->columns[c], r, row, buf, sizeof(buf));

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

/* libsmartcols indents its JSON; the -J document of an advice run is one
 * line. -l -J is made one line too, so both read the same way (a line per
 * document, for grep and line-oriented logs; jq reads either). In place:
 * blanks outside strings go. */
static void json_one_line(char *doc)
{
	bool in_str = false, esc = false;
	char *w = doc;

	for (const char *r = doc; *r; r++) {
		if (in_str) {
			if (esc)
				esc = false;
			else if (*r == '\\')
				esc = true;
			else if (*r == '"')
				in_str = false;
		} else if (*r == '"') {
			in_str = true;
		} else if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\r') {
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

void table_print(struct libscols_table *tb, const struct options *o)
{
	char *doc = NULL, *e;

	if (!tb)
		return;
	if (!o->json) {
		scols_print_table(tb);
	} else if (!scols_print_table_to_string(tb, &doc) && doc) {
		json_one_line(doc);
		e = escape_str(doc, ESCAPE_JSON_DOC);
		printf("%s\n", e ? e : doc);
		free(e);
	}
	free(doc);
	scols_unref_table(tb);
}

/* -l: the sums of the number columns that add up, labelled "total" in
 * the first text column. */
static void total_row(struct libscols_table *tb, const struct options *o,
		      const struct target_result *r)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	bool labelled = false;
	char buf[64];

	for (size_t c = 0; ln && c < o->ncolumns; c++) {
		uint64_t sum = 0;
		bool known = true;

		for (size_t i = 0; i < r->nrows; i++) {
			const struct result_row *w = &r->rows[i];
			switch (o->columns[c]) {
			case COL_SIZE:		sum += w->end - w->start; break;
			case COL_RSS:		sum += w->before.rss; known = w->before.valid; break;
			case COL_SWAP:		sum += w->before.swap; known = w->before.valid; break;
			case COL_RESIDENT:	sum += w->resident; known = w->resident_known; break;
			case COL_RECLAIMABLE:	sum += w->reclaimable; known = w->reclaimable_known; break;
			default:		known = false;
			}
		}
		if (known) {
			report_size(o, sum, buf, sizeof(buf));
			scols_line_set_data(ln, c, buf);
		} else if (!labelled && !column_info(o->columns[c])->number) {
			scols_line_set_data(ln, c, "total");
			labelled = true;
		}
	}
}

void table_add(struct libscols_table *tb, const struct options *o,
	       const struct target_result *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		add_row(tb, o, r, &r->rows[i]);
	if (r->list && !o->json && r->nrows)
		total_row(tb, o, r);
}
