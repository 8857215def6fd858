/* plan: what to advise, maps to pieces: maps parsing, ranges, selection,
 * advice names, resident spans, budgets, futile advice, swap text. No I/O. */
#ifndef PMADV_PLAN_H
#define PMADV_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>

#include "lib/lib.h"

/* madvise advice: one table (select.c) everything reads. The values are
 * asm-generic's (glibc 2.36 lacks some). */
enum advice_value {
	ADVICE_WILLNEED = 3,
	ADVICE_COLD = 20,
	ADVICE_PAGEOUT = 21,
	ADVICE_COLLAPSE = 25,
};

struct advice {
	const char *name;	/* lower case, without MADV_ */
	int value;
	bool remote;		/* allowed on another process (Linux 6.18) */
	const char *since;	/* kernel that first allowed it remotely */
	bool reclaims;		/* refused on locked, hugetlb, VM_IO/PFNMAP */
	bool einval_skips;	/* EINVAL: the mapping cannot take it (a skip) */
	bool lowers_rss;	/* only these can meet a --down-to */
	const char *help;	/* what it does, for --help (remote only) */
};

/* Look up "pageout", "PAGEOUT", "MADV_PAGEOUT"... NULL when unknown. */
const struct advice *advice_lookup(const char *s);

/* Value to name, or NULL. */
const struct advice *advice_by_value(int value);

/* The i-th advice allowed on another process, NULL past the last. */
const struct advice *advice_remote(size_t i);

/* The names accepted for another process: "cold, pageout, ...". */
const char *advice_remote_list(void);

/* The table's flags by value (false for an unknown value). */
bool advice_reclaims(int value);
bool advice_einval_is_refusal(int value);

struct addr_range {
	uint64_t start, end;	/* [start, end), page-aligned */
};

/* Parse "START-END" or "START+LENGTH" (size suffixes taken), aligned
 * outward to page_size. 0, or -1 with e (EINVAL, ERANGE). */
int range_parse(const char *s, uint64_t page_size, struct addr_range *out,
		struct err *e);

/* VmFlags that decide whether the kernel accepts advice (smaps only). */
enum vmflag {
	VMF_LOCKED = 1 << 0,	/* lo */
	VMF_HUGETLB = 1 << 1,	/* ht */
	VMF_PFNMAP = 1 << 2,	/* pf */
	VMF_IO = 1 << 3,	/* io */
	VMF_KNOWN = 1 << 15,	/* a VmFlags line was seen */
};

/* A maps line; offset, device and inode are checked, not kept (issue 22:
 * parsed at every line of every window). */
struct mapping {
	uint64_t start, end;
	const char *name;	/* as in maps, NUL-terminated, without " (deleted)";
				 * "" for anonymous */
	uint32_t name_len;
	char perms[4];		/* "rw-p", not NUL-terminated */
	uint16_t vmflags;	/* enum vmflag, smaps only */
	bool deleted;		/* " (deleted)" was stripped */
};

/* Per-mapping figures from smaps, in bytes. */
struct mapping_stats {
	uint64_t rss, swap, anon_huge, locked;
};

struct maps {
	struct mapping *v;
	struct mapping_stats *stats;	/* NULL unless parsed from smaps */
	size_t n, cap;
};

/* Parse one maps line (no newline; modified in place). 0 or -1. */
int maps_parse_line(char *line, struct mapping *m);

/* Append a maps or smaps text (text[len] == '\0'; modified in place, names
 * point into it) to m. 0, or -1 with e->code ENOMEM, EINVAL or EAGAIN
 * (addresses not increasing: a torn read, worth reading again), and
 * *bad_line (may be NULL) the 1-based line, 0 for ENOMEM. */
int maps_parse(char *text, size_t len, struct maps *m, size_t *bad_line,
	       struct err *e);

void maps_free(struct maps *m);

