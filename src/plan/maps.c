/* /proc/PID/maps and smaps parsing. Hand-written rather than sscanf: a
 * target may have 65,000 mappings and this runs inside the freeze window. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "plan/plan.h"

/* Digit value + 1, 0 for anything else: a table, because this runs for
 * every field of every line inside the freeze window. */
static const unsigned char hexdigit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Hex number of 1 to max (at most 16) digits; advances *p. */
static int hex(char **p, int max, uint64_t *out)
{
	const unsigned char *s = (const unsigned char *)*p, *b = s;
	uint64_t v = 0;
	unsigned int d;

	while ((d = hexdigit[*s]) != 0) {
		v = v << 4 | (d - 1);
		s++;
	}
	if (s == b || s - b > max)
		return -1;
	*p = (char *)s;
	*out = v;
	return 0;
}

static int dec(char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		uint64_t d = (uint64_t)(**p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		(*p)++;
		n++;
	}
	*out = v;
	return n ? 0 : -1;
}

/* The inode: a decimal that fits 64 bits, its value unused. */
static int skip_dec(char **p)
{
	static const char max[] = "18446744073709551615";
	const char *s = *p;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (!n || n > sizeof(max) - 1 ||
	    (n == sizeof(max) - 1 && memcmp(s, max, n) > 0))
		return -1;
	*p += n;
	return 0;
}

static int expect(char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* line holds len bytes and a NUL after them. Every field is assigned: no
 * memset, which at 65,000 lines shows in profiles. */
static int parse_line(char *line, size_t linelen, struct mapping *m)
{
	static const char deleted[] = " (deleted)";
	const size_t dlen = sizeof(deleted) - 1;
	char *p = line;
	uint64_t unused;
	size_t len;

	m->vmflags = 0;
	m->deleted = false;
	if (hex(&p, 16, &m->start) || expect(&p, '-') || hex(&p, 16, &m->end) ||
	    expect(&p, ' '))
		return -1;
	if (m->end <= m->start)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!*p || *p == ' ')
			return -1;
		m->perms[i] = *p++;
	}
	/* offset, major:minor (12 and 20 bits), inode: their shape only */
	if (expect(&p, ' ') || hex(&p, 16, &unused) || expect(&p, ' ') ||
	    hex(&p, 3, &unused) || expect(&p, ':') || hex(&p, 5, &unused) ||
	    expect(&p, ' ') || skip_dec(&p))
		return -1;
	/* the kernel pads with spaces up to the name column */
	if (*p && *p != ' ')
		return -1;
	while (*p == ' ')
		p++;
	/* a NUL inside the line (never from the kernel) ends the name */
	len = strnlen(p, linelen - (size_t)(p - line));
	if (len >= dlen && !memcmp(p + len - dlen, deleted, dlen)) {
		len -= dlen;
		p[len] = '\0';
		m->deleted = true;
	}
	m->name = p;
	m->name_len = (uint32_t)len;
	return 0;
}

int maps_parse_line(char *line, struct mapping *m)
{
	return parse_line(line, strlen(line), m);
}

/* Room for one more mapping, and for its stats once smaps gave some. */
static int grow(struct maps *m)
{
	size_t cap = m->cap;
	struct mapping *v = array_grow(m->v, m->n, &cap, sizeof(*v), 256);

	if (!v)
		return -1;
	m->v = v;
	if (m->stats && cap > m->cap) {
		struct mapping_stats *s = realloc(m->stats, cap * sizeof(*s));

		if (!s)
			return -1;
		m->stats = s;
	}
	m->cap = cap;
	return 0;
}

/* "Rss:   123 kB" -> bytes */
static uint64_t kb_value(const char *v)
{
	char *p = (char *)v;
	uint64_t n;

	while (*p == ' ')
		p++;
	if (dec(&p, &n) || n > UINT64_MAX / 1024)
		return 0;
	return n * 1024;
}

static uint16_t vmflags_parse(const char *s)
{
	uint16_t f = VMF_KNOWN;

	/* two-letter flags separated by spaces */
	for (const char *p = s; p[0] && p[1]; p++) {
		if (p[0] == ' ' || p[1] == ' ')
			continue;
		if (p[0] == 'l' && p[1] == 'o')
			f |= VMF_LOCKED;
		else if (p[0] == 'h' && p[1] == 't')
			f |= VMF_HUGETLB;
		else if (p[0] == 'p' && p[1] == 'f')
			f |= VMF_PFNMAP;
		else if (p[0] == 'i' && p[1] == 'o')
			f |= VMF_IO;
		p++;
	}
	return f;
}

static int oom(struct err *e)
{
	return err_set(e, ENOMEM, "out of memory");
}

