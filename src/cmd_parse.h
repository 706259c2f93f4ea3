/*
 * cmd_parse.h: one control line -> verb and argument. Pure, no I/O, no
 * allocation; the argument is a view into the caller's line.
 */
#ifndef ZC_CMD_PARSE_H
#define ZC_CMD_PARSE_H

#include <stddef.h>

/* Longest verb we look up (HTTP's "CONNECT"/"OPTIONS" must fit). */
#define ZC_VERB_MAX 15

enum zc_cmd_parse_result {
	ZC_CMD_PARSE_OK,
	ZC_CMD_PARSE_EMPTY,    /* nothing on the line */
	ZC_CMD_PARSE_BAD_VERB, /* not 1..ZC_VERB_MAX ASCII letters */
	ZC_CMD_PARSE_NUL,      /* a NUL byte in the line */
};

struct zc_cmd {
	char verb[ZC_VERB_MAX + 1]; /* upper-cased */
	const char *arg;            /* after the first space; NULL if none */
};

/* `line` holds `len` bytes followed by a NUL. The verb is the run of
 * letters up to the first space or the end; the argument is everything
 * after that one space (kept as is: names may start with blanks), or NULL
 * when empty. */
enum zc_cmd_parse_result zc_cmd_parse(const char *line, size_t len,
				      struct zc_cmd *out);

#endif
