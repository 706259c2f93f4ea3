/*
 * xferlog.c: wu-ftpd xferlog record formatting. See xferlog.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "xferlog.h"

/* Copy `in` replacing what would split or forge a field. */
static void
field(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	if (in == NULL || *in == '\0')
		in = "*";
	for (; *in != '\0' && o + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		out[o++] = (c <= ' ' || c == 0x7f) ? '_' : (char)c;
	}
	out[o] = '\0';
}

size_t
zc_xferlog_format(const struct zc_xferlog_rec *r, char *out, size_t cap)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	char path[4200], user[300], host[64];
	struct tm tm;
	int n;

	if (localtime_r(&r->when, &tm) == NULL)
		return 0;
	field(r->path, path, sizeof(path));
	field(r->user, user, sizeof(user));
	field(r->host, host, sizeof(host));
	n = snprintf(out, cap,
		     "%s %s %2d %02d:%02d:%02d %d %u %s %llu %s %c _ %c %c %s "
		     "ftp 0 * %c\n",
		     days[tm.tm_wday % 7], months[tm.tm_mon % 12], tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900,
		     r->seconds, host, (unsigned long long)r->bytes, path,
		     r->ascii ? 'a' : 'b', r->incoming ? 'i' : 'o',
		     r->anonymous ? 'a' : 'r', user, r->complete ? 'c' : 'i');
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}
