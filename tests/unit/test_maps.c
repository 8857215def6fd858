/* Unit tests: maps_parse_line, maps_parse (maps and smaps), mapping_class,
 * maps_find. Real /proc text lives in the fixtures directory (argv[1]). */
#include <inttypes.h>
#include <stdint.h>

#include "check.h"
#include "plan/plan.h"
#include "synth.h"

static const char *fixtures = "tests/fixtures";

/* ---- an independent reference: sscanf over the same line ---- */
struct ref {
	uint64_t start, end, offset, inode;
	unsigned int major, minor;
	char perms[5];
	const char *name;	/* into a private copy */
	size_t name_len;
	int deleted;
};

static int ref_parse(char *line, struct ref *r)
{
	int n = -1;

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4c %" SCNx64 " %x:%x %" SCNu64 "%n",
		   &r->start, &r->end, r->perms, &r->offset, &r->major,
		   &r->minor, &r->inode, &n) < 7 || n < 0)
		return -1;
	line += n;
	while (*line == ' ')
		line++;
	r->name = line;
	r->name_len = strlen(line);
	if (r->name_len >= 10 && !strcmp(line + r->name_len - 10, " (deleted)")) {
		r->name_len -= 10;
		r->deleted = 1;
	}
	return 0;
}

/* Parse text (a copy) both ways and compare every field of every mapping.
 * Only mapping lines are compared (smaps attribute lines are skipped). */
static void cross_check(const char *what, const char *text, const struct maps *m)
{
	char *copy = strdup(text), *line, *save = NULL;
	size_t i = 0;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ref r;

		if (line[0] >= 'A' && line[0] <= 'Z')
			continue;
		CHECK_NOTE("%s: mapping %zu: %.80s", what, i, line);
		if (!check_result(ref_parse(line, &r) == 0)) {
			fprintf(stderr, "reference parser rejects: %s\n", line);
			continue;
		}
		if (!check_result(i < m->n)) {
			fprintf(stderr, "%s: only %zu mappings parsed\n", what, m->n);
			break;
		}
		CHECK_U64(m->v[i].start, r.start);
		CHECK_U64(m->v[i].end, r.end);
		CHECK(!memcmp(m->v[i].perms, r.perms, 4));
		CHECK_INT(m->v[i].deleted, r.deleted);
		CHECK_U64(m->v[i].name_len, r.name_len);
		CHECK_U64(strlen(m->v[i].name), r.name_len);
		CHECK(!strncmp(m->v[i].name, r.name, r.name_len));
		i++;
	}
	CHECK_NOTE("%s: mapping count", what);
	CHECK_U64(m->n, i);
	free(copy);
	CHECK_NOTE("%s", "");
}

/* Sorted, non-overlapping, well-formed: one check for the whole array. */
static void invariants(const char *what, const struct maps *m)
{
	size_t broken = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].start >= m->v[i].end ||
		    (i > 0 && m->v[i - 1].end > m->v[i].start) ||
		    !m->v[i].name || strlen(m->v[i].name) != m->v[i].name_len) {
			if (!broken)
				fprintf(stderr, "%s: mapping %zu breaks invariants\n",
					what, i);
			broken++;
		}
	}
	CHECK_NOTE("%s: invariants", what);
	CHECK_U64(broken, 0);
	CHECK_NOTE("%s", "");
}

static size_t find_name(const struct maps *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return i;
	return SIZE_MAX;
}

/* maps_parse, as 0 or the errno code it put in its struct err, after
 * checking that a failure names its line as *bad does. */
static int parse(char *text, size_t len, struct maps *m, size_t *bad)
{
	struct err e = { 0 };
	char want[64];

	if (maps_parse(text, len, m, bad, &e) == 0)
		return 0;
	if (e.code != ENOMEM) {
		snprintf(want, sizeof(want), "line %zu: ", *bad);
		if (strncmp(e.msg, want, strlen(want)))
			CHECK_STR(e.msg, want);
	}
	return e.code ? e.code : -1;
}

/* Loads and parses a fixture; the caller frees *text and m. */
static int load(const char *name, char **text, struct maps *m)
{
	size_t len, bad = 12345;
	int rc;
	char *orig;

	memset(m, 0, sizeof(*m));
	*text = check_read_fixture(fixtures, name, &len);
	if (!*text)
		return -1;
	orig = strdup(*text);
	rc = parse(*text, len, m, &bad);
	CHECK_NOTE("maps_parse(%s)", name);
	CHECK_INT(rc, 0);
	CHECK_U64(bad, 0);
	invariants(name, m);
	cross_check(name, orig, m);
	free(orig);
	return rc;
}

