/* A target's maps, from the text or from PROCMAP_QUERY. See proc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/lib.h"
#include "proc/proc.h"
#include "proc/procmap_query.h"

/* The PROCMAP_QUERY ioctl (Linux 6.11+) answers "the mapping covering or
 * after ADDR". Slower than parsing maps (bench/): the fallback. */
struct names {
	char *buf;
	size_t len, cap;
};

/* Append a name as maps spells it (newline as \012); return its offset. */
static int add_name(struct names *n, const char *s, size_t *off)
{
	size_t need = strlen(s) * 4 + 1;

	while (n->len + need > n->cap) {
		char *b = array_grow(n->buf, n->cap, &n->cap, 1, 64 * 1024);

		if (!b)
			return -1;
		n->buf = b;
	}
	*off = n->len;
	for (; *s; s++) {
		if (*s == '\n') {
			memcpy(n->buf + n->len, "\\012", 4);
			n->len += 4;
		} else {
			n->buf[n->len++] = *s;
		}
	}
	n->buf[n->len++] = '\0';
	return 0;
}

static int push(struct maps *m, const struct mapping *v)
{
	struct mapping *nv = array_grow(m->v, m->n, &m->cap, sizeof(*nv), 256);

	if (!nv)
		return -1;
	m->v = nv;
	m->v[m->n++] = *v;
	return 0;
}

/* The kernel's answer as maps would show it; name loses " (deleted)". */
static void from_query(const struct procmap_query *q, char *name,
		       struct mapping *v)
{
	size_t nl;

	memset(v, 0, sizeof(*v));
	name[q->vma_name_size ? q->vma_name_size - 1 : 0] = '\0';
	/* d_path marks unlinked files as maps does */
	nl = strlen(name);
	if (nl >= 10 && !strcmp(name + nl - 10, " (deleted)")) {
		name[nl - 10] = '\0';
		v->deleted = true;
	}
	v->start = q->vma_start;
	v->end = q->vma_end;
	v->perms[0] = q->vma_flags & PROCMAP_QUERY_VMA_READABLE ? 'r' : '-';
	v->perms[1] = q->vma_flags & PROCMAP_QUERY_VMA_WRITABLE ? 'w' : '-';
	v->perms[2] = q->vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE ? 'x' : '-';
	v->perms[3] = q->vma_flags & PROCMAP_QUERY_VMA_SHARED ? 's' : 'p';
}

/* Fill m (names in *names, spelled as in maps; the caller frees them after
 * m). 0, or -1 with errno (ENOTTY: no PROCMAP_QUERY; ESRCH: gone). */
static int procmap_read(pid_t pid, struct maps *m, char **names)
{
	static char name[4096 + 1];
	struct names nb = { 0 };
	size_t *offs = NULL, noffs = 0, offcap = 0;
	uint64_t addr = 0;
	char path[64];
	int fd, e = 0;

	*names = NULL;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	for (;;) {
		struct procmap_query q = {
			.size = sizeof(q), .query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
			.query_addr = addr, .vma_name_size = sizeof(name) - 1,
			.vma_name_addr = (uintptr_t)name,
		};
		struct mapping v;
		size_t off, *o;

		if (ioctl(fd, PROCMAP_QUERY, &q) < 0) {
			if (errno != ENOENT)
				e = errno;
			break;
		}
		from_query(&q, name, &v);
		/* names move while the buffer grows: offsets now, pointers last */
		if (add_name(&nb, name, &off) || push(m, &v) ||
		    !(o = array_grow(offs, noffs, &offcap, sizeof(*o), 1024))) {
			e = ENOMEM;
			break;
		}
		offs = o;
		offs[noffs++] = off;
		addr = q.vma_end;
	}
	close(fd);
	for (size_t i = 0; !e && i < m->n; i++) {
		m->v[i].name = nb.buf + offs[i];
		m->v[i].name_len = (uint32_t)strlen(m->v[i].name);
	}
	free(offs);
	if (e) {
		free(nb.buf);
		errno = e;
		return -1;
	}
	*names = nb.buf;
	return 0;
}

#define TORN_READ_TRIES 3	/* a torn read only happens on a changing target */

static int read_query(const struct target *t, char **text, struct maps *m)
{
	if (procmap_read(t->pid, m, text)) {
		maps_free(m);	/* *text is NULL */
		return -1;
	}
	return 0;
}

int maps_source_read(struct target *t, enum maps_file which, bool query,
		     char **text, struct maps *m, struct err *e)
{
	const bool maps = which == MAPS_FILE_MAPS;
	const char *file = maps ? "maps" : "smaps";

	if (maps && query && !read_query(t, text, m))
		return 0;
	for (int attempt = 1;; attempt++) {
		size_t len, bad;
		struct err pe;

		if (target_read(t, file, text, &len)) {
			if (errno == EACCES || errno == EPERM)
				target_explain_denied(t, EACCES, e);
			else
				err_set(e, errno, "cannot read /proc/%d/%s: %s", t->pid,
					file, errno == ESRCH ?
					"the process has exited" : strerror(errno));
			return -1;
		}
		if (!maps_parse(*text, len, m, &bad, &pe))
			return 0;
		maps_free(m);
		free(*text);
		*text = NULL;
		if (pe.code == ENOMEM)
			return err_set(e, ENOMEM, "out of memory");
		if (pe.code == EAGAIN && attempt < TORN_READ_TRIES)
			continue;
		if (maps && !read_query(t, text, m))
			return 0;
		return err_set(e, EINVAL, "cannot parse /proc/%d/%s line %zu",
			       t->pid, file, bad);
	}
}
