/* Unit tests for str.c: the only number parser of zcftpd. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "str.h"

START_TEST(parse_u64_accepts_digits)
{
	uint64_t v = 0;

	ck_assert_int_eq(zc_str_parse_u64z("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(zc_str_parse_u64z("18446744073709551615", 0,
					   UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(parse_u64_rejects_junk_sign_overflow)
{
	uint64_t v = 7;

	ck_assert_int_eq(zc_str_parse_u64z("", 0, 10, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(zc_str_parse_u64z("-1", 0, 10, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(zc_str_parse_u64z("+1", 0, 10, &v), -1);
	ck_assert_int_eq(zc_str_parse_u64z("1x", 0, 10, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(zc_str_parse_u64z(" 1", 0, 10, &v), -1);
	ck_assert_int_eq(zc_str_parse_u64z("18446744073709551616", 0,
					   UINT64_MAX, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(zc_str_parse_u64z("99999999999999999999999", 0,
					   UINT64_MAX, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(zc_str_parse_u64z("11", 0, 10, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_uint_eq(v, 7); /* untouched on failure */
}
END_TEST

START_TEST(parse_size_suffixes)
{
	uint64_t v = 0;

	ck_assert_int_eq(zc_str_parse_size("64m", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 64ull << 20);
	ck_assert_int_eq(zc_str_parse_size("2K", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 2048);
	ck_assert_int_eq(zc_str_parse_size("1g", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 1ull << 30);
	ck_assert_int_eq(zc_str_parse_size("12", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 12);
	ck_assert_int_eq(zc_str_parse_size("m", UINT64_MAX, &v), -1);
	ck_assert_int_eq(zc_str_parse_size("1t", UINT64_MAX, &v), -1);
	ck_assert_int_eq(zc_str_parse_size("17179869184g", UINT64_MAX, &v), -1);
	ck_assert_int_eq(errno, ERANGE);
}
END_TEST

START_TEST(octal_and_nocase)
{
	unsigned m = 0;

	ck_assert_int_eq(zc_str_parse_octal("022", 0777, &m), 0);
	ck_assert_uint_eq(m, 022);
	ck_assert_int_eq(zc_str_parse_octal("8", 0777, &m), -1);
	ck_assert_int_eq(zc_str_parse_octal("1777", 0777, &m), -1);
	ck_assert(zc_str_eq_nocase("AnOnYmOuS", 9, "anonymous"));
	ck_assert(!zc_str_eq_nocase("anon", 4, "anonymous"));
}
END_TEST

static Suite *
str_suite(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, parse_u64_accepts_digits);
	tcase_add_test(tc, parse_u64_rejects_junk_sign_overflow);
	tcase_add_test(tc, parse_size_suffixes);
	tcase_add_test(tc, octal_and_nocase);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(str_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
