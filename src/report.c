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

#include "advice.h"
#include "escape.h"
#include "report.h"
#include "size.h"

static struct report_opts opt;
static char *json_buf;		/* the targets array, built as targets come */
static size_t json_len;
static FILE *json_targets;
static uint64_t tot_req, tot_adv, tot_fail;
static size_t ntargets;
static struct libscols_table *table;	/* -v / -l: one table for all targets */

int report_init(const struct report_opts *o)
{
	opt = *o;
	/* libsmartcols tells printable characters by the locale; loading it
	 * costs start-up time, so only when a table will be printed */
	if (opt.verbose || opt.list)
		setlocale(LC_ALL, "");
	if (opt.json && !opt.list) {
		json_targets = open_memstream(&json_buf, &json_len);
		if (!json_targets)
			return -1;
	}
	return 0;
}

/* ---- JSON document ---- */

static void json_str(FILE *f, const char *s)
{
	char *e = escape_str(s ? s : "", ESCAPE_JSON);

	fprintf(f, "\"%s\"", e ? e : "");
	free(e);
}

static void json_num_or_null(FILE *f, const char *key, bool valid, uint64_t v)
{
	if (valid)
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static const char *range_error(const struct target_result *r, size_t i)
{
	if (!r->res || !r->res[i].err)
		return NULL;
	return strerror(r->res[i].err);
}

/* Stats of the mapping holding addr in an smaps snapshot, or NULL. */
static const struct mapping_stats *stats_at(const struct maps *m, uint64_t addr)
{
	size_t i;

	if (!m || !m->stats)
		return NULL;
	i = maps_find(m, addr);
	if (i >= m->n || m->v[i].start > addr)
		return NULL;
	return &m->stats[i];
}

static void json_skip(FILE *f, bool *first, uint64_t start, uint64_t end,
		      const char *name, const char *reason)
{
	fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
		"\",\"name\":", *first ? "" : ",", start, end);
	json_str(f, name);
	fputs(",\"reason\":", f);
	json_str(f, reason);
	fputc('}', f);
	*first = false;
}

static void json_target(const struct target_result *r)
{
	FILE *f = json_targets;
	const struct plan *p = r->plan;
	bool first = true;

	/* a target never found (-N matching nothing) has no PID */
	if (r->pid > 0)
		fprintf(f, "%s{\"pid\":%d,\"comm\":", ntargets ? "," : "", r->pid);
	else
		fprintf(f, "%s{\"pid\":null,\"comm\":", ntargets ? "," : "");
	json_str(f, r->comm);
	fprintf(f, ",\"requested\":%" PRIu64 ",\"advised\":%" PRIu64
		",\"failed\":%" PRIu64 ",\"error\":", r->requested, r->advised,
		r->failed);
	if (r->error)
		json_str(f, r->error);
	else
		fputs("null", f);
	fprintf(f, ",\"freeze\":\"%s\",\"frozen_ms\":%.3f,\"frozen_processes\":%u"
		",\"frozen_already\":%s",
		freeze_mode_name(r->freeze.mode), (double)r->freeze.frozen_ns / 1e6,
		r->freeze.processes, r->freeze.already ? "true" : "false");
	fputs(",\"frozen_cgroup\":", f);
	if (r->freeze.mode == FREEZE_CGROUP && r->freeze.cgroup)
		json_str(f, r->freeze.cgroup);
	else
		fputs("null", f);
	json_num_or_null(f, "rss_before", r->before.valid, r->before.rss);
	json_num_or_null(f, "rss_after", r->after.valid, r->after.rss);
	json_num_or_null(f, "swap_before", r->before.valid, r->before.swap);
	json_num_or_null(f, "swap_after", r->after.valid, r->after.swap);
	json_num_or_null(f, "anon_huge_before", r->before.valid, r->before.anon_huge);
	json_num_or_null(f, "anon_huge_after", r->after.valid, r->after.anon_huge);
	fputs(",\"ranges\":[", f);
	for (size_t i = 0; p && i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];
		const struct mapping *m = &r->maps->v[pc->map];
		const struct mapping_stats *b = stats_at(r->smaps_before, pc->start);
		const struct mapping_stats *a = stats_at(r->smaps_after, pc->start);

		if (r->refused && r->refused[i])
			continue;
		fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\",\"size\":%" PRIu64 ",\"advised\":%" PRIu64
			",\"perms\":\"%.4s\",\"class\":\"%s\",\"name\":", first ? "" : ",",
			pc->start, pc->end, pc->end - pc->start,
			r->res ? r->res[i].advised : 0, m->perms,
			mapping_class_name(mapping_class(m)));
		json_str(f, m->name);
		if (r->smaps_before) {
			json_num_or_null(f, "rss", b, b ? b->rss : 0);
			json_num_or_null(f, "rss_after", a, a ? a->rss : 0);
		}
		fputs(",\"error\":", f);
		if (range_error(r, i))
			json_str(f, range_error(r, i));
		else
			fputs("null", f);
		fputc('}', f);
		first = false;
	}
	fputs("],\"skipped\":[", f);
	first = true;
	for (size_t i = 0; p && i < p->nskips; i++)
		json_skip(f, &first, p->skips[i].start, p->skips[i].end,
			  r->maps->v[p->skips[i].map].name, p->skips[i].reason);
	for (size_t i = 0; p && r->refused && i < p->npieces; i++)
		if (r->refused[i])
			json_skip(f, &first, p->pieces[i].start, p->pieces[i].end,
				  r->maps->v[p->pieces[i].map].name,
				  "refused by the kernel for this advice (EINVAL: "
				  "locked, hugetlb, I/O or ineligible mapping)");
	fputs("]}", f);
}

