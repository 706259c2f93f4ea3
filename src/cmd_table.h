/*
 * cmd_table.h: THE command table and its dispatcher. Every verb is one
 * row: handler, argument rule, flags, FEAT line, HELP text. The
 * dispatcher enforces login, argument presence, write permission and
 * the cross-protocol rules once, so handlers do not re-check; FEAT and
 * HELP are generated from the same rows.
 */
#ifndef ZC_CMD_TABLE_H
#define ZC_CMD_TABLE_H

#include <stdbool.h>
#include <stddef.h>

struct zc_session;

enum zc_cmd_argrule {
	ZC_ARG_NONE,     /* an argument is a 501 */
	ZC_ARG_REQUIRED, /* a missing argument is a 501 */
	ZC_ARG_OPTIONAL,
};

#define ZC_CMD_F_PRELOGIN 0x01 /* allowed before login */
#define ZC_CMD_F_WRITE 0x02    /* changes the filesystem: needs may_write */
#define ZC_CMD_F_HTTP 0x04     /* an HTTP verb: the session is closed */
#define ZC_CMD_F_NOT_IMPL 0x08 /* known, not implemented: 502 */
#define ZC_CMD_F_TLS 0x10      /* in FEAT only when FTPS is configured */

typedef void (*zc_cmd_handler)(struct zc_session *s, const char *arg);

struct zc_cmd_def {
	const char *verb;
	zc_cmd_handler handler;
	enum zc_cmd_argrule arg;
	unsigned flags;
	const char *feat; /* the FEAT line (without the leading space) */
	const char *help; /* syntax, for HELP VERB */
};

/* Find a row by upper-case verb; NULL if unknown. */
const struct zc_cmd_def *zc_cmd_lookup(const char *verb);
/* Number of rows and row i (tests, HELP). */
size_t zc_cmd_count(void);
const struct zc_cmd_def *zc_cmd_at(size_t i);

/* Handle one control line: parse, check the rules, run the handler. */
void zc_cmd_dispatch(struct zc_session *s, const char *line, size_t len);

/* Format the FEAT reply text (for zc_session_reply with code 211);
 * mlst_facts marks the selected MLST facts; `tls`: FTPS is configured
 * (AUTH TLS, PBSZ and PROT are listed); `write`: write_enable is on
 * (MFMT is listed). */
size_t zc_cmd_feat_text(char *out, size_t cap, unsigned mlst_facts, bool tls,
			bool write);
/* Format the HELP reply text listing every implemented verb. */
size_t zc_cmd_help_text(char *out, size_t cap);

#endif
