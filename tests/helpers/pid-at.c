/*
 * pid-at - run a command as process PID, for tests of PID reuse (root).
 *
 *   pid-at PID CMD [ARG...]
 *
 * Writes PID-1 to /proc/sys/kernel/ns_last_pid and forks: the kernel gives
 * the child the next free PID, which is PID unless another fork came in
 * between; retried a few times. The child execs CMD; the parent prints the
 * child's PID on stdout and exits 0 when it got PID, else kills the child
 * and exits 1. Exits 127 if it cannot try at all.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long want;
	int fd;

	if (argc < 3 || (want = strtol(argv[1], NULL, 10)) < 2) {
		fprintf(stderr, "usage: pid-at PID CMD [ARG...]\n");
		return 127;
	}
	fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		perror("ns_last_pid");
		return 127;
	}
	for (int attempt = 0; attempt < 50; attempt++) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%ld", want - 1);
		pid_t pid;

		if (pwrite(fd, buf, (size_t)n, 0) != n) {
			perror("ns_last_pid");
			return 127;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 127;
		}
		if (pid == 0) {
			if (getpid() != want)
				_exit(0);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid == want) {
			printf("%d\n", (int)pid);
			return 0;
		}
		waitpid(pid, NULL, 0);
	}
	fprintf(stderr, "pid-at: PID %ld was never given\n", want);
	return 1;
}
