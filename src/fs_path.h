/*
 * fs_path.h: virtual paths and the only way files are opened. A session
 * has a virtual cwd ("/..." beneath its root) and a root directory fd;
 * zc_fs_path_normalize() is lexical and pure, zc_fs_open() resolves the
 * result beneath the root fd with openat2(RESOLVE_IN_ROOT), so no name,
 * "..", absolute path or symlink can reach outside the root (the kernel
 * enforces it, chroot or not).
 */
#ifndef ZC_FS_PATH_H
#define ZC_FS_PATH_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "defs.h"

/* Join `arg` to `cwd` (or take it alone if it starts with '/'), collapse
 * "//" and ".", resolve ".." lexically never above "/". The result starts
 * with '/', has no "." or ".." components and no trailing '/'. Returns 0,
 * or -1 with errno EINVAL (CR, LF or an empty argument) or ENAMETOOLONG
 * (result does not fit `cap`, or a component is longer than NAME_MAX). */
int zc_fs_path_normalize(const char *cwd, const char *arg, char *out,
			 size_t cap) ZC_MUST_CHECK;

/* Open `vpath` (normalized) beneath root_fd: openat2 with RESOLVE_IN_ROOT
 * | RESOLVE_NO_MAGICLINKS, O_CLOEXEC | O_NOCTTY added. Returns an fd or
 * -1 with errno. */
int zc_fs_open(int root_fd, const char *vpath, int flags,
	       mode_t mode) ZC_MUST_CHECK;

/* stat/lstat of `vpath` beneath root_fd (through an O_PATH open; `follow`
 * false gives the link itself). 0 or -1 with errno. */
int zc_fs_stat(int root_fd, const char *vpath, int follow,
	       struct stat *st) ZC_MUST_CHECK;

/* The last component of a normalized path ("/" for the root). */
const char *zc_fs_path_basename(const char *vpath);

/* Whether the kernel offers openat2(2) (Linux >= 5.6). */
int zc_fs_have_openat2(void);

#endif
