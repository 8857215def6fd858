/* Output: human summaries here; tables in table.c; -J in json.c. */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "report/report.h"

struct report {
	const struct options *o;
	FILE *targets, *freezes;	/* JSON: the two arrays so far */
	char *targets_buf, *freezes_buf;
	size_t targets_len, freezes_len;
	size_t ntargets, nfreezes;
	uint64_t requested, advised, failed;
	struct advice_total by_advice[RESULT_ADVICES];	/* -J: the run's */
	size_t nadvice;
	struct report_totals tot;	/* Pss, SwapPss, resident: no double count */
	struct libscols_table *table;	/* -v / -l: one for all targets */
	struct list_total *ltot;	/* -l: each target's sums */
	size_t nltot, ltotcap;
	struct list_total lall;		/* -l: all of them */
	struct group_goal group;	/* --as-group */
};

/* The advice, or with several the distinct ones, "pageout+cold". */
static const char *advice_name(const struct report *rp)
{
	return rp->o->npairs ? rp->o->advice_names :
	       rp->o->advice ? rp->o->advice->name : "";
}

/* ---- human summary ---- */

static char *size_pair(const struct report *rp, uint64_t v, char *buf, size_t len)
{
	char h[32];

	size_format(v, h, sizeof(h));
	if (rp->o->verbose || rp->o->bytes)
		snprintf(buf, len, "%s (%" PRIu64 " bytes)", h, v);
	else
		snprintf(buf, len, "%s", h);
	return buf;
}

static void print_table(struct report *rp, const char *json_tail)
{
	table_print(rp->table, rp->o, json_tail);
	rp->table = NULL;
}

/* -l: a target's sums, kept for the grand total (and -J's "totals") */
static void list_note(struct report *rp, const struct target_result *r)
{
	struct list_total *v = array_grow(rp->ltot, rp->nltot, &rp->ltotcap,
					  sizeof(*v), 8);

	if (!rp->nltot)
		list_total_init(&rp->lall, 0);
	if (!v)
		return;		/* the totals are lost, not the rows */
	rp->ltot = v;
	list_total_init(&v[rp->nltot], r->pid);
	list_total_add(&v[rp->nltot], r);
	list_total_merge(&rp->lall, &v[rp->nltot++]);
}

static void table_rows(struct report *rp, const struct target_result *r)
{
	if (!rp->table)
		rp->table = table_new(rp->o);
	if (rp->table)
		table_add(rp->table, rp->o, r);
	if (r->list)
		list_note(rp, r);
	if (!rp->o->json)	/* JSON: one document for all targets, at the end */
		print_table(rp, NULL);
}

/* -l: after the last target, the totals of them all: a closing line
 * (several targets), or -J's "totals" and "total" keys. */
static void list_finish(struct report *rp)
{
	char *tail = NULL;

	if (rp->o->json) {
		if (rp->nltot)
			tail = json_list_totals(rp->ltot, rp->nltot, &rp->lall);
		print_table(rp, tail);
		free(tail);
	} else if (rp->nltot > 1 && !rp->o->quiet) {
		struct libscols_table *tb = table_new(rp->o);

		/* its own table: each target's sized its own columns */
		if (tb) {
			table_add_total(tb, rp->o, &rp->lall);
			table_print(tb, rp->o, NULL);
		}
	}
	free(rp->ltot);
}

