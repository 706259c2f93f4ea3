/*
 * cmd_tls.c: AUTH PBSZ PROT CCC (RFC 2228, RFC 4217) and the tls_require
 * rule for data connections. The TLS mechanics are in tls.c; the control
 * connection's handshake is zc_session_start_tls().
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cmd_handlers.h"
#include "ctrl_io.h"
#include "data_conn.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "str.h"

/* RFC 4217 reply codes with no other use */
enum {
	ZC_REPLY_234_AUTH_OK = 234,
	ZC_REPLY_521_PROT_REFUSED = 521,
	ZC_REPLY_534_POLICY = 534,
	ZC_REPLY_536_PROT_UNSUPPORTED = 536,
};

static bool
arg_is(const char *arg, const char *word)
{
	return zc_str_eq_nocase(arg, strlen(arg), word);
}

ZC_HANDLER(auth)
{
	size_t dropped;
	bool legacy_ssl = arg_is(arg, "SSL") || arg_is(arg, "TLS-P");

	if (s->env.tls_ctx == NULL) {
		zc_session_reply(s, ZC_REPLY_502_NOT_IMPL,
				 "TLS is not configured on this server.");
		return;
	}
	if (s->ctrl_tls != NULL) {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "TLS is already on.");
		return;
	}
	if (!arg_is(arg, "TLS") && !arg_is(arg, "TLS-C") && !legacy_ssl) {
		zc_session_reply(s, ZC_REPLY_504_BAD_PARAM,
				 "Unsupported security mechanism: use AUTH TLS.");
		return;
	}
	if (zc_session_reply(s, ZC_REPLY_234_AUTH_OK,
			     "AUTH %s ok: start the TLS handshake.",
			     legacy_ssl ? "SSL" : "TLS") < 0)
		return;
	/* SECURITY (STARTTLS command injection): whatever the client sent
	 * after AUTH in plaintext was not protected by the handshake that
	 * follows; it is dropped, never executed. */
	dropped = zc_ctrl_discard(&s->ctrl);
	if (dropped > 0)
		zc_log_info("discarded %zu plaintext bytes pipelined after AUTH",
			    dropped);
	if (zc_session_start_tls(s) < 0) {
		zc_session_set_state(s, ZC_STATE_CLOSING);
		return;
	}
	/* the draft-era "AUTH SSL" meant protected data from the start */
	if (legacy_ssl) {
		s->pbsz_done = true;
		s->prot_private = true;
	}
}

ZC_HANDLER(pbsz)
{
	uint64_t size;

	if (s->ctrl_tls == NULL) {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "PBSZ needs AUTH TLS first.");
		return;
	}
	if (zc_str_parse_u64z(arg, 0, UINT32_MAX, &size) < 0) {
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "PBSZ needs a number (0 for TLS).");
		return;
	}
	/* RFC 4217 section 8: TLS is a stream; the buffer size is 0 */
	s->pbsz_done = true;
	zc_session_reply(s, ZC_REPLY_200_OK, "PBSZ=0");
}

/* Whether tls_require=all forbids clear data for this session now. */
static bool
clear_data_forbidden(const struct zc_session *s)
{
	if (s->cfg->tls_require != ZC_TLS_REQUIRE_ALL)
		return false;
	if (s->state == ZC_STATE_LOGGED_IN)
		return zc_session_prot_required(s);
	return s->cfg->tls_require_anon; /* the user is not known yet */
}

ZC_HANDLER(prot)
{
	if (s->ctrl_tls == NULL) {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "PROT needs AUTH TLS first.");
		return;
	}
	if (!s->pbsz_done) {
		zc_session_reply(s, ZC_REPLY_503_BAD_SEQUENCE,
				 "PROT needs PBSZ first.");
		return;
	}
	if (arg_is(arg, "P")) {
		s->prot_private = true;
		zc_session_reply(s, ZC_REPLY_200_OK, "PROT now Private.");
	} else if (arg_is(arg, "C")) {
		if (clear_data_forbidden(s)) {
			zc_session_reply(s, ZC_REPLY_534_POLICY,
					 "PROT C refused: data connections "
					 "must be protected here.");
			return;
		}
		s->prot_private = false;
		zc_session_reply(s, ZC_REPLY_200_OK, "PROT now Clear.");
	} else if (arg_is(arg, "S") || arg_is(arg, "E")) {
		zc_session_reply(s, ZC_REPLY_536_PROT_UNSUPPORTED,
				 "PROT %s is not supported with TLS: use C or P.",
				 arg);
	} else {
		zc_session_reply(s, ZC_REPLY_504_BAD_PARAM,
				 "PROT must be C or P.");
	}
}

ZC_HANDLER(ccc)
{
	(void)arg;
	/* a clear control channel after login helps NAT helpers and
	 * attackers alike; vsftpd refuses it too */
	zc_session_reply(s, ZC_REPLY_534_POLICY,
			 "CCC refused: the control connection stays as it is.");
}

bool
zc_cmd_data_prot_ok(struct zc_session *s)
{
	if (s->prot_private || !zc_session_prot_required(s))
		return true;
	zc_data_reset(s);
	zc_session_reply(s, ZC_REPLY_521_PROT_REFUSED,
			 "Data connections must be protected: use PROT P.");
	return false;
}
