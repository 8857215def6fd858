/* Unit tests of the pure residency code (plan/budget.c): pagemap entries
 * into spans, budgets over them (--limit, --down-to, --as-group's need,
 * shares and goal), futile pieces to skips, /proc/swaps and
 * memory.swap.max text (on fixtures/swaps); and --sort (report/rowsort.c). */
#include "plan/plan.h"
#include "check.h"
#include "report/report.h"

#define PG 4096ULL
#define P PM_ENTRY_PRESENT
#define X PM_ENTRY_EXCLUSIVE
#define S PM_ENTRY_SWAPPED

static const char *fixtures = "tests/fixtures";

static void test_runs(void)
{
	/* present+excl x2, hole, swapped, present (shared), present+excl */
	const uint64_t ent[] = { P | X | 0x123, P | X, 0, S | X, P, P | X };
	struct res_spans r = { 0 };

	CHECK_NOTE("resspan_add_entries");
	CHECK_INT(resspan_add_entries(&r, ent, 6, 0x10000, PG), 0);
	CHECK_U64(r.n, 4);
	CHECK_U64(r.v[0].start, 0x10000);
	CHECK_U64(r.v[0].end, 0x12000);
	CHECK_INT(r.v[0].flags, RES_PRESENT | RES_EXCLUSIVE);
	CHECK_INT(r.v[1].flags, RES_SWAPPED);	/* the exclusive bit of a swap
						 * entry is not a page's */
	CHECK_U64(resspan_sum(&r, 0x10000, 0x16000, RES_PRESENT), 4 * PG);
	CHECK_U64(resspan_sum(&r, 0x10000, 0x16000, RES_PRESENT | RES_EXCLUSIVE), 3 * PG);
	CHECK_U64(resspan_sum(&r, 0x11000, 0x14000, RES_PRESENT), PG);
	CHECK_U64(resspan_sum(&r, 0x10000, 0x16000, RES_SWAPPED), PG);
	/* appended spans merge with the last when adjacent and equal */
	CHECK_INT(resspan_add(&r, 0x16000, 0x18000, RES_PRESENT | RES_EXCLUSIVE), 0);
	CHECK_U64(r.n, 4);
	CHECK_U64(r.v[3].end, 0x18000);
	CHECK_U64(resspan_find(&r, 0x13000), 1);
	CHECK_U64(resspan_find(&r, 0x12000), 1);	/* in the hole: the next span */
	CHECK_U64(resspan_find(&r, 0x18000), 4);
	resspan_free(&r);
}

