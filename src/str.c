/*
 * str.c: number parsing and small string helpers. See str.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "str.h"

int
zc_str_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
		 uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20) {
		errno = len == 0 ? EINVAL : ERANGE;
		for (size_t i = 0; i < len; i++)
			if (s[i] < '0' || s[i] > '9')
				errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9') {
			errno = EINVAL;
			return -1;
		}
		d = (unsigned)(s[i] - '0');
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, d, &v)) {
			/* keep scanning for junk so syntax wins over range */
			for (size_t j = i + 1; j < len; j++)
				if (s[j] < '0' || s[j] > '9') {
					errno = EINVAL;
					return -1;
				}
			errno = ERANGE;
			return -1;
		}
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int
zc_str_parse_u64z(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return zc_str_parse_u64(s, strlen(s), min, max, out);
}

int
zc_str_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	size_t len = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (len > 1) {
		switch (s[len - 1]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			break;
		}
		if (shift != 0)
			len--;
	}
	if (zc_str_parse_u64(s, len, 0, UINT64_MAX, &v) < 0)
		return -1;
	if (shift != 0 && v > (UINT64_MAX >> shift)) {
		errno = ERANGE;
		return -1;
	}
	v <<= shift;
	if (v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int
zc_str_parse_octal(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 6) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7') {
			errno = EINVAL;
			return -1;
		}
		v = v * 8 + (unsigned)(s[i] - '0');
	}
	if (v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

static char
ascii_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

bool
zc_str_eq_nocase(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_upper(a[i]) != ascii_upper(b[i]))
			return false;
	return true;
}

void
zc_str_upper(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		s[i] = ascii_upper(s[i]);
}

char *
zc_str_trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}