static void test_cat_maps(void)
{
	char *text;
	struct maps m;
	size_t i;

	if (load("cat.maps", &text, &m))
		return;
	CHECK(m.n >= 20);
	CHECK(m.stats == NULL);	/* plain maps: no smaps figures */
	CHECK_STR(m.v[0].name, "/usr/bin/cat");
	CHECK_INT(mapping_class(&m.v[0]), CLASS_FILE);
	CHECK_STR(m.v[m.n - 1].name, "[vsyscall]");
	CHECK_U64(m.v[m.n - 1].start, 0xffffffffff600000ULL);
	CHECK_U64(m.v[m.n - 1].end, 0xffffffffff601000ULL);
	CHECK(!memcmp(m.v[m.n - 1].perms, "--xp", 4));
	CHECK_INT(mapping_class(&m.v[m.n - 1]), CLASS_SPECIAL);
	i = find_name(&m, "[heap]");
	CHECK(i != SIZE_MAX);
	if (i != SIZE_MAX) {
		CHECK_INT(mapping_class(&m.v[i]), CLASS_ANON);
	}
	i = find_name(&m, "[stack]");
	CHECK(i != SIZE_MAX && mapping_class(&m.v[i]) == CLASS_ANON);
	i = find_name(&m, "[vdso]");
	CHECK(i != SIZE_MAX && mapping_class(&m.v[i]) == CLASS_SPECIAL);
	i = find_name(&m, "[vvar]");
	CHECK(i != SIZE_MAX && mapping_class(&m.v[i]) == CLASS_SPECIAL);
	i = find_name(&m, "");	/* anonymous: the line ends "0 " */
	CHECK(i != SIZE_MAX);
	if (i != SIZE_MAX) {
		CHECK_U64(m.v[i].name_len, 0);
		CHECK_INT(mapping_class(&m.v[i]), CLASS_ANON);
	}
	for (i = 0; i < m.n; i++) {
		if (!strcmp(m.v[i].name, "/usr/lib/x86_64-linux-gnu/libc.so.6")) {
			CHECK_INT(mapping_class(&m.v[i]), CLASS_FILE);
			CHECK(!m.v[i].deleted);
			break;
		}
	}
	CHECK(i < m.n);
	for (i = 0; i < m.n; i++)
		CHECK_U64(m.v[i].vmflags, 0);
	maps_free(&m);
	CHECK(m.v == NULL && m.n == 0 && m.cap == 0 && m.stats == NULL);
	free(text);
}

#define ANY -1
#define DIR "/tmp/pmadv-fixture/"

/* Names the kernel shows for hostile-names.c's mappings, in maps and smaps, and
 * what each must parse to (ANY: not checked). */
static const struct {
	const char *name;
	int deleted, shared, cls;
	uint64_t size;		/* 0: not checked */
} hostile[] = {
	{ DIR "a file with spaces.bin", 0, 0, CLASS_FILE, 8192 },
	{ DIR "trailing space ", ANY, ANY, ANY, 0 },
	{ DIR "gone.bin", 1, 1, CLASS_FILE, 0 },
	/* the kernel shows a newline as the four characters \012 */
	{ DIR "new\\012line", ANY, ANY, ANY, 0 },
	/* but other control bytes raw: ESC [ 3 1 m */
	{ DIR "esc\033[31mred", ANY, ANY, ANY, 0 },
	{ DIR "bad\377utf8", ANY, ANY, ANY, 0 },
	{ "/memfd:pmadv-memfd", 1, 1, CLASS_FILE, 0 },
	{ "/dev/zero", 1, 1, CLASS_ANON, 0 },
	{ "/SYSV00000000", 1, ANY, CLASS_ANON, 0 },
};

