/*
 * fds.c: keep stdin, stdout and stderr, close every other inherited
 * descriptor (see fds.h for why).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fds.h"

/* The fallback's bound, for a kernel without close_range(2) (before
 * 5.9) and a huge RLIMIT_NOFILE. */
#define FD_SCAN_MAX (1 << 20)

static int
open_missing_std(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number is fd itself: 0..fd-1 are open */
		nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			return -1;
		if (nfd != fd) {
			int rc = dup2(nfd, fd);
			(void)close(nfd);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

int
zc_fds_sanitize(void)
{
	struct rlimit rl;
	long top;

	if (open_missing_std() < 0)
		return -1;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < FD_SCAN_MAX
		      ? (long)rl.rlim_cur
		      : FD_SCAN_MAX;
	for (long fd = 3; fd < top; fd++)
		(void)close((int)fd); /* EBADF for the many never opened */
	return 0;
}
