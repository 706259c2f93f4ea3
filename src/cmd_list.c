/*
 * cmd_list.c: LIST and NLST over the data connection. The directory is
 * read and formatted by fs_list.c; this file connects it to the data
 * connection and the session's replies.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_handlers.h"
#include "data_conn.h"
#include "fs_list.h"
#include "fs_path.h"
#include "glob.h"
#include "compat/compat.h"
#include "reply.h"
#include "session.h"
#include "xfer.h"

struct list_sink {
	struct zc_xfer *x;
	enum zc_xfer_result r;
};

static int
data_sink(void *ctx, const char *buf, size_t len)
{
	struct list_sink *ls = ctx;

	ls->r = zc_xfer_write(ls->x, buf, len);
	return ls->r == ZC_XFER_OK ? 0 : -1;
}

enum list_kind { LIST_LONG, LIST_NAMES, LIST_MLSD };

/* An argument whose last component is a pattern ("*.txt") and names no
 * file: list the matches of the last
 * component in its directory. On success `path` names the directory,
 * *st is its stat, the pattern is copied into `pattern` (NAME_MAX + 1)
 * and `prefix` holds the directory part as the client wrote it (NLST
 * names carry it). -1 when the last component is no pattern or its
 * directory does not exist (globs in directory names are not expanded). */
static int
glob_parent(struct zc_session *s, const char *arg, char *path,
	    struct stat *st, char *pattern, char *prefix, size_t prefix_cap)
{
	const char *base = zc_fs_path_basename(path);
	const char *slash = arg != NULL ? strrchr(arg, '/') : NULL;
	char *cut;

	if (arg == NULL || !zc_glob_is_pattern(base) ||
	    zc_strlcpy(pattern, base, NAME_MAX + 1) > ZC_GLOB_MAX)
		return -1;
	cut = strrchr(path, '/');
	if (cut == path)
		cut[1] = '\0'; /* "/x*" -> "/" */
	else
		*cut = '\0';
	if (zc_fs_stat(s->root_fd, path, 1, st) < 0 || !S_ISDIR(st->st_mode))
		return -1;
	snprintf(prefix, prefix_cap, "%.*s",
		 slash != NULL ? (int)(slash - arg + 1) : 0, arg);
	return 0;
}