static void check_hostile(const char *what, const struct maps *m)
{
	for (size_t k = 0; k < sizeof(hostile) / sizeof(hostile[0]); k++) {
		size_t i = find_name(m, hostile[k].name);

		CHECK_NOTE("%s: %s", what, hostile[k].name);
		CHECK(i != SIZE_MAX);
		if (i == SIZE_MAX)
			continue;
		if (hostile[k].deleted != ANY)
			CHECK_INT(m->v[i].deleted, hostile[k].deleted);
		if (hostile[k].shared != ANY)
			CHECK_INT(mapping_shared(&m->v[i]), hostile[k].shared);
		if (hostile[k].cls != ANY)
			CHECK_INT(mapping_class(&m->v[i]), hostile[k].cls);
		if (hostile[k].size)
			CHECK_U64(m->v[i].end - m->v[i].start, hostile[k].size);
	}
	CHECK_NOTE("%s", what);
	CHECK(find_name(m, "[vsyscall]") == m->n - 1);
	CHECK_NOTE("%s", "");
}

static void test_hostile(void)
{
	char *text, *stext;
	struct maps m, s;
	size_t i, nlocked = 0;

	if (load("hostile.maps", &text, &m))
		return;
	check_hostile("hostile.maps", &m);
	CHECK(m.stats == NULL);
	if (load("hostile.smaps", &stext, &s) == 0) {
		check_hostile("hostile.smaps", &s);
		/* same mappings as maps (same process, same moment) */
		CHECK_U64(s.n, m.n);
		CHECK(s.stats != NULL);
		for (i = 0; s.stats && i < s.n && i < m.n; i++) {
			CHECK_U64(s.v[i].start, m.v[i].start);
			CHECK(s.v[i].vmflags & VMF_KNOWN);
			if (s.v[i].vmflags & VMF_LOCKED) {
				nlocked++;
				/* the 3-page mlock()ed anonymous region */
				CHECK_U64(s.v[i].end - s.v[i].start, 12288);
				CHECK_U64(s.stats[i].locked, 12288);
				CHECK_U64(s.stats[i].rss, 12288);
				CHECK_STR(s.v[i].name, "");
			} else {
				CHECK_U64(s.stats[i].locked, 0);
			}
			if (!strncmp(s.v[i].name, "[vvar", 5)) {	/* and [vvar_vclock] */
				CHECK(s.v[i].vmflags & VMF_PFNMAP);
				CHECK(s.v[i].vmflags & VMF_IO);
			} else if (strcmp(s.v[i].name, "[vsyscall]")) {
				CHECK(!(s.v[i].vmflags & (VMF_PFNMAP | VMF_IO)));
			}
			CHECK(!(s.v[i].vmflags & VMF_HUGETLB));
			/* the 1 MiB anonymous region, written all over */
			if (s.v[i].end - s.v[i].start == 1 << 20 && !s.v[i].name_len)
				CHECK_U64(s.stats[i].rss, 1 << 20);
		}
		CHECK_U64(nlocked, 1);
		maps_free(&s);
		free(stext);
	}
	maps_free(&m);
	free(text);
}

static void test_synthetic_smaps(void)
{
	char *text;
	struct maps m;

	if (load("synthetic.smaps", &text, &m))
		return;
	CHECK_U64(m.n, 12);
	CHECK(m.stats != NULL);
	if (m.n != 12 || !m.stats)
		goto out;
	CHECK_U64(m.stats[0].rss, 8192);
	CHECK_U64(m.v[0].vmflags, VMF_KNOWN);
	CHECK_U64(m.stats[2].swap, 8192);
	CHECK_U64(m.stats[2].rss, 0);
	CHECK_U64(m.stats[3].swap, 4096);
	CHECK_U64(m.stats[3].rss, 4096);
	CHECK_STR(m.v[3].name, "[heap]");
	CHECK_STR(m.v[4].name, "/opt/app/data file.bin");
	CHECK_U64(m.v[4].vmflags, VMF_KNOWN);	/* "sh" and "ms" mean nothing here */
	CHECK_U64(m.stats[4].rss, 0);		/* no Rss line */
	CHECK_U64(m.v[5].vmflags, VMF_KNOWN | VMF_PFNMAP | VMF_IO);
	CHECK_U64(m.v[6].vmflags, VMF_KNOWN);
	CHECK_U64(m.v[7].vmflags, VMF_KNOWN | VMF_LOCKED);
	CHECK_U64(m.stats[7].locked, 8192);
	CHECK_U64(m.v[8].vmflags, VMF_KNOWN | VMF_HUGETLB);	/* "ht" last, no space */
	CHECK_STR(m.v[8].name, "/dev/hugepages/huge");
	CHECK(m.v[8].deleted);
	CHECK_U64(m.v[9].vmflags, VMF_KNOWN | VMF_IO);
	CHECK_U64(m.stats[10].anon_huge, 2 << 20);
	CHECK_U64(m.stats[10].rss, 2 << 20);
	CHECK_U64(m.v[10].vmflags, VMF_KNOWN);	/* "hg" is not "ht" */
	CHECK_STR(m.v[11].name, "[vsyscall]");
out:
	maps_free(&m);
	free(text);
}

