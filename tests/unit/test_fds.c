/* Unit tests for fds.c: what survives zc_fds_sanitize(). Each test runs
 * the call in a child of its own (check's forked test process keeps its
 * result channel in a descriptor the call would close) and reads the
 * verdict from the child's exit status: 0 = as expected, else the
 * number of the first failed step. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fds.h"

static bool
is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int
run_in_child(int (*body)(void))
{
	int status = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(body());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int
inherited_closed_body(void)
{
	int p[2];

	/* a pipe without close-on-exec, and one far up the table */
	if (pipe(p) < 0 || dup2(p[0], 200) != 200)
		return 1;
	if (zc_fds_sanitize() != 0)
		return 2;
	if (is_open(p[0]) || is_open(p[1]) || is_open(200))
		return 3;
	if (!is_open(0) || !is_open(1) || !is_open(2))
		return 4;
	return 0;
}

START_TEST(closes_everything_above_stderr)
{
	ck_assert_int_eq(run_in_child(inherited_closed_body), 0);
}
END_TEST

static int
missing_std_body(void)
{
	struct stat null_st, st, err_before, err_after;
	int fd;

	if (stat("/dev/null", &null_st) < 0 || fstat(2, &err_before) < 0)
		return 1;
	if (close(0) < 0 || close(1) < 0)
		return 2;
	if (zc_fds_sanitize() != 0)
		return 3;
	for (fd = 0; fd <= 1; fd++)
		if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
		    st.st_rdev != null_st.st_rdev)
			return 4;
	/* stderr, which was open, is the same file as before */
	if (fstat(2, &err_after) < 0 || err_after.st_ino != err_before.st_ino ||
	    err_after.st_dev != err_before.st_dev)
		return 5;
	/* the next descriptor opened is 3, not a standard one */
	fd = open("/dev/null", O_RDONLY);
	if (fd != 3)
		return 6;
	return 0;
}

START_TEST(missing_std_fds_become_dev_null)
{
	ck_assert_int_eq(run_in_child(missing_std_body), 0);
}
END_TEST

static int
only_stderr_missing_body(void)
{
	struct stat st;

	if (close(2) < 0)
		return 1;
	if (zc_fds_sanitize() != 0)
		return 2;
	if (fstat(2, &st) < 0 || !S_ISCHR(st.st_mode))
		return 3;
	return is_open(3) ? 4 : 0;
}

START_TEST(missing_stderr_alone_is_reopened)
{
	ck_assert_int_eq(run_in_child(only_stderr_missing_body), 0);
}
END_TEST

static Suite *
fds_suite(void)
{
	Suite *s = suite_create("fds");
	TCase *tc = tcase_create("sanitize");

	tcase_add_test(tc, closes_everything_above_stderr);
	tcase_add_test(tc, missing_std_fds_become_dev_null);
	tcase_add_test(tc, missing_stderr_alone_is_reopened);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fds_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
