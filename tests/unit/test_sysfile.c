/* Unit tests for sysfile.c: small text files read whole, cut, refused. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfile.h"

static char path[] = "/tmp/zc-test-sysfile-XXXXXX";

static void
make_file(const char *text)
{
	int fd;

	strcpy(path, "/tmp/zc-test-sysfile-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(reads_a_whole_file)
{
	char buf[64];

	make_file("32768\t60999\n");
	ck_assert_int_eq(zc_read_text_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "32768\t60999\n");
	unlink(path);
}
END_TEST

START_TEST(cuts_a_long_file_and_terminates_it)
{
	char buf[5];

	make_file("0123456789");
	ck_assert_int_eq(zc_read_text_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0123");
	unlink(path);
}
END_TEST

START_TEST(empty_missing_and_no_room_are_errors)
{
	char buf[16];

	make_file("");
	ck_assert_int_eq(zc_read_text_file(path, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENODATA);
	unlink(path);
	ck_assert_int_eq(zc_read_text_file(path, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(zc_read_text_file("/proc/self/stat", buf, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(reads_proc_files)
{
	char buf[4096];

	/* a /proc file reports size 0 but has text */
	ck_assert_int_eq(zc_read_text_file("/proc/self/cgroup", buf,
					   sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strchr(buf, ':'));
}
END_TEST

static Suite *
sysfile_suite(void)
{
	Suite *s = suite_create("sysfile");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, reads_a_whole_file);
	tcase_add_test(tc, cuts_a_long_file_and_terminates_it);
	tcase_add_test(tc, empty_missing_and_no_room_are_errors);
	tcase_add_test(tc, reads_proc_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sysfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
