/* freeze-tracer PID: attach to PID as its tracer with PTRACE_SEIZE (the
 * tracee keeps running, TracerPid becomes ours), print "ready", and stay
 * until killed (detaching then is the kernel's job). Signals the tracee gets
 * meanwhile are passed on. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: freeze-tracer PID\n");
		return 2;
	}
	pid = (pid_t)strtol(argv[1], NULL, 10);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
		perror("PTRACE_SEIZE");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (waitpid(pid, &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return 0;
		if (WIFSTOPPED(st))
			ptrace(PTRACE_CONT, pid, NULL,
			       (void *)(long)(st >> 16 ? 0 : WSTOPSIG(st)));
	}
}
