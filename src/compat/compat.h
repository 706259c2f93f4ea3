/*
 * compat.h: what Debian 12's glibc 2.36 lacks. openat2(2) has no wrapper
 * there (it is called through syscall(2)); strlcpy arrived only in 2.38.
 * Functions are named zc_ + the libc name.
 */
#ifndef ZC_COMPAT_H
#define ZC_COMPAT_H

#include <stddef.h>
#include <linux/openat2.h>

/* openat2(2): returns an fd or -1 with errno (ENOSYS before Linux 5.6). */
int zc_openat2(int dirfd, const char *path, const struct open_how *how);

/* strlcpy: copies at most size-1 bytes, always NUL-terminates when
 * size > 0, returns strlen(src) so truncation is `ret >= size`. */
size_t zc_strlcpy(char *dst, const char *src, size_t size);

#endif
