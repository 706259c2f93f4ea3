/* Unit tests for cmdline.c: argv -> struct zc_cmdline. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

static struct zc_cmdline cl;
static char err[256];

/* Parse "zcftpd" followed by the given words. */
#define PARSE(...)                                                          \
	zc_cmdline_parse(                                                   \
		(int)(sizeof((char *[]){"zcftpd", __VA_ARGS__}) /           \
		      sizeof(char *)),                                      \
		(char *[]){"zcftpd", __VA_ARGS__, NULL}, &cl, err, sizeof(err))

#define PARSE_FAILS_WITH(msg, ...)                                          \
	do {                                                                \
		err[0] = '\0';                                              \
		ck_assert_int_eq(PARSE(__VA_ARGS__), -1);                   \
		ck_assert_str_eq(err, msg);                                 \
	} while (0)

START_TEST(no_arguments_gives_empty_result)
{
	char *argv[] = {"zcftpd", NULL};

	memset(&cl, 0xa5, sizeof(cl));
	ck_assert_int_eq(zc_cmdline_parse(1, argv, &cl, err, sizeof(err)), 0);
	ck_assert_ptr_null(cl.config_file);
	ck_assert_uint_eq(cl.n_overrides, 0);
	ck_assert(!cl.check_only);
	ck_assert(!cl.version);
	ck_assert(!cl.help);
}
END_TEST

START_TEST(config_file_separate_and_attached)
{
	ck_assert_int_eq(PARSE("-c", "/etc/zcftpd.conf"), 0);
	ck_assert_str_eq(cl.config_file, "/etc/zcftpd.conf");
	ck_assert_int_eq(PARSE("-c/tmp/x.conf"), 0);
	ck_assert_str_eq(cl.config_file, "/tmp/x.conf");
	/* the argument is taken even when it looks like an option */
	ck_assert_int_eq(PARSE("-c", "-t"), 0);
	ck_assert_str_eq(cl.config_file, "-t");
	ck_assert(!cl.check_only);
}
END_TEST

START_TEST(config_file_argv_is_borrowed)
{
	char file[] = "/etc/a.conf";
	char *argv[] = {"zcftpd", "-c", file, NULL};

	ck_assert_int_eq(zc_cmdline_parse(3, argv, &cl, err, sizeof(err)), 0);
	ck_assert_ptr_eq(cl.config_file, file);
}
END_TEST

START_TEST(overrides_repeatable_in_order)
{
	ck_assert_int_eq(PARSE("-o", "a=1", "-ob=2", "-t", "-o", "a=3"), 0);
	ck_assert_uint_eq(cl.n_overrides, 3);
	ck_assert_str_eq(cl.overrides[0], "a=1");
	ck_assert_str_eq(cl.overrides[1], "b=2");
	ck_assert_str_eq(cl.overrides[2], "a=3");
	ck_assert(cl.check_only);
	ck_assert_ptr_null(cl.config_file);
}
END_TEST

START_TEST(override_value_may_be_empty_or_contain_equals)
{
	ck_assert_int_eq(PARSE("-o", "banner=", "-o", "banner=a=b"), 0);
	ck_assert_uint_eq(cl.n_overrides, 2);
	ck_assert_str_eq(cl.overrides[0], "banner=");
	ck_assert_str_eq(cl.overrides[1], "banner=a=b");
}
END_TEST

START_TEST(flags_t_V_h)
{
	ck_assert_int_eq(PARSE("-t"), 0);
	ck_assert(cl.check_only && !cl.version && !cl.help);
	ck_assert_int_eq(PARSE("-V"), 0);
	ck_assert(!cl.check_only && cl.version && !cl.help);
	ck_assert_int_eq(PARSE("-h"), 0);
	ck_assert(!cl.check_only && !cl.version && cl.help);
	ck_assert_int_eq(PARSE("-t", "-V", "-h"), 0);
	ck_assert(cl.check_only && cl.version && cl.help);
}
END_TEST

START_TEST(grouped_flags)
{
	ck_assert_int_eq(PARSE("-tV"), 0);
	ck_assert(cl.check_only && cl.version && !cl.help);
	ck_assert_int_eq(PARSE("-hVt"), 0);
	ck_assert(cl.check_only && cl.version && cl.help);
	/* an option with an argument ends the group */
	ck_assert_int_eq(PARSE("-tc", "f.conf"), 0);
	ck_assert(cl.check_only);
	ck_assert_str_eq(cl.config_file, "f.conf");
	ck_assert_int_eq(PARSE("-tcf.conf"), 0);
	ck_assert_str_eq(cl.config_file, "f.conf");
	ck_assert_int_eq(PARSE("-Vok=v"), 0);
	ck_assert(cl.version);
	ck_assert_uint_eq(cl.n_overrides, 1);
	ck_assert_str_eq(cl.overrides[0], "k=v");
	/* "-ct": t is the file name, not a flag */
	ck_assert_int_eq(PARSE("-ct"), 0);
	ck_assert_str_eq(cl.config_file, "t");
	ck_assert(!cl.check_only);
}
END_TEST

START_TEST(double_dash_ends_options)
{
	ck_assert_int_eq(PARSE("-t", "--"), 0);
	ck_assert(cl.check_only);
	/* zcftpd takes no operands: anything after "--" is stray */
	PARSE_FAILS_WITH("unexpected argument '-V'", "--", "-V");
	ck_assert(!cl.version);
}
END_TEST

