/* Unit tests: escape_str (terminal and JSON modes) and utf8_seq_len, against
 * fixed cases, an independent reference implementation, exhaustive short
 * inputs, random inputs, and jq as the JSON judge. */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "lib/lib.h"
#include "utf8_ref.h"


static uint32_t decode(const unsigned char *s, int n)
{
	static const unsigned char mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & mask[n];

	for (int i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* Shown out of order or on another line by a terminal (Unicode bidi
 * controls ALM, LRM, RLM, LRE..RLO, LRI..PDI; LS, PS). */
static int ref_reorders(uint32_t cp)
{
	static const uint32_t v[] = { 0x61c, 0x200e, 0x200f, 0x2028, 0x2029,
				      0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
				      0x2066, 0x2067, 0x2068, 0x2069 };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] == cp)
			return 1;
	return 0;
}

/* What terminal mode must produce. */
static char *ref_terminal(const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	char *out = malloc(strlen(in) * 8 + 1), *o = out;

	while (*p) {
		int n = ref_utf8_len(p);

		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			o += sprintf(o, "\\x%02x", *p++);
		} else if ((n == 2 && decode(p, 2) < 0xa0) || (n > 1 && ref_reorders(decode(p, n)))) {
			for (int k = 0; k < n; k++)
				o += sprintf(o, "\\x%02x", *p++);
		} else {
			memcpy(o, p, (size_t)n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

/* The code points a JSON parser must read back from JSON mode's output:
 * the input's characters, each invalid byte as the four characters \xHH. */
static size_t ref_json_cps(const char *in, uint32_t *cps)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;

	while (*p) {
		int len = ref_utf8_len(p);

		if (len == 0) {
			char hex[3];
			snprintf(hex, sizeof(hex), "%02x", *p++);
			cps[n++] = '\\';
			cps[n++] = 'x';
			cps[n++] = (uint32_t)hex[0];
			cps[n++] = (uint32_t)hex[1];
		} else {
			cps[n++] = decode(p, len);
			p += len;
		}
	}
	return n;
}

/* A strict JSON string-contents parser: returns the number of code points,
 * or -1 (with *why) when the text is not valid inside "...". */
static long json_contents(const char *s, uint32_t *cps, const char **why)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		int len;

		if (*p == '"') {
			*why = "unescaped quote";
			return -1;
		}
		if (*p < 0x20) {
			*why = "raw control character";
			return -1;
		}
		if (*p == '\\') {
			static const char simple[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
			const char *k;

			p++;
			if (*p == 'u') {
				uint32_t cp = 0;
				for (int i = 1; i <= 4; i++) {
					char c = (char)p[i];
					if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
					      (c >= 'A' && c <= 'F'))) {
						*why = "bad \\u escape";
						return -1;
					}
					cp = cp << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
				}
				if (cp >= 0xd800 && cp <= 0xdfff) {
					*why = "surrogate \\u escape";	/* escape_str never needs one */
					return -1;
				}
				cps[n++] = cp;
				p += 5;
				continue;
			}
			if (!*p || !(k = strchr(simple, *p))) {
				*why = "bad escape";
				return -1;
			}
			cps[n++] = (unsigned char)val[k - simple];
			p++;
			continue;
		}
		len = ref_utf8_len(p);
		if (!len) {
			*why = "invalid UTF-8";
			return -1;
		}
		cps[n++] = decode(p, len);
		p += len;
	}
	return n;
}

/* ---- checks of one input in both modes ---- */
static unsigned long long n_checked;

