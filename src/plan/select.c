/* Selection of mapping pieces to advise. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <strings.h>

#include "lib/lib.h"
#include "plan/plan.h"

int select_add_regex(struct selection *sel, const char *src, struct err *e)
{
	struct regex_sel *v = array_grow(sel->regexes, sel->nregexes,
					 &sel->regexcap, sizeof(*v), 4);
	char why[ERR_LEN];
	int rc;

	if (!v)
		return err_set(e, ENOMEM, "out of memory");
	sel->regexes = v;
	v[sel->nregexes].src = src;
	rc = regcomp(&v[sel->nregexes].re, src, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &v[sel->nregexes].re, why, sizeof(why));
		return err_set(e, rc == REG_ESPACE ? ENOMEM : EINVAL, "%s", why);
	}
	sel->nregexes++;
	return 0;
}

bool selection_empty(const struct selection *sel)
{
	return !sel->all && !sel->nranges && !sel->nnames && !sel->nregexes;
}

/* Equal, where the kernel's "\012" in a maps name also stands for the
 * newline an operator may type: both spellings select the mapping. */
static bool names_equal(const char *want, const char *name)
{
	while (*want && *name) {
		if (*want == '\n' && !strncmp(name, "\\012", 4)) {
			want++;
			name += 4;
			continue;
		}
		if (*want++ != *name++)
			return false;
	}
	return !*want && !*name;
}

bool select_name_matches(const char *want, const struct mapping *m)
{
	const char *slash;

	if (names_equal(want, m->name))
		return true;
	slash = strrchr(m->name, '/');
	return slash && slash != m->name + m->name_len - 1 &&
	       names_equal(want, slash + 1);
}

struct vec {
	struct piece *v;
	size_t n, cap;
};

static int push_pair(struct vec *p, uint64_t start, uint64_t end, size_t map,
		     uint32_t pair)
{
	struct piece *v = array_grow(p->v, p->n, &p->cap, sizeof(*v), 64);

	if (!v)
		return -1;
	p->v = v;
	p->v[p->n++] = (struct piece){ start, end, (uint32_t)map, pair };
	return 0;
}

static int push(struct vec *p, uint64_t start, uint64_t end, size_t map)
{
	return push_pair(p, start, end, map, 0);
}