/* Sum of the mappings' Rss (smaps only; 0 for maps). */
uint64_t maps_total_rss(const struct maps *maps);

enum map_class { CLASS_ANON, CLASS_FILE, CLASS_SPECIAL };
enum map_class mapping_class(const struct mapping *m);
const char *mapping_class_name(enum map_class c);
static inline bool mapping_shared(const struct mapping *m) { return m->perms[3] == 's'; }

/* Index of the mapping containing addr, or the next (m->n if none). */
static inline size_t maps_find(const struct maps *m, uint64_t addr)
{
	return FIRST_ENDING_AFTER(m->v, m->n, end, addr);
}

/* Which parts of a target's address space to advise. Pure. */
enum sel_filter {
	SEL_ANON = 1 << 0,
	SEL_FILE = 1 << 1,
	SEL_PRIVATE = 1 << 2,
	SEL_SHARED = 1 << 3,
};

struct regex_sel {
	const char *src;
	regex_t re;
};

struct selection {
	struct addr_range *ranges;
	const char **range_src;		/* as typed, for messages */
	size_t nranges;
	const char **names;
	size_t nnames;
	struct regex_sel *regexes;
	size_t nregexes, regexcap;
	bool all;
	unsigned int filters;		/* enum sel_filter */
};

/* One iovec's worth: never crosses a mapping boundary. */
struct piece {
	uint64_t start, end;
	uint32_t map;			/* index into maps */
	uint32_t pair;			/* its (advice, selection) pair */
};

struct skip {
	uint64_t start, end;
	uint32_t map;
	uint32_t pair;			/* as a piece's */
	const char *reason;		/* static text */
};

/* A selector that matched no mapping: kind is "range", "mapping", "regex". */
struct unmatched {
	const char *kind, *what;
};

struct plan {
	struct piece *pieces;
	size_t npieces;
	struct skip *skips;
	size_t nskips;
	struct unmatched *unmatched;
	size_t nunmatched;
	uint64_t bytes;			/* sum of pieces */
};

/* Compile an ERE into sel->regexes. 0, or -1 with regerror's text in e. */
int select_add_regex(struct selection *sel, const char *src, struct err *e);

bool selection_empty(const struct selection *sel);

/* Does NAME select mapping m: equal pathname or equal last component. */
bool select_name_matches(const char *want, const struct mapping *m);

/* Why the kernel would refuse m for advice (names, VmFlags), or NULL. */
const char *select_refusal(const struct mapping *m, int advice);

/* Build the plan for advice value `advice`. Returns 0 or -1 (no memory). */
int select_plan(const struct maps *maps, const struct selection *sel,
		int advice, struct plan *out);

/* Several advices in one run, pairs in command-line order: a byte belongs
 * to the first pair whose selection takes it (as a piece or a skip tagged
 * with the pair), never to a later one, even where the first skips it.
 * Address order. One pair: exactly select_plan. 0 or -1 (no memory). */
struct pair_sel {
	const struct selection *sel;
	const struct advice *advice;
};

int select_pairs(const struct maps *maps, const struct pair_sel *pairs,
		 size_t npairs, struct plan *out);

/* qsort by start address, for elements whose first member is the start:
 * piece, skip, mapping, ledger_entry, comeback_hot. */
int by_start(const void *a, const void *b);

void plan_free(struct plan *p);
/* p's pieces become v (n, malloc'd); p->bytes sums the first nbytes. */
void plan_set_pieces(struct plan *p, struct piece *v, size_t n, size_t nbytes);
void selection_free(struct selection *sel);

/* Runs of pages by residency (pagemap), spans of equal flags. Pure. */
enum res_flag {
	RES_PRESENT = 1 << 0,	/* in memory, mapped here (counts in Rss) */
	RES_SWAPPED = 1 << 1,	/* in swap */
	RES_EXCLUSIVE = 1 << 2,	/* mapcount 1: cold/pageout act on it */
	RES_FILE = 1 << 3,	/* a file page or shared anonymous */
};

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_ENTRY_PRESENT (1ULL << 63)
#define PM_ENTRY_SWAPPED (1ULL << 62)
#define PM_ENTRY_FILE (1ULL << 61)
#define PM_ENTRY_EXCLUSIVE (1ULL << 56)

