/* Unit tests for glob.c: LIST/NLST name patterns. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"

START_TEST(plain_wildcards)
{
	ck_assert(zc_glob_match("*.txt", "a.txt"));
	ck_assert(zc_glob_match("*.txt", ".txt") == false); /* hidden */
	ck_assert(zc_glob_match("*", "anything"));
	ck_assert(!zc_glob_match("*", ".hidden"));
	ck_assert(zc_glob_match(".*", ".hidden"));
	ck_assert(zc_glob_match("a?c", "abc"));
	ck_assert(!zc_glob_match("a?c", "ac"));
	ck_assert(zc_glob_match("a*b*c", "aXXbYYc"));
	ck_assert(!zc_glob_match("a*b*c", "aXXbYY"));
	ck_assert(zc_glob_match("**", "x"));
	ck_assert(zc_glob_match("*x", "xxxx"));
	ck_assert(!zc_glob_match("x", "xx"));
	ck_assert(zc_glob_match("", "") );
	ck_assert(!zc_glob_match("", "a"));
}
END_TEST

START_TEST(sets_ranges_negation)
{
	ck_assert(zc_glob_match("file[0-9].c", "file7.c"));
	ck_assert(!zc_glob_match("file[0-9].c", "filex.c"));
	ck_assert(zc_glob_match("[!a]x", "bx"));
	ck_assert(!zc_glob_match("[!a]x", "ax"));
	ck_assert(zc_glob_match("[^a]x", "bx"));
	ck_assert(zc_glob_match("[]]", "]"));
	ck_assert(zc_glob_match("[a-]", "-"));
	ck_assert(zc_glob_match("x[ch]", "xh"));
	/* an unterminated set is a literal '[' */
	ck_assert(zc_glob_match("a[b", "a[b"));
	ck_assert(!zc_glob_match("a[b", "ab"));
}
END_TEST

START_TEST(escapes_and_detection)
{
	ck_assert(zc_glob_match("a\\*b", "a*b"));
	ck_assert(!zc_glob_match("a\\*b", "axb"));
	ck_assert(zc_glob_is_pattern("*.txt"));
	ck_assert(zc_glob_is_pattern("a?"));
	ck_assert(zc_glob_is_pattern("[ab]"));
	ck_assert(!zc_glob_is_pattern("plain.txt"));
	ck_assert(!zc_glob_is_pattern("a\\*b"));
	/* no brace expansion: braces are literal */
	ck_assert(!zc_glob_is_pattern("{a,b}"));
	ck_assert(zc_glob_match("{a,b}", "{a,b}"));
	ck_assert(!zc_glob_match("{a,b}", "a"));
}
END_TEST

START_TEST(hostile_patterns_stay_linear)
{
	/* exponential for a naive backtracking matcher: here a few
	 * thousand steps (the case timeout would catch a blow-up) */
	char name[256], pat[256];

	memset(name, 'a', 255);
	name[255] = '\0';
	for (int i = 0; i < 127; i++) {
		pat[2 * i] = '*';
		pat[2 * i + 1] = 'a';
	}
	pat[254] = 'b';
	pat[255] = '\0';
	for (int rep = 0; rep < 1000; rep++)
		ck_assert(!zc_glob_match(pat, name));
	/* too long a pattern matches nothing */
	{
		char longpat[ZC_GLOB_MAX + 2];
		memset(longpat, '*', sizeof(longpat) - 1);
		longpat[sizeof(longpat) - 1] = '\0';
		ck_assert(!zc_glob_match(longpat, "a"));
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("glob");
	TCase *tc = tcase_create("match");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, plain_wildcards);
	tcase_add_test(tc, sets_ranges_negation);
	tcase_add_test(tc, escapes_and_detection);
	tcase_add_test(tc, hostile_patterns_stay_linear);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
