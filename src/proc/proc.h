/* proc: the target: pidfd and facts, discovery of targets, maps (text or
 * PROCMAP_QUERY) and pagemap reading, /proc/PID/stat, cgroupfs and units,
 * whether swap can take pages. */
#ifndef PMADV_PROC_H
#define PMADV_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <regex.h>

#include "lib/lib.h"
#include "plan/plan.h"

/* Small reads of /proc: the one parser of /proc/PID/stat (state, flags,
 * start time), the command name, and the bounded small-file read they use
 * (the freeze module also reads cgroup control files with it). */
#define PF_KTHREAD 0x00200000	/* stat flags: a kernel thread (linux/sched.h) */

struct procstat {
	char state;			/* field 3: R, S, D, T, t, Z, X... */
	unsigned long flags;		/* field 9: PF_* */
	unsigned long long minflt;	/* field 10: minor faults (the whole
					 * process in /proc/PID/stat) */
	unsigned long long majflt;	/* field 12: major faults */
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

/* proc_each_task for the live tasks only (neither zombie nor dead), each
 * with its state from TID/stat (R, S, D, T, t...); a task gone meanwhile
 * is passed over. The same returns. */
int proc_each_live_task(pid_t pid, int (*fn)(pid_t tid, char state, void *ctx),
			void *ctx);

/* /proc/PID/comm into buf, control characters shown as '?'; "?" when it
 * cannot be read. */
void proc_comm(pid_t pid, char *buf, size_t len);

/* The process pmadv advises: opened through a pidfd so a recycled PID can
 * never be misdirected; its facts and /proc files read whole. */
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
	char *read_buf;		/* target_read_ready's buffer, or NULL */
	size_t read_cap;
};

/* Open by PID / by an inherited pidfd. Return 0, or -1 with e. */
int target_open_pid(pid_t pid, struct target *t, struct err *e);
int target_open_pidfd(int fd, struct target *t, struct err *e);

/* Process facts from /proc/PID/stat and status (one read each); refuses zombies and
 * kernel threads with a message. Returns 0 or -1. */
int target_facts(struct target *t, struct err *e);

/* 0 while the process lives (zombies included), else -1 with errno. */
int target_alive(const struct target *t);

/* Read /proc/PID/<file> whole into a malloc'd, NUL-terminated buffer.
 * Returns 0, or -1 with errno (ESRCH: the process is gone). */
int target_read(struct target *t, const char *file, char **buf,
		size_t *len);

/* The next target_read starts in a buffer of cap bytes made and touched
 * now (before a freeze: its first touch would fault while the target is
 * frozen, tens of microseconds). */
void target_read_ready(struct target *t, size_t cap);

/* Explain a refusal (EACCES/EPERM) in one line: uid mismatch, tracer,
 * CAP_SYS_NICE. */
void target_explain_denied(const struct target *t, int errnum, struct err *e);

void target_close(struct target *t);


/* Memory totals from /proc/PID/smaps_rollup, bytes. */
struct mem_rollup {
	uint64_t rss, swap, anon_huge;
	uint64_t pss, swap_pss;	/* shared pages divided among their users */
	bool valid;
};

/* Walks the page tables: call outside the freeze window, and only when the
 * figures will be shown. */
void target_rollup(pid_t pid, struct mem_rollup *r);

/* Where a target's mappings come from: /proc/PID/maps or smaps text, parsed
 * by maps.c, or the PROCMAP_QUERY ioctl (maps_source.c) when the text cannot be
 * read whole and in order, or when the test knob asks for it. Reads only;
 * what to select from them is select.c's business. */
enum maps_file { MAPS_FILE_MAPS, MAPS_FILE_SMAPS };

/* Read and parse one file of the target into *m; *text holds what the
 * names point into (free it after m). query: PROCMAP_QUERY first (maps
 * only). Returns 0, or -1 with e. */
int maps_source_read(struct target *t, enum maps_file file, bool query,
		     char **text, struct maps *m, struct err *e);

/* Which pages of a target are resident, swapped, mapped by it alone: read
 * from /proc/PID/pagemap (pread of 8-byte entries, every bit) or its
 * PAGEMAP_SCAN ioctl (Linux 6.7+: spans of present or swapped pages, no
 * exclusivity bit). Needs only ptrace read access: PFNs are never used.
 * Reads only; never called on the plain advice path (engine.c decides). */
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

