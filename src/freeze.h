/* Freezing a target so its address space cannot change while pmadv reads its
 * maps and advises it: SIGSTOP through the pidfd, or the cgroup freezer
 * (v2 cgroup.freeze or v1 freezer.state). Only what this module froze is
 * thawed; nothing is ever left frozen (error paths, signals, and a guardian
 * process that thaws if pmadv itself is SIGKILLed). */
#ifndef PMADV_FREEZE_H
#define PMADV_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum freeze_mode { FREEZE_NONE, FREEZE_STOP, FREEZE_CGROUP };

struct freeze_req {
	enum freeze_mode mode;
	const char *cgroup;	/* FREEZE_CGROUP: NULL = the target's own cgroup;
				 * else a directory or a /proc/PID/cgroup path */
	unsigned int timeout_ms;	/* how long to wait for the freeze */
	void (*before)(void);	/* optional: called when all is ready and
				 * the target is about to freeze (after the
				 * guardian's fork) */
};

/* What the freeze did, for the report. */
struct freeze_info {
	enum freeze_mode mode;
	uint64_t frozen_ns;	/* length of the window the target was frozen */
	unsigned int processes;	/* processes frozen (1 for stop) */
	bool already;		/* target was already stopped/frozen: left so */
	char cgroup[256];	/* cgroup frozen, as /proc/PID/cgroup shows it */
};

struct freeze;

/* Parse "none", "stop", "cgroup", "cgroup:PATH". Returns 0, or -1 (bad). */
int freeze_parse_mode(const char *s, struct freeze_req *req);
const char *freeze_mode_name(enum freeze_mode mode);

/* Freeze the target. On success *out holds the state to undo. On failure
 * returns -1, leaves nothing frozen and writes one line (no newline) into
 * err. FREEZE_NONE succeeds and does nothing. */
int freeze_begin(const struct freeze_req *req, pid_t pid, int pidfd,
		 struct freeze **out, char *err, size_t errlen);

/* Thaw what freeze_begin froze, fill info, free f. Safe with f == NULL.
 * Returns 0, or -1 with a message in err when the thaw failed. */
int freeze_end(struct freeze *f, struct freeze_info *info, char *err,
	       size_t errlen);

/* The processes of a cgroup and of its descendants (what freezing it
 * freezes), pmadv itself left out, in increasing order. cgroup is a
 * directory under a cgroup mount (v2 or any v1 hierarchy) or a path as
 * /proc/PID/cgroup shows it (looked up in v2, then the v1 freezer, then the
 * other v1 hierarchies). *pids is malloc'd, to free; *n may be 0. Returns 0,
 * or -1 with one line in err. */
int freeze_cgroup_members(const char *cgroup, pid_t **pids, size_t *n,
			  char *err, size_t errlen);

#endif
