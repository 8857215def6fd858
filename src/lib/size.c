/* Byte sizes: parsing operator input and formatting for humans. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/lib.h"

static const char not_size[] = "not a number (use hex 0x.. or decimal, optional K M G T suffix)";
static const char not_number[] = "not a number (use hex 0x.. or decimal)";
static const char too_large[] = "number too large for 64 bits";

/* strtoull alone accepts leading spaces and signs; operators' typos such as
 * "-1" must not become huge numbers, so digits are required up front.
 * `bad` is the message for malformed input. */
static int parse_u64(const char *s, uint64_t *out, const char **end,
		     const char *bad, struct err *e)
{
	int base = 10;
	const char *p = s;
	char *x;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		/* strtoull would take a second 0x prefix: 0x0x10 */
		if (!isxdigit((unsigned char)*p) || p[1] == 'x' || p[1] == 'X')
			return err_set(e, EINVAL, "%s", bad);
	} else if (!isdigit((unsigned char)*p)) {
		return err_set(e, EINVAL, "%s", bad);
	}
	errno = 0;
	unsigned long long v = strtoull(p, &x, base);
	if (errno == ERANGE)
		return err_set(e, ERANGE, "%s", too_large);
	*out = v;
	*end = x;
	return 0;
}

int number_parse(const char *s, uint64_t *out, struct err *e)
{
	const char *end;

	if (parse_u64(s, out, &end, not_number, e))
		return -1;
	return *end ? err_set(e, EINVAL, "%s", not_number) : 0;
}

/* K, KB, KiB (any case): all binary, as in util-linux's size parser; ""
 * is bytes. Returns the shift, or -1. */
static int suffix_shift(const char *sfx)
{
	static const char units[] = "KMGTPE";
	const char *u;

	if (!*sfx)
		return 0;
	u = strchr(units, toupper((unsigned char)sfx[0]));
	if (!u || (sfx[1] && strcasecmp(sfx + 1, "B") && strcasecmp(sfx + 1, "iB")))
		return -1;
	return 10 * (int)(u - units + 1);
}

/* Digits after a decimal point, as frac/scale (scale 1: none). At most
 * nine, so that frac * a unit's remainder fits in 64 bits. */
static int fraction(const char **end, uint64_t *frac, uint64_t *scale)
{
	const char *p = *end;

	*frac = 0;
	*scale = 1;
	if (*p != '.')
		return 0;
	p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (*scale >= 1000000000ULL)
			return -1;
		*frac = *frac * 10 + (uint64_t)(*p - '0');
		*scale *= 10;
	}
	*end = p;
	return 0;
}

int size_parse(const char *s, uint64_t *out, struct err *e)
{
	const char *end;
	uint64_t v, frac = 0, scale = 1;
	int shift;

	if (parse_u64(s, &v, &end, not_size, e))
		return -1;
	/* a decimal fraction, as in 1.5G (not for hex) */
	if (s[1] != 'x' && s[1] != 'X' && fraction(&end, &frac, &scale))
		return err_set(e, EINVAL, "%s", not_size);
	/* "B" alone means bytes */
	if (!strcasecmp(end, "B"))
		end += 1;
	shift = suffix_shift(end);
	/* no suffix, or a fraction of a byte */
	if (shift < 0 || (scale > 1 && !shift))
		return err_set(e, EINVAL, "%s", not_size);
	if (shift && v > (UINT64_MAX >> shift))
		return err_set(e, ERANGE, "%s", too_large);
	v <<= shift;
	/* frac/scale of a unit: frac < scale <= 1e9 and shift <= 60 could
	 * overflow, so scale the unit down first */
	if (frac) {
		uint64_t unit = 1ULL << shift;
		uint64_t add = (unit / scale) * frac + ((unit % scale) * frac) / scale;
		if (add > UINT64_MAX - v)
			return err_set(e, ERANGE, "%s", too_large);
		v += add;
	}
	*out = v;
	return 0;
}

char *size_format(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	/* 1048575 is "1.0 MiB", not "1024.0 KiB": compare as printed */
	while (v >= 1023.95 && i < 5) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, units[i]);
	return buf;
}

int duration_parse_ms(const char *s, unsigned int *ms, struct err *e)
{
	static const char bad[] = "not a duration (a number with ms, s or m)";
	char *end;
	double v, scale;

	/* digits and one decimal point: strtod alone would take 1e3, inf, 0x1p4 */
	if (!isdigit((unsigned char)*s) || s[strspn(s, "0123456789.")] == 'e' ||
	    s[strspn(s, "0123456789.")] == 'E' || strchr(s, 'x') || strchr(s, 'X'))
		return err_set(e, EINVAL, "%s", bad);
	errno = 0;
	v = strtod(s, &end);
	if (errno)
		return err_set(e, ERANGE, "longer than a day");
	if (!*end || !strcmp(end, "s"))
		scale = 1000;
	else if (!strcmp(end, "ms"))
		scale = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		scale = 60000;
	else
		return err_set(e, EINVAL, "%s", bad);
	v *= scale;
	if (v > 86400000.0)	/* a day: longer is surely a typo */
		return err_set(e, ERANGE, "longer than a day");
	/* milliseconds are the unit: 0.999ms would truncate to 0, which
	 * means something else (no bound) */
	if (v > 0 && v < 1)
		return err_set(e, ERANGE, "shorter than 1 ms (the smallest step)");
	*ms = (unsigned int)v;
	return 0;
}
