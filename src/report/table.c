/* The tables of -v, -l and the table options (libsmartcols), -l -J
 * included. Private to report.c, the only writer of results. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "lib/lib.h"
#include "report/report.h"

/* libsmartcols is loaded only for a table (0.07 ms of a 1.3 ms run, bench/). */
#define LIBSMARTCOLS_SONAME "libsmartcols.so.1"
#define SCOLS_FNS(X) X(new_table) X(table_enable_raw) \
	X(table_enable_noheadings) X(table_enable_noencoding) \
	X(table_enable_json) X(table_set_name) X(table_new_column) \
	X(column_set_json_type) X(table_new_line) X(line_refer_data) \
	X(line_set_data) X(print_table) X(print_table_to_string) \
	X(unref_table)

static struct {
	void *handle;
#define X(f) __typeof__(&scols_##f) f;
	SCOLS_FNS(X)
#undef X
} sc;

int table_load(struct err *e)
{
	static const char *const names[] = {
#define X(f) "scols_" #f,
		SCOLS_FNS(X)
#undef X
	};
	void **const fns[] = {
#define X(f) (void **)&sc.f,
		SCOLS_FNS(X)
#undef X
	};
	const char *soname = LIBSMARTCOLS_SONAME;
	char why[256];

	if (sc.handle)
		return 0;
#ifdef PMADV_TEST_HOOKS
	/* tests only: a soname that is not there, to see the error */
	if (getenv("PMADV_TEST_LIBSMARTCOLS"))
		soname = getenv("PMADV_TEST_LIBSMARTCOLS");
#endif
	sc.handle = lib_load(soname, names, fns, sizeof(names) / sizeof(names[0]),
			     why, sizeof(why));
	if (sc.handle)
		return 0;
	err_set(e, ELIBACC, "tables need libsmartcols (%s): %s; install it "
		"(Debian: apt-get install libsmartcols1)", soname, why);
	return -1;
}

/* At exit, with what the loader keeps for it (a leak checker would find its lists). */
void table_unload(void)
{
	if (!sc.handle)
		return;		/* never loaded: its page left untouched */
	dlclose(sc.handle);
	memset(&sc, 0, sizeof(sc));
}

char *report_size(const struct options *o, uint64_t v, char *buf, size_t len)
{
	if (o->bytes || o->json)	/* JSON numbers are bytes */
		snprintf(buf, len, "%" PRIu64, v);
	else
		size_format(v, buf, len);
	return buf;
}

struct libscols_table *table_new(const struct options *o)
{
	struct libscols_table *tb = sc.new_table();

