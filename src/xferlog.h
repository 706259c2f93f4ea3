/*
 * xferlog.h: one wu-ftpd xferlog(5) record per transfer. Formatting is
 * pure (unit-tested against a golden line); the worker writes the record
 * with one write(2) to an O_APPEND fd the master opened before chroot.
 */
#ifndef ZC_XFERLOG_H
#define ZC_XFERLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ZC_XFERLOG_MAX 8192

struct zc_xferlog_rec {
	time_t when;          /* end of the transfer */
	unsigned seconds;     /* duration, rounded up */
	const char *host;     /* client address */
	uint64_t bytes;
	const char *path;     /* virtual path */
	bool ascii;           /* 'a' or 'b' */
	bool incoming;        /* 'i' upload or 'o' download */
	bool anonymous;       /* 'a' anonymous or 'r' real/virtual user */
	const char *user;     /* anonymous: the password given (an e-mail) */
	bool complete;        /* 'c' or 'i' */
};

/* Format the record (local time, as wu-ftpd) with a trailing newline.
 * Blanks and control characters in the path and user become '_'.
 * Returns the length, 0 if it does not fit. */
size_t zc_xferlog_format(const struct zc_xferlog_rec *r, char *out, size_t cap);

#endif
