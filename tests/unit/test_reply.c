/* Unit tests for reply.c: reply formatting (RFC 959 4.2) and the
 * errno -> reply mapping. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

static char out[ZC_REPLY_MAX];

/* Format and compare the whole reply and its returned length. */
static void
reply_is(unsigned code, const char *text, const char *want)
{
	size_t n;

	memset(out, 'Z', sizeof(out));
	n = zc_reply_format(out, sizeof(out), code, text);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(n, strlen(want));
}

START_TEST(single_line)
{
	reply_is(200, "Command okay.", "200 Command okay.\r\n");
	reply_is(530, "Please login with USER and PASS.",
		 "530 Please login with USER and PASS.\r\n");
	reply_is(220, "", "220 \r\n");
}
END_TEST

START_TEST(code_bounds)
{
	reply_is(100, "x", "100 x\r\n");
	reply_is(999, "x", "999 x\r\n");
	ck_assert_uint_eq(zc_reply_format(out, sizeof(out), 99, "x"), 0);
	ck_assert_uint_eq(zc_reply_format(out, sizeof(out), 0, "x"), 0);
	ck_assert_uint_eq(zc_reply_format(out, sizeof(out), 1000, "x"), 0);
	ck_assert_uint_eq(zc_reply_format(out, sizeof(out), 2000, "x"), 0);
}
END_TEST

START_TEST(multi_line_two_lines)
{
	reply_is(230, "Welcome.\nLogged in.",
		 "230-Welcome.\r\n230 Logged in.\r\n");
}
END_TEST

START_TEST(multi_line_middle_lines_as_given)
{
	reply_is(211, "Features:\n UTF8\n SIZE\n\nplain text\nEnd",
		 "211-Features:\r\n UTF8\r\n SIZE\r\n\r\nplain text\r\n"
		 "211 End\r\n");
}
END_TEST

START_TEST(multi_line_middle_line_like_a_reply_gets_a_space)
{
	reply_is(214, "Help:\n123 x\n214 fake end\n550-y\n12 z\n1234 w\nDone.",
		 "214-Help:\r\n 123 x\r\n 214 fake end\r\n 550-y\r\n12 z\r\n"
		 "1234 w\r\n214 Done.\r\n");
}
END_TEST

START_TEST(multi_line_every_middle_line_cannot_end_the_reply)
{
	/* a client ends a multi-line reply at the first "CODE " line */
	char *p;
	size_t n = zc_reply_format(out, sizeof(out), 250,
				   "a\n250 b\n250-c\n 250 d\ne");

	ck_assert_uint_gt(n, 0);
	p = strstr(out, "\r\n250 ");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "\r\n250 e\r\n");
	ck_assert_int_eq(strncmp(out, "250-a\r\n", 7), 0);
}
END_TEST

START_TEST(control_characters_become_question_marks)
{
	reply_is(550, "a\rb", "550 a?b\r\n");
	reply_is(550, "x\x01y\x7fz\tw\x1b", "550 x?y?z?w?\r\n");
	/* bytes >= 0x80 (UTF-8 names) stay */
	reply_is(257, "\"/caf\xc3\xa9\" is current",
		 "257 \"/caf\xc3\xa9\" is current\r\n");
}
END_TEST

START_TEST(no_reply_injection_through_cr_lf)
{
	/* a file name "x\r\n421 bye" must not produce a line "421 bye" */
	reply_is(550, "x\r\n421 Bye.", "550-x?\r\n550 421 Bye.\r\n");
	reply_is(550, "x\r\n421 Bye.\ny", "550-x?\r\n 421 Bye.\r\n550 y\r\n");
}
END_TEST

START_TEST(overflow_returns_zero)
{
	const char *want = "200 Command okay.\r\n";
	size_t len = strlen(want);
	char small[64];

	memset(small, 'Z', sizeof(small));
	ck_assert_uint_eq(zc_reply_format(small, len + 1, 200, "Command okay."),
			  len);
	ck_assert_str_eq(small, want);
	ck_assert_uint_eq(zc_reply_format(small, len, 200, "Command okay."), 0);
	ck_assert_uint_eq(zc_reply_format(small, 1, 200, "Command okay."), 0);
	ck_assert_uint_eq(zc_reply_format(small, 0, 200, "Command okay."), 0);
}
END_TEST

