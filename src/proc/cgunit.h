/* A systemd unit's cgroup, found in cgroupfs alone (systemd need not be
 * running): the directory named after the unit in the v2 hierarchy or in a
 * v1 name=systemd one. Reads only; listing the unit's processes is
 * discover.c's job, freezing its cgroup freeze_cgroup.c's. */
#ifndef PMADV_CGUNIT_H
#define PMADV_CGUNIT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct cgunit {
	char name[256];		/* the unit, suffix included: foo.service */
	char dir[PATH_MAX];	/* its cgroup directory */
	char path[PATH_MAX];	/* as /proc/PID/cgroup shows it */
	bool v2;		/* in the v2 hierarchy (else v1 name=systemd) */
	char where[PATH_MAX + 32];	/* for messages: "v2 /sys/fs/cgroup/..." */
};

/* Find unit: "foo" means foo.service; foo.service, foo.scope, foo.slice
 * (and the other unit types that have cgroups: .socket, .mount, .swap) are
 * taken as they are. The shallowest directory of that name; when the unit
 * is in several hierarchies, the one whose cgroup holds processes, v2
 * first. 0; or -1 with e (not found: ENOENT, saying where it looked). */
int cgunit_find(const char *unit, struct cgunit *u, struct err *e);

#endif
