/* Output. JSON is written by hand: the documented document is one object
 * with totals and nested arrays, a shape libsmartcols' table JSON does not
 * produce; names are escaped through escape.c either way. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "escape.h"
#include "report.h"
#include "size.h"

static struct report_opts opt;
static char *json_buf;		/* targets array, built as targets come */
static size_t json_len;
static FILE *json_targets;
static uint64_t tot_req, tot_adv, tot_fail;
static size_t ntargets;

int report_init(const struct report_opts *o)
{
	opt = *o;
	if (opt.json) {
		json_targets = open_memstream(&json_buf, &json_len);
		if (!json_targets)
			return -1;
	}
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	char *e = escape_str(s ? s : "", ESCAPE_JSON);

	fprintf(f, "\"%s\"", e ? e : "");
	free(e);
}

static const char *range_error(const struct target_result *r, size_t i)
{
	if (!r->res || !r->res[i].err)
		return NULL;
	return strerror(r->res[i].err);
}

static void json_target(const struct target_result *r)
{
	FILE *f = json_targets;
	const struct plan *p = r->plan;
	bool first = true;

	fprintf(f, "%s{\"pid\":%d,\"comm\":", ntargets ? "," : "", r->pid);
	json_str(f, r->comm);
	fprintf(f, ",\"requested\":%" PRIu64 ",\"advised\":%" PRIu64
		",\"failed\":%" PRIu64 ",\"error\":", r->requested, r->advised,
		r->failed);
	if (r->error)
		json_str(f, r->error);
	else
		fputs("null", f);
	fprintf(f, ",\"freeze\":\"%s\",\"frozen_ms\":%.3f,\"frozen_processes\":%u",
		freeze_mode_name(r->freeze.mode), (double)r->freeze.frozen_ns / 1e6,
		r->freeze.processes);
	fputs(",\"ranges\":[", f);
	for (size_t i = 0; p && i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];
		const struct mapping *m = &r->maps->v[pc->map];

		if (r->refused && r->refused[i])
			continue;
		fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\",\"size\":%" PRIu64 ",\"advised\":%" PRIu64
			",\"perms\":\"%.4s\",\"name\":", first ? "" : ",",
			pc->start, pc->end, pc->end - pc->start,
			r->res ? r->res[i].advised : 0, m->perms);
		json_str(f, m->name);
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
	for (size_t i = 0; p && i < p->nskips; i++) {
		const struct skip *s = &p->skips[i];
		fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\",\"name\":", first ? "" : ",", s->start, s->end);
		json_str(f, r->maps->v[s->map].name);
		fputs(",\"reason\":", f);
		json_str(f, s->reason);
		fputc('}', f);
		first = false;
	}
	for (size_t i = 0; p && r->refused && i < p->npieces; i++) {
		const struct piece *pc = &p->pieces[i];
		if (!r->refused[i])
			continue;
		fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\",\"name\":", first ? "" : ",", pc->start, pc->end);
		json_str(f, r->maps->v[pc->map].name);
		fputs(",\"reason\":\"refused by the kernel for this advice (locked, "
		      "hugetlb or I/O mapping)\"}", f);
		first = false;
	}
	fputs("]}", f);
}

static void fmt_size(uint64_t v, char *buf, size_t len)
{
	if (opt.verbose)
		snprintf(buf, len, "%" PRIu64, v);
	else
		size_format(v, buf, len);
}

static void add_row(struct libscols_table *tb, uint64_t start, uint64_t end,
		    const char *advised, const struct mapping *m, const char *error)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char buf[64];

	if (!ln)
		return;
	snprintf(buf, sizeof(buf), "0x%" PRIx64, start);
	scols_line_set_data(ln, 0, buf);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, end);
	scols_line_set_data(ln, 1, buf);
	fmt_size(end - start, buf, sizeof(buf));
	scols_line_set_data(ln, 2, buf);
	scols_line_set_data(ln, 3, advised);
	snprintf(buf, sizeof(buf), "%.4s", m->perms);
	scols_line_set_data(ln, 4, buf);
	scols_line_refer_data(ln, 5, escape_str(m->name, ESCAPE_TERMINAL));
	scols_line_set_data(ln, 6, error ? error : "");
}

