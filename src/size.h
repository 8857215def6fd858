/* Byte sizes: parsing operator input and formatting for humans. Pure. */
#ifndef PMADV_SIZE_H
#define PMADV_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Parse a number (decimal or 0x hex) with an optional K M G T P E suffix
 * (also KB, KiB...; all binary); a decimal fraction needs a suffix (1.5G). Returns 0, -EINVAL (malformed) or -ERANGE
 * (does not fit in 64 bits). */
int size_parse(const char *s, uint64_t *out);

/* Parse a plain address/number (decimal or 0x hex, no suffix). Same returns. */
int number_parse(const char *s, uint64_t *out);

/* "96.0 MiB", "4.0 KiB", "512 B" into buf; returns buf. */
char *size_format(uint64_t bytes, char *buf, size_t len);

/* Parse a duration: "500ms", "2s", "1.5s", "3" (seconds), "1m".
 * Returns 0 or -EINVAL/-ERANGE. */
int duration_parse_ms(const char *s, unsigned int *ms);

#endif
