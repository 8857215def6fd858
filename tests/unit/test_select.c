/* Unit tests: select_plan over parsed fixtures (synthetic.smaps has a fixed
 * layout, listed below; hostile.smaps is a real capture). */
#include <inttypes.h>
#include <stdint.h>

#include "check.h"
#include "plan/plan.h"
#include "synth.h"

#define COLD 20
#define PAGEOUT 21
#define WILLNEED 3
#define COLLAPSE 25

/* synthetic.smaps, by index:
 *  0 [0x1000,0x3000)   rw-p anon
 *  1 [0x3000,0x5000)   r--p /usr/lib/libfoo.so.1
 *    hole 0x5000-0x6000
 *  2 [0x6000,0x8000)   rw-s /dev/zero (deleted)  (anon, shared)
 *  3 [0x8000,0xa000)   rw-p [heap]
 *    hole 0xa000-0xc000
 *  4 [0xc000,0xd000)   r--s /opt/app/data file.bin
 *  5 [0xd000,0xe000)   r--p [vvar]      pf io
 *  6 [0xe000,0xf000)   r-xp [vdso]
 *    hole 0xf000-0x10000
 *  7 [0x10000,0x12000) rw-p anon        lo (mlocked)
 *  8 [0x12000,0x14000) rw-p /dev/hugepages/huge (deleted)  ht
 *  9 [0x14000,0x16000) rw-s /dev/mem    io
 *    hole
 * 10 [0x200000,0x400000) rw-p anon
 * 11 [vsyscall]
 */
static const char *fixtures = "tests/fixtures";

static char *load_text;
static struct maps M;

static int load(const char *name, struct maps *m, char **text)
{
	size_t len, bad;

	memset(m, 0, sizeof(*m));
	*text = check_read_fixture(fixtures, name, &len);
	if (!*text)
		return -1;
	CHECK_NOTE("maps_parse(%s)", name);
	if (!check_result(maps_parse(*text, len, m, &bad, NULL) == 0)) {
		fprintf(stderr, "%s: line %zu does not parse\n", name, bad);
		return -1;
	}
	CHECK_NOTE("%s", "");
	return 0;
}

/* ---- building a selection the way options.c would ---- */
static void sel_range(struct selection *s, const char *src)
{
	struct err e;

	s->ranges = realloc(s->ranges, (s->nranges + 1) * sizeof(*s->ranges));
	s->range_src = realloc(s->range_src, (s->nranges + 1) * sizeof(*s->range_src));
	if (!check_result(range_parse(src, 4096, &s->ranges[s->nranges], &e) == 0)) {
		fprintf(stderr, "test setup: bad range %s: %s\n", src, e.msg);
		return;
	}
	s->range_src[s->nranges++] = src;
}

static void sel_name(struct selection *s, const char *name)
{
	s->names = realloc(s->names, (s->nnames + 1) * sizeof(*s->names));
	s->names[s->nnames++] = name;
}

static void sel_regex(struct selection *s, const char *re)
{
	struct err e;

	if (!check_result(select_add_regex(s, re, &e) == 0))
		fprintf(stderr, "test setup: regex %s: %s\n", re, e.msg);
}

/* Properties of every plan: pieces sorted, disjoint, inside their mapping,
 * bytes their sum; skips inside their mapping and disjoint from pieces. */
static void plan_invariants(const struct maps *m, const struct plan *p)
{
	uint64_t sum = 0;
	size_t broken = 0;

	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *x = &p->pieces[i];
		if (x->map >= m->n || x->start >= x->end ||
		    x->start < m->v[x->map].start || x->end > m->v[x->map].end ||
		    (i && p->pieces[i - 1].end > x->start) ||
		    x->start % 4096 || x->end % 4096)
			broken++;
		sum += x->end - x->start;
	}
	for (size_t i = 0; i < p->nskips; i++) {
		const struct skip *k = &p->skips[i];
		if (k->map >= m->n || k->start >= k->end ||
		    k->start < m->v[k->map].start || k->end > m->v[k->map].end ||
		    !k->reason || !k->reason[0])
			broken++;
		for (size_t j = 0; j < p->npieces; j++)
			if (p->pieces[j].start < k->end && k->start < p->pieces[j].end)
				broken++;
	}
	CHECK_U64(broken, 0);
	CHECK_U64(p->bytes, sum);
}

