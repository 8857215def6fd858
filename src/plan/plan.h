/* plan: what to advise, from a target's maps to pieces: maps parsing,
 * ranges, selection, advice names, spans of resident pages, budgets, futile
 * advice, swap text. Pure: no I/O. */
#ifndef PMADV_PLAN_H
#define PMADV_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>

#include "lib/lib.h"

/* madvise advice: one table (select.c) of names, values and what the
 * kernel does with each; options, selection, help and the report read it.
 * The values are asm-generic's (glibc 2.36 lacks some). Pure. */
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
	bool reclaims;		/* only ages or reclaims pages: refused on
				 * locked, hugetlb, VM_IO/PFNMAP mappings */
	bool einval_skips;	/* EINVAL on one range means "this mapping
				 * cannot take it": a skip, not a failure */
	bool lowers_rss;	/* takes pages out of memory: the only kind
				 * a --down-to goal can be met by */
	const char *help;	/* what it does, for --help (remote only) */
};

/* Look up "pageout", "PAGEOUT", "MADV_PAGEOUT"... NULL when unknown. */
const struct advice *advice_lookup(const char *s);

/* Value to name, or NULL. */
const struct advice *advice_by_value(int value);

/* The i-th advice allowed on another process (0, 1, ...), NULL past the
 * last. */
const struct advice *advice_remote(size_t i);

/* The names accepted for another process: "cold, pageout, ...". */
const char *advice_remote_list(void);

/* The table's flags by value (false for an unknown value). */
bool advice_reclaims(int value);
bool advice_einval_is_refusal(int value);

/* Address ranges given on the command line. Pure. */
struct addr_range {
	uint64_t start, end;	/* [start, end), page-aligned */
};

/* Parse "START-END" or "START+LENGTH" (hex 0x.. or decimal; LENGTH and
 * addresses take size suffixes) and align outward to page_size.
 * Returns 0, or -1 with e saying why (EINVAL malformed, ERANGE too large). */
int range_parse(const char *s, uint64_t page_size, struct addr_range *out,
		struct err *e);

/* /proc/PID/maps and /proc/PID/smaps text into an array of mappings.
 * Pure: the caller reads the file; parsing works in place on its buffer. */
/* VmFlags that decide whether the kernel accepts advice (smaps only). */
enum vmflag {
	VMF_LOCKED = 1 << 0,	/* lo */
	VMF_HUGETLB = 1 << 1,	/* ht */
	VMF_PFNMAP = 1 << 2,	/* pf */
	VMF_IO = 1 << 3,	/* io */
	VMF_KNOWN = 1 << 15,	/* a VmFlags line was seen */
};

/* What the selection and the report use of a maps line: the offset,
 * device and inode fields are checked for shape, not kept (issue 22:
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

/* Parse one maps line (no newline; NUL-terminated, modified in place).
 * Returns 0 or -1. */
int maps_parse_line(char *line, struct mapping *m);

/* Parse a whole maps or smaps text of len bytes, with text[len] == '\0'
 * (modified in place; names point into it, so it must outlive m). Appends
 * to m. Returns 0, or -1 with e->code ENOMEM, EINVAL (a malformed line) or
 * EAGAIN (addresses not increasing: a torn read, worth reading again), and
 * *bad_line (if not NULL) the 1-based line number, 0 for ENOMEM. */
int maps_parse(char *text, size_t len, struct maps *m, size_t *bad_line,
	       struct err *e);

void maps_free(struct maps *m);

/* Sum of the mappings' Rss (smaps only; 0 for maps). */
uint64_t maps_total_rss(const struct maps *maps);

enum map_class { CLASS_ANON, CLASS_FILE, CLASS_SPECIAL };
enum map_class mapping_class(const struct mapping *m);
const char *mapping_class_name(enum map_class c);
static inline bool mapping_shared(const struct mapping *m) { return m->perms[3] == 's'; }

/* Index of the mapping containing addr, or of the first one above it
 * (m->n if none). Binary search: maps are sorted. */
static inline size_t maps_find(const struct maps *m, uint64_t addr)
{
	return FIRST_ENDING_AFTER(m->v, m->n, end, addr);
}

/* Which parts of a target's address space to advise: explicit ranges,
 * mapping names, regexes, --all, narrowed by class filters. Pure: works on
 * parsed maps; never reads /proc. */
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
	uint32_t pair;			/* the (advice, selection) pair that
					 * took it: 0, the first (and with
					 * one advice, the only) */
};

struct skip {
	uint64_t start, end;
	uint32_t map;
	uint32_t pair;			/* as a piece's */
	const char *reason;		/* static text */
};

