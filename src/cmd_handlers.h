/*
 * cmd_handlers.h: the command handlers, one function per verb, grouped
 * in cmd_*.c by topic. Only cmd_table.c refers to them (private header).
 * A handler runs after the dispatcher checked login, argument presence
 * and write permission, and sends exactly one final reply.
 */
#ifndef ZC_CMD_HANDLERS_H
#define ZC_CMD_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

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
/* Quote a path for a 257 reply: RFC 959 doubles embedded quotes. `out`
 * of 2 * PATH_MAX bytes holds any path; a shorter one truncates. */
void zc_cmd_quote_path(const char *in, char *out, size_t cap);
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
/* cmd_write.c */
ZC_HANDLER(stor);
ZC_HANDLER(stou);
ZC_HANDLER(appe);
ZC_HANDLER(dele);
ZC_HANDLER(mkd);
ZC_HANDLER(rmd);
ZC_HANDLER(rnfr);
ZC_HANDLER(rnto);
ZC_HANDLER(mfmt);
/* SITE CHMOD <octal> <path>: `args` is what follows "CHMOD ". */
void zc_cmd_site_chmod(struct zc_session *s, const char *args);
/* cmd_list.c */
ZC_HANDLER(list);
ZC_HANDLER(nlst);
ZC_HANDLER(mlsd);
ZC_HANDLER(mlst);

#endif
