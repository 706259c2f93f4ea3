/*
 * Unit tests for upload.c: the temporary and STOU names (pure), the MFMT
 * time parser (pure), and the life of an upload on a real temp tree:
 * atomic replacement on commit, the old file intact and the temporary
 * file gone on discard, in-place STOR/APPE/REST, STOU names, modes, and
 * names that are symlinks pointing out of the root.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upload.h"
#include "tmptree.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PREFIX_LEN (sizeof(ZC_UPLOAD_TMP_PREFIX) - 1)

/* ---- names ---------------------------------------------------------------- */

START_TEST(tmp_name_shape)
{
	char a[64], b[64];
	size_t n = zc_upload_tmp_name(a, sizeof(a), 0x0123456789abcdefULL);

	ck_assert_uint_eq(n, PREFIX_LEN + ZC_UPLOAD_TMP_RANDOM);
	ck_assert_uint_eq(strlen(a), n);
	ck_assert(strncmp(a, ZC_UPLOAD_TMP_PREFIX, PREFIX_LEN) == 0);
	ck_assert(a[0] == '.'); /* hidden from LIST without -a */
	ck_assert_uint_eq(strspn(a + PREFIX_LEN,
				 "0123456789abcdefghijklmnopqrstuvwxyz"),
			  ZC_UPLOAD_TMP_RANDOM);
	zc_upload_tmp_name(b, sizeof(b), 0x0123456789abcdeeULL);
	ck_assert_str_ne(a, b);
	zc_upload_tmp_name(b, sizeof(b), 0x0123456789abcdefULL);
	ck_assert_str_eq(a, b); /* pure */
}
END_TEST

START_TEST(tmp_name_never_overflows)
{
	char small[64];

	for (size_t cap = 0; cap <= PREFIX_LEN + ZC_UPLOAD_TMP_RANDOM; cap++) {
		memset(small, 'Z', sizeof(small));
		ck_assert_uint_eq(zc_upload_tmp_name(small, cap, 42), 0);
		ck_assert_int_eq(small[cap], 'Z');
	}
	ck_assert_uint_gt(zc_upload_tmp_name(small,
					      PREFIX_LEN + ZC_UPLOAD_TMP_RANDOM + 1,
					      42),
			  0);
}
END_TEST

START_TEST(unique_names)
{
	char out[NAME_MAX + 1], base[NAME_MAX + 1];

	ck_assert_uint_eq(zc_upload_unique_name(out, sizeof(out), "f.txt", 0), 5);
	ck_assert_str_eq(out, "f.txt");
	zc_upload_unique_name(out, sizeof(out), "f.txt", 1);
	ck_assert_str_eq(out, "f.txt.1");
	zc_upload_unique_name(out, sizeof(out), "f.txt", 999);
	ck_assert_str_eq(out, "f.txt.999");
	/* a candidate longer than NAME_MAX is no candidate */
	memset(base, 'a', NAME_MAX - 2);
	base[NAME_MAX - 2] = '\0';
	ck_assert_uint_gt(zc_upload_unique_name(out, sizeof(out), base, 9), 0);
	ck_assert_uint_eq(zc_upload_unique_name(out, sizeof(out), base, 10), 0);
	ck_assert_uint_eq(zc_upload_unique_name(out, 4, "f.txt", 0), 0);
}
END_TEST

/* ---- MFMT times ----------------------------------------------------------- */

static void
time_is(const char *s, long long sec, long nsec)
{
	struct timespec ts;

	ck_assert_msg(zc_upload_parse_time(s, strlen(s), &ts) == 0,
		      "%s refused", s);
	ck_assert_msg((long long)ts.tv_sec == sec && ts.tv_nsec == nsec,
		      "%s -> %lld.%09ld, want %lld.%09ld", s,
		      (long long)ts.tv_sec, ts.tv_nsec, sec, nsec);
}

START_TEST(mfmt_times_parse_as_utc)
{
	/* values from Python's calendar.timegm */
	time_is("19700101000000", 0, 0);
	time_is("20020717210715", 1026940035LL, 0);
	time_is("20240229000000", 1709164800LL, 0);
	time_is("19691231235959", -1, 0);
	time_is("00010101000000", -62135596800LL, 0);
	time_is("99991231235959", 253402300799LL, 0);
	time_is("20000229120000", 951825600LL, 0); /* 2000 is a leap year */
	time_is("20020717210715.5", 1026940035LL, 500000000L);
	time_is("20020717210715.123", 1026940035LL, 123000000L);
	time_is("20020717210715.123456789", 1026940035LL, 123456789L);
}
END_TEST

