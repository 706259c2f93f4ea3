/*
 * cfg.h: the configuration of zcftpd. One struct holds every key (fixed
 * arrays, no pointers, so a config is copied or replaced as a whole); the
 * table in cfg_table.c describes each key once: name, type, offset,
 * default, range, flags. Parsing, validation, -t output and the man page
 * test all come from that table. Pure except zc_cfg_parse_file (reads one
 * file) and zc_cfg_finish (resolves paths and the run_as account).
 */
#ifndef ZC_CFG_H
#define ZC_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <sys/socket.h>

#include "defs.h"

struct zc_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct zc_addr_list {
	size_t n;
	struct zc_addr a[ZC_LISTEN_MAX];
};

/* A port range; min == max == 0 means "let the kernel choose". */
struct zc_port_range {
	unsigned min, max;
};

enum zc_tls_require { ZC_TLS_REQUIRE_NONE, ZC_TLS_REQUIRE_LOGIN, ZC_TLS_REQUIRE_ALL };
enum zc_tls_version { ZC_TLS_V1_2, ZC_TLS_V1_3 };
enum zc_ktls_mode { ZC_KTLS_AUTO, ZC_KTLS_OFF, ZC_KTLS_REQUIRED };
enum zc_engine_cfg {
	ZC_ENGINE_CFG_AUTO,
	ZC_ENGINE_CFG_SENDFILE,
	ZC_ENGINE_CFG_SPLICE,
	ZC_ENGINE_CFG_MMAP,
	ZC_ENGINE_CFG_READWRITE,
};
enum zc_log_dest { ZC_LOG_DEST_STDERR, ZC_LOG_DEST_SYSLOG };
/* log_level values, in the order of enum zc_log_level. */
enum zc_log_level_cfg { ZC_LOG_CFG_ERROR, ZC_LOG_CFG_WARNING, ZC_LOG_CFG_INFO, ZC_LOG_CFG_DEBUG };

struct zc_config {
	struct zc_addr_list listen;
	struct zc_addr_list tls_implicit_listen;
	bool anon_enable;
	char anon_root[PATH_MAX];
	char users_file[PATH_MAX];
	bool write_enable;
	unsigned upload_umask;
	bool upload_atomic;
	bool upload_fsync;
	struct zc_port_range pasv_ports;
	struct zc_addr pasv_address; /* len 0: not set */
	bool active_enable;
	bool active_from_port_20;
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	int tls_require;     /* enum zc_tls_require */
	bool tls_require_anon;
	bool tls_require_reuse;
	int tls_min_version; /* enum zc_tls_version */
	char tls_ciphers[1024];
	char tls_ciphersuites[1024];
	int ktls;            /* enum zc_ktls_mode */
	int transfer_engine; /* enum zc_engine_cfg */
	uint64_t drop_behind_threshold;
	uint64_t max_clients;
	uint64_t max_per_ip;
	uint64_t prefork_spare_min;
	uint64_t prefork_spare_max;
	uint64_t idle_timeout;
	uint64_t data_timeout;
	uint64_t login_timeout;
	uint64_t shutdown_timeout;
	uint64_t login_fail_delay;
	uint64_t max_login_fails;
	char run_as[64];
	char secure_chroot_dir[PATH_MAX];
	bool hide_ids;
	bool listing_localtime;
	uint64_t list_threads; /* 0: auto (zc_statpool_auto_threads) */
	char banner[512];
	int log;       /* enum zc_log_dest */
	int log_level; /* enum zc_log_level_cfg */
	char xferlog[PATH_MAX];
	uint64_t rate_limit_anon;
	uint64_t rate_limit_user;
	bool daemonize;
	char pid_file[PATH_MAX];
};

/* An error message: "FILE:LINE: KEY: what is wrong" (or "-o KEY: ..."). */
struct zc_cfg_error {
	char msg[1024];
};

/* Fill every key with its default (the embedded configuration). */
void zc_cfg_defaults(struct zc_config *cfg);

/* Set one key from text. `origin` is the file name (NULL for -o) and
 * `line` its line number. Returns 0, or -1 with `err` filled. */
int zc_cfg_set(struct zc_config *cfg, const char *key, const char *value,
	       const char *origin, unsigned line,
	       struct zc_cfg_error *err) ZC_MUST_CHECK;

/* Parse "key = value" lines from a buffer (`name` for messages). A key
 * given twice in one buffer is an error. */
int zc_cfg_parse_buf(struct zc_config *cfg, const char *name, const char *buf,
		     size_t len, struct zc_cfg_error *err) ZC_MUST_CHECK;
/* Read and parse a file; a missing or unreadable file is an error. */
int zc_cfg_parse_file(struct zc_config *cfg, const char *path,
		      struct zc_cfg_error *err) ZC_MUST_CHECK;
/* Apply one -o KEY=VALUE override. */
int zc_cfg_parse_override(struct zc_config *cfg, const char *kv,
			  struct zc_cfg_error *err) ZC_MUST_CHECK;

/* Cross-key rules (ranges that involve two keys, required pairs). Pure. */
int zc_cfg_validate(const struct zc_config *cfg,
		    struct zc_cfg_error *err) ZC_MUST_CHECK;
/* Resolve what depends on the system: anon_root to an absolute existing
 * directory, the default run_as account. Then zc_cfg_validate(). */
int zc_cfg_finish(struct zc_config *cfg, struct zc_cfg_error *err) ZC_MUST_CHECK;

/* Print every key with its effective value, one "key = value" per line,
 * in table order (the -t output; it parses back to the same config). */
void zc_cfg_dump(const struct zc_config *cfg, FILE *out);

/* Number of keys and the name of key i (for tests and docs checks). */
size_t zc_cfg_key_count(void);
const char *zc_cfg_key_name(size_t i);

/* Keys that are set away from their default but whose feature this build
 * does not implement yet: calls `report(key, why, ctx)` for each. */
void zc_cfg_report_planned(const struct zc_config *cfg,
			   void (*report)(const char *key, const char *why,
					  void *ctx),
			   void *ctx);

/* Format an address as "1.2.3.4:21" or "[::1]:21" (port 0 is printed). */
void zc_cfg_addr_format(const struct zc_addr *a, char *out, size_t cap);
/* Parse "HOST:PORT" / "[V6]:PORT" (numeric only). 0 or -1 (errno EINVAL). */
int zc_cfg_addr_parse(const char *text, struct zc_addr *out) ZC_MUST_CHECK;
/* Two address lists hold the same addresses in the same order. */
bool zc_cfg_addr_list_equal(const struct zc_addr_list *a,
			    const struct zc_addr_list *b);

#endif
