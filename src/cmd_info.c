/*
 * cmd_info.c: SYST FEAT OPTS HELP NOOP STAT SIZE MDTM HOST ALLO SITE
 * (SITE CHMOD itself is in cmd_write.c).
 * Informational commands; FEAT and HELP come from the command table.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_handlers.h"
#include "cmd_table.h"
#include "compat/compat.h"
#include "ctrl_io.h"
#include "fs_list.h"
#include "fs_path.h"
#include "reply.h"
#include "session.h"
#include "str.h"

ZC_HANDLER(syst)
{
	(void)arg;
	/* wget and others pick their LIST parser from this exact text */
	zc_session_reply(s, ZC_REPLY_215_SYSTEM, "UNIX Type: L8");
}

ZC_HANDLER(feat)
{
	char text[2048];

	(void)arg;
	zc_cmd_feat_text(text, sizeof(text), s->mlst_facts,
			 s->env.tls_ctx != NULL, s->cfg->write_enable);
	zc_session_reply(s, ZC_REPLY_211_STATUS, "%s", text);
}

ZC_HANDLER(opts)
{
	if (zc_str_eq_nocase(arg, strlen(arg), "UTF8 ON") ||
	    zc_str_eq_nocase(arg, strlen(arg), "UTF8")) {
		s->utf8 = true;
		zc_session_reply(s, ZC_REPLY_200_OK, "Always in UTF8 mode.");
		return;
	}
	if (zc_str_eq_nocase(arg, strlen(arg), "UTF8 OFF")) {
		zc_session_reply(s, ZC_REPLY_504_BAD_PARAM,
				 "Names are always UTF-8 here.");
		return;
	}
	if (strlen(arg) >= 4 && zc_str_eq_nocase(arg, 4, "MLST") &&
	    (arg[4] == '\0' || arg[4] == ' ')) {
		char sel[128];
		/* RFC 3659 7.9: select facts; unknown ones are ignored and
		 * the reply names what is now selected */
		s->mlst_facts = zc_list_parse_facts(arg[4] == ' ' ? arg + 5 : "");
		zc_list_facts_string(s->mlst_facts, sel, sizeof(sel));
		zc_session_reply(s, ZC_REPLY_200_OK, "MLST OPTS %s", sel);
		return;
	}
	zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "Option not understood.");
}

ZC_HANDLER(help)
{
	char text[4096];
	const struct zc_cmd_def *def;

	if (arg == NULL) {
		zc_cmd_help_text(text, sizeof(text));
		zc_session_reply(s, ZC_REPLY_214_HELP, "%s", text);
		return;
	}
	snprintf(text, sizeof(text), "%.15s", arg);
	zc_str_upper(text, strlen(text));
	def = zc_cmd_lookup(text);
	if (def == NULL || def->help == NULL) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG, "Unknown command %s.",
				 text);
		return;
	}
	zc_session_reply(s, ZC_REPLY_214_HELP, "Syntax: %s", def->help);
}

ZC_HANDLER(noop)
{
	(void)arg;
	zc_session_reply(s, ZC_REPLY_200_OK, "NOOP ok.");
}

ZC_HANDLER(allo)
{
	(void)arg;
	zc_session_reply(s, ZC_REPLY_202_SUPERFLUOUS, "ALLO command ignored.");
}

ZC_HANDLER(host)
{
	(void)arg;
	/* RFC 7151: before login only; one virtual host serves every name */
	if (s->state != ZC_STATE_NEED_USER) {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "HOST must come before USER.");
		return;
	}
	zc_session_reply(s, ZC_REPLY_220_READY, "Host accepted.");
}

