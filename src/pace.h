/* How many bytes the next advice call of a bounded window may carry: sized
 * from the throughput measured on the calls before it, so that the window
 * ends within --max-freeze, give or take one call's misprediction. Pure:
 * the caller times its calls and tells. */
#ifndef PMADV_PACE_H
#define PMADV_PACE_H

#include <stdint.h>

/* The first call of a run, before anything is measured: 2 MiB takes about
 * 2 ms to page out at the ~1 GB/s measured here (kernel-notes 9), and
 * microseconds to cold. */
#define PACE_PROBE_BYTES (2ULL << 20)

struct pace {
	double bytes_per_ns;	/* 0: nothing measured yet */
	uint64_t cap;		/* never more in one call (0: none) */
	uint64_t slice_ns;	/* a call is planned to take at most this */
};

/* window_ns: the bound of a window; a call is planned for a quarter of
 * it at most, so a misprediction (a device slower than measured) costs
 * at most about a quarter window more. */
void pace_init(struct pace *p, uint64_t cap, uint64_t window_ns);

/* Bytes for a call that must end within ns_left: what the measured
 * throughput gets done in three quarters of that time (the rest is
 * margin), or in a slice, whichever is less; whole pages, at most the
 * cap; the probe size while nothing is measured. 0: less than an eighth
 * of a slice (or a page) is left: end the window. */
uint64_t pace_chunk(const struct pace *p, uint64_t ns_left, uint64_t page);

/* A call of bytes took ns. A slower call is believed at once, a faster
 * one half (the mean with the estimate): a device that slows down shrinks
 * the very next chunk, one that speeds up grows them gradually. */
void pace_record(struct pace *p, uint64_t bytes, uint64_t ns);

#endif
