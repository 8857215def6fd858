/* Shared helpers for the libFuzzer harnesses: a NUL-terminated copy of the
 * input, an assertion that aborts (libFuzzer keeps the input), and the
 * invariant checks every parsed maps and plan must satisfy. */
#ifndef PMADV_FUZZ_COMMON_H
#define PMADV_FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "plan/plan.h"
#include "../tests/unit/utf8_ref.h"

/* -DFUZZ_KNOWN_BUGS=1 skips the checks that open bugs fail, to fuzz on past
 * them until they are fixed. None open now; last used for a NUL inside a
 * maps line giving name_len past strlen(name) (fuzz/corpus/regress/). */
#ifndef FUZZ_KNOWN_BUGS
#define FUZZ_KNOWN_BUGS 0
#endif

#define FUZZ_ASSERT(c)                                                    \
	do {                                                              \
		if (!(c)) {                                               \
			fprintf(stderr, "%s:%d: assertion failed: %s\n",  \
				__FILE__, __LINE__, #c);                  \
			abort();                                          \
		}                                                         \
	} while (0)

/* malloc'd copy of data with a NUL at [size]: exactly size bytes readable
 * before it, so ASan sees any read past the end. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}


/* Terminal-safe: valid UTF-8, no C0 controls, no DEL, no C1 controls. */
static inline void fuzz_check_terminal(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;

	while (*p) {
		int n = ref_utf8_len(p);

		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(!(n == 1 && (*p < 0x20 || *p == 0x7f)));
		FUZZ_ASSERT(!(n == 2 && p[0] == 0xc2 && p[1] < 0xa0));
		p += n;
	}
}

/* Valid as the contents of a JSON string: escapes well-formed, no raw
 * control or quote, valid UTF-8. */
static inline void fuzz_check_json(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;

	while (*p) {
		FUZZ_ASSERT(*p >= 0x20 && *p != '"');
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					FUZZ_ASSERT(strchr("0123456789abcdefABCDEF", p[i]) && p[i]);
				p += 5;
			} else {
				FUZZ_ASSERT(*p && strchr("\"\\/bfnrt", *p));
				p++;
			}
			continue;
		}
		int n = ref_utf8_len(p);
		FUZZ_ASSERT(n > 0);
		p += n;
	}
}

/* Parsed maps: sorted, disjoint, names inside the text and consistent. */
static inline void fuzz_check_maps(const struct maps *m, const char *text,
				   size_t len)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mapping *v = &m->v[i];

		FUZZ_ASSERT(v->start < v->end);
		FUZZ_ASSERT(i == 0 || m->v[i - 1].end <= v->start);
		FUZZ_ASSERT(v->name >= text && v->name <= text + len);
		FUZZ_ASSERT(strlen(v->name) == v->name_len || FUZZ_KNOWN_BUGS);
		FUZZ_ASSERT(v->vmflags == 0 || (v->vmflags & VMF_KNOWN));
		FUZZ_ASSERT(maps_find(m, v->start) == i);
		FUZZ_ASSERT(maps_find(m, v->end - 1) == i);
		FUZZ_ASSERT(maps_find(m, v->end) == i + 1);
		(void)mapping_class_name(mapping_class(v));
		if (m->stats) {
			FUZZ_ASSERT(m->stats[i].rss % 1024 == 0);
			FUZZ_ASSERT(m->stats[i].swap % 1024 == 0);
		}
	}
}

static inline void fuzz_check_plan(const struct maps *m, const struct plan *p)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *x = &p->pieces[i];

		FUZZ_ASSERT(x->map < m->n);
		FUZZ_ASSERT(x->start < x->end);
		FUZZ_ASSERT(x->start >= m->v[x->map].start && x->end <= m->v[x->map].end);
		FUZZ_ASSERT(i == 0 || p->pieces[i - 1].end <= x->start);
		sum += x->end - x->start;
	}
	FUZZ_ASSERT(sum == p->bytes);
	for (size_t i = 0; i < p->nskips; i++) {
		FUZZ_ASSERT(p->skips[i].map < m->n);
		FUZZ_ASSERT(p->skips[i].reason);
	}
}

