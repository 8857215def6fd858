/* The text of /proc/swaps and of a cgroup v2 memory.swap.max or
 * memory.swap.current, parsed. Pure: swapcap.c reads the files. */
#ifndef PMADV_SWAPINFO_H
#define PMADV_SWAPINFO_H

#include <stdint.h>

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
