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
	r->seen = 0;
	if (cgfs_mounts_read(&m) != 0)
		return;
	for (size_t i = 0; i < m.n && r->n < CGROOT_MAX; i++) {
		const struct cgfs_mount *mt = &m.v[i];
		unsigned int kind = mt->kind == CGFS_V2 ? 1 : mt->systemd ? 2 : 0;

		/* only a mount of the hierarchy's root is its root cgroup;
		 * a hierarchy mounted twice needs one */
		if (!kind || strcmp(mt->root, "/") || (r->seen & kind))
			continue;
		if (snprintf(r->procs[r->n], PATH_MAX, "%s/cgroup.procs",
			     mt->point) < PATH_MAX) {
			r->n++;
			r->seen |= kind;
		}
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
