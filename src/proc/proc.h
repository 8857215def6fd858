/* proc: the target (pidfd, facts), discovery, maps (text or PROCMAP_QUERY),
 * pagemap, /proc/PID/stat, cgroupfs and units, whether swap can take pages. */
#ifndef PMADV_PROC_H
#define PMADV_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <regex.h>

#include "lib/lib.h"
#include "plan/plan.h"

#define PF_KTHREAD 0x00200000	/* stat flags: a kernel thread (linux/sched.h) */

struct procstat {
	char state;			/* field 3: R, S, D, T, t, Z, X... */
	pid_t ppid;			/* field 4: the parent */
	unsigned long flags;		/* field 9: PF_* */
	unsigned long long minflt;	/* field 10: minor faults */
	unsigned long long majflt;	/* field 12: major faults */
	unsigned long long start_time;	/* field 22: with the PID, names one
					 * process for good */
};

/* Parse one stat line (comm may hold ')' and spaces: fields are counted
 * from the last ')'). Pure. 0, or -1 when malformed. */
int procstat_parse(const char *line, struct procstat *ps);

/* Read and parse a stat file (path relative to dirfd, or AT_FDCWD). 0, or
 * -1 with errno (EINVAL: unparsable). */
int procstat_read(int dirfd, const char *path, struct procstat *ps);
/* /proc/PID/stat; pid 0: pmadv's own. */
int procstat_of(pid_t pid, struct procstat *ps);

/* Read a small file into buf, NUL-terminated. The length, or -1 with errno. */
ssize_t proc_read_small(int dirfd, const char *path, char *buf, size_t len);

/* The number after key at the start of a line of a small file into *v
 * (unchanged when no line has it). 0, or -1 with errno (unreadable). */
int proc_key_long(int dirfd, const char *path, const char *key, long *v);

/* The PID a /proc directory entry names, or 0 when it names none. */
pid_t proc_name_pid(const char *name);

/* fn for each task of pid (dirfd: /proc/PID/task) until it returns nonzero
 * (returned); 0 once all were seen; -1 with errno (no task directory). */
int proc_each_task(pid_t pid, int (*fn)(int dirfd, pid_t tid, void *ctx),
		   void *ctx);

/* The same for the live tasks only, each with its state. */
int proc_each_live_task(pid_t pid, int (*fn)(pid_t tid, char state, void *ctx),
			void *ctx);

/* /proc/PID/comm, control characters as '?'; "?" when unreadable. */
void proc_comm(pid_t pid, char *buf, size_t len);

/* The process pmadv advises: opened through a pidfd so a recycled PID can
 * never be misdirected; its facts and /proc files read whole. */
struct target {
	pid_t pid;
	int pidfd;
	bool inherited;		/* --pidfd: the caller's, not ours to close */
	char comm[64];
	unsigned int euid;
	uint64_t locked;	/* VmLck, bytes */
	uint64_t hugetlb;	/* HugetlbPages, bytes */
	pid_t tracer;		/* TracerPid */
	unsigned long threads;	/* Threads */
	char *read_buf;		/* target_read_ready's buffer, or NULL */
	size_t read_cap;
};

/* Open by PID / by an inherited pidfd. Return 0, or -1 with e. */
int target_open_pid(pid_t pid, struct target *t, struct err *e);
int target_open_pidfd(int fd, struct target *t, struct err *e);

/* Facts from stat and status; zombies, kernel threads refused. 0, or -1 with e. */
int target_facts(struct target *t, struct err *e);

/* 0 while the process lives (zombies included), else -1 with errno. */
int target_alive(const struct target *t);

/* /proc/PID/<file> whole, malloc'd, NUL-terminated. 0, or -1 with errno. */
int target_read(struct target *t, const char *file, char **buf, size_t *len);

/* The next target_read starts in a buffer of cap bytes touched now: not
 * faulted in while the target is frozen. */
void target_read_ready(struct target *t, size_t cap);

/* Explain EACCES/EPERM: uid mismatch, tracer, CAP_SYS_NICE. */
void target_explain_denied(const struct target *t, int errnum, struct err *e);

void target_close(struct target *t);

/* Memory totals from /proc/PID/smaps_rollup, bytes. */
struct mem_rollup {
	uint64_t rss, swap, anon_huge;
	uint64_t pss, swap_pss;	/* shared pages divided among their users */
	bool valid;
};

/* Walks the page tables: outside the window, only when shown. */
void target_rollup(pid_t pid, struct mem_rollup *r);

enum maps_file { MAPS_FILE_MAPS, MAPS_FILE_SMAPS };

/* The target's maps or smaps into *m; *text holds the names (free it
 * after m). PROCMAP_QUERY when the text cannot be read whole and in
 * order, or first with query. 0, or -1 with e. */
int maps_source_read(struct target *t, enum maps_file file, bool query,
		     char **text, struct maps *m, struct err *e);

/* Which pages are resident, swapped, the target's alone: pagemap, or its
 * PAGEMAP_SCAN ioctl (Linux 6.7+, no exclusivity bit). PFNs are never
 * used: ptrace read access is enough. */
enum res_method {
	RES_METHOD_PAGEMAP,	/* every bit, exclusivity included */
	RES_METHOD_SCAN,	/* PAGEMAP_SCAN; pagemap where it is missing */
};

