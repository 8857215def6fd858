/* Private to the freeze module. Fatal signals while a freeze is in force:
 * they must thaw at once, even while pmadv's main thread sits in a system
 * call the kernel will not interrupt (a process_madvise waiting for a
 * frozen FUSE server). A signal handler cannot run then, so the signals
 * are blocked in every thread and taken by one thread of their own, which
 * runs the thaw actions and then ends the process with the signal's
 * default action (exit status 128+sig, as before). */
#ifndef PMADV_THAW_SIGNALS_H
#define PMADV_THAW_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "guardian.h"

/* Arm a window: until thaw_disarm, a fatal signal (SIGINT, SIGTERM,
 * SIGHUP, SIGPIPE, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ
 * whose disposition was the default) asks the guardian on guardian_sock to
 * thaw window (it sees the thaw and removes the record and the lock files
 * once pmadv is gone), or runs op itself when the guardian is gone, and
 * ends pmadv with the signal's default action; exit() without freeze_end
 * does the same. SIGTSTP, SIGTTIN
 * and SIGTTOU are held back while armed, so pmadv is not stopped with the
 * target frozen. The first arm starts the signal thread, the last disarm
 * ends it: outside freezes pmadv has one thread. Call both from the main
 * thread only. Returns a slot number, or -1 with e. */
int thaw_arm(const struct thaw_op *op, int guardian_sock, uint64_t window,
	     struct err *e);
void thaw_disarm(int slot);

/* Interruptible mode (on: true), for a run of bounded windows: the signal
 * thread runs, armed or not, and the first SIGINT, SIGTERM or SIGHUP is
 * only noted for thaw_interrupted (the main thread ends its window between
 * two calls, thaws and reports); a second one, or any other fatal signal,
 * thaws what is armed and ends pmadv as always. Main thread only. 0, or
 * -1 with e. */
int thaw_interruptible(bool on, struct err *e);
int thaw_interrupted(void);	/* the signal noted, or 0; stays set */

#endif
