/* Byte sizes: parsing operator input and formatting for humans. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "size.h"

/* strtoull alone accepts leading spaces and signs; operators' typos such as
 * "-1" must not become huge numbers, so digits are required up front. */
static int parse_u64(const char *s, uint64_t *out, const char **end)
{
	int base = 10;
	const char *p = s;
	char *e;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		/* strtoull would take a second 0x prefix: 0x0x10 */
		if (!isxdigit((unsigned char)*p) || p[1] == 'x' || p[1] == 'X')
			return -EINVAL;
	} else if (!isdigit((unsigned char)*p)) {
		return -EINVAL;
	}
	errno = 0;
	unsigned long long v = strtoull(p, &e, base);
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	*end = e;
	return 0;
}

int number_parse(const char *s, uint64_t *out)
{
	const char *end;
	int rc = parse_u64(s, out, &end);

	if (rc)
		return rc;
	return *end ? -EINVAL : 0;
}

static int suffix_shift(const char *sfx, unsigned int *shift)
{
	static const char units[] = "KMGTPE";
	const char *u;

	if (!*sfx) {
		*shift = 0;
		return 0;
	}
	u = strchr(units, toupper((unsigned char)sfx[0]));
	if (!u || !sfx[0])
		return -EINVAL;
	/* K, KB, KiB (any case): all binary, as in util-linux's size parser */
	if (sfx[1] && strcasecmp(sfx + 1, "B") && strcasecmp(sfx + 1, "iB"))
		return -EINVAL;
	*shift = 10 * (unsigned int)(u - units + 1);
	return 0;
}

int size_parse(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, frac = 0, scale = 1;
	unsigned int shift;
	int rc = parse_u64(s, &v, &end);

	if (rc)
		return rc;
	/* a decimal fraction, as in 1.5G (not for hex) */
	if (*end == '.' && s[1] != 'x' && s[1] != 'X') {
		end++;
		if (!isdigit((unsigned char)*end))
			return -EINVAL;
		for (; isdigit((unsigned char)*end); end++) {
			if (scale >= 1000000000ULL)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*end - '0');
			scale *= 10;
		}
	}
	/* "B" alone means bytes */
	if (!strcasecmp(end, "B"))
		end += 1;
	if (suffix_shift(end, &shift))
		return -EINVAL;
	if (scale > 1 && !shift)
		return -EINVAL;	/* a fraction of a byte */
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	/* frac/scale of a unit: frac < scale <= 1e9 and shift <= 60 could
	 * overflow, so scale the unit down first */
	if (frac) {
		uint64_t unit = 1ULL << shift;
		uint64_t add = (unit / scale) * frac + ((unit % scale) * frac) / scale;
		if (add > UINT64_MAX - v)
			return -ERANGE;
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

int duration_parse_ms(const char *s, unsigned int *ms)
{
	char *end;
	double v, scale;

	/* digits and one decimal point: strtod alone would take 1e3, inf, 0x1p4 */
	if (!isdigit((unsigned char)*s) || s[strspn(s, "0123456789.")] == 'e' ||
	    s[strspn(s, "0123456789.")] == 'E' || strchr(s, 'x') || strchr(s, 'X'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno)
		return -ERANGE;
	if (!*end || !strcmp(end, "s"))
		scale = 1000;
	else if (!strcmp(end, "ms"))
		scale = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		scale = 60000;
	else
		return -EINVAL;
	v *= scale;
	if (v > 86400000.0)	/* a day: longer is surely a typo */
		return -ERANGE;
	*ms = (unsigned int)v;
	return 0;
}
