/* Unit tests for users.c: the users file parser (every error names its
 * line), name rules, lookups and password checks with real crypt(3)
 * hashes (sha512crypt, sha256crypt, yescrypt), locked accounts. */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "users.h"

/* `openssl passwd -6 -salt testsalt123 secret` and `-5` */
#define SHA512_SECRET                                                         \
	"$6$testsalt123$GTbhaMbxV6LoQOAP0rjBb7kfVqvF9wcuvVmpQvNEphd7O5q9U7vEg2" \
	"dzr7lOcAW89iHmd0UFIT70mz7mn9zv60"
#define SHA256_SECRET "$5$testsalt123$Y2rtnrDcf38YsxIhlwnjTlpEuKkMXobQ5g.n6fjg1v."
/* `openssl passwd -6 -salt othersalt456 secret` */
#define SHA512_OTHER "$6$othersalt456$7/0BDNkO53gdciSZK3HgvvvUQiD78buGUlHalOwkJigLrS1KqWRFDhP8MEOV45a0o5yN4FlMHdEzsgez4A3gO/"

static struct zc_users u;
static char err[512];

static int
parse(const char *text)
{
	err[0] = '\0';
	return zc_users_parse(text, strlen(text), "users", &u, err, sizeof(err));
}

static void
parse_fails(const char *text, const char *want)
{
	ck_assert_msg(parse(text) == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
	ck_assert_ptr_null(u.v);
}

START_TEST(parses_entries_comments_blank_lines_crlf)
{
	const struct zc_user *a;

	ck_assert_int_eq(parse("# the users\n\nalice:" SHA512_SECRET ":/srv/a\r\n"
			       "bob:" SHA512_OTHER ":/srv/b with space\n"
			       "carol:!" SHA512_SECRET ":/srv/c"),
			 0);
	ck_assert_uint_eq(u.n, 3);
	a = zc_users_find(&u, "alice");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->hash, SHA512_SECRET);
	ck_assert_str_eq(a->home, "/srv/a");
	ck_assert_uint_eq(a->line, 3);
	ck_assert_str_eq(zc_users_find(&u, "bob")->home, "/srv/b with space");
	ck_assert_uint_eq(zc_users_find(&u, "carol")->line, 5);
	ck_assert_ptr_null(zc_users_find(&u, "dave"));
	ck_assert_ptr_null(zc_users_find(&u, "Alice")); /* names are exact */
	zc_users_free(&u);
}
END_TEST

START_TEST(empty_file_has_no_users)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_uint_eq(u.n, 0);
	ck_assert_ptr_null(zc_users_find(&u, "alice"));
	ck_assert(!zc_users_check(&u, "alice", "secret"));
	zc_users_free(&u);
}
END_TEST

START_TEST(errors_name_the_line)
{
	parse_fails("alice:" SHA512_SECRET ":/a\nbob\n", "users:2:");
	parse_fails("alice:" SHA512_SECRET "\n", "users:1: expected name:");
	parse_fails("alice:" SHA512_SECRET ":/a:/b\n", "users:1: expected");
	parse_fails("\n\nalice:" SHA512_SECRET ":relative\n",
		    "users:3: home directory must be an absolute path");
	parse_fails("alice::/a\n", "users:1: bad password hash");
	parse_fails("alice:plaintext:/a\n", "users:1: password hash of a weak");
	/* weak methods: md5crypt, sha256crypt, DES */
	parse_fails("alice:$1$abc$def:/a\n", "users:1: password hash of a weak");
	parse_fails("alice:" SHA256_SECRET ":/a\n", "users:1: password hash of a weak");
	parse_fails("alice:abJnggxhB/yWI:/a\n", "users:1: password hash of a weak");
	parse_fails("al ice:" SHA512_SECRET ":/a\n", "users:1: bad user name");
	parse_fails("-x:" SHA512_SECRET ":/a\n", "users:1: bad user name");
	parse_fails("anonymous:" SHA512_SECRET ":/a\n", "bad user name");
	parse_fails("FTP:" SHA512_SECRET ":/a\n", "bad user name");
}
END_TEST

