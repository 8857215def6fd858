/* The -J document of an advice run, by hand (libsmartcols cannot nest it);
 * every string through escape.c, valid whatever bytes a target chose. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/lib.h"
#include "report/report.h"

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
		json_str_or_null(f, "advice", row->advice);
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
	json_num_or_null(f, "resident", row->resident_known, row->resident);
	json_num_or_null(f, "reclaimable", row->reclaimable_known, row->reclaimable);
	json_str_or_null(f, "error", row->error);
	json_str_or_null(f, "advice", row->advice);
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
	static const struct freeze_info none;	/* mode FREEZE_NONE */
	const struct freeze_info *fz = w ? w->freeze : &none;
	const bool froze = fz->mode != FREEZE_NONE;

	fprintf(f, ",\"freeze\":\"%s\",\"frozen_ms\":%.3f,\"frozen_processes\":%u"
		",\"frozen_already\":%s", freeze_mode_name(fz->mode),
		w ? w->frozen_ms : 0.0, fz->processes, fz->already ? "true" : "false");
	json_str_or_null(f, "frozen_cgroup", fz->cgroup);
	json_num_or_null(f, "frozen_cgroup_version", fz->cgroup,
			 (uint64_t)fz->cgroup_version);
	fprintf(f, ",\"freeze_broken\":%s", fz->broken ? "true" : "false");
	fprintf(f, ",\"windows\":%u,\"max_window_ms\":%.3f,\"bound_ms\":%u,"
		"\"bound_exceeded\":%s", w ? w->windows : 0,
		w ? w->max_window_ms : 0.0, w ? w->bound_ms : 0,
		w && w->bound_exceeded ? "true" : "false");
	json_num_or_null(f, "freeze_id", froze, froze ? (uint64_t)w->id : 0);
}

/* "unreachable": resident bytes by why the advice cannot move them */
static void json_unreachable(FILE *f, const struct unreachable *u)
{
	fprintf(f, ",\"unreachable\":{\"shared\":%" PRIu64 ",\"locked\":%" PRIu64
		",\"no_swap\":%" PRIu64 ",\"not_selected\":%" PRIu64 "}",
		u->shared, u->locked, u->noswap, u->unselected);
}

/* goal (bytes: --down-to's Rss or --limit's budget), goal_kind, goal_met,
 * goal_need, goal_movable, unreachable; null without one */
static void json_goal(FILE *f, const struct goal *g, bool met)
{
	if (!g) {
		fputs(",\"goal\":null,\"goal_kind\":null,\"goal_met\":null,"
		      "\"goal_need\":null,\"goal_movable\":null,"
		      "\"unreachable\":null", f);
		return;
	}
	fprintf(f, ",\"goal\":%" PRIu64 ",\"goal_kind\":\"%s\",\"goal_met\":%s,"
		"\"goal_need\":%" PRIu64 ",\"goal_movable\":%" PRIu64,
		g->goal, g->down_to ? "down_to" : g->group ? "group" : "limit",
		met ? "true" : "false", g->need, g->movable);
	json_unreachable(f, &g->why);
}

/* "comeback": the guard's figures and hot mappings; null when it was off */
static void json_comeback(FILE *f, const struct comeback_info *c)
{
	if (!c) {
		fputs(",\"comeback\":null", f);
		return;
	}
	fprintf(f, ",\"comeback\":{\"threshold_pct\":%u,\"paged_out\":%" PRIu64
		",\"came_back\":%" PRIu64, c->pct, c->paged_out, c->came_back);
	json_num_or_null(f, "minor_faults", c->faults_known, c->minor_faults);
	json_num_or_null(f, "major_faults", c->faults_known, c->major_faults);
	fprintf(f, ",\"stopped\":%s,\"hot\":[", c->stopped ? "true" : "false");
	for (size_t i = 0; i < c->nhot; i++) {
		const struct comeback_hot *h = &c->hot[i];

		fprintf(f, "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\"", i ? "," : "", h->start, h->end);
		json_str_or_null(f, "name", h->name);
		fprintf(f, ",\"paged_out\":%" PRIu64 ",\"came_back\":%" PRIu64 "}",
			h->paged_out, h->came_back);
	}
	fputs("]}", f);
}

