/* The progress line. See progress.h. */
#include "lib/lib.h"
#include "engine/engine.h"

void progress_init(struct progress *p, const struct options *o)
{
	p->on = !o->quiet && !o->json && msg_status_possible();
	p->shown = false;
	p->start_ns = p->last_ns = clock_now_ns();
}

void progress_update(struct progress *p, uint64_t done, uint64_t total,
		     unsigned int windows)
{
	uint64_t now = clock_now_ns();
	char d[32], t[32], r[32];
	double secs;

	if (!p->on || now - p->start_ns < PROGRESS_AFTER_NS ||
	    (p->shown && now - p->last_ns < PROGRESS_EVERY_NS))
		return;
	secs = (double)(now - p->start_ns) / 1e9;
	size_format(done, d, sizeof(d));
	size_format(total, t, sizeof(t));
	size_format((uint64_t)((double)done / secs), r, sizeof(r));
	msg_status("%s of %s advised, %s/s, %u windows", d, t, r, windows);
	p->shown = true;
	p->last_ns = now;
}

void progress_end(struct progress *p)
{
	if (p->shown)
		msg_status_clear();
	p->shown = false;
}
