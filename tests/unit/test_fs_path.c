/* Unit tests for fs_path.c: lexical normalisation (pure) and opens
 * confined beneath a root directory fd (on a real temp tree). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_path.h"
#include "tmptree.h"

/* ---- normalisation ------------------------------------------------------- */

static void
norm_is(const char *cwd, const char *arg, const char *want)
{
	char out[PATH_MAX];

	errno = 0;
	ck_assert_msg(zc_fs_path_normalize(cwd, arg, out, sizeof(out)) == 0,
		      "normalize(%s, %s) failed: %s", cwd, arg, strerror(errno));
	ck_assert_msg(strcmp(out, want) == 0, "normalize(%s, %s) = %s, want %s",
		      cwd, arg, out, want);
}

static void
norm_fails(const char *cwd, const char *arg, size_t cap, int want_errno)
{
	char out[PATH_MAX];

	ck_assert_uint_le(cap, sizeof(out));
	errno = 0;
	ck_assert_msg(zc_fs_path_normalize(cwd, arg, out, cap) == -1,
		      "normalize(%s, %s, cap %zu) succeeded: %s", cwd, arg, cap,
		      out);
	ck_assert_int_eq(errno, want_errno);
}

START_TEST(normalize_dot_and_dotdot_at_root)
{
	norm_is("/", ".", "/");
	norm_is("/", "..", "/");
	norm_is("/", "/", "/");
	norm_is("/", "/../../..", "/");
	norm_is("/", "../../../etc/passwd", "/etc/passwd");
	norm_is("/", "a/..", "/");
	norm_is("/", "a/../..", "/");
	norm_is("/", "./.", "/");
}
END_TEST

START_TEST(normalize_collapses_dots_and_slashes)
{
	norm_is("/", "a/./b//c", "/a/b/c");
	norm_is("/", "//a///b", "/a/b");
	norm_is("/", "a/b/../c/./d/..", "/a/c");
	norm_is("/", "a/b/.", "/a/b");
}
END_TEST

START_TEST(normalize_trailing_slashes)
{
	norm_is("/", "a/", "/a");
	norm_is("/", "a///", "/a");
	norm_is("/x", "a/b/", "/x/a/b");
	norm_is("/", "a/./", "/a");
}
END_TEST

START_TEST(normalize_relative_joins_cwd)
{
	norm_is("/home/u", "f", "/home/u/f");
	norm_is("/home/u", "..", "/home");
	norm_is("/home/u", "../../../etc", "/etc");
	norm_is("/home/u", ".", "/home/u");
	norm_is("/a/b", "./../c", "/a/c");
}
END_TEST

START_TEST(normalize_absolute_ignores_cwd)
{
	norm_is("/home/u", "/abs", "/abs");
	norm_is("/home/u", "/", "/");
	norm_is("/home/u", "/..", "/");
}
END_TEST

START_TEST(normalize_dotlike_names_are_names)
{
	norm_is("/", "...", "/...");
	norm_is("/", ".hidden", "/.hidden");
	norm_is("/", "..a", "/..a");
	norm_is("/", "a..", "/a..");
	norm_is("/d", "x/.../..", "/d/x");
	norm_is("/", "with space/ x", "/with space/ x");
}
END_TEST

START_TEST(normalize_rejects_cr_lf_and_empty)
{
	norm_fails("/", "a\rb", PATH_MAX, EINVAL);
	norm_fails("/", "a\nb", PATH_MAX, EINVAL);
	norm_fails("/", "file\r", PATH_MAX, EINVAL);
	norm_fails("/", "\n", PATH_MAX, EINVAL);
	norm_fails("/", "", PATH_MAX, EINVAL);
	norm_fails("/home", "", PATH_MAX, EINVAL);
}
END_TEST

START_TEST(normalize_component_longer_than_name_max)
{
	char name[NAME_MAX + 2];
	char arg[NAME_MAX + 8];

	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	snprintf(arg, sizeof(arg), "/%s", name);
	norm_is("/", name, arg); /* exactly NAME_MAX: fine */
	name[NAME_MAX] = 'n';
	name[NAME_MAX + 1] = '\0';
	norm_fails("/", name, PATH_MAX, ENAMETOOLONG);
	snprintf(arg, sizeof(arg), "a/%s", name);
	norm_fails("/", arg, PATH_MAX, ENAMETOOLONG);
}
END_TEST

