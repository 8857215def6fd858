/*
 * The window engine's pure parts against a reference model (issue 17):
 * thousands of seeded random cases, each one target run through windows
 * as engine.c runs it (engine_model.h says what is simulated and what is
 * checked). A failing case prints its seed; run it alone with
 *   build/unit/test_engine_model tests/fixtures SEED 1
 * Usage: test_engine_model FIXTURES [FIRST-SEED [CASES]]
 */
#include <time.h>

#include "lib/lib.h"

#include "check.h"
#include "engine_model.h"

#define CASES 10000

/* A case from a fixed seed gives the same choices wherever it runs: the
 * random source is the model's own generator, no libc rand(). */
static void test_generator(void)
{
	struct em_rng a, b;

	em_rng_seed(&a, 42);
	em_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		CHECK_U64(em_rnd(&a, 1000003), em_rnd(&b, 1000003));
	/* the fuzzer's bytes first, one a choice below 256 */
	{
		const uint8_t d[] = { 7, 200, 1, 2, 3, 4 };

		em_rng_bytes(&a, d, sizeof(d));
		CHECK_U64(em_rnd(&a, 10), 7);
		CHECK_U64(em_rnd(&a, 256), 200);
		CHECK_U64(em_rnd(&a, 1u << 20), 0x01020304 % (1u << 20));
	}
}

/* ---- each known bug (engine_model.h) on its smallest case ---- */

/* cond: what should hold. While the bug is in EM_KNOWN_BUGS, a case that
 * shows it is said (and passes); once it is taken out, a failure. */
