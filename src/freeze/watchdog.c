/* The limits of a freeze window. See watchdog.h. */
#include "freeze/freeze.h"

static unsigned int times(unsigned int v, unsigned int k)
{
	return v > ~0u / k ? ~0u : v * k;
}

unsigned int watchdog_bound_ms(unsigned int freeze_timeout_ms,
			       unsigned int max_freeze_ms)
{
	if (max_freeze_ms)
		return max_freeze_ms > ~0u - GUARDIAN_GRACE_MS ? ~0u :
		       max_freeze_ms + GUARDIAN_GRACE_MS;

	/* twice what the operator allows a freeze to take hold: an advice
	 * call waits on the target's memory much as the freeze waits on its
	 * threads; never under 5 s, which a 64 MiB call always beats */
	unsigned int twice = times(freeze_timeout_ms, 2);

	return twice > WATCHDOG_MIN_MS ? twice : WATCHDOG_MIN_MS;
}