START_TEST(normalize_result_must_fit_cap)
{
	char out[16];

	/* "/abc" needs 5 bytes with the NUL */
	ck_assert_int_eq(zc_fs_path_normalize("/", "abc", out, 5), 0);
	ck_assert_str_eq(out, "/abc");
	norm_fails("/", "abcd", 5, ENAMETOOLONG);
	norm_fails("/", "a/b/c", 5, ENAMETOOLONG);
	norm_fails("/long/cwd", "x", 8, ENAMETOOLONG);
	ck_assert_int_eq(zc_fs_path_normalize("/", ".", out, 2), 0);
	ck_assert_str_eq(out, "/");
	norm_fails("/", ".", 1, ENAMETOOLONG);
	norm_fails("/", ".", 0, ENAMETOOLONG);
}
END_TEST

START_TEST(normalize_long_path_up_to_path_max)
{
	char *arg = malloc(PATH_MAX + 64);
	char *out = malloc(PATH_MAX);
	size_t n = 0;

	ck_assert_ptr_nonnull(arg);
	ck_assert_ptr_nonnull(out);
	/* "/d/d/d/..." of exactly PATH_MAX - 1 bytes */
	while (n + 2 <= PATH_MAX - 1) {
		arg[n++] = '/';
		arg[n++] = 'd';
	}
	if (n < PATH_MAX - 1) {
		arg[n - 1] = 'd';
		arg[n++] = 'd';
	}
	arg[n] = '\0';
	ck_assert_uint_eq(n, PATH_MAX - 1);
	ck_assert_int_eq(zc_fs_path_normalize("/", arg, out, PATH_MAX), 0);
	ck_assert_str_eq(out, arg);
	arg[n++] = 'x';
	arg[n] = '\0';
	norm_fails("/", arg, PATH_MAX, ENAMETOOLONG);
	free(arg);
	free(out);
}
END_TEST

/* ---- properties over generated inputs ------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static void
random_path(char *out, size_t cap, bool absolute)
{
	static const char *const parts[] = {"a", "bb", "..", ".", "", "c.d",
					    "...", ".e", "f g", "zzzzzzzz"};
	size_t used = 0;
	unsigned n = rng() % 9;

	out[0] = '\0';
	if (absolute)
		used += (size_t)snprintf(out, cap, "/");
	for (unsigned i = 0; i < n && used < cap; i++) {
		const char *p = parts[rng() % (sizeof(parts) / sizeof(parts[0]))];
		used += (size_t)snprintf(out + used, cap - used, "%s%s",
					 i > 0 ? "/" : "", p);
		if (rng() % 5 == 0 && used < cap)
			used += (size_t)snprintf(out + used, cap - used, "/");
	}
}

/* Reference model: a stack of components; also reports the longest
 * intermediate result, since the implementation may fail on that. */
static void
reference_normalize(const char *cwd, const char *arg, char *out, size_t cap,
		    size_t *peak)
{
	char buf[2 * PATH_MAX];
	size_t starts[1024], lens[1024];
	size_t depth = 0, len = 1, used = 0;
	size_t i = 0, blen;

	snprintf(buf, sizeof(buf), "%s/%s", arg[0] == '/' ? "" : cwd, arg);
	blen = strlen(buf);
	*peak = 1;
	while (i < blen) {
		size_t s0, n;

		while (i < blen && buf[i] == '/')
			i++;
		s0 = i;
		while (i < blen && buf[i] != '/')
			i++;
		n = i - s0;
		if (n == 0 || (n == 1 && buf[s0] == '.'))
			continue;
		if (n == 2 && buf[s0] == '.' && buf[s0 + 1] == '.') {
			if (depth > 0) {
				depth--;
				len -= lens[depth] + (depth > 0 ? 1 : 0);
			}
			continue;
		}
		len += n + (depth > 0 ? 1 : 0);
		starts[depth] = s0;
		lens[depth++] = n;
		if (len > *peak)
			*peak = len;
	}
	used = (size_t)snprintf(out, cap, "/");
	for (size_t k = 0; k < depth; k++)
		used += (size_t)snprintf(out + used, cap - used, "%s%.*s",
					 k > 0 ? "/" : "", (int)lens[k],
					 buf + starts[k]);
	ck_assert_uint_eq(used, len);
}

