/* Root cgroups for the guardian: see cgroot.h. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freeze/freeze.h"

/* Is word one of the comma-separated options? */
static bool has_option(const char *opts, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* A mountinfo line: root, mount point, file system type, super options
 * (fields 4, 5, after " - ": 1 and 3). The point stays escaped (\040):
 * such a point is skipped. */
static void consider(struct cgroot *r, char *line)
{
	char *f[6] = { 0 }, *save = NULL, *p, *dash = strstr(line, " - ");
	int i = 0;

	if (!dash)
		return;
	*dash = '\0';
	for (p = strtok_r(line, " ", &save); p && i < 5; p = strtok_r(NULL, " ", &save))
		f[i++] = p;
	if (i < 5 || strcmp(f[3], "/") || strchr(f[4], '\\'))
		return;		/* not a hierarchy's root */
	save = NULL;
	{
		char *type = strtok_r(dash + 3, " ", &save), *opts;

		(void)strtok_r(NULL, " ", &save);	/* source */
		opts = strtok_r(NULL, " \n", &save);
		if (!type || !opts)
			return;
		if (strcmp(type, "cgroup2") &&
		    !(strcmp(type, "cgroup") == 0 &&
		      (has_option(opts, "freezer") || has_option(opts, "cpu") ||
		       has_option(opts, "cpuacct") ||
		       has_option(opts, "name=systemd"))))
			return;
	}
	if (r->n < CGROOT_MAX &&
	    snprintf(r->procs[r->n], CGROOT_PATH, "%s/cgroup.procs", f[4]) <
	    CGROOT_PATH)
		r->n++;
}

void cgroot_find(struct cgroot *r)
{
	FILE *m = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	r->n = 0;
	if (!m)
		return;
	/* a hierarchy mounted twice is entered twice: that changes nothing */
	while (getline(&line, &cap, m) > 0)
		consider(r, line);
	free(line);
	fclose(m);
}

void cgroot_enter(const struct cgroot *r)
{
	for (size_t i = 0; i < r->n; i++) {
		int fd = open(r->procs[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		(void)!write(fd, "0", 1);	/* "0": the writer itself */
		close(fd);
	}
}
