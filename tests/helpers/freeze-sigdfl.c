/* freeze-sigdfl CMD [ARG...]: run CMD with SIGINT and SIGQUIT at their
 * default action. A non-interactive shell starts background commands with
 * them ignored, and no shell can undo that; tests of pmadv's reaction to
 * SIGINT need it undone. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: freeze-sigdfl CMD [ARG...]\n");
		return 2;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
