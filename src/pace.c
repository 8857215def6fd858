/* Chunk sizing from measured throughput. See pace.h. */
#include "pace.h"

void pace_init(struct pace *p, uint64_t cap, uint64_t window_ns)
{
	p->bytes_per_ns = 0;
	p->cap = cap;
	p->slice_ns = window_ns / 4;
}

uint64_t pace_chunk(const struct pace *p, uint64_t ns_left, uint64_t page)
{
	double want, ns = (double)ns_left * 0.75;
	uint64_t b;

	if (p->bytes_per_ns <= 0)
		b = PACE_PROBE_BYTES;
	else {
		if (p->slice_ns && ns > (double)p->slice_ns)
			ns = (double)p->slice_ns;
		/* not calls ever smaller as the deadline nears: thaw */
		if (ns < (double)p->slice_ns / 8)
			return 0;
		want = p->bytes_per_ns * ns;
		/* a double this large would not convert: the cap decides */
		b = want >= 1.8e19 ? UINT64_MAX : (uint64_t)want;
	}
	if (p->cap && b > p->cap)
		b = p->cap;
	return b & ~(page - 1);
}

void pace_record(struct pace *p, uint64_t bytes, uint64_t ns)
{
	double r;

	if (!bytes)
		return;
	r = (double)bytes / (double)(ns ? ns : 1);
	if (p->bytes_per_ns <= 0 || r < p->bytes_per_ns)
		p->bytes_per_ns = r;
	else
		p->bytes_per_ns = (p->bytes_per_ns + r) / 2;
}