START_TEST(mfmt_bad_times_are_refused)
{
	static const char *const bad[] = {
		"",		     "2002071721071",	 "2002071721071x",
		"20021317210715",    "20020017210715",	 "20020732210715",
		"20020700210715",    "20230229000000",	 "21000229000000",
		"20020431000000",    "20020717240000",	 "20020717236000",
		"20020717235960",    "20020717210715.",	 "20020717210715.1234567890",
		"20020717210715,5",  "20020717210715.5x", "+2002071721071",
		"2002-07-17 21:07",  " 20020717210715",
	};
	struct timespec ts;

	for (size_t i = 0; i < N(bad); i++) {
		errno = 0;
		ck_assert_msg(zc_upload_parse_time(bad[i], strlen(bad[i]), &ts) ==
				      -1,
			      "%s accepted", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	/* the length given is what counts: a path after it is not read */
	ck_assert_int_eq(zc_upload_parse_time("20020717210715 x", 14, &ts), 0);
	ck_assert_int_eq(zc_upload_parse_time("20020717210715 x", 16, &ts), -1);
}
END_TEST

/* ---- uploads on a temp tree ------------------------------------------------- */

static char base[64], rootdir[128];

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", rootdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Contents of a file relative to `dir` (NULL if missing). */
static char *
slurp(const char *dir, const char *name)
{
	static char buf[4096];
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static mode_t
mode_of(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", rootdir, name);
	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode;
}

/* Number of entries in the root whose names start with the prefix. */
static int
temporaries(void)
{
	DIR *d = opendir(rootdir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, ZC_UPLOAD_TMP_PREFIX, PREFIX_LEN) == 0;
	closedir(d);
	return n;
}

static void
tree_setup(void)
{
	char path[256], link[256];

	snprintf(base, sizeof(base), "/tmp/zc-test-upload-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(rootdir, sizeof(rootdir), "%s/root", base);
	ck_assert_int_eq(mkdir(rootdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub", rootdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", base);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside/secret", base);
	ck_assert_int_eq(close(open(path, O_WRONLY | O_CREAT, 0644)), 0);
	put("old.txt", "OLD CONTENTS\n", 0640);
	snprintf(path, sizeof(path), "%s/outside/secret", base);
	snprintf(link, sizeof(link), "%s/abs_out", rootdir);
	ck_assert_int_eq(symlink(path, link), 0);
	snprintf(path, sizeof(path), "%s/link_out", rootdir);
	ck_assert_int_eq(symlink("../outside/secret", path), 0);
	umask(022);
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

static void
put_bytes(struct zc_upload *u, const char *text)
{
	size_t len = strlen(text);

	ck_assert_int_eq(pwrite(u->fd, text, len, u->start), (ssize_t)len);
}

START_TEST(atomic_stor_replaces_only_on_commit)
{
	int root = open_root();
	struct zc_upload u;

	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_STOR, 0,
					0644, true),
			 0);
	ck_assert_int_eq(u.state, ZC_UPLOAD_OPEN);
	ck_assert(zc_upload_discard_matters(&u));
	ck_assert_str_eq(u.name, "old.txt");
	ck_assert(strncmp(u.tmp, ZC_UPLOAD_TMP_PREFIX, PREFIX_LEN) == 0);
	ck_assert_int_eq(temporaries(), 1);
	ck_assert_int_eq(zc_upload_begin(&u), 0);
	put_bytes(&u, "NEW\n");
	/* during the upload readers still see the old file */
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD CONTENTS\n");
	ck_assert_int_eq(zc_upload_commit(&u, true), 0);
	ck_assert_int_eq(u.state, ZC_UPLOAD_COMMITTED);
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "NEW\n");
	ck_assert_int_eq(temporaries(), 0);
	/* the old file's permission bits, not upload_umask's */
	ck_assert_uint_eq(mode_of("old.txt") & 07777, 0640);
	/* committed: discard and a second commit change nothing */
	zc_upload_discard(&u);
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "NEW\n");
	errno = 0;
	ck_assert_int_eq(zc_upload_commit(&u, false), -1);
	ck_assert_int_eq(errno, EINVAL);
	zc_upload_fini(&u);
	ck_assert_int_eq(u.state, ZC_UPLOAD_CLOSED);
	close(root);
}
END_TEST

START_TEST(atomic_stor_discard_keeps_the_old_file)
{
	int root = open_root();
	struct zc_upload u;

	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_STOR, 0,
					0644, true),
			 0);
	put_bytes(&u, "HALF");
	zc_upload_discard(&u);
	ck_assert_int_eq(u.state, ZC_UPLOAD_DISCARDED);
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD CONTENTS\n");
	ck_assert_int_eq(temporaries(), 0);
	zc_upload_discard(&u); /* idempotent */
	zc_upload_fini(&u);
	/* fini of an open upload discards it too */
	ck_assert_int_eq(zc_upload_open(&u, root, "/new.txt", ZC_UPLOAD_STOR, 0,
					0644, true),
			 0);
	ck_assert_int_eq(temporaries(), 1);
	zc_upload_fini(&u);
	ck_assert_int_eq(temporaries(), 0);
	ck_assert_ptr_null(slurp(rootdir, "new.txt"));
	close(root);
}
END_TEST

