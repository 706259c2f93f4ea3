/*
 * reply.c: reply formatting and errno -> reply mapping. See reply.h.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "reply.h"

static bool
looks_like_reply_start(const char *line, size_t len)
{
	return len >= 4 && line[0] >= '0' && line[0] <= '9' &&
	       line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
	       line[2] <= '9' && (line[3] == ' ' || line[3] == '-');
}

/* Append one sanitized line; false when it does not fit. */
static bool
append_line(char *out, size_t cap, size_t *used, const char *prefix,
	    const char *line, size_t len)
{
	size_t plen = strlen(prefix);

	if (*used + plen + len + 2 >= cap)
		return false;
	memcpy(out + *used, prefix, plen);
	*used += plen;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		out[(*used)++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[(*used)++] = '\r';
	out[(*used)++] = '\n';
	out[*used] = '\0';
	return true;
}

size_t
zc_reply_format(char *out, size_t cap, unsigned code, const char *text)
{
	char prefix[8];
	size_t used = 0;
	const char *line = text;
	bool first = true;

	if (cap == 0 || code < 100 || code > 999)
		return 0;
	out[0] = '\0';
	for (;;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		const char *pfx;

		if (nl == NULL) {
			snprintf(prefix, sizeof(prefix), "%03u ", code);
			pfx = prefix;
		} else if (first) {
			snprintf(prefix, sizeof(prefix), "%03u-", code);
			pfx = prefix;
		} else {
			/* RFC 959: a middle line must not look like the
			 * final line of a reply. */
			pfx = looks_like_reply_start(line, len) ? " " : "";
		}
		if (!append_line(out, cap, &used, pfx, line, len))
			return 0;
		if (nl == NULL)
			break;
		first = false;
		line = nl + 1;
	}
	return used;
}

struct zc_reply_err
zc_reply_errno(int err)
{
	struct zc_reply_err r;

	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
		r.code = ZC_REPLY_550_NO_FILE;
		r.text = "No such file or directory.";
		break;
	case EACCES:
	case EPERM:
	case EXDEV:
		r.code = ZC_REPLY_550_NO_FILE;
		r.text = "Permission denied.";
		break;
	case EISDIR:
		r.code = ZC_REPLY_550_NO_FILE;
		r.text = "Is a directory.";
		break;
	case EEXIST:
		r.code = ZC_REPLY_550_NO_FILE;
		r.text = "File exists.";
		break;
	case ENOTEMPTY:
		r.code = ZC_REPLY_550_NO_FILE;
		r.text = "Directory not empty.";
		break;
	case ENOSPC:
		r.code = ZC_REPLY_452_NO_SPACE;
		r.text = "Insufficient storage space.";
		break;
	case EDQUOT:
		r.code = ZC_REPLY_552_QUOTA;
		r.text = "Quota exceeded.";
		break;
	case ENAMETOOLONG:
		r.code = ZC_REPLY_553_BAD_NAME;
		r.text = "File name too long.";
		break;
	case EINVAL:
		r.code = ZC_REPLY_553_BAD_NAME;
		r.text = "File name not allowed.";
		break;
	default:
		r.code = ZC_REPLY_451_LOCAL_ERROR;
		r.text = "Local error in processing.";
		break;
	}
	return r;
}
