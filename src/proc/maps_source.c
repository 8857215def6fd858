/* A target's maps, from the text or from PROCMAP_QUERY. See maps_source.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"

#define TORN_READ_TRIES 3	/* a torn read only happens on a changing target */

static int read_query(const struct target *t, char **text, struct maps *m)
{
	if (procmap_read(t->pid, m, text)) {
		maps_free(m);
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

static void explain_read(const struct target *t, const char *file, int code,
			 struct err *e)
{
	if (code == EACCES || code == EPERM)
		target_explain_denied(t, EACCES, e);
	else
		err_set(e, code, "cannot read /proc/%d/%s: %s", t->pid, file,
			code == ESRCH ? "the process has exited" : strerror(code));
}

int maps_source_read(const struct target *t, enum maps_file which, bool query,
		     char **text, struct maps *m, struct err *e)
{
	const bool maps = which == MAPS_FILE_MAPS;
	const char *file = maps ? "maps" : "smaps";

	if (maps && query && !read_query(t, text, m))
		return 0;
	for (int attempt = 1;; attempt++) {
		size_t len, bad;
		struct err pe;

		if (target_read(t, file, text, &len)) {
			explain_read(t, file, errno, e);
			return -1;
		}
		if (!maps_parse(*text, len, m, &bad, &pe))
			return 0;
		maps_free(m);
		free(*text);
		*text = NULL;
		if (pe.code == ENOMEM)
			return err_set(e, ENOMEM, "out of memory");
		if (pe.code == EAGAIN && attempt < TORN_READ_TRIES)
			continue;
		if (maps && !read_query(t, text, m))
			return 0;
		return err_set(e, EINVAL, "cannot parse /proc/%d/%s line %zu",
			       t->pid, file, bad);
	}
}