/* Parse a literal; returns parse()'s code and fills *bad. Names point into the copy,
 * which is kept until the next call (or parse_str_free). */
static char *parse_buf;

static void parse_str_free(void)
{
	free(parse_buf);
	parse_buf = NULL;
}

static int parse_str(const char *s, struct maps *m, size_t *bad)
{
	size_t len = strlen(s);

	parse_str_free();
	parse_buf = malloc(len + 1);
	memcpy(parse_buf, s, len + 1);
	memset(m, 0, sizeof(*m));
	return parse(parse_buf, len, m, bad);
}

#define L1 "00001000-00002000 r--p 00000000 00:00 0\n"
#define L2 "00002000-00003000 rw-p 00000000 fe:01 42                 /lib/a.so\n"
#define L3 "00005000-00006000 rw-p 00000000 00:00 0                  [heap]\n"

static void parse_err(const char *s, int want, size_t want_line)
{
	struct maps m;
	size_t bad = 999;

	CHECK_NOTE("maps_parse(\"%.60s\")", s);
	CHECK_INT(parse_str(s, &m, &bad), want);
	CHECK_U64(bad, want_line);
	maps_free(&m);
}

static void test_errors(void)
{
	struct maps m;
	size_t bad;

	/* good text, with and without a final newline, blank lines */
	CHECK_INT(parse_str(L1 L2 L3, &m, &bad), 0);
	CHECK_U64(m.n, 3);
	maps_free(&m);
	CHECK_INT(parse_str(L1 L2 "00005000-00006000 rw-p 00000000 00:00 0 [heap]", &m, &bad), 0);
	CHECK_U64(m.n, 3);
	if (m.n == 3)
		CHECK_STR(m.v[2].name, "[heap]");
	maps_free(&m);
	CHECK_INT(parse_str("", &m, &bad), 0);
	CHECK_U64(m.n, 0);
	maps_free(&m);
	CHECK_INT(parse_str("\n\n" L1 "\n", &m, &bad), 0);
	CHECK_U64(m.n, 1);
	maps_free(&m);

	/* malformed lines: the right 1-based line number */
	parse_err("garbage\n", EINVAL, 1);
	parse_err(L1 L2 "garbage\n" L3, EINVAL, 3);
	parse_err(L1 "\n\nnonsense\n", EINVAL, 4);	/* blank lines count */
	parse_err(L1 L2 "00005000-00006000 rw-p", EINVAL, 3);	/* torn last line */
	parse_err(L1 "0000", EINVAL, 2);
	parse_err(L1 "00005000-", EINVAL, 2);
	parse_err(" " L1, EINVAL, 1);
	/* smaps_attr()'s -1 for a malformed attribute line used to equal
	 * the out-of-memory code: "out of memory" with *bad_line 0 (fixed in c562880;
	 * the same inputs are fuzz/corpus/regress/maps-attr-before-mapping
	 * and smaps-attr-without-colon) */
	parse_err("Rss:  4 kB\n" L1, EINVAL, 1);	/* attribute before a mapping */
	parse_err(L1 "Rss 4 kB\n", EINVAL, 2);		/* attribute without colon */
	/* torn reads: addresses must increase */
	parse_err(L2 L1, EAGAIN, 2);
	parse_err(L1 L3 L2, EAGAIN, 3);
	parse_err(L1 L1, EAGAIN, 2);
	parse_err("00001000-00003000 r--p 00000000 00:00 0\n"
		  "00002000-00004000 r--p 00000000 00:00 0\n", EAGAIN, 2);
	/* adjacent is fine */
	CHECK_INT(parse_str("00001000-00002000 r--p 00000000 00:00 0\n"
			    "00002000-00003000 r--p 00000000 00:00 0\n", &m, &bad), 0);
	maps_free(&m);

	/* appending to an existing struct maps keeps the order check */
	{
		char a[] = L1, b[] = L3, c[] = L2;
		size_t bl;

		memset(&m, 0, sizeof(m));
		CHECK_INT(parse(a, strlen(a), &m, &bl), 0);
		CHECK_INT(parse(b, strlen(b), &m, &bl), 0);
		CHECK_U64(m.n, 2);
		CHECK_INT(parse(c, strlen(c), &m, &bl), EAGAIN);
		CHECK_U64(bl, 1);
		CHECK_U64(m.n, 2);
		maps_free(&m);
	}
}

