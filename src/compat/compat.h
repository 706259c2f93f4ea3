/*
 * compat.h: what Debian 12's glibc 2.36 lacks. openat2(2) has no wrapper
 * there (it is called through syscall(2)), nor has fchmodat2(2) (Linux
 * 6.6); strlcpy arrived only in 2.38.
 * Functions are named zc_ + the libc name.
 */
#ifndef ZC_COMPAT_H
#define ZC_COMPAT_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/openat2.h>

/* openat2(2): returns an fd or -1 with errno (ENOSYS before Linux 5.6). */
int zc_openat2(int dirfd, const char *path, const struct open_how *how);

/* fchmodat2(2) (Linux 6.6): with AT_EMPTY_PATH it changes the file an
 * O_PATH fd refers to. -1 with errno ENOSYS on older kernels. */
int zc_fchmodat2(int dirfd, const char *path, mode_t mode, int flags);

/* strlcpy: copies at most size-1 bytes, always NUL-terminates when
 * size > 0, returns strlen(src) so truncation is `ret >= size`. */
size_t zc_strlcpy(char *dst, const char *src, size_t size);

#endif