/* Append the spans of [start, end) (page-aligned, after the spans already in
 * out) to out. Returns 0, or -1 with e. */
int residency_read(struct residency *r, uint64_t start, uint64_t end,
		   struct res_spans *out, struct err *e);

void residency_close(struct residency *r);

/* Where cgroups are and what they contain, for the cgroup freezer
 * (freeze/cgroup.c) and for listing a cgroup's processes (-c, discover.c).
 * The cgroup and cgroup2 mounts (/proc/self/mountinfo), the cgroups of a
 * process (/proc/PID/cgroup), the directory of a cgroup path, and walks over
 * a cgroup and its descendants. Reads only: no cgroup is written here. */
/* Kinds of cgroup mount; CGFS_V2 and CGFS_V1 equal the hierarchy version. */
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
 * under): sets *version, its cgroup path and its real directory. Returns
 * LOOKUP_FOUND; LOOKUP_NONE when spec is no directory under a cgroup mount
 * (try it as a cgroup path); LOOKUP_FAILED with e when it is in a v1
 * hierarchy without the freezer (*version left alone). */
enum lookup cgfs_spec_as_dir(const struct cgfs_mounts *m, const char *spec,
		     int *version, char *path, size_t pathlen, char *dir,
		     size_t dirlen, struct err *e);

/* Call fn for each number listed one a line in file (cgroup.procs,
 * cgroup.threads, tasks) of the cgroup open at dirfd, then of each
 * descendant (64 levels deep at most). A file that cannot be read is
 * skipped. */
void cgfs_each_id(int dirfd, const char *file, void (*fn)(pid_t, void *),
		  void *ctx);

/* The processes in the cgroup open at dirfd and its descendants. */
size_t cgfs_count_procs(int dirfd);

/* Does the cgroup at dir, or a descendant, hold a process? */
bool cgfs_dir_holds_procs(const char *dir);

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

/* The memory a cgroup (spec as cgfs_open takes it) uses, from its v2
 * memory.current (the memory controller on for it). 0, or -1 when there
 * is none to read. */
int cgfs_memory_current(const char *spec, uint64_t *bytes);

/* Which processes a run names, in order: -p and --pidfd as given, then the
 * processes whose name matches -N (through libproc2, as pgrep does), then
 * the members of each -c cgroup, then of each -u unit's cgroup. Lists only: opening a target and checking
 * it is still the one listed is run.c's job. */
struct options;

enum ref_kind { REF_PID, REF_PIDFD, REF_LOST };

struct target_ref {
	enum ref_kind kind;
	int value;			/* PID or descriptor */
	bool discovered;		/* -N or -c: gone since listed is no error */
	unsigned long long start_time;	/* -N, -c: as listed (stat field 22); a
					 * process with another one took the PID */
	const regex_t *must_match;	/* -N: the name must still match */
	bool match_cmdline;		/* ... the command line, with --full */
	const char *cgroup;		/* -c (or -u: the unit's cgroup) it
					 * came from: what -f cgroup freezes */
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

/* Can swap take a target's anonymous pages? Without that, MADV_PAGEOUT of
 * anonymous memory succeeds and moves nothing. Reads /proc/swaps and, for
 * the target's cgroup v2 and its ancestors, memory.swap.max and
 * memory.swap.current. Reads only. */
/* NULL when swap can take anonymous pages of pid (or it cannot be told:
 * pmadv then advises as asked); else why not, in buf ("no swap device",
 * "swap is full", "cgroup /x has memory.swap.max 0"). */
const char *swapcap_why_not(pid_t pid, char *buf, size_t len);

/* Bytes under writeback on the whole machine (/proc/vmstat nr_writeback):
 * pageout hands pages to the swap device, and once its queue is full a
 * call waits for the device (measured on redis: a 20 MiB pageout that
 * takes 5 ms took 95 ms). fd: an open /proc/vmstat (-1: 0 is returned).
 * One pread of a 4 KiB file: cheap enough before each call. */
uint64_t swapcap_writeback(int fd);

#endif