static void line_ok(const char *s, uint64_t start, uint64_t end,
		    const char *perms, const char *name, int deleted)
{
	char buf[8192];
	struct mapping m;

	snprintf(buf, sizeof(buf), "%s", s);
	CHECK_NOTE("maps_parse_line(\"%.70s\")", s);
	CHECK_INT(maps_parse_line(buf, &m), 0);
	CHECK_U64(m.start, start);
	CHECK_U64(m.end, end);
	CHECK(!memcmp(m.perms, perms, 4));
	CHECK_STR(m.name, name);
	CHECK_U64(m.name_len, strlen(name));
	CHECK_INT(m.deleted, deleted);
	CHECK_U64(m.vmflags, 0);
}

static void line_bad(const char *s)
{
	char buf[8192];
	struct mapping m;

	snprintf(buf, sizeof(buf), "%s", s);
	CHECK_NOTE("maps_parse_line(\"%.70s\")", s);
	CHECK_INT(maps_parse_line(buf, &m), -1);
}

static void test_lines(void)
{
	char longname[4200];

	line_ok("00400000-00401000 r-xp 00000000 08:01 1234 /bin/x",
		0x400000, 0x401000, "r-xp", "/bin/x", 0);
	line_ok("7f0000000000-7f0000001000 rw-s 00001000 fff:fffff 9223372036854775809  /a b (deleted)",
		0x7f0000000000ULL, 0x7f0000001000ULL, "rw-s", "/a b", 1);
	line_ok("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
		0xffffffffff600000ULL, 0xffffffffff601000ULL, "--xp",
		"[vsyscall]", 0);
	line_ok("1000-2000 ---p 00000000 00:00 0", 0x1000, 0x2000, "---p", "", 0);
	line_ok("1000-2000 ---p 00000000 00:00 0     ", 0x1000, 0x2000, "---p", "", 0);
	line_ok("1000-2000 rw-s 00000000 00:01 7 /memfd:x (deleted)",
		0x1000, 0x2000, "rw-s", "/memfd:x", 1);
	line_ok("1000-2000 rw-s 00000000 00:01 7 /memfd: (deleted) (deleted)",
		0x1000, 0x2000, "rw-s", "/memfd: (deleted)", 1);
	line_ok("1000-2000 r--p 00000000 00:00 0 (deleted)x",
		0x1000, 0x2000, "r--p", "(deleted)x", 0);
	line_ok("1000-2000 r--p 00000000 00:00 0  (deleted)",	/* name is "(deleted)" */
		0x1000, 0x2000, "r--p", "(deleted)", 0);
	line_ok("1000-2000 r--p 00000000 00:00 0 /x\\012y", 0x1000, 0x2000,
		"r--p", "/x\\012y", 0);
	line_ok("1000-2000 r--p 00000000 00:00 0 [anon:my buf]", 0x1000, 0x2000,
		"r--p", "[anon:my buf]", 0);
	line_ok("0000000000001000-0000000000002000 r--p 0000000000000000 00:00 0 x",
		0x1000, 0x2000, "r--p", "x", 0);
	/* a name near PATH_MAX */
	strcpy(longname, "1000-2000 r--p 00000000 00:00 0 /");
	memset(longname + strlen(longname), 'n', 4095);
	longname[sizeof(longname) - 1] = '\0';
	{
		struct mapping m;
		char copy[sizeof(longname)];

		memcpy(copy, longname, sizeof(copy));
		CHECK_INT(maps_parse_line(copy, &m), 0);
		CHECK(m.name_len > 4000 && m.name[0] == '/');
	}

	line_bad("");
	line_bad("1000");
	line_bad("1000-");
	line_bad("1000-2000");
	line_bad("1000-2000 ");
	line_bad("1000-2000 rwxp");
	line_bad("1000-2000 r-p 00000000 00:00 0");	/* 3 perms */
	line_bad("1000-2000 r--p");
	line_bad("1000-2000 r--p 00000000");
	line_bad("1000-2000 r--p 00000000 00:00");
	line_bad("1000-2000 r--p 00000000 00:00 ");
	line_bad("1000-2000 r--p 00000000 0000 0");
	line_bad("1000-2000 r--p 00000000 00:00 x");
	line_bad("1000-2000 r--p 00000000 00:00 0abc");
	line_bad("1000-2000 r--p 00000000 00:00 -1");
	line_bad("1000-2000 r--p 00000000 1000:00 0");	/* major > 12 bits */
	line_bad("1000-2000 r--p 00000000 00:100000 0");	/* minor > 20 bits */
	line_bad("1000-2000 r--p 0000000g 00:00 0");
	line_bad("1000-2000 r--p 00000000 00:00 18446744073709551616");
	line_bad("2000-1000 r--p 00000000 00:00 0");	/* end < start */
	line_bad("1000-1000 r--p 00000000 00:00 0");	/* empty */
	line_bad("10000000000000000-10000000000000001 r--p 00000000 00:00 0");
	line_bad("g000-2000 r--p 00000000 00:00 0");
	line_bad("1000 2000 r--p 00000000 00:00 0");
	line_bad("1000-2000  r--p 00000000 00:00 0");
	line_bad("1000-2000\tr--p 00000000 00:00 0");
	line_bad("-1000-2000 r--p 00000000 00:00 0");
	line_bad("1000-2000 r--p 00000000 00:00 0\t/x");
}