/* Plans over parsed maps: --all, names and a regex, and --limit. */
static inline void fuzz_exercise(const struct maps *m, const uint8_t *data,
				 size_t size)
{
	static int compiled;
	static struct regex_sel re[2];
	struct selection sel = { 0 };
	struct plan p;
	struct addr_range r;
	const char *names[2];
	const char *src = "fuzz";
	int advice = size ? (data[0] & 1 ? 21 : 3) : 21;

	if (!compiled) {
		regcomp(&re[0].re, "^$", REG_EXTENDED | REG_NOSUB);
		re[0].src = "^$";
		regcomp(&re[1].re, "\\.so", REG_EXTENDED | REG_NOSUB);
		re[1].src = "\\.so";
		compiled = 1;
	}
	sel.all = size > 1 && (data[1] & 1);
	sel.filters = size > 2 ? data[2] & 15 : 0;
	if (m->n) {
		names[0] = m->v[0].name;
		names[1] = m->v[m->n / 2].name;
		sel.names = names;
		sel.nnames = 2;
		r.start = m->v[m->n / 2].start & ~0xfffULL;
		r.end = m->v[m->n - 1].end;
		if (r.end > r.start) {
			sel.ranges = &r;
			sel.range_src = &src;
			sel.nranges = 1;
		}
	}
	sel.regexes = re;
	sel.nregexes = 2;
	if (select_plan(m, &sel, advice, &p) == 0) {
		fuzz_check_plan(m, &p);
		struct res_spans spans = { 0 };

		/* every other piece resident: a budget of half the bytes */
		for (size_t i = 0; i < p.npieces; i += 2)
			if (resspan_add(&spans, p.pieces[i].start, p.pieces[i].end, RES_PRESENT))
				break;
		if (budget_select(&p, &spans, RES_PRESENT, p.bytes / 2, 4096) == 0)
			fuzz_check_plan(m, &p);
		resspan_free(&spans);
		plan_free(&p);
	}
	(void)maps_total_rss(m);
	for (size_t i = 0; i < m->n && i < 8; i++) {
		char *t = escape_str(m->v[i].name, ESCAPE_TERMINAL);
		char *j = escape_str(m->v[i].name, ESCAPE_JSON);
		if (t)
			fuzz_check_terminal(t);
		if (j)
			fuzz_check_json(j);
		free(t);
		free(j);
	}
}

/* maps_parse on text (len bytes and a NUL), the checks every outcome must
 * pass, then plans over what parsed. Lines before first_bad are known to
 * be good mapping lines; data and size feed fuzz_exercise. */
static inline void fuzz_maps_text(char *text, size_t len, size_t first_bad,
				  const uint8_t *data, size_t size)
{
	struct maps m = { 0 };
	struct err e = { 0 };
	size_t bad = 0;
	char line[32];
	int rc = maps_parse(text, len, &m, &bad, &e);

	FUZZ_ASSERT(rc == 0 || rc == -1);
	/* inputs are small: running out of memory means a parse error was
	 * reported as ENOMEM (a fixed bug: fuzz/corpus/regress/maps-attr-*) */
	FUZZ_ASSERT(rc == 0 || e.code == EINVAL || e.code == EAGAIN);
	if (rc == 0) {
		FUZZ_ASSERT(bad == 0);
	} else {
		FUZZ_ASSERT(bad >= first_bad && bad <= len + 1);
		snprintf(line, sizeof(line), "line %zu: ", bad);
		FUZZ_ASSERT(!strncmp(e.msg, line, strlen(line)));
	}
	FUZZ_ASSERT(m.n >= first_bad - 1);
	/* whatever was appended before an error is still consistent */
	fuzz_check_maps(&m, text, len);
	if (rc == 0)
		fuzz_exercise(&m, data, size);
	maps_free(&m);
}

#endif
