/*
 * cmd_nav.c: PWD CWD CDUP (and XPWD XCWD XCUP). The cwd is a virtual path
 * beneath the session root; CWD checks the directory through the
 * confined open, so the kernel decides what exists.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "cmd_handlers.h"
#include "compat/compat.h"
#include "fs_path.h"
#include "reply.h"
#include "session.h"

void
zc_cmd_quote_path(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in != '\0' && o + 3 < cap; in++) {
		if (*in == '"')
			out[o++] = '"';
		out[o++] = *in;
	}
	out[o] = '\0';
}

ZC_HANDLER(pwd)
{
	char q[2 * PATH_MAX];

	(void)arg;
	zc_cmd_quote_path(s->cwd, q, sizeof(q));
	zc_session_reply(s, ZC_REPLY_257_PATH, "\"%s\" is the current directory.",
			 q);
}

static void
change_dir(struct zc_session *s, const char *arg)
{
	char path[PATH_MAX];
	int fd;

	if (zc_session_path(s, arg, path, sizeof(path)) < 0)
		return;
	fd = zc_fs_open(s->root_fd, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE,
				 "Failed to change directory.");
		return;
	}
	/* entering needs search (x) permission for the session's identity */
	if (faccessat(fd, "", X_OK, AT_EMPTY_PATH) < 0 && errno != EINVAL &&
	    errno != ENOSYS) {
		close(fd);
		zc_session_reply(s, ZC_REPLY_550_NO_FILE,
				 "Failed to change directory.");
		return;
	}
	close(fd);
	zc_strlcpy(s->cwd, path, sizeof(s->cwd));
	zc_session_reply(s, ZC_REPLY_250_OK, "Directory successfully changed.");
}

ZC_HANDLER(cwd)
{
	change_dir(s, arg);
}

ZC_HANDLER(cdup)
{
	(void)arg;
	change_dir(s, "..");
}
