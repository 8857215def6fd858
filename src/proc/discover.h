/* Which processes a run names, in order: -p and --pidfd as given, then the
 * processes whose name matches -N (through libproc2, as pgrep does), then
 * the members of each -c cgroup, then of each -u unit's cgroup. Lists only: opening a target and checking
 * it is still the one listed is run.c's job. */
#ifndef PMADV_DISCOVER_H
#define PMADV_DISCOVER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct options;

enum ref_kind { REF_PID, REF_PIDFD, REF_LOST };

struct target_ref {
	enum ref_kind kind;
	int value;			/* PID or descriptor */
	bool discovered;		/* -N or -c: gone since listed is no error */
	unsigned long long start_time;	/* -N, -c: as listed (stat field 22); a
					 * process with another one took the PID */
	const regex_t *must_match;	/* -N: the name must still match */
	bool match_cmdline;		/* ... the command line, with --full */
	const char *cgroup;		/* -c (or -u: the unit's cgroup) it
					 * came from: what -f cgroup freezes */
	char *lost;			/* REF_LOST: why no process came of it */
};

struct target_list {
	struct target_ref *v;
	size_t n, cap;
	char **cgroups;		/* -u: the units' cgroups, owned here */
	size_t ncgroups;
};

/* Every target the options name. Returns 0, or -1 (out of memory). */
int discover_targets(const struct options *o, struct target_list *l);
void target_list_free(struct target_list *l);

#endif
