/*
 * cfg.c: the table-driven configuration engine. See cfg.h; the rows are
 * in cfg_table.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_int.h"
#include "compat/compat.h"
#include "str.h"

/* Config files are small; a bigger one is a mistake, not a config. */
#define CFG_FILE_MAX (1024 * 1024)
#define MAX_KEYS 128

static const struct zc_cfg_key *
find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < zc_cfg_nkeys; i++)
		if (strlen(zc_cfg_keys[i].name) == len &&
		    memcmp(zc_cfg_keys[i].name, name, len) == 0)
			return &zc_cfg_keys[i];
	return NULL;
}

static void *
field(struct zc_config *cfg, const struct zc_cfg_key *k)
{
	return (char *)cfg + k->offset;
}

static const void *
cfield(const struct zc_config *cfg, const struct zc_cfg_key *k)
{
	return (const char *)cfg + k->offset;
}

static int ZC_PRINTF(5, 6)
fail(struct zc_cfg_error *err, const char *origin, unsigned line,
     const char *key, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (origin != NULL && key != NULL)
		snprintf(err->msg, sizeof(err->msg), "%s:%u: %s: %s", origin,
			 line, key, what);
	else if (origin != NULL)
		snprintf(err->msg, sizeof(err->msg), "%s:%u: %s", origin, line,
			 what);
	else if (key != NULL)
		snprintf(err->msg, sizeof(err->msg), "-o %s: %s", key, what);
	else
		snprintf(err->msg, sizeof(err->msg), "%s", what);
	return -1;
}

int
zc_cfg_addr_parse(const char *text, struct zc_addr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_text;
	size_t hlen;
	uint64_t port;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (end == NULL || end[1] != ':')
			goto bad;
		hlen = (size_t)(end - text - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		port_text = end + 2;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || strchr(text, ':') != colon)
			goto bad;
		hlen = (size_t)(colon - text);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		port_text = colon + 1;
	}
	if (zc_str_parse_u64z(port_text, 0, 65535, &port) < 0)
		goto bad;
	if (text[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*s4);
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

void
zc_cfg_addr_format(const struct zc_addr *a, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&a->ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(out, cap, "?");
	}
}

bool
zc_cfg_addr_list_equal(const struct zc_addr_list *a, const struct zc_addr_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->a[i].len != b->a[i].len ||
		    memcmp(&a->a[i].ss, &b->a[i].ss, a->a[i].len) != 0)
			return false;
	return true;
}

static int
parse_addrs(const char *value, const struct zc_cfg_key *k,
	    struct zc_addr_list *out, char *why, size_t whycap)
{
	char copy[ZC_CFG_LINE_MAX];
	char *p, *next;

	memset(out, 0, sizeof(*out));
	if (zc_strlcpy(copy, value, sizeof(copy)) >= sizeof(copy)) {
		snprintf(why, whycap, "value too long");
		return -1;
	}
	p = zc_str_trim(copy);
	while (*p != '\0') {
		char *item;
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		item = zc_str_trim(p);
		if (out->n == ZC_LISTEN_MAX) {
			snprintf(why, whycap, "more than %d addresses",
				 ZC_LISTEN_MAX);
			return -1;
		}
		if (zc_cfg_addr_parse(item, &out->a[out->n]) < 0) {
			snprintf(why, whycap,
				 "bad address '%.200s': expected IPv4:PORT or "
				 "[IPv6]:PORT with a numeric address",
				 item);
			return -1;
		}
		out->n++;
		if (next == NULL)
			break;
		p = next;
		if (*zc_str_trim(p) == '\0') {
			snprintf(why, whycap, "empty address after ','");
			return -1;
		}
	}
	if (out->n < k->min) {
		snprintf(why, whycap, "at least one address is needed");
		return -1;
	}
	return 0;
}