START_TEST(atomic_stor_of_a_new_file_uses_the_mode_exactly)
{
	int root = open_root();
	struct zc_upload u;

	umask(077); /* the process umask must not matter */
	ck_assert_int_eq(zc_upload_open(&u, root, "/sub/new.txt", ZC_UPLOAD_STOR,
					0, 0664, true),
			 0);
	put_bytes(&u, "x");
	ck_assert_int_eq(zc_upload_commit(&u, false), 0);
	zc_upload_fini(&u);
	ck_assert_uint_eq(mode_of("sub/new.txt") & 07777, 0664);
	umask(022);
	close(root);
}
END_TEST

START_TEST(atomic_stor_refuses_a_directory)
{
	int root = open_root();
	struct zc_upload u;

	errno = 0;
	ck_assert_int_eq(zc_upload_open(&u, root, "/sub", ZC_UPLOAD_STOR, 0,
					0644, true),
			 -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_int_eq(temporaries(), 0);
	errno = 0;
	ck_assert_int_eq(zc_upload_open(&u, root, "/", ZC_UPLOAD_STOR, 0, 0644,
					true),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	close(root);
}
END_TEST

START_TEST(stor_to_a_link_pointing_out_never_writes_outside)
{
	int root = open_root();
	struct zc_upload u;
	char out[256];

	snprintf(out, sizeof(out), "%s/outside", base);
	/* atomic: the link is replaced by the new file */
	ck_assert_int_eq(zc_upload_open(&u, root, "/abs_out", ZC_UPLOAD_STOR, 0,
					0644, true),
			 0);
	put_bytes(&u, "PWNED");
	ck_assert_int_eq(zc_upload_commit(&u, false), 0);
	zc_upload_fini(&u);
	ck_assert(S_ISREG(mode_of("abs_out")));
	ck_assert_str_eq(slurp(rootdir, "abs_out"), "PWNED");
	ck_assert_str_eq(slurp(out, "secret"), "");
	/* in place: the link is followed, but beneath the root only (the
	 * relative link's ".." stops at the root: ENOENT there) */
	errno = 0;
	ck_assert_int_eq(zc_upload_open(&u, root, "/link_out", ZC_UPLOAD_APPE, 0,
					0644, false),
			 -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(slurp(out, "secret"), "");
	close(root);
}
END_TEST

START_TEST(in_place_stor_truncates_at_begin_and_keeps_partial_data)
{
	int root = open_root();
	struct zc_upload u;

	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_STOR, 0,
					0644, false),
			 0);
	ck_assert_str_eq(u.tmp, "");
	/* the data connection may still fail: nothing changed yet */
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD CONTENTS\n");
	ck_assert_int_eq(zc_upload_begin(&u), 0);
	put_bytes(&u, "PART");
	zc_upload_discard(&u);
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "PART");
	zc_upload_fini(&u);
	close(root);
}
END_TEST

START_TEST(appe_writes_at_the_end)
{
	int root = open_root();
	struct zc_upload u;

	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_APPE, 0,
					0644, true),
			 0);
	ck_assert_int_eq(u.start, 13);
	/* in place into a file that was there: nothing to undo */
	ck_assert(!zc_upload_discard_matters(&u));
	ck_assert_int_eq(zc_upload_begin(&u), 0);
	put_bytes(&u, "MORE\n");
	ck_assert_int_eq(zc_upload_commit(&u, false), 0);
	zc_upload_fini(&u);
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD CONTENTS\nMORE\n");
	/* APPE to a new name creates it; a failure removes it (atomic) */
	ck_assert_int_eq(zc_upload_open(&u, root, "/fresh", ZC_UPLOAD_APPE, 0,
					0600, true),
			 0);
	ck_assert_int_eq(u.start, 0);
	ck_assert_uint_eq(mode_of("fresh") & 07777, 0600);
	ck_assert(zc_upload_discard_matters(&u));
	zc_upload_fini(&u);
	ck_assert_ptr_null(slurp(rootdir, "fresh"));
	close(root);
}
END_TEST

