/* Trying a regex before compiling it. See regex_guard.h. */
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/lib.h"

#define TRY_CPU_S 1
#define TRY_WALL_MS 3000
#define TRY_MEM (1ULL << 30)

/* Deepest nesting of groups; escaped parentheses and those inside a
 * bracket expression do not count. */
static unsigned int depth_of(const char *s)
{
	unsigned int depth = 0, max = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '[') {
			/* "[]...]" and "[^]...]": the first ] is literal */
			p += p[1] == '^' ? 2 : 1;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			if (!*p)
				break;
		} else if (*p == '(' && ++depth > max) {
			max = depth;
		} else if (*p == ')' && depth) {
			depth--;
		}
	}
	return max;
}

/* An AddressSanitizer build, as gcc (__SANITIZE_ADDRESS__) and clang
 * (__has_feature) each say it. */
#if defined(__SANITIZE_ADDRESS__)
#define PMADV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PMADV_ASAN 1
#endif
#endif
#ifndef PMADV_ASAN
#define PMADV_ASAN 0
#endif

/* In the child: compile under limits; the exit status says how it went. */
static void try_compile(const char *src)
{
	struct rlimit cpu = { TRY_CPU_S, TRY_CPU_S + 1 };
	regex_t re;

	setrlimit(RLIMIT_CPU, &cpu);
#if !PMADV_ASAN	/* ASan reserves terabytes of address space */
	struct rlimit mem = { TRY_MEM, TRY_MEM };
	setrlimit(RLIMIT_AS, &mem);
#endif
	_exit(regcomp(&re, src, REG_EXTENDED | REG_NOSUB) == REG_ESPACE ? 3 : 0);
}

/* Wait for the child at most TRY_WALL_MS; kill it past that. */
static int reap(pid_t pid)
{
	int fd = sys_pidfd_open(pid, 0), status = 0;
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (fd >= 0 && poll(&pfd, 1, TRY_WALL_MS) == 0)
		kill(pid, SIGKILL);
	if (fd >= 0)
		close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int regex_guard(const char *src, struct err *e)
{
	size_t len = strlen(src);
	pid_t pid;
	int status;

	if (len > REGEX_MAX_LEN)
		return err_set(e, EINVAL, "too long (%zu bytes; at most %d)", len,
			       REGEX_MAX_LEN);
	if (depth_of(src) > REGEX_MAX_DEPTH)
		return err_set(e, EINVAL, "groups nested %u deep (at most %d)",
			       depth_of(src), REGEX_MAX_DEPTH);
	pid = fork();
	if (pid < 0)
		return 0;	/* cannot try: the length and depth bounds hold */
	if (pid == 0)
		try_compile(src);
	status = reap(pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return err_set(e, EINVAL, "too complex: compiling it takes more than %d s "
		       "of CPU or %llu MiB (simplify the repetitions)", TRY_CPU_S,
		       TRY_MEM >> 20);
}