ZC_HANDLER(site)
{
	char word[16];
	size_t n = strcspn(arg, " ");

	snprintf(word, sizeof(word), "%.*s", (int)(n < 15 ? n : 15), arg);
	zc_str_upper(word, strlen(word));
	if (strcmp(word, "HELP") == 0) {
		zc_session_reply(s, ZC_REPLY_214_HELP,
				 "SITE commands here: HELP CHMOD");
		return;
	}
	if (strcmp(word, "CHMOD") == 0) {
		/* a write command inside SITE: the dispatcher cannot see it */
		if (!s->may_write)
			zc_session_reply(s, ZC_REPLY_550_NO_FILE,
					 "Permission denied.");
		else
			zc_cmd_site_chmod(s, arg[n] == ' ' ? arg + n + 1 : "");
		return;
	}
	zc_session_reply(s, ZC_REPLY_502_NOT_IMPL, "Unknown SITE command.");
}

/* Open a path for SIZE/MDTM: must be a regular file. */
static int
stat_file(struct zc_session *s, const char *arg, struct stat *st)
{
	char path[PATH_MAX];

	if (zc_session_path(s, arg, path, sizeof(path)) < 0)
		return -1;
	if (zc_fs_stat(s->root_fd, path, 1, st) < 0) {
		zc_session_reply_errno(s, errno);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE, "Not a regular file.");
		return -1;
	}
	return 0;
}

ZC_HANDLER(size)
{
	struct stat st;

	if (stat_file(s, arg, &st) < 0)
		return;
	/* the size on disk, in both TYPEs (as vsftpd and pure-ftpd) */
	zc_session_reply(s, ZC_REPLY_213_FILE_STATUS, "%llu",
			 (unsigned long long)st.st_size);
}

ZC_HANDLER(mdtm)
{
	struct stat st;
	struct tm tm;

	if (stat_file(s, arg, &st) < 0)
		return;
	/* RFC 3659: always UTC */
	if (gmtime_r(&st.st_mtime, &tm) == NULL) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE, "Bad file time.");
		return;
	}
	zc_session_reply(s, ZC_REPLY_213_FILE_STATUS, "%04d%02d%02d%02d%02d%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* STAT PATH: a listing over the control connection (RFC 959). The
 * lines go straight to the socket, so a big directory is not held in
 * a reply buffer. */
static int
ctrl_sink(void *ctx, const char *buf, size_t len)
{
	struct zc_session *s = ctx;

	/* a listing line starting with a digit and a space could end the
	 * reply early: LIST lines start with the mode letter, never so */
	return zc_session_write_ctrl(s, buf, len);
}

ZC_HANDLER(stat)
{
	struct zc_list_opts o = {.longfmt = true,
				 .hide_ids = s->cfg->hide_ids,
				 .localtime = s->cfg->listing_localtime,
				 .threads = (unsigned)s->cfg->list_threads,
				 .now = time(NULL)};
	const char *p;
	char path[PATH_MAX];
	char head[64];
	struct stat st;
	int fd = -1;

	if (arg == NULL) {
		zc_session_reply_status(s);
		return;
	}
	p = zc_list_parse_args(arg, &o);
	if (zc_session_path(s, p != NULL ? p : ".", path, sizeof(path)) < 0)
		return;
	if (zc_fs_stat(s->root_fd, path, 1, &st) < 0) {
		zc_session_reply_errno(s, errno);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = zc_fs_open(s->root_fd, path, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0) {
			zc_session_reply_errno(s, errno);
			return;
		}
	}
	snprintf(head, sizeof(head), "213-Status follows:\r\n");
	if (zc_session_write_ctrl(s, head, strlen(head)) < 0) {
		if (fd >= 0)
			close(fd);
		zc_session_set_state(s, ZC_STATE_CLOSING);
		return;
	}
	if (fd >= 0) {
		(void)zc_list_dir(fd, "", &o, ctrl_sink, s);
		close(fd);
	} else {
		(void)zc_list_one(zc_fs_path_basename(path), &st, &o, ctrl_sink,
				  s);
	}
	zc_session_reply(s, ZC_REPLY_213_FILE_STATUS, "End of status");
}
