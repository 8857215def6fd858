/* Private to the freeze module: what a freeze holds, shared by freeze.c
 * (the order of operations, freeze and thaw, the report) and freeze_prep.c
 * (the locks, and what a request freezes). */
#ifndef PMADV_FREEZE_INT_H
#define PMADV_FREEZE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "freeze.h"
#include "freeze_cgroup.h"
#include "freeze_lock.h"
#include "guardian.h"

struct freeze {
	enum freeze_mode mode;
	pid_t pid;		/* pids[0]: the process lock's */
	int pidfd;		/* the caller's */
	unsigned int timeout_ms;
	unsigned int max_freeze_ms;
	uint64_t deadline;	/* for the locks and the freeze together */
	bool already;		/* stopped/frozen before us: leave it so */
	bool froze;		/* we froze it: thaw at the end */
	struct lock plock;	/* the target process */
	struct lock glock;	/* the cgroup */
	struct cg cg;
	struct thaw_op thaw;
	struct guardian guard;	/* freezes, thaws, keeps the deadline */
	int slot;		/* thaw_arm */
	struct guardian_end end;	/* how our window ended */
	bool expired;		/* the guardian ended it at its deadline */
	bool resumed;		/* someone else thawed (freeze_end's check) */
	uint64_t frozen_at;	/* the first freeze action (ours: the
				 * guardian's clock), CLOCK_MONOTONIC */
	unsigned int processes;
};

/* The targets a request may freeze together (n, pidfds, not pmadv). */
int check_targets(const struct freeze_req *req, const pid_t *pids,
		  const int *pidfds, size_t n, struct err *e);

/* The lock of the process f->pid (a stop-run and a cgroup-run on one
 * target take turns too). */
int lock_process(struct freeze *f, struct err *e);

/* Before a stop: refuse what cannot stop, see whether it is stopped. */
int prepare_stop(struct freeze *f, struct err *e);

/* Before a cgroup freeze: the cgroup, every member in it, its lock. */
int prepare_cgroup(struct freeze *f, const struct freeze_req *req,
		   const pid_t *pids, const int *pidfds, size_t n, struct err *e);

#endif
