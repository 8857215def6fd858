/*
 * engine_model.h - the window engine's pure parts (maps_parse, select_plan,
 * the ledger, budget_select + plan_keep, chunk_take/record/rest/commit,
 * ledger_result) driven as engine.c drives them for one target, checked
 * against a reference model that is obviously right: a page map of a
 * simulated address space saying, per page, what each window selected
 * (computed here from the simulated mappings, not by select.c), what was
 * handed to the kernel, what the simulated kernel advised, and in which
 * window it went into the ledger.
 *
 * One case: random mappings (uneven sizes, anonymous, file-backed and
 * special; adjacent ones of one file at consecutive offsets and not;
 * guard gaps), a random selection and advice, perhaps a budget chosen
 * before the run from random residency, then windows: maps rendered as
 * the kernel prints them and parsed, a plan, chunks with random limits
 * (cuts inside pieces), a kernel that advises or fails each iovec
 * (ENOMEM where nothing is mapped, EINVAL for locked pages under
 * cold/pageout or at random, a whole-process ESRCH, a watchdog stop),
 * windows ending at random points, random changes between windows
 * (munmap, a new mapping at the same address, rename, grow, shrink,
 * mprotect splits, mlock), and ledger_result at the end.
 *
 * Checked, per case:
 *  - every read parses to the simulated mappings (maps and smaps text);
 *  - each window's plan is exactly the pages the reference selects there
 *    (selection, filters, refusals, futile pageout), less what earlier
 *    windows put in the ledger, within a budget's choice; its skips
 *    exactly the refused and futile pages;
 *  - budget_select's choice is the reference's (pieces by pages under the
 *    mask, most first; never more than the budget);
 *  - every chunk: the plan from the cursor on (cuts only in its last
 *    iovec), iovecs page-aligned, each inside one mapping of its window's
 *    maps and its plan piece; within the iovec and byte limits; its work
 *    the reference's, within the limit but for the one page a window must
 *    take; stopped short only for a limit; out[] exactly lim.pieces long
 *    on the heap (a write past it is an ASan report);
 *  - no page handed to the kernel that its window's plan does not hold;
 *    none twice in the run;
 *  - ledger_result: ranges and skips in address order, not overlapping;
 *    a range within one mapping as the window that took it read it, with
 *    its name and perms; each range's advised what the kernel advised in
 *    it, all of it when it has no error; every page attempted in exactly
 *    one range; advised totals: rows = kernel per page = kernel reported =
 *    ledger; a budget not exceeded (by more than one page per row); every
 *    page refused or futile and never advised in a skip row; unmatched
 *    selectors those no window matched.
 * Beyond engine.c: a commit now and then in the middle of a window, the
 * cursor going on after it (chunk.h allows it; engine.c commits after a
 * window, and again after chunk_rest at the end).
 *
 * The random source is a seed (unit test) or the fuzzer's bytes (then a
 * generator seeded from them once they run out). Violations are counted
 * in struct em with the first one's text; the caller decides (CHECK in
 * tests/unit/test_engine_model.c, abort in fuzz/fuzz_engine.c). em_trace
 * set: the case is told on stderr.
 */
#ifndef PMADV_ENGINE_MODEL_H
#define PMADV_ENGINE_MODEL_H

#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "engine/engine.h"

/* Bugs the model found in src/, all fixed since (EM_KNOWN_BUGS 0: each
 * is an ordinary failure again); kept named so that a check that finds
 * one says which. What each check below that finds one calls it.
 * A violation of a bug in EM_KNOWN_BUGS is counted (struct em_stats
 * known[]) and the case goes on; any other violation fails the case.
 * -DEM_KNOWN_BUGS=0 makes them all failures (for the one fixing them).
 *   1  a futile skip (pageout, no swap) never reaches the ledger: its
 *      pages are in no row of the result (engine.c select_fresh calls
 *      resident_futile after ledger_note_plan)
 *   2  a window's skip that overlaps any ledger entry is dropped whole,
 *      also its part no entry covers (ledger.c ledger_note_plan)
 *   4  the one page a window must take is counted as no work when it
 *      ends its piece or the byte room (chunk.c chunk_take), and the
 *      chunk then goes on past it
 *   8  collapse: a chunk cuts a piece inside a huge page; neither part
 *      holds it whole, the kernel collapses neither (chunk.c chunk_take)
 *  16  a skip row stays when a later window advises that address (a new
 *      mapping there, munlock): the result's rows overlap; the ledger's
 *      entries then overlap, covered()'s binary search misses the old
 *      skip, and a later skip there is added again (ledger.c) */
#define EM_NBUGS 5
#ifndef EM_KNOWN_BUGS
#define EM_KNOWN_BUGS 0
#endif

static const char *const em_bug_names[EM_NBUGS] = {
	"futile skips (pageout, no swap) never reach the ledger: no row",
	"a skip overlapping a ledger entry is dropped whole",
	"the forced page of a window counts as no work",
	"collapse: chunks cut pieces inside a huge page",
	"a skip row stays where a later window advised: rows overlap",
};

#define EM_PG ((uint64_t)4096)
#define EM_HP ((uint64_t)2 << 20)
#define EM_HPG (EM_HP / EM_PG)
#define EM_BASE ((uint64_t)0x7f1234000000)	/* 2 MiB aligned */
#define EM_MAXV 1200			/* mappings in the simulated space */
#define EM_MAXW 40			/* windows at most */
#define EM_FREE_WINDOWS 24		/* after these, no window ends early */

/* ---- the random source ---- */

struct em_rng {
	const uint8_t *data;	/* the fuzzer's bytes, first */
	size_t size, pos;
	uint64_t s;		/* then xorshift64* */
};

static inline uint64_t em_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void em_rng_seed(struct em_rng *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->s = em_mix(seed) | 1;
}

static inline void em_rng_bytes(struct em_rng *r, const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ULL;
	em_rng_seed(r, h ^ n);
	r->data = d;
	r->size = n;
}