static void human_freeze(const struct window_info *w)
{
	if (!w || w->freeze->mode == FREEZE_NONE)
		return;
	if (!w->windows && !w->freeze->already) {
		/* the plan was empty before any window (engine.c: preview) */
		printf("; not frozen (nothing to advise)");
		return;
	}
	printf("; %s %.1f ms", w->freeze->already ? "already frozen," : "frozen",
	       w->frozen_ms);
	if (w->windows > 1)
		printf(" in %u windows (longest %.1f ms)", w->windows,
		       w->max_window_ms);
	printf(" by %s", freeze_mode_name(w->freeze->mode));
	if (w->freeze->cgroup) {
		char *cg = escape_str(w->freeze->cgroup, ESCAPE_TERMINAL);
		/* one path can name a cgroup in each hierarchy */
		printf(" %s (%s)", cg ? cg : "?",
		       w->freeze->cgroup_version == 1 ? "v1 freezer" : "v2");
		free(cg);
	}
	if (w->freeze->processes > 1)	/* one is the target itself: not news */
		printf(" (%u processes)", w->freeze->processes);
	if (w->freeze->broken && w->freeze->lifted)
		printf("; freeze lifted at the interrupt, not race-free");
	else if (w->freeze->broken && w->freeze->resumed)
		printf("; freeze broken: resumed by another program, not race-free");
	else if (w->freeze->broken && w->bound_ms)	/* the bound's deadline */
		printf("; freeze broken: a window ended at its deadline "
		       "(%u ms), not race-free", w->freeze->bound_ms);
	else if (w->freeze->broken)	/* --max-freeze=0: the stall watchdog */
		printf("; freeze broken: thawed after %.1f s without progress, "
		       "not race-free", w->freeze->stalled_ms / 1000.0);
}

static void human_effect(const struct report *rp, const struct target_result *r)
{
	char a[64], b[64];

	if (!r->before.valid || !r->after.valid)
		return;
	/* what the advice did, never confused with what was advised */
	printf("  Rss %s -> %s", report_size(rp->o, r->before.rss, a, sizeof(a)),
	       report_size(rp->o, r->after.rss, b, sizeof(b)));
	printf(", Swap %s -> %s", report_size(rp->o, r->before.swap, a, sizeof(a)),
	       report_size(rp->o, r->after.swap, b, sizeof(b)));
	printf(", AnonHugePages %s -> %s\n",
	       report_size(rp->o, r->before.anon_huge, a, sizeof(a)),
	       report_size(rp->o, r->after.anon_huge, b, sizeof(b)));
}

/* What the selection holds in memory, next to its mapped size. */
static void human_resident(const struct report *rp, const struct target_result *r)
{
	char a[64];

	if (!r->resident_known)
		return;
	printf("; %s resident", size_pair(rp, r->resident, a, sizeof(a)));
	if (r->reclaimable_known)
		printf(", %s of it reclaimable",
		       size_pair(rp, r->reclaimable, a, sizeof(a)));
}

/* --down-to already met: the target's line says so, and that is all. */
static bool human_already(const struct report *rp, const struct target_result *r,
			  const char *comm)
{
	char a[64], b[64];

	if (!r->goal || r->goal->need || r->error)
		return false;
	if (r->goal->group) {
		printf("%d (%s): no share of the group's goal: nothing to do\n",
		       r->pid, comm ? comm : "?");
		return true;
	}
	printf("%d (%s): already at %s Rss (goal %s): nothing to do\n", r->pid,
	       comm ? comm : "?", size_pair(rp, r->goal->rss, a, sizeof(a)),
	       size_pair(rp, r->goal->goal, b, sizeof(b)));
	return true;
}

/* A goal run's state, after the figures. */
static void human_goal(const struct report *rp, const struct target_result *r)
{
	char a[64];

	if (!r->goal || r->goal->small)
		return;
	size_pair(rp, r->goal->goal, a, sizeof(a));
	/* a group share above what could move is short of it, all moved:
	 * the group line says whether the group's goal is met */
	if (r->goal->group && !r->goal->reachable) {
		printf("; group share %s out of reach: all the selection could "
		       "move %s", a, rp->o->dry_run ? "would be advised" :
		       "was advised");
		return;
	}
	printf("; %s %s %s%s", r->goal->down_to ? "goal" : r->goal->group ?
	       "group share" : "limit", a, rp->o->dry_run ?
	       (r->goal_met ? "would be met" : "would not be met") :
	       (r->goal_met ? "met" : "not met"),
	       /* a limit above what could move: met by moving all of it */
	       r->goal_met && !r->goal->reachable ?
	       " (all the selection could move)" : "");
}

