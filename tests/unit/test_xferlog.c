/* Unit tests for xferlog.c: wu-ftpd xferlog(5) records against golden
 * lines (time zone fixed with TZ, so the machine's zone never matters). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xferlog.h"

static char out[ZC_XFERLOG_MAX];

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* A download by an anonymous user, complete, binary. */
static struct zc_xferlog_rec
base_rec(void)
{
	struct zc_xferlog_rec r = {
		.when = 1710504000, /* Fri Mar 15 12:00:00 2024 UTC */
		.seconds = 3,
		.host = "192.0.2.7",
		.bytes = 1048576,
		.path = "/pub/file.iso",
		.ascii = false,
		.incoming = false,
		.anonymous = true,
		.user = "guest@example.com",
		.complete = true,
	};
	return r;
}

static void
record_is(const struct zc_xferlog_rec *r, const char *want)
{
	size_t n;

	memset(out, 'Z', sizeof(out));
	n = zc_xferlog_format(r, out, sizeof(out));
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(n, strlen(want));
}

START_TEST(golden_line)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("UTC0");
	record_is(&r, "Fri Mar 15 12:00:00 2024 3 192.0.2.7 1048576 "
		      "/pub/file.iso b _ o a guest@example.com ftp 0 * c\n");
}
END_TEST

START_TEST(golden_line_single_digit_day_and_big_size)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("UTC0");
	r.when = 1709640000; /* Tue Mar  5 12:00:00 2024 */
	r.bytes = 5368709120ull;
	r.seconds = 0;
	r.host = "2001:db8::1";
	record_is(&r, "Tue Mar  5 12:00:00 2024 0 2001:db8::1 5368709120 "
		      "/pub/file.iso b _ o a guest@example.com ftp 0 * c\n");
}
END_TEST

START_TEST(time_is_local_time)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("XYZ-3"); /* UTC+3 */
	record_is(&r, "Fri Mar 15 15:00:00 2024 3 192.0.2.7 1048576 "
		      "/pub/file.iso b _ o a guest@example.com ftp 0 * c\n");
	set_tz("XYZ+13"); /* UTC-13: the day before */
	record_is(&r, "Thu Mar 14 23:00:00 2024 3 192.0.2.7 1048576 "
		      "/pub/file.iso b _ o a guest@example.com ftp 0 * c\n");
	set_tz("UTC0");
}
END_TEST

START_TEST(blanks_in_path_and_user_become_underscores)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("UTC0");
	r.path = "/my file\twith\nblanks\r\x7f.txt";
	r.user = "a b";
	record_is(&r, "Fri Mar 15 12:00:00 2024 3 192.0.2.7 1048576 "
		      "/my_file_with_blanks__.txt b _ o a a_b ftp 0 * c\n");
}
END_TEST

START_TEST(fields_stay_single_tokens)
{
	struct zc_xferlog_rec r = base_rec();
	const char *p;
	int fields = 0;

	set_tz("UTC0");
	r.path = " \x01 leading and trailing ";
	r.user = "\x1b[31m x";
	ck_assert_uint_gt(zc_xferlog_format(&r, out, sizeof(out)), 0);
	/* 5 date words + 13 fields + ... always 18 tokens */
	for (p = out; *p != '\n'; p++)
		if (*p == ' ')
			fields++;
	ck_assert_int_eq(fields + 1, 18);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(utf8_path_kept)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("UTC0");
	r.path = "/caf\xc3\xa9.txt";
	record_is(&r, "Fri Mar 15 12:00:00 2024 3 192.0.2.7 1048576 "
		      "/caf\xc3\xa9.txt b _ o a guest@example.com ftp 0 * c\n");
}
END_TEST

START_TEST(empty_or_missing_user_is_star)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("UTC0");
	r.user = "";
	record_is(&r, "Fri Mar 15 12:00:00 2024 3 192.0.2.7 1048576 "
		      "/pub/file.iso b _ o a * ftp 0 * c\n");
	r.user = NULL;
	record_is(&r, "Fri Mar 15 12:00:00 2024 3 192.0.2.7 1048576 "
		      "/pub/file.iso b _ o a * ftp 0 * c\n");
}
END_TEST

START_TEST(flag_letters)
{
	struct zc_xferlog_rec r = base_rec();

	set_tz("UTC0");
	r.anonymous = false;
	r.user = "alice";
	r.complete = false;
	r.ascii = true;
	r.incoming = true;
	record_is(&r, "Fri Mar 15 12:00:00 2024 3 192.0.2.7 1048576 "
		      "/pub/file.iso a _ i r alice ftp 0 * i\n");
}
END_TEST

START_TEST(overflow_returns_zero)
{
	struct zc_xferlog_rec r = base_rec();
	char small[256];
	size_t n;

	set_tz("UTC0");
	n = zc_xferlog_format(&r, out, sizeof(out));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(zc_xferlog_format(&r, small, n + 1), n);
	ck_assert_str_eq(small, out);
	ck_assert_uint_eq(zc_xferlog_format(&r, small, n), 0);
	ck_assert_uint_eq(zc_xferlog_format(&r, small, 1), 0);
}
END_TEST

START_TEST(long_path_fits_in_max)
{
	static char path[4096];
	struct zc_xferlog_rec r = base_rec();
	size_t n;

	set_tz("UTC0");
	path[0] = '/';
	memset(path + 1, 'p', sizeof(path) - 2);
	path[sizeof(path) - 1] = '\0';
	r.path = path;
	n = zc_xferlog_format(&r, out, sizeof(out));
	ck_assert_uint_gt(n, sizeof(path));
	ck_assert_ptr_nonnull(strstr(out, path));
}
END_TEST

static Suite *
xferlog_suite(void)
{
	Suite *s = suite_create("xferlog");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, golden_line);
	tcase_add_test(tc, golden_line_single_digit_day_and_big_size);
	tcase_add_test(tc, time_is_local_time);
	tcase_add_test(tc, blanks_in_path_and_user_become_underscores);
	tcase_add_test(tc, fields_stay_single_tokens);
	tcase_add_test(tc, utf8_path_kept);
	tcase_add_test(tc, empty_or_missing_user_is_star);
	tcase_add_test(tc, flag_letters);
	tcase_add_test(tc, overflow_returns_zero);
	tcase_add_test(tc, long_path_fits_in_max);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(xferlog_suite());
	int failed;

	set_tz("UTC0"); /* never the machine's zone */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