static void test_inode_max(void)
{
	/* dec() refused 18446744073709551610..615, valid 64-bit inode
	 * numbers: its overflow bound was (UINT64_MAX - 9) / 10 (fixed) */
	char buf[] = "1000-2000 r--p 00000000 00:00 18446744073709551615 /x";
	struct mapping m;

	char over[] = "1000-2000 r--p 00000000 00:00 18446744073709551616 /x";

	CHECK_NOTE("maps_parse_line with inode UINT64_MAX");
	CHECK_INT(maps_parse_line(buf, &m), 0);
	CHECK_STR(m.name, "/x");
	CHECK_INT(maps_parse_line(over, &m), -1);
	CHECK_NOTE("%s", "");
}

/* A NUL byte inside a line (never in real /proc text, but maps_parse takes
 * any buffer): the line must be refused, or its name_len must agree with
 * strlen(name). Found by fuzz_smaps after c562880 (name_len was taken
 * from the line length, past the NUL, and " (deleted)" after a NUL was
 * stripped from a name that does not contain it); fixed by strnlen.
 * Input: fuzz/corpus/regress/maps-nul-in-name. */
static void test_nul_in_line(void)
{
	static const char t1[] = "1000-2000 r--p 00000000 00:00 0 /a\0bc\n";
	static const char t2[] = "1000-2000 r--p 00000000 00:00 0 /a\0 (deleted)\n";
	const char *texts[] = { t1, t2 };
	const size_t lens[] = { sizeof(t1) - 1, sizeof(t2) - 1 };

	for (int k = 0; k < 2; k++) {
		char *buf = malloc(lens[k] + 1);
		struct maps m = { 0 };
		size_t bad = 0;
		int rc;

		memcpy(buf, texts[k], lens[k] + 1);
		CHECK_NOTE("NUL inside line, case %d", k + 1);
		rc = parse(buf, lens[k], &m, &bad);
		if (rc == 0) {
			CHECK_U64(m.n, 1);
			if (m.n == 1) {
				CHECK_U64(m.v[0].name_len, strlen(m.v[0].name));
				CHECK(!m.v[0].deleted);
			}
		} else {
			CHECK_INT(rc, EINVAL);
			CHECK_U64(bad, 1);
		}
		maps_free(&m);
		free(buf);
	}
	CHECK_NOTE("%s", "");
}

/* 65,000 mappings of generated text: parses, and maps_find agrees with a
 * linear search everywhere that matters. */
