/* bench/timeit: wall time of a command, precisely (clock_gettime around
 * fork/exec/wait4), over repetitions.
 *
 *   timeit [-w WARMUP] [-n REPS] [-s SEED] [-o FILE] [-e PREFIX] -- CMD [ARG...] [::: CMD [ARG...]]...
 *
 * Runs each CMD WARMUP times (default 1, not counted), then REPS rounds
 * (default 7), each round running every CMD once in turn (interleaved, so
 * drift in the machine's speed hits all commands alike); with -s, in an
 * order shuffled anew each round from SEED, so that no CMD always follows
 * the same one (a run pays for work its predecessor left behind: here
 * bench/floor took 0.7 ms longer after a freeze run than after itself);
 * with stdin from /dev/null and stdout to FILE (appended; default /dev/null); with -e, the
 * stderr of the K-th CMD (from 0) is appended to PREFIX.K.
 * Prints one line per CMD, in order:
 *   median_ms min_ms max_ms maxrss_kb failed median_cpu_ms
 * median_cpu_ms is user + system CPU time (wait4's rusage), which other load
 * on the machine disturbs less than wall time; maxrss_kb is the largest peak RSS of the counted runs (wait4's rusage);
 * failed counts runs that did not exit 0. */
#include <string.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* splitmix64: a seeded sequence, the same on every machine */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Fisher-Yates over order[0..n) */
static void shuffle(int *order, int n, uint64_t *s)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(next_rand(s) % (uint64_t)(i + 1)), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
}

/* One run: wall ms; *rss_kb and *ok set from wait4. */
static double run(char **cmd, const char *out, const char *err, long *rss_kb,
		  int *ok, double *cpu_ms)
{
	struct rusage ru;
	double t0, t1;
	int status;
	pid_t pid;

	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		exit(1);
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0)
			_exit(126);
		if (err) {
			int efd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (efd < 0 || dup2(efd, 2) < 0)
				_exit(126);
		}
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		exit(1);
	}
	t1 = now_ms();
	*rss_kb = ru.ru_maxrss;
	*cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	*ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return t1 - t0;
}

int main(int argc, char **argv)
{
	int warm = 1, reps = 7, c, ncmd = 0, ok, order[64];
	uint64_t seed = 0;
	bool mix = false;
	const char *out = "/dev/null", *errp = NULL;
	char **cmd[64], errf[64][4096];
	long rss;
	double cpu;

	while ((c = getopt(argc, argv, "+w:n:s:o:e:")) != -1) {
		switch (c) {
		case 'w': warm = atoi(optarg); break;
		case 'n': reps = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); mix = true; break;
		case 'o': out = optarg; break;
		case 'e': errp = optarg; break;
		default: return 2;
		}
	}
	/* split the rest at ":::" into NULL-terminated argument vectors */
	for (int i = optind; i < argc; i++) {
		if (i == optind || !argv[i - 1]) {
			if (!strcmp(argv[i], ":::") || ncmd == 64)
				goto usage;
			cmd[ncmd++] = argv + i;
		}
		if (!strcmp(argv[i], ":::"))
			argv[i] = NULL;
	}
	if (!ncmd || reps < 1 || warm < 0)
		goto usage;
	for (int k = 0; k < ncmd && errp; k++)
		snprintf(errf[k], sizeof(errf[k]), "%s.%d", errp, k);

	double *t = malloc((size_t)ncmd * (size_t)reps * sizeof(*t));
	double *u = malloc((size_t)ncmd * (size_t)reps * sizeof(*u));
	long *maxrss = calloc((size_t)ncmd, sizeof(*maxrss));
	int *failed = calloc((size_t)ncmd, sizeof(*failed));

	if (!t || !u || !maxrss || !failed)
		return 1;
	for (int i = 0; i < warm; i++)
		for (int k = 0; k < ncmd; k++)
			run(cmd[k], "/dev/null", errp ? errf[k] : NULL, &rss, &ok,
			    &cpu);
	for (int k = 0; k < ncmd; k++)
		order[k] = k;
	for (int i = 0; i < reps; i++) {
		if (mix)
			shuffle(order, ncmd, &seed);
		for (int j = 0; j < ncmd; j++) {
			int k = order[j];

			t[k * reps + i] = run(cmd[k], out, errp ? errf[k] : NULL,
					      &rss, &ok, &cpu);
			u[k * reps + i] = cpu;
			if (rss > maxrss[k])
				maxrss[k] = rss;
			failed[k] += !ok;
		}
	}
	for (int k = 0; k < ncmd; k++) {
		double *v = t + k * reps, *w = u + k * reps;

		qsort(v, (size_t)reps, sizeof(*v), cmp);
		qsort(w, (size_t)reps, sizeof(*w), cmp);
		printf("%.3f %.3f %.3f %ld %d %.3f\n",
		       reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2,
		       v[0], v[reps - 1], maxrss[k], failed[k],
		       reps % 2 ? w[reps / 2] : (w[reps / 2 - 1] + w[reps / 2]) / 2);
	}
	return 0;
usage:
	fprintf(stderr, "usage: timeit [-w WARMUP] [-n REPS] [-s SEED] [-o FILE] [-e PREFIX] -- CMD [ARG...] [::: CMD [ARG...]]...\n");
	return 2;
}
