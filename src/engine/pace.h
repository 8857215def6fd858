/* How much work the next advice call of a window may carry, so that the
 * window ends within its bound. Work is bytes the call will act on
 * (resident pages for cold and pageout, absent ones for willneed:
 * chunk.h), not address space: a call over an empty arena returns in
 * microseconds whatever its length, and once sized by address it made
 * the next call swallow a whole redis heap. A call is modelled as a fixed
 * part plus a cost per byte of work, each learnt from the calls before.
 * Pure: the caller times its calls and tells. */
#ifndef PMADV_PACE_H
#define PMADV_PACE_H

#include <stdbool.h>
#include <stdint.h>

/* The first call of a run, before anything is measured: 2 MiB takes about
 * 2 ms to page out at the ~1 GB/s measured here (kernel-notes 9). */
#define PACE_PROBE_BYTES (2ULL << 20)
/* A call with less work than this teaches only the fixed part: its time
 * is mostly the call itself, and dividing by its work would make one fast
 * call over empty memory look like a fast device. */
#define PACE_LEARN_BYTES (256ULL << 10)

struct pace {
	double ns_per_byte;	/* per byte of work; 0: not measured */
	double call_ns;		/* the fixed part of a call */
	uint64_t slice_ns;	/* a call is planned to take at most this */
};

/* window_ns: the bound of a window; a call is planned for a sixteenth of
 * it at most: pageout to swap on a real service now and then takes ten
 * times its usual time for one call (writeback), which then costs well
 * under a window more. */
void pace_init(struct pace *p, uint64_t window_ns);

/* Work for a call that must end within ns_left: what the model gets done
 * in three quarters of that time (the rest is margin), or in a slice,
 * whichever is less; the probe while nothing is measured. 0: less than
 * an eighth of a slice is left: end the window. */
uint64_t pace_work(const struct pace *p, uint64_t ns_left);

/* A call with work bytes of work took ns. A slower estimate is believed
 * at once, a faster one half (the mean): a device that slows down shrinks
 * the very next call, one that speeds up grows them gradually. */
void pace_record(struct pace *p, uint64_t work, uint64_t ns);

#endif
