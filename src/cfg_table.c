/*
 * cfg_table.c: THE table of configuration keys. One row per key; the
 * parser, validator, -t dump and documentation checks all read it.
 * Keep doc/zcftpd.conf.5 and etc/zcftpd.conf in step (a test checks).
 */
#include "config.h"

#include <stddef.h>

#include "cfg.h"
#include "cfg_int.h"

#define F(field) offsetof(struct zc_config, field), sizeof(((struct zc_config *)0)->field)
#define RL ZC_CFG_F_RELOAD
#define DAY (24u * 3600u)

static const char *const tls_require_names[] = {"none", "login", "all", NULL};
static const char *const tls_version_names[] = {"1.2", "1.3", NULL};
static const char *const ktls_names[] = {"auto", "off", "required", NULL};
static const char *const engine_names[] = {"auto", "sendfile", "splice", "mmap",
					   "readwrite", NULL};
static const char *const log_names[] = {"stderr", "syslog", NULL};
static const char *const log_level_names[] = {"error", "warning", "info", "debug",
					      NULL};


const struct zc_cfg_key zc_cfg_keys[] = {
	{"listen", ZC_CFG_ADDRS, F(listen), "127.0.0.1:2121", 1, ZC_LISTEN_MAX, NULL, RL, NULL},
	{"tls_implicit_listen", ZC_CFG_ADDRS, F(tls_implicit_listen), "", 0, ZC_LISTEN_MAX, NULL, RL, NULL},
	{"anon_enable", ZC_CFG_BOOL, F(anon_enable), "yes", 0, 0, NULL, RL, NULL},
	{"anon_root", ZC_CFG_PATH, F(anon_root), ".", 0, 0, NULL, RL, NULL},
	{"users_file", ZC_CFG_PATH, F(users_file), "", 0, 0, NULL, RL, NULL},
	{"write_enable", ZC_CFG_BOOL, F(write_enable), "no", 0, 0, NULL, RL, NULL},
	{"upload_umask", ZC_CFG_OCTAL, F(upload_umask), "022", 0, 0777, NULL, RL, NULL},
	{"upload_atomic", ZC_CFG_BOOL, F(upload_atomic), "yes", 0, 0, NULL, RL, NULL},
	{"upload_fsync", ZC_CFG_BOOL, F(upload_fsync), "no", 0, 0, NULL, RL, NULL},
	{"pasv_ports", ZC_CFG_RANGE, F(pasv_ports), "", 1024, 65535, NULL, RL, NULL},
	{"pasv_address", ZC_CFG_IP, F(pasv_address), "", 0, 0, NULL, RL, NULL},
	{"active_enable", ZC_CFG_BOOL, F(active_enable), "yes", 0, 0, NULL, RL, NULL},
	{"active_from_port_20", ZC_CFG_BOOL, F(active_from_port_20), "no", 0, 0, NULL, RL, NULL},
	{"tls_cert", ZC_CFG_PATH, F(tls_cert), "", 0, 0, NULL, RL, NULL},
	{"tls_key", ZC_CFG_PATH, F(tls_key), "", 0, 0, NULL, RL, NULL},
	{"tls_require", ZC_CFG_ENUM, F(tls_require), "none", 0, 0, tls_require_names, RL, NULL},
	{"tls_require_anon", ZC_CFG_BOOL, F(tls_require_anon), "no", 0, 0, NULL, RL, NULL},
	{"tls_require_reuse", ZC_CFG_BOOL, F(tls_require_reuse), "yes", 0, 0, NULL, RL, NULL},
	{"tls_min_version", ZC_CFG_ENUM, F(tls_min_version), "1.2", 0, 0, tls_version_names, RL, NULL},
	{"tls_ciphers", ZC_CFG_STRING, F(tls_ciphers), "", 0, 0, NULL, RL, NULL},
	{"tls_ciphersuites", ZC_CFG_STRING, F(tls_ciphersuites), "", 0, 0, NULL, RL, NULL},
	{"ktls", ZC_CFG_ENUM, F(ktls), "auto", 0, 0, ktls_names, RL, NULL},
	{"transfer_engine", ZC_CFG_ENUM, F(transfer_engine), "auto", 0, 0, engine_names, RL, NULL},
	{"drop_behind_threshold", ZC_CFG_SIZE, F(drop_behind_threshold), "64m", 0, UINT64_MAX, NULL, RL, NULL},
	{"max_clients", ZC_CFG_UINT, F(max_clients), "2000", 0, ZC_MAX_CLIENTS_LIMIT, NULL, RL, NULL},
	{"max_per_ip", ZC_CFG_UINT, F(max_per_ip), "50", 0, ZC_MAX_CLIENTS_LIMIT, NULL, RL, NULL},
	{"prefork_spare_min", ZC_CFG_UINT, F(prefork_spare_min), "8", 0, 1000, NULL, RL, NULL},
	{"prefork_spare_max", ZC_CFG_UINT, F(prefork_spare_max), "32", 1, 1000, NULL, RL, NULL},
	{"idle_timeout", ZC_CFG_DURATION, F(idle_timeout), "300", 1, 7 * DAY, NULL, RL, NULL},
	{"data_timeout", ZC_CFG_DURATION, F(data_timeout), "60", 1, DAY, NULL, RL, NULL},
	{"login_timeout", ZC_CFG_DURATION, F(login_timeout), "60", 1, DAY, NULL, RL, NULL},
	{"shutdown_timeout", ZC_CFG_DURATION, F(shutdown_timeout), "30", 0, DAY, NULL, RL, NULL},
	{"login_fail_delay", ZC_CFG_DURATION, F(login_fail_delay), "1", 0, 60, NULL, RL, NULL},
	{"max_login_fails", ZC_CFG_UINT, F(max_login_fails), "3", 1, 1000, NULL, RL, NULL},
	{"run_as", ZC_CFG_STRING, F(run_as), "", 0, 0, NULL, RL, NULL},
	{"secure_chroot_dir", ZC_CFG_PATH, F(secure_chroot_dir), ZC_DEFAULT_CHROOT_DIR, 0, 0, NULL, RL, NULL},
	{"hide_ids", ZC_CFG_BOOL, F(hide_ids), "yes", 0, 0, NULL, RL, NULL},
	{"listing_localtime", ZC_CFG_BOOL, F(listing_localtime), "no", 0, 0, NULL, RL, NULL},
	{"list_threads", ZC_CFG_UINT, F(list_threads), "0", 0, ZC_LIST_THREADS_MAX, NULL, RL, NULL},
	{"banner", ZC_CFG_STRING, F(banner), "zcftpd ready", 0, 0, NULL, RL, NULL},
	{"log", ZC_CFG_ENUM, F(log), "stderr", 0, 0, log_names, RL, NULL},
	{"log_level", ZC_CFG_ENUM, F(log_level), "info", 0, 0, log_level_names, RL, NULL},
	{"xferlog", ZC_CFG_PATH, F(xferlog), "", 0, 0, NULL, RL, NULL},
	{"rate_limit_anon", ZC_CFG_SIZE, F(rate_limit_anon), "0", 0, UINT64_MAX, NULL, RL, NULL},
	{"rate_limit_user", ZC_CFG_SIZE, F(rate_limit_user), "0", 0, UINT64_MAX, NULL, RL, NULL},
	{"daemonize", ZC_CFG_BOOL, F(daemonize), "no", 0, 0, NULL, 0, NULL},
	{"pid_file", ZC_CFG_PATH, F(pid_file), "", 0, 0, NULL, 0, NULL},
};

const size_t zc_cfg_nkeys = sizeof(zc_cfg_keys) / sizeof(zc_cfg_keys[0]);
