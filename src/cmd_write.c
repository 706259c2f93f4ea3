/*
 * cmd_write.c: STOR STOU APPE (and REST+STOR), DELE MKD RMD RNFR RNTO
 * MFMT, SITE CHMOD. The dispatcher lets only sessions that may write get
 * here. Every path is resolved beneath the session root (fs_path.c);
 * uploads go through upload.c (temporary file, atomic rename) and the
 * receive engines (xfer_recv.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_handlers.h"
#include "compat/compat.h"
#include "data_conn.h"
#include "fs_path.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "str.h"
#include "upload.h"
#include "xfer.h"

/* STOU without a name: NAME, NAME.1, ... in the current directory. */
#define STOU_BASE "ftp-upload"

/* The virtual path of the file an upload writes (STOU picks the last
 * component itself). */
static void
final_path(const char *path, const char *name, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	int dir = slash != NULL ? (int)(slash - path) : 0;

	if (snprintf(out, cap, "%.*s/%s", dir, path, name) >= (int)cap)
		zc_strlcpy(out, path, cap); /* cannot happen: same bound */
}

static int
reply_150(struct zc_session *s, const struct zc_upload *u)
{
	if (u->kind == ZC_UPLOAD_UNIQUE)
		/* RFC 1123 4.1.2.9: exactly this form, in the 150 */
		return zc_session_reply(s, ZC_REPLY_150_OPENING, "FILE: %s",
					u->name);
	if (u->kind == ZC_UPLOAD_RESUME)
		return zc_session_reply(s, ZC_REPLY_150_OPENING,
					"Ok to send data for %s (restarting "
					"at %lld).",
					u->name, (long long)u->start);
	return zc_session_reply(s, ZC_REPLY_150_OPENING,
				"Ok to send data for %s%s.", u->name,
				s->type == ZC_TYPE_ASCII
					? " (ASCII: CRLF->LF conversion)"
					: "");
}

/* Data connection, 150, transfer, commit: the upload ends committed or
 * discarded, with exactly one final reply. */
static void
receive(struct zc_session *s, struct zc_upload *u, const char *path,
	const char *what)
{
	struct zc_xfer_choice choice = zc_xfer_choose_recv_engine(
		s->type == ZC_TYPE_ASCII,
		(enum zc_engine_cfg)s->cfg->transfer_engine);
	struct zc_xfer x;
	enum zc_data_open dr;
	enum zc_xfer_result r;
	int dfd = -1;

	dr = zc_data_open(s, &dfd);
	if (dr != ZC_DATA_OPEN_OK) {
		zc_cmd_data_open_failed(s, dr);
		return;
	}
	r = reply_150(s, u) < 0 ? ZC_XFER_GONE : ZC_XFER_OK;
	zc_xfer_init_upload(&x, s, dfd, u->fd, u->start, what, path);
	x.engine = choice.engine;
	x.reason = choice.reason;
	/* only where a discard would keep the old state is it worth
	 * holding the 226 back to tell a dead client from a done one */
	x.eof_grace_ms = zc_upload_discard_matters(u) ? ZC_UPLOAD_EOF_GRACE_MS
						       : 0;
	if (r == ZC_XFER_OK && zc_upload_begin(u) < 0) {
		x.err = errno;
		r = ZC_XFER_FILE_ERROR;
	}
	if (r == ZC_XFER_OK)
		r = zc_xfer_start_tls(&x);
	if (r == ZC_XFER_OK)
		r = zc_xfer_recv_file(&x);
	/* the 226 only after every byte is in the file (and on disk when
	 * upload_fsync says so) and the file is in place */
	if (r == ZC_XFER_OK && zc_upload_commit(u, s->cfg->upload_fsync) < 0) {
		x.err = errno;
		r = ZC_XFER_FILE_ERROR;
	}
	if (r != ZC_XFER_OK)
		zc_upload_discard(u);
	zc_xfer_finish(&x, r, "Transfer complete.");
}

/* Reply when the upload could not be opened. */
static void
reply_open_failed(struct zc_session *s, int err, uint64_t rest)
{
	if (err == ERANGE)
		zc_session_reply(s, ZC_REPLY_554_BAD_REST,
				 "Restart offset %llu is beyond the end of the "
				 "file.",
				 (unsigned long long)rest);
	else if (err == EEXIST)
		zc_session_reply(s, ZC_REPLY_550_NO_FILE,
				 "No unique file name is free.");
	else
		zc_session_reply_errno(s, err);
}

static void
store(struct zc_session *s, const char *arg, enum zc_upload_kind kind,
      const char *what)
{
	char path[PATH_MAX], real[PATH_MAX];
	uint64_t rest = s->rest;
	mode_t mode = 0666 & ~(mode_t)s->cfg->upload_umask;
	struct zc_upload u;

	s->rest = 0;
	/* REST + STOR resumes in place (as vsftpd); APPE ignores REST */
	if (kind == ZC_UPLOAD_STOR && rest > 0)
		kind = ZC_UPLOAD_RESUME;
	if (zc_session_path(s, arg != NULL ? arg : STOU_BASE, path,
			    sizeof(path)) < 0)
		goto refuse;
	if (kind == ZC_UPLOAD_RESUME && s->type == ZC_TYPE_ASCII) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE,
				 "No support for resume of ASCII transfers.");
		goto refuse;
	}
	if (!zc_cmd_data_prot_ok(s))
		return;
	if (zc_upload_open(&u, s->root_fd, path, kind, (off_t)rest, mode,
			   s->cfg->upload_atomic) < 0) {
		reply_open_failed(s, errno, rest);
		goto refuse;
	}
	final_path(path, u.name, real, sizeof(real));
	receive(s, &u, real, what);
	zc_upload_fini(&u);
	return;
