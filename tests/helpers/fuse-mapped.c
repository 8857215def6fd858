/* fuse-mapped MOUNTPOINT [MIB [child]]: a FUSE server (libfuse3) serving
 * one read-only file, MOUNTPOINT/f of MIB MiB (default 16), which it then
 * maps itself. Freezing this process freezes the server of its own mapping:
 * any page-cache read of f (a WILLNEED through process_madvise) waits until
 * the process runs again. Prints "ready PID" on stdout once f is mapped:
 * its own PID, or with "child" that of a child that shares the mapping and
 * only waits (a target apart from its server; killed on exit). Reads are
 * served synchronously (no async read), so the first read request blocks
 * its caller. Exits on SIGTERM/SIGINT, unmounting; after SIGKILL the mount
 * stays behind, disconnected: the caller unmounts it (umount -l). */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static off_t file_size;

static int fm_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (!strcmp(path, "/f")) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = file_size;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int fm_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/f"))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	fi->keep_cache = 0;
	return 0;
}

static int fm_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if (off >= file_size)
		return 0;
	if ((off_t)size > file_size - off)
		size = (size_t)(file_size - off);
	memset(buf, 'f', size);
	return (int)size;
}

static void *fm_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* synchronous reads: the reader waits for this server */
	conn->want &= ~FUSE_CAP_ASYNC_READ;
	cfg->kernel_cache = 0;
	return NULL;
}

static const struct fuse_operations ops = {
	.getattr = fm_getattr,
	.open = fm_open,
	.read = fm_read,
	.init = fm_init,
};

static void *serve(void *arg)
{
	fuse_loop(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-o", "fsname=fuse-mapped", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	char path[4096];
	struct fuse *fuse;
	sigset_t sigs;
	pthread_t th;
	void *map;
	int fd, sig;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: fuse-mapped MOUNTPOINT [MIB]\n");
		return 2;
	}
	file_size = (off_t)(argc > 2 ? atoi(argv[2]) : 16) << 20;
	/* the main thread takes the terminating signals (sigwait), the
	 * serving thread never: it must keep serving while the main thread
	 * unmaps and closes f, which itself sends requests to it */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	fuse = fuse_new(&args, &ops, sizeof(ops), NULL);
	if (!fuse || fuse_mount(fuse, argv[1]) != 0) {
		fprintf(stderr, "fuse-mapped: cannot mount %s\n", argv[1]);
		return 1;
	}
	if (pthread_create(&th, NULL, serve, fuse) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/f", argv[1]);
	fd = open(path, O_RDONLY);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, (size_t)file_size, PROT_READ,
					  MAP_SHARED, fd, 0);
	/* no descriptor of f stays open: closing one flushes it through
	 * this server, which a process killed while exiting could not serve
	 * (the mapping alone sends no request at exit) */
	if (fd >= 0)
		close(fd);
	if (map == MAP_FAILED) {
		perror(path);
	} else {
		child = argc > 3 && !strcmp(argv[3], "child") ? fork() : 0;
		if (child == 0 && argc > 3) {
			sigwait(&sigs, &sig);	/* the child: holds the map */
			_exit(0);
		}
		printf("ready %d\n", child > 0 ? (int)child : (int)getpid());
		fflush(stdout);
		sigwait(&sigs, &sig);
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		munmap(map, (size_t)file_size);
	}
	/* unmounting ends the serving thread's read of /dev/fuse */
	fuse_exit(fuse);
	fuse_unmount(fuse);
	pthread_join(th, NULL);
	fuse_destroy(fuse);
	return map == MAP_FAILED;
}
