/* Unit tests: select_pairs (several advices in one run) against a
 * reference model, page by page, over seeded random maps and pairs; and
 * the one-pair case against select_plan.
 *
 * The model: a page belongs to the first pair whose selection takes it
 * (a range covering it, or its mapping named, matched by a regex or
 * --all; and the pair's filters passing its mapping). Within a mapping,
 * each maximal run of pages of one pair is one piece of that pair, or
 * one skip when the pair's advice is refused there (select_refusal) or is
 * collapse and the run holds no whole 2 MiB huge page. Selectors that hit
 * nothing are listed pair by pair. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "plan/plan.h"
#include "engine/engine.h"

#define PAGE 4096ULL
#define MAXMAPS 12
#define MAXPAIRS 4
#define MAXSEL 3

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick(uint64_t n)
{
	return next() % n;
}

struct kind {
	const char *name;
	const char *perms;
	bool deleted;
};

static const struct kind kinds[] = {
	{ "", "rw-p", false },
	{ "[heap]", "rw-p", false },
	{ "[stack]", "rw-p", false },
	{ "[vvar]", "r--p", false },
	{ "[vdso]", "r-xp", false },
	{ "/usr/lib/libc.so.6", "r-xp", false },
	{ "/usr/lib/libc.so.6", "rw-p", false },
	{ "/data/file.bin", "r--s", false },
	{ "/data/file.bin", "r--p", false },
	{ "/dev/zero", "rw-s", true },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *const names[] = {
	"[heap]", "[stack]", "libc.so.6", "/data/file.bin", "libnone.so", "[vvar]",
};
static const char *const regexes[] = { "^$", "\\.so", "^\\[", "file", "zzz" };

static const char *const advice_names[] = { "cold", "pageout", "willneed", "collapse" };

struct tcase {
	struct mapping v[MAXMAPS];
	struct maps maps;
	struct selection sel[MAXPAIRS];
	struct pair_sel pairs[MAXPAIRS];
	size_t npairs;
	char range_text[MAXPAIRS][MAXSEL][48];
};

static void gen_maps(struct tcase *t)
{
	uint64_t at = 0x100000 + pick(4) * PAGE;
	size_t n = 1 + pick(MAXMAPS);

	for (size_t i = 0; i < n; i++) {
		const struct kind *k = &kinds[pick(NKINDS)];
		struct mapping *m = &t->v[i];
		uint64_t pages;

		/* now and then huge-page sized and aligned: collapse's case */
		if (pick(4) == 0) {
			at = (at + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
			at += pick(2) * PAGE * 16;
			pages = 512 + pick(3) * 256 + pick(600);
		} else {
			pages = 1 + pick(24);
		}
		memset(m, 0, sizeof(*m));
		m->start = at;
		m->end = at + pages * PAGE;
		m->name = k->name;
		m->name_len = (uint32_t)strlen(k->name);
		memcpy(m->perms, k->perms, 4);
		m->deleted = k->deleted;
		m->vmflags = VMF_KNOWN | (pick(8) == 0 ? VMF_LOCKED : 0);
		at = m->end + (pick(3) ? 0 : (1 + pick(8)) * PAGE);
	}
	t->maps.v = t->v;
	t->maps.n = t->maps.cap = n;
}

