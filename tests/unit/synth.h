/*
 * synth.h - generated /proc/PID/maps and smaps text for the unit tests
 * that need more mappings than a fixture holds (65,000 at most in a real
 * target). Lines are spelled as the kernel prints them.
 */
#ifndef PMADV_SYNTH_H
#define PMADV_SYNTH_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct synth {
	char *text;		/* NUL-terminated, as maps_parse wants */
	size_t len, cap;
};

/* Append printf-style text (smaps attribute lines, say). */
static __attribute__((unused, format(printf, 2, 3)))
void synth_printf(struct synth *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->text ? s->text + s->len : NULL,
			      s->text ? s->cap - s->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (s->text && s->len + (size_t)n < s->cap)
			break;
		s->cap = s->cap ? s->cap * 2 : 1 << 20;
		s->text = realloc(s->text, s->cap);
		if (!s->text)
			abort();
	}
	s->len += (size_t)n;
}

/* One mapping line; an anonymous one (name "") ends "0 " as the kernel's. */
static __attribute__((unused))
void synth_map(struct synth *s, uint64_t start, uint64_t end, const char *perms,
	       uint64_t offset, const char *dev, uint64_t inode, const char *name)
{
	synth_printf(s, "%012" PRIx64 "-%012" PRIx64 " %s %08" PRIx64 " %s %" PRIu64
		     "%s%s\n", start, end, perms, offset, dev, inode,
		     *name ? "                 " : " ", name);
}

/* A private anonymous mapping, rw-p. */
static __attribute__((unused))
void synth_anon(struct synth *s, uint64_t start, uint64_t end)
{
	synth_map(s, start, end, "rw-p", 0, "00:00", 0, "");
}

#endif
