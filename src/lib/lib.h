/* lib: the chores every part shares: errors (0/-1 and a struct err) and
 * messages, escaping, sizes, clocks, growable arrays, raw syscalls, exit statuses. */
#ifndef PMADV_LIB_H
#define PMADV_LIB_H

#include <stddef.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>

/* Shared definitions for every pmadv module. */
#define PMADV_VERSION "0.1.0"

/* Exit statuses: a contract with the runbooks that parse them. */
enum pmadv_exit {
	PMADV_EXIT_OK = 0,	/* all selected memory advised */
	PMADV_EXIT_FAIL = 1,	/* nothing advised, or a fatal error */
	PMADV_EXIT_USAGE = 2,	/* invalid usage or input */
	PMADV_EXIT_PARTIAL = 3,	/* some advised, some failed */
};

/* How a failure travels inside pmadv. A function that can fail returns 0
 * (or a count) on success and -1 on failure. The reason is in the caller's
 * struct err when the function takes one (it knows what it was doing and
 * says so in one line), and in errno only for thin wrappers over one system
 * call. Warnings are not errors: they go into a target's result
 * (report.h), never through struct err. Pure: no I/O. */
#define ERR_LEN 512		/* one message line, the only size for it */

struct err {
	int code;		/* errno behind it, or 0 */
	char msg[ERR_LEN];	/* one line: no newline, no "pmadv:" */
};

