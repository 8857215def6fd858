/* Large, short-lived arrays (maps text, mappings, pieces) for targets with
 * tens of thousands of mappings. Most of pmadv's cost there is first-touch
 * page faults: a 2 MiB-aligned block can be backed by huge pages, one fault
 * per 2 MiB instead of 512. Small sizes go to malloc. Free with free(). */
#ifndef PMADV_BIGALLOC_H
#define PMADV_BIGALLOC_H

#include <stddef.h>

void *big_alloc(size_t size);

#endif