static void
check_properties(const char *out, size_t cap)
{
	size_t len = strlen(out);

	ck_assert_uint_lt(len, cap);
	ck_assert_int_eq(out[0], '/');
	ck_assert_msg(strstr(out, "//") == NULL, "'//' in %s", out);
	ck_assert_msg(len == 1 || out[len - 1] != '/', "trailing / in %s", out);
	ck_assert_msg(strstr(out, "/./") == NULL && strstr(out, "/../") == NULL,
		      "dot component in %s", out);
	ck_assert_msg(!(len >= 2 && strcmp(out + len - 2, "/.") == 0) &&
			      !(len >= 3 && strcmp(out + len - 3, "/..") == 0),
		      "dot component at the end of %s", out);
}

START_TEST(normalize_properties_hold_for_generated_paths)
{
	static const size_t caps[] = {2, 3, 5, 8, 13, 24, 64, PATH_MAX};
	char cwd_raw[256], cwd[PATH_MAX], arg[256], out[PATH_MAX];
	char again[PATH_MAX], want[2 * PATH_MAX];

	for (int iter = 0; iter < 50000; iter++) {
		size_t cap = caps[rng() % (sizeof(caps) / sizeof(caps[0]))];
		size_t peak;
		int rc;

		random_path(cwd_raw, sizeof(cwd_raw), true);
		if (zc_fs_path_normalize("/", cwd_raw, cwd, sizeof(cwd)) < 0)
			continue;
		random_path(arg, sizeof(arg), rng() % 3 == 0);
		errno = 0;
		rc = zc_fs_path_normalize(cwd, arg, out, cap);
		if (arg[0] == '\0') {
			ck_assert_int_eq(rc, -1);
			ck_assert_int_eq(errno, EINVAL);
			continue;
		}
		reference_normalize(cwd, arg, want, sizeof(want), &peak);
		if (rc < 0) {
			ck_assert_int_eq(errno, ENAMETOOLONG);
			ck_assert_msg(peak + 1 > cap,
				      "(%s, %s, cap %zu) failed but fits", cwd,
				      arg, cap);
			continue;
		}
		ck_assert_msg(strcmp(out, want) == 0, "(%s, %s) = %s, want %s",
			      cwd, arg, out, want);
		check_properties(out, cap);
		/* idempotent, whatever the cwd, with the same cap */
		ck_assert_int_eq(zc_fs_path_normalize("/", out, again, cap), 0);
		ck_assert_str_eq(again, out);
		ck_assert_int_eq(zc_fs_path_normalize(cwd, out, again, cap), 0);
		ck_assert_str_eq(again, out);
		if (strlen(want) + 1 > cap)
			ck_abort_msg("(%s, %s) fits in cap %zu?", cwd, arg, cap);
	}
}
END_TEST

START_TEST(normalize_never_writes_past_cap)
{
	char buf[64];

	for (size_t cap = 0; cap < 24; cap++) {
		memset(buf, 'Z', sizeof(buf));
		if (zc_fs_path_normalize("/aa/bb", "cc/dd/../ee/ff/gg", buf, cap) ==
		    0)
			ck_assert_uint_lt(strlen(buf), cap);
		for (size_t i = cap; i < sizeof(buf); i++)
			ck_assert_msg(buf[i] == 'Z', "byte %zu written, cap %zu",
				      i, cap);
	}
}
END_TEST

/* ---- basename ------------------------------------------------------------- */

START_TEST(basename_of_normalized_paths)
{
	ck_assert_str_eq(zc_fs_path_basename("/"), "/");
	ck_assert_str_eq(zc_fs_path_basename("/a"), "a");
	ck_assert_str_eq(zc_fs_path_basename("/a/b.txt"), "b.txt");
	ck_assert_str_eq(zc_fs_path_basename("/dir/sub/..."), "...");
	ck_assert_str_eq(zc_fs_path_basename("name"), "name");
}
END_TEST

/* ---- confinement on a real tree -------------------------------------------
 *
 *   base/outside_marker        "SECRET\n"   (must never be reachable)
 *   base/root/                  the root handed to zc_fs_open
 *   base/root/file.txt          "hello\n"
 *   base/root/sub/inner.txt     "inner\n"
 *   base/root/abs_passwd     -> /etc/passwd
 *   base/root/up_hostname    -> ../../../../etc/hostname
 *   base/root/link_in        -> sub/inner.txt
 *   base/root/abs_in         -> /sub/inner.txt
 *   base/root/to_marker      -> ../outside_marker
 *   base/root/abs_marker     -> <base>/outside_marker
 *   base/root/sub/esc        -> ../../outside_marker
 *   base/root/dotdot         -> ..
 *   base/root/subdir_link    -> sub
 */
