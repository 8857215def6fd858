/* bench/peakrss: peak RSS of a command, for machines without /usr/bin/time.
 *
 *   peakrss CMD [ARG...]
 *
 * Runs CMD (stdout to /dev/null), waits with wait4 and prints its
 * ru_maxrss in KiB, as `/usr/bin/time -f %M` does. Exits with CMD's status. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: peakrss CMD [ARG...]\n");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("peakrss");
		return 1;
	}
	printf("%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
