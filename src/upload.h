/*
 * upload.h: the file side of uploads (STOR STOU APPE, REST+STOR) and the
 * MFMT time parser. An upload writes either in place (APPE, REST+STOR,
 * STOU, and STOR without upload_atomic) or, for STOR with upload_atomic,
 * into a hidden temporary file in the target's directory that replaces
 * the target only once the whole upload arrived; a failed upload removes
 * it and leaves the previous file as it was. Every name is resolved
 * beneath the session root (fs_path.h). Called by cmd_write.c.
 */
#ifndef ZC_UPLOAD_H
#define ZC_UPLOAD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "defs.h"

enum zc_upload_kind {
	ZC_UPLOAD_STOR,   /* replace the file (atomic: temporary + rename) */
	ZC_UPLOAD_APPE,   /* append in place (created if missing) */
	ZC_UPLOAD_RESUME, /* REST + STOR: write in place from the offset */
	ZC_UPLOAD_UNIQUE, /* STOU: a new file under a name not in use */
};

enum zc_upload_state {
	ZC_UPLOAD_CLOSED,    /* nothing open (initial, after fini) */
	ZC_UPLOAD_OPEN,      /* receiving */
	ZC_UPLOAD_COMMITTED, /* complete and in place */
	ZC_UPLOAD_DISCARDED, /* failed: temporary (or new STOU file) removed */
};

/* Hidden temporary files start with this (LIST without -a hides them). */
#define ZC_UPLOAD_TMP_PREFIX ".zcftpd-upload."
/* Random characters after the prefix. */
#define ZC_UPLOAD_TMP_RANDOM 12
/* STOU tries NAME, NAME.1 ... NAME.<this> before giving up. */
#define ZC_UPLOAD_UNIQUE_TRIES 999

struct zc_upload {
	enum zc_upload_kind kind;
	enum zc_upload_state state;
	int dir_fd;                /* owned: O_PATH, the target's directory */
	int fd;                    /* owned: where the bytes go */
	char name[NAME_MAX + 1];   /* the target's last component */
	char tmp[NAME_MAX + 1];    /* temporary file's name; "" in place */
	off_t start;               /* first byte written goes here */
	off_t size;                /* size of the file written when opened */
	bool created;              /* this upload created `name` */
	dev_t dev;                 /* identity of the file written */
	ino_t ino;
	bool truncate;             /* STOR in place: truncate in begin() */
	bool atomic;               /* remove what this upload made on failure */
};

/* Pure: the temporary name for the random value `rnd` (prefix and
 * ZC_UPLOAD_TMP_RANDOM characters of [0-9a-z]). Returns its length, or 0
 * when it does not fit `cap`. */
size_t zc_upload_tmp_name(char *out, size_t cap, uint64_t rnd);

/* Pure: the n-th STOU candidate for `base`: base itself for 0, else
 * "base.n". Returns the length, or 0 when it does not fit. */
size_t zc_upload_unique_name(char *out, size_t cap, const char *base,
			     unsigned n);

/* Open an upload of `vpath` (normalized) beneath root_fd. `rest` is the
 * REST offset for ZC_UPLOAD_RESUME (it must not exceed the file's size:
 * ERANGE). `mode` is applied exactly to files this upload creates (an
 * atomic replacement keeps the old file's permission bits). The target
 * must be a regular file or not exist (EISDIR, EPERM otherwise); STOU
 * fails with EEXIST when no candidate name is free. For STOU the name
 * chosen is in u->name. 0, or -1 with errno and nothing left behind. */
int zc_upload_open(struct zc_upload *u, int root_fd, const char *vpath,
		   enum zc_upload_kind kind, off_t rest, mode_t mode,
		   bool atomic) ZC_MUST_CHECK;

/* The data connection is up: STOR in place truncates only now, so a
 * refused data connection leaves the old file alone. 0, or -1 errno. */
int zc_upload_begin(struct zc_upload *u) ZC_MUST_CHECK;

/* All data arrived: fsync when asked, close (reporting late write errors)
 * and, for an atomic STOR, rename the temporary file over the target.
 * 0, or -1 with errno, after which the upload is discarded. */
int zc_upload_commit(struct zc_upload *u, bool do_fsync) ZC_MUST_CHECK;

/* The upload failed: remove the temporary file or, when atomic, a file
 * this upload created (STOU, APPE to a new name); bytes written in place
 * into a file that existed stay (a client may resume). Idempotent. */
void zc_upload_discard(struct zc_upload *u);

/* Whether discarding would undo anything: a temporary file, or a file
 * this upload created under upload_atomic. */
bool zc_upload_discard_matters(const struct zc_upload *u);

/* Release everything; an upload still open is discarded first. */
void zc_upload_fini(struct zc_upload *u);

/* Pure: an MFMT/MDTM time value "YYYYMMDDHHMMSS[.F]" (UTC, F 1 to 9
 * digits) of exactly `len` bytes into *out. 0, or -1 with errno EINVAL
 * (syntax, or a field out of range: month 1-12, the month's days, hour
 * 0-23, minute and second 0-59). */
int zc_upload_parse_time(const char *s, size_t len,
			 struct timespec *out) ZC_MUST_CHECK;

#endif
