/*
 * users.c: the users file. See users.h and zcftpd.users(5).
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "str.h"
#include "users.h"

/* Checked against when the name is unknown or locked, so that such a
 * login costs what a real one costs (a sha512crypt hash of nothing
 * anybody would type; no password matches it by construction since the
 * result is never accepted). */
static const char decoy_hash[] =
	"$6$zcftpddecoysalt$z8SYkbNh0.raij8ElLB8ITMvrImywqhAoZvIXHsVUy/"
	"zvK/GbSYwq1QjvbWiUk8cTa6Pb5W6tXexUxZxU7uxB.";

bool
zc_users_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > ZC_USER_NAME_MAX || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			  c == '-' || c == '@';
		if (!ok)
			return false;
	}
	/* these names log in anonymously; a user so named could never log
	 * in (or would shadow anonymous access) */
	return !zc_str_eq_nocase(name, len, "anonymous") &&
	       !zc_str_eq_nocase(name, len, "ftp");
}

static bool
hash_locked(const char *hash)
{
	return hash[0] == '!' || hash[0] == '*';
}

static int
fail(char *err, size_t cap, const char *file, unsigned line, const char *what)
{
	snprintf(err, cap, "%s:%u: %s", file, line, what);
	return -1;
}

/* Check and record one line (already split into fields). */
static int
check_entry(struct zc_user *u, const char *file, char *err, size_t cap)
{
	if (!zc_users_name_ok(u->name, strlen(u->name)))
		return fail(err, cap, file, u->line,
			    "bad user name (1-64 of A-Z a-z 0-9 . _ - @, not "
			    "starting with '-', not anonymous or ftp)");
	if (u->hash[0] == '\0' || strpbrk(u->hash, " \t") != NULL)
		return fail(err, cap, file, u->line, "bad password hash");
	if (!hash_locked(u->hash) && crypt_checksalt(u->hash) != CRYPT_SALT_OK)
		return fail(err, cap, file, u->line,
			    "password hash of a weak or unknown method (use "
			    "yescrypt, sha512crypt or bcrypt: `openssl passwd "
			    "-6` or `mkpasswd -m yescrypt`)");
	if (u->home[0] != '/')
		return fail(err, cap, file, u->line,
			    "home directory must be an absolute path");
	return 0;
}

/* Split line (NUL-ended, no newline) into the three fields in place. */
static int
split_line(char *line, unsigned lineno, struct zc_user *u, const char *file,
	   char *err, size_t cap)
{
	char *c1 = strchr(line, ':');
	char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

	if (c1 == NULL || c2 == NULL || strchr(c2 + 1, ':') != NULL)
		return fail(err, cap, file, lineno,
			    "expected name:password-hash:home-directory");
	*c1 = '\0';
	*c2 = '\0';
	u->name = line;
	u->hash = c1 + 1;
	u->home = c2 + 1;
	u->line = lineno;
	return check_entry(u, file, err, cap);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct zc_user *)a)->name,
		      ((const struct zc_user *)b)->name);
}

/* Count the lines that may hold an entry (an upper bound). */
static size_t
count_lines(const char *text, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

int
zc_users_parse(const char *text, size_t len, const char *file,
	       struct zc_users *out, char *err, size_t errcap)
{
	size_t cap = count_lines(text, len);
	unsigned lineno = 0;
	char *p;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL)
		return fail(err, errcap, file, 0, "NUL byte in the users file");
	out->text = malloc(len + 1);
	out->v = calloc(cap, sizeof(*out->v));
	if (out->text == NULL || out->v == NULL) {
		zc_users_free(out);
		snprintf(err, errcap, "%s: out of memory", file);
		return -1;
	}
	memcpy(out->text, text, len);
	out->text[len] = '\0';
	out->text_len = len;
	for (p = out->text; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');
		size_t l;

		if (nl != NULL)
			*nl = '\0';
		lineno++;
		l = strlen(p);
		if (l > 0 && p[l - 1] == '\r')
			p[--l] = '\0';
		if (l > 0 && p[0] != '#' &&
		    split_line(p, lineno, &out->v[out->n++], file, err, errcap) < 0) {
			zc_users_free(out);
			return -1;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_name);
	for (size_t i = 1; i < out->n; i++) {
		if (strcmp(out->v[i - 1].name, out->v[i].name) == 0) {
			char what[160];
			unsigned a = out->v[i - 1].line, b = out->v[i].line;
			snprintf(what, sizeof(what),
				 "user %s is also defined on line %u",
				 out->v[i].name, a < b ? a : b);
			zc_users_free(out);
			return fail(err, errcap, file, a > b ? a : b, what);
		}
	}
	return 0;
}

int
zc_users_load_fd(int fd, const char *file, struct zc_users *out, char *err,
		 size_t errcap)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);
	int rc;

	memset(out, 0, sizeof(*out));
	if (buf == NULL) {
		snprintf(err, errcap, "%s: out of memory", file);
		return -1;
	}
	for (;;) {
		ssize_t n;
		if (len == cap) {
			char *bigger = cap < ZC_USERS_FILE_MAX ? realloc(buf, cap * 2) : NULL;
			if (bigger == NULL) {
				OPENSSL_cleanse(buf, len);
				free(buf);
				snprintf(err, errcap, "%s: larger than %u MiB "
					 "(or out of memory)", file,
					 ZC_USERS_FILE_MAX >> 20);
				return -1;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errcap, "%s: %s", file, strerror(errno));
			OPENSSL_cleanse(buf, len);
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = zc_users_parse(buf, len, file, out, err, errcap);
	OPENSSL_cleanse(buf, cap);
	free(buf);
	return rc;
}

void
zc_users_free(struct zc_users *u)
{
	if (u->text != NULL) {
		OPENSSL_cleanse(u->text, u->text_len);
		free(u->text);
	}
	free(u->v);
	memset(u, 0, sizeof(*u));
}

const struct zc_user *
zc_users_find(const struct zc_users *u, const char *name)
{
	struct zc_user key = {.name = name};

	if (u->n == 0)
		return NULL;
	return bsearch(&key, u->v, u->n, sizeof(*u->v), by_name);
}

/* A real hash of the table to check against for unknown names, so the
 * decoy costs what the configured method costs. */
static const char *
decoy_for(const struct zc_users *u)
{
	for (size_t i = 0; i < u->n; i++)
		if (!hash_locked(u->v[i].hash))
			return u->v[i].hash;
	return decoy_hash;
}

bool
zc_users_check(const struct zc_users *u, const char *name,
	       const char *password)
{
	static struct crypt_data cd; /* ~32 KiB: not on the stack */
	const struct zc_user *usr = zc_users_find(u, name);
	bool real = usr != NULL && !hash_locked(usr->hash);
	const char *hash = real ? usr->hash : decoy_for(u);
	const char *out;
	bool ok;

	memset(&cd, 0, sizeof(cd));
	out = crypt_rn(password, hash, &cd, sizeof(cd));
	/* SECURITY: compare in constant time; a failure of crypt (NULL or
	 * a "*" error string) never matches */
	ok = real && out != NULL && strlen(out) == strlen(hash) &&
	     CRYPTO_memcmp(out, hash, strlen(hash)) == 0;
	OPENSSL_cleanse(&cd, sizeof(cd));
	return ok;
}
