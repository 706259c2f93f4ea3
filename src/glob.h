/*
 * glob.h: shell-style name patterns for LIST/NLST ("*.txt", "file?.[ch]")
 * matched against one directory's names. Pure. The matcher runs in
 * O(len(pattern) * len(name)) time with no recursion and no brace
 * expansion, so a hostile pattern cannot burn CPU (the class of
 * CVE-2011-0418 and vsftpd 2.3.3's fix).
 */
#ifndef ZC_GLOB_H
#define ZC_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Longest pattern accepted. */
#define ZC_GLOB_MAX 255

/* Whether `s` holds an unescaped *, ? or [ (a pattern, not a name). */
bool zc_glob_is_pattern(const char *s);

/* Whether `name` matches `pattern`: '*' any run, '?' one byte, '[...]'
 * a set (ranges a-z, negation with '!' or '^'), '\' escapes the next
 * byte. A leading '.' in name is matched only by a literal '.' (as the
 * shell). A '[' without its ']' is literal. */
bool zc_glob_match(const char *pattern, const char *name);

#endif