/* A selector that matched no mapping: kind is "range", "mapping", "regex". */
struct unmatched {
	const char *kind;
	const char *what;
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

/* Compile an ERE into sel->regexes. Returns 0, or -1 with regerror's text
 * in e (code EINVAL, or ENOMEM). */
int select_add_regex(struct selection *sel, const char *src, struct err *e);

bool selection_empty(const struct selection *sel);

/* Does NAME select mapping m: equal pathname or equal last component. */
bool select_name_matches(const char *want, const struct mapping *m);

/* Why the kernel would refuse this mapping for this advice, or NULL.
 * Known from names and, when smaps was read, VmFlags. */
const char *select_refusal(const struct mapping *m, int advice);

/* Build the plan for advice value `advice`. Returns 0 or -1 (no memory). */
int select_plan(const struct maps *maps, const struct selection *sel,
		int advice, struct plan *out);

/* Several advices in one run: (advice, selection) pairs in the order the
 * command line gave them. A byte belongs to the first pair whose selection
 * (selectors and filters) takes it, and is planned once, for that pair's
 * advice: a piece or a skip (refused, collapse without a whole huge page)
 * tagged with the pair's index; a later pair never gets it, even where the
 * first skips it. Pieces and skips are in address order; a mapping shared
 * between pairs is cut at their borders. Unmatched selectors: each pair's,
 * in pair order. One pair: exactly select_plan. 0 or -1 (no memory). */
struct pair_sel {
	const struct selection *sel;
	const struct advice *advice;
};

int select_pairs(const struct maps *maps, const struct pair_sel *pairs,
		 size_t npairs, struct plan *out);

/* qsort comparators: by start address. */
int piece_by_start(const void *a, const void *b);
int skip_by_start(const void *a, const void *b);

void plan_free(struct plan *p);
void selection_free(struct selection *sel);

/* Runs of pages by residency: what /proc/PID/pagemap (or its PAGEMAP_SCAN
 * ioctl) says of each page, merged into address spans of equal flags. Pure:
 * residency.c reads the kernel's answer, this builds and sums the spans. */
enum res_flag {
	RES_PRESENT = 1 << 0,	/* in memory, mapped here (counts in Rss) */
	RES_SWAPPED = 1 << 1,	/* in swap */
	RES_EXCLUSIVE = 1 << 2,	/* mapped by this process only (mapcount 1):
				 * cold/pageout act on it */
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
	bool exclusive_known;	/* RES_EXCLUSIVE was read (pagemap), not
				 * unknown (PAGEMAP_SCAN has no such bit) */
};

/* Append [start, end) with flags (ignored when 0), merged into the last span
 * when adjacent with equal flags. Spans must come in address order.
 * Returns 0 or -1 (no memory). */
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

/* Budgets in resident bytes (--limit, --down-to): from the pieces a
 * selection took and the residency spans of those pieces, the spans of pages
 * to advise, most resident pieces first, until the budget is spent. Pure:
 * residency.c reads the spans, engine.c asks for the choice. */
/* Replace p's pieces by the spans (pages whose flags include all of mask)
 * chosen for budget bytes: pieces in order of their bytes under mask,
 * largest first, address order within one; the last span cut down to whole
 * pages to fit. The result is in address order, adjacent spans of one
 * mapping joined; p->bytes is what it holds (never above budget). Returns
 * 0 or -1 (no memory: p unchanged). */
int budget_select(struct plan *p, const struct res_spans *spans,
		  unsigned int mask, uint64_t budget, uint64_t page);

/* --down-to SIZE: bytes to shed from rss to reach size (0 when already
 * there). */
static inline uint64_t budget_down_to(uint64_t rss, uint64_t size)
{
	return rss > size ? rss - size : 0;
}

/* The bytes a budget option asks to shed from memory `before` (a
 * target's Rss, or a group's memory): --down-to SIZE what is above SIZE,
 * --limit SIZE that many, --limit PCT% that share of before. */
uint64_t budget_need(uint64_t before, bool down_to_set, uint64_t down_to,
		     uint64_t limit_bytes, unsigned int limit_pct);

/* --as-group, after the run: was the group's goal met? What was advised
 * covers what it had to shed (for a --limit, at most all that its
 * selections could move), within a page a target. */
bool budget_group_met(uint64_t need, uint64_t movable, bool down_to,
		      uint64_t advised, size_t targets, uint64_t page);

/* --as-group: a group's need spread over its members, most movable
 * first: share[i] <= movable[i], the shares sum to min(need, all that is
 * movable), and a member gets a share only once every member with more
 * movable has all of its own. Returns 0, or -1 (no memory). */
int budget_shares(const uint64_t *movable, size_t n, uint64_t need,
		  uint64_t *share);

/* Advice that cannot have an effect, taken out of a plan before the call:
 * the pieces of the mappings a rule names become skips with its reason,
 * so "advised" never counts them. Pure: the caller's rule decides. */
/* Why advice on piece pc (of mapping m) is futile, or NULL. */
typedef const char *(*futile_rule)(const struct mapping *m,
				   const struct piece *pc, void *ctx);

/* Move every piece the rule names into p's skips (kept in address order,
 * the piece's pair kept), and take it out of p->bytes. Returns 0 or -1
 * (no memory: p unchanged). */
int futile_apply(struct plan *p, const struct maps *maps, futile_rule rule,
		 void *ctx);

/* The text of /proc/swaps and of a cgroup v2 memory.swap.max or
 * memory.swap.current, parsed. Pure: swapcap.c reads the files. */
/* /proc/swaps: how many swap areas, their size and free bytes in all
 * (its Size and Used columns are KiB). Returns 0, or -1 when a line after
 * the header is malformed. */
int swapinfo_parse_swaps(const char *text, unsigned int *areas,
			 uint64_t *size, uint64_t *free_bytes);

/* "max" (UINT64_MAX) or a byte count, one line. Returns 0 or -1. */
int swapinfo_parse_limit(const char *text, uint64_t *v);

/* /proc/vmstat: nr_writeback, in pages. Returns 0, or -1 if absent. */
int swapinfo_parse_writeback(const char *text, uint64_t *pages);

#endif