static char base[64];
static char rootdir[128];

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
put_link(const char *target, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", rootdir, name);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void
tree_setup(void)
{
	char path[256];

	snprintf(base, sizeof(base), "/tmp/zc-test-fs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(rootdir, sizeof(rootdir), "%s/root", base);
	ck_assert_int_eq(mkdir(rootdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub", rootdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put_file(base, "outside_marker", "SECRET\n");
	put_file(rootdir, "file.txt", "hello\n");
	put_file(rootdir, "sub/inner.txt", "inner\n");
	put_link("/etc/passwd", "abs_passwd");
	put_link("../../../../etc/hostname", "up_hostname");
	put_link("sub/inner.txt", "link_in");
	put_link("/sub/inner.txt", "abs_in");
	put_link("../outside_marker", "to_marker");
	snprintf(path, sizeof(path), "%s/outside_marker", base);
	put_link(path, "abs_marker");
	put_link("../../outside_marker", "sub/esc");
	put_link("..", "dotdot");
	put_link("sub", "subdir_link");
}

static void
tree_teardown(void)
{
	test_rm_tree(base);
}

static int
open_root(void)
{
	int fd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

/* Read a small file through zc_fs_open into a static buffer. */
static const char *
read_vpath(int root, const char *vpath)
{
	static char buf[256];
	int fd = zc_fs_open(root, vpath, O_RDONLY, 0);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", vpath, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void
open_fails(int root, const char *vpath, int want_errno)
{
	int fd;

	errno = 0;
	fd = zc_fs_open(root, vpath, O_RDONLY, 0);
	if (fd >= 0) {
		char buf[64] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		ck_abort_msg("open %s succeeded (read %zd bytes: %s)", vpath, n,
			     buf);
	}
	ck_assert_msg(errno == want_errno, "open %s: errno %d (%s), want %d",
		      vpath, errno, strerror(errno), want_errno);
}

static char *
read_real(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

START_TEST(kernel_has_openat2)
{
	ck_assert_int_eq(zc_fs_have_openat2(), 1);
}
END_TEST

START_TEST(open_files_inside_root)
{
	int root = open_root();

	ck_assert_str_eq(read_vpath(root, "file.txt"), "hello\n");
	ck_assert_str_eq(read_vpath(root, "/file.txt"), "hello\n");
	ck_assert_str_eq(read_vpath(root, "//sub/../file.txt"), "hello\n");
	ck_assert_str_eq(read_vpath(root, "/sub/inner.txt"), "inner\n");
	open_fails(root, "/missing", ENOENT);
	open_fails(root, "/file.txt/x", ENOTDIR);
	close(root);
}
END_TEST

START_TEST(open_root_itself)
{
	int root = open_root();
	struct stat a, b;
	int fd = zc_fs_open(root, "/", O_RDONLY | O_DIRECTORY, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(fstat(root, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_uint_eq(a.st_dev, b.st_dev);
	close(fd);
	fd = zc_fs_open(root, "", O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	close(root);
}
END_TEST

START_TEST(opened_fd_is_close_on_exec)
{
	int root = open_root();
	int fd = zc_fs_open(root, "file.txt", O_RDONLY, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	close(root);
}
END_TEST

START_TEST(dotdot_is_clamped_at_root)
{
	int root = open_root();
	char path[256];

	open_fails(root, "../outside_marker", ENOENT);
	open_fails(root, "/../../outside_marker", ENOENT);
	open_fails(root, "sub/../../outside_marker", ENOENT);
	/* ".." of the root is the root itself */
	ck_assert_str_eq(read_vpath(root, "../file.txt"), "hello\n");
	ck_assert_str_eq(read_vpath(root, "/../../../sub/inner.txt"), "inner\n");
	snprintf(path, sizeof(path), "../root/file.txt");
	open_fails(root, path, ENOENT);
	close(root);
}
END_TEST

START_TEST(absolute_host_paths_are_relative_to_root)
{
	int root = open_root();
	char path[256];

	snprintf(path, sizeof(path), "%s/outside_marker", base);
	ck_assert_ptr_nonnull(read_real(path)); /* it does exist */
	open_fails(root, path, ENOENT);
	snprintf(path, sizeof(path), "%s/file.txt", rootdir);
	open_fails(root, path, ENOENT);
	close(root);
}
END_TEST

START_TEST(absolute_symlink_resolves_inside_root)
{
	int root = open_root();
	char etc[256];

	open_fails(root, "abs_passwd", ENOENT);
	snprintf(etc, sizeof(etc), "%s/etc", rootdir);
	ck_assert(mkdir(etc, 0755) == 0 || errno == EEXIST);
	put_file(etc, "passwd", "fake-passwd\n");
	ck_assert_str_eq(read_vpath(root, "abs_passwd"), "fake-passwd\n");
	snprintf(etc, sizeof(etc), "%s/etc/passwd", rootdir);
	ck_assert_int_eq(unlink(etc), 0);
	close(root);
}
END_TEST

START_TEST(relative_symlink_escape_is_clamped)
{
	int root = open_root();
	char etc[256];

	open_fails(root, "up_hostname", ENOENT);
	snprintf(etc, sizeof(etc), "%s/etc", rootdir);
	ck_assert(mkdir(etc, 0755) == 0 || errno == EEXIST);
	put_file(etc, "hostname", "fakehost\n");
	ck_assert_str_eq(read_vpath(root, "up_hostname"), "fakehost\n");
	snprintf(etc, sizeof(etc), "%s/etc/hostname", rootdir);
	ck_assert_int_eq(unlink(etc), 0);
	close(root);
}
END_TEST

START_TEST(marker_outside_root_is_unreachable_through_symlinks)
{
	int root = open_root();
	char path[256];

	/* without confinement these links do reach the marker */
	snprintf(path, sizeof(path), "%s/sub/esc", rootdir);
	ck_assert_str_eq(read_real(path), "SECRET\n");
	snprintf(path, sizeof(path), "%s/to_marker", rootdir);
	ck_assert_str_eq(read_real(path), "SECRET\n");
	snprintf(path, sizeof(path), "%s/dotdot/outside_marker", rootdir);
	ck_assert_str_eq(read_real(path), "SECRET\n");

	open_fails(root, "sub/esc", ENOENT);
	open_fails(root, "to_marker", ENOENT);
	open_fails(root, "abs_marker", ENOENT);
	open_fails(root, "dotdot/outside_marker", ENOENT);
	open_fails(root, "subdir_link/esc", ENOENT);
	ck_assert_str_eq(read_vpath(root, "dotdot/file.txt"), "hello\n");
	close(root);
}
END_TEST

START_TEST(symlinks_inside_root_work)
{
	int root = open_root();

	ck_assert_str_eq(read_vpath(root, "link_in"), "inner\n");
	ck_assert_str_eq(read_vpath(root, "abs_in"), "inner\n");
	ck_assert_str_eq(read_vpath(root, "subdir_link/inner.txt"), "inner\n");
	close(root);
}
END_TEST

START_TEST(create_through_escaping_paths_stays_inside)
{
	int root = open_root();
	char path[256];
	int fd;

	fd = zc_fs_open(root, "to_marker", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		ck_assert_int_eq(write(fd, "PWNED\n", 6), 6);
		close(fd);
		snprintf(path, sizeof(path), "%s/outside_marker", rootdir);
		ck_assert_str_eq(read_real(path), "PWNED\n");
		ck_assert_int_eq(unlink(path), 0);
	}
	snprintf(path, sizeof(path), "%s/outside_marker", base);
	ck_assert_str_eq(read_real(path), "SECRET\n");

	fd = zc_fs_open(root, "../new_file", O_WRONLY | O_CREAT | O_EXCL, 0640);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/new_file", base);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/new_file", rootdir);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(unlink(path), 0);
	close(root);
}
END_TEST

START_TEST(create_uses_mode)
{
	int root = open_root();
	char path[256];
	struct stat st;
	mode_t old = umask(022);
	int fd = zc_fs_open(root, "/sub/created", O_WRONLY | O_CREAT | O_EXCL,
			    0640);

	umask(old);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	close(fd);
	snprintf(path, sizeof(path), "%s/sub/created", rootdir);
	ck_assert_int_eq(unlink(path), 0);
	close(root);
}
END_TEST

START_TEST(stat_follows_or_sees_the_link)
{
	int root = open_root();
	struct stat st, rst;

	ck_assert_int_eq(zc_fs_stat(root, "link_in", 1, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 6);
	ck_assert_int_eq(zc_fs_stat(root, "link_in", 0, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(st.st_size, strlen("sub/inner.txt"));

	/* a dangling (inside the root) absolute link: lstat works */
	ck_assert_int_eq(zc_fs_stat(root, "abs_passwd", 0, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	errno = 0;
	ck_assert_int_eq(zc_fs_stat(root, "abs_passwd", 1, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(zc_fs_stat(root, "to_marker", 1, &st), -1);
	ck_assert_int_eq(errno, ENOENT);

	ck_assert_int_eq(zc_fs_stat(root, "/sub", 1, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(zc_fs_stat(root, "/", 0, &st), 0);
	ck_assert_int_eq(fstat(root, &rst), 0);
	ck_assert_uint_eq(st.st_ino, rst.st_ino);
	/* the root's ".." is the root, not base/ */
	ck_assert_int_eq(zc_fs_stat(root, "..", 1, &st), 0);
	ck_assert_uint_eq(st.st_ino, rst.st_ino);
	errno = 0;
	ck_assert_int_eq(zc_fs_stat(root, "/nope", 1, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	close(root);
}
END_TEST

START_TEST(open_nofollow_refuses_a_link)
{
	int root = open_root();
	int fd;

	errno = 0;
	fd = zc_fs_open(root, "link_in", O_RDONLY | O_NOFOLLOW, 0);
	if (fd >= 0)
		close(fd);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, ELOOP);
	close(root);
}
END_TEST

/* ---- changes beneath the root (write commands) ------------------------------ */

/* Whether a host path exists (without following a final symlink). */
static bool
exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static mode_t
host_mode(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode;
}

/* A directory outside the root, reachable by an absolute and a relative
 * symlink (without confinement). */
static void
outside_dir_setup(void)
{
	char path[256];

	tree_setup();
	snprintf(path, sizeof(path), "%s/outdir", base);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put_link(path, "abs_outdir");
	put_link("../outdir", "rel_outdir");
}

START_TEST(plain_names)
{
	ck_assert(zc_fs_is_plain_name("a"));
	ck_assert(zc_fs_is_plain_name("..."));
	ck_assert(zc_fs_is_plain_name(".hidden"));
	ck_assert(!zc_fs_is_plain_name(""));
	ck_assert(!zc_fs_is_plain_name("."));
	ck_assert(!zc_fs_is_plain_name(".."));
	ck_assert(!zc_fs_is_plain_name("a/b"));
}
END_TEST

START_TEST(last_component_must_be_a_name)
{
	int root = open_root();
	static const char *const bad[] = {"/", "", "/sub/.", "/sub/..", "sub/",
					  ".", ".."};
	const char *name;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_int_eq(zc_fs_open_parent(root, bad[i], &name), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(zc_fs_mkdir(root, bad[i], 0755), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(zc_fs_rmdir(root, bad[i]), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(zc_fs_unlink(root, bad[i]), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(zc_fs_rename(root, bad[i], "/x"), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_int_eq(zc_fs_rename(root, "/file.txt", bad[i]), -1);
	}
	ck_assert(exists(rootdir, "file.txt"));
	ck_assert(exists(rootdir, "sub"));
	close(root);
}
END_TEST

START_TEST(mkdir_and_rmdir_inside)
{
	int root = open_root();

	umask(077);
	ck_assert_int_eq(zc_fs_mkdir(root, "/sub/new", 0755), 0);
	umask(022);
	ck_assert(S_ISDIR(host_mode(rootdir, "sub/new")));
	ck_assert_uint_eq(host_mode(rootdir, "sub/new") & 07777, 0755);
	errno = 0;
	ck_assert_int_eq(zc_fs_mkdir(root, "/sub/new", 0755), -1);
	ck_assert_int_eq(errno, EEXIST);
	errno = 0;
	ck_assert_int_eq(zc_fs_rmdir(root, "/sub"), -1);
	ck_assert_int_eq(errno, ENOTEMPTY);
	ck_assert_int_eq(zc_fs_rmdir(root, "/sub/new"), 0);
	ck_assert(!exists(rootdir, "sub/new"));
	errno = 0;
	ck_assert_int_eq(zc_fs_rmdir(root, "/file.txt"), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	close(root);
}
END_TEST

START_TEST(mkdir_cannot_escape)
{
	int root = open_root();

	/* ".." and absolute host paths are clamped / taken as inside */
	ck_assert_int_eq(zc_fs_mkdir(root, "../../up", 0755), 0);
	ck_assert(exists(rootdir, "up"));
	ck_assert(!exists(base, "up"));
	errno = 0;
	ck_assert_int_eq(zc_fs_mkdir(root, "/tmp/zc-escape-test", 0755), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(access("/tmp/zc-escape-test", F_OK), -1);
	/* through a symlinked directory that points out */
	errno = 0;
	ck_assert_int_eq(zc_fs_mkdir(root, "abs_outdir/x", 0755), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(zc_fs_mkdir(root, "rel_outdir/x", 0755), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(!exists(base, "outdir/x"));
	/* "dotdot" -> ".." is the root itself */
	ck_assert_int_eq(zc_fs_mkdir(root, "dotdot/y", 0755), 0);
	ck_assert(exists(rootdir, "y"));
	ck_assert(!exists(base, "y"));
	/* a symlink as the last component is never followed */
	errno = 0;
	ck_assert_int_eq(zc_fs_mkdir(root, "to_marker", 0755), -1);
	ck_assert_int_eq(errno, EEXIST);
	close(root);
}
END_TEST

START_TEST(unlink_removes_links_not_their_targets)
{
	int root = open_root();

	ck_assert_int_eq(zc_fs_unlink(root, "/to_marker"), 0);
	ck_assert(!exists(rootdir, "to_marker"));
	ck_assert(exists(base, "outside_marker"));
	ck_assert_int_eq(zc_fs_unlink(root, "/abs_marker"), 0);
	ck_assert(exists(base, "outside_marker"));
	ck_assert_int_eq(zc_fs_unlink(root, "/sub/esc"), 0);
	ck_assert(exists(base, "outside_marker"));
	/* the marker itself is out of reach */
	errno = 0;
	ck_assert_int_eq(zc_fs_unlink(root, "../outside_marker"), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(zc_fs_unlink(root, "dotdot/outside_marker"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(exists(base, "outside_marker"));
	/* through a link to a directory outside: not found */
	errno = 0;
	ck_assert_int_eq(zc_fs_unlink(root, "abs_outdir/anything"), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* a directory is not unlinked */
	errno = 0;
	ck_assert_int_eq(zc_fs_unlink(root, "/sub"), -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_int_eq(zc_fs_unlink(root, "/file.txt"), 0);
	ck_assert(!exists(rootdir, "file.txt"));
	close(root);
}
END_TEST

START_TEST(rmdir_of_a_link_to_a_directory_fails)
{
	int root = open_root();

	errno = 0;
	ck_assert_int_eq(zc_fs_rmdir(root, "/abs_outdir"), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	errno = 0;
	ck_assert_int_eq(zc_fs_rmdir(root, "/rel_outdir"), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert(exists(base, "outdir"));
	close(root);
}
END_TEST

START_TEST(rename_cannot_escape)
{
	int root = open_root();
	char path[256];

	/* out of the root by "..": lands at the root */
	ck_assert_int_eq(zc_fs_rename(root, "/file.txt", "../../moved"), 0);
	ck_assert(exists(rootdir, "moved"));
	ck_assert(!exists(base, "moved"));
	/* into a directory outside through links: not found */
	errno = 0;
	ck_assert_int_eq(zc_fs_rename(root, "/moved", "abs_outdir/m"), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(zc_fs_rename(root, "/moved", "rel_outdir/m"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(!exists(base, "outdir/m"));
	/* from outside: not found */
	errno = 0;
	ck_assert_int_eq(zc_fs_rename(root, "../outside_marker", "/got"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(exists(base, "outside_marker"));
	/* a link is renamed as a link; its target stays */
	ck_assert_int_eq(zc_fs_rename(root, "/to_marker", "/sub/renamed"), 0);
	ck_assert(S_ISLNK(host_mode(rootdir, "sub/renamed")));
	ck_assert(exists(base, "outside_marker"));
	/* replacing a link by a file does not write through it */
	ck_assert_int_eq(zc_fs_rename(root, "/moved", "/abs_marker"), 0);
	ck_assert(S_ISREG(host_mode(rootdir, "abs_marker")));
	snprintf(path, sizeof(path), "%s/outside_marker", base);
	ck_assert_str_eq(read_real(path), "SECRET\n");
	close(root);
}
END_TEST

START_TEST(chmod_and_utimes_follow_links_only_inside)
{
	int root = open_root();
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
				 {.tv_sec = 1000000000, .tv_nsec = 5}};
	static const char *const out[] = {"to_marker", "abs_marker", "sub/esc",
					  "dotdot/outside_marker",
					  "../outside_marker"};
	mode_t before = host_mode(base, "outside_marker");
	struct stat st;
	char path[256];

	ck_assert_int_eq(zc_fs_chmod(root, "/file.txt", 0600), 0);
	ck_assert_uint_eq(host_mode(rootdir, "file.txt") & 07777, 0600);
	/* a link inside the root changes its target */
	ck_assert_int_eq(zc_fs_chmod(root, "/link_in", 0640), 0);
	ck_assert_uint_eq(host_mode(rootdir, "sub/inner.txt") & 07777, 0640);
	ck_assert_int_eq(zc_fs_chmod(root, "/sub", 0700), 0);
	ck_assert_uint_eq(host_mode(rootdir, "sub") & 07777, 0700);
	/* links that point out: their targets are not there */
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		errno = 0;
		ck_assert_int_eq(zc_fs_chmod(root, out[i], 0777), -1);
		ck_assert_int_eq(errno, ENOENT);
		errno = 0;
		ck_assert_int_eq(zc_fs_utimes(root, out[i], ts), -1);
		ck_assert_int_eq(errno, ENOENT);
	}
	ck_assert_uint_eq(host_mode(base, "outside_marker"), before);
	ck_assert_int_eq(zc_fs_utimes(root, "/file.txt", ts), 0);
	snprintf(path, sizeof(path), "%s/file.txt", rootdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mtim.tv_sec, 1000000000);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 5);
	close(root);
}
END_TEST

START_TEST(chmod_refuses_special_files)
{
	int root = open_root();
	char path[256];

	snprintf(path, sizeof(path), "%s/fifo", rootdir);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	errno = 0;
	ck_assert_int_eq(zc_fs_chmod(root, "/fifo", 0666), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_uint_eq(host_mode(rootdir, "fifo") & 07777, 0644);
	close(root);
}
END_TEST

static Suite *
fs_path_suite(void)
{
	Suite *s = suite_create("fs_path");
	TCase *tc;

	tc = tcase_create("normalize");
	tcase_add_test(tc, normalize_dot_and_dotdot_at_root);
	tcase_add_test(tc, normalize_collapses_dots_and_slashes);
	tcase_add_test(tc, normalize_trailing_slashes);
	tcase_add_test(tc, normalize_relative_joins_cwd);
	tcase_add_test(tc, normalize_absolute_ignores_cwd);
	tcase_add_test(tc, normalize_dotlike_names_are_names);
	tcase_add_test(tc, normalize_rejects_cr_lf_and_empty);
	tcase_add_test(tc, normalize_component_longer_than_name_max);
	tcase_add_test(tc, normalize_result_must_fit_cap);
	tcase_add_test(tc, normalize_long_path_up_to_path_max);
	tcase_add_test(tc, normalize_never_writes_past_cap);
	tcase_add_test(tc, basename_of_normalized_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("properties");
	tcase_add_test(tc, normalize_properties_hold_for_generated_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("confinement");
	/* unchecked: built once in the parent, removed even if a test fails */
	tcase_add_unchecked_fixture(tc, tree_setup, tree_teardown);
	tcase_add_test(tc, kernel_has_openat2);
	tcase_add_test(tc, open_files_inside_root);
	tcase_add_test(tc, open_root_itself);
	tcase_add_test(tc, opened_fd_is_close_on_exec);
	tcase_add_test(tc, dotdot_is_clamped_at_root);
	tcase_add_test(tc, absolute_host_paths_are_relative_to_root);
	tcase_add_test(tc, absolute_symlink_resolves_inside_root);
	tcase_add_test(tc, relative_symlink_escape_is_clamped);
	tcase_add_test(tc, marker_outside_root_is_unreachable_through_symlinks);
	tcase_add_test(tc, symlinks_inside_root_work);
	tcase_add_test(tc, create_through_escaping_paths_stays_inside);
	tcase_add_test(tc, create_uses_mode);
	tcase_add_test(tc, stat_follows_or_sees_the_link);
	tcase_add_test(tc, open_nofollow_refuses_a_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("changes");
	/* checked: a fresh tree for every test, as each one changes it */
	tcase_add_checked_fixture(tc, outside_dir_setup, tree_teardown);
	tcase_add_test(tc, plain_names);
	tcase_add_test(tc, last_component_must_be_a_name);
	tcase_add_test(tc, mkdir_and_rmdir_inside);
	tcase_add_test(tc, mkdir_cannot_escape);
	tcase_add_test(tc, unlink_removes_links_not_their_targets);
	tcase_add_test(tc, rmdir_of_a_link_to_a_directory_fails);
	tcase_add_test(tc, rename_cannot_escape);
	tcase_add_test(tc, chmod_and_utimes_follow_links_only_inside);
	tcase_add_test(tc, chmod_refuses_special_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fs_path_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
