/*
 * cmd_xfer.c: RETR REST TYPE MODE STRU ABOR. RETR opens the file beneath
 * the session root, establishes the data connection and hands both to
 * the transfer engine chosen by zc_xfer_choose_engine().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_handlers.h"
#include "data_conn.h"
#include "fs_path.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "str.h"
#include "xfer.h"

ZC_HANDLER(type)
{
	if (zc_str_eq_nocase(arg, strlen(arg), "I") ||
	    zc_str_eq_nocase(arg, strlen(arg), "L 8") ||
	    zc_str_eq_nocase(arg, strlen(arg), "L8")) {
		s->type = ZC_TYPE_IMAGE;
		zc_session_reply(s, ZC_REPLY_200_OK, "Switching to Binary mode.");
	} else if (zc_str_eq_nocase(arg, strlen(arg), "A") ||
		   zc_str_eq_nocase(arg, strlen(arg), "A N")) {
		s->type = ZC_TYPE_ASCII;
		zc_session_reply(s, ZC_REPLY_200_OK, "Switching to ASCII mode.");
	} else if (strchr("AaEeLl", arg[0]) != NULL) {
		zc_session_reply(s, ZC_REPLY_504_BAD_PARAM,
				 "Only TYPE A (non-print) and I are supported.");
	} else {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "Unknown TYPE.");
	}
}

ZC_HANDLER(mode)
{
	if (zc_str_eq_nocase(arg, strlen(arg), "S"))
		zc_session_reply(s, ZC_REPLY_200_OK, "Mode set to S.");
	else if (strlen(arg) == 1 && strchr("BbCcZz", arg[0]) != NULL)
		zc_session_reply(s, ZC_REPLY_504_BAD_PARAM,
				 "Only MODE S (stream) is supported.");
	else
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "Unknown MODE.");
}

ZC_HANDLER(stru)
{
	if (zc_str_eq_nocase(arg, strlen(arg), "F"))
		zc_session_reply(s, ZC_REPLY_200_OK, "Structure set to F.");
	else if (strlen(arg) == 1 && strchr("RrPp", arg[0]) != NULL)
		zc_session_reply(s, ZC_REPLY_504_BAD_PARAM,
				 "Only STRU F (file) is supported.");
	else
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "Unknown STRU.");
}

ZC_HANDLER(rest)
{
	uint64_t off;

	/* RFC 3659 REST STREAM: a byte offset; off_t is signed, so at most
	 * 2^63-1. Signs, junk and overflow are syntax errors. */
	if (zc_str_parse_u64z(arg, 0, INT64_MAX, &off) < 0) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "REST needs a byte offset from 0 to "
				 "9223372036854775807.");
		return;
	}
	s->rest = off;
	zc_session_reply(s, ZC_REPLY_350_PENDING,
			 "Restart position accepted (%llu).",
			 (unsigned long long)off);
}

ZC_HANDLER(abor)
{
	(void)arg;
	/* no transfer runs (ABOR during one is taken by the transfer loop) */
	zc_data_reset(s);
	zc_session_reply(s, ZC_REPLY_225_NO_TRANSFER, "No transfer to ABOR.");
}

/* Reply when the data connection could not be set up. */
void
zc_cmd_data_open_failed(struct zc_session *s, enum zc_data_open r)
{
	unsigned before;

	switch (r) {
	case ZC_DATA_OPEN_NONE:
		zc_session_reply(s, ZC_REPLY_425_NO_DATA_CONN,
				 "Use PORT, PASV, EPRT or EPSV first.");
		break;
	case ZC_DATA_OPEN_ABORTED:
		zc_session_reply(s, ZC_REPLY_426_XFER_ABORTED,
				 "Transfer aborted before it started.");
		before = s->finals;
		zc_session_reply(s, ZC_REPLY_226_CLOSING_DATA,
				 "ABOR successful.");
		s->finals = before;
		break;
	case ZC_DATA_OPEN_GONE:
		if (zc_session_shutdown_requested)
			zc_session_close(s, ZC_REPLY_421_CLOSING,
					 "Server shutting down.");
		else
			zc_session_set_state(s, ZC_STATE_CLOSING);
		break;
	case ZC_DATA_OPEN_FAILED:
	case ZC_DATA_OPEN_OK:
	default:
		zc_session_reply(s, ZC_REPLY_425_NO_DATA_CONN,
				 "Failed to establish the data connection.");
		break;
	}
}

