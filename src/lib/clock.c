/* Monotonic time and the back-off wait: see lib.h. */
#include <errno.h>
#include <time.h>

#include "lib/lib.h"

#define NAP_FIRST_US 100
#define NAP_MAX_US 6400

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

enum wait_result wait_until(uint64_t deadline, enum wait_test (*test)(void *ctx),
			    void *ctx)
{
	unsigned int nap = NAP_FIRST_US;

	for (;;) {
		enum wait_test r = test(ctx);

		if (r == WAIT_MET)
			return WAIT_DONE;
		if (r == WAIT_TEST_FAILED)
			return WAIT_FAILED;
		if (clock_ms_left(deadline) == 0)
			return WAIT_DEADLINE;
		clock_sleep_us(nap);
		if (nap < NAP_MAX_US)
			nap *= 2;
	}
}