START_TEST(missing_argument)
{
	PARSE_FAILS_WITH("option -c needs an argument", "-c");
	PARSE_FAILS_WITH("option -o needs an argument", "-t", "-o");
	PARSE_FAILS_WITH("option -c needs an argument", "-tc");
}
END_TEST

START_TEST(unknown_option)
{
	PARSE_FAILS_WITH("unknown option -x", "-x");
	PARSE_FAILS_WITH("unknown option -x", "-tx");
	PARSE_FAILS_WITH("unknown option --", "--help");
	PARSE_FAILS_WITH("unknown option -v", "-v");
}
END_TEST

START_TEST(override_without_equals)
{
	PARSE_FAILS_WITH("-o max_clients: expected KEY=VALUE", "-o",
			 "max_clients");
	PARSE_FAILS_WITH("-o banner: expected KEY=VALUE", "-obanner");
}
END_TEST

START_TEST(config_file_twice)
{
	PARSE_FAILS_WITH("-c given twice (one config file; use -o to override)",
			 "-c", "a.conf", "-c", "b.conf");
	PARSE_FAILS_WITH("-c given twice (one config file; use -o to override)",
			 "-ca", "-ca");
}
END_TEST

START_TEST(stray_positional_argument)
{
	PARSE_FAILS_WITH("unexpected argument 'serve'", "serve");
	PARSE_FAILS_WITH("unexpected argument 'x.conf'", "-t", "x.conf");
	PARSE_FAILS_WITH("unexpected argument '-'", "-");
	PARSE_FAILS_WITH("unexpected argument 'b'", "-c", "a", "b");
}
END_TEST

/* argv with n times "-o", "kN=v", as a malloc'ed array */
static char **
many_overrides(size_t n, char ***strings)
{
	char **argv = calloc(2 * n + 2, sizeof(*argv));
	char **s = calloc(n, sizeof(*s));

	ck_assert_ptr_nonnull(argv);
	ck_assert_ptr_nonnull(s);
	argv[0] = "zcftpd";
	for (size_t i = 0; i < n; i++) {
		s[i] = malloc(32);
		ck_assert_ptr_nonnull(s[i]);
		snprintf(s[i], 32, "k%zu=v", i);
		argv[1 + 2 * i] = "-o";
		argv[2 + 2 * i] = s[i];
	}
	*strings = s;
	return argv;
}

static void
free_overrides(char **argv, char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
	free(argv);
}

START_TEST(overrides_cap)
{
	char **s, **argv;
	size_t n = ZC_OVERRIDES_MAX;

	argv = many_overrides(n, &s);
	ck_assert_int_eq(zc_cmdline_parse((int)(2 * n + 1), argv, &cl, err,
					  sizeof(err)),
			 0);
	ck_assert_uint_eq(cl.n_overrides, ZC_OVERRIDES_MAX);
	ck_assert_str_eq(cl.overrides[0], "k0=v");
	ck_assert_str_eq(cl.overrides[ZC_OVERRIDES_MAX - 1], "k255=v");
	free_overrides(argv, s, n);

	n = ZC_OVERRIDES_MAX + 1;
	argv = many_overrides(n, &s);
	ck_assert_int_eq(zc_cmdline_parse((int)(2 * n + 1), argv, &cl, err,
					  sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "more than 256 -o options");
	free_overrides(argv, s, n);
}
END_TEST

START_TEST(parse_twice_is_independent)
{
	ck_assert_int_eq(PARSE("-t", "-o", "a=1", "-c", "x"), 0);
	ck_assert_int_eq(PARSE("-V"), 0);
	ck_assert(!cl.check_only);
	ck_assert_uint_eq(cl.n_overrides, 0);
	ck_assert_ptr_null(cl.config_file);
	ck_assert(cl.version);
}
END_TEST

START_TEST(error_message_truncated_to_cap)
{
	char small[8];
	char *argv[] = {"zcftpd", "a-long-stray-argument", NULL};

	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(zc_cmdline_parse(2, argv, &cl, small, sizeof(small)),
			 -1);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

START_TEST(usage_mentions_every_option)
{
	const char *u = zc_cmdline_usage();
	size_t len = strlen(u);

	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(u[len - 1], '\n');
	ck_assert_ptr_nonnull(strstr(u, "-c FILE"));
	ck_assert_ptr_nonnull(strstr(u, "-o KEY=VALUE"));
	ck_assert_ptr_nonnull(strstr(u, "-t"));
	ck_assert_ptr_nonnull(strstr(u, "-V"));
	ck_assert_ptr_nonnull(strstr(u, "-h"));
}
END_TEST

static Suite *
cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, no_arguments_gives_empty_result);
	tcase_add_test(tc, config_file_separate_and_attached);
	tcase_add_test(tc, config_file_argv_is_borrowed);
	tcase_add_test(tc, overrides_repeatable_in_order);
	tcase_add_test(tc, override_value_may_be_empty_or_contain_equals);
	tcase_add_test(tc, flags_t_V_h);
	tcase_add_test(tc, grouped_flags);
	tcase_add_test(tc, double_dash_ends_options);
	tcase_add_test(tc, parse_twice_is_independent);
	tcase_add_test(tc, usage_mentions_every_option);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, missing_argument);
	tcase_add_test(tc, unknown_option);
	tcase_add_test(tc, override_without_equals);
	tcase_add_test(tc, config_file_twice);
	tcase_add_test(tc, stray_positional_argument);
	tcase_add_test(tc, overrides_cap);
	tcase_add_test(tc, error_message_truncated_to_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cmdline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
