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

#define PMADV_VERSION "0.1.0"

/* Exit statuses: a contract with the runbooks that parse them. */
enum pmadv_exit {
	PMADV_EXIT_OK = 0,	/* all selected memory advised */
	PMADV_EXIT_FAIL = 1,	/* nothing advised, or a fatal error */
	PMADV_EXIT_USAGE = 2,	/* invalid usage or input */
	PMADV_EXIT_PARTIAL = 3,	/* some advised, some failed */
};

/* A function that can fail returns -1, its reason in the caller's struct
 * err (errno only for thin wrappers over one system call). Warnings go
 * into a target's result, never through struct err. */
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
	ESCAPE_TERMINAL,	/* controls, DEL, invalid UTF-8 as \xHH */
	ESCAPE_UTF8,		/* only invalid UTF-8 as \xHH (for
				 * libsmartcols' JSON, which escapes the rest) */
	ESCAPE_BIDI,		/* only reordering characters as \xHH
				 * (libsmartcols --raw escapes the rest) */
	ESCAPE_JSON_DOC,	/* a whole JSON document (libsmartcols -J):
				 * raw DEL and reordering characters, only
				 * inside its strings, as \uXXXX */
	ESCAPE_JSON,		/* a JSON string's contents: bad UTF-8 as text \xHH */
};

/* Returns a malloc'd escaped copy, or NULL when out of memory. */
char *escape_str(const char *s, enum escape_mode mode);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
int utf8_seq_len(const unsigned char *s);

/* The parsers return 0, or -1 with e (may be NULL): EINVAL or ERANGE, and
 * a message without the input. */

/* A number (decimal or 0x hex) with an optional K M G T P E suffix (also KB,
 * KiB...; all binary); a decimal fraction needs a suffix (1.5G). */
int size_parse(const char *s, uint64_t *out, struct err *e);

/* A plain address/number (decimal or 0x hex, no suffix). */
int number_parse(const char *s, uint64_t *out, struct err *e);

/* "96.0 MiB", "4.0 KiB", "512 B" into buf; returns buf. */
char *size_format(uint64_t bytes, char *buf, size_t len);

/* A duration: "500ms", "2s", "1.5s", "3" (seconds), "1m"; a day at most. */
int duration_parse_ms(const char *s, unsigned int *ms, struct err *e);

/* Monotonic time: deadlines, naps. */
uint64_t clock_now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t clock_deadline(unsigned int ms);	/* now + ms */
unsigned int clock_ms_left(uint64_t deadline);	/* 0 once passed */
void clock_sleep_us(unsigned int us);		/* whole, despite signals */

/* A look-up that can come up empty without failing: */
enum lookup {
	LOOKUP_FAILED = -1,	/* e says why */
	LOOKUP_FOUND = 0,
	LOOKUP_NONE = 1,	/* nothing there: not an error */
};

/* A PMD-sized THP on x86_64 and arm64 with 4 KiB pages. */
#define HUGE_PAGE_SIZE (2ULL << 20)

/* Large, short-lived arrays: most of pmadv's cost at tens of thousands of
 * mappings is first-touch faults, and a 2 MiB-aligned block can take huge
 * pages (one fault per 2 MiB, not 512). Small sizes: malloc. free(). */
void *big_alloc(size_t size);

/* Map [p, p + len) before it is written: one MADV_POPULATE_WRITE instead
 * of a fault per page (10-20 times dearer on a VM). A hint only. */
void mem_populate(void *p, size_t len);

/* Room for element n of v (*cap elements), doubling from `first`. The
 * array, perhaps moved, or NULL when out of memory (v still valid). */
void *array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

/* qsort by a leading int: ints, or structs whose first member is a PID. */
int by_int(const void *a, const void *b);

/* In n sorted, disjoint ranges (uint64_t end at end_at), the index of
 * the first ending above addr (n if none). */
size_t first_ending_after(const void *v, size_t n, size_t size, size_t end_at,
			  uint64_t addr);
#define FIRST_ENDING_AFTER(v, n, end, addr) first_ending_after((v), (n), \
	sizeof(*(v)), offsetof(__typeof__(*(v)), end), (addr))

/* dlopen soname when first needed, *fns[i] = symbol names[i]. The handle,
 * or NULL with the loader's reason in why (nothing kept). */
void *lib_load(const char *soname, const char *const *names, void **const *fns,
	       size_t n, char *why, size_t len);

/* Fault in `size` bytes of heap and keep them, so a window's arrays take
 * no faults while the target is frozen. After any fork (pages shared with
 * a child fault again on the first write). */
void heap_prewarm(size_t size);

/* Freed memory stays in the heap, so a window's arrays reuse pages the
 * preview faulted in. Before the first large allocation. */
void heap_keep(void);

/* After the guardian's fork every written page is copy-on-write (25 faults
 * in a 1,000-mapping window): break the sharing ahead, and fault in the
 * whole heap, without changing a byte (MADV_POPULATE_WRITE, Linux 5.14). */
void own_memory_unshare(void);

/* The only writer to stderr: one line, "pmadv:" (as invoked) first, the
 * whole line escaped (it may carry target-controlled names). */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A status line rewriting itself, terminal only; clear it before any other write. */
bool msg_status_possible(void);
void msg_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_status_clear(void);

#endif
