/* Private to the freeze module (freeze.c, freeze_stop.c, freeze_cgroup.c,
 * guardian.c, thaw_signals.c, watchdog.c). What must still work when pmadv
 * cannot finish normally: the thaw action (async-signal-safe: one
 * syscall(2), write(2) or send(2); the pidfd wrappers are in sys.h), and
 * the guardian process that runs it if pmadv dies (fatal signals:
 * thaw_signals.h). */
#ifndef PMADV_GUARDIAN_H
#define PMADV_GUARDIAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* ---- the thaw action ---- */

enum thaw_kind { THAW_NONE, THAW_SIGNAL, THAW_WRITE };

/* Everything needed to undo a freeze, precomputed so that running it takes
 * one system call: SIGCONT through a pidfd, or a write of "0"/"THAWED" to an
 * already open cgroup.freeze/freezer.state. */
struct thaw_op {
	enum thaw_kind kind;
	int fd;			/* pidfd (THAW_SIGNAL) or file (THAW_WRITE) */
	int sig;		/* THAW_SIGNAL */
	char buf[16];		/* THAW_WRITE */
	size_t len;
};

/* Run it. Async-signal-safe. 0, or -1 with errno set. */
int thaw_op_run(const struct thaw_op *op);

/* ---- the guardian ---- */

/* A child process that holds one end of a socket pair whose other end only
 * pmadv holds. When pmadv sends "d" the guardian exits quietly; when it
 * reads end-of-file (pmadv died, even by SIGKILL) it runs the thaw action,
 * unlinks the lock files (and with them the freeze record) and exits.
 * Whatever kills pmadv must not take it along, so before it reports ready
 * it leaves pmadv's session (setsid: a signal to pmadv's process group does
 * not reach it), its cgroups (it moves to the root cgroup of v2 and of a v1
 * name=systemd hierarchy: cgroup.kill, a systemd stop or an OOM group kill
 * of pmadv's cgroup spare it; only root may, else it stays and the freeze
 * record is the second line) and its name (it is "frzguard", command line
 * included: pkill pmadv, even -f, does not match it). It ignores the
 * terminating signals, and keeps no descriptor of the caller's: 0-2 become
 * /dev/null and every other descriptor except those in keep is closed. The
 * lock descriptors it keeps are inherited, so a lock is only released after
 * the guardian has thawed: no other pmadv can freeze the target in between. */
#define GUARDIAN_NAME "frzguard"

struct guardian {
	pid_t pid;		/* 0: none */
	int sock;		/* pmadv's end */
	unsigned long long start_time;	/* of pid (/proc/PID/stat) */
};

int guardian_start(struct guardian *g, const struct thaw_op *op,
		   const int *keep, size_t nkeep, const char *const *unlink_paths,
		   size_t nunlink, uint64_t deadline, struct err *e);
/* Tell it pmadv has thawed (or never froze), then reap it. */
void guardian_stop(struct guardian *g);

#endif
