/*
 * cmd_handlers.h: the command handlers, one function per verb, grouped
 * in cmd_*.c by topic. Only cmd_table.c refers to them (private header).
 * A handler runs after the dispatcher checked login, argument presence
 * and write permission, and sends exactly one final reply.
 */
#ifndef ZC_CMD_HANDLERS_H
#define ZC_CMD_HANDLERS_H

#include <stdbool.h>

struct zc_session;

#define ZC_HANDLER(name) void zc_cmd_##name(struct zc_session *s, const char *arg)

/* cmd_login.c */
ZC_HANDLER(user);
ZC_HANDLER(pass);
ZC_HANDLER(acct);
ZC_HANDLER(rein);
ZC_HANDLER(quit);
/* cmd_nav.c */
ZC_HANDLER(pwd);
ZC_HANDLER(cwd);
ZC_HANDLER(cdup);
/* cmd_info.c */
ZC_HANDLER(syst);
ZC_HANDLER(feat);
ZC_HANDLER(opts);
ZC_HANDLER(help);
ZC_HANDLER(noop);
ZC_HANDLER(stat);
ZC_HANDLER(size);
ZC_HANDLER(mdtm);
ZC_HANDLER(host);
ZC_HANDLER(allo);
ZC_HANDLER(site);
/* cmd_xfer.c */
ZC_HANDLER(retr);
ZC_HANDLER(rest);
ZC_HANDLER(type);
ZC_HANDLER(mode);
ZC_HANDLER(stru);
ZC_HANDLER(abor);
/* Final reply when zc_data_open() did not give a connection. */
#include "data_conn.h"
void zc_cmd_data_open_failed(struct zc_session *s, enum zc_data_open r);

/* cmd_data.c */
ZC_HANDLER(pasv);
ZC_HANDLER(epsv);
ZC_HANDLER(port);
ZC_HANDLER(eprt);
/* cmd_tls.c */
ZC_HANDLER(auth);
ZC_HANDLER(pbsz);
ZC_HANDLER(prot);
ZC_HANDLER(ccc);
/* Whether a data transfer may start with the current PROT (tls_require
 * = all refuses PROT C with 521, the reply sent here). */
bool zc_cmd_data_prot_ok(struct zc_session *s);
/* cmd_list.c */
ZC_HANDLER(list);
ZC_HANDLER(nlst);
ZC_HANDLER(mlsd);
ZC_HANDLER(mlst);

#endif