int by_start(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool passes_filters(const struct mapping *m, unsigned int f)
{
	unsigned int cls = f & (SEL_ANON | SEL_FILE);
	unsigned int shr = f & (SEL_PRIVATE | SEL_SHARED);
	enum map_class c = mapping_class(m);

	if (cls && !((cls & SEL_ANON && c == CLASS_ANON) ||
		     (cls & SEL_FILE && c == CLASS_FILE)))
		return false;
	if (shr && !((shr & SEL_SHARED && mapping_shared(m)) ||
		     (shr & SEL_PRIVATE && !mapping_shared(m))))
		return false;
	return true;
}

const char *select_refusal(const struct mapping *m, int advice)
{
	/* the special mappings' names all start with '[' */
	bool special = m->name[0] == '[';

	if (special && !strcmp(m->name, "[vsyscall]"))
		return "vsyscall page: not a real mapping";
	if (advice == ADVICE_COLLAPSE && mapping_class(m) == CLASS_SPECIAL)
		return "special mapping: nothing to collapse";
	if (!advice_reclaims(advice))
		return NULL;
	if (special && (!strcmp(m->name, "[vvar]") || !strcmp(m->name, "[vvar_vclock]")))
		return "vvar: PFN mapping, refused for cold/pageout";
	if (m->vmflags & VMF_LOCKED)
		return "locked (mlock): refused for cold/pageout";
	if (m->vmflags & VMF_HUGETLB)
		return "hugetlb: refused for cold/pageout";
	if (m->vmflags & (VMF_PFNMAP | VMF_IO))
		return "I/O or PFN mapping: refused for cold/pageout";
	return NULL;
}

/* Where selected pieces go: filters and refusals applied on the way. */
struct builder {
	const struct maps *maps;
	const struct selection *sel;
	int advice;
	uint32_t pair;			/* tags what it takes */
	struct vec keep;
	struct skip *skips;
	size_t nskips, skipcap;
	uint64_t bytes;
};

static int take(struct builder *b, uint64_t start, uint64_t end, size_t map)
{
	const struct mapping *m = &b->maps->v[map];
	const char *why;

	if (!passes_filters(m, b->sel->filters))
		return 0;
	why = select_refusal(m, b->advice);
	/* the kernel answers EINVAL for a range holding no whole huge page */
	if (!why && b->advice == ADVICE_COLLAPSE &&
	    ((start + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1)) + HUGE_PAGE_SIZE > end)
		why = "holds no whole 2 MiB huge page: nothing to collapse";
	if (why) {
		struct skip *v = array_grow(b->skips, b->nskips, &b->skipcap,
					    sizeof(*v), 8);
		if (!v)
			return -1;
		b->skips = v;
		b->skips[b->nskips++] = (struct skip){ start, end, (uint32_t)map,
						       b->pair, why };
		return 0;
	}
	b->bytes += end - start;
	return push_pair(&b->keep, start, end, map, b->pair);
}

/* Ranges overlap anyhow: sorted, united per mapping, into out. */
static int unite_sorted(struct vec *cand, struct vec *out)
{
	for (size_t i = 1; i < cand->n; i++)
		if (cand->v[i].start < cand->v[i - 1].start) {
			qsort(cand->v, cand->n, sizeof(*cand->v), by_start);
			break;
		}
	for (size_t i = 0; i < cand->n;) {
		struct piece p = cand->v[i++];

		while (i < cand->n && cand->v[i].map == p.map && cand->v[i].start <= p.end) {
			if (cand->v[i].end > p.end)
				p.end = cand->v[i].end;
			i++;
		}
		if (push(out, p.start, p.end, p.map))
			return -1;
	}
	return 0;
}

/* The selectors of sel that hit nothing, appended to out's. */
static int report_unmatched(const struct selection *sel, const bool *hit,
			    struct plan *out)
{
	const size_t nsel = sel->nranges + sel->nnames + sel->nregexes;
	struct unmatched *v = realloc(out->unmatched, (out->nunmatched + nsel ?
						       out->nunmatched + nsel : 1) *
				      sizeof(*v));

	if (!v)
		return -1;
	out->unmatched = v;
	for (size_t k = 0; k < nsel; k++) {
		struct unmatched *u = &out->unmatched[out->nunmatched];
		if (hit[k])
			continue;
		if (k < sel->nranges)
			*u = (struct unmatched){ "range", sel->range_src[k] };
		else if (k < sel->nranges + sel->nnames)
			*u = (struct unmatched){ "mapping", sel->names[k - sel->nranges] };
		else
			*u = (struct unmatched){ "regex", sel->regexes[k - sel->nranges - sel->nnames].src };
		out->nunmatched++;
	}
	return 0;
}

/* What b took becomes the plan's (the unmatched selectors are there): 0;
 * or, failed, it goes with the plan: -1. */
static int builder_done(struct builder *b, struct plan *out, bool failed)
{
	if (failed) {
		free(b->keep.v);
		free(b->skips);
		plan_free(out);
		return -1;
	}
	out->pieces = b->keep.v;
	out->npieces = b->keep.n;
	out->skips = b->skips;
	out->nskips = b->nskips;
	out->bytes = b->bytes;
	return 0;
}

/* Does sel take m whole (--all, a name, a regex)? Matching selectors are
 * marked in hit (after the ranges') for the unmatched report. */
static bool wants(const struct selection *sel, const struct mapping *m,
		  bool *hit)
{
	bool want = sel->all;

	for (size_t k = 0; k < sel->nnames; k++)
		if (select_name_matches(sel->names[k], m))
			want = hit[sel->nranges + k] = true;
	for (size_t k = 0; k < sel->nregexes; k++)
		if (regexec(&sel->regexes[k].re, m->name, 0, NULL, 0) == 0)
			want = hit[sel->nranges + sel->nnames + k] = true;
	return want;
}

/* Each explicit range, cut at mapping boundaries, into cand. */
static int range_pieces(const struct maps *maps, const struct selection *sel,
			bool *hit, struct vec *cand)
{
	for (size_t r = 0; r < sel->nranges; r++) {
		const struct addr_range *a = &sel->ranges[r];

		for (size_t i = maps_find(maps, a->start);
		     i < maps->n && maps->v[i].start < a->end; i++) {
			const struct mapping *m = &maps->v[i];
			uint64_t s = a->start > m->start ? a->start : m->start;
			uint64_t e = a->end < m->end ? a->end : m->end;

			hit[r] = true;
			if (push(cand, s, e, i))
				return -1;
		}
	}
	return 0;
}

/* What sel takes before any advice is asked about (select_plan's pieces
 * and skips together): sorted, disjoint, united within each mapping. */
static int candidates(const struct maps *maps, const struct selection *sel,
		      bool *hit, struct vec *out)
{
	struct vec cand = { 0 }, all = { 0 };
	int rc = -1;

	if (range_pieces(maps, sel, hit, &cand))
		goto out;
	for (size_t i = 0; i < maps->n; i++) {
		const struct mapping *m = &maps->v[i];

		if (wants(sel, m, hit) && push(&cand, m->start, m->end, i))
			goto out;
	}
	if (unite_sorted(&cand, &all))
		goto out;
	for (size_t i = 0; i < all.n; i++)
		if (passes_filters(&maps->v[all.v[i].map], sel->filters) &&
		    push(out, all.v[i].start, all.v[i].end, all.v[i].map))
			goto out;
	rc = 0;
out:
	free(cand.v);
	free(all.v);
	return rc;
}

int select_plan(const struct maps *maps, const struct selection *sel,
		int advice, struct plan *out)
{
	const size_t nsel = sel->nranges + sel->nnames + sel->nregexes;
	struct builder b = { maps, sel, advice, 0, { 0 }, NULL, 0, 0, 0 };
	struct vec cand = { 0 };
	bool *hit = calloc(nsel ? nsel : 1, sizeof(*hit));
	bool failed = true;

	memset(out, 0, sizeof(*out));
	if (!hit)
		goto done;
	/* without ranges, pieces are whole mappings, in order and disjoint:
	 * straight into the plan, sized once for the worst case */
	if (!sel->nranges) {
		b.keep.v = big_alloc((maps->n ? maps->n : 1) * sizeof(*b.keep.v));
		if (!b.keep.v)
			goto done;
		b.keep.cap = maps->n ? maps->n : 1;
	} else if (candidates(maps, sel, hit, &cand)) {
		goto done;
	}
	for (size_t i = 0; i < cand.n; i++)
		if (take(&b, cand.v[i].start, cand.v[i].end, cand.v[i].map))
			goto done;
	for (size_t i = 0; !sel->nranges && i < maps->n; i++)
		if (wants(sel, &maps->v[i], hit) &&
		    take(&b, maps->v[i].start, maps->v[i].end, i))
			goto done;
	failed = report_unmatched(sel, hit, out) != 0;
done:
	free(hit);
	free(cand.v);
	return builder_done(&b, out, failed);
}

/* ---- several (advice, selection) pairs ---- */

/* The parts of each candidate no earlier pair claimed (claimed: sorted,
 * disjoint address ranges) go to take for b's pair. */
static int take_unclaimed(struct builder *b, const struct vec *cand,
			  const struct vec *claimed)
{
	size_t j = 0;

	for (size_t i = 0; i < cand->n; i++) {
		const struct piece *c = &cand->v[i];
		uint64_t at = c->start;

		while (j < claimed->n && claimed->v[j].end <= at)
			j++;
		for (size_t k = j; k < claimed->n && claimed->v[k].start < c->end &&
		     at < c->end; k++) {
			if (claimed->v[k].start > at &&
			    take(b, at, claimed->v[k].start, c->map))
				return -1;
			if (claimed->v[k].end > at)
				at = claimed->v[k].end;
		}
		if (at < c->end && take(b, at, c->end, c->map))
			return -1;
	}
	return 0;
}

/* claimed := claimed united with cand (both sorted; the result sorted,
 * disjoint, touching ranges joined). */
static int claim(struct vec *claimed, const struct vec *cand)
{
	struct vec out = { 0 };
	size_t i = 0, j = 0;

	while (i < claimed->n || j < cand->n) {
		const struct piece *p = j >= cand->n || (i < claimed->n &&
			claimed->v[i].start <= cand->v[j].start) ?
			&claimed->v[i++] : &cand->v[j++];

		if (out.n && p->start <= out.v[out.n - 1].end) {
			if (p->end > out.v[out.n - 1].end)
				out.v[out.n - 1].end = p->end;
		} else if (push(&out, p->start, p->end, 0)) {
			free(out.v);
			return -1;
		}
	}
	free(claimed->v);
	*claimed = out;
	return 0;
}

int select_pairs(const struct maps *maps, const struct pair_sel *pairs,
		 size_t npairs, struct plan *out)
{
	struct builder b = { .maps = maps };
	struct vec claimed = { 0 }, cand = { 0 };
	bool *hit = NULL, failed = true;

	if (npairs == 1)
		return select_plan(maps, pairs[0].sel, pairs[0].advice->value, out);
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < npairs; k++) {
		const struct selection *sel = pairs[k].sel;
		const size_t nsel = sel->nranges + sel->nnames + sel->nregexes;

		b.sel = sel;
		b.advice = pairs[k].advice->value;
		b.pair = (uint32_t)k;
		cand.n = 0;
		hit = calloc(nsel ? nsel : 1, sizeof(*hit));
		if (!hit || candidates(maps, sel, hit, &cand) ||
		    take_unclaimed(&b, &cand, &claimed) ||
		    (k + 1 < npairs && claim(&claimed, &cand)) ||
		    report_unmatched(sel, hit, out))
			goto done;
		free(hit);
		hit = NULL;
	}
	/* each pair's are sorted: together, sorted again */
	if (b.keep.n > 1)
		qsort(b.keep.v, b.keep.n, sizeof(*b.keep.v), by_start);
	if (b.nskips > 1)
		qsort(b.skips, b.nskips, sizeof(*b.skips), by_start);
	failed = false;
done:
	free(hit);
	free(claimed.v);
	free(cand.v);
	return builder_done(&b, out, failed);
}