START_TEST(nul_inside_is_refused)
{
	static const char text[] = "alice:x\0:/a\n";

	ck_assert_int_eq(zc_users_parse(text, sizeof(text) - 1, "users", &u, err,
					sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

START_TEST(duplicates_name_both_lines)
{
	parse_fails("alice:" SHA512_SECRET ":/a\nbob:" SHA512_SECRET ":/b\n"
		    "alice:" SHA512_OTHER ":/c\n",
		    "users:3: user alice is also defined on line 1");
}
END_TEST

START_TEST(name_rules)
{
	char long_name[ZC_USER_NAME_MAX + 2];

	ck_assert(zc_users_name_ok("alice", 5));
	ck_assert(zc_users_name_ok("mirror-sync.01@site_x", 21));
	ck_assert(!zc_users_name_ok("", 0));
	ck_assert(!zc_users_name_ok("-rf", 3));
	ck_assert(!zc_users_name_ok("a/b", 3));
	ck_assert(!zc_users_name_ok("a:b", 3));
	ck_assert(!zc_users_name_ok("anonymous", 9));
	ck_assert(!zc_users_name_ok("Anonymous", 9));
	ck_assert(!zc_users_name_ok("ftp", 3));
	memset(long_name, 'a', sizeof(long_name));
	ck_assert(zc_users_name_ok(long_name, ZC_USER_NAME_MAX));
	ck_assert(!zc_users_name_ok(long_name, ZC_USER_NAME_MAX + 1));
}
END_TEST

START_TEST(password_checks)
{
	ck_assert_int_eq(parse("alice:" SHA512_SECRET ":/a\nbob:" SHA512_OTHER
			       ":/b\ncarol:!" SHA512_SECRET ":/c\n"),
			 0);
	ck_assert(zc_users_check(&u, "alice", "secret"));
	ck_assert(!zc_users_check(&u, "alice", "Secret"));
	ck_assert(!zc_users_check(&u, "alice", "secret "));
	ck_assert(!zc_users_check(&u, "alice", ""));
	ck_assert(zc_users_check(&u, "bob", "secret"));
	/* locked: the right password does not open it */
	ck_assert(!zc_users_check(&u, "carol", "secret"));
	/* unknown: never, not even with the decoy's or a user's password */
	ck_assert(!zc_users_check(&u, "dave", "secret"));
	ck_assert(!zc_users_check(&u, "dave", "decoy"));
	zc_users_free(&u);
}
END_TEST

START_TEST(yescrypt_hashes_work)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	char text[512];

	ck_assert_ptr_nonnull(crypt_gensalt_rn("$y$", 0, NULL, 0, setting,
					       sizeof(setting)));
	memset(&cd, 0, sizeof(cd));
	ck_assert_ptr_nonnull(crypt_rn("pässwörd", setting, &cd, sizeof(cd)));
	snprintf(text, sizeof(text), "yves:%s:/home/yves\n", cd.output);
	ck_assert_int_eq(parse(text), 0);
	ck_assert(zc_users_check(&u, "yves", "pässwörd"));
	ck_assert(!zc_users_check(&u, "yves", "passwoerd"));
	zc_users_free(&u);
}
END_TEST

START_TEST(load_from_fd)
{
	char path[] = "/tmp/zc_users_XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "alice:" SHA512_SECRET ":/a\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(zc_users_load_fd(fd, path, &u, err, sizeof(err)), 0);
	ck_assert(zc_users_check(&u, "alice", "secret"));
	zc_users_free(&u);
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(many_users_found_by_name)
{
	size_t n = 5000, cap = n * 160;
	char *text = malloc(cap);
	size_t used = 0;

	ck_assert_ptr_nonnull(text);
	for (size_t i = n; i > 0; i--)
		used += (size_t)snprintf(text + used, cap - used,
					 "user%zu:" SHA512_OTHER ":/home/u%zu\n", i, i);
	ck_assert_int_eq(parse(text), 0);
	ck_assert_uint_eq(u.n, n);
	ck_assert_str_eq(zc_users_find(&u, "user1")->home, "/home/u1");
	ck_assert_str_eq(zc_users_find(&u, "user4321")->home, "/home/u4321");
	ck_assert_uint_eq(zc_users_find(&u, "user4321")->line, n - 4321 + 1);
	ck_assert_ptr_null(zc_users_find(&u, "user0"));
	zc_users_free(&u);
	free(text);
}
END_TEST

static Suite *
users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, parses_entries_comments_blank_lines_crlf);
	tcase_add_test(tc, empty_file_has_no_users);
	tcase_add_test(tc, errors_name_the_line);
	tcase_add_test(tc, nul_inside_is_refused);
	tcase_add_test(tc, duplicates_name_both_lines);
	tcase_add_test(tc, name_rules);
	tcase_add_test(tc, load_from_fd);
	tcase_add_test(tc, many_users_found_by_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("passwords");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, password_checks);
	tcase_add_test(tc, yescrypt_hashes_work);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(users_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
