/*
 * hostile-names - a target whose mapping names are hostile text.
 *
 * Usage: hostile-names --ready LATCH DIR
 *
 * Creates files in DIR (which must exist) and maps each one (4 pages,
 * MAP_PRIVATE, PROT_READ, every page read) between PROT_NONE guard pages,
 * so that each shows as exactly one line of /proc/PID/maps:
 *
 *   key       name (in DIR unless said otherwise)
 *   space     "a file with  spaces.bin"
 *   nl        "new\nline.bin"                  (maps shows \012)
 *   esc       "esc\e[31mred\e]0;title\a.bin"   (CSI colour, OSC title + BEL)
 *   badutf8   "bad\xff\xfe.bin"                (invalid UTF-8)
 *   c1        "c1\xc2\x9bx.bin"                (U+009B, the C1 CSI)
 *   long      DIR/ddd.../ddd.../long.bin       (whole path ~4000 bytes,
 *                                               written to DIR/longpath.txt)
 *   deleted   "deleted.bin", unlinked after mapping (" (deleted)")
 *   memfd     memfd_create("odd memfd name")   ("/memfd:odd memfd name (deleted)")
 *   memfdesc  memfd_create("esc\e[7mmemfd")
 *
 * The process also names itself (prctl PR_SET_NAME, so /proc/PID/comm and
 * the "(comm)" of every pmadv message) "hn\e[31m\a\xc2\x9b\xff": a
 * colour escape, BEL, a C1 CSI and an invalid UTF-8 byte.
 *
 * The latch (written atomically to LATCH.tmp then renamed) holds pid=,
 * page=, and for each key KEY_start=0x.. KEY_end=0x.. (names are never
 * written there). Exits on SIGTERM/SIGINT; otherwise waits forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPAGES 4

static size_t pagesz;
static FILE *latch;

static void die(const char *what)
{
	fprintf(stderr, "hostile-names: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned char *map_guarded(int fd, int flags)
{
	size_t len = NPAGES * pagesz;
	unsigned char *res, *p;
	volatile unsigned char sink = 0;

	res = mmap(NULL, len + 2 * pagesz, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		die("mmap reserve");
	p = mmap(res + pagesz, len, PROT_READ, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (size_t off = 0; off < len; off += pagesz)
		sink ^= p[off];
	(void)sink;
	return p;
}

static void put(const char *key, const unsigned char *p)
{
	fprintf(latch, "%s_start=0x%lx\n%s_end=0x%lx\n", key, (unsigned long)p,
		key, (unsigned long)(p + NPAGES * pagesz));
}

static int make_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die(path);
	memset(buf, 'x', sizeof(buf));
	for (size_t done = 0; done < NPAGES * pagesz; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write");
	return fd;
}

static void map_file(const char *key, const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = make_file(path);
	put(key, map_guarded(fd, MAP_PRIVATE));
	close(fd);
}

static void map_memfd(const char *key, const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, (off_t)(NPAGES * pagesz)) < 0)
		die("ftruncate");
	put(key, map_guarded(fd, MAP_SHARED));
	close(fd);
}

/* DIR/ddd(200)/ddd(200)/.../long.bin: a whole path of 3860..4060 bytes */
static void map_long(const char *dir)
{
	char path[4200], comp[201];
	size_t n;
	FILE *f;
	int fd;

	memset(comp, 'd', 200);
	comp[200] = '\0';
	n = (size_t)snprintf(path, sizeof(path), "%s", dir);
	while (n + 201 + 9 <= 4060) {
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/%s", comp);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir long");
	}
	snprintf(path + n, sizeof(path) - n, "/long.bin");
	fd = make_file(path);
	put("long", map_guarded(fd, MAP_PRIVATE));
	close(fd);
	snprintf(comp, sizeof(comp), "%s/longpath.txt", dir);
	f = fopen(comp, "w");
	if (!f || fputs(path, f) < 0 || fclose(f))
		die("longpath.txt");
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	char tmp[4096], path[4096];
	const char *dir;
	int fd;

	if (argc != 4 || strcmp(argv[1], "--ready")) {
		fputs("usage: hostile-names --ready LATCH DIR\n", stderr);
		return 2;
	}
	dir = argv[3];
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	latch = fopen(tmp, "w");
	if (!latch)
		die(tmp);
	fprintf(latch, "pid=%ld\npage=%zu\n", (long)getpid(), pagesz);

	map_file("space", dir, "a file with  spaces.bin");
	map_file("nl", dir, "new\nline.bin");
	map_file("esc", dir, "esc\033[31mred\033]0;title\007.bin");
	map_file("badutf8", dir, "bad\xff\xfe.bin");
	map_file("c1", dir, "c1\xc2\x9bx.bin");
	map_long(dir);

	snprintf(path, sizeof(path), "%s/deleted.bin", dir);
	fd = make_file(path);
	put("deleted", map_guarded(fd, MAP_PRIVATE));
	close(fd);
	if (unlink(path) < 0)
		die("unlink");

	map_memfd("memfd", "odd memfd name");
	map_memfd("memfdesc", "esc\033[7mmemfd");

	if (prctl(PR_SET_NAME, "hn\033[31m\007\xc2\x9b\xff", 0, 0, 0) < 0)
		die("PR_SET_NAME");
	if (fflush(latch) || fclose(latch))
		die("latch");
	if (rename(tmp, argv[2]) < 0)
		die("rename latch");
	for (;;)
		pause();
}
