/*
 * pinger - a client of a redis server that asks PING every millisecond and
 * records how long each answer took: what a service's client feels while
 * pmadv freezes the server (bench/service-latency.sh).
 *
 * Usage: pinger (--unix PATH | --tcp HOST:PORT) [--interval-us N]
 *               [--ready FILE]
 *
 * Sends "PING" (inline command), waits for "+PONG\r\n", then sleeps until
 * N microseconds (default 1000) after the previous send; a late answer is
 * followed by the next PING at once (no catch-up burst). --ready FILE is
 * written after the first answer.
 *
 * SIGUSR1 prints the figures since the start or the previous SIGUSR1 and
 * starts over; SIGTERM/SIGINT print them and exit 0. A request under way
 * is always waited for first, so a long wait is never lost. One line on
 * stdout:
 *   samples=N max_ms=X p99_ms=Y p50_ms=Z
 * where each sample is the time from sending a PING to reading its PONG.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t want_report, want_exit;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_report = 1;
	else
		want_exit = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "pinger: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	return fd;
}

static int connect_tcp(char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	char *colon = strrchr(spec, ':');
	int fd = -1, rc;

	if (!colon) {
		fprintf(stderr, "pinger: --tcp wants HOST:PORT\n");
		exit(2);
	}
	*colon = '\0';
	rc = getaddrinfo(spec, colon + 1, &hints, &ai);
	if (rc) {
		fprintf(stderr, "pinger: %s: %s\n", spec, gai_strerror(rc));
		exit(1);
	}
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		die("connect");
	return fd;
}

static uint64_t *samples;
static size_t nsamples, cap;

static void record(uint64_t ns)
{
	if (nsamples == cap) {
		cap = cap ? cap * 2 : 65536;
		samples = realloc(samples, cap * sizeof(*samples));
		if (!samples)
			die("realloc");
	}
	samples[nsamples++] = ns;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(void)
{
	double p99 = 0, p50 = 0, max = 0;

	if (nsamples) {
		qsort(samples, nsamples, sizeof(*samples), cmp);
		max = samples[nsamples - 1] / 1e6;
		p99 = samples[(size_t)((nsamples - 1) * 0.99)] / 1e6;
		p50 = samples[(nsamples - 1) / 2] / 1e6;
	}
	printf("samples=%zu max_ms=%.1f p99_ms=%.2f p50_ms=%.3f\n", nsamples,
	       max, p99, p50);
	fflush(stdout);
	nsamples = 0;
}

/* one PING, its PONG read whole; 0, or -1 when the server went away */
static int ping(int fd)
{
	static const char req[] = "PING\r\n", want[] = "+PONG\r\n";
	char buf[64];
	size_t got = 0;

	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		return -1;
	while (got < sizeof(want) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(want) - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	if (memcmp(buf, want, sizeof(want) - 1)) {
		fprintf(stderr, "pinger: unexpected answer '%.*s'\n", (int)got, buf);
		exit(1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *unix_path = NULL, *ready = NULL;
	char *tcp = NULL;
	uint64_t interval = 1000000, next;
	struct sigaction sa;
	int fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--unix"))
			unix_path = argv[i + 1];
		else if (!strcmp(argv[i], "--tcp"))
			tcp = argv[i + 1];
		else if (!strcmp(argv[i], "--interval-us"))
			interval = strtoull(argv[i + 1], NULL, 10) * 1000;
		else if (!strcmp(argv[i], "--ready"))
			ready = argv[i + 1];
		else
			break;
	}
	if (!unix_path == !tcp || !interval || argc % 2 == 0) {
		fprintf(stderr, "usage: pinger (--unix PATH | --tcp HOST:PORT) "
			"[--interval-us N] [--ready FILE]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = unix_path ? connect_unix(unix_path) : connect_tcp(tcp);

	while (!want_exit) {
		uint64_t t0 = now_ns(), t1;
		struct timespec ts;

		if (ping(fd) < 0) {
			fprintf(stderr, "pinger: the server closed the connection\n");
			break;
		}
		t1 = now_ns();
		record(t1 - t0);
		if (ready) {
			FILE *f = fopen(ready, "w");

			if (!f || fputs("ready\n", f) < 0 || fclose(f))
				die(ready);
			ready = NULL;
		}
		if (want_report) {
			want_report = 0;
			report();
		}
		next = t0 + interval;
		if (next <= t1)
			continue;
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
		       !want_exit)
			;
	}
	report();
	return 0;
}