void plan_free(struct plan *p)
{
	free(p->pieces);
	free(p->skips);
	free(p->unmatched);
	memset(p, 0, sizeof(*p));
}

void plan_set_pieces(struct plan *p, struct piece *v, size_t n, size_t nbytes)
{
	free(p->pieces);
	p->pieces = v;
	p->npieces = n;
	p->bytes = 0;
	for (size_t i = 0; i < nbytes; i++)
		p->bytes += v[i].end - v[i].start;
}

void selection_free(struct selection *sel)
{
	for (size_t k = 0; k < sel->nregexes; k++)
		regfree(&sel->regexes[k].re);
	free(sel->regexes);
	free(sel->ranges);
	free(sel->range_src);
	free(sel->names);
	memset(sel, 0, sizeof(*sel));
}

/* Address ranges given on the command line. */
static int part(const char *s, size_t n, uint64_t *v, struct err *e)
{
	char buf[64];

	if (n == 0)
		return err_set(e, EINVAL, "missing number");
	if (n >= sizeof(buf))
		return err_set(e, EINVAL, "number too long");
	memcpy(buf, s, n);
	buf[n] = '\0';
	return size_parse(buf, v, e);
}

int range_parse(const char *s, uint64_t page_size, struct addr_range *out,
		struct err *e)
{
	const char *sep = strpbrk(s, "-+");
	uint64_t a, b, end;

