/*
 * defs.h: every limit and built-in constant of zcftpd in one place.
 * Config defaults live in cfg_table.c; these are the hard bounds that no
 * configuration can raise (buffers, counts), so every buffer's maximum is
 * visible here.
 */
#ifndef ZC_DEFS_H
#define ZC_DEFS_H

#include <limits.h>

#define ZC_NAME "zcftpd"

#define ZC_MUST_CHECK __attribute__((warn_unused_result))
#define ZC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ZC_NORETURN __attribute__((noreturn))
#define ZC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Control channel: longest command line we accept, without CRLF (4 KiB,
 * as vsftpd). A longer line gets 500 and is discarded up to its LF. */
#define ZC_CTRL_LINE_MAX 4096
/* Bytes buffered from the control socket (a line plus pipelined input). */
#define ZC_CTRL_BUF_SIZE (2 * ZC_CTRL_LINE_MAX)
/* One reply (possibly multi-line) is formatted into a buffer this big. */
#define ZC_REPLY_MAX 8192
/* Unknown commands tolerated before login (cross-protocol defence). */
#define ZC_MAX_UNKNOWN_PRELOGIN 10

/* Listener addresses per key (listen, tls_implicit_listen). */
#define ZC_LISTEN_MAX 16
/* Listen backlog of the control listeners. */
#define ZC_LISTEN_BACKLOG 1024
/* Number of worker slots in the scoreboard: upper bound for max_clients
 * plus spares; the mapping is touched lazily so the size costs nothing. */
#define ZC_SCOREBOARD_SLOTS 32768
#define ZC_MAX_CLIENTS_LIMIT (ZC_SCOREBOARD_SLOTS - 1024)
/* Config overrides given with -o. */
#define ZC_OVERRIDES_MAX 256
/* Longest config file line (and -o argument): any value that fits its
 * field (PATH_MAX for paths) fits a line, so -t output always parses. */
#define ZC_CFG_LINE_MAX 8192

/* Data path. */
#define ZC_SENDFILE_CHUNK (2u * 1024 * 1024)  /* per sendfile(2) call */
#define ZC_COPY_BUF_SIZE (256u * 1024)        /* pread/write engine */
#define ZC_ASCII_CHUNK (64u * 1024)           /* TYPE A: input per round */
#define ZC_LIST_BUF_SIZE (64u * 1024)         /* listing output buffer */
/* Directory entries read for one listing; more is an error, never a
 * silently truncated listing. */
#define ZC_LIST_MAX_ENTRIES 1000000u
/* Bytes of names held for one listing (sorted before sending). */
#define ZC_LIST_MAX_NAME_BYTES (256u * 1024 * 1024)
/* Entries stat'ed, then formatted, per round of a long listing (memory
 * stays flat: ~150 bytes each, whatever the directory's size). */
#define ZC_LIST_STAT_WINDOW 2048u
/* Fewer entries than this are stat'ed by the session alone: starting a
 * thread costs about as much as statting a few hundred entries. */
#define ZC_LIST_THREADS_MIN_ENTRIES 512u
/* A session keeps the heap memory it freed, up to this much, instead of
 * giving it back at once (glibc's M_TRIM_THRESHOLD), and takes blocks
 * below ZC_SESSION_MMAP_MIN from that heap rather than from fresh mmap()s
 * (M_MMAP_THRESHOLD): a 10,000-entry listing uses ~1 MiB of buffers, and
 * returning them made the next listing fault every page in again. */
#define ZC_SESSION_HEAP_KEEP (4u * 1024 * 1024)
#define ZC_SESSION_MMAP_MIN (1u * 1024 * 1024)
/* list_threads: the largest value, and the most "auto" picks. */
#define ZC_LIST_THREADS_MAX 16u
#define ZC_LIST_THREADS_AUTO_MAX 4u
/* After the last data byte, how long close() may wait (SO_LINGER) for the
 * peer to acknowledge it before the 226; bounded by data_timeout too. */
#define ZC_DATA_LINGER_MS 10000
/* Upload: after a plain EOF on the data connection, how long to watch
 * the control connection for a client that died (its sockets close one
 * after the other) before an atomic upload is committed. */
#define ZC_UPLOAD_EOF_GRACE_MS 20

/* Master: back-off after workers die before serving (crash loop). */
#define ZC_SPAWN_BACKOFF_MS 1000
/* Master: after shutdown_timeout, how long busy workers get to say 421. */
#define ZC_KILL_GRACE_MS 2000

/* Default chroot directory for workers when started as root. */
#define ZC_DEFAULT_CHROOT_DIR "/run/zcftpd/empty"

#endif
