/* Private to the freeze module: freezing by SIGSTOP through the pidfd. */
#ifndef PMADV_FREEZE_STOP_H
#define PMADV_FREEZE_STOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "freeze_wait.h"

/* Before freezing: refuse a traced target, naming the tracer (a group stop
 * may never complete under a tracer). *already: someone else has stopped
 * it, or is stopping it: a thread is in T (group stop, complete or under
 * way) or a stop signal is pending (one sent while a thread sleeps in D is
 * taken only when it wakes); then nothing is to be sent or undone. Else
 * refuse a target a thread of which the cgroup freezer holds: a SIGSTOP
 * could not take hold and only a SIGCONT could take it back. 0, or -1
 * with e. */
int stop_prepare(pid_t pid, bool *already, struct err *e);

/* Our stop (the guardian sent SIGSTOP through the pidfd): poll
 * /proc/PID/task/TID/stat, rescanning the task directory every round,
 * until every live thread is `T`. 0; or -1 with e naming the threads that
 * did not stop in time, or saying the window ended first (the caller has
 * the guardian thaw: this never does). */
int stop_wait_ours(pid_t pid, const struct freeze_wait *w, struct err *e);

/* Someone else's stop: wait until every live thread is in T, at most until
 * deadline (freeze_covers names a thread it has not reached). */
void stop_wait_theirs(pid_t pid, uint64_t deadline);

/* When a window closes: is every live thread still stopped (T)? false once
 * something resumed one (a SIGCONT from another program) while the window
 * was open. A process that has exited counts as held: nothing of it ran. */
bool stop_still_held(pid_t pid);

#endif
