/* The process pmadv advises: opened through a pidfd so a recycled PID can
 * never be misdirected; facts from libproc2; its /proc files read whole. */
#ifndef PMADV_TARGET_H
#define PMADV_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct target {
	pid_t pid;
	int pidfd;
	bool inherited;		/* --pidfd: the caller's, not ours to close */
	char comm[64];
	char state;		/* as in /proc/PID/stat */
	bool kthread;
	unsigned int euid;
	uint64_t locked;	/* VmLck, bytes */
	uint64_t hugetlb;	/* HugetlbPages, bytes */
	pid_t tracer;		/* TracerPid */
};

/* Open by PID / by an inherited pidfd. Return 0, or -1 with e. */
int target_open_pid(pid_t pid, struct target *t, struct err *e);
int target_open_pidfd(int fd, struct target *t, struct err *e);

/* Process facts through libproc2 and /proc/PID/status; refuses zombies and
 * kernel threads with a message. Returns 0 or -1. */
int target_facts(struct target *t, struct err *e);

/* 0 while the process lives (zombies included), else -1 with errno. */
int target_alive(const struct target *t);

/* Read /proc/PID/<file> whole into a malloc'd, NUL-terminated buffer.
 * Returns 0, or -1 with errno (ESRCH: the process is gone). */
int target_read(const struct target *t, const char *file, char **buf,
		size_t *len);

/* Explain a refusal (EACCES/EPERM) in one line: uid mismatch, tracer,
 * CAP_SYS_NICE. */
void target_explain_denied(const struct target *t, int errnum, struct err *e);

void target_close(struct target *t);

/* Release the libproc2 contexts kept between targets. */
void target_lib_done(void);

/* Memory totals from smaps_rollup (through libproc2), bytes. */
struct mem_rollup {
	uint64_t rss, swap, anon_huge;
	uint64_t pss, swap_pss;	/* shared pages divided among their users */
	bool valid;
};

/* Walks the page tables: call outside the freeze window, and only when the
 * figures will be shown. */
void target_rollup(pid_t pid, struct mem_rollup *r);

#endif
