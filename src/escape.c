/* Escaping target-controlled text. A mapping name is chosen by the target,
 * so it may carry terminal escape sequences or bytes that break JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int utf8_seq_len(const unsigned char *s)
{
	unsigned int c = s[0], need, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, cp = c & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF */
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return (int)need + 1;
}

char *escape_str(const char *s, enum escape_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	/* worst case: every byte becomes \u00XX (6) */
	char *out = malloc(strlen(s) * 6 + 1), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		int n = utf8_seq_len(p);

		if (n == 0) {
			/* in JSON the backslash itself must be escaped */
			o += sprintf(o, mode == ESCAPE_JSON ? "\\\\x%02x" : "\\x%02x", *p++);
			continue;
		}
		if (n > 1 || mode == ESCAPE_UTF8) {
			/* C1 controls U+0080..U+009F act on terminals too */
			if (mode == ESCAPE_TERMINAL && p[0] == 0xc2 && p[1] < 0xa0) {
				o += sprintf(o, "\\xc2\\x%02x", p[1]);
			} else {
				memcpy(o, p, (size_t)n);
				o += n;
			}
			p += n;
			continue;
		}
		if (mode == ESCAPE_JSON) {
			if (*p == '"' || *p == '\\') {
				*o++ = '\\';
				*o++ = (char)*p;
			} else if (*p < 0x20 || *p == 0x7f) {
				o += sprintf(o, "\\u%04x", *p);
			} else {
				*o++ = (char)*p;
			}
		} else {
			if (*p < 0x20 || *p == 0x7f) {
				o += sprintf(o, "\\x%02x", *p);
			} else {
				*o++ = (char)*p;
			}
		}
		p++;
	}
	*o = '\0';
	return out;
}
