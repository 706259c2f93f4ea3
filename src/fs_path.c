/*
 * fs_path.c: lexical path normalisation and confined opens. See fs_path.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
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
