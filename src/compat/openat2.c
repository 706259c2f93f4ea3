/* openat2(2) through syscall(2): glibc 2.36 has no wrapper. */
#include "config.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "compat/compat.h"

int
zc_openat2(int dirfd, const char *path, const struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}
