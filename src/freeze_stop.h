/* Private to the freeze module: freezing by SIGSTOP through the pidfd. */
#ifndef PMADV_FREEZE_STOP_H
#define PMADV_FREEZE_STOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Before freezing: refuse a traced target, naming the tracer (a group stop
 * may never complete under a tracer); tell whether every live thread is
 * already stopped (`T`), in which case nothing is to be done or undone.
 * 0, or -1 with e. */
int stop_prepare(pid_t pid, bool *already, struct err *e);

/* SIGSTOP through the pidfd, then poll /proc/PID/task/TID/stat, rescanning
 * the task directory every round, until every live thread is `T`. 0; or -1
 * with e naming the threads that did not stop (the caller sends SIGCONT:
 * stop_freeze never does). */
int stop_freeze(pid_t pid, int pidfd, uint64_t deadline, unsigned int timeout_ms,
		struct err *e);

/* Is every live thread of pid stopped (`T`)? false once it is gone. */
bool stop_holds(pid_t pid);

#endif
