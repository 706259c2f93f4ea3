/*
 * utc.c: UTC broken-down time by arithmetic (days to civil date as in
 * Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms": a
 * year that starts on 1 March puts the leap day last, and 400-year eras
 * repeat exactly).
 */
#include "config.h"

#include <stdint.h>

#include "utc.h"

#define DAY_SECONDS 86400
/* about +-30,000 years: every intermediate below stays far inside
 * int64_t and the year inside int */
#define UTC_LIMIT ((int64_t)1 << 40)

static bool
leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
zc_utc_tm(time_t t, struct tm *tm)
{
	static const int before_month[12] = {0,   31,  59,  90,  120, 151,
					     181, 212, 243, 273, 304, 334};
	int64_t s = (int64_t)t, days, secs, z, era, doe, yoe, y, doy, mp, d, m;

	if (s > UTC_LIMIT || s < -UTC_LIMIT)
		return false;
	days = s / DAY_SECONDS;
	secs = s % DAY_SECONDS;
	if (secs < 0) { /* floor, not truncation, before 1970 */
		secs += DAY_SECONDS;
		days--;
	}
	z = days + 719468; /* days since 0000-03-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;                                  /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365], from 1 March */
	mp = (5 * doy + 2) / 153;                      /* [0, 11], March = 0 */
	d = doy - (153 * mp + 2) / 5 + 1;              /* [1, 31] */
	m = mp < 10 ? mp + 3 : mp - 9;                 /* [1, 12] */
	if (m <= 2)
		y++;

	tm->tm_sec = (int)(secs % 60);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_mday = (int)d;
	tm->tm_mon = (int)m - 1;
	tm->tm_year = (int)(y - 1900);
	/* 1970-01-01 was a Thursday */
	tm->tm_wday = (int)(((days % 7) + 11) % 7);
	tm->tm_yday = before_month[m - 1] + (int)d - 1 +
		      (m > 2 && leap_year(y) ? 1 : 0);
	tm->tm_isdst = 0;
	tm->tm_gmtoff = 0;
	tm->tm_zone = "GMT";
	return true;
}
