/* Where cgroups are and what they contain, for the cgroup freezer
 * (freeze_cgroup.c) and for listing a cgroup's processes (-c, discover.c).
 * The cgroup and cgroup2 mounts (/proc/self/mountinfo), the cgroups of a
 * process (/proc/PID/cgroup), the directory of a cgroup path, and walks over
 * a cgroup and its descendants. Reads only: no cgroup is written here. */
#ifndef PMADV_CGROUPFS_H
#define PMADV_CGROUPFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Kinds of cgroup mount; CGFS_V2 and CGFS_V1 equal the hierarchy version. */
enum { CGFS_OTHER = 0, CGFS_V1 = 1, CGFS_V2 = 2 };

struct cgfs_mount {
	int kind;	/* CGFS_V2 cgroup2; CGFS_V1 v1 with freezer; else CGFS_OTHER */
	bool systemd;	/* v1 name=systemd: where systemd keeps its units */
	char *root;		/* cgroup path mounted (mountinfo field 4) */
	char *point;		/* where */
};

struct cgfs_mounts {
	struct cgfs_mount *v;
	size_t n;
};

/* Paths of one process in the v2 and v1-freezer hierarchies ("" = none). */
struct cgfs_membership {
	char v2[PATH_MAX];
	char v1[PATH_MAX];
};

/* Every cgroup and cgroup2 mount in /proc/self/mountinfo. Returns 0 (on
 * running out of memory, with the mounts read so far), or -1 with errno. */
int cgfs_mounts_read(struct cgfs_mounts *m);
void cgfs_mounts_free(struct cgfs_mounts *m);

/* Read /proc/PID/cgroup ("self" for pid 0). Returns 0, or -1 with errno. */
int cgfs_membership_read(pid_t pid, struct cgfs_membership *mb);

/* The process's path in hierarchy version (2 or 1), "" if none. */
const char *cgfs_member_path(const struct cgfs_membership *mb, int version);

/* Is path at or below dir (both cgroup paths, or both file paths)? */
bool cgfs_path_under(const char *path, const char *dir);

/* Is a hierarchy of that kind mounted? */
bool cgfs_have_mount(const struct cgfs_mounts *m, int version);

/* The directory of cgroup path in a mount of kind version, or -1. */
int cgfs_map_dir(const struct cgfs_mounts *m, int version, const char *path,
		 char *dir, size_t dirlen);

/* spec as a directory under a cgroup mount (the longest mount point it is
 * under): sets *version, its cgroup path and its real directory. Returns 0;
 * 1 when spec is no directory under a cgroup mount (try it as a cgroup
 * path); -1 with e when it is in a v1 hierarchy without the freezer
 * (*version left alone). */
int cgfs_spec_as_dir(const struct cgfs_mounts *m, const char *spec,
		     int *version, char *path, size_t pathlen, char *dir,
		     size_t dirlen, struct err *e);

/* Call fn for the cgroup open at dirfd, then for each descendant (64 levels
 * deep at most), each with a directory fd valid during the call. */
typedef void (*cgfs_visit)(int dirfd, void *ctx);
void cgfs_walk(int dirfd, cgfs_visit fn, void *ctx);

/* Call fn for each number listed one a line in file of the directory
 * (cgroup.procs, cgroup.threads, tasks). A file that cannot be read is
 * skipped. */
void cgfs_each_id(int dirfd, const char *file, void (*fn)(pid_t, void *),
		  void *ctx);

/* The hierarchy of a mount, for messages: "v2", "v1 freezer",
 * "v1 name=systemd" or "v1". */
const char *cgfs_kind_name(const struct cgfs_mount *mt);

/* Open the directory of a cgroup of any hierarchy, for reading what it
 * holds: spec is a directory under a cgroup mount or a path as
 * /proc/PID/cgroup shows it. A path that exists in several hierarchies is
 * the one whose cgroup (or a descendant) holds processes, in the order v2,
 * v1 freezer, other v1; if none does, the first that exists. A hierarchy's
 * root is refused. where (if not NULL) says which hierarchy and directory
 * were used ("v2 /sys/fs/cgroup/x"). The descriptor, or -1 with e. */
int cgfs_open(const char *spec, char *where, size_t wherelen, struct err *e);

/* Does the cgroup open at dirfd, or a descendant, hold a process? */
bool cgfs_holds_procs(int dirfd);

#endif
