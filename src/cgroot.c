/* Root cgroups for the guardian: see cgroot.h. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroot.h"
#include "cgroupfs.h"

void cgroot_find(struct cgroot *r)
{
	struct cgfs_mounts m;

	r->n = 0;
	if (cgfs_mounts_read(&m) != 0)
		return;
	/* only a mount of a hierarchy's root is its root cgroup; a hierarchy
	 * mounted twice is entered twice, which changes nothing */
	for (size_t i = 0; i < m.n && r->n < CGROOT_MAX; i++) {
		const struct cgfs_mount *mt = &m.v[i];

		if (strcmp(mt->root, "/"))
			continue;
		if (snprintf(r->procs[r->n], CGROOT_PATH, "%s/cgroup.procs",
			     mt->point) < CGROOT_PATH)
			r->n++;
	}
	cgfs_mounts_free(&m);
}

void cgroot_enter(const struct cgroot *r)
{
	for (size_t i = 0; i < r->n; i++) {
		int fd = open(r->procs[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		(void)!write(fd, "0", 1);	/* "0": the writer itself */
		close(fd);
	}
}
