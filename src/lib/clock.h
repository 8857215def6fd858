/* Monotonic time for the freeze module: deadlines, naps, and the one
 * back-off loop every wait (locks, SIGSTOP, the v1 freezer) goes through. */
#ifndef PMADV_CLOCK_H
#define PMADV_CLOCK_H

#include <stdint.h>

uint64_t clock_now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t clock_deadline(unsigned int ms);	/* now + ms */
unsigned int clock_ms_left(uint64_t deadline);	/* 0 once passed */
void clock_sleep_us(unsigned int us);		/* whole, despite signals */

/* Call done(ctx) until it returns 1, napping between calls (100 us,
 * doubling up to 6.4 ms). Returns 0 once done said 1; -1 as soon as done
 * returns -1 (its failure, described through ctx); 1 when the deadline has
 * passed with done still 0 (done is always called at least once). */
int wait_until(uint64_t deadline, int (*done)(void *ctx), void *ctx);

#endif
