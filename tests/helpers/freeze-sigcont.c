/* freeze-sigcont FILE: a target that counts the SIGCONTs it receives, to
 * tell whether pmadv sent one. FILE (created, one page) is mapped shared;
 * little-endian 64-bit words:
 *   word 0   iterations of a thread that sleeps 1 ms per round
 *   word 1   SIGCONTs handled
 * Prints "ready" once the thread counts. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "words.h"

static volatile uint64_t *words;

static void on_cont(int sig)
{
	(void)sig;
	__atomic_add_fetch(&words[1], 1, __ATOMIC_RELAXED);
}

static void *count(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	for (;;) {
		__atomic_add_fetch(&words[0], 1, __ATOMIC_RELAXED);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_cont, .sa_flags = SA_RESTART };
	struct timespec ms = { 0, 1000000 };
	pthread_t th;

	if (argc != 2) {
		fprintf(stderr, "usage: freeze-sigcont FILE\n");
		return 2;
	}
	words = map_words(argv[1]);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCONT, &sa, NULL) != 0 ||
	    pthread_create(&th, NULL, count, NULL) != 0)
		return 1;
	while (__atomic_load_n(&words[0], __ATOMIC_RELAXED) == 0)
		nanosleep(&ms, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