/* --comeback: what came back, the target's faults, the hot mappings. */
static void human_comeback(const struct report *rp, const struct target_result *r)
{
	const struct comeback_info *c = r->comeback;
	char a[64], b[64];

	/* a quiet run stays two lines: said when something came back, or
	 * with -v (-J has it always) */
	if (!c || rp->o->dry_run ||
	    (!c->came_back && !c->nhot && !c->stopped && !rp->o->verbose))
		return;
	size_pair(rp, c->came_back, a, sizeof(a));
	size_pair(rp, c->paged_out, b, sizeof(b));
	printf("  comeback: %s of %s paged out came back", a, b);
	if (c->faults_known)
		printf("; faults during the run: %" PRIu64 " minor, %" PRIu64
		       " major", c->minor_faults, c->major_faults);
	if (c->nhot)
		printf("; left alone as hot (over %u%% came back):", c->pct);
	for (size_t i = 0; i < c->nhot; i++) {
		const struct comeback_hot *h = &c->hot[i];
		char *name = escape_str(h->name, ESCAPE_TERMINAL);

		printf("%s 0x%" PRIx64 "-0x%" PRIx64 " %s", i ? "," : "", h->start,
		       h->end, name && *name ? name : "[anon]");
		free(name);
	}
	if (c->stopped)
		printf("; stopped: nothing stayed out");
	putchar('\n');
}

/* "A of B advised in N ranges, C failed", or what a dry run would do. */
static void human_amounts(const struct report *rp, uint64_t requested,
			  uint64_t advised, uint64_t failed, size_t nranges)
{
	const char *ranges = nranges == 1 ? "range" : "ranges";
	char a[64], b[64];

	size_pair(rp, requested, b, sizeof(b));
	if (rp->o->dry_run) {
		printf("%s would be advised in %zu %s", b, nranges, ranges);
		return;
	}
	size_pair(rp, advised, a, sizeof(a));
	printf("%s of %s advised in %zu %s", a, b, nranges, ranges);
	if (failed)
		printf(", %s failed", size_pair(rp, failed, a, sizeof(a)));
}

/* Several advices: a line each, under the target's. */
static void human_by_advice(const struct report *rp, const struct target_result *r)
{
	if (rp->o->npairs < 2 || r->nadvice < 2)
		return;
	for (size_t k = 0; k < r->nadvice; k++) {
		const struct advice_total *t = &r->by_advice[k];

		printf("  %s: ", t->advice);
		human_amounts(rp, t->requested, t->advised, t->failed, t->nranges);
		if (t->nskipped)
			printf(", %zu skipped", t->nskipped);
		putchar('\n');
	}
}

static void human_target(const struct report *rp, const struct target_result *r)
{
	char *comm = escape_str(r->comm, ESCAPE_TERMINAL);

	if (human_already(rp, r, comm) || r->error ||
	    (!r->nranges && !r->nskipped)) {
		free(comm);
		return;		/* main said why on stderr */
	}
	printf("%d (%s): %s: ", r->pid, comm ? comm : "?", advice_name(rp));
	human_amounts(rp, r->requested, r->advised, r->failed, r->nranges);
	if (rp->o->dry_run)
		printf(" (dry run)");
	if (r->nskipped)
		printf(", %zu skipped%s", r->nskipped, rp->o->table ? "" : " (-v lists them)");
	human_resident(rp, r);
	human_goal(rp, r);
	human_freeze(r->window);
	putchar('\n');
	human_by_advice(rp, r);
	human_effect(rp, r);
	human_comeback(rp, r);
	free(comm);
}

/* Several targets: totals on Pss and SwapPss, which count shared memory
 * once (Rss and Swap would count it for each). */