static int
parse_ip(const char *value, struct zc_addr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(value);

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	if (len >= sizeof(host))
		return -1;
	if (value[0] == '[' && len > 2 && value[len - 1] == ']') {
		memcpy(host, value + 1, len - 2);
		host[len - 2] = '\0';
		if (strchr(host, ':') == NULL)
			return -1; /* brackets are for IPv6 only */
	} else {
		memcpy(host, value, len + 1);
	}
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		out->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		s4->sin_family = AF_INET;
		out->len = sizeof(*s4);
	}
	return 0;
}

static int
parse_range(const char *value, const struct zc_cfg_key *k,
	    struct zc_port_range *out, char *why, size_t whycap)
{
	const char *dash = strchr(value, '-');
	uint64_t lo, hi;

	if (value[0] == '\0') {
		out->min = out->max = 0;
		return 0;
	}
	if (dash == NULL ||
	    zc_str_parse_u64(value, (size_t)(dash - value), k->min, k->max,
			     &lo) < 0 ||
	    zc_str_parse_u64z(dash + 1, k->min, k->max, &hi) < 0) {
		snprintf(why, whycap,
			 "expected MIN-MAX with ports in %llu-%llu",
			 (unsigned long long)k->min,
			 (unsigned long long)k->max);
		return -1;
	}
	if (lo > hi) {
		snprintf(why, whycap, "MIN is greater than MAX");
		return -1;
	}
	out->min = (unsigned)lo;
	out->max = (unsigned)hi;
	return 0;
}

static bool
has_control_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The config file's comment rule: '#' at the start or after a blank. */
static bool
starts_comment(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t'))
			return true;
	return false;
}

static int
parse_enum(const char *value, const struct zc_cfg_key *k, int *out,
	   char *why, size_t whycap)
{
	size_t used = 0;

	for (int i = 0; k->names[i] != NULL; i++)
		if (strcmp(value, k->names[i]) == 0) {
			*out = i;
			return 0;
		}
	used = (size_t)snprintf(why, whycap, "expected one of:");
	for (int i = 0; k->names[i] != NULL && used < whycap; i++)
		used += (size_t)snprintf(why + used, whycap - used, " %s",
					 k->names[i]);
	return -1;
}

static int
parse_number(const char *value, const struct zc_cfg_key *k, uint64_t *out,
	     char *why, size_t whycap)
{
	int rc;

	if (k->type == ZC_CFG_SIZE)
		rc = zc_str_parse_size(value, k->max, out);
	else
		rc = zc_str_parse_u64z(value, k->min, k->max, out);
	if (rc == 0 && *out < k->min) {
		errno = ERANGE;
		rc = -1;
	}
	if (rc == 0)
		return 0;
	if (errno == ERANGE)
		snprintf(why, whycap, "'%.100s' is out of range %llu-%llu",
			 value, (unsigned long long)k->min,
			 (unsigned long long)k->max);
	else if (k->type == ZC_CFG_SIZE)
		snprintf(why, whycap,
			 "'%.100s' is not a size (digits with an optional "
			 "k, m or g suffix)",
			 value);
	else
		snprintf(why, whycap, "'%.100s' is not a number%s", value,
			 k->type == ZC_CFG_DURATION ? " of seconds" : "");
	return -1;
}