static void gen_sel(struct tcase *t, size_t k)
{
	struct selection *s = &t->sel[k];
	uint64_t lo = t->v[0].start - 4 * PAGE, span = t->v[t->maps.n - 1].end + 4 * PAGE - lo;
	struct err e;

	memset(s, 0, sizeof(*s));
	do {
		if (pick(6) == 0)
			s->all = true;
		s->nranges = pick(MAXSEL + 1);
		s->ranges = calloc(MAXSEL, sizeof(*s->ranges));
		s->range_src = calloc(MAXSEL, sizeof(*s->range_src));
		for (size_t r = 0; r < s->nranges; r++) {
			uint64_t a = lo + pick(span / PAGE) * PAGE;
			uint64_t len = (1 + pick(pick(2) ? 16 : 800)) * PAGE;

			s->ranges[r] = (struct addr_range){ a, a + len };
			snprintf(t->range_text[k][r], sizeof(t->range_text[k][r]),
				 "0x%" PRIx64 "+%" PRIu64, a, len);
			s->range_src[r] = t->range_text[k][r];
		}
		s->nnames = pick(MAXSEL);
		s->names = calloc(MAXSEL, sizeof(*s->names));
		for (size_t r = 0; r < s->nnames; r++)
			s->names[r] = names[pick(sizeof(names) / sizeof(names[0]))];
		for (size_t r = pick(MAXSEL); r > 0; r--)
			if (select_add_regex(s, regexes[pick(sizeof(regexes) / sizeof(regexes[0]))], &e))
				abort();
		if (pick(3) == 0)
			s->filters = (unsigned int)pick(16);
		if (selection_empty(s))
			selection_free(s);
	} while (selection_empty(s));
	t->pairs[k].sel = s;
	t->pairs[k].advice = advice_lookup(advice_names[pick(4)]);
}

/* ---- the model ---- */

static bool filters_pass(const struct mapping *m, unsigned int f)
{
	enum map_class c = mapping_class(m);
	bool shared = m->perms[3] == 's';

	if ((f & (SEL_ANON | SEL_FILE)) &&
	    !((f & SEL_ANON && c == CLASS_ANON) || (f & SEL_FILE && c == CLASS_FILE)))
		return false;
	if ((f & (SEL_PRIVATE | SEL_SHARED)) &&
	    !((f & SEL_SHARED && shared) || (f & SEL_PRIVATE && !shared)))
		return false;
	return true;
}

static bool whole_map(const struct selection *s, const struct mapping *m)
{
	bool want = s->all;

	for (size_t k = 0; k < s->nnames; k++)
		want = want || select_name_matches(s->names[k], m);
	for (size_t k = 0; k < s->nregexes; k++)
		want = want || !regexec(&s->regexes[k].re, m->name, 0, NULL, 0);
	return want;
}

static bool takes(const struct selection *s, const struct mapping *m, uint64_t page)
{
	bool want = whole_map(s, m);

	for (size_t r = 0; r < s->nranges && !want; r++)
		want = s->ranges[r].start <= page && page < s->ranges[r].end;
	return want && filters_pass(m, s->filters);
}

struct mpiece {
	uint64_t start, end;
	uint32_t map, pair;
	const char *reason;	/* NULL: a piece */
};

static size_t model(const struct tcase *t, struct mpiece *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->maps.n; i++) {
		const struct mapping *m = &t->v[i];
		uint64_t run = 0;
		int owner = -1;

		for (uint64_t p = m->start; p <= m->end; p += PAGE) {
			int o = -1;

			for (size_t k = 0; p < m->end && k < t->npairs && o < 0; k++)
				if (takes(t->pairs[k].sel, m, p))
					o = (int)k;
			if (o == owner && p < m->end)
				continue;
			if (owner >= 0 && n < max) {
				int adv = t->pairs[owner].advice->value;
				const char *why = select_refusal(m, adv);

				if (!why && adv == ADVICE_COLLAPSE &&
				    ((run + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1)) +
				    HUGE_PAGE_SIZE > p)
					why = "collapse";
				out[n++] = (struct mpiece){ run, p, (uint32_t)i,
							    (uint32_t)owner, why };
			}
			owner = o;
			run = p;
		}
	}
	return n;
}