static void test_many(void)
{
	const size_t N = 65000;
	size_t bad = 1;
	struct synth t = { 0 };
	struct maps m = { 0 };
	uint64_t a = 0x10000;

	for (size_t i = 0; i < N; i++) {
		uint64_t start = a, end = a + 0x1000 * (1 + i % 3);
		char name[64];

		snprintf(name, sizeof(name), "/usr/lib/lib number %zu.so", i);
		if (i % 4 == 0)
			synth_anon(&t, start, end);
		else
			synth_map(&t, start, end, "r--p", i * 0x1000, "fe:00", i + 1, name);
		/* every fifth mapping is followed by a one-page hole */
		a = end + (i % 5 == 4 ? 0x1000 : 0);
	}
	CHECK(t.len > 4000000);	/* several MB, as a real 65,000-mapping target */
	CHECK_INT(parse(t.text, t.len, &m, &bad), 0);
	CHECK_U64(m.n, N);
	CHECK_U64(bad, 0);
	if (m.n != N)
		goto out;
	invariants("65000 mappings", &m);
	CHECK_STR(m.v[N - 1].name, "/usr/lib/lib number 64999.so");
	CHECK_STR(m.v[0].name, "");
	CHECK_INT(mapping_class(&m.v[0]), CLASS_ANON);
	CHECK_INT(mapping_class(&m.v[1]), CLASS_FILE);
	{
		size_t fails = 0;

		for (size_t i = 0; i < N; i++) {
			const struct mapping *v = &m.v[i];
			size_t next = i + 1;

			if (maps_find(&m, v->start) != i ||
			    maps_find(&m, v->end - 1) != i ||
			    maps_find(&m, v->start + (v->end - v->start) / 2) != i ||
			    maps_find(&m, v->end) != next)	/* adjacent or hole */
				fails++;
		}
		CHECK_U64(fails, 0);
	}
	CHECK_U64(maps_find(&m, 0), 0);
	CHECK_U64(maps_find(&m, 0xffff), 0);
	CHECK_U64(maps_find(&m, m.v[N - 1].end), N);
	CHECK_U64(maps_find(&m, UINT64_MAX), N);
out:
	maps_free(&m);
	free(t.text);
}

/* A large smaps text: the stats array must follow the mapping array as it
 * grows (several reallocations). */
static void test_many_smaps(void)
{
	const size_t N = 3000;
	size_t bad;
	struct synth t = { 0 };
	struct maps m = { 0 };
	size_t fails = 0;

	for (size_t i = 0; i < N; i++) {
		uint64_t start = 0x100000 + i * 0x2000;

		synth_anon(&t, start, start + 0x1000);
		/* every seventh mapping has no attribute lines at all */
		if (i % 7 != 3)
			synth_printf(&t, "Rss:  %zu kB\nSwap: %zu kB\nLocked: %zu kB\nVmFlags: rd wr%s\n",
				     i, 2 * i, i % 2 ? (size_t)4 : (size_t)0,
				     i % 2 ? " lo" : "");
	}
	CHECK_INT(parse(t.text, t.len, &m, &bad), 0);
	CHECK_U64(m.n, N);
	CHECK(m.stats != NULL);
	for (size_t i = 0; m.stats && i < m.n; i++) {
		const struct mapping_stats *s = &m.stats[i];
		uint16_t want_flags = 0;

		if (i % 7 == 3) {
			if (s->rss || s->swap || s->locked || m.v[i].vmflags)
				fails++;
			continue;
		}
		want_flags = VMF_KNOWN | (i % 2 ? VMF_LOCKED : 0);
		if (s->rss != i * 1024 || s->swap != 2 * i * 1024 ||
		    s->locked != (i % 2 ? 4096u : 0u) || m.v[i].vmflags != want_flags)
			fails++;
	}
	CHECK_U64(fails, 0);
	maps_free(&m);
	free(t.text);
}

/* smaps attributes on a maps text that started without them: earlier
 * mappings get zero figures. */
static void test_stats_late(void)
{
	char text[] = L1 L2 "Rss: 8 kB\nVmFlags: lo\n" L3;
	struct maps m = { 0 };
	size_t bad;

	CHECK_INT(parse(text, strlen(text), &m, &bad), 0);
	CHECK_U64(m.n, 3);
	CHECK(m.stats != NULL);
	if (m.n == 3 && m.stats) {
		CHECK_U64(m.stats[0].rss, 0);
		CHECK_U64(m.stats[1].rss, 8192);
		CHECK_U64(m.v[1].vmflags, VMF_KNOWN | VMF_LOCKED);
		CHECK_U64(m.stats[2].rss, 0);
		CHECK_U64(m.v[2].vmflags, 0);
	}
	maps_free(&m);
}

