/* Unit tests of the comeback guard's pure half (engine/comeback.c): the
 * sample stripes, their stability across windows, the overlap sums, and
 * when a mapping is hot. */
#include "engine/engine.h"
#include "check.h"

#define PG 4096ULL
#define MIB (1ULL << 20)

static struct mapping map_at(uint64_t start, uint64_t end)
{
	struct mapping m = { 0 };

	m.start = start;
	m.end = end;
	m.name = "";
	return m;
}

static void test_sample(void)
{
	/* 0: 128 MiB (4 MiB sample, 8 stripes of 512 KiB), 1: 32 KiB (whole),
	 * 2: 1 MiB (64 KiB: 8 stripes of 8 KiB) */
	struct mapping mv[3] = { map_at(0x10000000, 0x18000000),
				 map_at(0x20000000, 0x20008000),
				 map_at(0x30000000, 0x30100000) };
	struct maps m = { .v = mv, .n = 3 };
	struct piece pcs[3] = { { 0x10000000, 0x18000000, 0, 0 },
				{ 0x20000000, 0x20008000, 1, 0 },
				{ 0x30000000, 0x30100000, 2, 0 } };
	struct plan p = { .pieces = pcs, .npieces = 3 };
	struct piece *v;
	uint64_t sum = 0;
	size_t n, nall;

	CHECK_NOTE("comeback_sample");
	CHECK_INT(comeback_sample(&p, &m, PG, NULL, &v, &n, &nall), 0);
	CHECK_U64(n, 17);
	for (size_t i = 0; i < n; i++) {
		sum += v[i].end - v[i].start;
		CHECK(i == 0 || v[i].start >= v[i - 1].end);
	}
	CHECK_U64(sum, 4 * MIB + 32 * 1024 + 64 * 1024);
	CHECK_U64(v[0].start, 0x10000000);
	CHECK_U64(v[0].end, 0x10000000 + 512 * 1024);
	CHECK_U64(v[1].start, 0x10000000 + 16 * MIB);	/* spread: every 16 MiB */
	CHECK_U64(v[8].start, 0x20000000);
	CHECK_U64(v[8].end, 0x20008000);
	free(v);

	/* a later window: the first stripe done, the plan cut there; the
	 * stripes stay where they were, less what was done */
	pcs[0].start = 0x10000000 + 512 * 1024;
	p.npieces = 1;
	CHECK_NOTE("comeback_sample, a later window");
	CHECK_INT(comeback_sample(&p, &m, PG, NULL, &v, &n, &nall), 0);
	CHECK_U64(n, 7);
	CHECK_U64(v[0].start, 0x10000000 + 16 * MIB);
	free(v);

	/* nothing left of the samples: no pieces */
	pcs[0].start = 0x10000000 + 512 * 1024;
	pcs[0].end = 0x10000000 + 16 * MIB;
	CHECK_NOTE("comeback_sample, between stripes");
	CHECK_INT(comeback_sample(&p, &m, PG, NULL, &v, &n, &nall), 0);
	CHECK_U64(n, 0);
	CHECK_U64(nall, 0);
	free(v);

	/* several advices: only the guarded pair's pieces are sampled, the
	 * others come whole (and are not counted as samples) */
	{
		bool g[2] = { true, false };

		pcs[0] = (struct piece){ 0x10000000, 0x18000000, 0, 0 };
		pcs[1] = (struct piece){ 0x20000000, 0x20008000, 1, 1 };
		pcs[2] = (struct piece){ 0x30000000, 0x30100000, 2, 1 };
		p.npieces = 3;
		CHECK_NOTE("comeback_sample, one guarded pair of two");
		CHECK_INT(comeback_sample(&p, &m, PG, g, &v, &n, &nall), 0);
		CHECK_U64(n, 8);
		CHECK_U64(nall, 10);
		CHECK_U64(v[8].start, 0x20000000);
		CHECK_U64(v[8].end, 0x20008000);
		CHECK_U64(v[9].start, 0x30000000);
		CHECK_U64(v[9].end, 0x30100000);
		CHECK_U64(v[9].pair, 1);
		free(v);
	}
}

static void test_sums(void)
{
	struct res_spans before = { 0 }, now = { 0 };

	/* before: present+excl [0x10000,0x20000), present shared
	 * [0x20000,0x24000); now: present [0x18000,0x22000) */
	resspan_add(&before, 0x10000, 0x20000, RES_PRESENT | RES_EXCLUSIVE);
	resspan_add(&before, 0x20000, 0x24000, RES_PRESENT);
	resspan_add(&now, 0x18000, 0x22000, RES_PRESENT);
	CHECK_NOTE("resspan_both");
	CHECK_U64(resspan_both(&before, RES_PRESENT | RES_EXCLUSIVE, &now, RES_PRESENT,
			       0x10000, 0x24000), 0x8000);
	CHECK_U64(resspan_both(&before, RES_PRESENT, &now, RES_PRESENT,
			       0x10000, 0x24000), 0xa000);
	CHECK_U64(resspan_both(&before, RES_PRESENT | RES_EXCLUSIVE, &now, RES_PRESENT,
			       0x1c000, 0x1d000), 0x1000);
	CHECK_U64(resspan_both(&before, RES_PRESENT, &now, RES_PRESENT, 0, 0x10000), 0);
	resspan_free(&before);
	resspan_free(&now);

	/* spans out of address order (pieces that overlapped): a span wholly
	 * before the range is skipped, never summed as a wrapped e - s (a
	 * comeback of 16.0 EiB on memcached) */
	CHECK_NOTE("resspan_sum, spans out of order");
	resspan_add(&now, 0x10000, 0x20000, RES_PRESENT);
	resspan_add(&now, 0x50000, 0x60000, RES_PRESENT);
	resspan_add(&now, 0x30000, 0x38000, RES_PRESENT);
	CHECK_U64(resspan_sum(&now, 0x40000, 0x70000, RES_PRESENT), 0x10000);
	resspan_free(&now);

	CHECK_NOTE("comeback_hot");
	CHECK(comeback_hot(4 * MIB, 4 * MIB, 10));
	CHECK(!comeback_hot(4 * MIB, 400 * 1024, 10));	/* under 10% */
	CHECK(comeback_hot(4 * MIB, 420 * 1024, 10));
	CHECK(!comeback_hot(64 * 1024, 64 * 1024, 10));	/* too little to judge */
	CHECK(!comeback_hot(4 * MIB, 4 * MIB, 100));
	CHECK(comeback_hot(4 * MIB, PG, 0));
}

int main(void)
{
	test_sample();
	test_sums();
	return check_done();
}