static int plan(const struct maps *m, const struct selection *s, int advice,
		struct plan *p)
{
	int rc = select_plan(m, s, advice, p);

	CHECK_INT(rc, 0);
	if (rc)
		return rc;
	plan_invariants(m, p);
	return 0;
}

struct pc { uint64_t start, end; uint32_t map; };

static void expect_pieces(const struct plan *p, size_t n, const struct pc *want)
{
	CHECK_U64(p->npieces, n);
	for (size_t i = 0; i < n && i < p->npieces; i++) {
		CHECK_U64(p->pieces[i].start, want[i].start);
		CHECK_U64(p->pieces[i].end, want[i].end);
		CHECK_U64(p->pieces[i].map, want[i].map);
	}
}

/* Whole mappings, by index. */
static void expect_maps(const struct plan *p, size_t n, const uint32_t *idx)
{
	CHECK_U64(p->npieces, n);
	for (size_t i = 0; i < n && i < p->npieces; i++) {
		CHECK_U64(p->pieces[i].map, idx[i]);
		CHECK_U64(p->pieces[i].start, M.v[idx[i]].start);
		CHECK_U64(p->pieces[i].end, M.v[idx[i]].end);
	}
}

static void expect_skips(const struct plan *p, size_t n, const uint32_t *idx,
			 const char *const *why)
{
	CHECK_U64(p->nskips, n);
	for (size_t i = 0; i < n && i < p->nskips; i++) {
		CHECK_U64(p->skips[i].map, idx[i]);
		if (why && why[i] && !(p->skips[i].reason && strstr(p->skips[i].reason, why[i])))
			CHECK_STR(p->skips[i].reason, why[i]);
	}
}

#define PIECES(p, ...) do { \
	static const struct pc w_[] = { __VA_ARGS__ }; \
	expect_pieces(p, sizeof(w_) / sizeof(w_[0]), w_); } while (0)
#define MAPS(p, ...) do { \
	static const uint32_t w_[] = { __VA_ARGS__ }; \
	expect_maps(p, sizeof(w_) / sizeof(w_[0]), w_); } while (0)

/* One scenario: a fresh selection, planned for `advice`. */
#define SCENARIO(title) \
	for (struct { struct selection s; struct plan p; int once; } sc = { .once = 1 }; \
	     sc.once && (CHECK_NOTE("%s", title), 1); \
	     sc.once = 0, plan_free(&sc.p), selection_free(&sc.s))

static void test_ranges(void)
{
	SCENARIO("range across a hole is clipped per mapping") {
		sel_range(&sc.s, "0x2000-0x7000");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		PIECES(&sc.p, { 0x2000, 0x3000, 0 }, { 0x3000, 0x5000, 1 },
		       { 0x6000, 0x7000, 2 });
		CHECK_U64(sc.p.bytes, 0x4000);
		CHECK_U64(sc.p.nskips, 0);
		CHECK_U64(sc.p.nunmatched, 0);
	}
	SCENARIO("range partly in a hole") {
		sel_range(&sc.s, "0x4000-0x6000");
		sel_range(&sc.s, "0+0x1800");	/* below the first mapping */
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		PIECES(&sc.p, { 0x1000, 0x2000, 0 }, { 0x4000, 0x5000, 1 });
		CHECK_U64(sc.p.nunmatched, 0);
	}
	SCENARIO("ranges covering nothing are unmatched") {
		sel_range(&sc.s, "0xa000-0xc000");
		sel_range(&sc.s, "0x500000+4k");
		sel_range(&sc.s, "0+0x1000");
		sel_range(&sc.s, "0x8000+1");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		PIECES(&sc.p, { 0x8000, 0x9000, 3 });
		CHECK_U64(sc.p.nunmatched, 3);
		if (sc.p.nunmatched == 3) {
			CHECK_STR(sc.p.unmatched[0].kind, "range");
			CHECK_STR(sc.p.unmatched[0].what, "0xa000-0xc000");
			CHECK_STR(sc.p.unmatched[1].what, "0x500000+4k");
			CHECK_STR(sc.p.unmatched[2].what, "0+0x1000");
		}
	}
	SCENARIO("range over everything") {
		sel_range(&sc.s, "0+0xfffffffffffff000");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
		expect_skips(&sc.p, 1, (const uint32_t[]){ 11 },
			     (const char *const[]){ "vsyscall" });
	}
	SCENARIO("range crossing [vvar] for pageout") {
		sel_range(&sc.s, "0xc000-0xf000");
		sel_range(&sc.s, "0x11000+4k");
		if (plan(&M, &sc.s, PAGEOUT, &sc.p))
			continue;
		PIECES(&sc.p, { 0xc000, 0xd000, 4 }, { 0xe000, 0xf000, 6 });
		expect_skips(&sc.p, 2, (const uint32_t[]){ 5, 7 },
			     (const char *const[]){ "vvar", "locked" });
		if (sc.p.nskips == 2) {
			CHECK_U64(sc.p.skips[0].start, 0xd000);
			CHECK_U64(sc.p.skips[0].end, 0xe000);
			CHECK_U64(sc.p.skips[1].start, 0x11000);	/* only the part asked for */
			CHECK_U64(sc.p.skips[1].end, 0x12000);
		}
	}
}

