/* fchmodat2(2) through syscall(2): Linux 6.6 added it, glibc 2.36 has
 * neither a wrapper nor the syscall number. */
#include "config.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat/compat.h"

/* The same number on every architecture that uses the generic table
 * (new system calls since 5.1 are numbered alike; alpha adds 110). */
#ifndef SYS_fchmodat2
#if defined(__alpha__)
#define SYS_fchmodat2 562
#else
#define SYS_fchmodat2 452
#endif
#endif

int
zc_fchmodat2(int dirfd, const char *path, mode_t mode, int flags)
{
	return (int)syscall(SYS_fchmodat2, dirfd, path, mode, flags);
}
