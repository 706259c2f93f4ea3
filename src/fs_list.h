/*
 * fs_list.h: directory listings. Line formatting (ls -l style for LIST,
 * names for NLST) is pure and takes an injected "now"; zc_list_dir reads
 * a directory with bounded memory (names only, capped), sorts by name
 * and streams formatted lines to a sink in ZC_LIST_BUF_SIZE pieces.
 */
#ifndef ZC_FS_LIST_H
#define ZC_FS_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "defs.h"

/* RFC 3659 facts, for MLSD/MLST and OPTS MLST. */
#define ZC_FACT_TYPE 0x01
#define ZC_FACT_SIZE 0x02
#define ZC_FACT_MODIFY 0x04
#define ZC_FACT_PERM 0x08
#define ZC_FACT_UNIQUE 0x10
#define ZC_FACT_UNIX_MODE 0x20
#define ZC_FACTS_ALL 0x3f

struct zc_list_opts {
	bool all;       /* -a: include dot files (and . / .. for LIST) */
	bool longfmt;   /* LIST (ls -l) rather than NLST (names) */
	bool mlsd;      /* MLSD facts (RFC 3659); overrides longfmt */
	unsigned facts; /* ZC_FACT_* shown by MLSD/MLST */
	bool writable;  /* the session may write (perm fact) */
	uid_t uid;      /* the session's identity, for the perm fact */
	gid_t gid;
	bool hide_ids;  /* owner/group shown as "ftp ftp" */
	bool localtime; /* dates in local time instead of UTC */
	time_t now;     /* for the "recent file" rule */
	const char *pattern; /* borrowed; list only names matching it */
	unsigned threads;    /* threads that stat a big directory: 0 auto,
			      * 1 the caller alone (list_threads) */
	unsigned *threads_used; /* out, may be NULL: threads that stat'ed
				 * (the caller and its helpers) */
};

/* Pure: the RFC 3659 fact string of one entry followed by a space and
 * `name` (no line end). `type` overrides the type fact ("cdir", "pdir");
 * a symlink is "OS.unix=slink:TARGET" (the spelling FileZilla parses).
 * Returns the length, 0 if it does not fit. */
size_t zc_list_format_facts(char *out, size_t cap, const char *name,
			    const struct stat *st, const char *type,
			    const char *link_target, const struct zc_list_opts *o);

/* The FEAT line for MLST: every fact, '*' after those enabled. */
size_t zc_list_feat_mlst(char *out, size_t cap, unsigned facts);
/* The selected facts as "type;size;" (for the OPTS MLST reply). */
void zc_list_facts_string(unsigned facts, char *out, size_t cap);
/* Pure: parse an OPTS MLST fact list ("type;size;") into ZC_FACT_* bits;
 * unknown facts are ignored (RFC 3659 section 7.9). */
unsigned zc_list_parse_facts(const char *list);

/* Split a LIST/NLST argument into option words ("-a", "-la", ...) and a
 * path. A word is an option group only when it is '-' followed by
 * letters from "aAlLFRdtrhnSc1" (so "-dash-file" is a name). Sets
 * opts->all for 'a'/'A'. Returns the path part (NULL when none). */
const char *zc_list_parse_args(const char *arg, struct zc_list_opts *opts);

/* Pure: the 10-character mode string ("drwxr-xr-x"), NUL-terminated. */
void zc_list_mode_string(mode_t mode, char out[11]);

/* Pure: one LIST line (with CRLF) for `name`. link_target may be NULL.
 * Returns the length, 0 if it does not fit. */
size_t zc_list_format_long(char *out, size_t cap, const char *name,
			   const struct stat *st, const char *link_target,
			   const struct zc_list_opts *o);

/* Whether a name can be listed at all (no CR/LF, which would forge
 * lines; such names are unreachable through FTP anyway). */
bool zc_list_name_ok(const char *name);

/* Receives formatted output; returns 0 to go on, -1 to stop. */
typedef int (*zc_list_sink)(void *ctx, const char *buf, size_t len);

enum zc_list_result {
	ZC_LIST_OK,
	ZC_LIST_STOPPED,  /* the sink said stop */
	ZC_LIST_TOO_BIG,  /* more than ZC_LIST_MAX_ENTRIES entries */
	ZC_LIST_ERROR,    /* reading the directory failed (errno) */
};

/* List the directory open at dirfd (borrowed). `prefix` is put before
 * each NLST name ("" or "dir/"). */
enum zc_list_result zc_list_dir(int dirfd, const char *prefix,
				const struct zc_list_opts *o, zc_list_sink sink,
				void *ctx);

/* Format and emit one entry given its stat (a file named as the LIST
 * argument; symlinks were followed, so no link target is shown). */
enum zc_list_result zc_list_one(const char *shown, const struct stat *st,
				const struct zc_list_opts *o, zc_list_sink sink,
				void *ctx);

#endif