/* ---- tables ---- */

static void fmt_size(uint64_t v, char *buf, size_t len)
{
	if (opt.bytes || opt.json)	/* JSON numbers are bytes */
		snprintf(buf, len, "%" PRIu64, v);
	else
		size_format(v, buf, len);
}

static struct libscols_table *new_table(void)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, opt.raw);
	scols_table_enable_noheadings(tb, opt.noheadings);
	if (opt.json && opt.list) {
		scols_table_enable_json(tb, 1);
		scols_table_set_name(tb, "mappings");
	}
	for (size_t c = 0; c < opt.ncolumns; c++) {
		const struct column_info *ci = column_info(opt.columns[c]);
		struct libscols_column *cl;
		char lower[32];
		size_t k;

		cl = scols_table_new_column(tb, ci->name, 0, ci->number ? SCOLS_FL_RIGHT : 0);
		if (!cl)
			continue;
		if (opt.json) {
			/* JSON keys in lower case, as util-linux does */
			for (k = 0; ci->name[k] && k < sizeof(lower) - 1; k++)
				lower[k] = (char)(ci->name[k] >= 'A' && ci->name[k] <= 'Z' ?
						  ci->name[k] + 32 : ci->name[k]);
			lower[k] = '\0';
			scols_column_set_name(cl, lower);
			scols_column_set_json_type(cl, ci->number ? SCOLS_JSON_NUMBER :
						   SCOLS_JSON_STRING);
		}
	}
	return tb;
}

/* The values of one row, by column; NULL prints nothing. */
struct row {
	int pid;
	const char *comm;
	uint64_t start, end;
	const struct mapping *m;
	bool advised_known;
	uint64_t advised;
	const struct mapping_stats *before, *after;
	const char *advice;
	const char *error;
};

