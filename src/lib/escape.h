/* Target-controlled text (file and memfd names) made safe to print. Pure. */
#ifndef PMADV_ESCAPE_H
#define PMADV_ESCAPE_H

#include <stdbool.h>
#include <stdint.h>

enum escape_mode {
	ESCAPE_TERMINAL,	/* control bytes, C1 controls, DEL and invalid
				 * UTF-8 become \xHH; the rest as is
				 * (the kernel's own \012 stays readable) */
	ESCAPE_UTF8,		/* only invalid UTF-8 bytes become the text
				 * \xHH: for a JSON writer that escapes the
				 * rest itself (libsmartcols) */
	ESCAPE_BIDI,		/* only reordering characters (below) become
				 * \xHH: for a writer that escapes every other
				 * unprintable byte itself (libsmartcols --raw) */
	ESCAPE_JSON_DOC,	/* a whole JSON document another writer made
				 * (libsmartcols -J): raw DEL and reordering
				 * characters, which can only stand inside its
				 * strings, become \uXXXX */
	ESCAPE_JSON,		/* contents of a JSON string (no quotes):
				 * always valid JSON; invalid UTF-8 bytes
				 * become the text \xHH */
};

/* Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) and the
 * line and paragraph separators (U+2028/9): text a terminal shows in
 * another order or on another line than it stands. ESCAPE_TERMINAL writes
 * them as \xHH bytes, ESCAPE_JSON as \uXXXX. */
bool escape_reorders(uint32_t cp);

/* Returns a malloc'd escaped copy, or NULL when out of memory. */
char *escape_str(const char *s, enum escape_mode mode);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
int utf8_seq_len(const unsigned char *s);

#endif