/* mappings 0: [0x10000,0x20000) 1: [0x40000,0x50000) */
static void test_budget(void)
{
	struct piece pcs[2] = { { 0x10000, 0x20000, 0, 0 }, { 0x40000, 0x50000, 1, 0 } };
	struct res_spans r = { 0 };
	struct plan p = { 0 };

	resspan_add(&r, 0x10000, 0x12000, RES_PRESENT);
	resspan_add(&r, 0x40000, 0x41000, RES_SWAPPED);
	resspan_add(&r, 0x41000, 0x44000, RES_PRESENT);
	resspan_add(&r, 0x44000, 0x45000, RES_PRESENT | RES_EXCLUSIVE);
	resspan_add(&r, 0x48000, 0x49000, RES_PRESENT);
	p.pieces = malloc(sizeof(pcs));
	memcpy(p.pieces, pcs, sizeof(pcs));
	p.npieces = 2;
	CHECK_NOTE("budget_select 5 pages + 1 byte: mapping 1 first (5 pages)");
	CHECK_INT(budget_select(&p, &r, RES_PRESENT, 5 * PG + 1, PG), 0);
	CHECK_U64(p.bytes, 5 * PG);
	CHECK_U64(p.npieces, 2);	/* 0x41000-0x45000 joined, 0x48000 */
	CHECK_U64(p.pieces[0].start, 0x41000);
	CHECK_U64(p.pieces[0].end, 0x45000);
	CHECK_U64(p.pieces[1].start, 0x48000);
	CHECK_INT(p.pieces[1].map, 1);
	/* again on the result, a budget of 6 pages: all 5, nothing more */
	CHECK_NOTE("budget_select: never above what is resident");
	CHECK_INT(budget_select(&p, &r, RES_PRESENT, 6 * PG, PG), 0);
	CHECK_U64(p.bytes, 5 * PG);
	free(p.pieces);
	/* exclusive only (pageout): one page */
	p.pieces = malloc(sizeof(pcs));
	memcpy(p.pieces, pcs, sizeof(pcs));
	p.npieces = 2;
	CHECK_NOTE("budget_select: pageout takes pages mapped once only");
	CHECK_INT(budget_select(&p, &r, RES_PRESENT | RES_EXCLUSIVE, 1 << 20, PG), 0);
	CHECK_U64(p.npieces, 1);
	CHECK_U64(p.pieces[0].start, 0x44000);
	CHECK_U64(p.bytes, PG);
	/* a budget under a page takes nothing */
	CHECK_INT(budget_select(&p, &r, RES_PRESENT, PG - 1, PG), 0);
	CHECK_U64(p.npieces, 0);
	CHECK_U64(budget_down_to(10, 4), 6);
	CHECK_U64(budget_down_to(4, 10), 0);
	CHECK_NOTE("budget_need: --down-to, --limit SIZE, --limit PCT%%");
	CHECK_U64(budget_need(10 * PG, true, 4 * PG, 0, 0), 6 * PG);
	CHECK_U64(budget_need(4 * PG, true, 10 * PG, 0, 0), 0);
	CHECK_U64(budget_need(10 * PG, false, 0, 3 * PG, 0), 3 * PG);
	CHECK_U64(budget_need(1000, false, 0, 0, 25), 250);
	/* no overflow on the way: UINT64_MAX bytes at 100% */
	CHECK_U64(budget_need(UINT64_MAX, false, 0, 0, 100), UINT64_MAX);
	CHECK_NOTE("budget_group_met: within a page a target of the need");
	CHECK_INT(budget_group_met(0, 0, false, 0, 0, PG), 1);
	CHECK_INT(budget_group_met(10 * PG, 20 * PG, true, 9 * PG + 1, 1, PG), 1);
	CHECK_INT(budget_group_met(10 * PG, 20 * PG, true, 9 * PG, 1, PG), 0);
	CHECK_INT(budget_group_met(10 * PG, 20 * PG, true, 8 * PG + 1, 2, PG), 1);
	CHECK_NOTE("budget_group_met: --limit above what can move wants all of that");
	CHECK_INT(budget_group_met(10 * PG, 4 * PG, false, 4 * PG, 1, PG), 1);
	CHECK_INT(budget_group_met(10 * PG, 4 * PG, false, 3 * PG, 1, PG), 0);
	CHECK_NOTE("budget_group_met: --down-to wants the need, however little can move");
	CHECK_INT(budget_group_met(10 * PG, 4 * PG, true, 4 * PG, 1, PG), 0);
	plan_free(&p);
	resspan_free(&r);
}

static const char *no_anon(const struct mapping *m,
				const struct piece *pc, void *ctx)
{
	(void)ctx;
	(void)pc;
	return mapping_class(m) == CLASS_ANON ? "no swap" : NULL;
}

static void test_futile(void)
{
	char text[] = "00010000-00020000 rw-p 00000000 00:00 0\n"
		      "00030000-00040000 r--p 00000000 08:01 12 /lib/a\n"
		      "00050000-00060000 rw-p 00000000 00:00 0 [heap]\n";
	struct maps m = { 0 };
	struct plan p = { 0 };
	size_t bad;

	CHECK_INT(maps_parse(text, strlen(text), &m, &bad, NULL), 0);
	p.pieces = calloc(3, sizeof(*p.pieces));
	p.skips = calloc(1, sizeof(*p.skips));
	for (uint32_t i = 0; i < 3; i++)
		p.pieces[i] = (struct piece){ m.v[i].start, m.v[i].end, i, 0 };
	p.npieces = 3;
	p.skips[0] = (struct skip){ 0x40000, 0x41000, 1, 0, "other" };
	p.nskips = 1;
	p.bytes = 3 * 0x10000;
	CHECK_NOTE("futile_apply: anon pieces become skips, in address order");
	CHECK_INT(futile_apply(&p, &m, no_anon, NULL), 0);
	CHECK_U64(p.npieces, 1);
	CHECK_U64(p.pieces[0].start, 0x30000);
	CHECK_U64(p.bytes, 0x10000);
	CHECK_U64(p.nskips, 3);
	CHECK_U64(p.skips[0].start, 0x10000);
	CHECK_STR(p.skips[0].reason, "no swap");
	CHECK_U64(p.skips[1].start, 0x40000);
	CHECK_U64(p.skips[2].start, 0x50000);
	plan_free(&p);
	maps_free(&m);
}

