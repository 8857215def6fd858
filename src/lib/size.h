/* Byte sizes: parsing operator input and formatting for humans. Pure. */
#ifndef PMADV_SIZE_H
#define PMADV_SIZE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The parsers return 0, or -1 with e (may be NULL) saying why: code EINVAL
 * (malformed) or ERANGE (too large), and a message without the input. */

/* A number (decimal or 0x hex) with an optional K M G T P E suffix (also KB,
 * KiB...; all binary); a decimal fraction needs a suffix (1.5G). */
int size_parse(const char *s, uint64_t *out, struct err *e);

/* A plain address/number (decimal or 0x hex, no suffix). */
int number_parse(const char *s, uint64_t *out, struct err *e);

/* "96.0 MiB", "4.0 KiB", "512 B" into buf; returns buf. */
char *size_format(uint64_t bytes, char *buf, size_t len);

/* A duration: "500ms", "2s", "1.5s", "3" (seconds), "1m"; a day at most. */
int duration_parse_ms(const char *s, unsigned int *ms, struct err *e);

#endif
