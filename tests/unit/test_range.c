/* Unit tests: range_parse (START-END, START+LENGTH, alignment, errors). */
#include <stdint.h>

#include "check.h"
#include "plan/plan.h"

#define PAGE 4096ULL

static void ok(const char *s, uint64_t page, uint64_t start, uint64_t end)
{
	struct addr_range r = { 1, 1 };
	struct err e = { 0 };

	CHECK_NOTE("range_parse(\"%s\", page %llu)", s, (unsigned long long)page);
	CHECK_INT(range_parse(s, page, &r, &e), 0);
	CHECK(e.msg[0] == '\0' && e.code == 0);	/* no reason on success */
	CHECK_U64(r.start, start);
	CHECK_U64(r.end, end);
	/* invariants of every accepted range */
	CHECK(r.start < r.end);
	CHECK_U64(r.start % page, 0);
	CHECK_U64(r.end % page, 0);
}

/* want_why: a fragment the explanation must contain, or NULL for any. */
static void bad(const char *s, const char *want_why)
{
	struct addr_range r = { 1, 1 };
	struct err e = { 0 };

	CHECK_NOTE("range_parse(\"%s\")", s);
	CHECK_INT(range_parse(s, PAGE, &r, &e), -1);
	CHECK(e.msg[0] != '\0');
	CHECK(e.code == EINVAL || e.code == ERANGE);
	if (want_why && !strstr(e.msg, want_why))
		CHECK_STR(e.msg, want_why);
}

static void test_valid(void)
{
	static const struct {
		const char *s;
		uint64_t page, start, end;
	} t[] = {
		{ "0x1000-0x2000", PAGE, 0x1000, 0x2000 },
		{ "0x1000+0x1000", PAGE, 0x1000, 0x2000 },
		{ "4096-8192", PAGE, 0x1000, 0x2000 },
		{ "4096+4096", PAGE, 0x1000, 0x2000 },
		{ "0x1000+4k", PAGE, 0x1000, 0x2000 },
		{ "0x1000+4KiB", PAGE, 0x1000, 0x2000 },
		{ "0x7f0000000000+2M", PAGE, 0x7f0000000000ULL, 0x7f0000200000ULL },
		{ "1M+2M", PAGE, 0x100000, 0x300000 },
		{ "1G-2G", PAGE, 1ULL << 30, 2ULL << 30 },
		{ "0x10K-0x20K", PAGE, 0x4000, 0x8000 },
		{ "0X7FFF0000-0X7FFF1000", PAGE, 0x7fff0000, 0x7fff1000 },
		{ "0-1", PAGE, 0, 0x1000 },
		{ "0+1", PAGE, 0, 0x1000 },
		/* outward alignment */
		{ "0x1001-0x1002", PAGE, 0x1000, 0x2000 },
		{ "0x1fff+2", PAGE, 0x1000, 0x3000 },
		{ "0x1000-0x2001", PAGE, 0x1000, 0x3000 },
		{ "0x1fff-0x2000", PAGE, 0x1000, 0x2000 },
		{ "4097+4095", PAGE, 0x1000, 0x2000 },
		{ "4097+4096", PAGE, 0x1000, 0x3000 },
		/* other page sizes */
		{ "0x201000+1", 0x200000, 0x200000, 0x400000 },
		{ "0x1000-0x3000", 0x10000, 0, 0x10000 },
		/* top of the 64-bit space: still representable */
		{ "0x7ffffffff000-0x800000000000", PAGE, 0x7ffffffff000ULL, 0x800000000000ULL },
		{ "0xffffffffffffe000-0xfffffffffffff000", PAGE, 0xffffffffffffe000ULL, 0xfffffffffffff000ULL },
		{ "0xffffffffffffe000+4K", PAGE, 0xffffffffffffe000ULL, 0xfffffffffffff000ULL },
		{ "0xffffffffff600000-0xffffffffff601000", PAGE, 0xffffffffff600000ULL, 0xffffffffff601000ULL },
		{ "0+0xfffffffffffff000", PAGE, 0, 0xfffffffffffff000ULL },
		{ "0x1000+15E", PAGE, 0x1000, 0xf000000000001000ULL },	/* fits */
		/* decimal fractions of a unit */
		{ "0x1000+1.5K", PAGE, 0x1000, 0x2000 },
		{ "0x1000+4.5K", PAGE, 0x1000, 0x3000 },
		{ "1.5M-2M", PAGE, 0x180000, 0x200000 },
		{ "0x7f0000000000+0.5G", PAGE, 0x7f0000000000ULL, 0x7f0020000000ULL },
	};

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		ok(t[k].s, t[k].page, t[k].start, t[k].end);
}

