/* Whether swap can take anonymous pages. See proc.h. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc/proc.h"
#include "lib/lib.h"
#include "plan/plan.h"

static const char *from_swaps(char *buf, size_t len)
{
	char text[16384], a[32], b[32];
	unsigned int areas;
	uint64_t size, free_bytes;
	ssize_t n = proc_read_small(AT_FDCWD, "/proc/swaps", text, sizeof(text));

	/* a list cut short would miss areas: read whole or not at all */
	if (n < 0 || (size_t)n >= sizeof(text) - 1 ||
	    swapinfo_parse_swaps(text, &areas, &size, &free_bytes))
		return NULL;
	if (!areas) {
		snprintf(buf, len, "no swap device (/proc/swaps lists none)");
		return buf;
	}
	/* less than one page free: nothing can go */
	if (free_bytes < (uint64_t)sysconf(_SC_PAGESIZE)) {
		size_format(free_bytes, a, sizeof(a));
		size_format(size, b, sizeof(b));
		snprintf(buf, len, "swap is full (%s free of %s)", a, b);
		return buf;
	}
	return NULL;
}

/* The cgroup at dir (path: its cgroup path, for the message). */
static const char *one_cgroup(int dirfd, const char *path, char *buf, size_t len)
{
	char text[64];
	uint64_t max, cur = 0;

	/* a value longer than text is no number swapinfo_parse_limit takes */
	if (proc_read_small(dirfd, "memory.swap.max", text, sizeof(text)) < 0 ||
	    swapinfo_parse_limit(text, &max) || max == UINT64_MAX)
		return NULL;
	if (proc_read_small(dirfd, "memory.swap.current", text, sizeof(text)) >= 0)
		swapinfo_parse_limit(text, &cur);
	if (max == 0)
		snprintf(buf, len, "cgroup %s has memory.swap.max 0", path);
	else if (cur + (uint64_t)sysconf(_SC_PAGESIZE) > max)
		snprintf(buf, len, "cgroup %s has used its memory.swap.max "
			 "(%" PRIu64 " of %" PRIu64 " bytes)", path, cur, max);
	else
		return NULL;
	return buf;
}

/* The target's v2 cgroup and its ancestors but the root: the lowest applies. */
static const char *from_cgroup(pid_t pid, char *buf, size_t len)
{
	static struct cgfs_membership mb;
	struct cgfs_mounts m = { 0 };
	const char *why = NULL;
	char path[PATH_MAX], dir[PATH_MAX];

	if (cgfs_membership_read(pid, &mb) || cgfs_mounts_read(&m))
		return NULL;
	snprintf(path, sizeof(path), "%s", cgfs_member_path(&mb, 2));
	while (!why && path[0] == '/' && path[1]) {
		char *slash;

		if (!cgfs_map_dir(&m, 2, path, dir, sizeof(dir))) {
			int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd >= 0) {
				why = one_cgroup(fd, path, buf, len);
				close(fd);
			}
		}
		slash = strrchr(path, '/');
		*(slash == path ? slash + 1 : slash) = '\0';
	}
	cgfs_mounts_free(&m);
	return why;
}

const char *swapcap_why_not(pid_t pid, char *buf, size_t len)
{
	const char *why = from_swaps(buf, len);

	return why ? why : from_cgroup(pid, buf, len);
}

uint64_t swapcap_writeback(int fd)
{
	char buf[8192];
	uint64_t pages;
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return swapinfo_parse_writeback(buf, &pages) ? 0 :
	       pages * (uint64_t)sysconf(_SC_PAGESIZE);
}
