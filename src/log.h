/*
 * log.h: the process-wide log (stderr or syslog). Every line is formatted
 * whole and written with one write(2), so lines from the master and its
 * workers never interleave. A per-process prefix (session id and peer) is
 * set once a worker has a client. Text that came from a client must go
 * through zc_log_escape() first.
 */
#ifndef ZC_LOG_H
#define ZC_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "defs.h"

enum zc_log_level {
	ZC_LOG_LEVEL_ERROR = 0,
	ZC_LOG_LEVEL_WARN = 1,
	ZC_LOG_LEVEL_INFO = 2,
	ZC_LOG_LEVEL_DEBUG = 3,
};

/* (Re)configure the log: destination and the most verbose level shown.
 * With syslog the socket is opened now (LOG_NDELAY) so it survives chroot. */
void zc_log_init(bool use_syslog, enum zc_log_level level);
/* Prefix for every following line of this process ("" clears it). */
void zc_log_set_prefix(const char *prefix);

void zc_log_debug(const char *fmt, ...) ZC_PRINTF(1, 2);
void zc_log_info(const char *fmt, ...) ZC_PRINTF(1, 2);
/* warnx: a warning; warn: a warning followed by ": strerror(errno)". */
void zc_log_warnx(const char *fmt, ...) ZC_PRINTF(1, 2);
void zc_log_warn(const char *fmt, ...) ZC_PRINTF(1, 2);
void zc_log_errorx(const char *fmt, ...) ZC_PRINTF(1, 2);
/* fatal: start-up, privilege-drop failure or broken invariant only. */
void zc_fatal(const char *fmt, ...) ZC_PRINTF(1, 2) ZC_NORETURN;
void zc_fatalx(const char *fmt, ...) ZC_PRINTF(1, 2) ZC_NORETURN;

bool zc_log_is_debug(void);

/* Copy `len` bytes of untrusted text into `out` (capacity `cap`, always
 * NUL-terminated), escaping bytes outside printable ASCII (and backslash)
 * as \xNN. Returns the length written; output is cut at a whole escape. */
size_t zc_log_escape(const char *in, size_t len, char *out, size_t cap);

#endif
