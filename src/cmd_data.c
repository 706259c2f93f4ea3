/*
 * cmd_data.c: PASV EPSV PORT EPRT (RFC 959, RFC 2428). The parsing and
 * the bounce / port-theft rules are in data_conn.c; this file applies
 * the session rules (EPSV ALL, active_enable, address families).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cmd_handlers.h"
#include "data_conn.h"
#include "reply.h"
#include "session.h"
#include "str.h"

/* RFC 2428: after EPSV ALL only EPSV may set up data connections. */
static bool
refused_by_epsv_all(struct zc_session *s, const char *verb)
{
	if (!s->epsv_all)
		return false;
	zc_data_reset(s);
	zc_session_reply(s, ZC_REPLY_500_SYNTAX,
			 "%s not allowed after EPSV ALL.", verb);
	return true;
}

static bool
refused_active(struct zc_session *s, const char *verb)
{
	if (refused_by_epsv_all(s, verb))
		return true;
	if (!s->cfg->active_enable) {
		zc_data_reset(s);
		zc_session_reply(s, ZC_REPLY_502_NOT_IMPL,
				 "Active mode is disabled here: use PASV or "
				 "EPSV.");
		return true;
	}
	return false;
}

ZC_HANDLER(pasv)
{
	(void)arg;
	if (refused_by_epsv_all(s, "PASV"))
		return;
	zc_data_passive(s, false);
}

ZC_HANDLER(epsv)
{
	unsigned want = zc_data_is_ipv6(&s->local) ? 2 : 1;

	if (arg == NULL) {
		zc_data_passive(s, true);
		return;
	}
	if (zc_str_eq_nocase(arg, strlen(arg), "ALL")) {
		s->epsv_all = true;
		zc_session_reply(s, ZC_REPLY_200_OK, "EPSV ALL ok.");
		return;
	}
	if (strcmp(arg, "1") != 0 && strcmp(arg, "2") != 0) {
		uint64_t proto;
		if (zc_str_parse_u64z(arg, 0, 65535, &proto) < 0) {
			zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
					 "Syntax: EPSV [1|2|ALL].");
			return;
		}
	}
	if ((unsigned)(arg[0] - '0') != want || arg[1] != '\0') {
		zc_data_reset(s);
		zc_session_reply(s, ZC_REPLY_522_BAD_PROTO,
				 "Network protocol not supported, use (%u)",
				 want);
		return;
	}
	zc_data_passive(s, true);
}

ZC_HANDLER(port)
{
	struct sockaddr_storage addr;
	socklen_t len;

	if (refused_active(s, "PORT"))
		return;
	if (zc_data_is_ipv6(&s->peer)) {
		zc_data_reset(s);
		zc_session_reply(s, ZC_REPLY_522_BAD_PROTO,
				 "Network protocol not supported, use (2)");
		return;
	}
	if (zc_data_parse_port(arg, &addr, &len) < 0) {
		/* no half-set state: a failed PORT forgets the old one */
		zc_data_reset(s);
		zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
				 "Illegal PORT command: expected "
				 "h1,h2,h3,h4,p1,p2 with numbers 0-255 and a "
				 "non-zero port.");
		return;
	}
	zc_data_active(s, "PORT", &addr);
}

ZC_HANDLER(eprt)
{
	unsigned want = zc_data_is_ipv6(&s->peer) ? 2 : 1;
	struct sockaddr_storage addr;
	socklen_t len;

	if (refused_active(s, "EPRT"))
		return;
	if (zc_data_parse_eprt(arg, &addr, &len) < 0) {
		zc_data_reset(s);
		if (errno == EAFNOSUPPORT)
			zc_session_reply(s, ZC_REPLY_522_BAD_PROTO,
					 "Network protocol not supported, use "
					 "(%u)", want);
		else
			zc_session_reply(s, ZC_REPLY_501_BAD_ARG,
					 "Illegal EPRT command: expected "
					 "|af|address|port|.");
		return;
	}
	if ((addr.ss_family == AF_INET6) != (want == 2)) {
		zc_data_reset(s);
		zc_session_reply(s, ZC_REPLY_522_BAD_PROTO,
				 "Network protocol not supported, use (%u)",
				 want);
		return;
	}
	zc_data_active(s, "EPRT", &addr);
}
