/*
 * utc.h: UTC broken-down time by arithmetic. Listings convert one mtime
 * per line; glibc's gmtime_r() takes the time-zone lock on every call
 * and cost about as much as the rest of an MLSD line's formatting.
 * Pure, no I/O.
 */
#ifndef ZC_UTC_H
#define ZC_UTC_H

#include <stdbool.h>
#include <time.h>

/* As gmtime_r() for POSIX time (no leap seconds): every field of *tm,
 * tm_zone "GMT". False, *tm untouched, for a time more than about
 * 30,000 years from 1970 (the caller may ask gmtime_r()). */
bool zc_utc_tm(time_t t, struct tm *tm);

#endif