/* Unmatched selectors, pair by pair: ranges, names, regexes. */
static size_t model_unmatched(const struct tcase *t, const char **what, size_t max)
{
	size_t n = 0;

	for (size_t k = 0; k < t->npairs; k++) {
		const struct selection *s = t->pairs[k].sel;

		for (size_t r = 0; r < s->nranges; r++) {
			bool hit = false;

			for (size_t i = 0; i < t->maps.n; i++)
				hit = hit || (t->v[i].start < s->ranges[r].end &&
					      s->ranges[r].start < t->v[i].end);
			if (!hit && n < max)
				what[n++] = s->range_src[r];
		}
		for (size_t r = 0; r < s->nnames; r++) {
			bool hit = false;

			for (size_t i = 0; i < t->maps.n; i++)
				hit = hit || select_name_matches(s->names[r], &t->v[i]);
			if (!hit && n < max)
				what[n++] = s->names[r];
		}
		for (size_t r = 0; r < s->nregexes; r++) {
			bool hit = false;

			for (size_t i = 0; i < t->maps.n; i++)
				hit = hit || !regexec(&s->regexes[r].re, t->v[i].name, 0, NULL, 0);
			if (!hit && n < max)
				what[n++] = s->regexes[r].src;
		}
	}
	return n;
}

/* ---- the comparison ---- */

static bool same(const struct tcase *t, const struct plan *p, uint64_t seed)
{
	struct mpiece want[MAXMAPS * MAXPAIRS * 8];
	const char *um[MAXPAIRS * MAXSEL * 3];
	size_t n = model(t, want, sizeof(want) / sizeof(want[0]));
	size_t nu = model_unmatched(t, um, sizeof(um) / sizeof(um[0]));
	size_t ip = 0, is = 0;
	uint64_t bytes = 0;
	bool ok = true;

	for (size_t j = 0; j < n && ok; j++) {
		const struct mpiece *w = &want[j];

		if (!w->reason) {
			const struct piece *g = ip < p->npieces ? &p->pieces[ip++] : NULL;

			ok = g && g->start == w->start && g->end == w->end &&
			     g->map == w->map && g->pair == w->pair;
			bytes += w->end - w->start;
		} else {
			const struct skip *g = is < p->nskips ? &p->skips[is++] : NULL;

			ok = g && g->start == w->start && g->end == w->end &&
			     g->map == w->map && g->pair == w->pair &&
			     (strcmp(w->reason, "collapse") ?
			      !strcmp(g->reason, w->reason) :
			      !!strstr(g->reason, "huge page"));
		}
		if (!ok)
			fprintf(stderr, "seed %" PRIu64 ": model's %s %zu "
				"[0x%" PRIx64 ",0x%" PRIx64 ") map %u pair %u differs\n",
				seed, w->reason ? "skip" : "piece", j, w->start,
				w->end, w->map, w->pair);
	}
	if (ok && (ip != p->npieces || is != p->nskips || bytes != p->bytes)) {
		fprintf(stderr, "seed %" PRIu64 ": %zu pieces, %zu skips, %" PRIu64
			" bytes; the model: %zu, %zu, %" PRIu64 "\n", seed, p->npieces,
			p->nskips, p->bytes, ip, is, bytes);
		ok = false;
	}
	for (size_t k = 1; ok && k < p->npieces; k++)
		ok = p->pieces[k - 1].end <= p->pieces[k].start;
	if (ok && nu != p->nunmatched) {
		fprintf(stderr, "seed %" PRIu64 ": %zu unmatched, the model %zu\n",
			seed, p->nunmatched, nu);
		ok = false;
	}
	for (size_t k = 0; ok && k < nu; k++)
		ok = p->unmatched[k].what == um[k];
	return ok;
}

static void free_case(struct tcase *t)
{
	for (size_t k = 0; k < t->npairs; k++)
		selection_free(&t->sel[k]);
}

