/*
 * log.c: formatting and delivery of log lines. See log.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "compat/compat.h"
#include "log.h"

#define LOG_LINE_MAX 2048

static bool use_syslog;
static enum zc_log_level max_level = ZC_LOG_LEVEL_INFO;
static char prefix[160];

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void
zc_log_init(bool syslog_on, enum zc_log_level level)
{
	if (use_syslog && !syslog_on)
		closelog();
	use_syslog = syslog_on;
	max_level = level;
	if (use_syslog)
		openlog(ZC_NAME, LOG_PID | LOG_NDELAY, LOG_FTP);
}

void
zc_log_set_prefix(const char *p)
{
	if (zc_strlcpy(prefix, p, sizeof(prefix)) >= sizeof(prefix))
		prefix[sizeof(prefix) - 2] = '~';
}

bool
zc_log_is_debug(void)
{
	return max_level >= ZC_LOG_LEVEL_DEBUG;
}

static void
write_line(enum zc_log_level level, const char *msg)
{
	char line[LOG_LINE_MAX + 256];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (use_syslog) {
		syslog(syslog_prio[level], "%s%s", prefix, msg);
		return;
	}
	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02dZ %s[%ld] %s: %s%s\n",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ZC_NAME, (long)getpid(),
		     level_names[level], prefix, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write: lines of concurrent processes never interleave. A
	 * failed log write has nowhere to be reported. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

static void ZC_PRINTF(3, 0)
vlog(enum zc_log_level level, bool with_errno, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	int saved = errno;
	int n;

	if (level > max_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (with_errno && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
			 strerror(saved));
	write_line(level, msg);
	errno = saved;
}

#define DEFINE_LOG(name, level, with_errno)                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog(level, with_errno, fmt, ap);                              \
		va_end(ap);                                                    \
	}

DEFINE_LOG(zc_log_debug, ZC_LOG_LEVEL_DEBUG, false)
DEFINE_LOG(zc_log_info, ZC_LOG_LEVEL_INFO, false)
DEFINE_LOG(zc_log_warnx, ZC_LOG_LEVEL_WARN, false)
DEFINE_LOG(zc_log_warn, ZC_LOG_LEVEL_WARN, true)
DEFINE_LOG(zc_log_errorx, ZC_LOG_LEVEL_ERROR, false)

void
zc_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ZC_LOG_LEVEL_ERROR, true, fmt, ap);
	va_end(ap);
	exit(1);
}

void
zc_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ZC_LOG_LEVEL_ERROR, false, fmt, ap);
	va_end(ap);
	exit(1);
}

size_t
zc_log_escape(const char *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}
