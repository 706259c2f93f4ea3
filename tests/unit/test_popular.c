/* Unit tests for popular.c: the table of recently sent big files, the
 * keep-cached decision, and reading the memory cgroup's limit. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popular.h"

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)

static struct zc_popular table;

static void
clear(void)
{
	memset(&table, 0, sizeof(table));
}

START_TEST(second_send_within_the_window_is_popular)
{
	clear();
	ck_assert(!zc_popular_note(&table, 1, 100, 1000));
	ck_assert(zc_popular_note(&table, 1, 100, 1000 + 5));
	/* counted from the last send, not the first */
	ck_assert(zc_popular_note(&table, 1, 100, 1005 + ZC_POPULAR_WINDOW_S));
	ck_assert(!zc_popular_note(&table, 1, 100,
				   1005 + 2 * ZC_POPULAR_WINDOW_S + 1));
}
END_TEST

START_TEST(files_are_told_apart_by_device_and_inode)
{
	clear();
	ck_assert(!zc_popular_note(&table, 1, 100, 50));
	ck_assert(!zc_popular_note(&table, 2, 100, 51)); /* other device */
	ck_assert(!zc_popular_note(&table, 1, 101, 52)); /* other inode */
	ck_assert(zc_popular_note(&table, 2, 100, 53));
	ck_assert(zc_popular_note(&table, 1, 101, 54));
}
END_TEST

START_TEST(a_full_table_forgets_the_file_seen_longest_ago)
{
	clear();
	for (uint64_t i = 0; i < ZC_POPULAR_SLOTS; i++)
		ck_assert(!zc_popular_note(&table, 7, i, 10 + (int64_t)i));
	/* file 0 is refreshed: file 1 is now the oldest */
	ck_assert(zc_popular_note(&table, 7, 0, 200));
	ck_assert(!zc_popular_note(&table, 7, 999, 201)); /* takes 1's entry */
	ck_assert(!zc_popular_note(&table, 7, 1, 202));   /* forgotten */
	ck_assert(zc_popular_note(&table, 7, 0, 203));
	ck_assert(zc_popular_note(&table, 7, 999, 204));
}
END_TEST

START_TEST(kept_only_when_popular_and_small_enough)
{
	uint64_t budget = 8 * GIB;

	clear();
	/* the first download is dropped behind */
	ck_assert(!zc_popular_keep_cached(&table, 1, 1, GIB, budget, 100));
	/* the second fits in a quarter of 8 GiB: kept */
	ck_assert(zc_popular_keep_cached(&table, 1, 1, GIB, budget, 110));
	ck_assert(zc_popular_keep_cached(&table, 1, 1, 2 * GIB, budget, 120));
	/* too big for the memory: dropped however popular */
	ck_assert(!zc_popular_keep_cached(&table, 1, 1, 2 * GIB + 1, budget, 130));
	ck_assert(!zc_popular_keep_cached(&table, 1, 1, GIB, 512 * MIB, 140));
	/* unknown budget: never kept */
	ck_assert(!zc_popular_keep_cached(&table, 1, 1, MIB, 0, 150));
}
END_TEST

START_TEST(now_is_never_zero_and_does_not_go_back)
{
	int64_t a = zc_popular_now(), b = zc_popular_now();

	ck_assert_int_gt(a, 0);
	ck_assert_int_ge(b, a);
}
END_TEST

START_TEST(cgroup_v2_limit_path)
{
	char path[256];

	ck_assert_int_eq(zc_popular_cgroup_limit_path(
				 "0::/system.slice/zcftpd.service\n", path,
				 sizeof(path)), 0);
	ck_assert_str_eq(path, "/sys/fs/cgroup/system.slice/zcftpd.service/"
			       "memory.max");
	ck_assert_int_eq(zc_popular_cgroup_limit_path("0::/\n", path,
						      sizeof(path)), 0);
	ck_assert_str_eq(path, "/sys/fs/cgroup/memory.max");
}
END_TEST

START_TEST(cgroup_v1_memory_hierarchy_wins)
{
	char path[256];
	const char *text = "12:pids:/a\n"
			   "5:cpu,cpuacct:/bench\n"
			   "4:blkio,memory:/zc-test\n"
			   "0::/other\n";

	ck_assert_int_eq(zc_popular_cgroup_limit_path(text, path, sizeof(path)),
			 0);
	ck_assert_str_eq(path, "/sys/fs/cgroup/memory/zc-test/"
			       "memory.limit_in_bytes");
	/* "memory" must be a whole controller name */
	ck_assert_int_eq(zc_popular_cgroup_limit_path("3:memoryx:/a\n", path,
						      sizeof(path)), -1);
	/* no newline at the end, the root group */
	ck_assert_int_eq(zc_popular_cgroup_limit_path("9:memory:/", path,
						      sizeof(path)), 0);
	ck_assert_str_eq(path, "/sys/fs/cgroup/memory/memory.limit_in_bytes");
}
END_TEST

START_TEST(cgroup_path_errors)
{
	char small[16];
	char path[256];

	ck_assert_int_eq(zc_popular_cgroup_limit_path("", path, sizeof(path)),
			 -1);
	ck_assert_int_eq(zc_popular_cgroup_limit_path("garbage\nno colons\n",
						      path, sizeof(path)), -1);
	ck_assert_int_eq(zc_popular_cgroup_limit_path("5:cpu:/a\n", path,
						      sizeof(path)), -1);
	/* does not fit: refused, not cut */
	ck_assert_int_eq(zc_popular_cgroup_limit_path("0::/long/path\n", small,
						      sizeof(small)), -1);
}
END_TEST

START_TEST(limit_values)
{
	uint64_t v = 0;

	ck_assert_int_eq(zc_popular_parse_limit("max\n", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(zc_popular_parse_limit("536870912\n", &v), 0);
	ck_assert_uint_eq(v, 512 * MIB);
	/* cgroup v1's "no limit" is a huge number, which stays above RAM */
	ck_assert_int_eq(zc_popular_parse_limit("9223372036854771712\n", &v), 0);
	ck_assert_uint_eq(v, 9223372036854771712ULL);
	ck_assert_int_eq(zc_popular_parse_limit("", &v), -1);
	ck_assert_int_eq(zc_popular_parse_limit("12k\n", &v), -1);
	ck_assert_int_eq(zc_popular_parse_limit("-1\n", &v), -1);
}
END_TEST

START_TEST(budget_is_known_here)
{
	/* this machine has RAM; a cgroup limit can only lower it */
	uint64_t b = zc_popular_memory_budget();

	ck_assert_uint_gt(b, 0);
}
END_TEST

static Suite *
popular_suite(void)
{
	Suite *s = suite_create("popular");
	TCase *tc = tcase_create("table");
	TCase *tb = tcase_create("budget");

	tcase_add_test(tc, second_send_within_the_window_is_popular);
	tcase_add_test(tc, files_are_told_apart_by_device_and_inode);
	tcase_add_test(tc, a_full_table_forgets_the_file_seen_longest_ago);
	tcase_add_test(tc, kept_only_when_popular_and_small_enough);
	tcase_add_test(tc, now_is_never_zero_and_does_not_go_back);
	tcase_add_test(tb, cgroup_v2_limit_path);
	tcase_add_test(tb, cgroup_v1_memory_hierarchy_wins);
	tcase_add_test(tb, cgroup_path_errors);
	tcase_add_test(tb, limit_values);
	tcase_add_test(tb, budget_is_known_here);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tb);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(popular_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