struct res_span {
	uint64_t start, end;
	unsigned int flags;	/* enum res_flag, never 0 */
};

/* Sorted, disjoint spans; pages neither present nor swapped are left out. */
struct res_spans {
	struct res_span *v;
	size_t n, cap;
	bool exclusive_known;	/* not from PAGEMAP_SCAN (no such bit) */
};

/* Append [start, end) with flags (0: nothing), in address order, merged
 * with an adjacent equal span. 0 or -1 (no memory). */
int resspan_add(struct res_spans *r, uint64_t start, uint64_t end,
		unsigned int flags);

/* Append the spans of n pagemap entries for pages from start on. */
int resspan_add_entries(struct res_spans *r, const uint64_t *ent, size_t n,
			uint64_t start, uint64_t page);

/* Bytes of [start, end) in spans whose flags include all of mask. */
uint64_t resspan_sum(const struct res_spans *r, uint64_t start, uint64_t end,
		     unsigned int mask);

/* Index of the first span ending after addr (r->n if none). */
static inline size_t resspan_find(const struct res_spans *r, uint64_t addr)
{
	return FIRST_ENDING_AFTER(r->v, r->n, end, addr);
}

void resspan_free(struct res_spans *r);

/* Budgets (--limit, --down-to). Pure. Replace p's pieces by the spans of
 * pages under mask chosen for budget bytes: the most resident pieces
 * first, the last cut to whole pages; address order, adjacent spans
 * joined, p->bytes never above budget. 0 or -1 (no memory: p unchanged). */
int budget_select(struct plan *p, const struct res_spans *spans,
		  unsigned int mask, uint64_t budget, uint64_t page);

/* --down-to: bytes to shed from rss to reach size. */
static inline uint64_t budget_down_to(uint64_t rss, uint64_t size)
{
	return rss > size ? rss - size : 0;
}

/* What a budget option asks to shed from `before` (Rss, a group's memory). */
uint64_t budget_need(uint64_t before, bool down_to_set, uint64_t down_to,
		     uint64_t limit_bytes, unsigned int limit_pct);

/* --as-group: did the advised bytes cover the need (a --limit's at most
 * the movable), within a page a target? */
bool budget_group_met(uint64_t need, uint64_t movable, bool down_to,
		      uint64_t advised, size_t targets, uint64_t page);

/* --as-group: need spread over the members, most movable first, each
 * share at most its movable, summing to min(need, all movable). 0 or -1. */
int budget_shares(const uint64_t *movable, size_t n, uint64_t need,
		  uint64_t *share);

/* Advice that cannot have an effect: why advice on pc is futile, or NULL. */
typedef const char *(*futile_rule)(const struct mapping *m,
				   const struct piece *pc, void *ctx);

/* Every piece the rule names becomes a skip, so "advised" never counts it.
 * 0 or -1 (no memory: p unchanged). */
int futile_apply(struct plan *p, const struct maps *maps, futile_rule rule,
		 void *ctx);

/* Swap text, parsed (swapcap.c reads it). /proc/swaps: areas, size and
 * free bytes in all. 0, or -1 when a line is malformed. */
int swapinfo_parse_swaps(const char *text, unsigned int *areas,
			 uint64_t *size, uint64_t *free_bytes);

/* "max" (UINT64_MAX) or a byte count, one line. Returns 0 or -1. */
int swapinfo_parse_limit(const char *text, uint64_t *v);

/* /proc/vmstat: nr_writeback, in pages. Returns 0, or -1 if absent. */
int swapinfo_parse_writeback(const char *text, uint64_t *pages);

#endif