/* Returns 0 when both modes are right for s (counted once, quietly). */
static int verify(const char *s)
{
	char *t = escape_str(s, ESCAPE_TERMINAL), *rt = ref_terminal(s);
	char *j = escape_str(s, ESCAPE_JSON);
	size_t len = strlen(s);
	uint32_t *want = malloc((len * 4 + 1) * sizeof(*want));
	uint32_t *got = malloc((len * 6 + 1) * sizeof(*got));
	size_t nwant = ref_json_cps(s, want);
	const char *why = NULL;
	long ngot;
	int bad = 0;

	n_checked++;
	if (!t || strcmp(t, rt)) {
		fprintf(stderr, "terminal mode: input ");
		check_print_str(s);
		fprintf(stderr, " gave ");
		check_print_str(t);
		fprintf(stderr, ", expected ");
		check_print_str(rt);
		fputc('\n', stderr);
		bad = 1;
	}
	ngot = j ? json_contents(j, got, &why) : -1;
	if (ngot < 0 || (size_t)ngot != nwant ||
	    memcmp(got, want, nwant * sizeof(*got))) {
		fprintf(stderr, "json mode: input ");
		check_print_str(s);
		fprintf(stderr, " gave ");
		check_print_str(j);
		fprintf(stderr, ": %s\n", why ? why : "decodes to other characters");
		bad = 1;
	}
	free(t);
	free(rt);
	free(j);
	free(want);
	free(got);
	return bad;
}

static void fixed(enum escape_mode mode, const char *in, const char *want)
{
	char *got = escape_str(in, mode);

	CHECK_NOTE("%s: %s", mode == ESCAPE_JSON ? "json" : "terminal", want);
	CHECK_STR(got, want);
	free(got);
	CHECK_INT(verify(in), 0);
}

#define term(in, want) fixed(ESCAPE_TERMINAL, in, want)
#define json(in, want) fixed(ESCAPE_JSON, in, want)