static void test_union(void)
{
	SCENARIO("overlapping selectors are united") {
		sel_range(&sc.s, "0x1000-0x2000");
		sel_range(&sc.s, "0x2000-0x4000");
		sel_range(&sc.s, "0x1800+0x100");
		sel_name(&sc.s, "libfoo.so.1");
		sel_regex(&sc.s, "libfoo");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		PIECES(&sc.p, { 0x1000, 0x3000, 0 }, { 0x3000, 0x5000, 1 });
		CHECK_U64(sc.p.bytes, 0x4000);
		CHECK_U64(sc.p.nunmatched, 0);
	}
	SCENARIO("two disjoint ranges in one mapping stay two pieces") {
		sel_range(&sc.s, "0x200000+4k");
		sel_range(&sc.s, "0x202000+4k");
		sel_range(&sc.s, "0x201000+4k");	/* fills the gap: now one */
		sel_range(&sc.s, "0x3ff000+1");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		PIECES(&sc.p, { 0x200000, 0x203000, 10 }, { 0x3ff000, 0x400000, 10 });
	}
	SCENARIO("--all with every other selector: each mapping once") {
		sc.s.all = true;
		sel_name(&sc.s, "[heap]");
		sel_regex(&sc.s, "heap");
		sel_regex(&sc.s, "");
		sel_range(&sc.s, "0x8000-0xa000");
		sel_range(&sc.s, "0x1000+0x300000");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
		CHECK_U64(sc.p.nskips, 1);
		CHECK_U64(sc.p.nunmatched, 0);
	}
	SCENARIO("adjacent mappings are not merged into one piece") {
		sel_range(&sc.s, "0x1000-0x5000");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 0, 1);
	}
}

static void name_case(const char *name, int map)
{
	struct selection s = { 0 };
	struct plan p;

	CHECK_NOTE("-m \"%s\"", name);
	sel_name(&s, name);
	if (plan(&M, &s, WILLNEED, &p) == 0) {
		if (map < 0) {
			CHECK_U64(p.npieces, 0);
			CHECK_U64(p.nunmatched, 1);
			if (p.nunmatched == 1) {
				CHECK_STR(p.unmatched[0].kind, "mapping");
				CHECK_STR(p.unmatched[0].what, name);
			}
		} else {
			expect_maps(&p, 1, (const uint32_t[]){ (uint32_t)map });
			CHECK_U64(p.nunmatched, 0);
		}
		plan_free(&p);
	}
	selection_free(&s);
}