static void add_row(const struct row *r)
{
	struct libscols_line *ln = scols_table_new_line(table, NULL);
	char buf[64];

	if (!ln)
		return;
	for (size_t c = 0; c < opt.ncolumns; c++) {
		const char *v = buf;

		buf[0] = '\0';
		switch (opt.columns[c]) {
		case COL_PID:
			snprintf(buf, sizeof(buf), "%d", r->pid);
			break;
		case COL_COMM:
			/* JSON: libsmartcols escapes controls but passes invalid
			 * UTF-8 through; make it text first */
			if (opt.json) {
				scols_line_refer_data(ln, c, escape_str(r->comm, ESCAPE_UTF8));
				continue;
			}
			v = r->comm;
			break;
		case COL_START:
			snprintf(buf, sizeof(buf), "0x%" PRIx64, r->start);
			break;
		case COL_END:
			snprintf(buf, sizeof(buf), "0x%" PRIx64, r->end);
			break;
		case COL_SIZE:
			fmt_size(r->end - r->start, buf, sizeof(buf));
			break;
		case COL_ADVISED:
			if (r->advised_known)
				fmt_size(r->advised, buf, sizeof(buf));
			break;
		case COL_RSS:
			if (r->before)
				fmt_size(r->before->rss, buf, sizeof(buf));
			break;
		case COL_RSS_AFTER:
			if (r->after)
				fmt_size(r->after->rss, buf, sizeof(buf));
			break;
		case COL_SWAP:
			if (r->before)
				fmt_size(r->before->swap, buf, sizeof(buf));
			break;
		case COL_SWAP_AFTER:
			if (r->after)
				fmt_size(r->after->swap, buf, sizeof(buf));
			break;
		case COL_PERMS:
			snprintf(buf, sizeof(buf), "%.4s", r->m->perms);
			break;
		case COL_CLASS:
			v = mapping_class_name(mapping_class(r->m));
			break;
		case COL_NAME:
			/* target-controlled text: libsmartcols escapes what is not
			 * printable (\xHH) in tables and JSON-escapes with -J */
			if (opt.json) {
				scols_line_refer_data(ln, c, escape_str(r->m->name, ESCAPE_UTF8));
				continue;
			}
			v = r->m->name;
			break;
		case COL_ADVICE:
			v = r->advice;
			break;
		case COL_ERROR:
			v = r->error;
			break;
		case COL_COUNT:
			break;
		}
		if (v && (*v || !opt.json))
			scols_line_set_data(ln, c, v);
	}
}

/* -v: every range and every skipped mapping of one target, in address
 * order, into the shared table. */
static void range_rows(const struct target_result *r)
{
	const struct plan *p = r->plan;
	size_t i = 0, k = 0;
	char why[256];

	while (p && (i < p->npieces || k < p->nskips)) {
		bool piece = k >= p->nskips ||
			     (i < p->npieces && p->pieces[i].start < p->skips[k].start);
		struct row row = { .pid = r->pid, .comm = r->comm };

		if (piece) {
			const struct piece *pc = &p->pieces[i];
			row.start = pc->start;
			row.end = pc->end;
			row.m = &r->maps->v[pc->map];
			row.advised_known = r->res != NULL;
			row.advised = r->res ? r->res[i].advised : 0;
			if (r->refused && r->refused[i])
				row.error = "skipped: refused by the kernel";
			else
				row.error = range_error(r, i);
			i++;
		} else {
			const struct skip *s = &p->skips[k++];
			row.start = s->start;
			row.end = s->end;
			row.m = &r->maps->v[s->map];
			snprintf(why, sizeof(why), "skipped: %s", s->reason);
			row.error = why;
		}
		row.before = stats_at(r->smaps_before, row.start);
		row.after = stats_at(r->smaps_after, row.start);
		add_row(&row);
	}
}

static void print_table(void)
{
	if (!table)
		return;
	scols_print_table(table);
	scols_unref_table(table);
	table = NULL;
}

/* ---- human summary ---- */

static void size_pair(uint64_t v, char *buf, size_t len)
{
	char h[32];

	size_format(v, h, sizeof(h));
	if (opt.verbose || opt.bytes)
		snprintf(buf, len, "%s (%" PRIu64 " bytes)", h, v);
	else
		snprintf(buf, len, "%s", h);
}

