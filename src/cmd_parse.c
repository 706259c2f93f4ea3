/*
 * cmd_parse.c: control line parsing. See cmd_parse.h.
 */
#include "config.h"

#include <string.h>

#include "cmd_parse.h"

static int
is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

enum zc_cmd_parse_result
zc_cmd_parse(const char *line, size_t len, struct zc_cmd *out)
{
	size_t i = 0;

	out->verb[0] = '\0';
	out->arg = NULL;
	if (memchr(line, '\0', len) != NULL)
		return ZC_CMD_PARSE_NUL;
	if (len == 0)
		return ZC_CMD_PARSE_EMPTY;
	while (i < len && line[i] != ' ') {
		char c = line[i];
		if (i >= ZC_VERB_MAX || !is_letter(c))
			return ZC_CMD_PARSE_BAD_VERB;
		out->verb[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		i++;
	}
	if (i == 0)
		return ZC_CMD_PARSE_BAD_VERB;
	out->verb[i] = '\0';
	if (i + 1 < len)
		out->arg = line + i + 1;
	return ZC_CMD_PARSE_OK;
}