/* Set e (if not NULL) and return -1, for "return err_set(e, ENOENT, ...)". */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append to e's message (bounded; keeps its code). */
void err_append(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void err_clear(struct err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

/* Raw syscalls glibc 2.36 has no wrappers for. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Target-controlled text (file and memfd names) made safe to print. Pure. */
enum escape_mode {
	ESCAPE_TERMINAL,	/* control bytes, C1 controls, DEL and invalid
				 * UTF-8 become \xHH; the rest as is
				 * (the kernel's own \012 stays readable) */
	ESCAPE_UTF8,		/* only invalid UTF-8 bytes become the text
				 * \xHH: for a JSON writer that escapes the
				 * rest itself (libsmartcols) */
	ESCAPE_BIDI,		/* only reordering characters (below) become
				 * \xHH: for a writer that escapes every other
				 * unprintable byte itself (libsmartcols --raw) */
	ESCAPE_JSON_DOC,	/* a whole JSON document another writer made
				 * (libsmartcols -J): raw DEL and reordering
				 * characters, which can only stand inside its
				 * strings, become \uXXXX */
	ESCAPE_JSON,		/* contents of a JSON string (no quotes):
				 * always valid JSON; invalid UTF-8 bytes
				 * become the text \xHH */
};

/* Returns a malloc'd escaped copy, or NULL when out of memory. */
char *escape_str(const char *s, enum escape_mode mode);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
int utf8_seq_len(const unsigned char *s);

/* Byte sizes: parsing operator input and formatting for humans. Pure. */
/* The parsers return 0, or -1 with e (may be NULL) saying why: code EINVAL
 * (malformed) or ERANGE (too large), and a message without the input. */

/* A number (decimal or 0x hex) with an optional K M G T P E suffix (also KB,
 * KiB...; all binary); a decimal fraction needs a suffix (1.5G). */
int size_parse(const char *s, uint64_t *out, struct err *e);

/* A plain address/number (decimal or 0x hex, no suffix). */
int number_parse(const char *s, uint64_t *out, struct err *e);

/* "96.0 MiB", "4.0 KiB", "512 B" into buf; returns buf. */
char *size_format(uint64_t bytes, char *buf, size_t len);

/* A duration: "500ms", "2s", "1.5s", "3" (seconds), "1m"; a day at most. */
int duration_parse_ms(const char *s, unsigned int *ms, struct err *e);

/* Monotonic time for the freeze module: deadlines, naps, and the one
 * back-off loop every wait (locks, SIGSTOP, the v1 freezer) goes through. */
uint64_t clock_now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t clock_deadline(unsigned int ms);	/* now + ms */
unsigned int clock_ms_left(uint64_t deadline);	/* 0 once passed */
void clock_sleep_us(unsigned int us);		/* whole, despite signals */

/* A look-up that can come up empty without failing (a run directory, a
 * lock file, a cgroup directory): */
enum lookup {
	LOOKUP_FAILED = -1,	/* e says why */
	LOOKUP_FOUND = 0,
	LOOKUP_NONE = 1,	/* nothing there: not an error */
};

/* Every wait (locks, SIGSTOP, the cgroup freezers) asks a test again and
 * again. The test says: */
enum wait_test {
	WAIT_TEST_FAILED = -1,	/* its error is in its ctx */
	WAIT_NOT_YET = 0,
	WAIT_MET = 1,
};

/* What the wait came to. */
enum wait_result {
	WAIT_FAILED = -1,	/* the test failed */
	WAIT_DONE = 0,		/* the test was met */
	WAIT_DEADLINE = 1,	/* time ran out first */
	WAIT_OVER = 2,		/* the freeze window ended first
				 * (freeze_wait_run only) */
};

/* Ask test(ctx) until it is met, napping between (100 us, doubling up to
 * 6.4 ms); it is asked at least once. */
enum wait_result wait_until(uint64_t deadline, enum wait_test (*test)(void *ctx),
			    void *ctx);

/* Large, short-lived arrays (maps text, mappings, pieces) for targets with
 * tens of thousands of mappings. Most of pmadv's cost there is first-touch
 * page faults: a 2 MiB-aligned block can be backed by huge pages, one fault
 * per 2 MiB instead of 512. Small sizes go to malloc. Free with free(). */
/* A PMD-sized transparent huge page on x86_64 and arm64 with 4 KiB pages:
 * the unit of big_alloc's alignment and of MADV_COLLAPSE. */
#define HUGE_PAGE_SIZE (2ULL << 20)

void *big_alloc(size_t size);

/* Map the pages of [p, p + len) before they are written: one madvise
 * (MADV_POPULATE_WRITE, Linux 5.14) instead of a fault per page, which
 * costs 10-20 times more on a VM. A hint: without it the pages fault in
 * as before. */
void mem_populate(void *p, size_t len);

/* Room for element n of a growing array v of *cap elements of `size`
 * bytes, doubling from `first`. Returns the array, perhaps moved (and
 * *cap grown), or NULL when out of memory (v is then still valid). */
void *array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

/* In n ranges sorted by address and not overlapping (elements of `size`
 * bytes, each with a uint64_t end `end_at` bytes in), the index of the
 * first one ending above addr: the one holding addr, else the next (n if
 * none). Binary search; FIRST_ENDING_AFTER takes an array's member. */
size_t first_ending_after(const void *v, size_t n, size_t size, size_t end_at,
			  uint64_t addr);
#define FIRST_ENDING_AFTER(v, n, end, addr) first_ending_after((v), (n), \
	sizeof(*(v)), offsetof(__typeof__(*(v)), end), (addr))

/* A library loaded when first needed (libproc2, libsmartcols): dlopen of
 * soname, then *fns[i] = the symbol names[i]. The handle, or NULL when it
 * cannot be loaded or lacks one (why holds the loader's reason; nothing
 * is kept). */
void *lib_load(const char *soname, const char *const *names, void **const *fns,
	       size_t n, char *why, size_t len);

/* Fault in `size` bytes of heap and keep them: the small arrays a freeze
 * window allocates then land on resident pages instead of taking page
 * faults while the target is frozen. Call it after any fork (the guardian):
 * pages shared with a child would fault again on the first write. */
void heap_prewarm(size_t size);

/* Freed memory stays in the heap (no fresh mmap per large array, no
 * trim), so that a window's arrays reuse pages the preview faulted in.
 * heap_prewarm sets it too; call it before the first large allocation. */
void heap_keep(void);

/* After a fork (the guardian's), every page pmadv had written is shared
 * copy-on-write with the child: the first write to each takes a fault
 * (25 in a 1,000-mapping window, a fifth of it on a VM). This breaks the
 * sharing ahead for pmadv's resident private writable pages, and faults
 * in the whole heap, free chunks included (what a window allocates lands
 * there), without changing a byte (MADV_POPULATE_WRITE, Linux 5.14;
 * elsewhere nothing). */
void own_memory_unshare(void);

/* The only writer to stderr: one line per message, the program name first (as invoked, without its directory: "pmadv:"), the
 * whole line escaped (it may carry target-controlled names and the
 * operator's own arguments). */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A status line that rewrites itself (the progress of a long run): only
 * when stderr is a terminal; msg_status_clear erases it before anything
 * else is written. */
bool msg_status_possible(void);
void msg_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_status_clear(void);

#endif