static struct mapping mk(const char *name, int deleted)
{
	struct mapping m;

	memset(&m, 0, sizeof(m));
	m.name = name;
	m.name_len = (uint32_t)strlen(name);
	m.deleted = deleted;
	memcpy(m.perms, "rw-p", 4);
	return m;
}

static void cls(const char *name, int deleted, enum map_class want)
{
	struct mapping m = mk(name, deleted);

	CHECK_NOTE("mapping_class(\"%s\"%s)", name, deleted ? " (deleted)" : "");
	CHECK_INT(mapping_class(&m), want);
}

static void test_class(void)
{
	struct mapping m;

	cls("", 0, CLASS_ANON);
	cls("[heap]", 0, CLASS_ANON);
	cls("[stack]", 0, CLASS_ANON);
	cls("[stack:1234]", 0, CLASS_ANON);
	cls("[anon:buffer]", 0, CLASS_ANON);
	cls("[anon_shmem:shm]", 0, CLASS_ANON);
	cls("/dev/zero", 1, CLASS_ANON);
	cls("/SYSV00000000", 1, CLASS_ANON);
	cls("/SYSV0badf00d", 1, CLASS_ANON);
	cls("/dev/zero", 0, CLASS_FILE);	/* a real mmap of /dev/zero */
	cls("/usr/lib/libc.so.6", 0, CLASS_FILE);
	cls("/tmp/gone", 1, CLASS_FILE);
	cls("/memfd:x", 1, CLASS_FILE);
	cls("/a file with spaces", 0, CLASS_FILE);
	cls("[vdso]", 0, CLASS_SPECIAL);
	cls("[vvar]", 0, CLASS_SPECIAL);
	cls("[vvar_vclock]", 0, CLASS_SPECIAL);
	cls("[vsyscall]", 0, CLASS_SPECIAL);
	cls("[heapx]", 0, CLASS_SPECIAL);
	CHECK_NOTE("%s", "");
	CHECK_STR(mapping_class_name(CLASS_ANON), "anon");
	CHECK_STR(mapping_class_name(CLASS_FILE), "file");
	CHECK_STR(mapping_class_name(CLASS_SPECIAL), "special");
	m = mk("/x", 0);
	CHECK(!mapping_shared(&m));
	memcpy(m.perms, "r--s", 4);
	CHECK(mapping_shared(&m));
}

static void test_find(void)
{
	struct mapping v[3];
	struct maps m = { v, NULL, 0, 3 };

	/* empty */
	CHECK_U64(maps_find(&m, 0), 0);
	CHECK_U64(maps_find(&m, UINT64_MAX), 0);
	v[0] = mk("a", 0);
	v[0].start = 0x1000, v[0].end = 0x2000;
	m.n = 1;
	CHECK_U64(maps_find(&m, 0), 0);
	CHECK_U64(maps_find(&m, 0xfff), 0);
	CHECK_U64(maps_find(&m, 0x1000), 0);
	CHECK_U64(maps_find(&m, 0x1fff), 0);
	CHECK_U64(maps_find(&m, 0x2000), 1);
	CHECK_U64(maps_find(&m, UINT64_MAX), 1);
	v[1] = mk("b", 0);
	v[1].start = 0x2000, v[1].end = 0x3000;	/* adjacent */
	v[2] = mk("c", 0);
	v[2].start = 0x5000, v[2].end = 0xffffffffffffffffULL;	/* after a hole, to the top */
	m.n = 3;
	CHECK_U64(maps_find(&m, 0x1fff), 0);
	CHECK_U64(maps_find(&m, 0x2000), 1);
	CHECK_U64(maps_find(&m, 0x2fff), 1);
	CHECK_U64(maps_find(&m, 0x3000), 2);	/* in the hole: the next one */
	CHECK_U64(maps_find(&m, 0x4fff), 2);
	CHECK_U64(maps_find(&m, 0x5000), 2);
	CHECK_U64(maps_find(&m, UINT64_MAX - 1), 2);
	CHECK_U64(maps_find(&m, UINT64_MAX), 3);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fixtures = argv[1];
	test_cat_maps();
	test_hostile();
	test_synthetic_smaps();
	test_errors();
	test_lines();
	test_inode_max();
	test_nul_in_line();
	test_many();
	test_many_smaps();
	test_stats_late();
	test_class();
	test_find();
	parse_str_free();
	return check_done();
}
