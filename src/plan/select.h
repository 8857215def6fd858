/* Which parts of a target's address space to advise: explicit ranges,
 * mapping names, regexes, --all, narrowed by class filters. Pure: works on
 * parsed maps; never reads /proc. */
#ifndef PMADV_SELECT_H
#define PMADV_SELECT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "maps.h"
#include "range.h"

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
	size_t nregexes;
	bool all;
	unsigned int filters;		/* enum sel_filter */
};

/* One iovec's worth: never crosses a mapping boundary. */
struct piece {
	uint64_t start, end;
	uint32_t map;			/* index into maps */
};

struct skip {
	uint64_t start, end;
	uint32_t map;
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

void plan_free(struct plan *p);
void selection_free(struct selection *sel);

#endif