/* Parse `value` into the key's field; on error describe it in `why`. */
static int
set_field(struct zc_config *cfg, const struct zc_cfg_key *k, const char *value,
	  char *why, size_t whycap)
{
	void *f = field(cfg, k);
	uint64_t n;

	switch (k->type) {
	case ZC_CFG_BOOL:
		if (zc_str_eq_nocase(value, strlen(value), "yes"))
			*(bool *)f = true;
		else if (zc_str_eq_nocase(value, strlen(value), "no"))
			*(bool *)f = false;
		else {
			snprintf(why, whycap, "'%.100s': expected yes or no",
				 value);
			return -1;
		}
		return 0;
	case ZC_CFG_UINT:
	case ZC_CFG_DURATION:
	case ZC_CFG_SIZE:
		if (parse_number(value, k, &n, why, whycap) < 0)
			return -1;
		*(uint64_t *)f = n;
		return 0;
	case ZC_CFG_OCTAL: {
		unsigned m;
		if (zc_str_parse_octal(value, (unsigned)k->max, &m) < 0) {
			snprintf(why, whycap, "'%.100s': expected octal digits "
				 "up to %llo", value,
				 (unsigned long long)k->max);
			return -1;
		}
		*(unsigned *)f = m;
		return 0;
	}
	case ZC_CFG_STRING:
	case ZC_CFG_PATH:
		if (has_control_chars(value)) {
			snprintf(why, whycap, "control characters in value");
			return -1;
		}
		if (starts_comment(value)) {
			/* it could not be written back to a config file */
			snprintf(why, whycap, "'#' at the start of a value or "
				 "after a blank starts a comment");
			return -1;
		}
		if (zc_strlcpy(f, value, k->size) >= k->size) {
			snprintf(why, whycap, "value longer than %zu bytes",
				 k->size - 1);
			return -1;
		}
		return 0;
	case ZC_CFG_ENUM:
		return parse_enum(value, k, f, why, whycap);
	case ZC_CFG_ADDRS:
		return parse_addrs(value, k, f, why, whycap);
	case ZC_CFG_IP:
		if (parse_ip(value, f) < 0) {
			snprintf(why, whycap, "'%.100s' is not a numeric IPv4 "
				 "or IPv6 address", value);
			return -1;
		}
		return 0;
	case ZC_CFG_RANGE:
		return parse_range(value, k, f, why, whycap);
	}
	snprintf(why, whycap, "internal error: unknown key type");
	return -1;
}

int
zc_cfg_set(struct zc_config *cfg, const char *key, const char *value,
	   const char *origin, unsigned line, struct zc_cfg_error *err)
{
	const struct zc_cfg_key *k = find_key(key, strlen(key));
	char why[600];

	if (k == NULL)
		return fail(err, origin, line, key, "unknown key");
	if (set_field(cfg, k, value, why, sizeof(why)) < 0)
		return fail(err, origin, line, key, "%s", why);
	return 0;
}

void
zc_cfg_defaults(struct zc_config *cfg)
{
	char why[600];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < zc_cfg_nkeys; i++)
		if (set_field(cfg, &zc_cfg_keys[i], zc_cfg_keys[i].def, why,
			      sizeof(why)) < 0)
			abort(); /* a bad default is a programming error */
}

/* Split one line into key and value (both trimmed, comments removed).
 * Returns 1 for a key line, 0 for a blank/comment line, -1 on syntax. */
static int
split_line(char *line, char **key, char **value)
{
	char *eq, *p;

	/* '#' starts a comment at the start of a line or after a blank. */
	for (p = line; *p != '\0'; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	line = zc_str_trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = zc_str_trim(line);
	*value = zc_str_trim(eq + 1);
	return **key == '\0' ? -1 : 1;
}

int
zc_cfg_parse_buf(struct zc_config *cfg, const char *name, const char *buf,
		 size_t len, struct zc_cfg_error *err)
{
	bool seen[MAX_KEYS] = {false};
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		char line[ZC_CFG_LINE_MAX];
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		const struct zc_cfg_key *k;
		char *key, *value;
		int rc;

		lineno++;
		if (llen >= sizeof(line))
			return fail(err, name, lineno, NULL,
				    "line longer than %d bytes",
				    ZC_CFG_LINE_MAX - 1);
		if (memchr(buf + pos, '\0', llen) != NULL)
			return fail(err, name, lineno, NULL, "NUL byte in line");
		memcpy(line, buf + pos, llen);
		line[llen] = '\0';
		pos += llen + (nl != NULL ? 1 : 0);
		if (llen > 0 && line[llen - 1] == '\r')
			line[llen - 1] = '\0';
		rc = split_line(line, &key, &value);
		if (rc == 0)
			continue;
		if (rc < 0)
			return fail(err, name, lineno, NULL,
				    "expected 'key = value'");
		k = find_key(key, strlen(key));
		if (k == NULL)
			return fail(err, name, lineno, key, "unknown key");
		if (seen[k - zc_cfg_keys])
			return fail(err, name, lineno, key,
				    "key given twice in this file");
		seen[k - zc_cfg_keys] = true;
		if (zc_cfg_set(cfg, key, value, name, lineno, err) < 0)
			return -1;
	}
	return 0;
}