static void test_invalid(void)
{
	static const struct {
		const char *s;
		const char *why;	/* a fragment of the reason, or NULL */
	} t[] = {
		{ "", NULL },
		{ "0x1000", "START-END" },
		{ "garbage", NULL },
		{ "0x-", NULL },
		{ "0x-0x", NULL },
		{ "1-0", "greater" },
		{ "5-5", "greater" },
		{ "0x2000-0x1000", "greater" },
		{ "0x1000-0x1000", "greater" },
		{ "0x1000+0", "zero" },
		{ "0x1000+0x0", "zero" },
		{ "0x1000+0K", "zero" },
		{ "0x1000+0.0001K", "zero" },	/* 0.1 byte */
		{ "0x1000+1.5", "not a number" },	/* a fraction of a byte */
		{ "0x1.8K-0x2000", "not a number" },
		/* START+LENGTH past 2^64 */
		{ "0x1000+0xffffffffffffffff", "wraps" },
		{ "0xffffffffffffffff+1", "wraps" },
		{ "18446744073709551615+1", "wraps" },
		{ "1+18446744073709551615", "wraps" },
		{ "0x8000000000000000+0x8000000000000000", "wraps" },
		/* numbers past 64 bits */
		{ "18446744073709551616-18446744073709551617", "64 bits" },
		{ "0-18446744073709551616", "64 bits" },
		{ "0x1000+16E", "64 bits" },
		{ "0x10000000000000000-0x10000000000000001", "64 bits" },
		/* END at the very top: rounding up would wrap */
		{ "18446744073709551615-18446744073709551615", "greater" },
		{ "0xfffffffffffff000-0xffffffffffffffff", NULL },
		{ "0xfffffffffffff000-0xfffffffffffff001", NULL },
		{ "0xfffffffffffff000+0xfff", NULL },
		/* missing parts */
		{ "-5", "missing" },
		{ "+5", "missing" },
		{ "5-", "missing" },
		{ "5+", "missing" },
		{ "-", "missing" },
		{ "+", "missing" },
		/* garbage around and inside */
		{ " 0x1000-0x2000", "not a number" },
		{ "0x1000 -0x2000", "not a number" },
		{ "0x1000- 0x2000", "not a number" },
		{ "0x1000-0x2000 ", "not a number" },
		{ "0x1000-0x2000-0x3000", "not a number" },
		{ "0x1000+0x1000+0x1000", "not a number" },
		{ "0x1000--0x2000", "not a number" },
		{ "0x1000+-1", "not a number" },
		{ "0x1000-+1", "not a number" },
		{ "0xg000-0x2000", "not a number" },
		{ "1x-2", "not a number" },
		{ "1.5-2", "not a number" },
		{ "0x1000-0x2000\n", "not a number" },
		{ "0x1000\t-0x2000", "not a number" },
		{ "0x1000-0x2000Q", "not a number" },
		{ "k-2k", "not a number" },
		{ "0x0x1000-0x2000", "not a number" },	/* doubled prefix: see size_parse */
	};
	char longnum[100];

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		bad(t[k].s, t[k].why);
	memset(longnum, '1', sizeof(longnum) - 1);
	longnum[sizeof(longnum) - 1] = '\0';
	longnum[50] = '-';
	bad(longnum, NULL);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_valid();
	test_invalid();
	return check_done();
}