/* Drop-behind probes residency through a second open file of the same
 * file (its own readahead state); if the name now leads elsewhere, the
 * transfer's own fd is used. */
static void
open_probe(struct zc_session *s, const char *path, const struct stat *st,
	   struct zc_dropbehind *db)
{
	struct stat pst;
	int pfd = zc_fs_open(s->root_fd, path, O_RDONLY | O_NONBLOCK, 0);

	if (pfd < 0)
		return;
	if (fstat(pfd, &pst) < 0 || pst.st_dev != st->st_dev ||
	    pst.st_ino != st->st_ino) {
		close(pfd);
		return;
	}
	zc_dropbehind_set_probe(db, pfd);
}

ZC_HANDLER(retr)
{
	char path[PATH_MAX];
	struct zc_xfer_choice choice;
	struct zc_xfer x;
	enum zc_data_open dr;
	enum zc_xfer_result r;
	uint64_t off = s->rest;
	struct stat st;
	int fd = -1, dfd = -1;

	s->rest = 0;
	if (zc_session_path(s, arg, path, sizeof(path)) < 0)
		goto refuse;
	/* O_NONBLOCK: opening a FIFO must not hang the session */
	fd = zc_fs_open(s->root_fd, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		zc_session_reply_errno(s, errno);
		goto refuse;
	}
	if (!S_ISREG(st.st_mode)) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE, "Not a plain file.");
		goto refuse;
	}
	if (off > 0 && s->type == ZC_TYPE_ASCII) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE,
				 "No support for resume of ASCII transfers.");
		goto refuse;
	}
	if (off > (uint64_t)st.st_size) {
		zc_session_reply(s, ZC_REPLY_554_BAD_REST,
				 "Restart offset %llu is beyond the end of the "
				 "file (%lld bytes).",
				 (unsigned long long)off, (long long)st.st_size);
		goto refuse;
	}
	if (!zc_cmd_data_prot_ok(s))
		goto out;
	choice = zc_xfer_choose_engine(s->type == ZC_TYPE_ASCII,
				       (enum zc_engine_cfg)s->cfg->transfer_engine);
	dr = zc_data_open(s, &dfd);
	if (dr != ZC_DATA_OPEN_OK) {
		zc_cmd_data_open_failed(s, dr);
		goto out;
	}
	if (s->type == ZC_TYPE_ASCII)
		r = zc_session_reply(s, ZC_REPLY_150_OPENING,
				     "Opening ASCII mode data connection for %s "
				     "(%lld bytes on disk; LF->CRLF conversion "
				     "on the copy path).",
				     zc_fs_path_basename(path),
				     (long long)st.st_size) < 0
			? ZC_XFER_GONE : ZC_XFER_OK;
	else
		r = zc_session_reply(s, ZC_REPLY_150_OPENING,
				     "Opening BINARY mode data connection for %s "
				     "(%lld bytes).",
				     zc_fs_path_basename(path),
				     (long long)st.st_size - (long long)off) < 0
			? ZC_XFER_GONE : ZC_XFER_OK;
	/* the size fstat()ed now bounds the transfer: a file that grows
	 * sends what it had, one that shrinks ends with 451 */
	zc_xfer_init(&x, s, dfd, fd, (off_t)off, st.st_size, "RETR", path);
	if (x.db.on)
		open_probe(s, path, &st, &x.db);
	x.engine = choice.engine;
	x.reason = choice.reason;
	if (r == ZC_XFER_OK)
		r = zc_xfer_start_tls(&x);
	if (r == ZC_XFER_OK)
		r = zc_xfer_send_file(&x);
	zc_xfer_finish(&x, r, "Transfer complete.");
	goto out;
refuse:
	zc_data_reset(s);
out:
	if (fd >= 0)
		close(fd);
}
