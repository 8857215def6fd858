/* Freeze records in lock files: see freeze_record.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freeze/freeze.h"
#include "proc/proc.h"

#define RECORD_MAGIC "pmadv freeze record 1\n"

int record_format(const struct freeze_record *r, char *buf, size_t len)
{
	int n;

	if (r->kind == RECORD_STOP)
		n = snprintf(buf, len, RECORD_MAGIC "owner %d %llu\n"
			     "guardian %d %llu\nstop %d %llu\n"
			     "undo SIGCONT to process %d\n", (int)r->owner,
			     r->owner_start, (int)r->guardian,
			     r->guardian_start, (int)r->target,
			     r->target_start, (int)r->target);
	else
		/* the directory last: it runs to the end of the text, so
		 * any byte a cgroup name may hold survives */
		n = snprintf(buf, len, RECORD_MAGIC "owner %d %llu\n"
			     "guardian %d %llu\ncgroup %d %llu %llu\n"
			     "undo write %s to %s\ndir %s", (int)r->owner,
			     r->owner_start, (int)r->guardian,
			     r->guardian_start, r->version, r->dev, r->ino,
			     r->version == 2 ? "0" : "THAWED",
			     r->version == 2 ? "cgroup.freeze" : "freezer.state",
			     r->dir);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* "KEY N M\n" at *p: the two numbers; *p moves past the line. */
static int two_numbers(const char **p, const char *key, long long *a,
		       unsigned long long *b)
{
	size_t k = strlen(key);
	char *end;

	if (strncmp(*p, key, k) || (*p)[k] != ' ')
		return -1;
	*a = strtoll(*p + k + 1, &end, 10);
	if (*end != ' ')
		return -1;
	*b = strtoull(end + 1, &end, 10);
	if (*end != '\n' && *end != ' ')
		return -1;
	*p = strchr(end, '\n');
	if (!*p)
		return -1;
	(*p)++;
	return 0;
}

static int parse_cgroup(const char *p, struct freeze_record *r)
{
	const char *d;
	int n = 0;

	if (sscanf(p, "cgroup %d %llu %llu%n", &r->version, &r->dev, &r->ino,
		   &n) != 3 || n == 0 || (r->version != 1 && r->version != 2))
		return -1;
	d = strstr(p, "\ndir ");
	if (!d || strlen(d + 5) == 0 || strlen(d + 5) >= sizeof(r->dir) ||
	    d[5] != '/')
		return -1;
	strcpy(r->dir, d + 5);
	r->kind = RECORD_CGROUP;
	return 0;
}

int record_parse(const char *text, struct freeze_record *r)
{
	const char *p = text;
	long long v;

	memset(r, 0, sizeof(*r));
	if (strncmp(p, RECORD_MAGIC, strlen(RECORD_MAGIC)))
		return -1;
	p += strlen(RECORD_MAGIC);
	if (two_numbers(&p, "owner", &v, &r->owner_start) || v <= 0)
		return -1;
	r->owner = (pid_t)v;
	if (two_numbers(&p, "guardian", &v, &r->guardian_start) || v <= 0)
		return -1;
	r->guardian = (pid_t)v;
	if (!strncmp(p, "stop ", 5)) {
		if (two_numbers(&p, "stop", &v, &r->target_start) || v <= 0)
			return -1;
		r->target = (pid_t)v;
		r->kind = RECORD_STOP;
		return 0;
	}
	return parse_cgroup(p, r);
}

int record_write(int fd, const struct freeze_record *r, struct err *e)
{
	char buf[PATH_MAX + 512];
	int n = record_format(r, buf, sizeof(buf));

	if (n < 0)
		return err_set(e, ENAMETOOLONG, "cannot record the freeze: "
			       "too long");
	errno = 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return err_set(e, errno ? errno : EIO, "cannot record the "
			       "freeze: %s", strerror(errno ? errno : EIO));
	return 0;
}

void record_clear(int fd)
{
	if (fd >= 0)
		(void)!ftruncate(fd, 0);
}

unsigned long long record_start_time(pid_t pid)
{
	char path[64];
	struct procstat ps;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/stat");
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (procstat_read(AT_FDCWD, path, &ps) != 0)
		return 0;
	return ps.start_time;
}
