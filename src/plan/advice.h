/* madvise advice names. Pure. */
#ifndef PMADV_ADVICE_H
#define PMADV_ADVICE_H

#include <stdbool.h>
#include <stddef.h>

struct advice {
	const char *name;	/* lower case, without MADV_ */
	int value;
	bool remote;		/* allowed on another process (Linux 6.18) */
	const char *since;	/* kernel that first allowed it remotely */
};

#define ADVICE_WILLNEED 3
#define ADVICE_COLD 20
#define ADVICE_PAGEOUT 21
#define ADVICE_COLLAPSE 25

/* Look up "pageout", "PAGEOUT", "MADV_PAGEOUT"... NULL when unknown. */
const struct advice *advice_lookup(const char *s);

/* Value to name, or NULL. */
const struct advice *advice_by_value(int value);

/* The i-th advice allowed on another process (0, 1, ...), NULL past the
 * last. */
const struct advice *advice_remote(size_t i);

/* The names accepted for another process, comma separated. */
const char *advice_remote_list(void);

/* Advice that only ages or reclaims pages (cold, pageout): the kernel
 * refuses it on locked, hugetlb and VM_IO/PFNMAP mappings. */
bool advice_reclaims(int value);

/* Advice for which the kernel's EINVAL on one range means "this mapping
 * cannot take it" (cold, pageout, collapse): a skip, not a failure. */
bool advice_einval_is_refusal(int value);

#endif
