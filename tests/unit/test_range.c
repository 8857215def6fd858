/* Unit tests: range_parse (START-END, START+LENGTH, alignment, errors). */
#include <stdint.h>

#include "check.h"
#include "range.h"

#define PAGE 4096ULL

static void ok_pg(const char *s, uint64_t page, uint64_t start, uint64_t end)
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

static void ok(const char *s, uint64_t start, uint64_t end)
{
	ok_pg(s, PAGE, start, end);
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
	ok("0x1000-0x2000", 0x1000, 0x2000);
	ok("0x1000+0x1000", 0x1000, 0x2000);
	ok("4096-8192", 0x1000, 0x2000);
	ok("4096+4096", 0x1000, 0x2000);
	ok("0x1000+4k", 0x1000, 0x2000);
	ok("0x1000+4KiB", 0x1000, 0x2000);
	ok("0x7f0000000000+2M", 0x7f0000000000ULL, 0x7f0000200000ULL);
	ok("1M+2M", 0x100000, 0x300000);
	ok("1G-2G", 1ULL << 30, 2ULL << 30);
	ok("0x10K-0x20K", 0x4000, 0x8000);
	ok("0X7FFF0000-0X7FFF1000", 0x7fff0000, 0x7fff1000);
	ok("0-1", 0, 0x1000);
	ok("0+1", 0, 0x1000);
	/* outward alignment */
	ok("0x1001-0x1002", 0x1000, 0x2000);
	ok("0x1fff+2", 0x1000, 0x3000);
	ok("0x1000-0x2001", 0x1000, 0x3000);
	ok("0x1fff-0x2000", 0x1000, 0x2000);
	ok("4097+4095", 0x1000, 0x2000);
	ok("4097+4096", 0x1000, 0x3000);
	/* other page sizes */
	ok_pg("0x201000+1", 0x200000, 0x200000, 0x400000);
	ok_pg("0x1000-0x3000", 0x10000, 0, 0x10000);
	/* top of the 64-bit space: still representable */
	ok("0x7ffffffff000-0x800000000000", 0x7ffffffff000ULL, 0x800000000000ULL);
	ok("0xffffffffffffe000-0xfffffffffffff000", 0xffffffffffffe000ULL,
	   0xfffffffffffff000ULL);
	ok("0xffffffffffffe000+4K", 0xffffffffffffe000ULL, 0xfffffffffffff000ULL);
	ok("0xffffffffff600000-0xffffffffff601000", 0xffffffffff600000ULL,
	   0xffffffffff601000ULL);
	ok("0+0xfffffffffffff000", 0, 0xfffffffffffff000ULL);
	ok("0x1000+15E", 0x1000, 0xf000000000001000ULL);	/* fits */
	/* decimal fractions of a unit */
	ok("0x1000+1.5K", 0x1000, 0x2000);
	ok("0x1000+4.5K", 0x1000, 0x3000);
	ok("1.5M-2M", 0x180000, 0x200000);
	ok("0x7f0000000000+0.5G", 0x7f0000000000ULL, 0x7f0020000000ULL);
}

static void test_invalid(void)
{
	char longnum[100];

	bad("", NULL);
	bad("0x1000", "START-END");
	bad("garbage", NULL);
	bad("0x-", NULL);
	bad("0x-0x", NULL);
	bad("1-0", "greater");
	bad("5-5", "greater");
	bad("0x2000-0x1000", "greater");
	bad("0x1000-0x1000", "greater");
	bad("0x1000+0", "zero");
	bad("0x1000+0x0", "zero");
	bad("0x1000+0K", "zero");
	bad("0x1000+0.0001K", "zero");	/* 0.1 byte */
	bad("0x1000+1.5", "not a number");	/* a fraction of a byte */
	bad("0x1.8K-0x2000", "not a number");
	/* START+LENGTH past 2^64 */
	bad("0x1000+0xffffffffffffffff", "wraps");
	bad("0xffffffffffffffff+1", "wraps");
	bad("18446744073709551615+1", "wraps");
	bad("1+18446744073709551615", "wraps");
	bad("0x8000000000000000+0x8000000000000000", "wraps");
	/* numbers past 64 bits */
	bad("18446744073709551616-18446744073709551617", "64 bits");
	bad("0-18446744073709551616", "64 bits");
	bad("0x1000+16E", "64 bits");
	bad("0x10000000000000000-0x10000000000000001", "64 bits");
	/* END at the very top: rounding up would wrap */
	bad("18446744073709551615-18446744073709551615", "greater");
	bad("0xfffffffffffff000-0xffffffffffffffff", NULL);
	bad("0xfffffffffffff000-0xfffffffffffff001", NULL);
	bad("0xfffffffffffff000+0xfff", NULL);
	/* missing parts */
	bad("-5", "missing");
	bad("+5", "missing");
	bad("5-", "missing");
	bad("5+", "missing");
	bad("-", "missing");
	bad("+", "missing");
	/* garbage around and inside */
	bad(" 0x1000-0x2000", "not a number");
	bad("0x1000 -0x2000", "not a number");
	bad("0x1000- 0x2000", "not a number");
	bad("0x1000-0x2000 ", "not a number");
	bad("0x1000-0x2000-0x3000", "not a number");
	bad("0x1000+0x1000+0x1000", "not a number");
	bad("0x1000--0x2000", "not a number");
	bad("0x1000+-1", "not a number");
	bad("0x1000-+1", "not a number");
	bad("0xg000-0x2000", "not a number");
	bad("1x-2", "not a number");
	bad("1.5-2", "not a number");
	bad("0x1000-0x2000\n", "not a number");
	bad("0x1000\t-0x2000", "not a number");
	bad("0x1000-0x2000Q", "not a number");
	bad("k-2k", "not a number");
	bad("0x0x1000-0x2000", "not a number");	/* doubled prefix: see size_parse */
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
