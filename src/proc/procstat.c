/* /proc/PID/stat, comm and small-file reads: see proc.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/proc.h"

#define FIELD_PPID 4
#define FIELD_FLAGS 9
#define FIELD_MINFLT 10
#define FIELD_MAJFLT 12
#define FIELD_START 22

int procstat_parse(const char *line, struct procstat *ps)
{
	const char *p = strrchr(line, ')');
	char *end;

	if (!p || p[1] != ' ' || !p[2] || p[2] == ' ' || p[2] == '\n')
		return -1;
	ps->state = p[2];
	p += 3;
	/* p is past field 3; each field after it is " VALUE" */
	for (int field = 4; field <= FIELD_START; field++) {
		if (*p != ' ' || !p[1] || p[1] == ' ' || p[1] == '\n')
			return -1;
		p++;
		if (field == FIELD_FLAGS || field == FIELD_START ||
		    field == FIELD_MINFLT || field == FIELD_MAJFLT ||
		    field == FIELD_PPID) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p || (*end != ' ' && *end != '\n' && *end))
				return -1;
			if (field == FIELD_PPID)
				ps->ppid = (pid_t)v;
			else if (field == FIELD_FLAGS)
				ps->flags = (unsigned long)v;
			else if (field == FIELD_MINFLT)
				ps->minflt = v;
			else if (field == FIELD_MAJFLT)
				ps->majflt = v;
			else
				ps->start_time = v;
			p = end;
		} else {
			p += strcspn(p, " \n");
		}
	}
	return 0;
}

int procstat_read(int dirfd, const char *path, struct procstat *ps)
{
	char buf[1024];

	if (proc_read_small(dirfd, path, buf, sizeof(buf)) < 0)
		return -1;
	if (procstat_parse(buf, ps) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int procstat_of(pid_t pid, struct procstat *ps)
{
	char path[32];

	if (!pid)
		return procstat_read(AT_FDCWD, "/proc/self/stat", ps);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return procstat_read(AT_FDCWD, path, ps);
}

ssize_t proc_read_small(int dirfd, const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, saved;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int proc_key_long(int dirfd, const char *path, const char *key, long *v)
{
	char buf[4096];
	size_t n = strlen(key);

	if (proc_read_small(dirfd, path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n)) {
			*v = strtol(p + n, NULL, 10);
			break;
		}
	return 0;
}

struct live_walk {
	int (*fn)(pid_t tid, char state, void *ctx);
	void *ctx;
};

static int live_one(int dirfd, pid_t tid, void *ctx)
{
	struct live_walk *w = ctx;
	struct procstat ps;
	char path[64];

	snprintf(path, sizeof(path), "%d/stat", (int)tid);
	if (procstat_read(dirfd, path, &ps) != 0 || ps.state == 'Z' ||
	    ps.state == 'X' || ps.state == 'x')
		return 0;	/* gone, or going */
	return w->fn(tid, ps.state, w->ctx);
}

int proc_each_live_task(pid_t pid, int (*fn)(pid_t tid, char state, void *ctx),
			void *ctx)
{
	struct live_walk w = { fn, ctx };

	return proc_each_task(pid, live_one, &w);
}

void proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = proc_read_small(AT_FDCWD, path, buf, len);
	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	/* comm is the target's choice: keep it printable */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

pid_t proc_name_pid(const char *name)
{
	if (!*name)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return (pid_t)atoi(name);
}

int proc_each_task(pid_t pid, int (*fn)(int dirfd, pid_t tid, void *ctx),
		   void *ctx)
{
	struct dirent *de;
	char path[64];
	int rc = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	while (rc == 0 && (de = readdir(d))) {
		pid_t tid = proc_name_pid(de->d_name);

		if (tid)
			rc = fn(dirfd(d), tid, ctx);
	}
	closedir(d);
	return rc;
}