int
zc_cfg_parse_file(struct zc_config *cfg, const char *path,
		  struct zc_cfg_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd = -1, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fail(err, NULL, 0, NULL, "%s: cannot open config file: %s",
		     path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fail(err, NULL, 0, NULL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > CFG_FILE_MAX) {
		fail(err, NULL, 0, NULL, "%s: larger than %d bytes", path,
		     CFG_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fail(err, NULL, 0, NULL, "%s: out of memory", path);
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(err, NULL, 0, NULL, "%s: read: %s", path,
			     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = zc_cfg_parse_buf(cfg, path, buf, len, err);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
zc_cfg_parse_override(struct zc_config *cfg, const char *kv,
		      struct zc_cfg_error *err)
{
	char copy[ZC_CFG_LINE_MAX];
	char *eq, *key, *value;

	if (zc_strlcpy(copy, kv, sizeof(copy)) >= sizeof(copy))
		return fail(err, NULL, 0, NULL, "-o %.60s...: too long", kv);
	eq = strchr(copy, '=');
	if (eq == NULL)
		return fail(err, NULL, 0, NULL,
			    "-o %.200s: expected KEY=VALUE", kv);
	*eq = '\0';
	key = zc_str_trim(copy);
	value = zc_str_trim(eq + 1);
	return zc_cfg_set(cfg, key, value, NULL, 0, err);
}

int
zc_cfg_validate(const struct zc_config *cfg, struct zc_cfg_error *err)
{
	if (cfg->prefork_spare_min > cfg->prefork_spare_max)
		return fail(err, NULL, 0, NULL,
			    "prefork_spare_min (%llu) is greater than "
			    "prefork_spare_max (%llu)",
			    (unsigned long long)cfg->prefork_spare_min,
			    (unsigned long long)cfg->prefork_spare_max);
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0'))
		return fail(err, NULL, 0, NULL,
			    "tls_cert and tls_key must be set together");
	if (cfg->tls_cert[0] == '\0' && cfg->tls_implicit_listen.n > 0)
		return fail(err, NULL, 0, NULL,
			    "tls_implicit_listen needs tls_cert and tls_key");
	if (cfg->tls_cert[0] == '\0' &&
	    cfg->tls_require != ZC_TLS_REQUIRE_NONE)
		return fail(err, NULL, 0, NULL,
			    "tls_require = %s needs tls_cert and tls_key",
			    cfg->tls_require == ZC_TLS_REQUIRE_LOGIN ? "login"
								     : "all");
	if (cfg->secure_chroot_dir[0] != '/')
		return fail(err, NULL, 0, NULL,
			    "secure_chroot_dir must be an absolute path");
	if (cfg->pid_file[0] != '\0' && cfg->pid_file[0] != '/')
		return fail(err, NULL, 0, NULL,
			    "pid_file must be an absolute path");
	if (cfg->xferlog[0] != '\0' && cfg->xferlog[0] != '/')
		return fail(err, NULL, 0, NULL,
			    "xferlog must be an absolute path");
	if (cfg->daemonize && cfg->log == ZC_LOG_DEST_STDERR)
		return fail(err, NULL, 0, NULL,
			    "daemonize = yes needs log = syslog (stderr is "
			    "closed when detaching)");
	return 0;
}

int
zc_cfg_finish(struct zc_config *cfg, struct zc_cfg_error *err)
{
	char abs[PATH_MAX];
	struct stat st;

	if (realpath(cfg->anon_root, abs) == NULL)
		return fail(err, NULL, 0, NULL, "anon_root %s: %s",
			    cfg->anon_root, strerror(errno));
	if (stat(abs, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail(err, NULL, 0, NULL, "anon_root %s: not a directory",
			    abs);
	if (zc_strlcpy(cfg->anon_root, abs, sizeof(cfg->anon_root)) >=
	    sizeof(cfg->anon_root))
		return fail(err, NULL, 0, NULL, "anon_root: path too long");
	if (cfg->run_as[0] == '\0')
		zc_strlcpy(cfg->run_as, getpwnam("ftp") != NULL ? "ftp" : "nobody",
			   sizeof(cfg->run_as));
	return zc_cfg_validate(cfg, err);
}

static void
format_size(uint64_t v, char *out, size_t cap)
{
	static const char suffix[] = "gmk";
	for (int i = 0; i < 3; i++) {
		unsigned shift = (unsigned)(30 - 10 * i);
		if (v != 0 && (v & ((1ull << shift) - 1)) == 0) {
			snprintf(out, cap, "%llu%c",
				 (unsigned long long)(v >> shift), suffix[i]);
			return;
		}
	}
	snprintf(out, cap, "%llu", (unsigned long long)v);
}

static void
format_value(const struct zc_config *cfg, const struct zc_cfg_key *k,
	     char *out, size_t cap)
{
	const void *f = cfield(cfg, k);

	out[0] = '\0';
	switch (k->type) {
	case ZC_CFG_BOOL:
		snprintf(out, cap, "%s", *(const bool *)f ? "yes" : "no");
		break;
	case ZC_CFG_UINT:
	case ZC_CFG_DURATION:
		snprintf(out, cap, "%llu",
			 (unsigned long long)*(const uint64_t *)f);
		break;
	case ZC_CFG_SIZE:
		format_size(*(const uint64_t *)f, out, cap);
		break;
	case ZC_CFG_OCTAL:
		snprintf(out, cap, "%03o", *(const unsigned *)f);
		break;
	case ZC_CFG_STRING:
	case ZC_CFG_PATH:
		snprintf(out, cap, "%s", (const char *)f);
		break;
	case ZC_CFG_ENUM:
		snprintf(out, cap, "%s", k->names[*(const int *)f]);
		break;
	case ZC_CFG_ADDRS: {
		const struct zc_addr_list *l = f;
		size_t used = 0;
		for (size_t i = 0; i < l->n && used < cap; i++) {
			char a[INET6_ADDRSTRLEN + 16];
			zc_cfg_addr_format(&l->a[i], a, sizeof(a));
			used += (size_t)snprintf(out + used, cap - used, "%s%s",
						 i > 0 ? ", " : "", a);
		}
		break;
	}
	case ZC_CFG_IP: {
		const struct zc_addr *a = f;
		if (a->len == 0)
			break;
		if (a->ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr,
				  out, (socklen_t)cap);
		else
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr,
				  out, (socklen_t)cap);
		break;
	}
	case ZC_CFG_RANGE: {
		const struct zc_port_range *r = f;
		if (r->max != 0)
			snprintf(out, cap, "%u-%u", r->min, r->max);
		break;
	}
	}
}

void
zc_cfg_dump(const struct zc_config *cfg, FILE *out)
{
	for (size_t i = 0; i < zc_cfg_nkeys; i++) {
		char v[ZC_CFG_LINE_MAX];
		format_value(cfg, &zc_cfg_keys[i], v, sizeof(v));
		fprintf(out, "%s = %s\n", zc_cfg_keys[i].name, v);
	}
}

size_t
zc_cfg_key_count(void)
{
	return zc_cfg_nkeys;
}

const char *
zc_cfg_key_name(size_t i)
{
	return i < zc_cfg_nkeys ? zc_cfg_keys[i].name : NULL;
}

void
zc_cfg_report_planned(const struct zc_config *cfg,
		      void (*report)(const char *, const char *, void *),
		      void *ctx)
{
	struct zc_config def;

	zc_cfg_defaults(&def);
	for (size_t i = 0; i < zc_cfg_nkeys; i++) {
		const struct zc_cfg_key *k = &zc_cfg_keys[i];
		char a[ZC_CFG_LINE_MAX], b[ZC_CFG_LINE_MAX];
		if (k->planned == NULL)
			continue;
		format_value(cfg, k, a, sizeof(a));
		format_value(&def, k, b, sizeof(b));
		if (strcmp(a, b) != 0)
			report(k->name, k->planned, ctx);
	}
}
