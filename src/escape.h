/* Target-controlled text (file and memfd names) made safe to print. Pure. */
#ifndef PMADV_ESCAPE_H
#define PMADV_ESCAPE_H

enum escape_mode {
	ESCAPE_TERMINAL,	/* control bytes, C1 controls, DEL and invalid
				 * UTF-8 become \xHH; the rest as is
				 * (the kernel's own \012 stays readable) */
	ESCAPE_UTF8,		/* only invalid UTF-8 bytes become the text
				 * \xHH: for a JSON writer that escapes the
				 * rest itself (libsmartcols) */
	ESCAPE_JSON,		/* contents of a JSON string (no quotes):
				 * always valid JSON; invalid UTF-8 bytes
				 * become the text \xHH */
};

/* Returns a malloc'd escaped copy, or NULL when out of memory. */
char *escape_str(const char *s, enum escape_mode mode);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
int utf8_seq_len(const unsigned char *s);

#endif
