/* Unit tests: size_parse, number_parse, size_format, duration_parse_ms. */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "lib/lib.h"

#define SENTINEL 0xdeadbeefcafef00dULL

typedef int parse_fn(const char *s, uint64_t *out, struct err *e);

/* duration_parse_ms with a 64-bit out, to share the checks below */
static int duration_u64(const char *s, uint64_t *out, struct err *e)
{
	unsigned int ms = 12345;
	int rc = duration_parse_ms(s, &ms, e);

	*out = ms;
	return rc;
}

static void parse_ok(const char *fn, parse_fn *parse, const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;
	struct err e = { 0 };

	CHECK_NOTE("%s(\"%s\")", fn, s);
	CHECK_INT(parse(s, &v, &e), 0);
	CHECK_U64(v, want);
}

/* want: the errno code in e (EINVAL malformed, ERANGE too large) */
static void parse_err(const char *fn, parse_fn *parse, const char *s, int want)
{
	uint64_t v = SENTINEL;
	struct err e = { 0 };

	CHECK_NOTE("%s(\"%s\")", fn, s);
	CHECK_INT(parse(s, &v, &e), -1);
	CHECK_INT(e.code, want);
	CHECK(e.msg[0] != '\0');
	/* e is optional */
	CHECK_INT(parse(s, &v, NULL), -1);
}

#define size_ok(s, want) parse_ok("size_parse", size_parse, s, want)
#define size_err(s, want) parse_err("size_parse", size_parse, s, want)
#define number_ok(s, want) parse_ok("number_parse", number_parse, s, want)
#define number_err(s, want) parse_err("number_parse", number_parse, s, want)
#define dur_ok(s, want) parse_ok("duration_parse_ms", duration_u64, s, want)
#define dur_err(s, want) parse_err("duration_parse_ms", duration_u64, s, want)

static void fmt(uint64_t bytes, const char *want)
{
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	CHECK_NOTE("size_format(%llu)", (unsigned long long)bytes);
	CHECK(size_format(bytes, buf, sizeof(buf)) == buf);
	CHECK_STR(buf, want);
}

static void test_size_parse(void)
{
	size_ok("4096", 4096);
	size_ok("0", 0);
	size_ok("4k", 4096);
	size_ok("4K", 4096);
	size_ok("4KiB", 4096);
	size_ok("4kib", 4096);
	size_ok("4kb", 4096);
	size_ok("4KB", 4096);
	size_ok("1B", 1);
	size_ok("512b", 512);
	size_ok("1M", 1ULL << 20);
	size_ok("3MiB", 3ULL << 20);
	size_ok("1G", 1ULL << 30);
	size_ok("1T", 1ULL << 40);
	size_ok("1P", 1ULL << 50);
	size_ok("1E", 1ULL << 60);
	size_ok("15E", 15ULL << 60);
	size_ok("0x10", 16);
	size_ok("0X10", 16);
	size_ok("0xAbC", 0xabc);
	size_ok("0x10K", 16 * 1024);
	size_ok("0x10k", 16 * 1024);
	size_ok("010", 10);		/* decimal, not octal */
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("0xffffffffffffffff", UINT64_MAX);
	size_ok("17179869183G", 17179869183ULL << 30);
	size_ok("16777215T", 16777215ULL << 40);
	/* decimal fractions of a unit (rounded down to a byte) */
	size_ok("1.5M", 3ULL << 19);
	size_ok("1.5k", 1536);
	size_ok("0.5K", 512);
	size_ok("1.25G", 1342177280ULL);
	size_ok("1.0M", 1ULL << 20);
	size_ok("1.1K", 1126);			/* 1126.4 */
	size_ok("0.1M", 104857);		/* 104857.6 */
	size_ok("2.5MiB", 5ULL << 19);
	size_ok("1.5kb", 1536);
	size_ok("0.000000001K", 0);
	size_ok("1.999999999K", 2047);		/* nine digits at most */
	size_ok("15.5E", 31ULL << 59);
	size_ok("15.999999999E", (15ULL << 60) + ((1ULL << 60) / 1000000000ULL) * 999999999ULL +
		(((1ULL << 60) % 1000000000ULL) * 999999999ULL) / 1000000000ULL);
	size_ok("16777215.5T", (16777215ULL << 40) + (1ULL << 39));

	size_err("", EINVAL);
	size_err("k", EINVAL);
	size_err("K", EINVAL);
	size_err("B", EINVAL);
	size_err("-1", EINVAL);
	size_err("+1", EINVAL);
	size_err(" 1", EINVAL);
	size_err("1 ", EINVAL);
	size_err("1 K", EINVAL);
	size_err("1x", EINVAL);
	size_err("1Z", EINVAL);
	size_err("1KK", EINVAL);
	size_err("1Ki", EINVAL);
	size_err("1iB", EINVAL);
	size_err("1BB", EINVAL);
	size_err("1KBB", EINVAL);
	size_err("1.5", EINVAL);		/* a fraction of a byte */
	size_err("1.5B", EINVAL);
	size_err("1.", EINVAL);
	size_err("1.M", EINVAL);
	size_err(".5M", EINVAL);
	size_err("1..5M", EINVAL);
	size_err("1.5.5M", EINVAL);
	size_err("1.-5M", EINVAL);
	size_err("1,5M", EINVAL);
	size_err("1. 5M", EINVAL);
	size_err("1.0000000001K", EINVAL);	/* ten digits */
	size_err("0x1.8M", EINVAL);		/* no hex fractions */
	size_err("0X1.8M", EINVAL);
	size_err("16.5E", ERANGE);
	size_err("1e3", EINVAL);
	size_err("0x", EINVAL);
	size_err("0xg", EINVAL);
	size_err("0x-1", EINVAL);
	size_err("0x 1", EINVAL);
	size_err("x10", EINVAL);
	/* strtoull(base 16) takes its own optional "0x": a doubled prefix
	 * was accepted as 0x10 (fixed in c562880) */
	size_err("0x0x10", EINVAL);
	size_err("18446744073709551616", ERANGE);	/* 2^64 */
	size_err("99999999999999999999999", ERANGE);
	size_err("0x10000000000000000", ERANGE);
	size_err("16E", ERANGE);
	size_err("17179869184G", ERANGE);		/* 2^34 GiB = 2^64 */
	size_err("16777216T", ERANGE);
	size_err("18446744073709551615K", ERANGE);
	size_err("0xffffffffffffffffk", ERANGE);
}

