/* process_madvise batching: the kernel stops at the first failing iovec,
 * returning the bytes before it; so one iovec per piece, and on a short
 * return the failing one is isolated, its errno recorded, the rest goes on. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine/engine.h"
#include "lib/lib.h"

static long pmadv_call(int pidfd, const struct iovec *iov, size_t n, int advice)
{
	long r;

	do
		r = syscall(SYS_process_madvise, pidfd, iov, n, advice, 0U);
	while (r < 0 && errno == EINTR);
	return r;
}

int advise_probe(int pidfd, int advice)
{
	return pmadv_call(pidfd, NULL, 0, advice) < 0 ? -1 : 0;
}

/* Whether an errno concerns the whole process rather than one range. */
bool advise_errno_fatal(int e)
{
	return e == ESRCH || e == EBADF || e == EACCES || e == EPERM ||
	       e == ENOSYS;
}

struct batch {
	struct iovec iov[ADVISE_MAX_IOV];
	size_t owner[ADVISE_MAX_IOV];
	size_t n;
	uint64_t total;
};

/* One run: where it is, and who watches it. */
struct advise_cursor {
	int pidfd, advice;
	const struct advise_watch *watch;
	bool stop;		/* the watch said so */
	size_t i;		/* next piece */
	uint64_t off;		/* into it */
};

/* process_madvise, then tell the watch (errno kept for the caller). */
static long watched_call(struct advise_cursor *c, const struct iovec *iov, size_t n)
{
	long r = pmadv_call(c->pidfd, iov, n, c->advice);
	int saved = errno;

	if (c->watch && c->watch->progress && !c->watch->progress(c->watch->ctx))
		c->stop = true;
	errno = saved;
	return r;
}

/* Fill a batch from piece c->i at c->off (split at a page past the cap); advance. */
static void fill(struct batch *b, const struct piece *p, size_t n,
		 struct advise_cursor *c, uint64_t cap, uint64_t page)
{
	b->n = 0;
	b->total = 0;
	while (c->i < n && b->n < ADVISE_MAX_IOV) {
		uint64_t len = p[c->i].end - p[c->i].start - c->off;
		uint64_t room = cap - b->total;

		if (len > room) {
			len = room & ~(page - 1);
			if (!len)
				break;
		}
		b->iov[b->n].iov_base = (void *)(uintptr_t)(p[c->i].start + c->off);
		b->iov[b->n].iov_len = len;
		b->owner[b->n] = c->i;
		b->n++;
		b->total += len;
		if (c->off + len == p[c->i].end - p[c->i].start) {
			c->i++;
			c->off = 0;
		} else {
			c->off += len;
			break;	/* byte cap reached */
		}
	}
}

/* Every piece from "from" on that has no error yet carries e. */
static void mark_rest(size_t n, size_t from, int e, struct advise_result *res)
{
	for (size_t k = from; k < n; k++)
		if (!res[k].err)
			res[k].err = e;
}

/* A batch taken short or refused: account it, record the failing iovec's errno,
 * the cursor after it. A process-wide errno (run stopped, cursor on it), or 0. */
static int short_batch(struct advise_cursor *c, const struct batch *b, long r,
		       const struct piece *p, struct advise_result *res)
{
	size_t f = 0;
	uint64_t done = 0;
	int e;

	if (r < 0) {
		e = errno;
	} else {
		/* r is the sum of the iovecs before the failing one */
		while (f < b->n && done + b->iov[f].iov_len <= (uint64_t)r)
			done += b->iov[f++].iov_len;
		for (size_t k = 0; k < f; k++)
			res[b->owner[k]].advised += b->iov[k].iov_len;
		/* a short return carries no errno: ask again for that one */
		r = watched_call(c, &b->iov[f], 1);
		e = r < 0 ? errno : 0;
		if (r >= 0)
			res[b->owner[f]].advised += (uint64_t)r;
	}
	c->i = b->owner[f];
	if (advise_errno_fatal(e))
		return e;	/* the cursor at the failing piece */
	if (e)
		res[b->owner[f]].err = e;
	/* resume right after the failing iovec */
	c->off = (uint64_t)(uintptr_t)b->iov[f].iov_base + b->iov[f].iov_len -
		 p[c->i].start;
	if (c->off == p[c->i].end - p[c->i].start) {
		c->i++;
		c->off = 0;
	}
	return 0;
}

static struct batch b;	/* 24 KiB: off the stack */
static bool b_ready;

void advise_ready(void)
{
	if (!b_ready)
		mem_populate(&b, sizeof(b));
	b_ready = true;
}

void advise_run(int pidfd, int advice, const struct piece *p, size_t n,
		const struct advise_watch *watch, struct advise_result *res,
		struct advise_stats *st)
{
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct advise_cursor c = { .pidfd = pidfd, .advice = advice, .watch = watch };
	uint64_t cap = ADVISE_MAX_BYTES;

	if (watch && watch->max_bytes && watch->max_bytes < cap)
		cap = watch->max_bytes & ~(page - 1);
	advise_ready();		/* once: before a freeze, or here */
	memset(st, 0, sizeof(*st));
	memset(res, 0, n * sizeof(*res));
	while (c.i < n) {
		long r;

		if (c.stop) {
			/* what follows was never asked for */
			mark_rest(n, c.i, ECANCELED, res);
			st->stopped = true;
			break;
		}
		fill(&b, p, n, &c, cap, page);
		r = watched_call(&c, b.iov, b.n);
		if (r >= 0 && (uint64_t)r == b.total) {
			for (size_t k = 0; k < b.n; k++)
				res[b.owner[k]].advised += b.iov[k].iov_len;
			continue;
		}
		st->fatal = short_batch(&c, &b, r, p, res);
		if (st->fatal) {
			/* the target died, access went away: every piece
			 * not yet done carries it */
			mark_rest(n, c.i, st->fatal, res);
			break;
		}
	}
	for (size_t k = 0; k < n; k++)
		st->advised += res[k].advised;
}
