/* Small reads of /proc: the one parser of /proc/PID/stat (state, flags,
 * start time), the command name, and the bounded small-file read they use
 * (the freeze module also reads cgroup control files with it). */
#ifndef PMADV_PROCSTAT_H
#define PMADV_PROCSTAT_H

#include <stddef.h>
#include <sys/types.h>

#define PF_KTHREAD 0x00200000	/* stat flags: a kernel thread (linux/sched.h) */

struct procstat {
	char state;			/* field 3: R, S, D, T, t, Z, X... */
	unsigned long flags;		/* field 9: PF_* */
	unsigned long long start_time;	/* field 22: with the PID, names one
					 * process for good */
};

/* Parse one stat line (comm, field 2, may hold anything, ')' and spaces
 * included: the fields are counted from the last ')'). Pure. 0, or -1
 * when the line is cut short or malformed. */
int procstat_parse(const char *line, struct procstat *ps);

/* Read and parse a stat file (relative to dirfd, or absolute with
 * AT_FDCWD): "/proc/PID/stat", or "TID/stat" under a task directory.
 * 0, or -1 with errno (EINVAL: unparsable). */
int procstat_read(int dirfd, const char *path, struct procstat *ps);

/* Read a small file (relative to dirfd, or absolute with AT_FDCWD) into
 * buf, NUL-terminated, at most len - 1 bytes. The length, or -1 with errno. */
ssize_t proc_read_small(int dirfd, const char *path, char *buf, size_t len);

/* The PID a /proc directory entry names, or 0 when it names none. */
pid_t proc_name_pid(const char *name);

/* Call fn for each task of process pid, with /proc/PID/task open as dirfd
 * (its entry "TID" holds the task's files). Stops at fn's first nonzero
 * return and returns it; 0 once every task was seen; -1 with errno when
 * the task directory cannot be opened (ESRCH: no such process). */
int proc_each_task(pid_t pid, int (*fn)(int dirfd, pid_t tid, void *ctx),
		   void *ctx);

/* /proc/PID/comm into buf, control characters shown as '?'; "?" when it
 * cannot be read. */
void proc_comm(pid_t pid, char *buf, size_t len);

#endif
