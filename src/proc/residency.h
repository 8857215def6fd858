/* Which pages of a target are resident, swapped, mapped by it alone: read
 * from /proc/PID/pagemap (pread of 8-byte entries, every bit) or its
 * PAGEMAP_SCAN ioctl (Linux 6.7+: runs of present or swapped pages, no
 * exclusivity bit). Needs only ptrace read access: PFNs are never used.
 * Reads only; never called on the plain advice path (window.c decides). */
#ifndef PMADV_RESIDENCY_H
#define PMADV_RESIDENCY_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "resrun.h"

enum res_method {
	RES_METHOD_PAGEMAP,	/* every bit, exclusivity included */
	RES_METHOD_SCAN,	/* PAGEMAP_SCAN; pagemap where it is missing */
};

struct residency {
	int fd;			/* /proc/PID/pagemap */
	enum res_method method;
	uint64_t page;
};

/* Open the target's pagemap. Returns 0, or -1 with e. */
int residency_open(pid_t pid, enum res_method method, struct residency *r,
		   struct err *e);

/* Append the runs of [start, end) (page-aligned, after the runs already in
 * out) to out. Returns 0, or -1 with e. */
int residency_read(struct residency *r, uint64_t start, uint64_t end,
		   struct res_runs *out, struct err *e);

void residency_close(struct residency *r);

#endif
