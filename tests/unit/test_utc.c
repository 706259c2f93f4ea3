/* Unit tests for utc.c: the arithmetic must agree with glibc's
 * gmtime_r() field by field, everywhere it claims to work. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utc.h"

static void
same_as_gmtime(time_t t)
{
	struct tm want, got;

	ck_assert_ptr_nonnull(gmtime_r(&t, &want));
	memset(&got, 0x55, sizeof(got));
	ck_assert_msg(zc_utc_tm(t, &got), "refused %lld", (long long)t);
	ck_assert_msg(got.tm_year == want.tm_year && got.tm_mon == want.tm_mon &&
			      got.tm_mday == want.tm_mday &&
			      got.tm_hour == want.tm_hour &&
			      got.tm_min == want.tm_min &&
			      got.tm_sec == want.tm_sec &&
			      got.tm_wday == want.tm_wday &&
			      got.tm_yday == want.tm_yday &&
			      got.tm_isdst == 0 && got.tm_gmtoff == 0,
		      "t=%lld: got %d-%d-%d %d:%d:%d wday %d yday %d, "
		      "gmtime %d-%d-%d %d:%d:%d wday %d yday %d",
		      (long long)t, got.tm_year, got.tm_mon, got.tm_mday,
		      got.tm_hour, got.tm_min, got.tm_sec, got.tm_wday,
		      got.tm_yday, want.tm_year, want.tm_mon, want.tm_mday,
		      want.tm_hour, want.tm_min, want.tm_sec, want.tm_wday,
		      want.tm_yday);
}

START_TEST(edges_agree_with_gmtime)
{
	static const long long edges[] = {
		0, -1, 1, 59, 60, 3599, 3600, 86399, 86400, -86400, -86401,
		951782400,   /* 2000-02-29, a leap day of a 400-year leap */
		951868800,   /* 2000-03-01 */
		978220800,   /* 2000-12-31 */
		4107456000,  /* 2100-02-28: 2100 is no leap year */
		4107542400,  /* 2100-03-01 */
		-2208988800, /* 1900-01-01 */
		-2203891200, /* 1900-03-01 */
		-62167219200, /* 0000-01-01 */
		-62167219201, /* -0001-12-31 23:59:59 */
		253402300799, /* 9999-12-31 23:59:59 */
		253402300800, /* 10000-01-01 */
		2147483647, -2147483648LL, 4294967296LL,
	};

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		same_as_gmtime((time_t)edges[i]);
}
END_TEST

/* every day of 1600-2500 at a second that walks through the day, and a
 * million pseudo-random times over the whole accepted range */
START_TEST(sweep_agrees_with_gmtime)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	const int64_t limit = (int64_t)1 << 40;

	for (int64_t t = -11676096000LL; t < 16725225600LL; t += 86400 + 7)
		same_as_gmtime((time_t)t);
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		same_as_gmtime((time_t)((int64_t)(x % (uint64_t)(2 * limit + 1)) -
					limit));
	}
}
END_TEST

START_TEST(beyond_the_range_is_refused_untouched)
{
	struct tm tm, before;
	const int64_t limit = (int64_t)1 << 40;

	memset(&tm, 0x55, sizeof(tm));
	before = tm;
	ck_assert(!zc_utc_tm((time_t)(limit + 1), &tm));
	ck_assert(!zc_utc_tm((time_t)(-limit - 1), &tm));
	ck_assert(memcmp(&tm, &before, sizeof(tm)) == 0);
	ck_assert(zc_utc_tm((time_t)limit, &tm));
	ck_assert(zc_utc_tm((time_t)-limit, &tm));
	same_as_gmtime((time_t)limit);
	same_as_gmtime((time_t)-limit);
}
END_TEST

static Suite *
utc_suite(void)
{
	Suite *s = suite_create("utc");
	TCase *tc = tcase_create("gmtime");

	tcase_add_test(tc, edges_agree_with_gmtime);
	tcase_add_test(tc, sweep_agrees_with_gmtime);
	tcase_add_test(tc, beyond_the_range_is_refused_untouched);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(utc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
