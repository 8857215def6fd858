/* Advising one member inside a bounded window: chunks of its plan sized
 * by pace.c, each timed, each result kept in the member's ledger. See
 * windows_seq.h. */
#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "windows_seq.h"

static bool progressed(void *fz)
{
	return freeze_progress(fz);
}

/* Walk the plan from the cursor (cur, off) over at most bytes: the pieces
 * a chunk takes, the last one cut at a page boundary. out NULL: only
 * count them; else fill out and move the cursor. One walk for both, so
 * the count and the fill can never disagree (a count of whole pieces
 * against a fill that starts part-way into one overflowed here). */
static size_t walk(struct member *mb, uint64_t bytes, struct piece *out)
{
	const struct plan *p = &mb->x->plan;
	size_t cur = mb->cur, k = 0;
	uint64_t off = mb->off, sum = 0;

	while (cur < p->npieces && sum < bytes) {
		struct piece pc = p->pieces[cur];
		uint64_t len;

		pc.start += off;
		len = pc.end - pc.start;
		if (len > bytes - sum) {
			len = bytes - sum;
			pc.end = pc.start + len;
			off += len;
		} else {
			cur++;
			off = 0;
		}
		if (out)
			out[k] = pc;
		k++;
		sum += len;
	}
	if (out) {
		mb->cur = cur;
		mb->off = off;
	}
	return k;
}

static size_t take(struct member *mb, uint64_t bytes, struct piece **out)
{
	size_t k = walk(mb, bytes, NULL);

	*out = malloc((k ? k : 1) * sizeof(**out));
	return *out ? walk(mb, bytes, *out) : 0;
}

void chunk_record_rest(struct member *mb, int err)
{
	for (size_t i = mb->cur; mb->x->res && i < mb->x->plan.npieces; i++)
		if (!mb->x->res[i].err && (i > mb->cur || mb->off == 0 ||
					   mb->x->res[i].advised == mb->off))
			mb->x->res[i].err = err;
	mb->rest_err = err;
}

static void commit_part(struct member *mb, size_t i, uint64_t from,
			uint64_t to, uint64_t advised, int err)
{
	const struct piece *pc = &mb->x->plan.pieces[i];

	if (ledger_add(&mb->led, &mb->x->maps.v[pc->map], pc->start + from,
		       pc->start + to, advised, err))
		run_fail(mb->x, ENOMEM, "out of memory");
}

void chunk_commit(struct member *mb)
{
	const struct plan *p = &mb->x->plan;
	const struct advise_result *r = mb->x->res;
	size_t end = mb->rest_err ? p->npieces : mb->cur;

	for (size_t i = mb->ccur; r && i < end + (mb->off && !mb->rest_err); i++) {
		uint64_t size = p->pieces[i].end - p->pieces[i].start;
		uint64_t from = i == mb->ccur ? mb->coff : 0;
		uint64_t to = i == mb->cur && !mb->rest_err ? mb->off : size;
		/* a part committed before has its advised bytes already */
		uint64_t adv = from ? (r[i].advised > from ? r[i].advised - from : 0)
				    : r[i].advised;
		int err = r[i].err;

		if (i >= mb->cur && mb->rest_err && !err)
			err = mb->rest_err;
		if (to > from)
			commit_part(mb, i, from, to, adv < to - from ? adv : to - from,
				    err);
	}
	mb->ccur = mb->rest_err ? p->npieces : mb->cur;
	mb->coff = mb->rest_err ? 0 : mb->off;
	mb->committed = true;
}

/* The kernel refused the target as a whole (it exited, access went
 * away): a warning once something was advised, else its error. */
static void fatal(struct seq *s, struct member *mb, int code)
{
	bool some = false;

	for (size_t i = 0; i < mb->led.n && !some; i++)
		some = mb->led.v[i].advised > 0;
	for (size_t i = 0; mb->x->res && i < mb->x->plan.npieces && !some; i++)
		some = mb->x->res[i].advised > 0;
	run_advise_error(mb->x, s->o->advice, code, true, some);
}

/* One chunk: advise, time it, keep what the kernel said. false: stop
 * advising this member (or the whole window: s->stop). */
static bool chunk(struct seq *s, struct member *mb, struct freeze *fz,
		  uint64_t bytes)
{
	struct advise_watch watch = { .progress = progressed, .ctx = fz,
				      .max_bytes = freeze_call_max_bytes(fz) };
	struct advise_result *res;
	struct advise_stats st;
	struct piece *pcs;
	uint64_t t0, sum = 0;
	size_t first = mb->cur;
	size_t k = take(mb, bytes, &pcs);

	res = calloc(k ? k : 1, sizeof(*res));
	if (!k || !res) {
		free(pcs);
		free(res);
		run_fail(mb->x, ENOMEM, "out of memory");
		return false;
	}
	t0 = clock_now_ns();
	advise_run(mb->x->t.pidfd, s->o->advice->value, pcs, k, &watch, res, &st);
	/* into the plan's own results: the ledger copies them after the
	 * window, not inside it */
	for (size_t i = 0; i < k; i++) {
		struct advise_result *r = &mb->x->res[first + i];

		sum += pcs[i].end - pcs[i].start;
		r->advised += res[i].advised;
		if (res[i].err && !r->err)
			r->err = res[i].err;
	}
	pace_record(&s->pace, sum, clock_now_ns() - t0);
	free(pcs);
	free(res);
	if (st.fatal) {
		fatal(s, mb, st.fatal);
		mb->stop_err = st.fatal;
		return false;
	}
	if (st.stopped || freeze_interrupted()) {
		s->stop = true;	/* the watchdog ended the freeze, or a signal */
		return false;
	}
	return true;
}

void chunk_advise(struct seq *s, struct member *mb, struct freeze *fz,
		  uint64_t deadline, bool *any)
{
	while (mb->cur < mb->x->plan.npieces && !s->stop) {
		uint64_t now = clock_now_ns();

		/* the watchdog may have ended the freeze between members; a
		 * signal ends the run before the next call */
		if (!freeze_progress(fz) || freeze_interrupted()) {
			s->stop = true;
			return;
		}
		uint64_t bytes = pace_chunk(&s->pace, deadline > now ?
					    deadline - now : 0, s->page);

		if ((!bytes || s->o->test_chunk_bytes) && *any)
			return;		/* thaw: it would not fit */
		if (!bytes)
			bytes = pace_chunk(&s->pace, s->max_ns, s->page);
		if (!bytes)
			bytes = s->page;
		if (s->o->test_chunk_bytes && bytes > s->o->test_chunk_bytes)
			bytes = s->o->test_chunk_bytes;
		*any = true;
		if (!chunk(s, mb, fz, bytes)) {
			if (!mb->x->failed && mb->stop_err)
				chunk_record_rest(mb, mb->stop_err);
			mb->done = mb->stop_err || mb->x->failed;
			return;
		}
	}
	mb->done = mb->cur >= mb->x->plan.npieces;
}