static void
do_list(struct zc_session *s, const char *arg, enum list_kind kind)
{
	bool longfmt = kind == LIST_LONG;
	struct zc_list_opts o = {.longfmt = longfmt,
				 .mlsd = kind == LIST_MLSD,
				 .all = kind == LIST_MLSD,
				 .facts = s->mlst_facts,
				 .writable = s->may_write,
				 .uid = geteuid(),
				 .gid = getegid(),
				 .hide_ids = s->cfg->hide_ids,
				 .localtime = s->cfg->listing_localtime,
				 .threads = (unsigned)s->cfg->list_threads,
				 .now = time(NULL)};
	static const char *const what[] = {"LIST", "NLST", "MLSD"};
	char path[PATH_MAX], prefix[PATH_MAX + 2], pattern[NAME_MAX + 1];
	struct list_sink ls = {.r = ZC_XFER_OK};
	enum zc_list_result lr;
	enum zc_data_open dr;
	struct zc_xfer x;
	const char *p;
	struct stat st;
	int fd = -1, dfd = -1;

	/* MLSD takes a plain path: no ls options (RFC 3659) */
	p = kind == LIST_MLSD ? arg : zc_list_parse_args(arg, &o);
	if (zc_session_path(s, p != NULL ? p : ".", path, sizeof(path)) < 0)
		goto refuse;
	if (zc_fs_stat(s->root_fd, path, 1, &st) < 0) {
		int err = errno;
		if (kind == LIST_MLSD || err != ENOENT ||
		    glob_parent(s, p, path, &st, pattern, prefix,
				sizeof(prefix)) < 0) {
			zc_session_reply_errno(s, err);
			goto refuse;
		}
		o.pattern = pattern;
	}
	if (kind == LIST_MLSD && !S_ISDIR(st.st_mode)) {
		/* RFC 3659 7.2.1: MLSD of a non-directory is an error */
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "MLSD needs a directory; use MLST for a file.");
		goto refuse;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = zc_fs_open(s->root_fd, path, O_RDONLY | O_DIRECTORY, 0);
		/* listing needs search permission too (entries are stat'ed
		 * inside): refuse before the 150, not halfway */
		if (fd < 0 || (faccessat(fd, "", X_OK, AT_EMPTY_PATH) < 0 &&
			       errno == EACCES)) {
			zc_session_reply_errno(s, errno);
			goto refuse;
		}
	}
	/* NLST dir: names carry the directory as the client wrote it */
	if (o.pattern == NULL)
		prefix[0] = '\0';
	if (kind == LIST_NAMES && p != NULL && fd >= 0 && o.pattern == NULL)
		snprintf(prefix, sizeof(prefix), "%s%s", p,
			 p[strlen(p) - 1] == '/' ? "" : "/");
	if (!zc_cmd_data_prot_ok(s))
		goto out;
	dr = zc_data_open(s, &dfd);
	if (dr != ZC_DATA_OPEN_OK) {
		zc_cmd_data_open_failed(s, dr);
		goto out;
	}
	if (zc_session_reply(s, ZC_REPLY_150_OPENING,
			     "Here comes the directory listing.") < 0)
		ls.r = ZC_XFER_GONE;
	zc_xfer_init(&x, s, dfd, -1, 0, 0, what[kind], path);
	x.engine = ZC_ENGINE_READWRITE;
	x.reason = "listing";
	o.threads_used = &x.stat_threads;
	ls.x = &x;
	if (ls.r == ZC_XFER_OK)
		ls.r = zc_xfer_start_tls(&x);
	if (ls.r == ZC_XFER_OK) {
		if (fd >= 0)
			lr = zc_list_dir(fd, prefix, &o, data_sink, &ls);
		else
			lr = zc_list_one(p != NULL ? p : zc_fs_path_basename(path),
					 &st, &o, data_sink, &ls);
		if (lr == ZC_LIST_TOO_BIG) {
			/* never a silently truncated listing that ends in
			 * 226: clients would take it as complete */
			ls.r = ZC_XFER_FILE_ERROR;
			x.fail_text = "Directory too large to list; listing "
				      "aborted.";
		} else if (lr == ZC_LIST_ERROR) {
			ls.r = ZC_XFER_FILE_ERROR;
			x.fail_text = "Error reading the directory; listing "
				      "aborted.";
		}
	}
	zc_xfer_finish(&x, ls.r, "Directory send OK.");
	goto out;
refuse:
	zc_data_reset(s);
out:
	if (fd >= 0)
		close(fd);
}

ZC_HANDLER(list)
{
	do_list(s, arg, LIST_LONG);
}

ZC_HANDLER(nlst)
{
	do_list(s, arg, LIST_NAMES);
}

ZC_HANDLER(mlsd)
{
	do_list(s, arg, LIST_MLSD);
}

ZC_HANDLER(mlst)
{
	struct zc_list_opts o = {.facts = s->mlst_facts,
				 .writable = s->may_write,
				 .uid = geteuid(),
				 .gid = getegid()};
	char path[PATH_MAX], line[PATH_MAX + 512];
	struct stat st;

	if (zc_session_path(s, arg != NULL ? arg : ".", path, sizeof(path)) < 0)
		return;
	if (zc_fs_stat(s->root_fd, path, 1, &st) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	/* RFC 3659 7.2: one fact line, starting with a space, between the
	 * 250- and 250 lines; the name is the path as resolved */
	if (zc_list_format_facts(line, sizeof(line), path, &st, NULL, NULL, &o) == 0) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "Path too long.");
		return;
	}
	zc_session_reply(s, ZC_REPLY_250_OK, "Listing %s\n %s\nEnd", path, line);
}