static void human_totals(const struct report *rp)
{
	const struct report_totals *t = &rp->tot;
	char a[64], b[64], c[64], d[64];

	if (t->targets < 2)
		return;
	/* what moved first, then the address space asked for */
	printf("total: %zu targets: ", t->targets);
	if (t->valid) {
		report_size(rp->o, t->pss_before, a, sizeof(a));
		report_size(rp->o, t->pss_after, b, sizeof(b));
		report_size(rp->o, t->swap_pss_before, c, sizeof(c));
		report_size(rp->o, t->swap_pss_after, d, sizeof(d));
		printf("Pss %s -> %s, SwapPss %s -> %s; ", a, b, c, d);
	}
	/* resident counts a page each target maps; reclaimable, a target's
	 * own pages only, never counts one twice */
	if (t->resident_known) {
		printf("%s resident", size_pair(rp, t->resident, a, sizeof(a)));
		if (t->reclaimable_known)
			printf(", %s of it reclaimable",
			       size_pair(rp, t->reclaimable, a, sizeof(a)));
		printf("; ");
	}
	size_pair(rp, rp->advised, a, sizeof(a));
	size_pair(rp, rp->requested, b, sizeof(b));
	if (rp->o->dry_run)
		printf("address space: %s would be advised\n", b);
	else
		printf("address space: %s of %s advised\n", a, b);
}

/* --as-group: the goal of them all, after the totals. */
static void human_group(const struct report *rp)
{
	const struct group_goal *g = &rp->group;
	char a[64], b[64], c[64], d[64];

	if (!g->set || rp->o->quiet)
		return;
	report_size(rp->o, g->goal, a, sizeof(a));
	report_size(rp->o, g->before, b, sizeof(b));
	printf("group: %s %s of %s%s: %s", g->down_to ? "down to" : "limit", a,
	       g->cgroup ? "memory.current of " : "the targets' Pss",
	       g->cgroup ? g->cgroup : "", b);
	if (g->after_known)
		printf(" -> %s", report_size(rp->o, g->after, c, sizeof(c)));
	if (!g->need) {
		printf(": already met, nothing to do\n");
		return;
	}
	report_size(rp->o, g->need, c, sizeof(c));
	report_size(rp->o, g->movable, d, sizeof(d));
	if (g->met)
		printf(": goal %s (%s to shed, %s movable)\n",
		       rp->o->dry_run ? "would be met" : "met", c, d);
	else
		printf(": goal %s (%s to shed, the targets' selections could "
		       "move %s)\n", rp->o->dry_run ? "would not be met" :
		       "not met", c, d);
}

void report_group(struct report *rp, const struct group_goal *g)
{
	rp->group = *g;
}

/* ---- entry points ---- */

struct report *report_new(const struct options *o, struct err *e)
{
	struct report *rp = calloc(1, sizeof(*rp));

	if (!rp) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	rp->o = o;
	/* libsmartcols needs the locale: loaded only for a table, and before
	 * anything is advised, so its absence stops the run first */
	if (o->table || o->list) {
		setlocale(LC_ALL, "");
		/* but numbers with a point, whatever the locale: JSON has no
		 * other, and scripts parse the text too */
		setlocale(LC_NUMERIC, "C");
		if (table_load(e)) {
			free(rp);
			return NULL;
		}
	}
	if (o->json && o->list)	/* one document, even when every target fails */
		rp->table = table_new(o);
	if (o->json && !o->list) {
		rp->targets = open_memstream(&rp->targets_buf, &rp->targets_len);
		rp->freezes = open_memstream(&rp->freezes_buf, &rp->freezes_len);
		if (!rp->targets || !rp->freezes) {
			report_finish(rp);
			err_set(e, ENOMEM, "out of memory");
			return NULL;
		}
	}
	return rp;
}

/* The run's per-advice totals: each target's added by name. */
static void by_advice_add(struct report *rp, const struct target_result *r)
{
	for (size_t k = 0; k < r->nadvice; k++) {
		const struct advice_total *t = &r->by_advice[k];
		size_t j = 0;

		while (j < rp->nadvice && rp->by_advice[j].advice != t->advice)
			j++;
		if (j == rp->nadvice) {
			if (j == RESULT_ADVICES)
				continue;
			rp->by_advice[rp->nadvice++] = (struct advice_total){
				.advice = t->advice };
		}
		rp->by_advice[j].requested += t->requested;
		rp->by_advice[j].advised += t->advised;
		rp->by_advice[j].failed += t->failed;
		rp->by_advice[j].nranges += t->nranges;
		rp->by_advice[j].nskipped += t->nskipped;
	}
}

