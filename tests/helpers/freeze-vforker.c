/* freeze-vforker: a target SIGSTOP cannot stop in time. Its main thread
 * keeps vforking children that sleep for a minute, and waits for each in
 * the kernel in an uninterruptible (killable) sleep, state D, which a stop
 * signal does not interrupt; a second thread counts in a loop so the
 * process has a thread that does stop. The children die with the vforker.
 * Prints "ready" once the first child runs. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char stack[64 * 1024] __attribute__((aligned(16)));
static volatile unsigned long count;

static int child(void *arg)
{
	struct timespec ts = { 60, 0 };

	(void)arg;
	/* shares our memory until it exits: raw system calls only */
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	syscall(SYS_write, 1, "ready\n", 6);
	syscall(SYS_nanosleep, &ts, NULL);
	syscall(SYS_exit, 0);
	return 0;
}

static void *counter(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	for (;;) {
		count++;
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t th;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (pthread_create(&th, NULL, counter, NULL) != 0)
		return 1;
	for (;;) {
		pid_t pid = clone(child, stack + sizeof(stack),
				  CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);

		if (pid < 0) {
			perror("clone");
			return 1;
		}
		waitpid(pid, NULL, 0);
	}
}