static inline uint64_t em_gen(struct em_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform enough in [0, n); n >= 1. One input byte per choice below 256,
 * four above, while the fuzzer's bytes last. */
static inline uint64_t em_rnd(struct em_rng *r, uint64_t n)
{
	uint64_t v;

	if (n <= 1)
		return 0;
	if (r->pos < r->size) {
		if (n <= 256)
			return r->data[r->pos++] % n;
		v = 0;
		for (int i = 0; i < 4 && r->pos < r->size; i++)
			v = v << 8 | r->data[r->pos++];
		return v % n;
	}
	return (em_gen(r) >> 11) % n;
}

/* true with probability pct in 100 */
static inline bool em_pct(struct em_rng *r, unsigned int pct)
{
	return em_rnd(r, 100) < pct;
}

/* ---- the names a simulated mapping may carry ---- */

enum { EM_ANON, EM_FILE, EM_SPECIAL };

struct em_name {
	const char *name;	/* as maps shows it, without " (deleted)" */
	bool deleted;
	int cls;		/* what mapping_class must say */
	const char *last;	/* last path component (selects it too) */
	uint64_t inode;
};

static const struct em_name em_names[] = {
	{ "", false, EM_ANON, NULL, 0 },
	{ "[heap]", false, EM_ANON, NULL, 0 },
	{ "[stack]", false, EM_ANON, NULL, 0 },
	{ "[anon:jemalloc]", false, EM_ANON, NULL, 0 },
	{ "/dev/zero", true, EM_ANON, "zero", 4 },
	{ "/SYSV0000abcd", true, EM_ANON, "SYSV0000abcd", 32768 },
	{ "/usr/lib/x86_64-linux-gnu/libc.so.6", false, EM_FILE, "libc.so.6", 1311 },
	{ "/usr/lib/x86_64-linux-gnu/libm.so.6", false, EM_FILE, "libm.so.6", 1312 },
	{ "/var/lib/app/data file.db", false, EM_FILE, "data file.db", 77001 },
	{ "/tmp/gone.bin", true, EM_FILE, "gone.bin", 9123 },
	{ "[vvar]", false, EM_SPECIAL, NULL, 0 },
	{ "[vdso]", false, EM_SPECIAL, NULL, 0 },
	{ "[vsyscall]", false, EM_SPECIAL, NULL, 0 },
};
#define EM_NNAMES (sizeof(em_names) / sizeof(em_names[0]))
#define EM_N_ANON 6		/* the first six are anonymous */
#define EM_N_FILE 4		/* then four files */

/* Selectors by name: some match a mapping, one never does. */
static const char *const em_selnames[] = {
	"[heap]", "libc.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
	"data file.db", "zero", "gone.bin", "[stack]", "nomatch.so", "[vvar]",
	"SYSV0000abcd", "[anon:jemalloc]",
};
#define EM_NSELNAMES (sizeof(em_selnames) / sizeof(em_selnames[0]))

/* Selectors by regex and what each matches, decided here by hand. */
static const char *const em_regexes[] = { "\\.so", "^\\[(heap|stack)\\]$" };

static inline bool em_regex_matches(int k, const char *name)
{
	return k == 0 ? strstr(name, ".so") != NULL :
	       !strcmp(name, "[heap]") || !strcmp(name, "[stack]");
}

static const char em_noswap[] = "no swap device (model)";

/* ---- the simulated address space ---- */

struct em_vma {
	uint64_t s, e;		/* pages [s, e) of the space */
	int name;		/* em_names[] */
	char perms[4];
	uint64_t off;		/* file offset, bytes */
	bool locked;
};

struct em_space {
	struct em_vma v[EM_MAXV];
	size_t n;
};

/* The window's copy: what its maps showed. */
struct em_win {
	struct em_vma *v;
	size_t n;
	bool smaps;
};

struct em_stats {
	unsigned long known[EM_NBUGS];	/* cases that showed known bug 1 << i */
	unsigned long cases, windows, chunks, iovecs, cuts, forced, changes,
		budgets, fatal, stops, einval, enomem, rows, skiprows, failed,
		pages_advised, maps_fail, max_iov;
};

struct em {
	struct em_rng *r;
	struct em_stats *st;
	unsigned long nfail;
	char msg[1536];
	unsigned int known;	/* the known bugs this case showed */

	/* the case */
	uint64_t np;		/* pages in the space */
	int advice;
	bool smaps;		/* windows read smaps (VmFlags known) */
	bool noswap;		/* pageout of anonymous memory is futile */
	struct selection sel;
	const char *names[4];
	struct regex_sel re[2];
	struct addr_range ranges[3];
	const char *range_src[3];
	bool budgeted, have_spans, excl_known, nofreeze;
	uint64_t budget;
	unsigned int thaw_pct;
	unsigned int scale;	/* of the chunk limits: 0 tiny .. 3 huge */
	bool many;		/* a thousand small mappings */

	struct em_space sp;
	struct em_win w[EM_MAXW];
	unsigned int nw;

	/* per page */
	uint8_t *rflags;	/* residency read before the run (res_flag) */
	uint8_t *cov;		/* in the ranges residency was read over */
	uint8_t *keep;		/* in a budget's choice */
	uint8_t *want;		/* this window: EM_SEL ... */
	uint8_t *plan;		/* this window's plan (the reference) */
	uint8_t *asked;		/* times handed to the kernel in an iovec */
	uint8_t *sent;		/* ... and reached it */
	uint8_t *adv;		/* the kernel said advised */
	uint8_t *askw;		/* asked in this window */
	int8_t *done_w;		/* the window whose commit took it, -1 */
	uint8_t *skipped;	/* refused or futile in some window */
	uint64_t reported;	/* advised bytes the kernel reported */
	bool hit[9];		/* selectors that matched in some window */
};

/* Set by a driver that runs one case: what happens, on stderr. */
static int em_trace;

#define EM_TRACE(...)                                                    \
	do {                                                             \
		if (em_trace)                                            \
			fprintf(stderr, __VA_ARGS__);                    \
	} while (0)

static inline void em_trace_space(const struct em_vma *v, size_t n)
{
	for (size_t i = 0; em_trace && i < n; i++)
		fprintf(stderr, "    %" PRIx64 "-%" PRIx64 " %.4s %" PRIx64 " %s%s '%s'\n",
			EM_BASE + v[i].s * EM_PG, EM_BASE + v[i].e * EM_PG, v[i].perms,
			v[i].off, v[i].locked ? "locked " : "",
			em_names[v[i].name].deleted ? "deleted" : "",
			em_names[v[i].name].name);
}

static inline void em_fail(struct em *m, const char *file, int line,
			   const char *cond, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->nfail++)
		return;
	n = snprintf(m->msg, sizeof(m->msg), "%s:%d: (%s) ", file, line, cond);
	va_start(ap, fmt);
	vsnprintf(m->msg + n, sizeof(m->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* cond must hold, unless the violation is known bug `bug` (a bit). */
#define EM_CHECK_BUG(m, bug, cond, ...)                                  \
	do {                                                             \
		if (!(cond)) {                                           \
			if (EM_KNOWN_BUGS & (bug))                       \
				(m)->known |= (bug);                     \
			else                                             \
				em_fail((m), __FILE__, __LINE__, #cond,  \
					"[bug " #bug "] " __VA_ARGS__);  \
		}                                                        \
	} while (0)

#define EM_CHECK(m, cond, ...)                                           \
	do {                                                             \
		if (!(cond))                                             \
			em_fail((m), __FILE__, __LINE__, #cond,          \
				__VA_ARGS__);                            \
	} while (0)

static inline uint64_t em_addr(uint64_t page)
{
	return EM_BASE + page * EM_PG;
}

static inline uint64_t em_page(uint64_t addr)
{
	return (addr - EM_BASE) / EM_PG;
}

/* The mapping holding page p, or -1 (v sorted, disjoint). */
static inline int em_find(const struct em_vma *v, size_t n, uint64_t p)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].e <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].s <= p ? (int)lo : -1;
}

static inline int em_vma_cmp(const void *a, const void *b)
{
	const struct em_vma *x = a, *y = b;

	return x->s < y->s ? -1 : x->s > y->s;
}

/* ---- making mappings ---- */

static inline uint64_t em_size(struct em *m, bool big)
{
	struct em_rng *r = m->r;
	unsigned int k = (unsigned int)em_rnd(r, 100);

	if (m->many)
		return k < 90 ? 1 + em_rnd(r, 3) : 4 + em_rnd(r, 60);
	if (big && k < 15)
		return EM_HPG / 2 + em_rnd(r, 3 * EM_HPG);
	if (k < 25)
		return 1;
	if (k < 60)
		return 2 + em_rnd(r, 15);
	if (k < 88)
		return 17 + em_rnd(r, 112);
	return 129 + em_rnd(r, 400);
}

static inline void em_perms(struct em *m, char *p, bool file)
{
	static const char *const anon[] = { "rw-p", "rw-p", "rw-p", "r--p", "---p", "rwxp" };
	static const char *const fil[] = { "r--p", "r-xp", "rw-p", "r--p", "rw-s", "r--s" };

	memcpy(p, file ? fil[em_rnd(m->r, 6)] : anon[em_rnd(m->r, 6)], 4);
}

/* A fresh mapping of [s, e). */
static inline struct em_vma em_new_vma(struct em *m, uint64_t s, uint64_t e)
{
	struct em_rng *r = m->r;
	struct em_vma v = { .s = s, .e = e };
	unsigned int k = (unsigned int)em_rnd(r, 100);

	if (k < 50)
		v.name = (int)em_rnd(r, EM_N_ANON);
	else if (k < 94)
		v.name = EM_N_ANON + (int)em_rnd(r, EM_N_FILE);
	else
		v.name = EM_N_ANON + EM_N_FILE + (int)em_rnd(r, 3);
	em_perms(m, v.perms, em_names[v.name].cls == EM_FILE);
	if (em_names[v.name].cls == EM_FILE)
		v.off = em_rnd(m->r, 64) * EM_PG;
	if (v.name == 4 || v.name == 5)
		memcpy(v.perms, "rw-s", 4);	/* shared anonymous */
	if (em_names[v.name].cls == EM_SPECIAL)
		memcpy(v.perms, v.name == EM_N_ANON + EM_N_FILE + 2 ? "--xp" : "r--p", 4);
	v.locked = em_pct(r, 6);
	return v;
}

static inline void em_gen_space(struct em *m, bool big)
{
	struct em_rng *r = m->r;
	uint64_t at = em_rnd(r, 3);

	m->sp.n = 0;
	while (at < m->np && m->sp.n < EM_MAXV - 8) {
		uint64_t len = em_size(m, big), gap;
		struct em_vma v;
		const struct em_vma *prev = m->sp.n ? &m->sp.v[m->sp.n - 1] : NULL;

		if (at + len > m->np)
			len = m->np - at;
		/* collapse wants mappings that hold whole huge pages */
		if (big && em_pct(r, 30) && at % EM_HPG) {
			at = (at + EM_HPG - 1) / EM_HPG * EM_HPG;
			if (at >= m->np)
				break;
			if (at + len > m->np)
				len = m->np - at;
		}
		v = em_new_vma(m, at, at + len);
		/* right after one of a file: the same file, at the next
		 * offset (as ld.so maps a library) or not */
		if (prev && prev->e == at && em_names[prev->name].cls == EM_FILE &&
		    em_pct(r, 60)) {
			v.name = prev->name;
			v.off = em_pct(r, 70) ? prev->off + (prev->e - prev->s) * EM_PG :
				prev->off + em_rnd(r, 8) * EM_PG;
			if (em_pct(r, 40))
				memcpy(v.perms, prev->perms, 4);
		}
		m->sp.v[m->sp.n++] = v;
		at += len;
		/* guard gaps, or none: adjacent mappings */
		gap = m->many ? em_rnd(r, 2) : em_pct(r, 35) ? 0 :
		      em_pct(r, 80) ? 1 + em_rnd(r, 4) : 1 + em_rnd(r, 64);
		at += gap;
	}
}

/* ---- changes between windows ---- */

static inline bool em_room(struct em *m, size_t more)
{
	return m->sp.n + more <= EM_MAXV;
}

static inline void em_remove(struct em *m, size_t i)
{
	memmove(&m->sp.v[i], &m->sp.v[i + 1], (m->sp.n - i - 1) * sizeof(m->sp.v[0]));
	m->sp.n--;
}

/* Pages [a, b) of mapping i take the changes fn makes (perms, lock) or go
 * (fn NULL): the mapping splits as the kernel splits a VMA. */
static inline void em_split(struct em *m, size_t i, uint64_t a, uint64_t b,
			    void (*fn)(struct em *, struct em_vma *))
{
	struct em_vma v = m->sp.v[i], left = v, mid = v, right = v;
	bool file = em_names[v.name].cls == EM_FILE;

	if (!em_room(m, 2))
		return;
	em_remove(m, i);
	left.e = a;
	mid.s = a;
	mid.e = b;
	right.s = b;
	if (file) {
		mid.off = v.off + (a - v.s) * EM_PG;
		right.off = v.off + (b - v.s) * EM_PG;
	}
	if (left.s < left.e)
		m->sp.v[m->sp.n++] = left;
	if (fn) {
		fn(m, &mid);
		m->sp.v[m->sp.n++] = mid;
	}
	if (right.s < right.e)
		m->sp.v[m->sp.n++] = right;
}

static inline void em_mprotect(struct em *m, struct em_vma *v)
{
	em_perms(m, v->perms, em_names[v->name].cls == EM_FILE);
	if (v->name == 4 || v->name == 5)
		v->perms[3] = 's';
}

static inline void em_mlock(struct em *m, struct em_vma *v)
{
	(void)m;
	v->locked = !v->locked;
}

/* One random change of the target's mappings. */
static inline void em_change(struct em *m)
{
	struct em_rng *r = m->r;
	unsigned int what = (unsigned int)em_rnd(r, 10);
	size_t i;
	struct em_vma *v;
	uint64_t len, a, b, lim;

	m->st->changes++;
	if (!m->sp.n || what == 9) {	/* a new mapping in a gap */
		uint64_t p = em_rnd(r, m->np), want = 1 + em_rnd(r, 64), e;

		if (em_find(m->sp.v, m->sp.n, p) >= 0 || !em_room(m, 1))
			return;
		for (e = p + 1; e < m->np && e - p < want &&
		     em_find(m->sp.v, m->sp.n, e) < 0; e++)
			;
		m->sp.v[m->sp.n++] = em_new_vma(m, p, e);
		goto sort;
	}
	i = em_rnd(r, m->sp.n);
	v = &m->sp.v[i];
	len = v->e - v->s;
	a = v->s + em_rnd(r, len);
	b = a + 1 + em_rnd(r, v->e - a);
	switch (what) {
	case 0:		/* munmap */
		em_remove(m, i);
		break;
	case 1:		/* munmap of a part */
		em_split(m, i, a, b, NULL);
		break;
	case 2:		/* a new mapping at the same address */
		*v = em_new_vma(m, v->s, v->e);
		break;
	case 3:		/* rename: another name, same range */
		v->name = em_names[v->name].cls == EM_ANON ? (v->name == 3 ? 0 : 3) :
			  (int)em_rnd(r, EM_NNAMES);
		if (em_names[v->name].cls == EM_FILE && v->perms[3] == 's' &&
		    v->name != 4 && v->name != 5)
			v->perms[3] = 'p';
		break;
	case 4:		/* grow in place */
		lim = i + 1 < m->sp.n ? m->sp.v[i + 1].s : m->np;
		if (lim > v->e)
			v->e += 1 + em_rnd(r, lim - v->e);
		break;
	case 5:		/* shrink */
		if (len > 1)
			v->e -= 1 + em_rnd(r, len - 1);
		break;
	case 6:
	case 7:		/* mprotect of a part: a split */
		em_split(m, i, a, b, em_mprotect);
		break;
	default:	/* mlock or munlock of a part */
		em_split(m, i, a, b, em_mlock);
		break;
	}
sort:
	qsort(m->sp.v, m->sp.n, sizeof(m->sp.v[0]), em_vma_cmp);
}

/* ---- maps text, as the kernel prints it ---- */

struct em_text {
	char *s;
	size_t len, cap;
};

static inline __attribute__((format(printf, 2, 3)))
void em_printf(struct em_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (t->s && t->len + (size_t)n < t->cap)
			break;
		t->cap = t->cap ? t->cap * 2 : 8192;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
	t->len += (size_t)n;
}

static inline char *em_render(const struct em_space *sp, bool smaps, size_t *len)
{
	struct em_text t = { 0 };

	em_printf(&t, "%s", "");
	for (size_t i = 0; i < sp->n; i++) {
		const struct em_vma *v = &sp->v[i];
		const struct em_name *nm = &em_names[v->name];
		bool dev = nm->inode != 0;
		size_t at = t.len;
		int col;

		em_printf(&t, "%012" PRIx64 "-%012" PRIx64 " %.4s %08" PRIx64
			  " %s %" PRIu64, em_addr(v->s), em_addr(v->e), v->perms,
			  v->off, dev ? "fd:01" : "00:00", nm->inode);
		col = (int)(t.len - at);
		if (*nm->name)
			em_printf(&t, "%*s%s%s", col < 73 ? 73 - col : 1, "", nm->name,
				  nm->deleted ? " (deleted)" : "");
		em_printf(&t, "\n");
		if (smaps)
			em_printf(&t, "Size:           %8" PRIu64 " kB\n"
				  "Rss:                   0 kB\n"
				  "VmFlags: rd wr mr mw me ac%s\n",
				  (v->e - v->s) * EM_PG / 1024, v->locked ? " lo" : "");
	}
	*len = t.len;
	return t.s;
}

/* ---- the reference selection ---- */

enum { EM_NONE, EM_SEL, EM_REFUSED, EM_FUTILE };

static inline bool em_passes(unsigned int f, const struct em_vma *v)
{
	unsigned int cls = f & (SEL_ANON | SEL_FILE);
	unsigned int shr = f & (SEL_PRIVATE | SEL_SHARED);
	int c = em_names[v->name].cls;
	bool shared = v->perms[3] == 's';

	if (cls && !((cls & SEL_ANON && c == EM_ANON) || (cls & SEL_FILE && c == EM_FILE)))
		return false;
	if (shr && !((shr & SEL_SHARED && shared) || (shr & SEL_PRIVATE && !shared)))
		return false;
	return true;
}

static inline bool em_reclaims(int advice)
{
	return advice == ADVICE_COLD || advice == ADVICE_PAGEOUT;
}

/* Would select.c refuse the whole mapping (its name, its VmFlags)? */
static inline bool em_refused(const struct em *m, const struct em_vma *v, bool smaps)
{
	const char *n = em_names[v->name].name;

	if (!strcmp(n, "[vsyscall]"))
		return true;
	if (m->advice == ADVICE_COLLAPSE && em_names[v->name].cls == EM_SPECIAL)
		return true;
	return em_reclaims(m->advice) &&
	       (!strcmp(n, "[vvar]") || (smaps && v->locked));
}

static inline bool em_name_matches(const char *want, const struct em_vma *v)
{
	const struct em_name *nm = &em_names[v->name];

	return !strcmp(want, nm->name) || (nm->last && !strcmp(want, nm->last));
}

/* A huge page whole in pages [a, b)? */
static inline bool em_whole_hp(uint64_t a, uint64_t b)
{
	uint64_t s = (em_addr(a) + EM_HP - 1) & ~(EM_HP - 1);

	return s + EM_HP <= em_addr(b);
}

/* What a selection over the mappings in v makes of each page, into out
 * (EM_NONE, EM_SEL, EM_REFUSED, EM_FUTILE); the selectors that match
 * something into m->hit when hit. */
static inline void em_select(struct em *m, const struct em_vma *vv, size_t n,
			     bool smaps, uint8_t *out, bool hit)
{
	const struct selection *sel = &m->sel;
	size_t nsel = sel->nranges + sel->nnames;

	memset(out, EM_NONE, m->np);
	for (size_t i = 0; i < n; i++) {
		const struct em_vma *v = &vv[i];
		bool whole = sel->all, refused = em_refused(m, v, smaps);

		for (size_t k = 0; k < sel->nnames; k++)
			if (em_name_matches(sel->names[k], v)) {
				whole = true;
				m->hit[sel->nranges + k] |= hit;
			}
		for (size_t k = 0; k < sel->nregexes; k++)
			if (em_regex_matches(k, em_names[v->name].name)) {
				whole = true;
				m->hit[nsel + k] |= hit;
			}
		for (size_t k = 0; k < sel->nranges; k++)
			if (em_addr(v->s) < sel->ranges[k].end &&
			    em_addr(v->e) > sel->ranges[k].start)
				m->hit[k] |= hit;
		if (!em_passes(sel->filters, v))
			continue;
		for (uint64_t p = v->s; p < v->e; p++) {
			bool want = whole;

			for (size_t k = 0; k < sel->nranges && !want; k++)
				want = em_addr(p) >= sel->ranges[k].start &&
				       em_addr(p) < sel->ranges[k].end;
			out[p] = want ? EM_SEL : EM_NONE;
		}
		for (uint64_t p = v->s; p < v->e;) {
			uint64_t q = p;
			uint8_t what = EM_SEL;

			if (out[p] != EM_SEL) {
				p++;
				continue;
			}
			while (q < v->e && out[q] == EM_SEL)
				q++;
			/* [p, q): one piece of select.c's */
			if (refused || (m->advice == ADVICE_COLLAPSE && !em_whole_hp(p, q)))
				what = EM_REFUSED;
			else if (m->advice == ADVICE_PAGEOUT && m->noswap &&
				 em_names[v->name].cls == EM_ANON)
				what = EM_FUTILE;
			memset(out + p, what, q - p);
			p = q;
		}
	}
}

static const char *em_futile_rule(const struct mapping *mp,
				const struct piece *pc, void *ctx)
{
	(void)ctx;
	(void)pc;
	return mapping_class(mp) == CLASS_ANON ? em_noswap : NULL;
}

/* resident_futile as engine.c calls it. */
static inline int em_futile(struct em *m, struct plan *p, const struct maps *maps)
{
	if (m->advice != ADVICE_PAGEOUT || !m->noswap)
		return 0;
	return futile_apply(p, maps, em_futile_rule, m);
}

/* ---- checks of one read and one plan ---- */

/* The parsed maps say what the simulated mappings are. */
static inline void em_check_maps(struct em *m, const struct maps *mp,
				 const struct em_vma *v, size_t n, bool smaps)
{
	EM_CHECK(m, mp->n == n, "parsed %zu mappings of %zu", mp->n, n);
	for (size_t i = 0; i < mp->n && i < n; i++) {
		const struct mapping *x = &mp->v[i];
		const struct em_name *nm = &em_names[v[i].name];

		EM_CHECK(m, x->start == em_addr(v[i].s) && x->end == em_addr(v[i].e) &&
			 !memcmp(x->perms, v[i].perms, 4) &&
			 x->deleted == nm->deleted &&
			 !strcmp(x->name, nm->name) && x->name_len == strlen(nm->name),
			 "mapping %zu parsed wrong: %" PRIx64 "-%" PRIx64 " '%s'", i,
			 x->start, x->end, x->name);
		EM_CHECK(m, (int)mapping_class(x) == nm->cls, "class of '%s'", nm->name);
		EM_CHECK(m, !smaps || !!(x->vmflags & VMF_LOCKED) == v[i].locked,
			 "VmFlags lo of mapping %zu", i);
	}
}

/* p's pieces: sorted, disjoint, page-aligned, each inside the mapping it
 * names; exactly the pages want[] has as EM_SEL when also ok[] (NULL: all)
 * and not yet taken by the ledger; its skips exactly the refused and
 * futile pages. what: for messages. */
static inline void em_check_plan(struct em *m, const struct plan *p,
				 const struct maps *mp, const uint8_t *want,
				 bool subtracted, const uint8_t *ok, bool skips,
				 const char *what)
{
	uint64_t bytes = 0, npages = 0, want_pages = 0, nskip = 0, want_skip = 0;

	for (size_t i = 0; i < p->npieces; i++) {
		const struct piece *x = &p->pieces[i];

		EM_CHECK(m, x->start < x->end && !(x->start % EM_PG) && !(x->end % EM_PG) &&
			 x->start >= em_addr(0) && x->end <= em_addr(m->np),
			 "%s: piece %zu %" PRIx64 "-%" PRIx64, what, i, x->start, x->end);
		EM_CHECK(m, !i || p->pieces[i - 1].end <= x->start,
			 "%s: pieces %zu, %zu out of order", what, i - 1, i);
		EM_CHECK(m, x->map < mp->n && mp->v[x->map].start <= x->start &&
			 x->end <= mp->v[x->map].end,
			 "%s: piece %" PRIx64 "-%" PRIx64 " outside its mapping %u",
			 what, x->start, x->end, x->map);
		if (m->nfail)
			return;
		bytes += x->end - x->start;
		for (uint64_t a = x->start; a < x->end; a += EM_PG) {
			uint64_t pg = em_page(a);

			EM_CHECK(m, want[pg] == EM_SEL && (!ok || ok[pg]) &&
				 (!subtracted || m->done_w[pg] < 0),
				 "%s: page %" PRIx64 " planned; the reference says "
				 "%d%s%s", what, a, want[pg],
				 ok && !ok[pg] ? ", not in the budget" : "",
				 subtracted && m->done_w[pg] >= 0 ?
				 ", taken by an earlier window" : "");
			npages++;
		}
	}
	EM_CHECK(m, bytes == p->bytes, "%s: plan bytes %" PRIu64 ", pieces sum %" PRIu64,
		 what, p->bytes, bytes);
	for (uint64_t pg = 0; pg < m->np; pg++) {
		want_pages += want[pg] == EM_SEL && (!ok || ok[pg]) &&
			      (!subtracted || m->done_w[pg] < 0);
		want_skip += want[pg] == EM_REFUSED || want[pg] == EM_FUTILE;
	}
	EM_CHECK(m, npages == want_pages, "%s: %" PRIu64 " pages planned, the reference "
		 "selects %" PRIu64, what, npages, want_pages);
	if (!skips)
		return;
	for (size_t i = 0; i < p->nskips; i++) {
		const struct skip *s = &p->skips[i];

		EM_CHECK(m, s->start < s->end && s->map < mp->n &&
			 mp->v[s->map].start <= s->start && s->end <= mp->v[s->map].end &&
			 s->reason, "%s: skip %zu", what, i);
		if (m->nfail)
			return;
		for (uint64_t a = s->start; a < s->end; a += EM_PG) {
			uint8_t k = want[em_page(a)];

			EM_CHECK(m, k == (s->reason == em_noswap ? EM_FUTILE : EM_REFUSED),
				 "%s: skip page %" PRIx64 " (%s); the reference says %d",
				 what, a, s->reason, k);
			nskip++;
		}
	}
	EM_CHECK(m, nskip == want_skip, "%s: %" PRIu64 " pages skipped, the reference "
		 "skips %" PRIu64, what, nskip, want_skip);
}

/* ---- before the run: residency and a budget ---- */

/* The reference budget: pieces (maximal spans of planned pages in one
 * mapping) by their pages under mask, most first, address order among
 * equals; pages under mask in address order within one; stop when less
 * than a page of the budget is left. */
static inline void em_ref_budget(struct em *m, const struct em_vma *v, size_t n,
				 const uint8_t *want, unsigned int mask, uint8_t *out)
{
	struct rp { uint64_t s, e, under; } *pc = malloc((m->np + 1) * sizeof(*pc));
	size_t npc = 0;
	uint64_t left = m->budget;

	if (!pc)
		abort();
	memset(out, 0, m->np);
	for (size_t i = 0; i < n; i++)
		for (uint64_t p = v[i].s; p < v[i].e;) {
			uint64_t q = p, under = 0;

			if (want[p] != EM_SEL) {
				p++;
				continue;
			}
			for (; q < v[i].e && want[q] == EM_SEL; q++)
				under += (m->rflags[q] & mask) == mask;
			pc[npc++] = (struct rp){ p, q, under };
			p = q;
		}
	for (;;) {
		size_t best = npc;

		for (size_t i = 0; i < npc; i++)
			if (pc[i].under && (best == npc || pc[i].under > pc[best].under))
				best = i;
		if (best == npc)
			break;
		for (uint64_t p = pc[best].s; p < pc[best].e; p++) {
			if ((m->rflags[p] & mask) != mask)
				continue;
			if (left < EM_PG) {
				free(pc);
				return;
			}
			out[p] = 1;
			left -= EM_PG;
		}
		pc[best].under = 0;
	}
	free(pc);
}

static inline void em_gen_residency(struct em *m)
{
	struct em_rng *r = m->r;
	unsigned int dense = (unsigned int)em_rnd(r, 100);

	for (uint64_t p = 0; p < m->np;) {
		uint64_t run = 1 + em_rnd(r, em_pct(r, 50) ? 4 : 96);
		unsigned int k = (unsigned int)em_rnd(r, 100);
		uint8_t f = k < dense ? RES_PRESENT | (em_pct(r, 80) ? RES_EXCLUSIVE : 0) :
			    k < dense + (100 - dense) / 3 ? RES_SWAPPED : 0;

		for (; run && p < m->np; run--, p++) {
			int i = em_find(m->sp.v, m->sp.n, p);

			m->rflags[p] = f;
			if (f & RES_PRESENT && i >= 0 &&
			    em_names[m->sp.v[i].name].cls == EM_FILE)
				m->rflags[p] |= RES_FILE;
		}
	}
}

/* What engine.c's preview() leaves: covered (the plan residency was read
 * over), the spans, a budget's keep. false: the run cannot go on. */
static inline bool em_preview(struct em *m, struct res_spans *spans,
			      struct piece **covered, size_t *ncovered,
			      struct piece **keep, size_t *nkeep)
{
	bool smaps = m->budgeted;
	size_t len, bad;
	char *text = em_render(&m->sp, smaps, &len);
	struct maps mp = { 0 };
	struct plan p;
	struct err e;
	uint8_t *want = m->want;
	unsigned int bmask = m->advice == ADVICE_PAGEOUT ? RES_PRESENT | RES_EXCLUSIVE :
			     RES_PRESENT;

	*covered = *keep = NULL;
	*ncovered = *nkeep = 0;
	if (maps_parse(text, len, &mp, &bad, &e)) {
		EM_CHECK(m, 0, "preview: maps_parse: line %zu: %s", bad, e.msg);
		free(text);
		return false;
	}
	em_check_maps(m, &mp, m->sp.v, m->sp.n, smaps);
	if (select_plan(&mp, &m->sel, m->advice, &p))
		abort();
	em_select(m, m->sp.v, m->sp.n, smaps, want, false);
	/* what select_plan took, futile pieces included (they are futile
	 * only after it): SEL and FUTILE */
	for (uint64_t pg = 0; pg < m->np; pg++)
		m->cov[pg] = want[pg] == EM_SEL || want[pg] == EM_FUTILE;
	*covered = malloc((p.npieces ? p.npieces : 1) * sizeof(**covered));
	if (!*covered)
		abort();
	if (p.npieces)
		memcpy(*covered, p.pieces, p.npieces * sizeof(**covered));
	*ncovered = p.npieces;
	for (size_t i = 0; i < p.npieces; i++)
		for (uint64_t a = p.pieces[i].start; a < p.pieces[i].end; a += EM_PG)
			EM_CHECK(m, m->cov[em_page(a)], "preview: page %" PRIx64
				 " in the plan, not selected", a);
	/* the residency of the plan's pieces, as pagemap gives it */
	for (size_t i = 0; i < p.npieces; i++) {
		uint64_t s = em_page(p.pieces[i].start), n = em_page(p.pieces[i].end) - s;
		uint64_t *ent = malloc(n * sizeof(*ent));

		if (!ent)
			abort();
		for (uint64_t k = 0; k < n; k++) {
			uint8_t f = m->rflags[s + k];

			ent[k] = (f & RES_PRESENT ? PM_ENTRY_PRESENT : 0) |
				 (f & RES_SWAPPED ? PM_ENTRY_SWAPPED : 0) |
				 (f & RES_FILE ? PM_ENTRY_FILE : 0) |
				 (f & RES_EXCLUSIVE && m->excl_known ? PM_ENTRY_EXCLUSIVE : 0) |
				 (k * 0x1f3);	/* a PFN: ignored */
		}
		if (resspan_add_entries(spans, ent, n, p.pieces[i].start, EM_PG))
			abort();
		free(ent);
	}
	spans->exclusive_known = m->excl_known;
	if (!m->excl_known)
		for (uint64_t pg = 0; pg < m->np; pg++)
			m->rflags[pg] &= (uint8_t)~RES_EXCLUSIVE;
	if (m->budgeted) {
		if (em_futile(m, &p, &mp))
			abort();
		em_check_plan(m, &p, &mp, want, false, NULL, true, "preview");
		if (budget_select(&p, spans, bmask, m->budget, EM_PG))
			abort();
		em_ref_budget(m, m->sp.v, m->sp.n, want, bmask, m->keep);
		em_check_plan(m, &p, &mp, want, false, m->keep, false, "budget_select");
		EM_CHECK(m, p.bytes <= m->budget, "budget_select chose %" PRIu64
			 " bytes for a budget of %" PRIu64, p.bytes, m->budget);
		*keep = malloc((p.npieces ? p.npieces : 1) * sizeof(**keep));
		if (!*keep)
			abort();
		if (p.npieces)	/* budget_select chose nothing: pieces NULL */
			memcpy(*keep, p.pieces, p.npieces * sizeof(**keep));
		*nkeep = p.npieces;
	}
	plan_free(&p);
	maps_free(&mp);
	free(text);
	return true;
}

/* ---- work ---- */

/* The reference: work of pages [a, b) as the workmap should count it. */
static inline uint64_t em_ref_work(const struct em *m, const struct workmap *w,
				   uint64_t a, uint64_t b)
{
	uint64_t sum = 0;

	for (uint64_t p = a; p < b; p++) {
		bool work = true;

		if (w->spans && m->cov[p])
			work = ((m->rflags[p] & w->mask) == w->mask) != w->absent;
		sum += work ? EM_PG : 0;
	}
	return sum;
}

/* ---- the simulated kernel ---- */

struct em_call {
	int fatal;
	bool stopped;
};

/* process_madvise over iov as advise_run reports it. */
static inline void em_kernel(struct em *m, const struct piece *iov, size_t k,
			     struct advise_result *res, struct em_call *c)
{
	struct em_rng *r = m->r;
	size_t fatal_at = k, stop_at = k;

	memset(c, 0, sizeof(*c));
	memset(res, 0, k * sizeof(*res));
	if (em_pct(r, 2))
		fatal_at = em_rnd(r, k);
	else if (em_pct(r, 2))
		stop_at = em_rnd(r, k);
	for (size_t j = 0; j < k; j++) {
		uint64_t a = em_page(iov[j].start), b = em_page(iov[j].end), len = b - a;
		bool hole = false, locked = false;

		if (j >= fatal_at) {
			res[j].err = ESRCH;
			c->fatal = ESRCH;
			continue;
		}
		if (j >= stop_at) {
			res[j].err = ECANCELED;
			c->stopped = true;
			continue;
		}
		for (uint64_t p = a; p < b; p++) {
			int i = em_find(m->sp.v, m->sp.n, p);

			m->sent[p]++;
			hole |= i < 0;
			locked |= i >= 0 && m->sp.v[i].locked;
		}
		if (hole) {
			res[j].err = ENOMEM;
			m->st->enomem++;
		} else if ((locked && em_reclaims(m->advice)) ||
			   (m->advice == ADVICE_COLLAPSE && !em_whole_hp(a, b)) ||
			   em_pct(r, 3)) {
			res[j].err = EINVAL;
			/* a call cut by the watchdog's byte cap: a part went */
			res[j].advised = em_pct(r, 30) ? em_rnd(r, len) * EM_PG : 0;
			m->st->einval++;
		} else {
			res[j].advised = len * EM_PG;
		}
		for (uint64_t p = a; p < a + res[j].advised / EM_PG; p++)
			m->adv[p]++;
		m->reported += res[j].advised;
	}
	m->st->fatal += c->fatal != 0;
	m->st->stops += c->stopped;
}

/* ---- one chunk ---- */

/* chunk_take within random limits, checked; then the kernel, then
 * chunk_record. mcur/moff: the model's own cursor into the plan. Returns
 * what the call said. */
static inline struct em_call em_chunk(struct em *m, unsigned int w,
				      struct cursor *cur, const struct plan *p,
				      const struct maps *mp, const struct workmap *wm,
				      size_t *mcur, uint64_t *moff)
{
	struct piece *iov;		/* exactly lim.pieces: ASan sees past it */
	struct advise_result *ires;
	struct em_rng *r = m->r;
	/* cuts as engine.c asks for them: collapse at huge pages */
	struct chunk_limits lim = { .page = EM_PG, .align = m->advice ==
				    ADVICE_COLLAPSE ? EM_HP : 0 };
	unsigned int k;
	uint64_t work = 0, bytes = 0, ref = 0;
	size_t n, first = cur->cur;
	struct em_call call = { 0 };
	bool forced_bug;

	/* the case's scale: tiny chunks, small ones, any, the kernel's caps */
	k = (unsigned int)em_rnd(r, 10);
	lim.pieces = m->many ? ADVISE_MAX_IOV / 2 + em_rnd(r, ADVISE_MAX_IOV / 2 + 1) :
		     k < 4 ? 1 + em_rnd(r, 4) : k < 7 ? 5 + em_rnd(r, 60) :
		     65 + em_rnd(r, ADVISE_MAX_IOV - 64);
	k = m->scale == 0 ? 0 : m->scale == 1 ? 4 + (unsigned int)em_rnd(r, 3) :
	    m->scale == 2 ? (unsigned int)em_rnd(r, 10) : 7 + (unsigned int)em_rnd(r, 3);
	lim.bytes = k < 4 ? (1 + em_rnd(r, 8)) * EM_PG + (em_pct(r, 30) ? em_rnd(r, EM_PG) : 0) :
		    k < 7 ? (9 + em_rnd(r, 64)) * EM_PG :
		    k < 9 ? ADVISE_MAX_BYTES : ADVISE_UNFROZEN_MAX_BYTES;
	k = m->scale == 0 ? 2 + (unsigned int)em_rnd(r, 3) :
	    m->scale == 1 ? 5 + (unsigned int)em_rnd(r, 5) :
	    m->scale == 2 ? (unsigned int)em_rnd(r, 10) : (unsigned int)em_rnd(r, 3);
	lim.work = k < 2 ? UINT64_MAX : k < 5 ? 1 + em_rnd(r, 4 * EM_PG) :
		   1 + em_rnd(r, 100 * EM_PG);
	/* collapse: engine.c's byte limits hold whole huge pages */
	if (lim.align)
		lim.bytes = lim.bytes < EM_HP ? EM_HP : lim.bytes / EM_HP * EM_HP;
	EM_CHECK(m, first == *mcur && (first >= p->npieces ||
				       cur->off == *moff),
		 "window %u: cursor at piece %zu +%" PRIx64 ", the model at %zu +%" PRIx64,
		 w, first, cur->off, *mcur, *moff);
	iov = malloc(lim.pieces * sizeof(*iov));
	ires = malloc(lim.pieces * sizeof(*ires));
	if (!iov || !ires)
		abort();
	n = chunk_take(cur, wm, &lim, iov, &work);
	EM_TRACE("  chunk from piece %zu +%" PRIx64 ": limits pieces %zu bytes %" PRIx64
		 " work %" PRIx64 "; took %zu, work %" PRIx64 "\n", first, *moff,
		 lim.pieces, lim.bytes, lim.work, n, work);
	m->st->chunks++;
	m->st->iovecs += n;
	if (n > m->st->max_iov)
		m->st->max_iov = n;
	EM_CHECK(m, n >= 1 && n <= lim.pieces, "window %u: chunk of %zu iovecs, limit %zu",
		 w, n, lim.pieces);
	if (m->nfail)
		goto out;
	for (size_t j = 0; j < n; j++) {
		const struct piece *x = &iov[j], *pc = &p->pieces[first + j];
		uint64_t want_start = j ? pc->start : pc->start + *moff;
		int vi;

		EM_TRACE("  iovec %" PRIx64 "-%" PRIx64 " of piece %zu %" PRIx64 "-%" PRIx64
			 ", work %" PRIx64 "\n", x->start, x->end, first + j, pc->start,
			 pc->end, em_ref_work(m, wm, em_page(x->start), em_page(x->end)));

		EM_CHECK(m, first + j < p->npieces && x->start == want_start &&
			 x->end > x->start && x->end <= pc->end && x->map == pc->map &&
			 !(x->start % EM_PG) && !(x->end % EM_PG),
			 "window %u: iovec %zu %" PRIx64 "-%" PRIx64 " (map %u) is not the "
			 "plan from the cursor: piece %zu %" PRIx64 "-%" PRIx64 " +%" PRIx64,
			 w, j, x->start, x->end, x->map, first + j, pc->start, pc->end,
			 j ? 0 : *moff);
		EM_CHECK(m, j + 1 == n || x->end == pc->end,
			 "window %u: iovec %zu ends inside its piece but is not the last", w, j);
		if (m->nfail)
			goto out;
		vi = em_find(m->w[w].v, m->w[w].n, em_page(x->start));
		EM_CHECK(m, vi >= 0 && em_addr(m->w[w].v[vi].e) >= x->end &&
			 mp->v[x->map].start <= x->start && x->end <= mp->v[x->map].end,
			 "window %u: iovec %" PRIx64 "-%" PRIx64 " not inside one mapping",
			 w, x->start, x->end);
		for (uint64_t a = x->start; a < x->end; a += EM_PG) {
			uint64_t pg = em_page(a);

			EM_CHECK(m, m->plan[pg], "window %u: page %" PRIx64 " advised; its "
				 "window did not select it (reference %d)", w, a, m->want[pg]);
			EM_CHECK(m, !m->asked[pg], "window %u: page %" PRIx64 " advised "
				 "twice (window %d had it)", w, a, m->done_w[pg]);
			m->asked[pg]++;
			m->askw[pg] = 1;
		}
		bytes += x->end - x->start;
		ref += em_ref_work(m, wm, em_page(x->start), em_page(x->end));
		m->st->cuts += x->end != pc->end;
		/* collapse acts on whole huge pages: a cut inside one loses it */
		EM_CHECK_BUG(m, 8, m->advice != ADVICE_COLLAPSE || x->end == pc->end ||
			     !(x->end % EM_HP), "window %u: collapse: iovec %" PRIx64 "-%" PRIx64 " cuts piece %"
			 PRIx64 "-%" PRIx64 " inside a huge page", w, x->start, x->end,
			 pc->start, pc->end);
		/* the model's cursor follows */
		if (x->end == pc->end) {
			*mcur = first + j + 1;
			*moff = 0;
		} else {
			*mcur = first + j;
			*moff = x->end - pc->start;
		}
	}
	EM_CHECK(m, bytes <= lim.bytes, "window %u: chunk of %" PRIu64 " bytes, limit %"
		 PRIu64, w, bytes, lim.bytes);
	/* the cut unit: a page, or a huge page for collapse; the forced
	 * first take is one unit (to its boundary, or the piece's end) */
	uint64_t unit = lim.align ? lim.align : EM_PG;
	uint64_t unit_end = iov[0].start / unit * unit + unit;
	bool one_unit = iov[0].end - iov[0].start <= unit &&
			(iov[0].end == unit_end || iov[0].end == p->pieces[first].end);

	/* the forced first page counted as no work (bug 4) */
	forced_bug = ref == work + EM_PG && iov[0].end - iov[0].start == EM_PG &&
		     em_ref_work(m, wm, em_page(iov[0].start), em_page(iov[0].end));
	if (forced_bug)
		EM_CHECK_BUG(m, 4, work == ref, "window %u: chunk_take says work %"
			     PRIu64 ", the reference %" PRIu64, w, work, ref);
	else
		EM_CHECK(m, work == ref, "window %u: chunk_take says work %"
			 PRIu64 ", the reference %" PRIu64, w, work, ref);
	/* within the work limit, but for the one page a window must have */
	if (ref > lim.work) {
		m->st->forced++;
		if (forced_bug)
			EM_CHECK_BUG(m, 4, n == 1, "window %u: %zu iovecs after the "
				     "forced page", w, n);
		EM_CHECK(m, (n == 1 || forced_bug) && one_unit,
			 "window %u: work %" PRIu64 " over the limit %" PRIu64 " in %zu "
			 "iovecs, %" PRIu64 " bytes", w, work, lim.work, n,
			 iov[0].end - iov[0].start);
	}
	/* and it took what fitted: stopped short only for a limit (after
	 * the one forced page it stops whatever follows) */
	if (*mcur < p->npieces && n < lim.pieces && bytes + unit <= lim.bytes &&
	    work <= lim.work) {
		uint64_t at = p->pieces[*mcur].start + *moff;
		uint64_t to = at / unit * unit + unit;
		uint64_t pg = em_page(at);
		uint64_t next;

		if (to > p->pieces[*mcur].end)
			to = p->pieces[*mcur].end;
		next = em_ref_work(m, wm, pg, em_page(to));

		EM_CHECK(m, next && work + next > lim.work,
			 "window %u: chunk stopped at %" PRIx64 " with room (work %" PRIu64
			 " + %" PRIu64 ", limit %" PRIu64 ")", w, em_addr(pg), work, next,
			 lim.work);
	}
	if (m->nfail)
		goto out;
	em_kernel(m, iov, n, ires, &call);
	for (size_t j = 0; em_trace && j < n; j++)
		EM_TRACE("  iovec %" PRIx64 "-%" PRIx64 ": advised %" PRIx64
			 " err %d\n", iov[j].start, iov[j].end, ires[j].advised,
			 ires[j].err);
	chunk_record(cur, first, iov, ires, n);
out:
	free(iov);
	free(ires);
	return call;
}

/* ---- the run ---- */

static inline bool em_setup(struct em *m)
{
	struct em_rng *r = m->r;
	struct selection *sel = &m->sel;
	bool big;
	unsigned int k;

	k = (unsigned int)em_rnd(r, 20);
	m->advice = k < 7 ? ADVICE_COLD : k < 14 ? ADVICE_PAGEOUT :
		    k < 17 ? ADVICE_WILLNEED : ADVICE_COLLAPSE;
	big = m->advice == ADVICE_COLLAPSE || em_pct(r, 5);
	m->many = !big && em_pct(r, 4);
	m->np = big ? 256 + em_rnd(r, 3000) : m->many ? 2000 + em_rnd(r, 1500) :
		em_pct(r, 10) ? 1 + em_rnd(r, 40) : 16 + em_rnd(r, 700);
	m->smaps = em_pct(r, 30);
	m->noswap = m->advice == ADVICE_PAGEOUT && em_pct(r, 40);

	memset(sel, 0, sizeof(*sel));
	sel->all = em_pct(r, 65);
	if (em_pct(r, 40)) {
		sel->nnames = 1 + em_rnd(r, 4);
		for (size_t i = 0; i < sel->nnames; i++)
			m->names[i] = em_selnames[em_rnd(r, EM_NSELNAMES)];
		sel->names = m->names;
	}
	if (em_pct(r, 20)) {
		sel->nregexes = 1 + em_rnd(r, 2);
		sel->regexes = m->re;
	}
	if (em_pct(r, 25)) {
		sel->nranges = 1 + em_rnd(r, 3);
		for (size_t i = 0; i < sel->nranges; i++) {
			uint64_t a = em_rnd(r, m->np + 8), b = a + 1 + em_rnd(r, m->np / 2 + 8);

			m->ranges[i] = (struct addr_range){ em_addr(a), em_addr(b) };
			/* one string each, as argv gives them: the ledger
			 * tells selectors apart by it */
			m->range_src[i] = (const char *[]){ "r0", "r1", "r2" }[i];
		}
		sel->ranges = m->ranges;
		sel->range_src = m->range_src;
	}
	if (selection_empty(sel))
		sel->all = true;
	k = (unsigned int)em_rnd(r, 20);
	sel->filters = k < 13 ? 0 : k < 16 ? SEL_ANON : k < 18 ? SEL_FILE :
		       (unsigned int)em_rnd(r, 16);

	m->rflags = calloc(m->np, 1);
	m->cov = calloc(m->np, 1);
	m->keep = calloc(m->np, 1);
	m->want = calloc(m->np, 1);
	m->plan = calloc(m->np, 1);
	m->asked = calloc(m->np, 1);
	m->sent = calloc(m->np, 1);
	m->adv = calloc(m->np, 1);
	m->askw = calloc(m->np, 1);
	m->done_w = malloc(m->np);
	m->skipped = calloc(m->np, 1);
	if (!m->rflags || !m->cov || !m->keep || !m->want || !m->plan || !m->asked ||
	    !m->sent || !m->adv || !m->askw || !m->done_w || !m->skipped)
		abort();
	memset(m->done_w, -1, m->np);

	em_gen_space(m, big);
	em_gen_residency(m);
	m->nofreeze = em_pct(r, 10);
	m->budgeted = !m->nofreeze && em_pct(r, 35);
	if (m->budgeted)
		m->budget = em_pct(r, 3) ? 0 : em_pct(r, 50) ? em_rnd(r, 64) * EM_PG :
			    em_rnd(r, m->np * EM_PG + 1);
	m->have_spans = m->budgeted || (!m->nofreeze && em_pct(r, 80));
	m->excl_known = m->budgeted || em_pct(r, 50);
	k = (unsigned int)em_rnd(r, 20);
	m->scale = k < 6 ? 0 : k < 12 ? 1 : k < 17 ? 2 : 3;
	if (m->many)	/* for chunks of hundreds of iovecs */
		m->scale = 3;
	/* how often a window ends before its plan does (the deadline) */
	k = (unsigned int)em_rnd(r, 10);
	m->thaw_pct = m->nofreeze || k == 0 ? 0 : k < 3 ? 10 : k < 6 ? 30 : k < 9 ? 60 : 85;
	return big;
}

/* The final rows (ledger_result) against the model. */
static inline void em_check_result(struct em *m, struct ledger *l)
{
	char *text = NULL;
	struct maps om;
	struct plan out;
	struct advise_result *res = NULL;
	uint64_t sum = 0, advp = 0, ledger_adv = 0, attempted = 0;
	size_t nsel = m->sel.nranges + m->sel.nnames + m->sel.nregexes, nun = 0;
	uint8_t *row = calloc(m->np, 1);

	if (!row)
		abort();
	for (size_t i = 0; i < l->n; i++)
		ledger_adv += l->v[i].advised;
	for (uint64_t pg = 0; pg < m->np; pg++)
		attempted += m->done_w[pg] >= 0 ? EM_PG : 0;
	EM_CHECK(m, l->attempted == attempted, "ledger attempted %" PRIu64 ", the model %"
		 PRIu64, l->attempted, attempted);
	if (ledger_result(l, &text, &om, &out, &res))
		abort();
	for (size_t i = 0; em_trace && i < out.npieces; i++)
		EM_TRACE("row %" PRIx64 "-%" PRIx64 " '%s': advised %" PRIx64 " err %d\n",
			 out.pieces[i].start, out.pieces[i].end, om.v[out.pieces[i].map].name,
			 res[i].advised, res[i].err);
	for (size_t i = 0; em_trace && i < out.nskips; i++)
		EM_TRACE("skip row %" PRIx64 "-%" PRIx64 " '%s': %s\n", out.skips[i].start,
			 out.skips[i].end, om.v[out.skips[i].map].name, out.skips[i].reason);
	m->st->rows += out.npieces;
	m->st->skiprows += out.nskips;
	/* rows: address order, no overlap, ranges and skips each (the two
	 * against each other below) */
	for (size_t i = 0; i < out.npieces; i++)
		EM_CHECK(m, out.pieces[i].start < out.pieces[i].end &&
			 (!i || out.pieces[i - 1].end <= out.pieces[i].start),
			 "ranges overlap or out of order at %" PRIx64 "-%" PRIx64,
			 out.pieces[i].start, out.pieces[i].end);
	for (size_t i = 0; i < out.nskips; i++)
	{
		EM_CHECK(m, out.skips[i].start < out.skips[i].end &&
			 (!i || out.skips[i - 1].start <= out.skips[i].start),
			 "skips out of order at %" PRIx64 "-%" PRIx64,
			 out.skips[i].start, out.skips[i].end);
	}
	for (size_t i = 0; i < out.npieces && !m->nfail; i++) {
		const struct piece *x = &out.pieces[i];
		const struct mapping *mm = &om.v[x->map];
		uint64_t a0 = em_page(x->start), a1 = em_page(x->end), adv = 0;
		bool all_asked = true;

		EM_CHECK(m, x->map < om.n && mm->start == x->start && mm->end == x->end &&
			 x->start >= em_addr(0) && x->end <= em_addr(m->np) &&
			 !(x->start % EM_PG) && !(x->end % EM_PG),
			 "row %zu %" PRIx64 "-%" PRIx64 ": its mapping says %" PRIx64 "-%" PRIx64,
			 i, x->start, x->end, mm->start, mm->end);
		if (m->nfail)
			break;
		for (uint64_t pg = a0; pg < a1; pg++) {
			int w = m->done_w[pg], vi;
			const struct em_vma *v;

			EM_CHECK(m, w >= 0, "row %" PRIx64 "-%" PRIx64 ": page %" PRIx64
				 " never went into the ledger", x->start, x->end, em_addr(pg));
			EM_CHECK(m, !row[pg], "page %" PRIx64 " in two rows", em_addr(pg));
			if (m->nfail)
				break;
			row[pg] = 1;
			adv += m->adv[pg] ? EM_PG : 0;
			all_asked &= m->asked[pg] != 0;
			/* the row is one mapping as the window that took this
			 * page saw it */
			vi = em_find(m->w[w].v, m->w[w].n, pg);
			v = vi >= 0 ? &m->w[w].v[vi] : NULL;
			EM_CHECK(m, v && v->s <= a0 && a1 <= v->e &&
				 !strcmp(mm->name, em_names[v->name].name) &&
				 !memcmp(mm->perms, v->perms, 4),
				 "row %" PRIx64 "-%" PRIx64 " '%s' is not within one mapping "
				 "of window %d (%" PRIx64 "-%" PRIx64 " '%s')", x->start, x->end,
				 mm->name, w, v ? em_addr(v->s) : 0, v ? em_addr(v->e) : 0,
				 v ? em_names[v->name].name : "");
		}
		EM_CHECK(m, res[i].advised == adv, "row %" PRIx64 "-%" PRIx64 ": advised %"
			 PRIu64 ", the kernel advised %" PRIu64 " of it", x->start, x->end,
			 res[i].advised, adv);
		EM_CHECK(m, res[i].err || (all_asked && adv == x->end - x->start),
			 "row %" PRIx64 "-%" PRIx64 " without an error: advised %" PRIu64
			 "%s", x->start, x->end, res[i].advised,
			 all_asked ? "" : ", not all of it asked");
		sum += res[i].advised;
	}
	for (uint64_t pg = 0; pg < m->np && !m->nfail; pg++) {
		advp += m->adv[pg] ? EM_PG : 0;
		EM_CHECK(m, (m->done_w[pg] >= 0) == row[pg], "page %" PRIx64 ": %s",
			 em_addr(pg), row[pg] ? "in a row, not in the ledger" :
			 "attempted, in no row");
		EM_CHECK(m, m->adv[pg] <= 1 && m->sent[pg] <= 1,
			 "page %" PRIx64 " reached the kernel twice", em_addr(pg));
	}
	/* reported totals: the rows, the ledger, what the kernel said */
	EM_CHECK(m, sum == advp && sum == m->reported && sum == ledger_adv,
		 "advised: rows %" PRIu64 ", kernel per page %" PRIu64 ", kernel "
		 "reported %" PRIu64 ", ledger %" PRIu64, sum, advp, m->reported, ledger_adv);
	if (m->budgeted)
		EM_CHECK(m, sum <= m->budget + out.npieces * EM_PG,
			 "advised %" PRIu64 " over the budget %" PRIu64, sum, m->budget);
	/* skips: each inside one mapping some window refused, and every page
	 * refused or futile and never advised is in one */
	for (size_t i = 0; i < out.nskips && !m->nfail; i++) {
		const struct skip *s = &out.skips[i];
		bool seen = false;

		for (unsigned int w = 0; w < m->nw && !seen; w++) {
			int vi = em_find(m->w[w].v, m->w[w].n, em_page(s->start));

			seen = vi >= 0 && em_addr(m->w[w].v[vi].e) >= s->end &&
			       !strcmp(om.v[s->map].name, em_names[m->w[w].v[vi].name].name);
		}
		EM_CHECK(m, s->reason && seen, "skip row %" PRIx64 "-%" PRIx64 " '%s' is in "
			 "no window's mapping", s->start, s->end, om.v[s->map].name);
		/* overlapping skips: bug 16 where the ledger's entries overlap
		 * (an earlier skip over a range advised since), else a failure */
		if (i && out.skips[i - 1].end > s->start) {
			const struct skip *o = &out.skips[i - 1];
			bool stale = false;

			for (uint64_t a = o->start; a < o->end && a < em_addr(m->np); a += EM_PG)
				stale |= row[em_page(a)] & 1;
			if (stale)
				EM_CHECK_BUG(m, 16, 0, "skips overlap at %" PRIx64 "-%"
					     PRIx64, s->start, s->end);
			else
				EM_CHECK(m, 0, "skips overlap at %" PRIx64 "-%" PRIx64,
					 s->start, s->end);
		}
		for (uint64_t a = s->start; a < s->end && a < em_addr(m->np); a += EM_PG) {
			EM_CHECK_BUG(m, 16, !(row[em_page(a)] & 1),
				 "skip row %" PRIx64 "-%" PRIx64 " '%s' overlaps a range "
				 "row at %" PRIx64, s->start, s->end, om.v[s->map].name, a);
			row[em_page(a)] |= 2;
		}
	}
	for (uint64_t pg = 0; pg < m->np && !m->nfail; pg++)
		if (m->skipped[pg] && m->done_w[pg] < 0 && m->skipped[pg] == EM_FUTILE)
			EM_CHECK_BUG(m, 1, row[pg] & 2, "page %" PRIx64 " was futile "
				     "in a window, never advised, and is in no skip row",
				     em_addr(pg));
		else if (m->skipped[pg] && m->done_w[pg] < 0)
			EM_CHECK_BUG(m, 2, row[pg] & 2, "page %" PRIx64 " was %s in a window, never "
				 "advised, and is in no skip row", em_addr(pg),
				 m->skipped[pg] == EM_FUTILE ? "futile" : "refused");
	/* selectors that matched nothing in every window */
	for (size_t k = 0; k < nsel; k++)
		nun += !m->hit[k];
	EM_CHECK(m, out.nunmatched == nun, "%zu selectors unmatched, the model says %zu",
		 out.nunmatched, nun);
	free(row);
	free(text);
	free(res);
	maps_free(&om);
	plan_free(&out);
}

/* One case. Returns the number of violations (m->msg: the first). */
static inline unsigned long em_case(struct em_rng *r, struct em_stats *st,
				    char *msg, size_t msglen)
{
	struct em *m = calloc(1, sizeof(*m));
	struct ledger led = { 0 };
	struct res_spans spans = { 0 };
	struct piece *covered = NULL, *keep = NULL;
	size_t ncovered = 0, nkeep = 0;
	struct cursor cur;
	bool in_window = false, done = false, stop = false, failed = false;
	bool noted = false;	/* the window's skips are in the ledger */
	struct plan plan = { 0 };
	struct maps mp = { 0 };
	char *text = NULL;
	struct advise_result *res = NULL;
	unsigned long nfail;

	if (!m)
		abort();
	m->r = r;
	m->st = st;
	st->cases++;
	em_setup(m);
	EM_TRACE("case: %" PRIu64 " pages, advice %d, smaps %d, noswap %d, all %d, "
		 "%zu names, %zu regexes, %zu ranges, filters %x, budget %d (%" PRIu64
		 "), spans %d, excl %d, nofreeze %d, thaw %u%%, scale %u\n", m->np, m->advice,
		 m->smaps, m->noswap, m->sel.all, m->sel.nnames, m->sel.nregexes,
		 m->sel.nranges, m->sel.filters, m->budgeted, m->budget, m->have_spans,
		 m->excl_known, m->nofreeze, m->thaw_pct, m->scale);
	for (size_t k = 0; k < m->sel.nnames; k++)
		EM_TRACE("  name '%s'\n", m->sel.names[k]);
	for (size_t k = 0; k < m->sel.nranges; k++)
		EM_TRACE("  range %" PRIx64 "-%" PRIx64 "\n", m->sel.ranges[k].start,
			 m->sel.ranges[k].end);
	for (size_t k = 0; k < m->sel.nregexes; k++) {
		m->re[k].src = em_regexes[k];
		if (regcomp(&m->re[k].re, em_regexes[k], REG_EXTENDED | REG_NOSUB))
			abort();
	}
	if ((m->have_spans || m->budgeted) &&
	    !em_preview(m, &spans, &covered, &ncovered, &keep, &nkeep))
		goto out;
	st->budgets += m->budgeted;

	struct workmap wm = {
		.spans = m->have_spans ? &spans : NULL,
		.covered = covered, .ncovered = ncovered,
		.mask = m->excl_known && m->advice == ADVICE_PAGEOUT ?
			RES_PRESENT | RES_EXCLUSIVE : RES_PRESENT,
		.page = EM_PG,
		.absent = m->advice == ADVICE_WILLNEED,
	};

	for (unsigned int w = 0; !done && !stop && !failed; w++) {
		bool smaps = m->smaps && em_reclaims(m->advice), any = false;
		size_t len, bad, mcur = 0;
		uint64_t moff = 0;
		struct err e;

		if (w >= EM_MAXW) {
			EM_CHECK(m, 0, "no end after %u windows", w);
			break;
		}
		/* between windows the target runs */
		for (unsigned int c = w ? (unsigned int)em_rnd(r, 4) : 0; c; c--)
			em_change(m);
		/* drop_window_plan */
		plan_free(&plan);
		maps_free(&mp);
		free(text);
		free(res);
		text = NULL;
		res = NULL;
		in_window = false;
		/* the maps read fails: the target exited */
		if (w && em_pct(r, 2)) {
			st->maps_fail++;
			done = true;
			break;
		}
		m->w[w].v = malloc((m->sp.n ? m->sp.n : 1) * sizeof(struct em_vma));
		if (!m->w[w].v)
			abort();
		memcpy(m->w[w].v, m->sp.v, m->sp.n * sizeof(struct em_vma));
		m->w[w].n = m->sp.n;
		m->w[w].smaps = smaps;
		m->nw = w + 1;
		st->windows++;
		EM_TRACE("window %u:\n", w);
		em_trace_space(m->sp.v, m->sp.n);
		text = em_render(&m->sp, smaps, &len);
		if (maps_parse(text, len, &mp, &bad, &e)) {
			EM_CHECK(m, 0, "window %u: maps_parse: %s", w, e.msg);
			break;
		}
		em_check_maps(m, &mp, m->sp.v, m->sp.n, smaps);
		if (select_plan(&mp, &m->sel, m->advice, &plan) ||
		    ledger_subtract(&led, &plan) ||
		    em_futile(m, &plan, &mp) ||
		    (m->budgeted && plan_keep(&plan, keep, nkeep)))
			abort();
		res = calloc(plan.npieces ? plan.npieces : 1, sizeof(*res));
		if (!res)
			abort();
		cursor_init(&cur, &plan, &mp, res);
		in_window = true;
		noted = false;
		/* the reference */
		em_select(m, m->sp.v, m->sp.n, smaps, m->want, true);
		for (uint64_t pg = 0; pg < m->np; pg++) {
			m->plan[pg] = m->want[pg] == EM_SEL && m->done_w[pg] < 0 &&
				      (!m->budgeted || m->keep[pg]);
			m->askw[pg] = 0;
			if ((m->want[pg] == EM_REFUSED || m->want[pg] == EM_FUTILE) &&
			    m->done_w[pg] < 0)
				m->skipped[pg] = m->want[pg];
		}
		for (size_t i = 0; em_trace && i < plan.npieces; i++)
			EM_TRACE("  piece %zu: %" PRIx64 "-%" PRIx64 "\n", i,
				 plan.pieces[i].start, plan.pieces[i].end);
		for (size_t i = 0; em_trace && i < plan.nskips; i++)
			EM_TRACE("  skip %" PRIx64 "-%" PRIx64 ": %s\n",
				 plan.skips[i].start, plan.skips[i].end, plan.skips[i].reason);
		em_check_plan(m, &plan, &mp, m->want, true, m->budgeted ? m->keep : NULL,
			      false, "window");
		if (m->nfail)
			break;
		/* exited while its maps were read */
		if (em_pct(r, 1)) {
			chunk_rest(&cur, ESRCH);
			done = true;
		} else if (!plan.npieces) {
			done = true;
		}
		/* advise_member */
		while (!done && !cursor_done(&cur) && !stop) {
			struct em_call c;

			if (em_pct(r, 1)) {	/* watchdog, or a signal */
				stop = true;
				break;
			}
			if (any && w < EM_FREE_WINDOWS && em_pct(r, m->thaw_pct))
				break;	/* thaw: the deadline */
			/* no freeze: the target runs meanwhile */
			if (m->nofreeze && em_pct(r, 3))
				em_change(m);
			c = em_chunk(m, w, &cur, &plan, &mp, &wm, &mcur, &moff);
			any = true;
			if (m->nfail)
				break;
			if (c.fatal) {
				chunk_rest(&cur, c.fatal);
				done = true;
				break;
			}
			if (c.stopped) {
				stop = true;
				break;
			}
			/* beyond engine.c, which commits after a window: a
			 * commit in the middle, the cursor going on after it
			 * (chunk.h: each byte into the ledger once) */
			if (em_pct(r, 4)) {
				/* as engine.c's commit_member: the skips
				 * first, once, after the freeze */
				if ((!noted && ledger_note_plan(&led, &plan, &mp)) ||
				    chunk_commit(&cur, &led))
					abort();
				noted = true;
				for (uint64_t pg = 0; pg < m->np; pg++)
					if (m->plan[pg] && m->askw[pg])
						m->done_w[pg] = (int8_t)w;
			}
		}
		if (m->nfail)
			break;
		if (!done && !stop && cursor_done(&cur))
			done = true;
		/* commit, outside the window */
		if ((!noted && ledger_note_plan(&led, &plan, &mp)) ||
		    chunk_commit(&cur, &led))
			abort();
		noted = true;
		for (uint64_t pg = 0; pg < m->np; pg++)
			if (m->plan[pg] && (m->askw[pg] || cur.rest_err))
				m->done_w[pg] = (int8_t)w;
	}
	/* finish */
	if (!m->nfail && in_window && !done) {
		chunk_rest(&cur, ECANCELED);
		if ((!noted && ledger_note_plan(&led, &plan, &mp)) ||
		    chunk_commit(&cur, &led))
			abort();
		for (uint64_t pg = 0; pg < m->np; pg++)
			if (m->plan[pg] && m->done_w[pg] < 0)
				m->done_w[pg] = (int8_t)(m->nw - 1);
	}
	if (!m->nfail && led.planned)
		em_check_result(m, &led);
out:
	for (uint64_t pg = 0; pg < m->np; pg++)
		st->pages_advised += m->adv[pg];
	plan_free(&plan);
	maps_free(&mp);
	free(text);
	free(res);
	ledger_free(&led);
	resspan_free(&spans);
	free(covered);
	free(keep);
	for (size_t k = 0; k < m->sel.nregexes; k++)
		regfree(&m->re[k].re);
	for (unsigned int w = 0; w < m->nw; w++)
		free(m->w[w].v);
	free(m->rflags);
	free(m->cov);
	free(m->keep);
	free(m->want);
	free(m->plan);
	free(m->asked);
	free(m->sent);
	free(m->adv);
	free(m->askw);
	free(m->done_w);
	free(m->skipped);
	nfail = m->nfail;
	st->failed += nfail != 0;
	for (int b = 0; b < EM_NBUGS; b++)
		st->known[b] += !!(m->known & 1u << b);
	if (msg && msglen)
		snprintf(msg, msglen, "%s", m->msg);
	free(m);
	return nfail;
}

#endif