#define KNOWN(bit, cond, ...)                                                \
	do {                                                                 \
		CHECK_NOTE(__VA_ARGS__);                                     \
		if (!(EM_KNOWN_BUGS & (bit))) {                              \
			CHECK(cond);                                         \
		} else if (!(cond)) {                                        \
			printf("engine model: KNOWN BUG %d reproduced: %s\n", \
			       bit, check_note);                             \
		} else {                                                     \
			printf("engine model: known bug %d does not show in " \
			       "its case (%s): fixed? then take it out of "  \
			       "EM_KNOWN_BUGS\n", bit, #cond);               \
		}                                                            \
		CHECK_NOTE("%s", "");                                        \
	} while (0)

#define A(x) ((uint64_t)0x7f0000000000 + (x))

/* Parse text (a copy) into *m; the text is kept for the names. */
static char *parse(const char *text, struct maps *m)
{
	char *t = strdup(text);
	struct err e;

	memset(m, 0, sizeof(*m));
	if (!t || maps_parse(t, strlen(t), m, NULL, &e))
		abort();
	return t;
}

static const char *anon_futile(const struct mapping *mp,
				const struct piece *pc, void *ctx)
{
	(void)ctx;
	(void)pc;
	return mapping_class(mp) == CLASS_ANON ? "no swap device" : NULL;
}

/* Bug 1 (fixed): pageout without swap. engine.c once noted the plan's
 * skips in the ledger before resident_futile added its own; now the
 * skips go in after the window (commit_member), futile ones included. */
static void known_futile(void)
{
	struct selection sel = { .all = true };
	struct ledger l = { 0 };
	struct plan p, out;
	struct maps m, om;
	struct advise_result *res;
	char *t = parse("7f0000010000-7f0000020000 rw-p 00000000 00:00 0 \n", &m);
	char *ot;

	if (select_plan(&m, &sel, ADVICE_PAGEOUT, &p) || ledger_subtract(&l, &p) ||
	    futile_apply(&p, &m, anon_futile, NULL) || ledger_note_plan(&l, &p, &m))
		abort();
	CHECK_U64(p.npieces, 0);	/* nothing to advise: the window ends */
	CHECK_U64(p.nskips, 1);
	if (ledger_result(&l, &ot, &om, &out, &res))
		abort();
	KNOWN(1, out.nskips == 1, "pageout, no swap, one anonymous mapping "
	      "7f0000010000-7f0000020000: the window's plan skips it (no swap "
	      "device); ledger_result: %zu skip rows, expected 1", out.nskips);
	free(ot);
	free(res);
	maps_free(&om);
	plan_free(&out);
	plan_free(&p);
	maps_free(&m);
	free(t);
	ledger_free(&l);
}

/* Bug 2: window 1 advised the first 4 pages of a mapping, then ended; by
 * window 2 the mapping was locked (smaps: refused). ledger_note_plan drops
 * the skip because it overlaps the entry, also its part no entry has. */
static void known_partial_skip(void)
{
	struct selection sel = { .all = true };
	struct ledger l = { 0 };
	struct plan p, out;
	struct maps m, om;
	struct advise_result *res;
	char *t = parse("7f0000010000-7f0000020000 rw-p 00000000 00:00 0 \n"
			"VmFlags: rd wr mr mw me ac lo\n", &m);
	char *ot;
	uint64_t skipped = 0;

	if (ledger_add(&l, &m.v[0], A(0x10000), A(0x14000), 0, 0x4000, 0) ||
	    select_plan(&m, &sel, ADVICE_COLD, &p) || ledger_note_plan(&l, &p, &m) ||
	    ledger_subtract(&l, &p))
		abort();
	CHECK_U64(p.nskips, 1);		/* locked: refused for cold */
	if (ledger_result(&l, &ot, &om, &out, &res))
		abort();
	for (size_t i = 0; i < out.nskips; i++)
		skipped += out.skips[i].end - out.skips[i].start;
	KNOWN(2, skipped == 0xc000, "window 1 advised 7f0000010000-7f0000014000 "
	      "of 7f0000010000-7f0000020000, window 2 found it locked: skip rows "
	      "hold %#llx bytes, expected 0xc000 (7f0000014000-7f0000020000 is in "
	      "no row)", (unsigned long long)skipped);
	free(ot);
	free(res);
	maps_free(&om);
	plan_free(&out);
	plan_free(&p);
	maps_free(&m);
	free(t);
	ledger_free(&l);
}

/* Bug 4: the page a window must take whatever the work limit, when it
 * ends its piece: chunk_take reports its work as 0, and goes on. */
static void known_forced_work(void)
{
	struct mapping mv[2] = { { .start = A(0x10000), .end = A(0x11000) },
				 { .start = A(0x20000), .end = A(0x30000) } };
	struct maps m = { .v = mv, .n = 2 };
	struct piece pcs[2] = { { A(0x10000), A(0x11000), 0, 0 },
				{ A(0x20000), A(0x30000), 1, 0 } };
	struct plan p = { .pieces = pcs, .npieces = 1, .bytes = 0x1000 };
	struct advise_result res[2] = { { 0 } };
	struct res_spans spans = { 0 };
	struct workmap all = { .page = 4096 };	/* no spans: all is work */
	struct workmap wm = { .spans = &spans, .covered = pcs, .ncovered = 2,
			      .mask = RES_PRESENT, .page = 4096 };
	struct chunk_limits lim = { .work = 1, .bytes = ADVISE_MAX_BYTES,
				    .pieces = ADVISE_MAX_IOV, .page = 4096 };
	struct piece iov[ADVISE_MAX_IOV];
	struct cursor c;
	uint64_t work = 0;
	size_t n;

	/* one piece of one page, all of it work */
	cursor_init(&c, &p, &m, res);
	n = chunk_take(&c, &all, &lim, iov, &work);
	CHECK_U64(n, 1);
	KNOWN(4, work == 0x1000, "one piece 7f0000010000-7f0000011000 (all work), "
	      "work limit 1: the forced page's work is %llu, expected 4096",
	      (unsigned long long)work);
	/* then a piece with no work (nothing present): the chunk goes on */
	if (resspan_add(&spans, A(0x10000), A(0x11000), RES_PRESENT))
		abort();
	p.npieces = 2;
	p.bytes = 0x11000;
	cursor_init(&c, &p, &m, res);
	n = chunk_take(&c, &wm, &lim, iov, &work);
	KNOWN(4, n == 1 && work == 0x1000, "pieces 7f0000010000-7f0000011000 "
	      "(present) and 7f0000020000-7f0000030000 (absent), cold, work limit "
	      "1: %zu iovecs, work %llu; expected the forced page alone, work 4096",
	      n, (unsigned long long)work);
	resspan_free(&spans);
}

/* Bug 8: collapse over two aligned huge pages, a chunk of 3 MiB of work:
 * chunk_take cuts at 0x500000, inside the second huge page; the next
 * call's 0x500000-0x600000 holds no whole huge page (EINVAL), and the
 * huge page at 0x400000 is collapsed by neither call. */
static void known_collapse_cut(void)
{
	struct mapping mv[1] = { { .start = A(0x200000), .end = A(0x600000) } };
	struct maps m = { .v = mv, .n = 1 };
	struct piece pcs[1] = { { A(0x200000), A(0x600000), 0, 0 } };
	struct plan p = { .pieces = pcs, .npieces = 1, .bytes = 0x400000 };
	struct advise_result res[1] = { { 0 } };
	struct workmap all = { .page = 4096 };
	struct chunk_limits lim = { .work = 3 << 20, .bytes = ADVISE_MAX_BYTES,
				    .pieces = ADVISE_MAX_IOV, .page = 4096,
				    .align = HUGE_PAGE_SIZE };	/* as engine.c */
	struct piece iov[ADVISE_MAX_IOV];
	struct cursor c;
	uint64_t work;
	size_t n;

	cursor_init(&c, &p, &m, res);
	n = chunk_take(&c, &all, &lim, iov, &work);
	CHECK_U64(n, 1);
	KNOWN(8, !(iov[0].end % HUGE_PAGE_SIZE), "collapse of 7f0000200000-"
	      "7f0000600000, work limit 3 MiB: the chunk ends at %llx, inside "
	      "the huge page 7f0000400000-7f0000600000",
	      (unsigned long long)iov[0].end);
}

/* Bug 16: window 1 found the mapping locked (a skip); munlocked by window
 * 2, which advised it. The skip stays: two rows over the same bytes. */
static void known_stale_skip(void)
{
	struct selection sel = { .all = true };
	struct ledger l = { 0 };
	struct plan p1, p2, out;
	struct maps m1, m2, om;
	struct advise_result *res, r2[1] = { { 0 } };
	char *t1 = parse("7f0000010000-7f0000020000 rw-p 00000000 00:00 0 \n"
			 "VmFlags: rd wr mr mw me ac lo\n", &m1);
	char *t2 = parse("7f0000010000-7f0000020000 rw-p 00000000 00:00 0 \n", &m2);
	struct workmap all = { .page = 4096 };
	struct chunk_limits lim = { .work = UINT64_MAX, .bytes = ADVISE_MAX_BYTES,
				    .pieces = ADVISE_MAX_IOV, .page = 4096 };
	struct piece iov[ADVISE_MAX_IOV];
	struct cursor c;
	uint64_t work;
	char *ot;
	bool overlap = false;

	if (select_plan(&m1, &sel, ADVICE_COLD, &p1) || ledger_note_plan(&l, &p1, &m1) ||
	    ledger_subtract(&l, &p1))
		abort();
	CHECK_U64(p1.npieces, 0);
	if (select_plan(&m2, &sel, ADVICE_COLD, &p2) || ledger_note_plan(&l, &p2, &m2) ||
	    ledger_subtract(&l, &p2))
		abort();
	CHECK_U64(p2.npieces, 1);
	cursor_init(&c, &p2, &m2, r2);
	CHECK_U64(chunk_take(&c, &all, &lim, iov, &work), 1);
	chunk_record(&c, 0, iov, (struct advise_result[]){ { 0x10000, 0 } }, 1);
	if (chunk_commit(&c, &l) || ledger_result(&l, &ot, &om, &out, &res))
		abort();
	for (size_t i = 0; i < out.npieces; i++)
		for (size_t j = 0; j < out.nskips; j++)
			overlap |= out.pieces[i].start < out.skips[j].end &&
				   out.skips[j].start < out.pieces[i].end;
	KNOWN(16, !overlap, "7f0000010000-7f0000020000 locked in window 1, "
	      "advised in window 2: ledger_result has %zu range rows and %zu skip "
	      "rows over the same bytes; expected no overlap", out.npieces, out.nskips);
	free(ot);
	free(res);
	maps_free(&om);
	plan_free(&out);
	plan_free(&p1);
	plan_free(&p2);
	maps_free(&m1);
	maps_free(&m2);
	free(t1);
	free(t2);
	ledger_free(&l);
}

int main(int argc, char **argv)
{
	uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	unsigned long n = argc > 3 ? strtoul(argv[3], NULL, 0) : CASES;
	struct em_stats st = { 0 };
	unsigned long bad = 0;
	struct timespec t0, t1;
	char msg[1536];
	uint64_t known_seed[EM_NBUGS] = { 0 };

	test_generator();
	known_futile();
	known_partial_skip();
	known_forced_work();
	known_collapse_cut();
	known_stale_skip();
	em_trace = n == 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		struct em_rng r;
		uint64_t seed = first + i;
		unsigned long known[EM_NBUGS];

		memcpy(known, st.known, sizeof(known));
		em_rng_seed(&r, seed);
		if (em_case(&r, &st, msg, sizeof(msg))) {
			if (bad++ < 10)
				fprintf(stderr, "engine model: seed %" PRIu64 ": %s\n",
					seed, msg);
		}
		for (int b = 0; b < EM_NBUGS; b++)
			if (st.known[b] > known[b] && !known_seed[b])
				known_seed[b] = seed;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* known bugs in src/ (engine_model.h): said, not failed, until fixed */
	for (int b = 0; b < EM_NBUGS; b++)
		if (EM_KNOWN_BUGS & 1u << b && st.known[b])
			printf("engine model: KNOWN BUG %d (%s): %lu of %lu cases, "
			       "first seed %" PRIu64 " (expected until fixed)\n",
			       1 << b, em_bug_names[b], st.known[b], n, known_seed[b]);
		else if (EM_KNOWN_BUGS & 1u << b && n >= CASES)
			printf("engine model: known bug %d (%s) not seen in %lu cases: "
			       "fixed? then take it out of EM_KNOWN_BUGS\n", 1 << b,
			       em_bug_names[b], n);
	CHECK_NOTE("%lu of %lu cases violate the model (seeds above)", bad, n);
	CHECK_U64(bad, 0);
	/* the cases reached what they are for */
	if (n >= 1000) {
		CHECK(st.cuts > 1000);		/* cuts inside pieces */
		CHECK(st.forced > 10);		/* the one page over the work limit */
		CHECK(st.windows > 2 * st.cases);	/* changes between them */
		CHECK(st.budgets > 100 && st.fatal > 10 && st.stops > 10);
		CHECK(st.einval > 100 && st.changes > 1000 && st.skiprows > 100);
		CHECK(st.max_iov > 500);	/* chunks near UIO_MAXIOV */
	}
	printf("engine model: %lu cases from seed %" PRIu64 " in %.2f s: %lu windows, "
	       "%lu chunks, %lu iovecs (%lu cut inside a piece, %lu one forced page, "
	       "up to %lu in a chunk), "
	       "%lu changes between windows, %lu budgets, %lu ESRCH, %lu stops, "
	       "%lu EINVAL, %lu ENOMEM, %lu rows, %lu skip rows, %lu pages advised\n",
	       n, first, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       st.windows, st.chunks, st.iovecs, st.cuts, st.forced, st.max_iov, st.changes,
	       st.budgets, st.fatal, st.stops, st.einval, st.enomem, st.rows,
	       st.skiprows, st.pages_advised);
	return check_done();
}