/* An smaps attribute line ("Rss:  4 kB", "VmFlags: rd wr"): its key starts
 * with an upper-case letter, as procps' pmap tells them apart. */
static int smaps_attr(char *line, size_t lineno, struct maps *m, struct err *e)
{
	struct mapping_stats *st;
	char *colon = strchr(line, ':');

	if (!colon || !m->n)
		return err_set(e, EINVAL, "line %zu: %s", lineno, !m->n ?
			       "smaps attribute before any mapping" :
			       "smaps attribute without a colon");
	if (!m->stats) {
		m->stats = calloc(m->cap, sizeof(*m->stats));
		if (!m->stats)
			return oom(e);
	}
	st = &m->stats[m->n - 1];
	*colon = '\0';
	if (!strcmp(line, "Rss"))
		st->rss = kb_value(colon + 1);
	else if (!strcmp(line, "Swap"))
		st->swap = kb_value(colon + 1);
	else if (!strcmp(line, "AnonHugePages"))
		st->anon_huge = kb_value(colon + 1);
	else if (!strcmp(line, "Locked"))
		st->locked = kb_value(colon + 1);
	else if (!strcmp(line, "VmFlags"))
		m->v[m->n - 1].vmflags = vmflags_parse(colon + 1);
	return 0;
}

/* A mapping line of linelen bytes, appended to m. */
static int mapping_line(char *line, size_t linelen, size_t lineno,
			struct maps *m, struct err *e)
{
	if (grow(m))
		return oom(e);
	if (parse_line(line, linelen, &m->v[m->n]))
		return err_set(e, EINVAL, "line %zu: malformed mapping line", lineno);
	if (m->n && m->v[m->n].start < m->v[m->n - 1].end)
		return err_set(e, EAGAIN, "line %zu: addresses not increasing "
			       "(the mappings changed while read)", lineno);
	if (m->stats)
		memset(&m->stats[m->n], 0, sizeof(m->stats[0]));
	m->n++;
	return 0;
}

/* Upper bound of the mappings in a text: lines less smaps' attributes. */
static size_t count_lines(const char *p, const char *end)
{
	size_t n = 1;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		p++;
		if (p < end && (*p < 'A' || *p > 'Z'))
			n++;
	}
	return n;
}

int maps_parse(char *text, size_t len, struct maps *m, size_t *bad_line,
	       struct err *e)
{
	char *p = text, *end = text + len;
	size_t lineno = 0;
	struct err own;

	if (!e)
		e = &own;	/* bad_line needs the code */
	if (bad_line)
		*bad_line = 0;
	if (!m->v && len) {	/* at the final size: one block, huge pages */
		size_t cap = count_lines(text, end);

		m->v = big_alloc(cap * sizeof(*m->v));
		if (!m->v)
			return oom(e);
		m->cap = cap;
	}
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = p;
		int rc;

		lineno++;
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			nl = end;	/* last line: text[len] is its terminator */
			p = end;
		}
		if (!*line)
			continue;
		rc = *line >= 'A' && *line <= 'Z' ? smaps_attr(line, lineno, m, e) :
		     mapping_line(line, (size_t)(nl - line), lineno, m, e);
		if (rc) {
			if (bad_line && e->code != ENOMEM)
				*bad_line = lineno;
			return -1;
		}
	}
	return 0;
}

void maps_free(struct maps *m)
{
	free(m->v);
	free(m->stats);
	memset(m, 0, sizeof(*m));
}

static bool bracketed(const struct mapping *m, const char *prefix)
{
	return !strncmp(m->name, prefix, strlen(prefix));
}

enum map_class mapping_class(const struct mapping *m)
{
	if (!m->name_len)
		return CLASS_ANON;
	if (m->name[0] == '[')
		return !strcmp(m->name, "[heap]") || bracketed(m, "[stack") ||
		       bracketed(m, "[anon:") || bracketed(m, "[anon_shmem:") ?
		       CLASS_ANON : CLASS_SPECIAL;
	/* MAP_SHARED|MAP_ANONYMOUS shows as /dev/zero (deleted), SysV shm as
	 * /SYSV<key> (deleted): anonymous memory behind a shmem inode */
	if (m->deleted && (!strcmp(m->name, "/dev/zero") || bracketed(m, "/SYSV")))
		return CLASS_ANON;
	return CLASS_FILE;
}

const char *mapping_class_name(enum map_class c)
{
	return c == CLASS_ANON ? "anon" : c == CLASS_FILE ? "file" : "special";
}

uint64_t maps_total_rss(const struct maps *maps)
{
	uint64_t sum = 0;

	for (size_t i = 0; maps->stats && i < maps->n; i++)
		sum += maps->stats[i].rss;
	return sum;
}
