/*
 * glob.c: linear-time wildcard matching. See glob.h.
 *
 * The classic greedy algorithm: walk name and pattern together; on '*'
 * remember where it was and how much of the name it has eaten; on a
 * mismatch, let the last '*' eat one more byte and retry from just
 * after it. Only the last '*' ever needs to backtrack, so the work is
 * bounded by len(pattern) * len(name).
 */
#include "config.h"

#include <string.h>

#include "glob.h"

bool
zc_glob_is_pattern(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			continue;
		}
		if (*s == '*' || *s == '?' || *s == '[')
			return true;
	}
	return false;
}

/* Match one set "[...]" at p against c. Returns the pattern position
 * after the set, or NULL when the set is unterminated (then '[' is a
 * literal). *hit tells whether c is in the set. */
static const char *
match_set(const char *p, unsigned char c, bool *hit)
{
	bool negate = false, in = false;
	const char *q = p + 1;

	if (*q == '!' || *q == '^') {
		negate = true;
		q++;
	}
	if (*q == ']') { /* a ']' first is a member */
		in = c == ']';
		q++;
	}
	while (*q != '\0' && *q != ']') {
		unsigned char lo = (unsigned char)*q, hi;
		if (lo == '\\' && q[1] != '\0')
			lo = (unsigned char)*++q;
		hi = lo;
		if (q[1] == '-' && q[2] != '\0' && q[2] != ']') {
			hi = (unsigned char)q[2];
			q += 2;
			if (hi == '\\' && q[1] != '\0')
				hi = (unsigned char)*++q;
		}
		if (c >= lo && c <= hi)
			in = true;
		q++;
	}
	if (*q != ']')
		return NULL;
	*hit = in != negate;
	return q + 1;
}

/* Match one pattern element at *pp against name byte c; advances *pp.
 * Returns false on mismatch. ('*' is handled by the caller.) */
static bool
match_one(const char **pp, unsigned char c)
{
	const char *p = *pp;
	bool hit;

	if (*p == '?') {
		*pp = p + 1;
		return true;
	}
	if (*p == '[') {
		const char *next = match_set(p, c, &hit);
		if (next != NULL) {
			*pp = next;
			return hit;
		}
		/* unterminated: a literal '[' */
	}
	if (*p == '\\' && p[1] != '\0')
		p++;
	*pp = p + 1;
	return (unsigned char)*p == c;
}

bool
zc_glob_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star_p = NULL, *star_n = NULL;

	if (strlen(pattern) > ZC_GLOB_MAX)
		return false;
	/* hidden names need an explicit leading dot */
	if (name[0] == '.' && pattern[0] != '.')
		return false;
	while (*n != '\0') {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return true;
			star_p = p;
			star_n = n;
			continue;
		}
		if (*p != '\0') {
			const char *save = p;
			if (match_one(&p, (unsigned char)*n)) {
				n++;
				continue;
			}
			p = save;
		}
		if (star_p == NULL)
			return false;
		/* let the last '*' take one more byte */
		p = star_p;
		n = ++star_n;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