static void test_fixed(void)
{
	term("", "");
	term("/usr/lib/libc.so.6", "/usr/lib/libc.so.6");
	term("a file with spaces", "a file with spaces");
	term("/tmp/new\\012line", "/tmp/new\\012line");	/* the kernel's escape stays */
	term("a\033[31mred", "a\\x1b[31mred");
	term("\033]0;title\007", "\\x1b]0;title\\x07");
	term("\n", "\\x0a");
	term("\r\t\b", "\\x0d\\x09\\x08");
	term("\001\037", "\\x01\\x1f");
	term("del\177", "del\\x7f");
	/* right-to-left override, line separator, isolates: reordering */
	term("evil\xe2\x80\xaetxt.exe", "evil\\xe2\\x80\\xaetxt.exe");
	term("a\xe2\x80\xa8" "b", "a\\xe2\\x80\\xa8b");
	term("\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");
	term("\xd8\x9c", "\\xd8\\x9c");
	term("\xe2\x80\x8f", "\\xe2\\x80\\x8f");
	term("\xe2\x80\xaf", "\xe2\x80\xaf");	/* narrow no-break space: fine */
	json("evil\xe2\x80\xaetxt", "evil\\u202etxt");
	json("a\xe2\x80\xa9" "b\xe2\x81\xa7", "a\\u2029b\\u2067");
	term("\302\233" "2J", "\\xc2\\x9b2J");	/* C1 CSI */
	term("\302\200\302\237", "\\xc2\\x80\\xc2\\x9f");
	term("\302\240", "\302\240");		/* NBSP: printable */
	term("caf\303\251", "caf\303\251");
	term("\342\202\254", "\342\202\254");	/* euro sign */
	term("\360\237\230\200", "\360\237\230\200");	/* emoji */
	term("\364\217\277\277", "\364\217\277\277");	/* U+10FFFF */
	term("\377", "\\xff");
	term("bad\377utf8", "bad\\xffutf8");
	term("\300\257", "\\xc0\\xaf");		/* overlong '/' */
	term("\340\200\257", "\\xe0\\x80\\xaf");	/* overlong */
	term("\355\240\200", "\\xed\\xa0\\x80");	/* surrogate */
	term("\364\220\200\200", "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
	term("\365\200\200\200", "\\xf5\\x80\\x80\\x80");
	term("\342\202", "\\xe2\\x82");		/* truncated */
	term("\342\202x", "\\xe2\\x82x");
	term("\200", "\\x80");			/* lone continuation */
	term("\303\033", "\\xc3\\x1b");		/* a control inside a broken sequence */

	json("", "");
	json("plain", "plain");
	json("\"", "\\\"");
	json("\\", "\\\\");
	json("a\"b\\c", "a\\\"b\\\\c");
	json("/tmp/new\\012line", "/tmp/new\\\\012line");
	json("\n", "\\u000a");
	json("\001\037", "\\u0001\\u001f");
	json("\033[31m", "\\u001b[31m");
	json("\177", "\\u007f");
	json("caf\303\251", "caf\303\251");
	json("\360\237\230\200", "\360\237\230\200");
	json("\302\233", "\\u009b");	/* C1 controls as \\u, as the other outputs escape them */
	json("\302\200\302\237\302\240", "\\u0080\\u009f\302\240");
	json("\377", "\\\\xff");
	json("bad\377utf8", "bad\\\\xffutf8");
	json("\355\240\200", "\\\\xed\\\\xa0\\\\x80");
	CHECK_NOTE("%s", "");
}

static void test_utf8_seq_len(void)
{
	static const struct { const char *s; int n; } cases[] = {
		{ "a", 1 }, { "\177", 1 }, { "\303\251", 2 }, { "\302\200", 2 },
		{ "\337\277", 2 }, { "\340\240\200", 3 }, { "\342\202\254", 3 },
		{ "\355\237\277", 3 }, { "\356\200\200", 3 }, { "\357\277\277", 3 },
		{ "\360\220\200\200", 4 }, { "\364\217\277\277", 4 },
		{ "\300\200", 0 }, { "\301\277", 0 }, { "\340\237\277", 0 },
		{ "\355\240\200", 0 }, { "\355\277\277", 0 }, { "\360\217\277\277", 0 },
		{ "\364\220\200\200", 0 }, { "\365\200\200\200", 0 }, { "\370", 0 },
		{ "\377", 0 }, { "\200", 0 }, { "\277", 0 }, { "\303", 0 },
		{ "\342\202", 0 }, { "\360\237\230", 0 }, { "\303a", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_NOTE("utf8_seq_len case %zu", i);
		CHECK_INT(utf8_seq_len((const unsigned char *)cases[i].s), cases[i].n);
	}
	CHECK_NOTE("%s", "");
}

/* Every 1- and 2-byte string, 3-byte strings from multibyte leads, and
 * utf8_seq_len against the table for all 4-byte prefixes that matter. */
static void test_exhaustive(void)
{
	unsigned char s[5] = { 0 };
	unsigned long bad = 0, lenbad = 0;

	for (int a = 1; a < 256; a++) {
		s[0] = (unsigned char)a, s[1] = 0;
		bad += verify((char *)s) != 0;
		for (int b = 1; b < 256; b++) {
			s[1] = (unsigned char)b, s[2] = 0;
			bad += verify((char *)s) != 0;
			if (a < 0xc0 && a != 0x1b && a != 'x')
				continue;
			for (int c = 1; c < 256; c += (a >= 0xe0 ? 1 : 17)) {
				s[2] = (unsigned char)c, s[3] = 0;
				bad += verify((char *)s) != 0;
				if (a >= 0xf0 && a <= 0xf4) {
					for (int d = 0x70; d < 0xd0; d++) {
						s[3] = (unsigned char)d;
						lenbad += utf8_seq_len(s) != ref_utf8_len(s);
					}
					s[3] = 0;
				}
			}
		}
		if (bad > 20)
			break;	/* the first reports say enough */
	}
	CHECK_NOTE("exhaustive short strings");
	CHECK_U64(bad, 0);
	CHECK_U64(lenbad, 0);
	CHECK_NOTE("%s", "");
}

/* Random strings biased toward the interesting bytes. */
static void test_random(void)
{
	static const unsigned char pool[] = {
		0x01, 0x07, 0x08, 0x0a, 0x1b, 0x1f, 0x7f, '"', '\\', '[', 'a',
		'/', ' ', 0x80, 0x9b, 0xa0, 0xbf, 0xc0, 0xc2, 0xc3, 0xdf, 0xe0,
		0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char s[64];
	unsigned long bad = 0;

	for (int i = 0; i < 200000 && bad < 20; i++) {
		int len;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = (int)(x % 40);
		for (int k = 0; k < len; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			s[k] = (char)((x >> 8) % 4 ? pool[x % sizeof(pool)] : (x >> 16) % 255 + 1);
		}
		s[len] = '\0';
		bad += verify(s) != 0;
	}
	CHECK_NOTE("random strings");
	CHECK_U64(bad, 0);
	CHECK_NOTE("%s", "");
}

/* Worst cases for the output buffer size. */
static void test_long(void)
{
	const size_t n = 100000;
	char *s = malloc(n + 1), *o;

	memset(s, '\001', n);
	s[n] = '\0';
	o = escape_str(s, ESCAPE_JSON);
	CHECK(o != NULL);
	CHECK_U64(o ? strlen(o) : 0, n * 6);
	free(o);
	memset(s, '\377', n);
	o = escape_str(s, ESCAPE_JSON);
	CHECK_U64(o ? strlen(o) : 0, n * 5);
	free(o);
	o = escape_str(s, ESCAPE_TERMINAL);
	CHECK_U64(o ? strlen(o) : 0, n * 4);
	free(o);
	for (size_t i = 0; i + 1 < n; i += 2)
		s[i] = '\302', s[i + 1] = '\233';
	o = escape_str(s, ESCAPE_TERMINAL);
	CHECK_U64(o ? strlen(o) : 0, n * 4);
	free(o);
	free(s);
}

/* jq, the judge the bats tests use, reads JSON documents built from
 * escape_str output and must get back exactly the expected characters. */
static void test_jq(void)
{
	static const char *const inputs[] = {
		"plain", "a\"b\\c", "\n\r\t\b\f", "\001\002\037\177", "\033[31mred\033[0m",
		"/tmp/new\\012line", "bad\377utf8", "\300\257", "\355\240\200",
		"caf\303\251 \342\202\254 \360\237\230\200", "\302\233\302\240",
		"/memfd:x (deleted)", "\\u0041", "\"\\\"\\\\\"", "\364\220\200\200",
	};
	const size_t n = sizeof(inputs) / sizeof(inputs[0]);
	char in[] = "/tmp/pmadv-test-escape.XXXXXX", out[sizeof(in) + 4], cmd[256];
	int fd;
	FILE *f;

	if (system("command -v jq >/dev/null 2>&1") != 0) {
		printf("jq not found: JSON output not checked by jq\n");
		return;
	}
	fd = mkstemp(in);
	if (!check_result(fd >= 0))
		return;
	f = fdopen(fd, "w");
	for (size_t i = 0; i < n; i++) {
		char *e = escape_str(inputs[i], ESCAPE_JSON);
		fprintf(f, "{\"name\":\"%s\"}\n", e);
		free(e);
	}
	fclose(f);
	snprintf(out, sizeof(out), "%s.out", in);
	snprintf(cmd, sizeof(cmd), "jq -c '.name | explode' < %s > %s 2>&1", in, out);
	CHECK_NOTE("jq accepts every document");
	CHECK_INT(system(cmd), 0);
	f = fopen(out, "r");
	if (check_result(f != NULL)) {
		char line[4096];
		size_t i = 0;

		while (fgets(line, sizeof(line), f) && i < n) {
			uint32_t want[512];
			size_t nw = ref_json_cps(inputs[i], want), k = 0;
			char *p = line;
			int same = *p == '[';

			for (p++; same && *p && *p != ']'; ) {
				char *e;
				unsigned long v = strtoul(p, &e, 10);
				if (e == p || k >= nw || v != want[k])
					same = 0;
				k++;
				p = *e == ',' ? e + 1 : e;
			}
			CHECK_NOTE("jq reads back input %zu", i);
			CHECK(same && k == nw);
			i++;
		}
		CHECK_NOTE("jq output lines");
		CHECK_U64(i, n);
		fclose(f);
	}
	CHECK_NOTE("%s", "");
	unlink(in);
	unlink(out);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_fixed();
	test_utf8_seq_len();
	test_exhaustive();
	test_random();
	test_long();
	test_jq();
	printf("escape: %llu strings checked against the reference\n", n_checked);
	return check_done();
}
