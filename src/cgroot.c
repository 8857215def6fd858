/* Root cgroups for the guardian: see cgroot.h. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroot.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static bool has_opt(const char *opts, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = opts; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, want, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* One mountinfo line: the root cgroup of v2 or of name=systemd? */
static void consider(char *line, struct cgroot *r)
{
	char *f[6], *save = NULL, *dash, *fstype, *opts;
	unsigned int kind;
	size_t i;

	dash = strstr(line, " - ");
	if (!dash || r->n >= CGROOT_MAX)
		return;
	*dash = '\0';
	for (i = 0; i < 6; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return;
	fstype = strtok_r(dash + 3, " ", &save);
	(void)strtok_r(NULL, " ", &save);		/* source */
	opts = strtok_r(NULL, " \n", &save);
	/* only a mount of the hierarchy's root (field 4) is its root cgroup */
	if (!fstype || !opts || strcmp(f[3], "/"))
		return;
	if (!strcmp(fstype, "cgroup2"))
		kind = 1;
	else if (!strcmp(fstype, "cgroup") && has_opt(opts, "name=systemd"))
		kind = 2;
	else
		return;
	if (r->seen & kind)
		return;		/* mounted twice: once is enough */
	unescape(f[4]);
	if (snprintf(r->procs[r->n], PATH_MAX, "%s/cgroup.procs", f[4]) < PATH_MAX) {
		r->n++;
		r->seen |= kind;
	}
}

void cgroot_find(struct cgroot *r)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	r->n = 0;
	r->seen = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		consider(line, r);
	free(line);
	fclose(f);
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
