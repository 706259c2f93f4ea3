/*
 * users.h: the users file (virtual users): one `name:crypt-hash:home-dir`
 * line per user, `#` comments and blank lines allowed. Parsed by the
 * master to report errors (then wiped), and by the auth broker, the only
 * process that keeps the hashes. See zcftpd.users(5).
 */
#ifndef ZC_USERS_H
#define ZC_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "defs.h"

#define ZC_USER_NAME_MAX 64           /* bytes of a user name */
#define ZC_USERS_FILE_MAX (64u << 20) /* a bigger users file is refused */

struct zc_user {
	const char *name; /* point into the table's own copy of the file */
	const char *hash;
	const char *home;
	unsigned line;
};

struct zc_users {
	char *text;          /* owned copy of the file, fields NUL-ended */
	size_t text_len;
	struct zc_user *v;   /* owned, sorted by name */
	size_t n;
};

/* Parse a users file held in text[0..len). `file` names it in errors
 * ("FILE:LINE: what"). 0, or -1 with the message in err (nothing to
 * free then). */
int zc_users_parse(const char *text, size_t len, const char *file,
		   struct zc_users *out, char *err, size_t errcap) ZC_MUST_CHECK;
/* Read the whole file from fd (at most ZC_USERS_FILE_MAX) and parse it. */
int zc_users_load_fd(int fd, const char *file, struct zc_users *out,
		     char *err, size_t errcap) ZC_MUST_CHECK;
/* Wipe (the hashes) and free. */
void zc_users_free(struct zc_users *u);

const struct zc_user *zc_users_find(const struct zc_users *u, const char *name);

/* Check a password against the user's crypt(3) hash; for an unknown user
 * or a locked hash ('!' or '*') the same work is done against another
 * hash, so the time taken does not tell whether the name exists. */
bool zc_users_check(const struct zc_users *u, const char *name,
		    const char *password);

/* Pure: whether a user name is acceptable (1..64 of [A-Za-z0-9._@-],
 * not starting with '-', and not "anonymous" or "ftp"). */
bool zc_users_name_ok(const char *name, size_t len);

#endif
