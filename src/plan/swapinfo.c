/* /proc/swaps and cgroup swap limits. See swapinfo.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

/* Fields: Filename Type Size Used Priority; a filename with spaces shows
 * them as \040, so whitespace splits fields. */
static int parse_line(const char *line, uint64_t *size, uint64_t *used)
{
	unsigned long long s, u;
	char name[4096], type[64];
	int prio;

	if (sscanf(line, "%4095s %63s %llu %llu %d", name, type, &s, &u, &prio) != 5 ||
	    u > s || s > UINT64_MAX / 1024)
		return -1;
	*size = (uint64_t)s * 1024;
	*used = (uint64_t)u * 1024;
	return 0;
}

int swapinfo_parse_swaps(const char *text, unsigned int *areas,
			 uint64_t *size, uint64_t *free_bytes)
{
	const char *line = strchr(text, '\n');	/* the header */

	*areas = 0;
	*size = *free_bytes = 0;
	while (line && *++line) {
		uint64_t s, u;

		if (*line != '\n') {
			if (parse_line(line, &s, &u))
				return -1;
			(*areas)++;
			*size += s;
			*free_bytes += s - u;
		}
		line = strchr(line, '\n');
	}
	return 0;
}

int swapinfo_parse_limit(const char *text, uint64_t *v)
{
	char *end;

	if (!strncmp(text, "max", 3) && (text[3] == '\n' || !text[3])) {
		*v = UINT64_MAX;
		return 0;
	}
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	*v = strtoull(text, &end, 10);
	return errno || (*end != '\n' && *end) ? -1 : 0;
}

int swapinfo_parse_writeback(const char *text, uint64_t *pages)
{
	static const char key[] = "nr_writeback ";

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, sizeof(key) - 1)) {
			char *end;

			*pages = strtoull(l + sizeof(key) - 1, &end, 10);
			return end == l + sizeof(key) - 1 ? -1 : 0;
		}
	return -1;
}
