/*
 * str.h: string views and the only way numbers are parsed from text
 * (strtonum-style: no sign, no junk, no overflow, inclusive range).
 * Pure functions, no I/O.
 */
#ifndef ZC_STR_H
#define ZC_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

/* A borrowed, length-carrying view; never freed. */
struct zc_str {
	const char *p;
	size_t len;
};

/* Parse decimal digits only (at least one, at most 20) within [min, max].
 * Returns 0, or -1 with errno EINVAL (syntax) or ERANGE (out of range). */
int zc_str_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
		     uint64_t *out) ZC_MUST_CHECK;
/* As zc_str_parse_u64 on a NUL-terminated string. */
int zc_str_parse_u64z(const char *s, uint64_t min, uint64_t max,
		      uint64_t *out) ZC_MUST_CHECK;
/* A size: digits with an optional k, m or g suffix (case-insensitive,
 * powers of 1024). Same errors as zc_str_parse_u64. */
int zc_str_parse_size(const char *s, uint64_t max, uint64_t *out) ZC_MUST_CHECK;
/* Octal digits (a file mode mask), at most `max`. */
int zc_str_parse_octal(const char *s, unsigned max, unsigned *out) ZC_MUST_CHECK;

/* ASCII-only case-insensitive equality of a view and a C string. */
bool zc_str_eq_nocase(const char *a, size_t alen, const char *b);
/* ASCII upper-case in place (never locale-dependent: toupper() on client
 * bytes is a known DoS class, proftpd issue 2019). */
void zc_str_upper(char *s, size_t len);
/* Remove leading and trailing blanks (space, tab) from a C string in place;
 * returns the start inside s. */
char *zc_str_trim(char *s);

#endif
