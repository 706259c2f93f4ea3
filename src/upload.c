/*
 * upload.c: where an upload's bytes go, and how it ends (commit or
 * discard). See upload.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "fs_path.h"
#include "log.h"
#include "upload.h"

size_t
zc_upload_tmp_name(char *out, size_t cap, uint64_t rnd)
{
	static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t plen = sizeof(ZC_UPLOAD_TMP_PREFIX) - 1;
	size_t len = plen + ZC_UPLOAD_TMP_RANDOM;

	if (cap <= len)
		return 0;
	memcpy(out, ZC_UPLOAD_TMP_PREFIX, plen);
	/* 36^12 is about 2^62: nearly all of the random value is used */
	for (size_t i = 0; i < ZC_UPLOAD_TMP_RANDOM; i++) {
		out[plen + i] = chars[rnd % 36];
		rnd /= 36;
	}
	out[len] = '\0';
	return len;
}

size_t
zc_upload_unique_name(char *out, size_t cap, const char *base, unsigned n)
{
	int len;

	if (n == 0)
		len = snprintf(out, cap, "%s", base);
	else
		len = snprintf(out, cap, "%s.%u", base, n);
	if (len < 0 || (size_t)len >= cap || (size_t)len > NAME_MAX) {
		if (cap > 0)
			out[0] = '\0';
		return 0;
	}
	return (size_t)len;
}

/* Set the mode of a file this upload created exactly (the worker's
 * umask must not decide what upload_umask says). */
static int
set_mode(int fd, mode_t mode)
{
	return fchmod(fd, mode & 0777);
}

/* Record the open file's identity and size; regular files only. */
static int
take_fd(struct zc_upload *u, int fd)
{
	struct stat st;

	u->fd = fd;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EPERM;
		return -1;
	}
	u->size = st.st_size;
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	return 0;
}

/* In place: create the file if it does not exist (`create`), else open
 * what is there (a symlink is followed, beneath the root only). */
