/*
 * sysfile.c: small text files of /proc and /sys. See sysfile.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "sysfile.h"

int
zc_read_text_file(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	int fd;

	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	if (len == 0) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}