static void human_target(const struct target_result *r)
{
	char a[64], b[64], c[64];
	char *comm = escape_str(r->comm, ESCAPE_TERMINAL);

	if (r->error || (!r->nranges && !r->nskipped)) {
		free(comm);
		return;		/* main said why on stderr */
	}
	size_pair(r->requested, b, sizeof(b));
	if (opt.dry_run) {
		printf("%d (%s): %s: %s would be advised in %zu ranges (dry run)",
		       r->pid, comm ? comm : "?", opt.advice, b, r->nranges);
	} else {
		size_pair(r->advised, a, sizeof(a));
		printf("%d (%s): %s: %s of %s advised in %zu ranges", r->pid,
		       comm ? comm : "?", opt.advice, a, b, r->nranges);
		if (r->failed) {
			size_pair(r->failed, a, sizeof(a));
			printf(", %s failed", a);
		}
	}
	if (r->nskipped)
		printf(", %zu skipped%s", r->nskipped, opt.verbose ? "" : " (-v lists them)");
	if (r->freeze.mode != FREEZE_NONE) {
		printf("; %s %.1f ms by %s", r->freeze.already ? "already frozen," : "frozen",
		       (double)r->freeze.frozen_ns / 1e6, freeze_mode_name(r->freeze.mode));
		if (r->freeze.mode == FREEZE_CGROUP && r->freeze.cgroup) {
			char *cg = escape_str(r->freeze.cgroup, ESCAPE_TERMINAL);
			printf(" %s", cg ? cg : "?");
			free(cg);
		}
		if (r->freeze.processes > 1)
			printf(" (%u processes)", r->freeze.processes);
	}
	putchar('\n');
	if (r->before.valid && r->after.valid) {
		/* what the advice did, never confused with what was advised */
		fmt_size(r->before.rss, a, sizeof(a));
		fmt_size(r->after.rss, b, sizeof(b));
		printf("  Rss %s -> %s", a, b);
		fmt_size(r->before.swap, a, sizeof(a));
		fmt_size(r->after.swap, b, sizeof(b));
		printf(", Swap %s -> %s", a, b);
		fmt_size(r->before.anon_huge, a, sizeof(a));
		fmt_size(r->after.anon_huge, c, sizeof(c));
		printf(", AnonHugePages %s -> %s\n", a, c);
	}
	free(comm);
}

void report_target(const struct target_result *r)
{
	tot_req += r->requested;
	tot_adv += r->advised;
	tot_fail += r->failed;
	if (opt.json) {
		json_target(r);
	} else if (!opt.quiet) {
		if (opt.verbose && r->plan && !r->error) {
			if (!table)
				table = new_table();
			if (table)
				range_rows(r);
			print_table();
		}
		human_target(r);
	}
	ntargets++;
}

/* ---- -l ---- */

/* What a mapping can take: the given advice ("yes" or why not), or without
 * one, the list of advice it would accept. */
static const char *advice_cell(const struct mapping *m, int advice, char *buf,
			       size_t len)
{
	static const int remote[] = { 20, 21, 3, 25 };
	const char *why;
	size_t n = 0;

	if (advice >= 0) {
		why = select_refusal(m, advice);
		snprintf(buf, len, "%s", why ? why : "yes");
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		if (select_refusal(m, remote[i]))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				      advice_by_value(remote[i])->name);
		if (n >= len)
			break;
	}
	if (!n)
		snprintf(buf, len, "none: %s", select_refusal(m, 3));
	return buf;
}

void report_list(const struct list_result *l)
{
	char adv[128];

	if (!table)
		table = new_table();
	if (!table)
		return;
	for (size_t i = 0; i < l->maps->n; i++) {
		const struct mapping *m = &l->maps->v[i];
		struct row row = {
			.pid = l->pid, .comm = l->comm, .start = m->start,
			.end = m->end, .m = m,
			.before = l->maps->stats ? &l->maps->stats[i] : NULL,
			.advice = advice_cell(m, l->advice, adv, sizeof(adv)),
		};
		add_row(&row);
	}
	if (!opt.json)	/* JSON: one document for all targets, at the end */
		print_table();
	ntargets++;
}

int report_finish(void)
{
	print_table();
	if (json_targets) {
		fclose(json_targets);
		json_targets = NULL;
		printf("{\"advice\":\"%s\",\"dry_run\":%s,\"requested\":%" PRIu64
		       ",\"advised\":%" PRIu64 ",\"failed\":%" PRIu64
		       ",\"targets\":[%s]}\n", opt.advice,
		       opt.dry_run ? "true" : "false", tot_req, tot_adv, tot_fail,
		       json_buf ? json_buf : "");
		free(json_buf);
		json_buf = NULL;
	}
	if (fflush(stdout) || ferror(stdout)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