START_TEST(resume_writes_at_the_offset_without_truncating)
{
	int root = open_root();
	struct zc_upload u;

	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_RESUME,
					4, 0644, true),
			 0);
	ck_assert_int_eq(u.start, 4);
	ck_assert_int_eq(zc_upload_begin(&u), 0);
	put_bytes(&u, "XX");
	zc_upload_discard(&u); /* even a failed resume keeps its bytes */
	zc_upload_fini(&u);
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD XXNTENTS\n");
	/* at the very end is fine, beyond is not; a missing file neither */
	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_RESUME,
					13, 0644, true),
			 0);
	zc_upload_fini(&u);
	errno = 0;
	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_RESUME,
					14, 0644, true),
			 -1);
	ck_assert_int_eq(errno, ERANGE);
	errno = 0;
	ck_assert_int_eq(zc_upload_open(&u, root, "/nope", ZC_UPLOAD_RESUME, 1,
					0644, true),
			 -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(slurp(rootdir, "nope"));
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD XXNTENTS\n");
	close(root);
}
END_TEST

START_TEST(stou_picks_a_free_name)
{
	int root = open_root();
	struct zc_upload u, v;

	ck_assert_int_eq(zc_upload_open(&u, root, "/old.txt", ZC_UPLOAD_UNIQUE,
					0, 0644, true),
			 0);
	ck_assert_str_eq(u.name, "old.txt.1");
	ck_assert_int_eq(zc_upload_open(&v, root, "/old.txt", ZC_UPLOAD_UNIQUE,
					0, 0644, true),
			 0);
	ck_assert_str_eq(v.name, "old.txt.2");
	put_bytes(&u, "one");
	ck_assert_int_eq(zc_upload_commit(&u, false), 0);
	zc_upload_fini(&u);
	/* an atomic STOU that fails leaves no file behind */
	zc_upload_fini(&v);
	ck_assert_str_eq(slurp(rootdir, "old.txt.1"), "one");
	ck_assert_ptr_null(slurp(rootdir, "old.txt.2"));
	ck_assert_str_eq(slurp(rootdir, "old.txt"), "OLD CONTENTS\n");
	/* a free base name is used as it is; without atomic a failed
	 * STOU keeps what arrived */
	ck_assert_int_eq(zc_upload_open(&u, root, "/sub/u", ZC_UPLOAD_UNIQUE, 0,
					0644, false),
			 0);
	ck_assert_str_eq(u.name, "u");
	put_bytes(&u, "part");
	zc_upload_fini(&u);
	ck_assert_str_eq(slurp(rootdir, "sub/u"), "part");
	close(root);
}
END_TEST

START_TEST(upload_paths_stay_beneath_the_root)
{
	int root = open_root();
	struct zc_upload u;

	/* ".." in the directory part is clamped at the root */
	ck_assert_int_eq(zc_upload_open(&u, root, "/../../escaped",
					ZC_UPLOAD_STOR, 0, 0644, true),
			 0);
	put_bytes(&u, "in");
	ck_assert_int_eq(zc_upload_commit(&u, false), 0);
	zc_upload_fini(&u);
	ck_assert_str_eq(slurp(rootdir, "escaped"), "in");
	ck_assert_ptr_null(slurp(base, "escaped"));
	/* a last component of ".." is no name */
	errno = 0;
	ck_assert_int_eq(zc_upload_open(&u, root, "/sub/..", ZC_UPLOAD_STOR, 0,
					0644, true),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	close(root);
}
END_TEST

static Suite *
upload_suite(void)
{
	Suite *s = suite_create("upload");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, tmp_name_shape);
	tcase_add_test(tc, tmp_name_never_overflows);
	tcase_add_test(tc, unique_names);
	tcase_add_test(tc, mfmt_times_parse_as_utc);
	tcase_add_test(tc, mfmt_bad_times_are_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	/* checked: a fresh tree for every test */
	tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
	tcase_add_test(tc, atomic_stor_replaces_only_on_commit);
	tcase_add_test(tc, atomic_stor_discard_keeps_the_old_file);
	tcase_add_test(tc, atomic_stor_of_a_new_file_uses_the_mode_exactly);
	tcase_add_test(tc, atomic_stor_refuses_a_directory);
	tcase_add_test(tc, stor_to_a_link_pointing_out_never_writes_outside);
	tcase_add_test(tc, in_place_stor_truncates_at_begin_and_keeps_partial_data);
	tcase_add_test(tc, appe_writes_at_the_end);
	tcase_add_test(tc, resume_writes_at_the_offset_without_truncating);
	tcase_add_test(tc, stou_picks_a_free_name);
	tcase_add_test(tc, upload_paths_stay_beneath_the_root);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(upload_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
