/* Reading a target's pagemap. See proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proc/proc.h"

/* The PAGEMAP_SCAN interface (include/uapi/linux/fs.h, Linux 6.7), for
 * headers that predate it (Debian 12's are 6.1). */
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start, end, categories;
};

struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#endif

/* 64 Ki entries (512 KiB) per pread: 256 MiB of address space a call */
#define PAGEMAP_CHUNK 65536
/* regions per ioctl: a full vector just means another call */
#define SCAN_REGIONS 4096

int residency_open(pid_t pid, enum res_method method, struct residency *r,
		   struct err *e)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	r->page = (uint64_t)sysconf(_SC_PAGESIZE);
	r->method = method;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return err_set(e, errno, "cannot open %s: %s", path, strerror(errno));
	return 0;
}

static int read_pagemap(struct residency *r, uint64_t start, uint64_t end,
			struct res_spans *out, struct err *e)
{
	static uint64_t buf[PAGEMAP_CHUNK];

	out->exclusive_known = true;
	while (start < end) {
		uint64_t pages = (end - start) / r->page;
		size_t want = pages < PAGEMAP_CHUNK ? (size_t)pages : PAGEMAP_CHUNK;
		ssize_t got = pread(r->fd, buf, want * sizeof(*buf),
				    (off_t)(start / r->page * sizeof(*buf)));

		if (got <= 0 || got % (ssize_t)sizeof(*buf))
			return err_set(e, got < 0 ? errno : EIO, "cannot read pagemap "
				       "at 0x%llx: %s", (unsigned long long)start,
				       got < 0 ? strerror(errno) : "short read");
		if (resspan_add_entries(out, buf, (size_t)got / sizeof(*buf), start, r->page))
			return err_set(e, ENOMEM, "out of memory");
		start += (uint64_t)got / sizeof(*buf) * r->page;
	}
	return 0;
}

static unsigned int scan_flags(uint64_t cat)
{
	return (cat & PAGE_IS_PRESENT ? RES_PRESENT | (cat & PAGE_IS_FILE ? RES_FILE : 0) :
		cat & PAGE_IS_SWAPPED ? RES_SWAPPED : 0);
}

/* -1 with errno ENOTTY or EINVAL: no PAGEMAP_SCAN here (before 6.7) */
static int read_scan(struct residency *r, uint64_t start, uint64_t end,
		     struct res_spans *out, struct err *e)
{
	static struct page_region vec[SCAN_REGIONS];
	struct pm_scan_arg a = {
		.size = sizeof(a), .vec = (uintptr_t)vec, .vec_len = SCAN_REGIONS,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE,
	};

	while (start < end) {
		int n;

		a.start = start;
		a.end = end;
		n = ioctl(r->fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return errno == ENOTTY || errno == EINVAL ? -1 :
			       err_set(e, errno, "PAGEMAP_SCAN at 0x%llx: %s",
				       (unsigned long long)start, strerror(errno));
		for (int i = 0; i < n; i++)
			if (resspan_add(out, vec[i].start, vec[i].end,
					scan_flags(vec[i].categories)))
				return err_set(e, ENOMEM, "out of memory");
		if (a.walk_end <= start)
			break;
		start = a.walk_end;
	}
	return 0;
}

int residency_read(struct residency *r, uint64_t start, uint64_t end,
		   struct res_spans *out, struct err *e)
{
	err_clear(e);
	if (r->method == RES_METHOD_SCAN) {
		if (!read_scan(r, start, end, out, e))
			return 0;
		if (e->code)
			return -1;
		r->method = RES_METHOD_PAGEMAP;	/* an older kernel: for good */
	}
	return read_pagemap(r, start, end, out, e);
}

void residency_close(struct residency *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}