static void test_names(void)
{
	name_case("libfoo.so.1", 1);
	name_case("/usr/lib/libfoo.so.1", 1);
	name_case("[heap]", 3);
	name_case("data file.bin", 4);
	name_case("/opt/app/data file.bin", 4);
	name_case("/dev/zero", 2);		/* " (deleted)" is not part of it */
	name_case("huge", 8);
	name_case("[vdso]", 6);
	name_case("heap", -1);
	name_case("libfoo", -1);
	name_case("libfoo.so", -1);
	name_case("lib/libfoo.so.1", -1);	/* neither whole nor last part */
	name_case("usr/lib/libfoo.so.1", -1);
	name_case("/usr/lib/", -1);
	name_case("/usr/lib/libfoo.so.1 ", -1);
	name_case("/dev/zero (deleted)", -1);
	name_case("LIBFOO.SO.1", -1);		/* case matters */
	CHECK_NOTE("%s", "");

	SCENARIO("names: several, one unmatched") {
		sel_name(&sc.s, "[heap]");
		sel_name(&sc.s, "nosuch.so");
		sel_name(&sc.s, "libfoo.so.1");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 1, 3);
		CHECK_U64(sc.p.nunmatched, 1);
		if (sc.p.nunmatched == 1)
			CHECK_STR(sc.p.unmatched[0].what, "nosuch.so");
	}
	/* select_name_matches directly */
	{
		struct mapping m = { 0 };

		m.name = "/usr/lib/x86_64-linux-gnu/libc.so.6";
		m.name_len = (uint32_t)strlen(m.name);
		CHECK(select_name_matches("libc.so.6", &m));
		CHECK(select_name_matches("/usr/lib/x86_64-linux-gnu/libc.so.6", &m));
		CHECK(!select_name_matches("libc.so", &m));
		CHECK(!select_name_matches("x86_64-linux-gnu/libc.so.6", &m));
		CHECK(!select_name_matches("", &m));
		m.name = "/dir/";
		m.name_len = 5;
		CHECK(!select_name_matches("", &m));	/* empty last part */
		CHECK(select_name_matches("/dir/", &m));
		m.name = "[anon:a/b]";
		m.name_len = (uint32_t)strlen(m.name);
		CHECK(select_name_matches("[anon:a/b]", &m));
		m.name = "/memfd:x";
		m.name_len = (uint32_t)strlen(m.name);
		CHECK(select_name_matches("memfd:x", &m));
		CHECK(!select_name_matches("x", &m));
	}
}

static void regex_case(const char *re, size_t n, const uint32_t *maps,
		       size_t nskip)
{
	struct selection s = { 0 };
	struct plan p;

	CHECK_NOTE("-e '%s'", re);
	sel_regex(&s, re);
	if (plan(&M, &s, WILLNEED, &p) == 0) {
		expect_maps(&p, n, maps);
		CHECK_U64(p.nskips, nskip);
		CHECK_U64(p.nunmatched, n + nskip ? 0 : 1);
		if (!(n + nskip) && p.nunmatched == 1) {
			CHECK_STR(p.unmatched[0].kind, "regex");
			CHECK_STR(p.unmatched[0].what, re);
		}
		plan_free(&p);
	}
	selection_free(&s);
}

#define REGEX(re, nskip, ...) do { \
	static const uint32_t w_[] = { __VA_ARGS__ }; \
	regex_case(re, sizeof(w_) / sizeof(w_[0]), w_, nskip); } while (0)

static void test_regex(void)
{
	struct selection s = { 0 };
	struct err e = { 0 };
	int rc;

	REGEX("^$", 0, 0, 7, 10);		/* anonymous: the empty name */
	REGEX("^\\[", 1, 3, 5, 6);		/* + [vsyscall], skipped */
	REGEX("libfoo\\.so", 0, 1);
	REGEX("^/dev/", 0, 2, 8, 9);
	REGEX("[[:space:]]", 0, 4);
	REGEX("so\\.[0-9]+$", 0, 1);
	REGEX("(heap|vdso)", 0, 3, 6);
	REGEX("", 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);	/* matches all */
	regex_case("deleted", 0, NULL, 0);		/* the suffix is stripped */
	regex_case("^LIBFOO", 0, NULL, 0);
	CHECK_NOTE("%s", "");

	/* invalid EREs are refused with a message */
	rc = select_add_regex(&s, "(", &e);
	CHECK(rc != 0);
	CHECK(e.msg[0] != '\0');
	CHECK_INT(e.code, EINVAL);
	CHECK_U64(s.nregexes, 0);
	err_clear(&e);
	rc = select_add_regex(&s, "a{1", &e);
	CHECK(rc != 0 && e.msg[0]);
	rc = select_add_regex(&s, "[z-a]", &e);
	CHECK(rc != 0);
	CHECK_U64(s.nregexes, 0);
	rc = select_add_regex(&s, "ok", &e);
	CHECK_INT(rc, 0);
	CHECK_U64(s.nregexes, 1);
	CHECK(!selection_empty(&s));
	selection_free(&s);
	CHECK(selection_empty(&s));
}

