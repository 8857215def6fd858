/* Unit tests of engine/ledger.c (the record of ranges across bounded
 * windows) and the pacing in engine/chunk.c (work per call from measured
 * time per byte of work). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/engine.h"

#define PG 4096ULL

static struct mapping map(uint64_t start, uint64_t end, const char *name)
{
	struct mapping m = { .start = start, .end = end, .name = name,
			     .name_len = (uint32_t)strlen(name) };

	memcpy(m.perms, "rw-p", 4);
	return m;
}

static void test_subtract(void)
{
	struct ledger l = { 0 };
	struct mapping m = map(0x10000, 0x20000, "[heap]");
	struct piece pcs[2] = { { 0x10000, 0x20000, 0, 0 }, { 0x30000, 0x31000, 1, 0 } };
	struct plan p = { .npieces = 2 };

	p.pieces = malloc(sizeof(pcs));
	memcpy(p.pieces, pcs, sizeof(pcs));
	/* added out of order: the later window's piece first */
	CHECK_INT(ledger_add(&l, &m, 0x18000, 0x1a000, 0, 0x2000, 0), 0);
	CHECK_INT(ledger_add(&l, &m, 0x10000, 0x12000, 0, 0x2000, 0), 0);
	CHECK_INT(ledger_subtract(&l, &p), 0);
	CHECK_U64(p.npieces, 3);
	CHECK_U64(p.pieces[0].start, 0x12000);
	CHECK_U64(p.pieces[0].end, 0x18000);
	CHECK_U64(p.pieces[1].start, 0x1a000);
	CHECK_U64(p.pieces[1].end, 0x20000);
	CHECK_U64(p.pieces[2].start, 0x30000);
	CHECK_U64(p.pieces[2].map, 1);
	CHECK_U64(p.bytes, 0x6000 + 0x6000 + 0x1000);
	CHECK_U64(l.attempted, 0x4000);
	plan_free(&p);
	ledger_free(&l);
}

static void test_result(void)
{
	struct ledger l = { 0 };
	struct mapping m = map(0x10000, 0x20000, "[heap]");
	struct mapping v = map(0xff000, 0x100000, "[vsyscall]");
	struct skip sk = { 0xff000, 0x100000, 0, 0, "special" };
	struct unmatched um = { "mapping", "libfoo.so" };
	struct maps maps = { .v = &v, .n = 1 };
	struct plan p = { .skips = &sk, .nskips = 1, .unmatched = &um, .nunmatched = 1 };
	struct plan q = { 0 }, out;
	struct advise_result *res;
	struct maps om;
	char *text;

	/* three windows' pieces of one mapping, the last one failed */
	ledger_add(&l, &m, 0x10000, 0x14000, 0, 0x4000, 0);
	ledger_add(&l, &m, 0x14000, 0x18000, 0, 0x4000, 0);
	ledger_add(&l, &m, 0x18000, 0x20000, 0, 0x1000, 12);
	CHECK_INT(ledger_note_plan(&l, &p, &maps), 0);
	CHECK_INT(ledger_note_plan(&l, &p, &maps), 0);	/* no second skip */
	CHECK_INT(ledger_note_plan(&l, &q, &maps), 0);	/* it matched later */
	CHECK_INT(ledger_result(&l, &text, &om, &out, &res), 0);
	CHECK_U64(out.npieces, 2);	/* whole ones joined; the failed apart */
	CHECK_U64(out.pieces[0].start, 0x10000);
	CHECK_U64(out.pieces[0].end, 0x18000);
	CHECK_U64(res[0].advised, 0x8000);
	CHECK_INT(res[1].err, 12);
	CHECK_U64(out.nskips, 1);
	CHECK_STR(om.v[out.skips[0].map].name, "[vsyscall]");
	CHECK_STR(om.v[out.pieces[1].map].name, "[heap]");
	CHECK_U64(out.nunmatched, 0);
	free(text);
	free(res);
	maps_free(&om);
	plan_free(&out);
	ledger_free(&l);
}

static void test_pace(void)
{
	struct pace p;

	pace_init(&p, 100000000ULL);			/* a 100 ms window */
	CHECK_U64(pace_work(&p, 1000000000ULL), PACE_PROBE_BYTES); /* unmeasured */
	pace_record(&p, 1ULL << 20, 1ULL << 20);	/* 1 ns per byte */
	/* a sixteenth of the window at most: 6.25 ms */
	CHECK_U64(pace_work(&p, 100000000ULL), 6250000ULL);
	/* three quarters of what is left */
	CHECK_U64(pace_work(&p, 8000000ULL), 6000000ULL);
	/* less than an eighth of a slice: thaw */
	CHECK_U64(pace_work(&p, 1000000ULL), 0);
	pace_record(&p, 1ULL << 20, 4ULL << 20);	/* slower: believed */
	CHECK_U64(pace_work(&p, 100000000ULL), 1562500ULL);
	pace_record(&p, 1ULL << 20, 1ULL << 20);	/* faster: half */
	CHECK_U64(pace_work(&p, 100000000ULL), 2500000ULL);
	/* calls over empty memory (no work) return at once: they teach the
	 * fixed part of a call, never a faster device */
	for (int i = 0; i < 100; i++)
		pace_record(&p, 0, 10000);
	CHECK_U64(pace_work(&p, 100000000ULL), 2496000ULL);
	/* a slow call with little work: the fixed part grows, at once */
	pace_record(&p, 4096, 5000000ULL);
	CHECK_U64(pace_work(&p, 100000000ULL), 500000ULL);
	/* a fixed part beyond the slice: nothing fits, thaw */
	pace_record(&p, 4096, 30000000ULL);
	CHECK_U64(pace_work(&p, 100000000ULL), 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_subtract();
	test_result();
	test_pace();
	return check_done();
}