struct residency {
	int fd;			/* /proc/PID/pagemap */
	enum res_method method;
	uint64_t page;
};

/* Open the target's pagemap. Returns 0, or -1 with e. */
int residency_open(pid_t pid, enum res_method method, struct residency *r,
		   struct err *e);

/* Append the spans of [start, end) to out. 0, or -1 with e. */
int residency_read(struct residency *r, uint64_t start, uint64_t end,
		   struct res_spans *out, struct err *e);

void residency_close(struct residency *r);

/* Where cgroups are and what they contain. Reads only. Kinds of cgroup mount; CGFS_V2 and CGFS_V1 equal the hierarchy version. */
enum { CGFS_OTHER = 0, CGFS_V1 = 1, CGFS_V2 = 2 };

struct cgfs_mount {
	int kind;	/* CGFS_V2 cgroup2; CGFS_V1 v1 with freezer; else CGFS_OTHER */
	bool systemd;	/* v1 name=systemd: where systemd keeps its units */
	bool cpu;	/* v1 with the cpu or cpuacct controller */
	char *root;		/* cgroup path mounted (mountinfo field 4) */
	char *point;		/* where */
};

struct cgfs_mounts {
	struct cgfs_mount *v;
	size_t n;
};

/* Paths of one process in the v2 and v1-freezer hierarchies ("" = none). */
struct cgfs_membership {
	char v2[PATH_MAX], v1[PATH_MAX];
};

/* Every cgroup(2) mount. 0 (out of memory: those so far), or -1 with errno. */
int cgfs_mounts_read(struct cgfs_mounts *m);
/* A cgroup directory's entries (dirfd stays open), or NULL; the next
 * subdirectory entry of it (not . or ..), or NULL at the end. */
DIR *cgfs_opendir(int dirfd);
struct dirent *cgfs_next_subdir(DIR *d);
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

/* spec as a directory under a cgroup mount: its version, cgroup path and
 * real directory. LOOKUP_NONE: not under one (try it as a cgroup path);
 * LOOKUP_FAILED with e: a v1 hierarchy without the freezer. */
enum lookup cgfs_spec_as_dir(const struct cgfs_mounts *m, const char *spec,
		     int *version, char *path, size_t pathlen, char *dir,
		     size_t dirlen, struct err *e);

/* Call fn for each number in file (cgroup.procs, tasks...) of the cgroup
 * at dirfd and its descendants (64 levels at most); unreadable: skipped. */
void cgfs_each_id(int dirfd, const char *file, void (*fn)(pid_t, void *),
		  void *ctx);

/* The processes in the cgroup open at dirfd and its descendants. */
size_t cgfs_count_procs(int dirfd);

/* Does the cgroup at dir, or a descendant, hold a process? */
bool cgfs_dir_holds_procs(const char *dir);

/* A mount's hierarchy: "v2", "v1 freezer", "v1 name=systemd" or "v1". */
const char *cgfs_kind_name(const struct cgfs_mount *mt);

/* Open a cgroup's directory, of any hierarchy (spec as cg_resolve takes
 * it): of several, the first (v2, v1 freezer, other v1) that holds
 * processes, else the first that exists; a root is refused. where: "v2
 * /sys/fs/cgroup/x". The descriptor, or -1 with e. */
int cgfs_open(const char *spec, char *where, size_t wherelen, struct err *e);

/* A cgroup's v2 memory.current. 0, or -1 when there is none. */
int cgfs_memory_current(const char *spec, uint64_t *bytes);

/* Which processes a run names, in order: -p and --pidfd, -N (libproc2, as
 * pgrep), -c, -u. Lists only: run.c opens and checks them. */
struct options;

enum ref_kind { REF_PID, REF_PIDFD, REF_LOST };

struct target_ref {
	enum ref_kind kind;
	int value;			/* PID or descriptor */
	bool discovered;		/* -N or -c: gone since listed is no error */
	unsigned long long start_time;	/* -N, -c: as listed; another one:
					 * the PID was reused */
	const regex_t *must_match;	/* -N: the name must still match */
	bool match_cmdline;		/* ... the command line, with --full */
	const char *cgroup;		/* -c or -u's: what -f cgroup freezes */
	char *lost;			/* REF_LOST: why no process came of it */
};

struct target_list {
	struct target_ref *v;
	size_t n, cap;
	char **cgroups;		/* -u: the units' cgroups, owned here */
	size_t ncgroups, cgroups_cap;
};

/* Every target the options name. Returns 0, or -1 (out of memory). */
int discover_targets(const struct options *o, struct target_list *l);
void target_list_free(struct target_list *l);

/* Without swap, MADV_PAGEOUT of anonymous memory succeeds and moves
 * nothing. NULL when swap can take pid's anonymous pages (or it cannot be
 * told), else why not, in buf (/proc/swaps, its cgroups' memory.swap.*). */
const char *swapcap_why_not(pid_t pid, char *buf, size_t len);

/* Bytes under writeback (fd: /proc/vmstat, -1: 0): once the device's
 * queue is full a pageout call waits for it (on redis a 5 ms call took
 * 95 ms). One pread: cheap enough before each call. */
uint64_t swapcap_writeback(int fd);

#endif
