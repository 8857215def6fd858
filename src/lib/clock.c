/* Monotonic time: see lib.h. */
#include <errno.h>
#include <time.h>

#include "lib/lib.h"

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_deadline(unsigned int ms)
{
	return clock_now_ns() + (uint64_t)ms * 1000000u;
}

unsigned int clock_ms_left(uint64_t deadline)
{
	uint64_t now = clock_now_ns();

	if (now >= deadline)
		return 0;
	return (unsigned int)((deadline - now + 999999) / 1000000);
}

void clock_sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
