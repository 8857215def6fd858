/* Can swap take a target's anonymous pages? Without that, MADV_PAGEOUT of
 * anonymous memory succeeds and moves nothing. Reads /proc/swaps and, for
 * the target's cgroup v2 and its ancestors, memory.swap.max and
 * memory.swap.current. Reads only. */
#ifndef PMADV_SWAPCAP_H
#define PMADV_SWAPCAP_H

#include <stddef.h>
#include <sys/types.h>

/* NULL when swap can take anonymous pages of pid (or it cannot be told:
 * pmadv then advises as asked); else why not, in buf ("no swap device",
 * "swap is full", "cgroup /x has memory.swap.max 0"). */
const char *swapcap_why_not(pid_t pid, char *buf, size_t len);

/* Bytes under writeback on the whole machine (/proc/vmstat nr_writeback):
 * pageout hands pages to the swap device, and once its queue is full a
 * call waits for the device (measured on redis: a 20 MiB pageout that
 * takes 5 ms took 95 ms). fd: an open /proc/vmstat (-1: 0 is returned).
 * One pread of a 4 KiB file: cheap enough before each call. */
uint64_t swapcap_writeback(int fd);

#endif
