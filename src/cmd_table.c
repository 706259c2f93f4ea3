/*
 * cmd_table.c: the command table (RFC 959, 2389, 2428, 3659, 7151) and
 * the dispatcher. See cmd_table.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd_handlers.h"
#include "cmd_parse.h"
#include "cmd_table.h"
#include "defs.h"
#include "fs_list.h"
#include "log.h"
#include "reply.h"
#include "session.h"

#define PRE ZC_CMD_F_PRELOGIN
#define WR ZC_CMD_F_WRITE
#define HTTP ZC_CMD_F_HTTP
#define NI ZC_CMD_F_NOT_IMPL
#define TLS ZC_CMD_F_TLS
#define H(name) zc_cmd_##name

static const struct zc_cmd_def commands[] = {
	/* access control (RFC 959 4.1.1) */
	{"USER", H(user), ZC_ARG_REQUIRED, PRE, NULL, "USER <name>"},
	{"PASS", H(pass), ZC_ARG_OPTIONAL, PRE, NULL, "PASS <password>"},
	{"ACCT", H(acct), ZC_ARG_REQUIRED, 0, NULL, "ACCT <account>"},
	{"CWD", H(cwd), ZC_ARG_REQUIRED, 0, NULL, "CWD <directory>"},
	{"XCWD", H(cwd), ZC_ARG_REQUIRED, 0, NULL, "XCWD <directory>"},
	{"CDUP", H(cdup), ZC_ARG_NONE, 0, NULL, "CDUP"},
	{"XCUP", H(cdup), ZC_ARG_NONE, 0, NULL, "XCUP"},
	{"SMNT", NULL, ZC_ARG_REQUIRED, NI, NULL, "SMNT (not implemented)"},
	{"REIN", H(rein), ZC_ARG_NONE, 0, NULL, "REIN"},
	{"QUIT", H(quit), ZC_ARG_OPTIONAL, PRE, NULL, "QUIT"},
	/* transfer parameters (4.1.2, RFC 2428) */
	{"PORT", H(port), ZC_ARG_REQUIRED, 0, NULL, "PORT h1,h2,h3,h4,p1,p2"},
	{"PASV", H(pasv), ZC_ARG_NONE, 0, "PASV", "PASV"},
	{"EPRT", H(eprt), ZC_ARG_REQUIRED, 0, "EPRT", "EPRT |af|addr|port|"},
	{"EPSV", H(epsv), ZC_ARG_OPTIONAL, 0, "EPSV", "EPSV [1|2|ALL]"},
	{"TYPE", H(type), ZC_ARG_REQUIRED, 0, NULL, "TYPE A|I"},
	{"STRU", H(stru), ZC_ARG_REQUIRED, 0, NULL, "STRU F"},
	{"MODE", H(mode), ZC_ARG_REQUIRED, 0, NULL, "MODE S"},
	/* service commands (4.1.3) */
	{"RETR", H(retr), ZC_ARG_REQUIRED, 0, NULL, "RETR <file>"},
	{"STOR", H(stor), ZC_ARG_REQUIRED, WR, NULL, "STOR <file>"},
	{"STOU", H(stou), ZC_ARG_OPTIONAL, WR, NULL, "STOU [<file>]"},
	{"APPE", H(appe), ZC_ARG_REQUIRED, WR, NULL, "APPE <file>"},
	{"ALLO", H(allo), ZC_ARG_REQUIRED, 0, NULL, "ALLO <bytes>"},
	{"REST", H(rest), ZC_ARG_REQUIRED, 0, "REST STREAM", "REST <offset>"},
	{"RNFR", H(rnfr), ZC_ARG_REQUIRED, WR, NULL, "RNFR <file>"},
	{"RNTO", H(rnto), ZC_ARG_REQUIRED, WR, NULL, "RNTO <file>"},
	{"ABOR", H(abor), ZC_ARG_NONE, 0, NULL, "ABOR"},
	{"DELE", H(dele), ZC_ARG_REQUIRED, WR, NULL, "DELE <file>"},
	{"RMD", H(rmd), ZC_ARG_REQUIRED, WR, NULL, "RMD <directory>"},
	{"XRMD", H(rmd), ZC_ARG_REQUIRED, WR, NULL, "XRMD <directory>"},
	{"MKD", H(mkd), ZC_ARG_REQUIRED, WR, NULL, "MKD <directory>"},
	{"XMKD", H(mkd), ZC_ARG_REQUIRED, WR, NULL, "XMKD <directory>"},
	{"PWD", H(pwd), ZC_ARG_NONE, 0, NULL, "PWD"},
	{"XPWD", H(pwd), ZC_ARG_NONE, 0, NULL, "XPWD"},
	{"LIST", H(list), ZC_ARG_OPTIONAL, 0, NULL, "LIST [-a] [-l] [<path>]"},
	{"NLST", H(nlst), ZC_ARG_OPTIONAL, 0, NULL, "NLST [-a] [<path>]"},
	{"SITE", H(site), ZC_ARG_REQUIRED, 0, NULL, "SITE HELP|CHMOD <mode> <path>"},
	{"SYST", H(syst), ZC_ARG_NONE, PRE, NULL, "SYST"},
	{"STAT", H(stat), ZC_ARG_OPTIONAL, 0, NULL, "STAT [<path>]"},
	{"HELP", H(help), ZC_ARG_OPTIONAL, PRE, NULL, "HELP [<command>]"},
	{"NOOP", H(noop), ZC_ARG_NONE, PRE, NULL, "NOOP"},
	/* RFC 2389 */
	{"FEAT", H(feat), ZC_ARG_NONE, PRE, NULL, "FEAT"},
	{"OPTS", H(opts), ZC_ARG_REQUIRED, PRE, "UTF8", "OPTS UTF8 ON"},
	/* RFC 3659 */
	{"SIZE", H(size), ZC_ARG_REQUIRED, 0, "SIZE", "SIZE <file>"},
	{"MDTM", H(mdtm), ZC_ARG_REQUIRED, 0, "MDTM", "MDTM <file>"},
	{"MFMT", H(mfmt), ZC_ARG_REQUIRED, WR, "MFMT", "MFMT <time> <file>"},
	{"MLST", H(mlst), ZC_ARG_OPTIONAL, 0, "MLST", "MLST [<path>]"},
	{"MLSD", H(mlsd), ZC_ARG_OPTIONAL, 0, NULL, "MLSD [<directory>]"},
	/* RFC 2228/4217 security (FTPS) */
	{"AUTH", H(auth), ZC_ARG_REQUIRED, PRE | TLS, "AUTH TLS", "AUTH TLS"},
	{"PBSZ", H(pbsz), ZC_ARG_REQUIRED, PRE | TLS, "PBSZ", "PBSZ 0"},
	{"PROT", H(prot), ZC_ARG_REQUIRED, PRE | TLS, "PROT", "PROT C|P"},
	{"CCC", H(ccc), ZC_ARG_NONE, 0, NULL, "CCC (refused)"},
	/* RFC 7151 */
	{"HOST", H(host), ZC_ARG_REQUIRED, PRE, "HOST", "HOST <domain>"},
	/* HTTP on the control port: a cross-protocol attempt */
	{"GET", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
	{"POST", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
	{"HEAD", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
	{"PUT", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
	{"DELETE", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
	{"CONNECT", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
	{"OPTIONS", NULL, ZC_ARG_OPTIONAL, HTTP | PRE, NULL, NULL},
};

const struct zc_cmd_def *
zc_cmd_lookup(const char *verb)
{
	for (size_t i = 0; i < ZC_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].verb, verb) == 0)
			return &commands[i];
	return NULL;
}

size_t
zc_cmd_count(void)
{
	return ZC_ARRAY_LEN(commands);
}

const struct zc_cmd_def *
zc_cmd_at(size_t i)
{
	return i < ZC_ARRAY_LEN(commands) ? &commands[i] : NULL;
}

size_t
zc_cmd_feat_text(char *out, size_t cap, unsigned mlst_facts, bool tls,
		 bool write)
{
	size_t used = (size_t)snprintf(out, cap, "Features:");

	for (size_t i = 0; i < ZC_ARRAY_LEN(commands) && used < cap; i++) {
		char facts[128];
		const char *feat = commands[i].feat;
		if (feat == NULL || ((commands[i].flags & ZC_CMD_F_TLS) && !tls))
			continue;
		/* a write feature (MFMT) only where someone may write: FEAT
		 * does not advertise what every session would refuse */
		if ((commands[i].flags & ZC_CMD_F_WRITE) && !write)
			continue;
		/* RFC 3659 7.8: the MLST line lists the facts, '*' marks
		 * those currently selected */
		if (strcmp(feat, "MLST") == 0 &&
		    zc_list_feat_mlst(facts, sizeof(facts), mlst_facts) > 0)
			feat = facts;
		used += (size_t)snprintf(out + used, cap - used, "\n %s", feat);
	}
	/* TVFS (RFC 3659 section 6): "/"-separated paths from one root */
	if (used < cap)
		used += (size_t)snprintf(out + used, cap - used,
					 "\n TVFS\nEnd");
	return used < cap ? used : cap - 1;
}

size_t
zc_cmd_help_text(char *out, size_t cap)
{
	size_t used = (size_t)snprintf(out, cap,
				       "The following commands are recognized.");
	unsigned col = 0;

	for (size_t i = 0; i < ZC_ARRAY_LEN(commands) && used < cap; i++) {
		const struct zc_cmd_def *c = &commands[i];
		if ((c->flags & (ZC_CMD_F_HTTP | ZC_CMD_F_NOT_IMPL)) ||
		    c->handler == NULL)
			continue;
		used += (size_t)snprintf(out + used, cap - used, "%s %-4s",
					 col == 0 ? "\n" : "", c->verb);
		col = (col + 1) % 8;
	}
	if (used < cap)
		used += (size_t)snprintf(out + used, cap - used, "\nHelp OK.");
	return used < cap ? used : cap - 1;
}

static void
unknown_command(struct zc_session *s, const char *verb)
{
	if (s->state != ZC_STATE_LOGGED_IN &&
	    ++s->unknown_before_login >= ZC_MAX_UNKNOWN_PRELOGIN) {
		/* SECURITY: a peer that speaks another protocol (ALPACA,
		 * CVE-2021-3618) does not get to keep the connection. */
		zc_log_info("closing: %u unknown commands before login",
			    s->unknown_before_login);
		zc_session_close(s, ZC_REPLY_421_CLOSING,
				 "Too many unknown commands.");
		return;
	}
	(void)verb;
	zc_session_reply(s, ZC_REPLY_500_SYNTAX, "Unknown command.");
}

/* RFC 959: RNTO must follow RNFR at once; any other command (even a
 * refused or unknown one) forgets the pending RNFR. */
static void
forget_rename(struct zc_session *s, const struct zc_cmd_def *def)
{
	if (def == NULL || def->handler != H(rnto))
		s->rename_from[0] = '\0';
}

void
zc_cmd_dispatch(struct zc_session *s, const char *line, size_t len)
{
	const struct zc_cmd_def *def;
	struct zc_cmd cmd;

	switch (zc_cmd_parse(line, len, &cmd)) {
	case ZC_CMD_PARSE_OK:
		break;
	case ZC_CMD_PARSE_NUL:
		forget_rename(s, NULL);
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "NUL byte in command.");
		return;
	case ZC_CMD_PARSE_EMPTY:
	case ZC_CMD_PARSE_BAD_VERB:
		forget_rename(s, NULL);
		unknown_command(s, "");
		return;
	}
	def = zc_cmd_lookup(cmd.verb);
	forget_rename(s, def);
	if (def == NULL) {
		unknown_command(s, cmd.verb);
		return;
	}
	if (def->flags & ZC_CMD_F_HTTP) {
		/* SECURITY: cross-protocol request (a browser or a
		 * forged form post aimed at this port): end it, say
		 * nothing that could be reflected. */
		zc_log_info("closing: HTTP verb %s on the control connection",
			    cmd.verb);
		zc_session_set_state(s, ZC_STATE_CLOSING);
		return;
	}
	if (s->state != ZC_STATE_LOGGED_IN && !(def->flags & ZC_CMD_F_PRELOGIN)) {
		zc_session_reply(s, ZC_REPLY_530_NOT_LOGGED_IN,
				 "Please login with USER and PASS.");
		return;
	}
	if ((def->arg == ZC_ARG_REQUIRED && cmd.arg == NULL) ||
	    (def->arg == ZC_ARG_NONE && cmd.arg != NULL)) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "Syntax error in parameters or arguments.");
		return;
	}
	if (def->flags & ZC_CMD_F_NOT_IMPL) {
		zc_session_reply(s, ZC_REPLY_502_NOT_IMPL,
				 "Command not implemented.");
		return;
	}
	if ((def->flags & ZC_CMD_F_WRITE) && !s->may_write) {
		zc_session_reply(s, ZC_REPLY_550_NO_FILE, "Permission denied.");
		return;
	}
	if (def->handler == NULL) {
		/* a row without a handler (none is left since issue #5):
		 * say so plainly */
		zc_session_reply(s, ZC_REPLY_502_NOT_IMPL,
				 "Command not implemented.");
		return;
	}
	s->finals = 0;
	def->handler(s, cmd.arg);
	if (s->finals != 1 && s->state != ZC_STATE_CLOSING)
		zc_log_errorx("BUG: %s sent %u final replies", def->verb,
			      s->finals);
}
