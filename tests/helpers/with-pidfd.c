/*
 * with-pidfd - run a command with a pidfd (or something else) at a given fd.
 *
 *   with-pidfd PID FD CMD [ARG...]
 *       pidfd_open(PID, 0) and hand it down as fd FD (close-on-exec cleared).
 *   with-pidfd --exited FD CMD [ARG...]
 *       fork a child that exits at once, open its pidfd, reap it, and hand
 *       down that pidfd of a process that no longer exists.
 *   with-pidfd --not-pidfd FD CMD [ARG...]
 *       hand down /dev/null (not a pidfd) as fd FD.
 *   with-pidfd --procfd PID FD CMD [ARG...]
 *       hand down an O_DIRECTORY fd of /proc/PID (not a pidfd either).
 *   with-pidfd --thread TID FD CMD [ARG...]
 *       pidfd_open(TID, PIDFD_THREAD): a pidfd of one thread (Linux 6.9+).
 *
 * Exits 127 with a message if the setup fails (so a test can tell a helper
 * failure from the command's own exit status).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static void fail(const char *what)
{
	fprintf(stderr, "with-pidfd: %s: %s\n", what, strerror(errno));
	exit(127);
}

static void usage(void)
{
	fputs("usage: with-pidfd PID FD CMD [ARG...]\n"
	      "       with-pidfd --exited FD CMD [ARG...]\n"
	      "       with-pidfd --not-pidfd FD CMD [ARG...]\n"
	      "       with-pidfd --procfd PID FD CMD [ARG...]\n"
	      "       with-pidfd --thread TID FD CMD [ARG...]\n", stderr);
	exit(127);
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		usage();
	return v;
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Put fd at target (without close-on-exec) and exec argv. */
static void hand_down(int fd, int target, char **argv)
{
	if (fd != target) {
		if (dup2(fd, target) < 0)	/* dup2 clears FD_CLOEXEC */
			fail("dup2");
		close(fd);
	} else if (fcntl(target, F_SETFD, 0) < 0) {
		fail("fcntl");
	}
	execvp(argv[0], argv);
	fprintf(stderr, "with-pidfd: exec %s: %s\n", argv[0], strerror(errno));
	exit(127);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "--exited")) {
		pid_t child;

		if (argc < 4)
			usage();
		child = fork();
		if (child < 0)
			fail("fork");
		if (child == 0)
			_exit(0);
		fd = pidfd_open(child);
		if (fd < 0)
			fail("pidfd_open");
		if (waitpid(child, NULL, 0) != child)
			fail("waitpid");
		hand_down(fd, (int)num(argv[2]), argv + 3);
	} else if (!strcmp(argv[1], "--not-pidfd")) {
		if (argc < 4)
			usage();
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fail("open /dev/null");
		hand_down(fd, (int)num(argv[2]), argv + 3);
	} else if (!strcmp(argv[1], "--procfd")) {
		char path[64];

		if (argc < 5)
			usage();
		snprintf(path, sizeof(path), "/proc/%ld", num(argv[2]));
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fail(path);
		hand_down(fd, (int)num(argv[3]), argv + 4);
	} else if (!strcmp(argv[1], "--thread")) {
		if (argc < 5)
			usage();
		/* PIDFD_THREAD is O_EXCL */
		fd = (int)syscall(SYS_pidfd_open, (pid_t)num(argv[2]), O_EXCL);
		if (fd < 0)
			fail("pidfd_open(PIDFD_THREAD)");
		hand_down(fd, (int)num(argv[3]), argv + 4);
	} else {
		if (argc < 4)
			usage();
		fd = pidfd_open((pid_t)num(argv[1]));
		if (fd < 0)
			fail("pidfd_open");
		hand_down(fd, (int)num(argv[2]), argv + 3);
	}
	return 127;
}