/* -v: every range and every skipped mapping, in address order. */
static void range_table(const struct target_result *r)
{
	static const char *const cols[] = { "START", "END", "SIZE", "ADVISED",
					    "PERMS", "NAME", "ERROR" };
	const struct plan *p = r->plan;
	struct libscols_table *tb = scols_new_table();
	size_t i = 0, k = 0;
	char adv[64], why[256];

	if (!tb)
		return;
	for (size_t c = 0; c < 7; c++)
		scols_table_new_column(tb, cols[c], 0,
				       c == 2 || c == 3 ? SCOLS_FL_RIGHT : 0);
	while (i < p->npieces || k < p->nskips) {
		bool piece = k >= p->nskips ||
			     (i < p->npieces && p->pieces[i].start < p->skips[k].start);
		if (piece) {
			const struct piece *pc = &p->pieces[i];
			const struct mapping *m = &r->maps->v[pc->map];
			if (r->refused && r->refused[i])
				snprintf(why, sizeof(why), "skipped: refused by the kernel");
			else if (range_error(r, i))
				snprintf(why, sizeof(why), "%s", range_error(r, i));
			else
				why[0] = '\0';
			if (r->res)
				fmt_size(r->res[i].advised, adv, sizeof(adv));
			else
				snprintf(adv, sizeof(adv), "-");
			add_row(tb, pc->start, pc->end, adv, m, why);
			i++;
		} else {
			const struct skip *s = &p->skips[k++];
			snprintf(why, sizeof(why), "skipped: %s", s->reason);
			add_row(tb, s->start, s->end, "-", &r->maps->v[s->map], why);
		}
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

static void human_target(const struct target_result *r)
{
	char comm[64 * 4 + 1], a[32], b[32];
	char *c = escape_str(r->comm, ESCAPE_TERMINAL);

	snprintf(comm, sizeof(comm), "%s", c ? c : "?");
	free(c);
	if (r->error)
		return;		/* main said it on stderr */
	if (opt.verbose && r->plan)
		range_table(r);
	fmt_size(r->requested, b, sizeof(b));
	if (opt.dry_run) {
		printf("%d (%s): %s: %s%s would be advised in %zu ranges (dry run)",
		       r->pid, comm, opt.advice, b, opt.verbose ? " bytes" : "",
		       r->nranges);
	} else {
		fmt_size(r->advised, a, sizeof(a));
		printf("%d (%s): %s: %s of %s%s advised in %zu ranges", r->pid,
		       comm, opt.advice, a, b, opt.verbose ? " bytes" : "",
		       r->nranges);
		if (r->failed) {
			fmt_size(r->failed, a, sizeof(a));
			printf(", %s failed", a);
		}
	}
	if (r->nskipped)
		printf(", %zu skipped%s", r->nskipped, opt.verbose ? "" : " (-v lists them)");
	if (r->freeze.mode != FREEZE_NONE)
		printf("; %s %.1f ms by %s", r->freeze.already ? "already frozen," : "frozen",
		       (double)r->freeze.frozen_ns / 1e6, freeze_mode_name(r->freeze.mode));
	if (r->freeze.processes > 1)
		printf(" (%u processes)", r->freeze.processes);
	putchar('\n');
}

void report_target(const struct target_result *r)
{
	tot_req += r->requested;
	tot_adv += r->advised;
	tot_fail += r->failed;
	if (opt.json)
		json_target(r);
	else if (!opt.quiet)
		human_target(r);
	ntargets++;
}

int report_finish(void)
{
	if (opt.json) {
		fclose(json_targets);
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
