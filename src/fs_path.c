/*
 * fs_path.c: lexical path normalisation, confined opens and the confined
 * changes of write commands. See fs_path.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "fs_path.h"

/* Append one component to out (which holds `*len` bytes, starting '/'). */
static int
push_component(char *out, size_t cap, size_t *len, const char *comp,
	       size_t clen)
{
	if (clen == 1 && comp[0] == '.')
		return 0;
	if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
		/* pop: never above "/" */
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--; /* the '/' before the popped name */
		out[*len] = '\0';
		return 0;
	}
	if (clen > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (*len + (*len > 1 ? 1 : 0) + clen + 1 > cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, comp, clen);
	*len += clen;
	out[*len] = '\0';
	return 0;
}

static int
push_path(char *out, size_t cap, size_t *len, const char *path)
{
	const char *p = path;

	while (*p != '\0') {
		const char *slash;
		size_t clen;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		slash = strchr(p, '/');
		clen = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (push_component(out, cap, len, p, clen) < 0)
			return -1;
		p += clen;
	}
	return 0;
}

int
zc_fs_path_normalize(const char *cwd, const char *arg, char *out, size_t cap)
{
	size_t len = 1;

	if (cap < 2 || arg[0] == '\0' || strpbrk(arg, "\r\n") != NULL) {
		errno = cap < 2 ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	out[0] = '/';
	out[1] = '\0';
	if (arg[0] != '/' && push_path(out, cap, &len, cwd) < 0)
		return -1;
	return push_path(out, cap, &len, arg);
}

int
zc_fs_open(int root_fd, const char *vpath, int flags, mode_t mode)
{
	struct open_how how;
	const char *rel = vpath;

	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	memset(&how, 0, sizeof(how));
	/* openat2 rejects flags that O_PATH ignores */
	how.flags = (unsigned long long)(flags | O_CLOEXEC |
					 ((flags & O_PATH) ? 0 : O_NOCTTY));
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	/* SECURITY: the kernel keeps every lookup beneath root_fd; ".."
	 * and absolute symlinks are clamped to it; /proc magic links are
	 * refused. */
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	return zc_openat2(root_fd, rel, &how);
}

int
zc_fs_stat(int root_fd, const char *vpath, int follow, struct stat *st)
{
	int fd = zc_fs_open(root_fd, vpath, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
	int rc;

	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

bool
zc_fs_is_plain_name(const char *name)
{
	return name[0] != '\0' && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strchr(name, '/') == NULL;
}

int
zc_fs_open_parent(int root_fd, const char *vpath, const char **name)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(vpath, '/');
	size_t plen;

	*name = slash != NULL ? slash + 1 : vpath;
	if (!zc_fs_is_plain_name(*name)) {
		errno = EINVAL;
		return -1;
	}
	plen = slash != NULL ? (size_t)(slash - vpath) : 0;
	if (plen >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(parent, vpath, plen);
	parent[plen] = '\0'; /* "" is the root itself */
	return zc_fs_open(root_fd, parent, O_PATH | O_DIRECTORY, 0);
}

/* Close without losing the errno of the call before. */
static void
close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

int
zc_fs_mkdir(int root_fd, const char *vpath, mode_t mode)
{
	const char *name;
	int dfd = zc_fs_open_parent(root_fd, vpath, &name);
	mode_t old;
	int rc;

	if (dfd < 0)
		return -1;
	/* mkdirat never follows a symlink in the last component: a link
	 * there is EEXIST, wherever it points. The mode is the caller's
	 * exactly (upload_umask), not masked again by the process umask;
	 * the process has one thread, so nothing else sees umask 0. */
	old = umask(0);
	rc = mkdirat(dfd, name, mode);
	umask(old);
	close_keep_errno(dfd);
	return rc;
}

static int
unlink_beneath(int root_fd, const char *vpath, int flags)
{
	const char *name;
	int dfd = zc_fs_open_parent(root_fd, vpath, &name);
	int rc;

	if (dfd < 0)
		return -1;
	/* removes the link itself, never its target */
	rc = unlinkat(dfd, name, flags);
	close_keep_errno(dfd);
	return rc;
}

int
zc_fs_unlink(int root_fd, const char *vpath)
{
	return unlink_beneath(root_fd, vpath, 0);
}

int
zc_fs_rmdir(int root_fd, const char *vpath)
{
	return unlink_beneath(root_fd, vpath, AT_REMOVEDIR);
}

int
zc_fs_rename(int root_fd, const char *from, const char *to)
{
	const char *fname, *tname;
	int ffd = -1, tfd = -1, rc = -1;

	ffd = zc_fs_open_parent(root_fd, from, &fname);
	if (ffd < 0)
		goto out;
	tfd = zc_fs_open_parent(root_fd, to, &tname);
	if (tfd < 0)
		goto out;
	/* renameat moves (or replaces) links themselves */
	rc = renameat(ffd, fname, tfd, tname);
out:
	if (ffd >= 0)
		close_keep_errno(ffd);
	if (tfd >= 0)
		close_keep_errno(tfd);
	return rc;
}

/* The target of chmod/utimes as an O_PATH fd: symlinks followed beneath
 * the root only; regular files and directories only (EPERM otherwise). */
static int
open_target(int root_fd, const char *vpath, struct stat *st)
{
	int fd = zc_fs_open(root_fd, vpath, O_PATH, 0);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		close_keep_errno(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* Before Linux 6.6 an O_PATH fd cannot be chmod()ed and, in a chroot
 * without /proc, not reopened either: open the path again for reading
 * (or writing) and check that it is still the same file. */
static int
reopen_target(int root_fd, const char *vpath, const struct stat *want)
{
	struct stat st;
	int fd;

	if (S_ISDIR(want->st_mode))
		fd = zc_fs_open(root_fd, vpath, O_RDONLY | O_DIRECTORY, 0);
	else
		fd = zc_fs_open(root_fd, vpath, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 && errno == EACCES && S_ISREG(want->st_mode))
		fd = zc_fs_open(root_fd, vpath, O_WRONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close_keep_errno(fd);
		return -1;
	}
	if (st.st_dev != want->st_dev || st.st_ino != want->st_ino) {
		close(fd); /* replaced meanwhile: refuse rather than guess */
		errno = EBUSY;
		return -1;
	}
	return fd;
}

int
zc_fs_chmod(int root_fd, const char *vpath, mode_t mode)
{
	struct stat st;
	int fd = open_target(root_fd, vpath, &st);
	int rc;

	if (fd < 0)
		return -1;
	/* SECURITY: change the inode that was resolved beneath the root,
	 * never a path again: fchmodat() on the name would follow a link
	 * swapped in meanwhile to anywhere */
	rc = zc_fchmodat2(fd, "", mode, AT_EMPTY_PATH);
	if (rc < 0 && errno == ENOSYS) {
		int wfd = reopen_target(root_fd, vpath, &st);
		rc = wfd >= 0 ? fchmod(wfd, mode) : -1;
		if (wfd >= 0)
			close_keep_errno(wfd);
	}
	close_keep_errno(fd);
	return rc;
}

int
zc_fs_utimes(int root_fd, const char *vpath, const struct timespec ts[2])
{
	struct stat st;
	int fd = open_target(root_fd, vpath, &st);
	int rc;

	if (fd < 0)
		return -1;
	rc = utimensat(fd, "", ts, AT_EMPTY_PATH);
	if (rc < 0 && errno == EINVAL) {
		/* AT_EMPTY_PATH came in Linux 5.8 (the times were checked
		 * by the caller): through a reopened fd instead */
		int wfd = reopen_target(root_fd, vpath, &st);
		rc = wfd >= 0 ? futimens(wfd, ts) : -1;
		if (wfd >= 0)
			close_keep_errno(wfd);
	}
	close_keep_errno(fd);
	return rc;
}

const char *
zc_fs_path_basename(const char *vpath)
{
	const char *slash = strrchr(vpath, '/');

	if (slash == NULL || slash[1] == '\0')
		return vpath;
	return slash + 1;
}

int
zc_fs_have_openat2(void)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT;
	fd = zc_openat2(AT_FDCWD, "/", &how);
	if (fd < 0)
		return errno == ENOSYS ? 0 : -1;
	close(fd);
	return 1;
}