static void test_swapinfo(void)
{
	size_t len;
	char *text = check_read_fixture(fixtures, "swaps", &len);
	unsigned int areas = 9;
	uint64_t size, free_bytes, v;

	CHECK_NOTE("swapinfo_parse_swaps(fixtures/swaps)");
	CHECK_INT(swapinfo_parse_swaps(text, &areas, &size, &free_bytes), 0);
	CHECK_INT(areas, 3);
	CHECK_U64(size, (1048572ULL + 4194300 + 65532) * 1024);
	CHECK_U64(free_bytes, (4194300ULL - 1024 + 65532) * 1024);
	free(text);
	CHECK_NOTE("swapinfo_parse_swaps: header only");
	CHECK_INT(swapinfo_parse_swaps("Filename Type Size Used Priority\n", &areas,
				       &size, &free_bytes), 0);
	CHECK_INT(areas, 0);
	CHECK_INT(swapinfo_parse_swaps("h\n/x file 10 20 -2\n", &areas, &size,
				       &free_bytes), -1);	/* used > size */
	CHECK_NOTE("swapinfo_parse_limit");
	CHECK_INT(swapinfo_parse_limit("max\n", &v), 0);
	CHECK_U64(v, UINT64_MAX);
	CHECK_INT(swapinfo_parse_limit("0\n", &v), 0);
	CHECK_U64(v, 0);
	CHECK_INT(swapinfo_parse_limit("1048576\n", &v), 0);
	CHECK_U64(v, 1048576);
	CHECK_INT(swapinfo_parse_limit("maxi\n", &v), -1);
	CHECK_INT(swapinfo_parse_limit("-1\n", &v), -1);
	CHECK_INT(swapinfo_parse_limit("12k\n", &v), -1);
}

static void test_sort(void)
{
	struct result_row rows[3] = {
		{ .start = 0x3000, .end = 0x4000, .resident = 10, .name = "b" },
		{ .start = 0x1000, .end = 0x3000, .resident = 30, .name = "c" },
		{ .start = 0x5000, .end = 0x6000, .resident = 10, .name = "a" },
	};

	CHECK_NOTE("rows_sort RESIDENT: largest first, ties by address");
	rows_sort(rows, 3, COL_RESIDENT);
	CHECK_U64(rows[0].start, 0x1000);
	CHECK_U64(rows[1].start, 0x3000);
	CHECK_U64(rows[2].start, 0x5000);
	CHECK_NOTE("rows_sort NAME: byte order");
	rows_sort(rows, 3, COL_NAME);
	CHECK_STR(rows[0].name, "a");
	CHECK_STR(rows[2].name, "c");
	CHECK_NOTE("rows_sort START: ascending");
	rows_sort(rows, 3, COL_START);
	CHECK_U64(rows[0].start, 0x1000);
}

/* budget_shares against a reference: one page at a time to whoever has
 * the most left, first named on ties (obviously fair, obviously slow),
 * over 5,000 seeded cases of up to 12 members. */
static void shares_ref(const uint64_t *movable, size_t n, uint64_t need,
		       uint64_t unit, uint64_t *share)
{
	uint64_t left[16];

	for (size_t i = 0; i < n; i++) {
		left[i] = movable[i];
		share[i] = 0;
	}
	/* the most movable first, in whole: the member with the largest
	 * movable (first named on ties) takes all it has before the next */
	while (need) {
		size_t best = n;

		for (size_t i = 0; i < n; i++)
			if (left[i] && share[i] == 0 &&
			    (best == n || movable[i] > movable[best]))
				best = i;
		if (best == n)
			break;
		while (need && left[best]) {
			uint64_t u = unit < left[best] ? unit : left[best];

			u = u < need ? u : need;
			share[best] += u;
			left[best] -= u;
			need -= u;
		}
	}
}

static void test_shares(void)
{
	uint64_t movable[16], share[16], ref[16];
	unsigned int seed = 1;
	size_t bad = 0;

	for (int c = 0; c < 5000; c++) {
		size_t n = (size_t)(rand_r(&seed) % 12) + 1;
		uint64_t need = (uint64_t)(rand_r(&seed) % 64) * 4096, sum = 0, got = 0;

		for (size_t i = 0; i < n; i++) {
			/* ties often: few distinct sizes */
			movable[i] = (uint64_t)(rand_r(&seed) % 6) * 8192;
			sum += movable[i];
		}
		if (rand_r(&seed) % 4 == 0)
			need = sum + 4096;	/* more than there is */
		if (budget_shares(movable, n, need, share)) {
			bad++;
			continue;
		}
		shares_ref(movable, n, need, 4096, ref);
		for (size_t i = 0; i < n; i++) {
			got += share[i];
			bad += share[i] != ref[i] || share[i] > movable[i];
		}
		bad += got != (need < sum ? need : sum);
	}
	CHECK_NOTE("budget_shares: 5,000 seeded cases against the reference");
	CHECK_U64(bad, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fixtures = argv[1];
	test_runs();
	test_budget();
	test_shares();
	test_futile();
	test_swapinfo();
	test_sort();
	return check_done();
}