static void test_random(void)
{
	const uint64_t cases = 3000;
	size_t bad = 0, multi = 0, shared = 0;

	for (uint64_t seed = 1; seed <= cases; seed++) {
		struct tcase t;
		struct plan p;

		rng = seed * 0x9e3779b97f4a7c15ULL;
		memset(&t, 0, sizeof(t));
		gen_maps(&t);
		t.npairs = 1 + pick(MAXPAIRS);
		for (size_t k = 0; k < t.npairs; k++)
			gen_sel(&t, k);
		if (select_pairs(&t.maps, t.pairs, t.npairs, &p)) {
			bad++;
			free_case(&t);
			continue;
		}
		multi += t.npairs > 1;
		for (size_t k = 0; k < p.npieces; k++)
			shared += k && p.pieces[k].map == p.pieces[k - 1].map &&
				  p.pieces[k].pair != p.pieces[k - 1].pair;
		bad += !same(&t, &p, seed);
		plan_free(&p);
		free_case(&t);
	}
	CHECK_NOTE("select_pairs matches the model in %" PRIu64 " seeded cases", cases);
	CHECK_U64(bad, 0);
	/* the cases do exercise what matters: several pairs, and mappings
	 * cut between two pairs */
	CHECK_NOTE("cases with several pairs, mappings split between pairs");
	CHECK(multi > cases / 2);
	CHECK(shared > 50);
}

/* One pair is select_plan's plan, piece for piece. */
static void test_one_pair(void)
{
	size_t bad = 0;

	for (uint64_t seed = 1; seed <= 500; seed++) {
		struct tcase t;
		struct plan a, b;

		rng = seed * 0x2545f4914f6cdd1dULL;
		memset(&t, 0, sizeof(t));
		gen_maps(&t);
		t.npairs = 1;
		gen_sel(&t, 0);
		if (select_pairs(&t.maps, t.pairs, 1, &a) ||
		    select_plan(&t.maps, t.pairs[0].sel, t.pairs[0].advice->value, &b))
			abort();
		bad += a.npieces != b.npieces || a.nskips != b.nskips || a.bytes != b.bytes ||
		       (a.npieces && memcmp(a.pieces, b.pieces, a.npieces * sizeof(*a.pieces))) ||
		       (a.nskips && memcmp(a.skips, b.skips, a.nskips * sizeof(*a.skips)));
		bad += !same(&t, &a, seed);
		plan_free(&a);
		plan_free(&b);
		free_case(&t);
	}
	CHECK_NOTE("one pair: select_pairs is select_plan, and the model");
	CHECK_U64(bad, 0);
}

/* The runbook's case, by hand: anonymous to pageout, files cold, the heap
 * named by both: it goes to the first pair only. */
static void test_first_wins(void)
{
	struct tcase t;
	struct plan p;

	rng = 7;
	memset(&t, 0, sizeof(t));
	t.v[0] = (struct mapping){ .start = 0x10000, .end = 0x20000, .name = "[heap]",
				   .name_len = 6, .perms = { 'r', 'w', '-', 'p' } };
	t.v[1] = (struct mapping){ .start = 0x20000, .end = 0x30000,
				   .name = "/data/file.bin", .name_len = 14,
				   .perms = { 'r', '-', '-', 'p' } };
	t.v[2] = (struct mapping){ .start = 0x40000, .end = 0x50000, .name = "",
				   .perms = { 'r', 'w', '-', 'p' } };
	t.maps.v = t.v;
	t.maps.n = 3;
	t.sel[0].all = true;
	t.sel[0].filters = SEL_ANON;
	t.sel[1].all = true;
	t.sel[1].filters = SEL_FILE;
	t.sel[2].names = calloc(1, sizeof(char *));
	t.sel[2].names[0] = "[heap]";
	t.sel[2].nnames = 1;
	t.npairs = 3;
	t.pairs[0] = (struct pair_sel){ &t.sel[0], advice_lookup("pageout") };
	t.pairs[1] = (struct pair_sel){ &t.sel[1], advice_lookup("cold") };
	t.pairs[2] = (struct pair_sel){ &t.sel[2], advice_lookup("willneed") };
	CHECK_NOTE("anon -> pageout, file -> cold, [heap] -> willneed");
	CHECK_INT(select_pairs(&t.maps, t.pairs, t.npairs, &p), 0);
	CHECK_U64(p.npieces, 3);
	if (p.npieces == 3) {
		CHECK_U64(p.pieces[0].pair, 0);	/* [heap]: pageout, first */
		CHECK_U64(p.pieces[1].pair, 1);	/* the file: cold */
		CHECK_U64(p.pieces[2].pair, 0);	/* anonymous: pageout */
	}
	CHECK_U64(p.nunmatched, 0);	/* [heap] matched, though taken */
	CHECK(same(&t, &p, 0));
	plan_free(&p);
	free_case(&t);
}

