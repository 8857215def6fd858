/* process_madvise batching. The kernel processes iovecs in order and stops
 * at the first failing one, returning the bytes before it; so one iovec per
 * mapping piece, and on a short return the failing iovec is isolated, its
 * errno recorded, and the rest goes on. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "advise.h"
#include "sys.h"

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
static bool errno_is_fatal(int e)
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

/* Fill a batch from piece *i at offset *off; advance both past it. Pieces
 * larger than what is left of the byte cap are split at page boundaries. */
static void fill(struct batch *b, const struct piece *p, size_t n, size_t *i,
		 uint64_t *off, uint64_t page)
{
	b->n = 0;
	b->total = 0;
	while (*i < n && b->n < ADVISE_MAX_IOV) {
		uint64_t len = p[*i].end - p[*i].start - *off;
		uint64_t room = ADVISE_MAX_BYTES - b->total;

		if (len > room) {
			len = room & ~(page - 1);
			if (!len)
				break;
		}
		b->iov[b->n].iov_base = (void *)(uintptr_t)(p[*i].start + *off);
		b->iov[b->n].iov_len = len;
		b->owner[b->n] = *i;
		b->n++;
		b->total += len;
		if (*off + len == p[*i].end - p[*i].start) {
			(*i)++;
			*off = 0;
		} else {
			*off += len;
			break;	/* byte cap reached */
		}
	}
}

/* A process-wide error (the target died, access went away): every piece
 * not yet done carries it. */
static void fail_rest(size_t n, size_t from, int e, struct advise_result *res,
		      struct advise_stats *st)
{
	for (size_t k = from; k < n; k++)
		if (!res[k].err)
			res[k].err = e;
	st->fatal = e;
}

void advise_run(int pidfd, int advice, const struct piece *p, size_t n,
		struct advise_result *res, struct advise_stats *st)
{
	static struct batch b;	/* 24 KiB: off the stack */
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t i = 0;
	uint64_t off = 0;

	memset(st, 0, sizeof(*st));
	memset(res, 0, n * sizeof(*res));
	while (i < n) {
		size_t f;
		uint64_t done;
		long r;
		int e;

		fill(&b, p, n, &i, &off, page);
		r = pmadv_call(pidfd, b.iov, b.n, advice);
		if (r >= 0 && (uint64_t)r == b.total) {
			for (size_t k = 0; k < b.n; k++)
				res[b.owner[k]].advised += b.iov[k].iov_len;
			continue;
		}
		if (r < 0) {
			e = errno;
			if (errno_is_fatal(e)) {
				fail_rest(n, b.owner[0], e, res, st);
				break;
			}
			f = 0;
		} else {
			/* r is the sum of the iovecs before the failing one */
			for (f = 0, done = 0; f < b.n && done + b.iov[f].iov_len <= (uint64_t)r; f++)
				done += b.iov[f].iov_len;
			for (size_t k = 0; k < f; k++)
				res[b.owner[k]].advised += b.iov[k].iov_len;
			/* a short return carries no errno: ask again for that one */
			r = pmadv_call(pidfd, &b.iov[f], 1, advice);
				if (r >= 0) {
				res[b.owner[f]].advised += (uint64_t)r;
				e = 0;
			} else {
				e = errno;
				if (errno_is_fatal(e)) {
					fail_rest(n, b.owner[f], e, res, st);
					break;
				}
			}
		}
		if (e)
			res[b.owner[f]].err = e;
		/* resume right after the failing iovec */
		i = b.owner[f];
		off = (uint64_t)(uintptr_t)b.iov[f].iov_base + b.iov[f].iov_len - p[i].start;
		if (off == p[i].end - p[i].start) {
			i++;
			off = 0;
		}
	}
	for (size_t k = 0; k < n; k++)
		st->advised += res[k].advised;
}
