/*
 * check.h - a tiny assertion kit for pmadv's unit tests.
 *
 * Every CHECK* counts a pass or a failure; a failure prints
 * "FILE:LINE: expression: got X, expected Y" on stderr and testing goes on.
 * main() ends with `return check_done();`, which prints "N passed, M failed"
 * and returns non-zero when anything failed.
 */
#ifndef PMADV_CHECK_H
#define PMADV_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;
/* Context for failure messages (CHECK_NOTE): printed after each failure. */
static char check_note[256];

#define CHECK_UNUSED __attribute__((unused))

static CHECK_UNUSED void check_print_note(void)
{
	if (check_note[0])
		fprintf(stderr, "    (while checking: %s)\n", check_note);
}

static CHECK_UNUSED int check_result(int ok)
{
	if (ok)
		check_passed++;
	else
		check_failed++;
	return ok;
}

/* Printable rendering of a byte string for failure messages. */
static CHECK_UNUSED void check_print_str(const char *s)
{
	if (!s) {
		fputs("NULL", stderr);
		return;
	}
	fputc('"', stderr);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(stderr, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('"', stderr);
}

/* Boolean condition. */
#define CHECK(cond)                                                         \
	do {                                                                \
		if (!check_result(!!(cond)))            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",        \
				__FILE__, __LINE__, #cond),                 \
			check_print_note();                                 \
	} while (0)

/* Signed integers (return codes, enums). */
#define CHECK_INT(got, want)                                                \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		if (!check_result(g_ == w_))            \
			fprintf(stderr,                                     \
				"%s:%d: %s: got %lld, expected %lld (%s)\n", \
				__FILE__, __LINE__, #got, g_, w_, #want),   \
			check_print_note();                                 \
	} while (0)

/* Unsigned 64-bit values, shown in decimal and hex. */
#define CHECK_U64(got, want)                                                \
	do {                                                                \
		unsigned long long g_ = (unsigned long long)(got),          \
				   w_ = (unsigned long long)(want);         \
		if (!check_result(g_ == w_))            \
			fprintf(stderr,                                     \
				"%s:%d: %s: got %llu (0x%llx), expected "   \
				"%llu (0x%llx) (%s)\n",                     \
				__FILE__, __LINE__, #got, g_, g_, w_, w_,   \
				#want),                                     \
			check_print_note();                                 \
	} while (0)

/* NUL-terminated strings; NULL only equals NULL. */
#define CHECK_STR(got, want)                                                \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		int ok_ = (g_ && w_) ? !strcmp(g_, w_) : g_ == w_;          \
		if (!check_result(ok_)) {               \
			fprintf(stderr, "%s:%d: %s: got ", __FILE__,        \
				__LINE__, #got);                            \
			check_print_str(g_);                                \
			fputs(", expected ", stderr);                       \
			check_print_str(w_);                                \
			fputc('\n', stderr);                                \
			check_print_note();                                 \
		}                                                           \
	} while (0)

/* Context for the following failure messages, e.g. the input under test;
 * CHECK_NOTE("") clears it. */
#define CHECK_NOTE(...) snprintf(check_note, sizeof(check_note), __VA_ARGS__)

static CHECK_UNUSED int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

/* Reads DIR/NAME whole, NUL-terminated (maps_parse wants text[len] == 0).
 * A missing fixture is a failure, not a crash: returns NULL then. */
static CHECK_UNUSED char *check_read_fixture(const char *dir, const char *name,
					     size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		check_failed++;
		fprintf(stderr, "cannot open fixture %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			if (!buf) {
				perror("realloc");
				exit(2);
			}
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

#endif
