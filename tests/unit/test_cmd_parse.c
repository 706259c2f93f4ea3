/* Unit tests for cmd_parse.c: one control line -> verb and argument. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_parse.h"

static struct zc_cmd cmd;

#define PARSE(lit) zc_cmd_parse((lit), sizeof(lit) - 1, &cmd)

START_TEST(verb_only)
{
	ck_assert_int_eq(PARSE("NOOP"), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "NOOP");
	ck_assert_ptr_null(cmd.arg);
}
END_TEST

START_TEST(verb_is_uppercased)
{
	ck_assert_int_eq(PARSE("noop"), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "NOOP");
	ck_assert_int_eq(PARSE("rEtR file"), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "RETR");
	ck_assert_str_eq(cmd.arg, "file");
}
END_TEST

START_TEST(argument_after_first_space_kept_verbatim)
{
	static const char line[] = "CWD My Dir";

	ck_assert_int_eq(zc_cmd_parse(line, sizeof(line) - 1, &cmd),
			 ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "CWD");
	/* a view into the line, not a copy */
	ck_assert_ptr_eq(cmd.arg, line + 4);
	ck_assert_str_eq(cmd.arg, "My Dir");
}
END_TEST

START_TEST(argument_leading_and_trailing_blanks_kept)
{
	ck_assert_int_eq(PARSE("RETR  two spaces"), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.arg, " two spaces");
	ck_assert_int_eq(PARSE("RETR \tfile "), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.arg, "\tfile ");
	ck_assert_int_eq(PARSE("STOR   "), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.arg, "  ");
}
END_TEST

START_TEST(argument_case_untouched)
{
	ck_assert_int_eq(PARSE("user Anonymous"), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "USER");
	ck_assert_str_eq(cmd.arg, "Anonymous");
}
END_TEST

START_TEST(verb_with_single_trailing_space_has_no_argument)
{
	ck_assert_int_eq(PARSE("CWD "), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "CWD");
	ck_assert_ptr_null(cmd.arg);
}
END_TEST

START_TEST(empty_line)
{
	ck_assert_int_eq(PARSE(""), ZC_CMD_PARSE_EMPTY);
	ck_assert_ptr_null(cmd.arg);
}
END_TEST

START_TEST(nul_byte_anywhere)
{
	ck_assert_int_eq(PARSE("RETR a\0b"), ZC_CMD_PARSE_NUL);
	ck_assert_ptr_null(cmd.arg);
	ck_assert_int_eq(PARSE("NO\0OP"), ZC_CMD_PARSE_NUL);
	ck_assert_int_eq(PARSE("\0"), ZC_CMD_PARSE_NUL);
	ck_assert_int_eq(PARSE("USER x\0"), ZC_CMD_PARSE_NUL);
}
END_TEST

START_TEST(only_len_bytes_are_read)
{
	static const char line[] = "NOOP extra";

	ck_assert_int_eq(zc_cmd_parse(line, 4, &cmd), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "NOOP");
	ck_assert_ptr_null(cmd.arg);
}
END_TEST

START_TEST(non_letter_verbs_rejected)
{
	ck_assert_int_eq(PARSE(" NOOP"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE(" "), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("NO1P"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("X-Y"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("123 x"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("NOOP\r"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("CWD\tx"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("\xc3\x84" "BC"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("\xff\xf4"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_ptr_null(cmd.arg);
}
END_TEST

START_TEST(verb_length_limit)
{
	/* ZC_VERB_MAX letters fit */
	ck_assert_int_eq(PARSE("ABCDEFGHIJKLMNO x"), ZC_CMD_PARSE_OK);
	ck_assert_uint_eq(strlen(cmd.verb), ZC_VERB_MAX);
	ck_assert_str_eq(cmd.verb, "ABCDEFGHIJKLMNO");
	ck_assert_str_eq(cmd.arg, "x");
	/* one more does not */
	ck_assert_int_eq(PARSE("ABCDEFGHIJKLMNOP"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("ABCDEFGHIJKLMNOP x"), ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
			 ZC_CMD_PARSE_BAD_VERB);
	ck_assert_int_eq(PARSE("CONNECT host:443 HTTP/1.1"), ZC_CMD_PARSE_OK);
	ck_assert_str_eq(cmd.verb, "CONNECT");
}
END_TEST

START_TEST(every_byte_value_as_first_byte)
{
	for (int c = 0; c < 256; c++) {
		char line[2] = {(char)c, '\0'};
		enum zc_cmd_parse_result r = zc_cmd_parse(line, 1, &cmd);
		int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

		if (c == 0)
			ck_assert_int_eq(r, ZC_CMD_PARSE_NUL);
		else if (letter)
			ck_assert_int_eq(r, ZC_CMD_PARSE_OK);
		else
			ck_assert_msg(r == ZC_CMD_PARSE_BAD_VERB, "byte %d -> %d",
				      c, r);
	}
}
END_TEST

static Suite *
cmd_parse_suite(void)
{
	Suite *s = suite_create("cmd_parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, verb_only);
	tcase_add_test(tc, verb_is_uppercased);
	tcase_add_test(tc, argument_after_first_space_kept_verbatim);
	tcase_add_test(tc, argument_leading_and_trailing_blanks_kept);
	tcase_add_test(tc, argument_case_untouched);
	tcase_add_test(tc, verb_with_single_trailing_space_has_no_argument);
	tcase_add_test(tc, empty_line);
	tcase_add_test(tc, nul_byte_anywhere);
	tcase_add_test(tc, only_len_bytes_are_read);
	tcase_add_test(tc, non_letter_verbs_rejected);
	tcase_add_test(tc, verb_length_limit);
	tcase_add_test(tc, every_byte_value_as_first_byte);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cmd_parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
