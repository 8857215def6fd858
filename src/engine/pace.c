/* Call sizing from measured time per byte of work. See pace.h. */
#include "engine/engine.h"

void pace_init(struct pace *p, uint64_t window_ns)
{
	p->ns_per_byte = 0;
	p->call_ns = 0;
	p->slice_ns = window_ns / 16;
}

uint64_t pace_work(const struct pace *p, uint64_t ns_left)
{
	double ns = (double)ns_left * 0.75, want;

	if (p->slice_ns && ns > (double)p->slice_ns)
		ns = (double)p->slice_ns;
	/* not calls ever smaller as the deadline nears: thaw */
	if (ns < (double)p->slice_ns / 8)
		return 0;
	if (p->ns_per_byte <= 0)
		return PACE_PROBE_BYTES;
	want = (ns - p->call_ns) / p->ns_per_byte;
	if (want < 1)
		return 0;
	/* a double this large would not convert */
	return want >= 1.8e19 ? UINT64_MAX : (uint64_t)want;
}

static void learn(double *est, double seen)
{
	*est = *est <= 0 || seen > *est ? seen : (*est + seen) / 2;
}

void pace_record(struct pace *p, uint64_t work, uint64_t ns)
{
	if (work < PACE_LEARN_BYTES) {
		learn(&p->call_ns, (double)ns);
		return;
	}
	/* the fixed part is not the device's: leave it out of the rate */
	double rest = (double)ns > p->call_ns ? (double)ns - p->call_ns : 0;

	learn(&p->ns_per_byte, rest / (double)work);
	if (p->ns_per_byte <= 0)
		p->ns_per_byte = 1e-6;	/* measured, and fast */
}