	if (!tb)
		return NULL;
	sc.table_enable_raw(tb, o->raw);
	sc.table_enable_noheadings(tb, o->noheadings);
	/* cells come escaped: encoding them again would show a backslash as
	 * \x5c. --raw keeps its own encoding, which scripts decode. */
	sc.table_enable_noencoding(tb, !o->json && !o->raw);
	if (o->json && o->list) {
		sc.table_enable_json(tb, 1);
		sc.table_set_name(tb, "mappings");
	}
	for (size_t c = 0; c < o->ncolumns; c++) {
		const struct column_info *ci = column_info(o->columns[c]);
		struct libscols_column *cl;

		/* long names are cut on a terminal, so -l stays readable */
		cl = sc.table_new_column(tb, ci->name, 0, ci->number ? SCOLS_FL_RIGHT :
					    o->columns[c] == COL_NAME ? SCOLS_FL_TRUNC : 0);
		/* libsmartcols writes JSON keys in lower case itself */
		if (cl && o->json)
			sc.column_set_json_type(cl, ci->number ? SCOLS_JSON_NUMBER :
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
	case COL_END:
		snprintf(buf, len, "0x%" PRIx64, c == COL_START ? row->start : row->end);
		return buf;
	case COL_SIZE:
		return report_size(o, row->end - row->start, buf, len);
	case COL_ADVISED:
		if (!row->advised_known)
			return NULL;
		return report_size(o, row->advised, buf, len);
	case COL_RSS:
	case COL_SWAP:
		if (!row->before.valid)
			return NULL;
		return report_size(o, c == COL_RSS ? row->before.rss :
				   row->before.swap, buf, len);
	case COL_RSS_AFTER:
	case COL_SWAP_AFTER:
		if (!row->after.valid)
			return NULL;
		return report_size(o, c == COL_RSS_AFTER ? row->after.rss :
				   row->after.swap, buf, len);
	case COL_RESIDENT:
	case COL_RECLAIMABLE:
		if (!(c == COL_RESIDENT ? row->resident_known : row->reclaimable_known))
			return NULL;
		return report_size(o, c == COL_RESIDENT ? row->resident :
				   row->reclaimable, buf, len);
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

static void add_row(struct libscols_table *tb, const struct options *o,
		    const struct target_result *r, const struct result_row *row)
{
	struct libscols_line *ln = sc.table_new_line(tb, NULL);
	char buf[320];

	if (!ln)
		return;
	for (size_t c = 0; c < o->ncolumns; c++) {
		const char *v = cell(o, o->columns[c], r, row, buf, sizeof(buf));

		/* in JSON libsmartcols passes invalid UTF-8; DEL and bidi
		 * controls get their last pass in print_table */
		if (v && (o->columns[c] == COL_COMM || o->columns[c] == COL_NAME))
			sc.line_refer_data(ln, c, escape_str(v, o->json ? ESCAPE_UTF8 :
					   o->raw ? ESCAPE_BIDI : ESCAPE_TERMINAL));
		else if (v && (*v || !o->json))
			sc.line_set_data(ln, c, v);
	}
}

/* -l -J is made one line, as an advice run's document (a line per
 * document, for grep and logs): blanks outside strings go, in place. */
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

void table_print(struct libscols_table *tb, const struct options *o,
		 const char *json_tail)
{
	char *doc = NULL, *e;

	if (!tb)
		return;
	if (!o->json) {
		sc.print_table(tb);
	} else if (!sc.print_table_to_string(tb, &doc) && doc) {
		json_one_line(doc);
		if (json_tail) {
			/* {"mappings":[...]} -> {"mappings":[...],TAIL} */
			size_t n = strlen(doc), t = strlen(json_tail);
			char *d = n && doc[n - 1] == '}' ? realloc(doc, n + t + 1) : NULL;

			if (d) {
				memcpy(d + n - 1, json_tail, t);
				memcpy(d + n - 1 + t, "}", 2);
				doc = d;
			}
		}
		e = escape_str(doc, ESCAPE_JSON_DOC);
		printf("%s\n", e ? e : doc);
		free(e);
	}
	free(doc);
	sc.unref_table(tb);
}

void list_total_init(struct list_total *t, int pid)
{
	*t = (struct list_total){ .pid = pid, .rss_known = true, .swap_known = true,
				  .resident_known = true, .reclaimable_known = true };
}

void list_total_add(struct list_total *t, const struct target_result *r)
{
	t->targets++;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct result_row *w = &r->rows[i];

		t->size += w->end - w->start;
		t->rss += w->before.rss;
		t->swap += w->before.swap;
		t->resident += w->resident;
		t->reclaimable += w->reclaimable;
		t->rss_known = t->rss_known && w->before.valid;
		t->swap_known = t->swap_known && w->before.valid;
		t->resident_known = t->resident_known && w->resident_known;
		t->reclaimable_known = t->reclaimable_known && w->reclaimable_known;
	}
}

void list_total_merge(struct list_total *all, const struct list_total *one)
{
	all->targets += one->targets;
	all->size += one->size;
	all->rss += one->rss;
	all->swap += one->swap;
	all->resident += one->resident;
	all->reclaimable += one->reclaimable;
	all->rss_known = all->rss_known && one->rss_known;
	all->swap_known = all->swap_known && one->swap_known;
	all->resident_known = all->resident_known && one->resident_known;
	all->reclaimable_known = all->reclaimable_known && one->reclaimable_known;
}

/* -l: a line of sums, labelled in the first text column ("total"), with
 * its target's PID (or "all") in the PID column. */
static void total_row(struct libscols_table *tb, const struct options *o,
		      const struct list_total *t, const char *label)
{
	struct libscols_line *ln = sc.table_new_line(tb, NULL);
	bool labelled = false;
	char buf[64];

	for (size_t c = 0; ln && c < o->ncolumns; c++) {
		uint64_t v = 0;
		bool known = true;

		switch (o->columns[c]) {
		case COL_SIZE:		v = t->size; break;
		case COL_RSS:		v = t->rss; known = t->rss_known; break;
		case COL_SWAP:		v = t->swap; known = t->swap_known; break;
		case COL_RESIDENT:	v = t->resident; known = t->resident_known; break;
		case COL_RECLAIMABLE:	v = t->reclaimable; known = t->reclaimable_known; break;
		case COL_PID:
			snprintf(buf, sizeof(buf), "%d", t->pid);
			sc.line_set_data(ln, c, t->pid > 0 ? buf : "all");
			continue;
		default:		known = false;
		}
		if (known) {
			report_size(o, v, buf, sizeof(buf));
			sc.line_set_data(ln, c, buf);
		} else if (!labelled && !column_info(o->columns[c])->number) {
			sc.line_set_data(ln, c, label);
			labelled = true;
		}
	}
}

void table_add(struct libscols_table *tb, const struct options *o,
	       const struct target_result *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		add_row(tb, o, r, &r->rows[i]);
	if (r->list && !o->json && r->nrows) {
		struct list_total t;

		list_total_init(&t, r->pid);
		list_total_add(&t, r);
		total_row(tb, o, &t, "total");
	}
}

void table_add_total(struct libscols_table *tb, const struct options *o,
		     const struct list_total *all)
{
	char label[64];

	snprintf(label, sizeof(label), "total of %zu", all->targets);
	total_row(tb, o, all, label);
}