void json_target(FILE *f, bool first, const struct target_result *r,
		 bool with_stats)
{
	/* a target never found (-N matching nothing) has no PID */
	if (r->pid > 0)
		fprintf(f, "%s{\"pid\":%d", first ? "" : ",", r->pid);
	else
		fprintf(f, "%s{\"pid\":null", first ? "" : ",");
	json_str_or_null(f, "comm", r->comm ? r->comm : "");
	fprintf(f, ",\"requested\":%" PRIu64 ",\"advised\":%" PRIu64
		",\"failed\":%" PRIu64, r->requested, r->advised, r->failed);
	json_str_or_null(f, "error", r->error);
	fputs(",\"warnings\":[", f);
	for (size_t i = 0; i < r->nwarnings; i++) {
		fputs(i ? "," : "", f);
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
	json_num_or_null(f, "pss_before", r->before.valid, r->before.pss);
	json_num_or_null(f, "pss_after", r->after.valid, r->after.pss);
	json_num_or_null(f, "swap_pss_before", r->before.valid, r->before.swap_pss);
	json_num_or_null(f, "swap_pss_after", r->after.valid, r->after.swap_pss);
	json_num_or_null(f, "resident", r->resident_known, r->resident);
	json_num_or_null(f, "reclaimable", r->reclaimable_known, r->reclaimable);
	json_goal(f, r->goal, r->goal_met);
	json_comeback(f, r->comeback);
	json_by_advice(f, r->by_advice, r->nadvice);
	fputs(",\"ranges\":[", f);
	json_rows(f, r, ROW_RANGE, with_stats);
	fputs("],\"skipped\":[", f);
	json_rows(f, r, ROW_SKIPPED, with_stats);
	fputs("]}", f);
}

void json_window(FILE *f, bool first, const struct window_info *w)
{
	/* keys of their own: a script summing a target's frozen_ms never
	 * counts a freeze twice */
	fprintf(f, "%s{\"id\":%d,\"mode\":\"%s\",\"duration_ms\":%.3f,"
		"\"processes\":%u,\"already\":%s", first ? "" : ",", w->id,
		freeze_mode_name(w->freeze->mode), w->frozen_ms,
		w->freeze->processes, w->freeze->already ? "true" : "false");
	json_str_or_null(f, "cgroup", w->freeze->cgroup);
	json_num_or_null(f, "cgroup_version", w->freeze->cgroup,
			 (uint64_t)w->freeze->cgroup_version);
	fprintf(f, ",\"broken\":%s", w->freeze->broken ? "true" : "false");
	fprintf(f, ",\"windows\":%u,\"max_window_ms\":%.3f,\"bound_ms\":%u,"
		"\"bound_exceeded\":%s", w->windows, w->max_window_ms,
		w->bound_ms, w->bound_exceeded ? "true" : "false");
	fputs(",\"targets\":[", f);
	for (size_t i = 0; i < w->npids; i++)
		fprintf(f, "%s%d", i ? "," : "", w->pids[i]);
	fputs("]}", f);
}

void report_totals_add(struct report_totals *t, const struct target_result *r)
{
	if (r->error || r->pid <= 0)
		return;
	t->valid = (t->targets ? t->valid : true) && r->before.valid &&
		   r->after.valid;
	t->resident_known = (t->targets ? t->resident_known : true) &&
			    r->resident_known;
	t->reclaimable_known = (t->targets ? t->reclaimable_known : true) &&
			       r->reclaimable_known;
	t->targets++;
	t->pss_before += r->before.pss;
	t->pss_after += r->after.pss;
	t->swap_pss_before += r->before.swap_pss;
	t->swap_pss_after += r->after.swap_pss;
	t->resident += r->resident;
	t->reclaimable += r->reclaimable;
}

void json_totals(FILE *f, const struct report_totals *t)
{
	json_num_or_null(f, "pss_before", t->valid, t->pss_before);
	json_num_or_null(f, "pss_after", t->valid, t->pss_after);
	json_num_or_null(f, "swap_pss_before", t->valid, t->swap_pss_before);
	json_num_or_null(f, "swap_pss_after", t->valid, t->swap_pss_after);
	json_num_or_null(f, "resident", t->resident_known, t->resident);
	json_num_or_null(f, "reclaimable", t->reclaimable_known, t->reclaimable);
}

static void json_list_total(FILE *f, const struct list_total *t)
{
	if (t->pid > 0)
		fprintf(f, "{\"pid\":%d", t->pid);
	else
		fprintf(f, "{\"targets\":%zu", t->targets);
	fprintf(f, ",\"size\":%" PRIu64, t->size);
	json_num_or_null(f, "rss", t->rss_known, t->rss);
	json_num_or_null(f, "swap", t->swap_known, t->swap);
	json_num_or_null(f, "resident", t->resident_known, t->resident);
	json_num_or_null(f, "reclaimable", t->reclaimable_known, t->reclaimable);
	fputc('}', f);
}

char *json_list_totals(const struct list_total *v, size_t n,
		       const struct list_total *all)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(",\"totals\":[", f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		json_list_total(f, &v[i]);
	}
	fputs("],\"total\":", f);
	json_list_total(f, all);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

void json_group(FILE *f, const struct group_goal *g)
{
	if (!g->set) {
		fputs(",\"group_goal\":null", f);
		return;
	}
	fprintf(f, ",\"group_goal\":{\"kind\":\"%s\",\"goal\":%" PRIu64
		",\"measure\":\"%s\"", g->down_to ? "down_to" : "limit", g->goal,
		g->cgroup ? "memory.current" : "pss");
	json_str_or_null(f, "cgroup", g->cgroup);
	fprintf(f, ",\"before\":%" PRIu64, g->before);
	json_num_or_null(f, "after", g->after_known, g->after);
	fprintf(f, ",\"need\":%" PRIu64 ",\"movable\":%" PRIu64, g->need,
		g->movable);
	json_unreachable(f, &g->why);
	fprintf(f, ",\"met\":%s}", g->met || !g->need ? "true" : "false");
}

void json_by_advice(FILE *f, const struct advice_total *v, size_t n)
{
	fputs(",\"per_advice\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"advice\":", i ? "," : "");
		json_str(f, v[i].advice);
		fprintf(f, ",\"requested\":%" PRIu64 ",\"advised\":%" PRIu64
			",\"failed\":%" PRIu64 ",\"ranges\":%zu,\"skipped\":%zu}",
			v[i].requested, v[i].advised, v[i].failed, v[i].nranges,
			v[i].nskipped);
	}
	fputc(']', f);
}
