/* The progress of a long run of bounded windows, one line on stderr that
 * rewrites itself: bytes done of the total, rate, windows. Only when
 * stderr is a terminal, never with -q or -J, and only once the run has
 * taken more than a second (a short run shows nothing). Writes through
 * msg.c. */
#ifndef PMADV_PROGRESS_H
#define PMADV_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

#define PROGRESS_AFTER_NS 1000000000ULL
#define PROGRESS_EVERY_NS 200000000ULL

struct progress {
	bool on;		/* may show at all */
	bool shown;		/* a line is on the terminal */
	uint64_t start_ns, last_ns;
};

void progress_init(struct progress *p, const struct options *o);
void progress_update(struct progress *p, uint64_t done, uint64_t total,
		     unsigned int windows);
/* Erase the line, if one was shown. */
void progress_end(struct progress *p);

#endif