static void test_number_parse(void)
{
	number_ok("0", 0);
	number_ok("4096", 4096);
	number_ok("0x1000", 0x1000);
	number_ok("0x7fffDEADb000", 0x7fffdeadb000ULL);
	number_ok("18446744073709551615", UINT64_MAX);
	number_ok("0xffffffffffffffff", UINT64_MAX);

	number_err("", EINVAL);
	number_err("4k", EINVAL);	/* no suffixes for plain numbers */
	number_err("1B", EINVAL);
	number_err("0x", EINVAL);
	number_err("-1", EINVAL);
	number_err(" 1", EINVAL);
	number_err("1 ", EINVAL);
	number_err("12abc", EINVAL);
	number_err("1.5", EINVAL);
	number_err("1.5K", EINVAL);
	number_err("0x0x10", EINVAL);	/* as in size_parse */
	number_err("0X0X10", EINVAL);
	number_err("0x0x", EINVAL);
	number_err("18446744073709551616", ERANGE);
	number_err("0x10000000000000000", ERANGE);
}

static void test_size_format(void)
{
	char small[5];

	fmt(0, "0 B");
	fmt(1, "1 B");
	fmt(1023, "1023 B");
	fmt(1024, "1.0 KiB");
	fmt(1536, "1.5 KiB");
	fmt(4096, "4.0 KiB");
	fmt(96ULL << 20, "96.0 MiB");
	fmt((96ULL << 20) + (512ULL << 10), "96.5 MiB");
	fmt(1ULL << 30, "1.0 GiB");
	fmt(3ULL << 40, "3.0 TiB");
	fmt(1ULL << 50, "1.0 PiB");
	fmt(1ULL << 60, "1.0 EiB");
	fmt(UINT64_MAX, "16.0 EiB");
	/* the unit is chosen as printed: never "1024.0 KiB" (was a bug) */
	fmt((1ULL << 20) - 1, "1.0 MiB");
	fmt(1048525, "1.0 MiB");		/* 1023.9502 KiB */
	fmt(1048524, "1023.9 KiB");		/* 1023.9492 KiB */
	fmt((1ULL << 30) - 1, "1.0 GiB");
	fmt((1ULL << 40) - 1, "1.0 TiB");
	fmt(1023ULL << 20, "1023.0 MiB");

	/* truncation keeps the buffer a string */
	memset(small, 'X', sizeof(small));
	CHECK_NOTE("size_format into 5 bytes");
	CHECK(size_format(96ULL << 20, small, sizeof(small)) == small);
	CHECK_STR(small, "96.0");
}

static void test_duration(void)
{
	dur_ok("500ms", 500);
	dur_ok("0ms", 0);
	dur_ok("2s", 2000);
	dur_ok("1.5s", 1500);
	dur_ok("0.25s", 250);
	dur_ok("3", 3000);
	dur_ok("1m", 60000);
	dur_ok("1min", 60000);
	dur_ok("86400s", 86400000);	/* a day is the limit */
	dur_ok("1440m", 86400000);

	dur_err("", EINVAL);
	dur_err("s", EINVAL);
	dur_err("ms", EINVAL);
	dur_err("-1", EINVAL);
	dur_err("-1s", EINVAL);
	dur_err(" 1s", EINVAL);
	dur_err("1 s", EINVAL);
	dur_err("1s ", EINVAL);
	dur_err("1h", EINVAL);
	dur_err("1sec", EINVAL);
	dur_err("1.5.5s", EINVAL);
	dur_err("abc", EINVAL);
	dur_err(".5s", EINVAL);
	dur_err("nan", EINVAL);
	dur_err("inf", EINVAL);
	dur_err("86401s", ERANGE);
	dur_err("1441m", ERANGE);
	dur_err("99999999999999999999", ERANGE);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_size_parse();
	test_number_parse();
	test_size_format();
	test_duration();
	return check_done();
}
