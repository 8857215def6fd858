/* Process discovery by name through libproc2, as pgrep does. */
#include <stdlib.h>
#include <unistd.h>

#include <libproc2/pids.h>

#include "discover.h"

#define PF_KTHREAD 0x00200000

int discover_by_name(const regex_t *re, bool full, pid_t **pids, size_t *n)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_CMD, PIDS_CMDLINE,
				   PIDS_FLAGS, PIDS_STATE };
	enum { I_PID, I_CMD, I_CMDLINE, I_FLAGS, I_STATE };
	struct pids_info *info = NULL;
	struct pids_stack *s;
	pid_t self = getpid();
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (procps_pids_new(&info, items, (int)(sizeof(items) / sizeof(items[0]))) < 0)
		return -1;
	while ((s = procps_pids_get(info, PIDS_FETCH_TASKS_ONLY))) {
		pid_t pid = PIDS_VAL(I_PID, s_int, s, info);
		const char *text = PIDS_VAL(full ? I_CMDLINE : I_CMD, str, s, info);
		char st = PIDS_VAL(I_STATE, s_ch, s, info);

		if (pid == self || (PIDS_VAL(I_FLAGS, ul_int, s, info) & PF_KTHREAD) ||
		    st == 'Z' || st == 'X')
			continue;
		if (regexec(re, text ? text : "", 0, NULL, 0))
			continue;
		if (*n == cap) {
			pid_t *v;
			cap = cap ? cap * 2 : 16;
			v = realloc(*pids, cap * sizeof(*v));
			if (!v) {
				procps_pids_unref(&info);
				free(*pids);
				*pids = NULL;
				return -1;
			}
			*pids = v;
		}
		(*pids)[(*n)++] = pid;
	}
	procps_pids_unref(&info);
	return 0;
}
