/* Escaping target-controlled text. A mapping name is chosen by the target,
 * so it may carry terminal escape sequences or bytes that break JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

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

/* The code point of a valid sequence of n > 1 bytes. */
static uint32_t code_point(const unsigned char *p, int n)
{
	uint32_t cp = p[0] & (0xff >> (n + 1));

	for (int i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) and the
 * line and paragraph separators (U+2028/9): text a terminal shows in
 * another order or on another line than it stands. ESCAPE_TERMINAL writes
 * them as \xHH bytes, ESCAPE_JSON as \uXXXX. */
static bool escape_reorders(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* ESCAPE_JSON_DOC: in a valid JSON document, raw DEL and reordering
 * characters can only stand inside strings, where \uXXXX means them. */
static char *doc_char(char *o, const unsigned char *p, int n)
{
	uint32_t cp = n > 1 ? code_point(p, n) : *p;

	if (n && (cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || escape_reorders(cp)))
		return o + sprintf(o, "\\u%04x", (unsigned int)cp);
	memcpy(o, p, n ? (size_t)n : 1);
	return o + (n ? n : 1);
}

/* ESCAPE_BIDI: reordering characters as \xHH, the rest as it is. */
static char *bidi_char(char *o, const unsigned char *p, int n)
{
	if (n > 1 && escape_reorders(code_point(p, n))) {
		for (int k = 0; k < n; k++)
			o += sprintf(o, "\\x%02x", p[k]);
		return o;
	}
	memcpy(o, p, n ? (size_t)n : 1);
	return o + (n ? n : 1);
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

		if (mode == ESCAPE_JSON_DOC || mode == ESCAPE_BIDI) {
			o = mode == ESCAPE_BIDI ? bidi_char(o, p, n) : doc_char(o, p, n);
			p += n ? n : 1;
			continue;
		}
		if (n == 0) {
			/* in JSON the backslash itself must be escaped */
			o += sprintf(o, mode == ESCAPE_JSON ? "\\\\x%02x" : "\\x%02x", *p++);
			continue;
		}
		if (n > 1 || mode == ESCAPE_UTF8) {
			uint32_t cp = n > 1 ? code_point(p, n) : *p;

			/* C1 controls act on terminals too; bidi controls and
			 * line separators reorder or break what is shown */
			if (mode == ESCAPE_TERMINAL && (cp < 0xa0 || escape_reorders(cp))) {
				for (int k = 0; k < n; k++)
					o += sprintf(o, "\\x%02x", p[k]);
			} else if (mode == ESCAPE_JSON && (cp < 0xa0 || escape_reorders(cp))) {
				/* C1 controls act on terminals a JSON reader
				 * prints to, as the other outputs say */
				o += sprintf(o, "\\u%04x", (unsigned int)cp);
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
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
		p++;
	}
	*o = '\0';
	return out;
}
