/* freeze-clonevm FILE [late]: a target whose address space is shared by
 * another process, not a thread: clone(CLONE_VM) without CLONE_THREAD, as
 * vfork and posix_spawn do, but lasting. A freeze of the target (its stop,
 * its cgroup) does not hold that process unless pmadv sees to it.
 * late: the process is created only when SIGUSR1 arrives (in the handler,
 * at once), and "ready 0" is printed first: a sharer born between pmadv's
 * look-ahead and its freeze.
 *
 * FILE (created, one page) is mapped shared; little-endian 64-bit words:
 *   word 0   iterations of the main process (1 ms sleep per round)
 *   word 1   iterations of the CLONE_VM child (1 ms sleep per round)
 * The child is named "clonevm-child" and dies with the main process.
 * Prints "ready CHILD_PID" once both count. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "words.h"

static volatile uint64_t *words;
static char stack[64 * 1024] __attribute__((aligned(16)));

static int child(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	/* shares our memory and our TLS: raw system calls only */
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	syscall(SYS_prctl, PR_SET_NAME, "clonevm-child", 0, 0, 0);
	for (;;) {
		__atomic_add_fetch(&words[1], 1, __ATOMIC_RELAXED);
		syscall(SYS_nanosleep, &ms, NULL);
	}
	return 0;
}

static void spawn_late(int sig)
{
	(void)sig;
	clone(child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000000 };
	pid_t pid;

	if (argc != 2 && !(argc == 3 && !strcmp(argv[2], "late"))) {
		fprintf(stderr, "usage: freeze-clonevm FILE [late]\n");
		return 2;
	}
	words = map_words(argv[1]);
	if (argc == 3) {
		signal(SIGUSR1, spawn_late);
		printf("ready 0\n");
		fflush(stdout);
		for (;;) {
			__atomic_add_fetch(&words[0], 1, __ATOMIC_RELAXED);
			nanosleep(&ms, NULL);
		}
	}
	pid = clone(child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	if (pid < 0) {
		perror("clone");
		return 1;
	}
	while (__atomic_load_n(&words[1], __ATOMIC_RELAXED) == 0)
		nanosleep(&ms, NULL);
	printf("ready %d\n", (int)pid);
	fflush(stdout);
	for (;;) {
		__atomic_add_fetch(&words[0], 1, __ATOMIC_RELAXED);
		nanosleep(&ms, NULL);
	}
}
