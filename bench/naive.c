/* bench/naive: the naive loop pmadv must beat: the same maps reading and
 * parsing as bench/floor, then one process_madvise call per mapping.
 *
 *   naive PID */
#include "common.h"

int main(int argc, char **argv)
{
	const char *pid = argv[argc - 1];
	int pidfd = (int)syscall(SYS_pidfd_open, atoi(pid), 0);
	struct iovec *v;
	size_t len, n;
	char *text;

	(void)argc;
	text = read_maps(pid, &len);
	n = parse_anon(text, text + len, &v);
	for (size_t i = 0; i < n; i++)
		syscall(SYS_process_madvise, pidfd, &v[i], 1, MADV_COLD, 0);
	return 0;
}