static void filter_case(const char *what, unsigned int f, int advice,
			size_t n, const uint32_t *maps, size_t nskip)
{
	struct selection s = { 0 };
	struct plan p;

	CHECK_NOTE("--all %s", what);
	s.all = true;
	s.filters = f;
	if (plan(&M, &s, advice, &p) == 0) {
		expect_maps(&p, n, maps);
		CHECK_U64(p.nskips, nskip);
		plan_free(&p);
	}
	selection_free(&s);
}

#define FILTER(f, advice, nskip, ...) do { \
	static const uint32_t w_[] = { __VA_ARGS__ }; \
	filter_case(#f, f, advice, sizeof(w_) / sizeof(w_[0]), w_, nskip); } while (0)

static void test_filters(void)
{
	FILTER(SEL_ANON, WILLNEED, 0, 0, 2, 3, 7, 10);
	FILTER(SEL_FILE, WILLNEED, 0, 1, 4, 8, 9);
	FILTER(SEL_ANON | SEL_FILE, WILLNEED, 0, 0, 1, 2, 3, 4, 7, 8, 9, 10);
	FILTER(SEL_SHARED, WILLNEED, 0, 2, 4, 9);
	FILTER(SEL_PRIVATE, WILLNEED, 1, 0, 1, 3, 5, 6, 7, 8, 10);
	FILTER(SEL_PRIVATE | SEL_SHARED, WILLNEED, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
	FILTER(SEL_ANON | SEL_SHARED, WILLNEED, 0, 2);
	FILTER(SEL_ANON | SEL_PRIVATE, WILLNEED, 0, 0, 3, 7, 10);
	FILTER(SEL_FILE | SEL_PRIVATE, WILLNEED, 0, 1, 8);
	FILTER(SEL_FILE | SEL_SHARED, WILLNEED, 0, 4, 9);
	FILTER(SEL_ANON | SEL_FILE | SEL_PRIVATE | SEL_SHARED, WILLNEED, 0,
	       0, 1, 2, 3, 4, 7, 8, 9, 10);
	/* filters narrow before refusals: mlocked anon is skipped, not advised */
	FILTER(SEL_ANON, PAGEOUT, 1, 0, 2, 3, 10);
	FILTER(SEL_FILE, COLD, 2, 1, 4);
	CHECK_NOTE("%s", "");

	SCENARIO("filters apply to explicit ranges too") {
		sel_range(&sc.s, "0x1000-0x9000");
		sc.s.filters = SEL_FILE;
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 1);
	}
}

static void test_refusals(void)
{
	SCENARIO("--all pageout") {
		sc.s.all = true;
		if (plan(&M, &sc.s, PAGEOUT, &sc.p))
			continue;
		MAPS(&sc.p, 0, 1, 2, 3, 4, 6, 10);
		expect_skips(&sc.p, 5, (const uint32_t[]){ 5, 7, 8, 9, 11 },
			     (const char *const[]){ "vvar", "locked", "hugetlb", "I/O", "vsyscall" });
	}
	SCENARIO("--all cold") {
		sc.s.all = true;
		if (plan(&M, &sc.s, COLD, &sc.p))
			continue;
		MAPS(&sc.p, 0, 1, 2, 3, 4, 6, 10);
		expect_skips(&sc.p, 5, (const uint32_t[]){ 5, 7, 8, 9, 11 }, NULL);
	}
	SCENARIO("--all willneed: only [vsyscall] is refused") {
		sc.s.all = true;
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
		expect_skips(&sc.p, 1, (const uint32_t[]){ 11 },
			     (const char *const[]){ "vsyscall" });
	}
	SCENARIO("--all collapse: only what holds a whole 2 MiB huge page") {
		sc.s.all = true;
		if (plan(&M, &sc.s, COLLAPSE, &sc.p))
			continue;
		MAPS(&sc.p, 10);
		CHECK_U64(sc.p.nskips, 11);
		if (sc.p.nskips == 11) {
			CHECK(strstr(sc.p.skips[0].reason, "huge page") != NULL);
			CHECK_U64(sc.p.skips[5].map, 5);
			CHECK(strstr(sc.p.skips[5].reason, "special") != NULL);
			CHECK(strstr(sc.p.skips[10].reason, "vsyscall") != NULL);
		}
	}
	SCENARIO("collapse by range: aligned 2 MiB inside, or skipped") {
		sel_range(&sc.s, "0x100000-0x500000");	/* clipped to map 10: whole */
		sel_range(&sc.s, "0x1000+8K");		/* map 0: too small */
		if (plan(&M, &sc.s, COLLAPSE, &sc.p))
			continue;
		MAPS(&sc.p, 10);
		expect_skips(&sc.p, 1, (const uint32_t[]){ 0 },
			     (const char *const[]){ "huge page" });
	}
	SCENARIO("collapse of half a huge page is skipped") {
		sel_range(&sc.s, "0x200000+1M");
		if (plan(&M, &sc.s, COLLAPSE, &sc.p))
			continue;
		CHECK_U64(sc.p.npieces, 0);
		expect_skips(&sc.p, 1, (const uint32_t[]){ 10 }, NULL);
	}
	SCENARIO("-m [vsyscall] pageout: skipped, and not unmatched") {
		sel_name(&sc.s, "[vsyscall]");
		if (plan(&M, &sc.s, PAGEOUT, &sc.p))
			continue;
		CHECK_U64(sc.p.npieces, 0);
		CHECK_U64(sc.p.bytes, 0);
		expect_skips(&sc.p, 1, (const uint32_t[]){ 11 }, NULL);
		CHECK_U64(sc.p.nunmatched, 0);
	}
	/* the VmFlags decide, not the name: a maps-only view of the locked
	 * mapping (no VmFlags) is advised; the kernel's answer handles it */
	{
		char text[] = "00010000-00012000 rw-p 00000000 00:00 0 \n"
			      "00020000-00022000 rw-p 00000000 00:00 0 \n"
			      "VmFlags: rd wr lo\n";
		struct maps m = { 0 };
		struct selection s = { 0 };
		struct plan p;
		size_t bad;

		CHECK_NOTE("maps without VmFlags, then a locked one");
		CHECK_INT(maps_parse(text, strlen(text), &m, &bad, NULL), 0);
		s.all = true;
		if (plan(&m, &s, COLD, &p) == 0) {
			CHECK_U64(p.npieces, 1);
			CHECK_U64(p.nskips, 1);
			if (p.nskips == 1)
				CHECK_U64(p.skips[0].map, 1);
			plan_free(&p);
		}
		if (plan(&m, &s, WILLNEED, &p) == 0) {
			CHECK_U64(p.npieces, 2);
			plan_free(&p);
		}
		selection_free(&s);
		maps_free(&m);
	}
}

static void test_unmatched_order(void)
{
	SCENARIO("unmatched selectors of each kind, in order") {
		sel_range(&sc.s, "0xa000+4k");
		sel_name(&sc.s, "[heap]");
		sel_name(&sc.s, "nosuch");
		sel_regex(&sc.s, "zzz");
		sel_regex(&sc.s, "vdso");
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		MAPS(&sc.p, 3, 6);
		CHECK_U64(sc.p.nunmatched, 3);
		if (sc.p.nunmatched == 3) {
			CHECK_STR(sc.p.unmatched[0].kind, "range");
			CHECK_STR(sc.p.unmatched[0].what, "0xa000+4k");
			CHECK_STR(sc.p.unmatched[1].kind, "mapping");
			CHECK_STR(sc.p.unmatched[1].what, "nosuch");
			CHECK_STR(sc.p.unmatched[2].kind, "regex");
			CHECK_STR(sc.p.unmatched[2].what, "zzz");
		}
	}
	SCENARIO("empty selection selects nothing") {
		CHECK(selection_empty(&sc.s));
		if (plan(&M, &sc.s, WILLNEED, &sc.p))
			continue;
		CHECK_U64(sc.p.npieces, 0);
		CHECK_U64(sc.p.nskips, 0);
		CHECK_U64(sc.p.nunmatched, 0);
	}
}

/* select_refusal directly: the name and VmFlags rules. */
static void test_refusal_fn(void)
{
	struct mapping m = { 0 };

#define NAME(s) (m.name = (s), m.name_len = (uint32_t)strlen(s))
	NAME("[vsyscall]");
	CHECK(select_refusal(&m, WILLNEED) != NULL);
	CHECK(select_refusal(&m, PAGEOUT) != NULL);
	CHECK(select_refusal(&m, COLLAPSE) != NULL);
	NAME("[vvar]");
	CHECK(select_refusal(&m, WILLNEED) == NULL);
	CHECK(select_refusal(&m, COLD) != NULL);
	CHECK(select_refusal(&m, COLLAPSE) != NULL);	/* special */
	NAME("[vvar_vclock]");
	CHECK(select_refusal(&m, PAGEOUT) != NULL);
	NAME("[vdso]");
	CHECK(select_refusal(&m, PAGEOUT) == NULL);
	CHECK(select_refusal(&m, COLLAPSE) != NULL);
	NAME("[heap]");
	CHECK(select_refusal(&m, COLLAPSE) == NULL);
	NAME("");
	CHECK(select_refusal(&m, PAGEOUT) == NULL);
	m.vmflags = VMF_KNOWN;
	CHECK(select_refusal(&m, PAGEOUT) == NULL);
	m.vmflags = VMF_KNOWN | VMF_LOCKED;
	CHECK(select_refusal(&m, PAGEOUT) != NULL);
	CHECK(select_refusal(&m, COLD) != NULL);
	CHECK(select_refusal(&m, WILLNEED) == NULL);
	m.vmflags = VMF_KNOWN | VMF_HUGETLB;
	CHECK(select_refusal(&m, COLD) != NULL);
	m.vmflags = VMF_KNOWN | VMF_PFNMAP;
	CHECK(select_refusal(&m, COLD) != NULL);
	m.vmflags = VMF_KNOWN | VMF_IO;
	CHECK(select_refusal(&m, PAGEOUT) != NULL);
	CHECK(select_refusal(&m, COLLAPSE) == NULL);
	NAME("/usr/lib/[vsyscall]");	/* only the exact name */
	m.vmflags = 0;
	CHECK(select_refusal(&m, WILLNEED) == NULL);
#undef NAME
}

/* Budgets moved to budget.c (resident pages, test_resident.c); the Rss
 * sum for --limit PCT% stays here. */
static void test_limit(void)
{
	CHECK_NOTE("maps_total_rss(synthetic.smaps)");
	CHECK_U64(maps_total_rss(&M), (8 + 4 + 4 + 8 + 2048) * 1024);
	CHECK_NOTE("%s", "");
}

/* The real capture: hostile names select by name and by regex. */
static void test_hostile(void)
{
	struct maps h;
	char *text;
	size_t nlibc = 0, nanon = 0;

	if (load("hostile.smaps", &h, &text))
		return;
	for (size_t i = 0; i < h.n; i++) {
		if (!strcmp(h.v[i].name, "/usr/lib/x86_64-linux-gnu/libc.so.6"))
			nlibc++;
		if (!h.v[i].name_len)
			nanon++;
	}
	CHECK(nlibc >= 4);
	{
		static const char *const one[] = {
			"a file with spaces.bin", "/tmp/pmadv-fixture/a file with spaces.bin",
			"gone.bin", "memfd:pmadv-memfd", "/memfd:pmadv-memfd",
			"new\\012line", "new\nline", "/tmp/pmadv-fixture/new\nline",
			"esc\033[31mred", "bad\377utf8",
			"trailing space ", "[heap]", "[stack]", "/SYSV00000000",
		};
		for (size_t k = 0; k < sizeof(one) / sizeof(one[0]); k++) {
			struct selection s = { 0 };
			struct plan p;

			CHECK_NOTE("hostile: -m \"%s\"", one[k]);
			sel_name(&s, one[k]);
			if (plan(&h, &s, PAGEOUT, &p) == 0) {
				CHECK_U64(p.npieces, 1);
				CHECK_U64(p.nunmatched, 0);
				plan_free(&p);
			}
			selection_free(&s);
		}
	}
	{
		static const char *const re1[] = {
			"spaces\\.bin$", "esc.\\[31m", "new\\\\012line", "bad.utf8",
			"^/memfd:", "space $", "gone",
		};
		for (size_t k = 0; k < sizeof(re1) / sizeof(re1[0]); k++) {
			struct selection s = { 0 };
			struct plan p;

			CHECK_NOTE("hostile: -e '%s'", re1[k]);
			sel_regex(&s, re1[k]);
			if (s.nregexes && plan(&h, &s, PAGEOUT, &p) == 0) {
				CHECK_U64(p.npieces, 1);
				plan_free(&p);
			}
			selection_free(&s);
		}
	}
	SCENARIO("hostile: -m libc.so.6") {
		sel_name(&sc.s, "libc.so.6");
		if (plan(&h, &sc.s, PAGEOUT, &sc.p))
			continue;
		CHECK_U64(sc.p.npieces, nlibc);
	}
	SCENARIO("hostile: --all pageout skips locked, [vvar], [vvar_vclock], [vsyscall]") {
		sc.s.all = true;
		if (plan(&h, &sc.s, PAGEOUT, &sc.p))
			continue;
		CHECK_U64(sc.p.nskips, 4);
		CHECK_U64(sc.p.npieces, h.n - 4);
	}
	SCENARIO("hostile: -e '^$' pageout: the anonymous ones, less the locked one") {
		sel_regex(&sc.s, "^$");
		if (plan(&h, &sc.s, PAGEOUT, &sc.p))
			continue;
		CHECK_U64(sc.p.npieces, nanon - 1);
		CHECK_U64(sc.p.nskips, 1);
		if (sc.p.nskips == 1)
			CHECK(h.v[sc.p.skips[0].map].vmflags & VMF_LOCKED);
	}
	maps_free(&h);
	free(text);
}

/* 65,000 mappings: --all plus a range over everything gives each mapping
 * exactly once. */
static void test_many(void)
{
	const size_t N = 65000;
	size_t bad;
	struct synth t = { 0 };
	struct maps m = { 0 };
	uint64_t a = 0x100000;

	for (size_t i = 0; i < N; i++) {
		synth_anon(&t, a, a + 0x1000);
		a += i % 2 ? 0x2000 : 0x1000;	/* adjacent pairs, then a hole */
	}
	CHECK_NOTE("65000 mappings");
	CHECK_INT(maps_parse(t.text, t.len, &m, &bad, NULL), 0);
	SCENARIO("65000 mappings, --all and a range over all") {
		sc.s.all = true;
		sel_range(&sc.s, "0+0x7ffffffff000");
		sel_regex(&sc.s, "^$");
		if (plan(&m, &sc.s, PAGEOUT, &sc.p))
			continue;
		CHECK_U64(sc.p.npieces, N);
		CHECK_U64(sc.p.bytes, N * 0x1000);
	}
	maps_free(&m);
	free(t.text);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fixtures = argv[1];
	if (load("synthetic.smaps", &M, &load_text) == 0) {
		CHECK_U64(M.n, 12);
		if (M.n == 12) {
			test_ranges();
			test_union();
			test_names();
			test_regex();
			test_filters();
			test_refusals();
			test_unmatched_order();
			test_refusal_fn();
			test_limit();
		}
	}
	test_hostile();
	test_many();
	maps_free(&M);
	free(load_text);
	return check_done();
}