START_TEST(overflow_multi_line_returns_zero_and_stays_in_bounds)
{
	const char *text = "first\nsecond\nthird";
	const char *want = "211-first\r\nsecond\r\n211 third\r\n";
	size_t len = strlen(want);
	char small[64];

	for (size_t cap = 0; cap <= len + 1; cap++) {
		size_t n;

		memset(small, 'Z', sizeof(small));
		n = zc_reply_format(small, cap, 211, text);
		if (cap > len) {
			ck_assert_uint_eq(n, len);
			ck_assert_str_eq(small, want);
		} else {
			ck_assert_uint_eq(n, 0);
		}
		for (size_t i = cap; i < sizeof(small); i++)
			ck_assert_msg(small[i] == 'Z', "byte %zu written, cap %zu",
				      i, cap);
	}
}
END_TEST

START_TEST(long_text_up_to_the_reply_buffer)
{
	static char text[ZC_REPLY_MAX];
	size_t n;

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ck_assert_uint_eq(zc_reply_format(out, sizeof(out), 200, text), 0);
	text[sizeof(out) - 4 - 2 - 1] = '\0'; /* "200 " + text + CRLF + NUL */
	n = zc_reply_format(out, sizeof(out), 200, text);
	ck_assert_uint_eq(n, sizeof(out) - 1);
	ck_assert_int_eq(out[n - 2], '\r');
	ck_assert_int_eq(out[n - 1], '\n');
}
END_TEST

/* ---- errno mapping -------------------------------------------------------- */

static void
maps_to(int e, unsigned code)
{
	struct zc_reply_err r = zc_reply_errno(e);

	ck_assert_msg(r.code == code, "errno %d (%s) -> %u, want %u", e,
		      strerror(e), r.code, code);
	ck_assert_ptr_nonnull(r.text);
	ck_assert_uint_gt(strlen(r.text), 0);
	ck_assert_ptr_null(strpbrk(r.text, "\r\n"));
}

START_TEST(errno_not_found_is_550)
{
	maps_to(ENOENT, 550);
	maps_to(ENOTDIR, 550);
}
END_TEST

START_TEST(errno_permission_is_550)
{
	maps_to(EACCES, 550);
	maps_to(EPERM, 550);
	ck_assert_str_ne(zc_reply_errno(EACCES).text,
			 zc_reply_errno(ENOENT).text);
}
END_TEST

START_TEST(errno_storage_codes)
{
	maps_to(ENOSPC, 452);
	maps_to(EDQUOT, 552);
	maps_to(ENAMETOOLONG, 553);
}
END_TEST

START_TEST(errno_other_file_errors)
{
	maps_to(ELOOP, 550);
	maps_to(EXDEV, 550);
	maps_to(EISDIR, 550);
	maps_to(EEXIST, 550);
	maps_to(ENOTEMPTY, 550);
	maps_to(EINVAL, 553);
}
END_TEST

START_TEST(errno_unknown_is_451)
{
	maps_to(EIO, 451);
	maps_to(ENOMEM, 451);
	maps_to(EBADF, 451);
	maps_to(0, 451);
	maps_to(-1, 451);
	maps_to(123456, 451);
}
END_TEST

START_TEST(errno_reply_text_formats)
{
	static const int errs[] = {ENOENT, ENOTDIR, EACCES, EPERM, ENOSPC,
				   EDQUOT, ENAMETOOLONG, EIO};

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct zc_reply_err r = zc_reply_errno(errs[i]);
		ck_assert_uint_gt(zc_reply_format(out, sizeof(out), r.code,
						  r.text),
				  0);
	}
}
END_TEST

static Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, single_line);
	tcase_add_test(tc, code_bounds);
	tcase_add_test(tc, multi_line_two_lines);
	tcase_add_test(tc, multi_line_middle_lines_as_given);
	tcase_add_test(tc, multi_line_middle_line_like_a_reply_gets_a_space);
	tcase_add_test(tc, multi_line_every_middle_line_cannot_end_the_reply);
	tcase_add_test(tc, control_characters_become_question_marks);
	tcase_add_test(tc, no_reply_injection_through_cr_lf);
	tcase_add_test(tc, overflow_returns_zero);
	tcase_add_test(tc, overflow_multi_line_returns_zero_and_stays_in_bounds);
	tcase_add_test(tc, long_text_up_to_the_reply_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("errno");
	tcase_add_test(tc, errno_not_found_is_550);
	tcase_add_test(tc, errno_permission_is_550);
	tcase_add_test(tc, errno_storage_codes);
	tcase_add_test(tc, errno_other_file_errors);
	tcase_add_test(tc, errno_unknown_is_451);
	tcase_add_test(tc, errno_reply_text_formats);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reply_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
