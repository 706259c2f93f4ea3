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

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>
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

/*
 * Changes to the tree (write commands). Each opens the directory holding
 * the last component of `vpath` (normalized) beneath root_fd with
 * zc_fs_open(O_PATH | O_DIRECTORY), so every directory on the way is
 * confined, and then acts on the last component with a *at call that does
 * not follow a symlink there (mkdirat, unlinkat, renameat: they act on the
 * link itself). A last component that is empty ("/"), "." or ".." fails
 * with EINVAL. 0, or -1 with errno. zc_fs_mkdir applies `mode` exactly
 * (the process umask is set aside for the call).
 */
int zc_fs_mkdir(int root_fd, const char *vpath, mode_t mode) ZC_MUST_CHECK;
int zc_fs_unlink(int root_fd, const char *vpath) ZC_MUST_CHECK;
int zc_fs_rmdir(int root_fd, const char *vpath) ZC_MUST_CHECK;
/* Rename, replacing an existing `to` as rename(2) does. */
int zc_fs_rename(int root_fd, const char *from, const char *to) ZC_MUST_CHECK;
/* chmod and set times. A symlink as the last component is followed, but
 * only beneath root_fd (the target is opened with RESOLVE_IN_ROOT and
 * changed through that fd; before Linux 6.6 a file that can be opened
 * neither for reading nor for writing cannot be changed: EACCES). Only
 * regular files and directories: anything else fails with EPERM. `ts`
 * as utimensat(2) (UTIME_OMIT allowed). */
int zc_fs_chmod(int root_fd, const char *vpath, mode_t mode) ZC_MUST_CHECK;
int zc_fs_utimes(int root_fd, const char *vpath,
		 const struct timespec ts[2]) ZC_MUST_CHECK;

/* Open the directory that holds the last component of `vpath` beneath
 * root_fd (O_PATH | O_DIRECTORY) and point *name at that component inside
 * vpath. Returns the fd, or -1 with errno (EINVAL for "/", ".", ".."). */
int zc_fs_open_parent(int root_fd, const char *vpath,
		      const char **name) ZC_MUST_CHECK;
/* Whether `name` may be created or removed as one component: not empty,
 * not "." or "..", no '/'. */
bool zc_fs_is_plain_name(const char *name);

/* The last component of a normalized path ("/" for the root). */
const char *zc_fs_path_basename(const char *vpath);

/* Whether the kernel offers openat2(2) (Linux >= 5.6). */
int zc_fs_have_openat2(void);

#endif