	if (!sep)
		return err_set(e, EINVAL, "expected START-END or START+LENGTH");
	if (part(s, (size_t)(sep - s), &a, e) || part(sep + 1, strlen(sep + 1), &b, e))
		return -1;
	if (*sep == '+') {
		if (b == 0)
			return err_set(e, EINVAL, "length is zero");
		if (b > UINT64_MAX - a)
			return err_set(e, ERANGE, "START+LENGTH wraps past the end of the address space");
		end = a + b;
	} else {
		if (b <= a)
			return err_set(e, EINVAL, "END must be greater than START");
		end = b;
	}
	/* align outward: the kernel advises whole pages */
	if (end > UINT64_MAX - (page_size - 1))
		return err_set(e, ERANGE, "range reaches past the end of the address space");
	out->start = a & ~(page_size - 1);
	out->end = (end + page_size - 1) & ~(page_size - 1);
	return 0;
}

/* The remote advice first, in the order help lists them. */
#define LOCAL_ONLY false, NULL, false, false, false, NULL
static const struct advice table[] = {
	{ "cold", ADVICE_COLD, true, "5.10", true, true, false,
	  "deactivate: first to be reclaimed under pressure" },
	{ "pageout", ADVICE_PAGEOUT, true, "5.10", true, true, true,
	  "reclaim now: anonymous pages to swap, clean file pages dropped" },
	{ "willneed", ADVICE_WILLNEED, true, "5.15", false, false, false,
	  "read ahead: bring swapped-out or file pages in" },
	{ "collapse", ADVICE_COLLAPSE, true, "6.1", false, true, false,
	  "collapse into transparent huge pages" },
	{ "normal", 0, LOCAL_ONLY },
	{ "random", 1, LOCAL_ONLY },
	{ "sequential", 2, LOCAL_ONLY },
	{ "dontneed", 4, LOCAL_ONLY },
	{ "free", 8, LOCAL_ONLY },
	{ "remove", 9, LOCAL_ONLY },
	{ "dontfork", 10, LOCAL_ONLY },
	{ "dofork", 11, LOCAL_ONLY },
	{ "mergeable", 12, LOCAL_ONLY },
	{ "unmergeable", 13, LOCAL_ONLY },
	{ "hugepage", 14, LOCAL_ONLY },
	{ "nohugepage", 15, LOCAL_ONLY },
	{ "dontdump", 16, LOCAL_ONLY },
	{ "dodump", 17, LOCAL_ONLY },
	{ "wipeonfork", 18, LOCAL_ONLY },
	{ "keeponfork", 19, LOCAL_ONLY },
	{ "populate_read", 22, LOCAL_ONLY },
	{ "populate_write", 23, LOCAL_ONLY },
	{ "dontneed_locked", 24, LOCAL_ONLY },
	{ "hwpoison", 100, LOCAL_ONLY },
	{ "soft_offline", 101, LOCAL_ONLY },
	{ "guard_install", 102, LOCAL_ONLY },
	{ "guard_remove", 103, LOCAL_ONLY },
};
#undef LOCAL_ONLY

#define TABLE_N (sizeof(table) / sizeof(table[0]))

const struct advice *advice_lookup(const char *s)
{
	if (!strncasecmp(s, "MADV_", 5))
		s += 5;
	for (size_t i = 0; i < TABLE_N; i++)
		if (!strcasecmp(s, table[i].name))
			return &table[i];
	return NULL;
}

const struct advice *advice_by_value(int value)
{
	for (size_t i = 0; i < TABLE_N; i++)
		if (table[i].value == value)
			return &table[i];
	return NULL;
}

const struct advice *advice_remote(size_t i)
{
	for (size_t k = 0; k < TABLE_N; k++)
		if (table[k].remote && i-- == 0)
			return &table[k];
	return NULL;
}

const char *advice_remote_list(void)
{
	static char buf[128];
	const struct advice *a;
	size_t n = 0;

	if (!*buf)
		for (size_t i = 0; (a = advice_remote(i)) && n < sizeof(buf); i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
					      i ? ", " : "", a->name);
	return buf;
}

bool advice_reclaims(int value)
{
	const struct advice *a = advice_by_value(value);

	return a && a->reclaims;
}

bool advice_einval_is_refusal(int value)
{
	const struct advice *a = advice_by_value(value);

	return a && a->einval_skips;
}