refuse:
	zc_data_reset(s);
}

ZC_HANDLER(stor)
{
	store(s, arg, ZC_UPLOAD_STOR, "STOR");
}

ZC_HANDLER(appe)
{
	store(s, arg, ZC_UPLOAD_APPE, "APPE");
}

ZC_HANDLER(stou)
{
	store(s, arg, ZC_UPLOAD_UNIQUE, "STOU");
}

/* The argument as a confined virtual path, or a reply and false. */
static bool
write_path(struct zc_session *s, const char *arg, char *out)
{
	return zc_session_path(s, arg, out, PATH_MAX) == 0;
}

/* Log a change to the tree (as transfers are logged). */
static void
log_change(const char *what, const char *path, const char *to)
{
	char a[600], b[600];

	zc_log_escape(path, strlen(path), a, sizeof(a));
	if (to != NULL)
		zc_log_escape(to, strlen(to), b, sizeof(b));
	zc_log_info("%s %s%s%s", what, a, to != NULL ? " -> " : "",
		    to != NULL ? b : "");
}

ZC_HANDLER(dele)
{
	char path[PATH_MAX];

	if (!write_path(s, arg, path))
		return;
	if (zc_fs_unlink(s->root_fd, path) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	log_change("DELE", path, NULL);
	zc_session_reply(s, ZC_REPLY_250_OK, "Delete operation successful.");
}

ZC_HANDLER(mkd)
{
	char path[PATH_MAX], q[2 * PATH_MAX];
	mode_t mode = 0777 & ~(mode_t)s->cfg->upload_umask;

	if (!write_path(s, arg, path))
		return;
	if (zc_fs_mkdir(s->root_fd, path, mode) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	log_change("MKD", path, NULL);
	/* RFC 959: 257 "PATHNAME" created, embedded quotes doubled */
	zc_cmd_quote_path(path, q, sizeof(q));
	zc_session_reply(s, ZC_REPLY_257_PATH, "\"%s\" created.", q);
}

ZC_HANDLER(rmd)
{
	char path[PATH_MAX];

	if (!write_path(s, arg, path))
		return;
	if (zc_fs_rmdir(s->root_fd, path) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	log_change("RMD", path, NULL);
	zc_session_reply(s, ZC_REPLY_250_OK,
			 "Remove directory operation successful.");
}

ZC_HANDLER(rnfr)
{
	char path[PATH_MAX];
	struct stat st;

	if (!write_path(s, arg, path))
		return;
	/* the name itself must exist (a symlink is renamed as a link) */
	if (zc_fs_stat(s->root_fd, path, 0, &st) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	zc_strlcpy(s->rename_from, path, sizeof(s->rename_from));
	zc_session_reply(s, ZC_REPLY_350_PENDING, "Ready for RNTO.");
}

ZC_HANDLER(rnto)
{
	char from[PATH_MAX], path[PATH_MAX];

	/* RFC 959: RNTO only right after RNFR (the dispatcher forgets an
	 * RNFR when any other command comes in between) */
	if (s->rename_from[0] == '\0') {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "RNFR required first.");
		return;
	}
	zc_strlcpy(from, s->rename_from, sizeof(from));
	s->rename_from[0] = '\0';
	if (!write_path(s, arg, path))
		return;
	if (zc_fs_rename(s->root_fd, from, path) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	log_change("RNTO", from, path);
	zc_session_reply(s, ZC_REPLY_250_OK, "Rename successful.");
}

ZC_HANDLER(mfmt)
{
	/* draft-somers-ftp-mfxx: MFMT YYYYMMDDHHMMSS[.F] path (UTC) */
	size_t tlen = strcspn(arg, " ");
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {0}};
	char path[PATH_MAX];

	if (arg[tlen] != ' ' || arg[tlen + 1] == '\0' ||
	    zc_upload_parse_time(arg, tlen, &ts[1]) < 0) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "MFMT needs YYYYMMDDHHMMSS (UTC) and a path.");
		return;
	}
	if (!write_path(s, arg + tlen + 1, path))
		return;
	if (zc_fs_utimes(s->root_fd, path, ts) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	zc_session_reply(s, ZC_REPLY_213_FILE_STATUS, "Modify=%.*s; %s",
			 (int)tlen, arg, arg + tlen + 1);
}

void
zc_cmd_site_chmod(struct zc_session *s, const char *args)
{
	size_t mlen = strcspn(args, " ");
	char word[8], path[PATH_MAX];
	unsigned mode;

	/* SECURITY: permission bits only; no set-id or sticky bits on
	 * files that belong to the server's account */
	if (mlen == 0 || mlen >= sizeof(word) || args[mlen] != ' ' ||
	    args[mlen + 1] == '\0') {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "Usage: SITE CHMOD <octal mode> <path>.");
		return;
	}
	memcpy(word, args, mlen);
	word[mlen] = '\0';
	if (zc_str_parse_octal(word, 0777, &mode) < 0) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "Bad mode: octal 0 to 777 only.");
		return;
	}
	if (!write_path(s, args + mlen + 1, path))
		return;
	if (zc_fs_chmod(s->root_fd, path, (mode_t)mode) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	zc_session_reply(s, ZC_REPLY_200_OK, "SITE CHMOD command ok.");
}
