/* /proc/PID/maps and /proc/PID/smaps text into an array of mappings.
 * Pure: the caller reads the file; parsing works in place on its buffer. */
#ifndef PMADV_MAPS_H
#define PMADV_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* VmFlags that decide whether the kernel accepts advice (smaps only). */
enum vmflag {
	VMF_LOCKED = 1 << 0,	/* lo */
	VMF_HUGETLB = 1 << 1,	/* ht */
	VMF_PFNMAP = 1 << 2,	/* pf */
	VMF_IO = 1 << 3,	/* io */
	VMF_KNOWN = 1 << 15,	/* a VmFlags line was seen */
};

struct mapping {
	uint64_t start, end, offset, inode;
	const char *name;	/* as in maps, NUL-terminated, without " (deleted)";
				 * "" for anonymous */
	uint32_t name_len;
	uint32_t dev;		/* major << 20 | minor */
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
size_t maps_find(const struct maps *m, uint64_t addr);

#endif