/* The engine's pure half: a chunk holds one pair's pieces (one call, one
 * advice), and the ledger keeps each piece's pair across windows. */
static void test_chunks_and_ledger(void)
{
	struct mapping mv[2] = {
		{ .start = 0x10000, .end = 0x20000, .name = "", .perms = { 'r', 'w', '-', 'p' } },
		{ .start = 0x20000, .end = 0x30000, .name = "/f", .name_len = 2,
		  .perms = { 'r', '-', '-', 'p' } },
	};
	struct maps m = { .v = mv, .n = 2 };
	struct piece pcs[3] = { { 0x10000, 0x18000, 0, 0 }, { 0x18000, 0x20000, 0, 1 },
				{ 0x20000, 0x30000, 1, 1 } };
	struct plan p = { .pieces = pcs, .npieces = 3, .bytes = 0x20000 };
	struct advise_result res[3] = { { 0 } }, r[4];
	struct workmap wm = { .page = PAGE };
	struct chunk_limits lim = { .work = UINT64_MAX, .bytes = UINT64_MAX / 2,
				    .pieces = 4, .page = PAGE };
	struct piece out[4];
	/* a later window's plan, freed by ledger_subtract when it cuts */
	struct plan again = { .pieces = malloc(sizeof(struct piece)), .npieces = 1,
			      .bytes = 0x20000 };
	struct ledger l = { 0 };
	struct cursor c;
	uint64_t work;
	size_t k;
	char *text;
	struct maps om;
	struct plan op;
	struct advise_result *ores;

	if (!again.pieces)
		abort();
	again.pieces[0] = (struct piece){ 0x10000, 0x30000, 0, 0 };
	cursor_init(&c, &p, &m, res);
	k = chunk_take(&c, &wm, &lim, out, &work);
	CHECK_NOTE("chunk_take: pair 0's piece alone, then pair 1's two");
	CHECK_U64(k, 1);
	CHECK_U64(out[0].pair, 0);
	r[0] = (struct advise_result){ 0x8000, 0 };
	chunk_record(&c, 0, out, r, k);
	k = chunk_take(&c, &wm, &lim, out, &work);
	CHECK_U64(k, 2);
	CHECK_U64(out[0].pair + out[1].pair, 2);
	r[0] = (struct advise_result){ 0x8000, 0 };
	r[1] = (struct advise_result){ 0x10000, 0 };
	chunk_record(&c, 1, out, r, k);
	CHECK(cursor_done(&c));
	CHECK_NOTE("the ledger: pairs kept; a later window's plan gets nothing");
	CHECK_INT(chunk_commit(&c, &l), 0);
	CHECK_INT(ledger_subtract(&l, &again), 0);
	CHECK_U64(again.npieces, 0);
	CHECK_INT(ledger_result(&l, &text, &om, &op, &ores), 0);
	/* the two parts of mapping 0 are not joined: two advices */
	CHECK_U64(op.npieces, 3);
	if (op.npieces == 3) {
		CHECK_U64(op.pieces[0].pair, 0);
		CHECK_U64(op.pieces[1].pair, 1);
		CHECK_U64(op.pieces[2].pair, 1);
		CHECK_U64(ores[0].advised + ores[1].advised + ores[2].advised, 0x20000);
	}
	free(text);
	free(ores);
	maps_free(&om);
	plan_free(&op);
	ledger_free(&l);
	free(again.pieces);
}

int main(void)
{
	test_chunks_and_ledger();
	test_first_wins();
	test_one_pair();
	test_random();
	return check_done();
}