void report_target(struct report *rp, const struct target_result *r)
{
	rp->requested += r->requested;
	rp->advised += r->advised;
	rp->failed += r->failed;
	by_advice_add(rp, r);
	report_totals_add(&rp->tot, r);
	if (r->list) {
		if (!r->error)
			table_rows(rp, r);
	} else if (rp->o->json) {
		json_target(rp->targets, !rp->ntargets, r, rp->o->verbose);
	} else if (!rp->o->quiet) {
		if (rp->o->table && !r->error)
			table_rows(rp, r);
		/* --raw, --noheadings: stdout is rows a script reads; the
		 * summary is left out (-J has the totals, stderr the errors) */
		if (!rp->o->rows_only)
			human_target(rp, r);
	}
	rp->ntargets++;
}

void report_window(struct report *rp, const struct window_info *w)
{
	if (w->freeze->mode == FREEZE_NONE || !w->npids)
		return;
	if (rp->o->json && !rp->o->list) {
		json_window(rp->freezes, !rp->nfreezes++, w);
	} else if (!rp->o->quiet && !rp->o->json && !rp->o->rows_only &&
		   w->npids > 1) {
		const char *cgroup = w->freeze->cgroup;
		char *cg = cgroup ? escape_str(cgroup, ESCAPE_TERMINAL) : NULL;

		printf("one freeze (%s%s%s, %.1f ms) covered %zu targets:",
		       freeze_mode_name(w->freeze->mode), cg ? " " : "",
		       cg ? cg : "", w->frozen_ms, w->npids);
		for (size_t i = 0; i < w->npids; i++)
			printf("%s %d", i ? "," : "", w->pids[i]);
		putchar('\n');
		free(cg);
	}
}

void report_finish(struct report *rp)
{
	bool doc = rp->targets && rp->freezes;	/* the -J document's */

	if (rp->o->list)
		list_finish(rp);
	else
		print_table(rp, NULL);
	if (rp->targets)
		fclose(rp->targets);
	if (rp->freezes)
		fclose(rp->freezes);
	if (doc) {
		printf("{\"advice\":\"%s\",\"dry_run\":%s,\"requested\":%" PRIu64
		       ",\"advised\":%" PRIu64 ",\"failed\":%" PRIu64, advice_name(rp),
		       rp->o->dry_run ? "true" : "false", rp->requested, rp->advised,
		       rp->failed);
		json_totals(stdout, &rp->tot);
		json_group(stdout, &rp->group);
		json_by_advice(stdout, rp->by_advice, rp->nadvice);
		printf(",\"targets\":[%s],\"freezes\":[%s]}\n",
		       rp->targets_buf ? rp->targets_buf : "",
		       rp->freezes_buf ? rp->freezes_buf : "");
	} else if (!rp->o->json && !rp->o->quiet && !rp->o->list) {
		human_totals(rp);
		human_group(rp);
	}
	free(rp->targets_buf);
	free(rp->freezes_buf);
	free(rp);
	table_unload();
}

void report_recovered(const char *line)
{
	char *e = line ? escape_str(line, ESCAPE_TERMINAL) : NULL;

	puts(!line ? "nothing to recover" : e ? e : line);
	free(e);
}

void report_close_stdout(void)
{
	/* as util-linux's close_stream: an earlier write error, or one the
	 * close finds (it flushes: a full disk, a closed stdout); closing a
	 * stdout that was closed and never written to is no error */
	bool pending = __fpending(stdout) != 0;
	bool failed = ferror(stdout) != 0;

	if (fclose(stdout) && (pending || errno != EBADF))
		failed = true;
	/* a reader that went away (| head) is not an error */
	if (failed && errno != EPIPE) {
		msg_warn("write error on standard output: %s",
			 errno ? strerror(errno) : "I/O error");
		_exit(PMADV_EXIT_FAIL);
	}
}