static int
open_in_place(struct zc_upload *u, int root_fd, const char *vpath,
	      mode_t mode, bool create)
{
	int fd = -1;

	if (create) {
		/* O_EXCL: never through a symlink, and we know whether the
		 * file is ours to set the mode of */
		fd = zc_fs_open(u->dir_fd, u->name, O_WRONLY | O_CREAT | O_EXCL,
				0600);
		if (fd < 0 && errno != EEXIST)
			return -1;
		if (fd >= 0) {
			u->created = true;
			if (take_fd(u, fd) < 0)
				return -1;
			return set_mode(fd, mode);
		}
	}
	/* O_NONBLOCK: a FIFO must not hang the session (it is refused
	 * right after, as everything but a regular file) */
	fd = zc_fs_open(root_fd, vpath, O_WRONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	return take_fd(u, fd);
}

/* Atomic STOR: what may the temporary file replace, and with which
 * permission bits? A missing target gets `*mode`; a regular file keeps
 * its bits and must be writable (a read-only file stays protected, as it
 * would be without upload_atomic); a symlink is replaced by the file; a
 * directory or anything else is refused. */
static int
check_target(const struct zc_upload *u, mode_t *mode)
{
	struct stat st;

	if (fstatat(u->dir_fd, u->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (S_ISLNK(st.st_mode))
		return 0;
	if (!S_ISREG(st.st_mode)) {
		errno = EPERM;
		return -1;
	}
	if (faccessat(u->dir_fd, u->name, W_OK,
		      AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	*mode = st.st_mode & 0777;
	return 0;
}

static int
open_temporary(struct zc_upload *u, mode_t mode)
{
	if (check_target(u, &mode) < 0)
		return -1;
	/* a random name, created exclusively: a few tries cover a clash
	 * with another upload into the same directory */
	for (unsigned i = 0; i < 8; i++) {
		uint64_t rnd = ((uint64_t)arc4random() << 32) | arc4random();
		int fd;

		if (zc_upload_tmp_name(u->tmp, sizeof(u->tmp), rnd) == 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = zc_fs_open(u->dir_fd, u->tmp, O_WRONLY | O_CREAT | O_EXCL,
				0600);
		if (fd >= 0) {
			if (take_fd(u, fd) < 0 || set_mode(fd, mode) < 0)
				return -1;
			return 0;
		}
		u->tmp[0] = '\0'; /* not ours: never remove it */
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* STOU: the first free name of NAME, NAME.1, NAME.2, ... */
static int
open_unique(struct zc_upload *u, mode_t mode)
{
	char base[NAME_MAX + 1];

	memcpy(base, u->name, sizeof(base));
	for (unsigned n = 0; n <= ZC_UPLOAD_UNIQUE_TRIES; n++) {
		char cand[NAME_MAX + 1];
		int fd;

		if (zc_upload_unique_name(cand, sizeof(cand), base, n) == 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = zc_fs_open(u->dir_fd, cand, O_WRONLY | O_CREAT | O_EXCL,
				0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -1;
		memcpy(u->name, cand, sizeof(cand));
		u->created = true;
		if (take_fd(u, fd) < 0)
			return -1;
		return set_mode(fd, mode);
	}
	errno = EEXIST;
	return -1;
}

static int
open_kind(struct zc_upload *u, int root_fd, const char *vpath, off_t rest,
	  mode_t mode)
{
	switch (u->kind) {
	case ZC_UPLOAD_STOR:
		if (u->atomic)
			return open_temporary(u, mode);
		u->truncate = true;
		return open_in_place(u, root_fd, vpath, mode, true);
	case ZC_UPLOAD_APPE:
		if (open_in_place(u, root_fd, vpath, mode, true) < 0)
			return -1;
		u->start = u->size;
		return 0;
	case ZC_UPLOAD_RESUME:
		if (open_in_place(u, root_fd, vpath, mode, false) < 0)
			return -1;
		if (rest < 0 || rest > u->size) {
			errno = ERANGE; /* a hole is not a resume */
			return -1;
		}
		u->start = rest;
		return 0;
	case ZC_UPLOAD_UNIQUE:
		return open_unique(u, mode);
	}
	errno = EINVAL;
	return -1;
}

int
zc_upload_open(struct zc_upload *u, int root_fd, const char *vpath,
	       enum zc_upload_kind kind, off_t rest, mode_t mode, bool atomic)
{
	const char *name;

	memset(u, 0, sizeof(*u));
	u->dir_fd = u->fd = -1;
	u->kind = kind;
	u->atomic = atomic;
	u->dir_fd = zc_fs_open_parent(root_fd, vpath, &name);
	if (u->dir_fd < 0)
		return -1;
	if (zc_strlcpy(u->name, name, sizeof(u->name)) >= sizeof(u->name)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (open_kind(u, root_fd, vpath, rest, mode) < 0)
		goto fail;
	u->state = ZC_UPLOAD_OPEN;
	return 0;
fail: {
	int saved = errno;

	/* remove what this attempt made (the temporary file or the STOU
	 * file it just created), whatever upload_atomic says */
	u->state = ZC_UPLOAD_OPEN;
	u->atomic = true;
	zc_upload_fini(u);
	errno = saved;
	return -1;
}
}

int
zc_upload_begin(struct zc_upload *u)
{
	if (u->state != ZC_UPLOAD_OPEN) {
		errno = EINVAL;
		return -1;
	}
	return u->truncate ? ftruncate(u->fd, 0) : 0;
}

/* fsync the directory after the rename, so the new name is durable too;
 * a directory we may not read cannot be synced, which is only logged. */
static void
sync_dir(const struct zc_upload *u)
{
	int fd = zc_fs_open(u->dir_fd, "", O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0) {
		zc_log_debug("upload: cannot open the directory to fsync "
			     "it: %s", strerror(errno));
		return;
	}
	if (fsync(fd) < 0)
		zc_log_warn("upload: fsync of the directory");
	close(fd);
}

int
zc_upload_commit(struct zc_upload *u, bool do_fsync)
{
	int rc;

	if (u->state != ZC_UPLOAD_OPEN) {
		errno = EINVAL;
		return -1;
	}
	if (do_fsync && fsync(u->fd) < 0)
		goto fail;
	/* close() reports late write errors on some file systems (NFS) */
	rc = close(u->fd);
	u->fd = -1;
	if (rc < 0)
		goto fail;
	if (u->tmp[0] != '\0') {
		if (renameat(u->dir_fd, u->tmp, u->dir_fd, u->name) < 0)
			goto fail;
		u->tmp[0] = '\0';
		if (do_fsync)
			sync_dir(u);
	}
	u->state = ZC_UPLOAD_COMMITTED;
	return 0;
fail: {
	int saved = errno;

	zc_upload_discard(u);
	errno = saved;
	return -1;
}
}

/* Whether the name still refers to the file this upload created (it may
 * have been renamed or replaced meanwhile: then it is not ours). */
static bool
still_ours(const struct zc_upload *u)
{
	struct stat st;

	return fstatat(u->dir_fd, u->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == u->dev && st.st_ino == u->ino;
}

void
zc_upload_discard(struct zc_upload *u)
{
	if (u->state != ZC_UPLOAD_OPEN)
		return;
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
	if (u->tmp[0] != '\0') {
		if (unlinkat(u->dir_fd, u->tmp, 0) < 0)
			zc_log_warn("upload: removing the temporary file");
		u->tmp[0] = '\0';
	} else if (u->created && u->atomic && still_ours(u)) {
		/* this upload made the name: removing it loses nothing old */
		if (unlinkat(u->dir_fd, u->name, 0) < 0)
			zc_log_warn("upload: removing the incomplete file");
	}
	u->state = ZC_UPLOAD_DISCARDED;
}

bool
zc_upload_discard_matters(const struct zc_upload *u)
{
	return u->state == ZC_UPLOAD_OPEN &&
	       (u->tmp[0] != '\0' || (u->created && u->atomic));
}

void
zc_upload_fini(struct zc_upload *u)
{
	zc_upload_discard(u);
	if (u->fd >= 0)
		close(u->fd);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	u->fd = u->dir_fd = -1;
	u->state = ZC_UPLOAD_CLOSED;
}

/* ---- MFMT times -------------------------------------------------------- */

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static unsigned long
digits_value(const char *s, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): pure arithmetic, no time zone, no libc state. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static unsigned
days_in_month(unsigned long y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* The fraction after the '.': 1 to 9 digits, as nanoseconds. */
static int
parse_fraction(const char *s, size_t n, long *nsec)
{
	unsigned long v;

	if (n < 1 || n > 9 || !all_digits(s, n))
		return -1;
	v = digits_value(s, n);
	for (size_t i = n; i < 9; i++)
		v *= 10;
	*nsec = (long)v;
	return 0;
}

int
zc_upload_parse_time(const char *s, size_t len, struct timespec *out)
{
	unsigned long y, mo, d, h, mi, sec;
	long nsec = 0;

	if (len < 14 || !all_digits(s, 14))
		goto bad;
	if (len > 14 &&
	    (s[14] != '.' || parse_fraction(s + 15, len - 15, &nsec) < 0))
		goto bad;
	y = digits_value(s, 4);
	mo = digits_value(s + 4, 2);
	d = digits_value(s + 6, 2);
	h = digits_value(s + 8, 2);
	mi = digits_value(s + 10, 2);
	sec = digits_value(s + 12, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) ||
	    h > 23 || mi > 59 || sec > 59)
		goto bad;
	out->tv_sec = (time_t)(days_from_civil((long long)y, (unsigned)mo,
					       (unsigned)d) * 86400 +
			       (long long)(h * 3600 + mi * 60 + sec));
	out->tv_nsec = nsec;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
