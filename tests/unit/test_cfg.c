/* Unit tests for cfg.c / cfg_table.c: the table-driven configuration. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_int.h"
#include "tmptree.h"

static struct zc_cfg_error err;

/* Parse `text` as the file "t.conf" into cfg (which the caller set up). */
static int
parse(struct zc_config *cfg, const char *text)
{
	memset(&err, 0, sizeof(err));
	return zc_cfg_parse_buf(cfg, "t.conf", text, strlen(text), &err);
}

/* Defaults, then `text`; the test fails if parsing fails. */
static void
parse_ok(struct zc_config *cfg, const char *text)
{
	zc_cfg_defaults(cfg);
	ck_assert_msg(parse(cfg, text) == 0, "parse of [%s] failed: %s", text,
		      err.msg);
}

/* Defaults, then `text`; the test fails unless parsing fails with `msg`. */
static void
parse_fails_with(const char *text, const char *msg)
{
	struct zc_config cfg;

	zc_cfg_defaults(&cfg);
	ck_assert_msg(parse(&cfg, text) == -1, "parse of [%s] succeeded", text);
	ck_assert_str_eq(err.msg, msg);
}

/* Defaults, then `text`; fails unless parsing fails (any message). */
static void
parse_fails(const char *text)
{
	struct zc_config cfg;

	zc_cfg_defaults(&cfg);
	ck_assert_msg(parse(&cfg, text) == -1, "parse of [%s] succeeded", text);
	ck_assert_msg(strncmp(err.msg, "t.conf:", 7) == 0,
		      "message [%s] does not name the file", err.msg);
}

static int
override(struct zc_config *cfg, const char *kv)
{
	memset(&err, 0, sizeof(err));
	return zc_cfg_parse_override(cfg, kv, &err);
}

static int
validate(const struct zc_config *cfg)
{
	memset(&err, 0, sizeof(err));
	return zc_cfg_validate(cfg, &err);
}

/* The -t output of cfg, as a malloc'ed string. */
static char *
dump(const struct zc_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	zc_cfg_dump(cfg, f);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static unsigned
port_of(const struct zc_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)&a->ss)
				     ->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)&a->ss)->sin_port);
}

static void
addr_text(const struct zc_addr *a, char *out, size_t cap)
{
	zc_cfg_addr_format(a, out, cap);
}

/* Every field of two configs, one by one (names the first difference). */
static void
assert_cfg_equal(const struct zc_config *a, const struct zc_config *b)
{
#define EQ_NUM(f) ck_assert_msg(a->f == b->f, "field " #f " differs")
#define EQ_STR(f) ck_assert_str_eq(a->f, b->f)
	ck_assert_msg(zc_cfg_addr_list_equal(&a->listen, &b->listen),
		      "listen differs");
	ck_assert_msg(zc_cfg_addr_list_equal(&a->tls_implicit_listen,
					     &b->tls_implicit_listen),
		      "tls_implicit_listen differs");
	EQ_NUM(anon_enable);
	EQ_STR(anon_root);
	EQ_STR(users_file);
	EQ_NUM(write_enable);
	EQ_NUM(upload_umask);
	EQ_NUM(upload_atomic);
	EQ_NUM(upload_fsync);
	EQ_NUM(pasv_ports.min);
	EQ_NUM(pasv_ports.max);
	EQ_NUM(pasv_address.len);
	ck_assert_msg(memcmp(&a->pasv_address.ss, &b->pasv_address.ss,
			     a->pasv_address.len) == 0,
		      "pasv_address differs");
	EQ_NUM(active_enable);
	EQ_NUM(active_from_port_20);
	EQ_STR(tls_cert);
	EQ_STR(tls_key);
	EQ_NUM(tls_require);
	EQ_NUM(tls_require_anon);
	EQ_NUM(tls_require_reuse);
	EQ_NUM(tls_min_version);
	EQ_STR(tls_ciphers);
	EQ_STR(tls_ciphersuites);
	EQ_NUM(ktls);
	EQ_NUM(transfer_engine);
	EQ_NUM(drop_behind_threshold);
	EQ_NUM(max_clients);
	EQ_NUM(max_per_ip);
	EQ_NUM(prefork_spare_min);
	EQ_NUM(prefork_spare_max);
	EQ_NUM(idle_timeout);
	EQ_NUM(data_timeout);
	EQ_NUM(login_timeout);
	EQ_NUM(shutdown_timeout);
	EQ_NUM(login_fail_delay);
	EQ_NUM(max_login_fails);
	EQ_STR(run_as);
	EQ_STR(secure_chroot_dir);
	EQ_NUM(hide_ids);
	EQ_NUM(listing_localtime);
	EQ_NUM(list_threads);
	EQ_STR(banner);
	EQ_NUM(log);
	EQ_NUM(log_level);
	EQ_STR(xferlog);
	EQ_NUM(rate_limit_anon);
	EQ_NUM(rate_limit_user);
	EQ_NUM(daemonize);
	EQ_STR(pid_file);
#undef EQ_NUM
#undef EQ_STR
}

/* ---- defaults ---------------------------------------------------------- */

START_TEST(defaults_have_documented_values)
{
	struct zc_config c;
	char a[64];

	memset(&c, 0xa5, sizeof(c));
	zc_cfg_defaults(&c);
	ck_assert_uint_eq(c.listen.n, 1);
	addr_text(&c.listen.a[0], a, sizeof(a));
	ck_assert_str_eq(a, "127.0.0.1:2121");
	ck_assert_uint_eq(c.tls_implicit_listen.n, 0);
	ck_assert(c.anon_enable);
	ck_assert_str_eq(c.anon_root, ".");
	ck_assert_str_eq(c.users_file, "");
	ck_assert(!c.write_enable);
	ck_assert_uint_eq(c.upload_umask, 022);
	ck_assert_uint_eq(c.pasv_ports.min, 0);
	ck_assert_uint_eq(c.pasv_ports.max, 0);
	ck_assert_uint_eq(c.pasv_address.len, 0);
	ck_assert(c.active_enable);
	ck_assert_int_eq(c.tls_require, ZC_TLS_REQUIRE_NONE);
	ck_assert_int_eq(c.tls_min_version, ZC_TLS_V1_2);
	ck_assert_int_eq(c.ktls, ZC_KTLS_AUTO);
	ck_assert_int_eq(c.transfer_engine, ZC_ENGINE_CFG_AUTO);
	ck_assert_uint_eq(c.drop_behind_threshold, 64ull << 20);
	ck_assert_uint_eq(c.max_clients, 2000);
	ck_assert_uint_eq(c.max_per_ip, 50);
	ck_assert_uint_eq(c.prefork_spare_min, 8);
	ck_assert_uint_eq(c.prefork_spare_max, 32);
	ck_assert_uint_eq(c.idle_timeout, 300);
	ck_assert_uint_eq(c.data_timeout, 60);
	ck_assert_str_eq(c.secure_chroot_dir, ZC_DEFAULT_CHROOT_DIR);
	ck_assert(c.hide_ids);
	ck_assert(!c.listing_localtime);
	ck_assert_uint_eq(c.list_threads, 0); /* auto */
	ck_assert_str_eq(c.banner, "zcftpd ready");
	ck_assert_int_eq(c.log, ZC_LOG_DEST_STDERR);
	ck_assert_int_eq(c.log_level, ZC_LOG_CFG_INFO);
	ck_assert_str_eq(c.xferlog, "");
	ck_assert(!c.daemonize);
	ck_assert_str_eq(c.pid_file, "");
}
END_TEST

START_TEST(defaults_pass_validation)
{
	struct zc_config c;

	zc_cfg_defaults(&c);
	ck_assert_msg(validate(&c) == 0, "%s", err.msg);
}
END_TEST

/* ---- syntax ------------------------------------------------------------ */

START_TEST(parse_comments_and_blank_lines)
{
	struct zc_config c;

	parse_ok(&c, "# a comment\n"
		     "\n"
		     "   \n"
		     "\t\n"
		     "  # an indented comment = with an equals sign\n"
		     "max_clients = 10 # trailing comment\n"
		     "#max_per_ip = 1\n");
	ck_assert_uint_eq(c.max_clients, 10);
	ck_assert_uint_eq(c.max_per_ip, 50);
}
END_TEST

START_TEST(parse_empty_buffer_keeps_defaults)
{
	struct zc_config c, d;

	zc_cfg_defaults(&d);
	parse_ok(&c, "");
	assert_cfg_equal(&c, &d);
	parse_ok(&c, "\n\n# only comments\n");
	assert_cfg_equal(&c, &d);
}
END_TEST

START_TEST(parse_spacing_variants)
{
	struct zc_config c;

	parse_ok(&c, "max_clients=7\n"
		     "max_per_ip = 8\n"
		     "  idle_timeout\t=\t9  \n"
		     "data_timeout    =10");
	ck_assert_uint_eq(c.max_clients, 7);
	ck_assert_uint_eq(c.max_per_ip, 8);
	ck_assert_uint_eq(c.idle_timeout, 9);
	ck_assert_uint_eq(c.data_timeout, 10); /* last line without LF */
}
END_TEST

START_TEST(parse_crlf_line_ends)
{
	struct zc_config c;

	parse_ok(&c, "max_clients = 11\r\n"
		     "anon_enable = no\r\n"
		     "# comment\r\n"
		     "\r\n"
		     "banner = hello there\r\n"
		     "max_per_ip = 4\r");
	ck_assert_uint_eq(c.max_clients, 11);
	ck_assert(!c.anon_enable);
	ck_assert_str_eq(c.banner, "hello there");
	ck_assert_uint_eq(c.max_per_ip, 4);
}
END_TEST

START_TEST(parse_hash_starts_comment_only_at_start_or_after_blank)
{
	struct zc_config c;

	parse_ok(&c, "banner = free#1 server\n");
	ck_assert_str_eq(c.banner, "free#1 server");
	/* "key=#x" is not a comment, but a value starting with '#' could
	 * not be written back by -t, so it is refused */
	zc_cfg_defaults(&c);
	ck_assert_int_eq(parse(&c, "banner=#x\n"), -1);
	parse_ok(&c, "banner = a #b\n");
	ck_assert_str_eq(c.banner, "a");
	parse_ok(&c, "banner = a\t#b\n");
	ck_assert_str_eq(c.banner, "a");
	parse_ok(&c, "banner = #b\n");
	ck_assert_str_eq(c.banner, "");
	parse_ok(&c, "tls_ciphers = HIGH:!aNULL#x\n");
	ck_assert_str_eq(c.tls_ciphers, "HIGH:!aNULL#x");
}
END_TEST

START_TEST(parse_value_keeps_inner_equals_and_blanks)
{
	struct zc_config c;

	parse_ok(&c, "banner = a=b  c\n");
	ck_assert_str_eq(c.banner, "a=b  c");
	parse_ok(&c, "banner =\n");
	ck_assert_str_eq(c.banner, "");
}
END_TEST

START_TEST(parse_same_key_in_two_buffers_later_wins)
{
	struct zc_config c;

	parse_ok(&c, "max_clients = 1\n");
	ck_assert_int_eq(parse(&c, "max_clients = 2\n"), 0);
	ck_assert_uint_eq(c.max_clients, 2);
}
END_TEST

/* ---- error messages ---------------------------------------------------- */

START_TEST(error_unknown_key)
{
	parse_fails_with("max_clients = 1\n\nno_such_key = 1\n",
			 "t.conf:3: no_such_key: unknown key");
	/* keys are case-sensitive */
	parse_fails_with("Max_Clients = 1\n", "t.conf:1: Max_Clients: unknown key");
}
END_TEST

START_TEST(error_bad_value)
{
	parse_fails_with("# x\nmax_clients = abc\n",
			 "t.conf:2: max_clients: 'abc' is not a number");
	parse_fails_with("idle_timeout = 5s\n",
			 "t.conf:1: idle_timeout: '5s' is not a number of seconds");
	parse_fails_with("anon_enable = true\n",
			 "t.conf:1: anon_enable: 'true': expected yes or no");
	parse_fails_with("log = file\n",
			 "t.conf:1: log: expected one of: stderr syslog");
}
END_TEST

START_TEST(error_duplicate_key_in_one_buffer)
{
	parse_fails_with("max_clients = 1\nmax_per_ip = 2\nmax_clients = 1\n",
			 "t.conf:3: max_clients: key given twice in this file");
}
END_TEST

START_TEST(error_line_without_equals)
{
	parse_fails_with("max_clients = 1\nmax_per_ip 2\n",
			 "t.conf:2: expected 'key = value'");
	parse_fails_with("= 5\n", "t.conf:1: expected 'key = value'");
	/* the '=' is inside a comment: no key line */
	parse_fails_with("banner #= x\n", "t.conf:1: expected 'key = value'");
}
END_TEST

START_TEST(error_line_too_long)
{
	struct zc_config c;
	size_t n = ZC_CFG_LINE_MAX + 10;
	char *text = malloc(n + 1);

	ck_assert_ptr_nonnull(text);
	memcpy(text, "banner = ", 9);
	memset(text + 9, 'x', n - 9);
	text[n] = '\0';
	zc_cfg_defaults(&c);
	ck_assert_int_eq(parse(&c, text), -1);
	{
		char want[64];
		snprintf(want, sizeof(want), "t.conf:1: line longer than %d bytes",
			 ZC_CFG_LINE_MAX - 1);
		ck_assert_str_eq(err.msg, want);
	}
	free(text);
}
END_TEST

START_TEST(error_nul_byte_in_line)
{
	struct zc_config c;
	static const char nul[] = "max_clients = 1\nbanner = a\0b\n";

	zc_cfg_defaults(&c);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(zc_cfg_parse_buf(&c, "t.conf", nul, sizeof(nul) - 1,
					  &err),
			 -1);
	ck_assert_str_eq(err.msg, "t.conf:2: NUL byte in line");
}
END_TEST

/* ---- types ------------------------------------------------------------- */

START_TEST(type_bool_yes_no_any_case)
{
	struct zc_config c;

	parse_ok(&c, "anon_enable = NO\nhide_ids = No\nwrite_enable = YES\n"
		     "upload_fsync = yEs\n");
	ck_assert(!c.anon_enable);
	ck_assert(!c.hide_ids);
	ck_assert(c.write_enable);
	ck_assert(c.upload_fsync);
	parse_fails("anon_enable = 1\n");
	parse_fails("anon_enable = on\n");
	parse_fails("anon_enable = y\n");
	parse_fails("anon_enable = yess\n");
	parse_fails("anon_enable =\n");
}
END_TEST

START_TEST(type_uint_range)
{
	struct zc_config c;
	char text[128];

	parse_ok(&c, "max_clients = 0\nmax_login_fails = 1\n");
	ck_assert_uint_eq(c.max_clients, 0);
	ck_assert_uint_eq(c.max_login_fails, 1);
	snprintf(text, sizeof(text), "max_clients = %d\n", ZC_MAX_CLIENTS_LIMIT);
	parse_ok(&c, text);
	ck_assert_uint_eq(c.max_clients, ZC_MAX_CLIENTS_LIMIT);
	snprintf(text, sizeof(text), "max_clients = %d\n",
		 ZC_MAX_CLIENTS_LIMIT + 1);
	zc_cfg_defaults(&c);
	ck_assert_int_eq(parse(&c, text), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "out of range"));
	ck_assert_ptr_nonnull(strstr(err.msg, "t.conf:1: max_clients: "));
	parse_fails_with("list_threads = 17\n",
			 "t.conf:1: list_threads: '17' is out of range 0-16");
	parse_fails_with("max_login_fails = 0\n",
			 "t.conf:1: max_login_fails: '0' is out of range 1-1000");
	parse_fails_with("prefork_spare_max = 0\n",
			 "t.conf:1: prefork_spare_max: '0' is out of range "
			 "1-1000");
	parse_fails("max_clients = -1\n");
	parse_fails("max_clients = +5\n");
	parse_fails("max_clients = 1x\n");
	parse_fails("max_clients = 0x10\n");
	parse_fails("max_clients = 1 000\n");
	parse_fails("max_clients =\n");
	parse_fails("max_clients = 99999999999999999999999\n");
}
END_TEST

START_TEST(type_duration_seconds)
{
	struct zc_config c;

	parse_ok(&c, "idle_timeout = 1\nshutdown_timeout = 0\n"
		     "login_fail_delay = 60\n");
	ck_assert_uint_eq(c.idle_timeout, 1);
	ck_assert_uint_eq(c.shutdown_timeout, 0);
	ck_assert_uint_eq(c.login_fail_delay, 60);
	parse_ok(&c, "idle_timeout = 604800\n");
	ck_assert_uint_eq(c.idle_timeout, 604800);
	parse_fails("idle_timeout = 604801\n");
	parse_fails("idle_timeout = 0\n");
	parse_fails("login_fail_delay = 61\n");
	parse_fails("data_timeout = 1m\n");
}
END_TEST

START_TEST(type_size_suffixes)
{
	struct zc_config c;

	parse_ok(&c, "drop_behind_threshold = 1k\nrate_limit_anon = 2M\n"
		     "rate_limit_user = 3g\n");
	ck_assert_uint_eq(c.drop_behind_threshold, 1024);
	ck_assert_uint_eq(c.rate_limit_anon, 2ull << 20);
	ck_assert_uint_eq(c.rate_limit_user, 3ull << 30);
	parse_ok(&c, "drop_behind_threshold = 0\nrate_limit_anon = 1000\n");
	ck_assert_uint_eq(c.drop_behind_threshold, 0);
	ck_assert_uint_eq(c.rate_limit_anon, 1000);
	parse_fails_with("drop_behind_threshold = 1t\n",
			 "t.conf:1: drop_behind_threshold: '1t' is not a size "
			 "(digits with an optional k, m or g suffix)");
	parse_fails("drop_behind_threshold = k\n");
	parse_fails("drop_behind_threshold = 1.5m\n");
	parse_fails("drop_behind_threshold = -1k\n");
	parse_fails("drop_behind_threshold = 17179869184g\n");
}
END_TEST

START_TEST(type_octal)
{
	struct zc_config c;

	parse_ok(&c, "upload_umask = 077\n");
	ck_assert_uint_eq(c.upload_umask, 077);
	parse_ok(&c, "upload_umask = 0\n");
	ck_assert_uint_eq(c.upload_umask, 0);
	parse_ok(&c, "upload_umask = 0777\n");
	ck_assert_uint_eq(c.upload_umask, 0777);
	parse_fails("upload_umask = 1000\n");
	parse_fails("upload_umask = 8\n");
	parse_fails("upload_umask = 0o22\n");
	parse_fails("upload_umask =\n");
}
END_TEST

START_TEST(type_enum)
{
	struct zc_config c;

	parse_ok(&c, "tls_require = login\ntls_min_version = 1.3\n"
		     "ktls = required\ntransfer_engine = readwrite\n"
		     "log = syslog\nlog_level = debug\n");
	ck_assert_int_eq(c.tls_require, ZC_TLS_REQUIRE_LOGIN);
	ck_assert_int_eq(c.tls_min_version, ZC_TLS_V1_3);
	ck_assert_int_eq(c.ktls, ZC_KTLS_REQUIRED);
	ck_assert_int_eq(c.transfer_engine, ZC_ENGINE_CFG_READWRITE);
	ck_assert_int_eq(c.log, ZC_LOG_DEST_SYSLOG);
	ck_assert_int_eq(c.log_level, ZC_LOG_CFG_DEBUG);
	parse_ok(&c, "transfer_engine = sendfile\n");
	ck_assert_int_eq(c.transfer_engine, ZC_ENGINE_CFG_SENDFILE);
	parse_ok(&c, "transfer_engine = splice\n");
	ck_assert_int_eq(c.transfer_engine, ZC_ENGINE_CFG_SPLICE);
	parse_ok(&c, "transfer_engine = mmap\n");
	ck_assert_int_eq(c.transfer_engine, ZC_ENGINE_CFG_MMAP);
	parse_ok(&c, "log_level = error\n");
	ck_assert_int_eq(c.log_level, ZC_LOG_CFG_ERROR);
	parse_fails_with("tls_require = everything\n",
			 "t.conf:1: tls_require: expected one of: none login "
			 "all");
	parse_fails("transfer_engine = SENDFILE\n");
	parse_fails("tls_min_version = 1.1\n");
	parse_fails("log_level =\n");
}
END_TEST

START_TEST(type_address_list)
{
	struct zc_config c;
	char a[64];

	parse_ok(&c, "listen = 127.0.0.1:21, [::1]:21\n");
	ck_assert_uint_eq(c.listen.n, 2);
	ck_assert_int_eq(c.listen.a[0].ss.ss_family, AF_INET);
	ck_assert_uint_eq(c.listen.a[0].len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(port_of(&c.listen.a[0]), 21);
	addr_text(&c.listen.a[0], a, sizeof(a));
	ck_assert_str_eq(a, "127.0.0.1:21");
	ck_assert_int_eq(c.listen.a[1].ss.ss_family, AF_INET6);
	ck_assert_uint_eq(c.listen.a[1].len, sizeof(struct sockaddr_in6));
	addr_text(&c.listen.a[1], a, sizeof(a));
	ck_assert_str_eq(a, "[::1]:21");

	parse_ok(&c, "listen = 0.0.0.0:2121\n");
	ck_assert_uint_eq(c.listen.n, 1);
	parse_ok(&c, "tls_implicit_listen =\n");
	ck_assert_uint_eq(c.tls_implicit_listen.n, 0);
	parse_ok(&c, "tls_implicit_listen = [2001:db8::1]:990,10.0.0.1:990\n");
	ck_assert_uint_eq(c.tls_implicit_listen.n, 2);
	ck_assert_uint_eq(port_of(&c.tls_implicit_listen.a[1]), 990);
}
END_TEST

START_TEST(type_address_list_rejects)
{
	parse_fails_with("listen =\n",
			 "t.conf:1: listen: at least one address is needed");
	parse_fails("listen = localhost:21\n");
	parse_fails("listen = 127.0.0.1\n");
	parse_fails("listen = [::1]\n");
	parse_fails("listen = ::1:21\n");
	parse_fails("listen = 127.0.0.1:65536\n");
	parse_fails("listen = 127.0.0.1:-1\n");
	parse_fails("listen = 127.0.0.1:21,,127.0.0.2:21\n");
	parse_fails("listen = 127.0.0.1:21 127.0.0.2:21\n");
	parse_fails("listen = 256.0.0.1:21\n");
}
END_TEST

START_TEST(type_address_list_at_most_listen_max)
{
	struct zc_config c;
	char text[2048];
	size_t used = (size_t)snprintf(text, sizeof(text), "listen = ");

	for (int i = 0; i < ZC_LISTEN_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "%s127.0.0.%d:21", i ? ", " : "",
					 i + 1);
	snprintf(text + used, sizeof(text) - used, "\n");
	parse_ok(&c, text);
	ck_assert_uint_eq(c.listen.n, ZC_LISTEN_MAX);
	snprintf(text + used, sizeof(text) - used, ", 127.0.1.1:21\n");
	zc_cfg_defaults(&c);
	ck_assert_int_eq(parse(&c, text), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 16 addresses"));
}
END_TEST

START_TEST(type_pasv_ports)
{
	struct zc_config c;

	parse_ok(&c, "pasv_ports = 30000-30100\n");
	ck_assert_uint_eq(c.pasv_ports.min, 30000);
	ck_assert_uint_eq(c.pasv_ports.max, 30100);
	parse_ok(&c, "pasv_ports = 1024-65535\n");
	ck_assert_uint_eq(c.pasv_ports.min, 1024);
	ck_assert_uint_eq(c.pasv_ports.max, 65535);
	parse_ok(&c, "pasv_ports = 40000-40000\n");
	ck_assert_uint_eq(c.pasv_ports.min, 40000);
	ck_assert_uint_eq(c.pasv_ports.max, 40000);
	parse_ok(&c, "pasv_ports = 30000-30100\n");
	ck_assert_int_eq(parse(&c, "pasv_ports =\n"), 0);
	ck_assert_uint_eq(c.pasv_ports.min, 0);
	ck_assert_uint_eq(c.pasv_ports.max, 0);
}
END_TEST

START_TEST(type_pasv_ports_rejects)
{
	parse_fails_with("pasv_ports = 30100-30000\n",
			 "t.conf:1: pasv_ports: MIN is greater than MAX");
	parse_fails_with("pasv_ports = 1023-2000\n",
			 "t.conf:1: pasv_ports: expected MIN-MAX with ports in "
			 "1024-65535");
	parse_fails("pasv_ports = 2000-65536\n");
	parse_fails("pasv_ports = 0-0\n");
	parse_fails("pasv_ports = 30000\n");
	parse_fails("pasv_ports = 30000-\n");
	parse_fails("pasv_ports = -30000\n");
	parse_fails("pasv_ports = 30000 - 30100\n");
	parse_fails("pasv_ports = 30000-30100-30200\n");
	parse_fails("pasv_ports = a-b\n");
}
END_TEST

START_TEST(type_pasv_address)
{
	struct zc_config c;
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;
	struct in6_addr want6;

	parse_ok(&c, "pasv_address = 192.0.2.1\n");
	ck_assert_int_eq(c.pasv_address.ss.ss_family, AF_INET);
	ck_assert_uint_eq(c.pasv_address.len, sizeof(struct sockaddr_in));
	s4 = (const struct sockaddr_in *)(const void *)&c.pasv_address.ss;
	ck_assert_uint_eq(ntohl(s4->sin_addr.s_addr), 0xc0000201u);

	parse_ok(&c, "pasv_address = 2001:db8::1\n");
	ck_assert_int_eq(c.pasv_address.ss.ss_family, AF_INET6);
	ck_assert_uint_eq(c.pasv_address.len, sizeof(struct sockaddr_in6));
	s6 = (const struct sockaddr_in6 *)(const void *)&c.pasv_address.ss;
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &want6), 1);
	ck_assert_mem_eq(&s6->sin6_addr, &want6, sizeof(want6));

	parse_ok(&c, "pasv_address = [2001:db8::1]\n");
	ck_assert_int_eq(c.pasv_address.ss.ss_family, AF_INET6);

	parse_ok(&c, "pasv_address = 192.0.2.1\n");
	ck_assert_int_eq(parse(&c, "pasv_address =\n"), 0);
	ck_assert_uint_eq(c.pasv_address.len, 0);

	parse_fails("pasv_address = ftp.example.com\n");
	parse_fails("pasv_address = 192.0.2.1:21\n");
	parse_fails("pasv_address = 192.0.2\n");
}
END_TEST

START_TEST(type_string_rejects_control_and_overlong)
{
	struct zc_config c;
	char text[700];

	parse_fails_with("banner = a\tb\n",
			 "t.conf:1: banner: control characters in value");
	parse_fails("banner = a\x01" "b\n");
	parse_fails("banner = a\x7f" "b\n");
	/* banner is char[512]: 511 bytes fit, 512 do not */
	memcpy(text, "banner = ", 9);
	memset(text + 9, 'b', 511);
	text[9 + 511] = '\0';
	parse_ok(&c, text);
	ck_assert_uint_eq(strlen(c.banner), 511);
	memset(text + 9, 'b', 512);
	text[9 + 512] = '\0';
	parse_fails_with(text, "t.conf:1: banner: value longer than 511 bytes");
}
END_TEST

/* ---- -o overrides ------------------------------------------------------- */

START_TEST(override_sets_and_later_wins)
{
	struct zc_config c;

	zc_cfg_defaults(&c);
	ck_assert_int_eq(override(&c, "max_clients=5"), 0);
	ck_assert_uint_eq(c.max_clients, 5);
	ck_assert_int_eq(override(&c, " max_clients = 6 "), 0);
	ck_assert_uint_eq(c.max_clients, 6);
	ck_assert_int_eq(override(&c, "banner=a=b"), 0);
	ck_assert_str_eq(c.banner, "a=b");
	ck_assert_int_eq(override(&c, "listen=[::1]:21"), 0);
	ck_assert_uint_eq(c.listen.n, 1);
	ck_assert_int_eq(c.listen.a[0].ss.ss_family, AF_INET6);
}
END_TEST

START_TEST(override_overrides_file)
{
	struct zc_config c;

	parse_ok(&c, "max_clients = 1\n");
	ck_assert_int_eq(override(&c, "max_clients=2"), 0);
	ck_assert_uint_eq(c.max_clients, 2);
}
END_TEST

START_TEST(override_error_messages)
{
	struct zc_config c;

	zc_cfg_defaults(&c);
	ck_assert_int_eq(override(&c, "no_such=1"), -1);
	ck_assert_str_eq(err.msg, "-o no_such: unknown key");
	ck_assert_int_eq(override(&c, "max_clients=lots"), -1);
	ck_assert_str_eq(err.msg, "-o max_clients: 'lots' is not a number");
	ck_assert_int_eq(override(&c, "anon_enable=maybe"), -1);
	ck_assert_str_eq(err.msg, "-o anon_enable: 'maybe': expected yes or no");
	ck_assert_int_eq(override(&c, "max_clients"), -1);
	ck_assert_str_eq(err.msg, "-o max_clients: expected KEY=VALUE");
	ck_assert_uint_eq(c.max_clients, 2000); /* untouched */
}
END_TEST

START_TEST(override_too_long)
{
	struct zc_config c;
	char *kv = malloc(ZC_CFG_LINE_MAX + 100);

	ck_assert_ptr_nonnull(kv);
	memcpy(kv, "banner=", 7);
	memset(kv + 7, 'b', ZC_CFG_LINE_MAX + 100 - 8);
	kv[ZC_CFG_LINE_MAX + 100 - 1] = '\0';
	zc_cfg_defaults(&c);
	ck_assert_int_eq(override(&c, kv), -1);
	ck_assert_int_eq(strncmp(err.msg, "-o banner=bbb", 13), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "too long"));
	ck_assert_uint_lt(strlen(err.msg), 200);
	ck_assert_str_eq(c.banner, "zcftpd ready");
	free(kv);
}
END_TEST

/* ---- cross-key validation ----------------------------------------------- */

START_TEST(validate_prefork_spare_min_above_max)
{
	struct zc_config c;

	parse_ok(&c, "prefork_spare_min = 10\nprefork_spare_max = 10\n");
	ck_assert_int_eq(validate(&c), 0);
	parse_ok(&c, "prefork_spare_min = 11\nprefork_spare_max = 10\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "prefork_spare_min"));
	ck_assert_ptr_nonnull(strstr(err.msg, "prefork_spare_max"));
}
END_TEST

START_TEST(validate_tls_cert_and_key_together)
{
	struct zc_config c;

	parse_ok(&c, "tls_cert = /etc/ssl/c.pem\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "tls_key"));
	parse_ok(&c, "tls_key = /etc/ssl/k.pem\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "tls_cert"));
	parse_ok(&c, "tls_cert = /etc/ssl/c.pem\ntls_key = /etc/ssl/k.pem\n");
	ck_assert_int_eq(validate(&c), 0);
}
END_TEST

START_TEST(validate_tls_features_need_a_certificate)
{
	struct zc_config c;

	parse_ok(&c, "tls_implicit_listen = 127.0.0.1:990\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "tls_implicit_listen"));
	parse_ok(&c, "tls_require = login\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "tls_require = login"));
	parse_ok(&c, "tls_require = all\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "tls_require = all"));
	parse_ok(&c, "tls_require = none\nktls = required\n");
	ck_assert_int_eq(validate(&c), 0);
	parse_ok(&c, "tls_cert = /c.pem\ntls_key = /k.pem\ntls_require = all\n"
		     "tls_implicit_listen = 127.0.0.1:990\n");
	ck_assert_int_eq(validate(&c), 0);
}
END_TEST

START_TEST(validate_paths_must_be_absolute)
{
	struct zc_config c;

	parse_ok(&c, "secure_chroot_dir = run/empty\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "secure_chroot_dir"));
	parse_ok(&c, "secure_chroot_dir =\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "secure_chroot_dir"));
	parse_ok(&c, "secure_chroot_dir = /var/empty\n");
	ck_assert_int_eq(validate(&c), 0);

	parse_ok(&c, "pid_file = zcftpd.pid\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "pid_file"));
	parse_ok(&c, "pid_file = /run/zcftpd.pid\n");
	ck_assert_int_eq(validate(&c), 0);

	parse_ok(&c, "xferlog = ./xferlog\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "xferlog"));
	parse_ok(&c, "xferlog = /var/log/xferlog\n");
	ck_assert_int_eq(validate(&c), 0);
}
END_TEST

START_TEST(validate_daemonize_needs_syslog)
{
	struct zc_config c;

	parse_ok(&c, "daemonize = yes\n");
	ck_assert_int_eq(validate(&c), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "daemonize"));
	ck_assert_ptr_nonnull(strstr(err.msg, "syslog"));
	parse_ok(&c, "daemonize = yes\nlog = syslog\n");
	ck_assert_int_eq(validate(&c), 0);
}
END_TEST

/* ---- dump --------------------------------------------------------------- */

/* Every key away from its default (keep one line per key). */
static const char every_key_changed[] =
	"listen = 192.0.2.1:21, [2001:db8::2]:2121\n"
	"tls_implicit_listen = 127.0.0.1:990\n"
	"anon_enable = no\n"
	"anon_root = /srv/ftp pub\n"
	"users_file = /etc/zcftpd/users\n"
	"write_enable = yes\n"
	"upload_umask = 007\n"
	"upload_atomic = no\n"
	"upload_fsync = yes\n"
	"pasv_ports = 40000-40100\n"
	"pasv_address = 2001:db8::7\n"
	"active_enable = no\n"
	"active_from_port_20 = yes\n"
	"tls_cert = /etc/ssl/c.pem\n"
	"tls_key = /etc/ssl/k.pem\n"
	"tls_require = all\n"
	"tls_require_anon = yes\n"
	"tls_require_reuse = no\n"
	"tls_min_version = 1.3\n"
	"tls_ciphers = HIGH:!aNULL:!MD5\n"
	"tls_ciphersuites = TLS_AES_256_GCM_SHA384\n"
	"ktls = required\n"
	"transfer_engine = splice\n"
	"drop_behind_threshold = 1000\n"
	"max_clients = 10\n"
	"max_per_ip = 3\n"
	"prefork_spare_min = 2\n"
	"prefork_spare_max = 5\n"
	"idle_timeout = 604800\n"
	"data_timeout = 1\n"
	"login_timeout = 86400\n"
	"shutdown_timeout = 0\n"
	"login_fail_delay = 60\n"
	"max_login_fails = 1000\n"
	"run_as = ftpuser\n"
	"secure_chroot_dir = /var/empty\n"
	"hide_ids = no\n"
	"listing_localtime = yes\n"
	"list_threads = 3\n"
	"banner = Welcome to  the FTP server!\n"
	"log = syslog\n"
	"log_level = debug\n"
	"xferlog = /var/log/xferlog\n"
	"rate_limit_anon = 1536k\n"
	"rate_limit_user = 2g\n"
	"daemonize = yes\n"
	"pid_file = /run/zcftpd.pid\n";

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

START_TEST(dump_one_line_per_key_in_table_order)
{
	struct zc_config c;
	char *out, *line;
	size_t i = 0;

	zc_cfg_defaults(&c);
	out = dump(&c);
	ck_assert_uint_eq(count_lines(out), zc_cfg_key_count());
	for (line = out; *line != '\0'; i++) {
		char *nl = strchr(line, '\n');
		const char *name = zc_cfg_key_name(i);
		size_t nlen = strlen(name);

		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(strncmp(line, name, nlen) == 0 &&
				      strncmp(line + nlen, " = ", 3) == 0,
			      "line %zu does not start with '%s = '", i, name);
		line = nl + 1;
	}
	ck_assert_int_eq(strncmp(out, "listen = 127.0.0.1:2121\n", 24), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nupload_umask = 022\n"));
	ck_assert_ptr_nonnull(strstr(out, "\ndrop_behind_threshold = 64m\n"));
	ck_assert_ptr_nonnull(strstr(out, "\npasv_ports = \n"));
	free(out);
}
END_TEST

START_TEST(dump_round_trip_defaults)
{
	struct zc_config a, b;
	char *out;

	zc_cfg_defaults(&a);
	out = dump(&a);
	memset(&b, 0, sizeof(b));
	ck_assert_msg(parse(&b, out) == 0, "%s", err.msg);
	assert_cfg_equal(&a, &b);
	free(out);
}
END_TEST

START_TEST(dump_round_trip_every_key_changed)
{
	struct zc_config a, b, def;
	char *out, *out2, *defout;

	parse_ok(&a, every_key_changed);
	/* the fixture really touches every key */
	ck_assert_uint_eq(count_lines(every_key_changed), zc_cfg_key_count());
	zc_cfg_defaults(&def);
	out = dump(&a);
	defout = dump(&def);
	{
		char *p = out, *q = defout;
		for (size_t i = 0; i < zc_cfg_key_count(); i++) {
			char *pn = strchr(p, '\n'), *qn = strchr(q, '\n');
			ck_assert_msg((pn - p) != (qn - q) ||
					      memcmp(p, q, (size_t)(pn - p)) != 0,
				      "key %s is at its default in the fixture",
				      zc_cfg_key_name(i));
			p = pn + 1;
			q = qn + 1;
		}
	}
	zc_cfg_defaults(&b);
	ck_assert_msg(parse(&b, out) == 0, "%s\n%s", err.msg, out);
	assert_cfg_equal(&a, &b);
	out2 = dump(&b);
	ck_assert_str_eq(out, out2);
	free(out);
	free(out2);
	free(defout);
}
END_TEST

START_TEST(dump_sizes_use_largest_exact_suffix)
{
	struct zc_config c;
	char *out;

	parse_ok(&c, "drop_behind_threshold = 3072m\nrate_limit_anon = 1536k\n"
		     "rate_limit_user = 1025\n");
	out = dump(&c);
	ck_assert_ptr_nonnull(strstr(out, "\ndrop_behind_threshold = 3g\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nrate_limit_anon = 1536k\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nrate_limit_user = 1025\n"));
	free(out);
}
END_TEST

/* A value that a config file would cut at '#' (cfg.h: the dump "parses
 * back to the same config") is refused, with -o as in a file. */
START_TEST(dump_round_trip_value_with_hash_from_override)
{
	struct zc_config a, b;
	char *out;

	zc_cfg_defaults(&a);
	ck_assert_int_eq(override(&a, "banner=FTP #1 server"), -1);
	ck_assert_str_eq(err.msg, "-o banner: '#' at the start of a value or "
				  "after a blank starts a comment");
	ck_assert_int_eq(override(&a, "banner=#1"), -1);
	/* a '#' inside a word is plain text and survives the round trip */
	ck_assert_int_eq(override(&a, "banner=FTP#1 server"), 0);
	out = dump(&a);
	zc_cfg_defaults(&b);
	ck_assert_msg(parse(&b, out) == 0, "%s", err.msg);
	ck_assert_str_eq(b.banner, "FTP#1 server");
	free(out);
}
END_TEST

/* The longest path -o accepts (the field holds PATH_MAX - 1 bytes) must
 * survive -t and re-parse too. */
START_TEST(dump_round_trip_longest_override_path)
{
	struct zc_config a, b;
	char kv[PATH_MAX + 16];
	char *out;
	size_t klen = strlen("anon_root=");
	size_t vlen = sizeof(a.anon_root) - 1;

	memcpy(kv, "anon_root=", klen);
	kv[klen] = '/';
	memset(kv + klen + 1, 'p', vlen - 1);
	kv[klen + vlen] = '\0';
	zc_cfg_defaults(&a);
	ck_assert_msg(override(&a, kv) == 0, "%s", err.msg);
	ck_assert_uint_eq(strlen(a.anon_root), vlen);
	kv[klen + vlen] = 'p'; /* one byte more is refused */
	kv[klen + vlen + 1] = '\0';
	zc_cfg_defaults(&b);
	ck_assert_int_eq(override(&b, kv), -1);
	out = dump(&a);
	zc_cfg_defaults(&b);
	ck_assert_msg(parse(&b, out) == 0, "%s", err.msg);
	ck_assert_str_eq(b.anon_root, a.anon_root);
	free(out);
}
END_TEST

/* ---- key table ----------------------------------------------------------- */

START_TEST(key_names_unique_and_well_formed)
{
	size_t n = zc_cfg_key_count();

	ck_assert_uint_gt(n, 40);
	ck_assert_str_eq(zc_cfg_key_name(0), "listen");
	ck_assert_ptr_null(zc_cfg_key_name(n));
	ck_assert_ptr_null(zc_cfg_key_name((size_t)-1));
	for (size_t i = 0; i < n; i++) {
		const char *name = zc_cfg_key_name(i);

		ck_assert_ptr_nonnull(name);
		ck_assert_uint_gt(strlen(name), 0);
		ck_assert_msg(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_")
				      == strlen(name),
			      "key '%s' has odd characters", name);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(name, zc_cfg_key_name(j));
	}
}
END_TEST

START_TEST(every_key_is_known_to_the_parser)
{
	struct zc_config c;

	zc_cfg_defaults(&c);
	for (size_t i = 0; i < zc_cfg_key_count(); i++) {
		char kv[128];

		snprintf(kv, sizeof(kv), "%s=", zc_cfg_key_name(i));
		/* may fail on the empty value, but never as unknown */
		if (override(&c, kv) < 0)
			ck_assert_msg(strstr(err.msg, "unknown key") == NULL,
				      "%s", err.msg);
	}
}
END_TEST

/* ---- addresses ----------------------------------------------------------- */

START_TEST(addr_parse_and_format_round_trip)
{
	static const char *const ok[][2] = {
		{"127.0.0.1:21", "127.0.0.1:21"},
		{"0.0.0.0:0", "0.0.0.0:0"},
		{"192.0.2.10:65535", "192.0.2.10:65535"},
		{"[::1]:2121", "[::1]:2121"},
		{"[::]:21", "[::]:21"},
		{"[2001:DB8::1]:0", "[2001:db8::1]:0"},
		{"[::ffff:1.2.3.4]:21", "[::ffff:1.2.3.4]:21"},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct zc_addr a;
		char text[64];

		ck_assert_msg(zc_cfg_addr_parse(ok[i][0], &a) == 0, "%s",
			      ok[i][0]);
		zc_cfg_addr_format(&a, text, sizeof(text));
		ck_assert_str_eq(text, ok[i][1]);
	}
}
END_TEST

START_TEST(addr_parse_rejects)
{
	static const char *const bad[] = {
		"", ":21", "1.2.3.4:", "1.2.3.4:x", "1.2.3.4:65536",
		"1.2.3.4:-1", "1.2.3.4:+1", "1.2.3.4: 21", "1.2.3.4",
		"localhost:21", "::1:21", "[::1]21", "[::1]", "[]:21",
		"[::1:21", "[1.2.3.4]:21", "1.2.3:21", "[::1]:", "[zz::1]:21",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zc_addr a;

		errno = 0;
		ck_assert_msg(zc_cfg_addr_parse(bad[i], &a) == -1,
			      "'%s' accepted", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

START_TEST(addr_format_unknown_family_and_small_buffer)
{
	struct zc_addr a;
	char text[8];

	memset(&a, 0, sizeof(a));
	zc_cfg_addr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text, "?");
	ck_assert_int_eq(zc_cfg_addr_parse("192.168.100.200:21", &a), 0);
	memset(text, 'Z', sizeof(text));
	zc_cfg_addr_format(&a, text, sizeof(text));
	ck_assert_uint_eq(strlen(text), sizeof(text) - 1);
	ck_assert_str_eq(text, "192.168");
}
END_TEST

START_TEST(addr_list_equal_compares_order_and_content)
{
	struct zc_config a, b;

	parse_ok(&a, "listen = 127.0.0.1:21, [::1]:21\n");
	parse_ok(&b, "listen = 127.0.0.1:21,[::1]:21\n");
	ck_assert(zc_cfg_addr_list_equal(&a.listen, &b.listen));
	parse_ok(&b, "listen = [::1]:21, 127.0.0.1:21\n");
	ck_assert(!zc_cfg_addr_list_equal(&a.listen, &b.listen));
	parse_ok(&b, "listen = 127.0.0.1:21\n");
	ck_assert(!zc_cfg_addr_list_equal(&a.listen, &b.listen));
	parse_ok(&b, "listen = 127.0.0.1:22, [::1]:21\n");
	ck_assert(!zc_cfg_addr_list_equal(&a.listen, &b.listen));
}
END_TEST

/* ---- planned keys -------------------------------------------------------- */

struct planned_seen {
	char keys[16][64];
	size_t n;
	bool why_ok;
};

static void
collect_planned(const char *key, const char *why, void *ctx)
{
	struct planned_seen *p = ctx;

	if (p->n < 16)
		snprintf(p->keys[p->n], sizeof(p->keys[0]), "%s", key);
	p->n++;
	if (why == NULL || why[0] == '\0')
		p->why_ok = false;
}

static bool
planned_has(const struct planned_seen *p, const char *key)
{
	for (size_t i = 0; i < p->n && i < 16; i++)
		if (strcmp(p->keys[i], key) == 0)
			return true;
	return false;
}

START_TEST(report_planned_silent_for_defaults)
{
	struct zc_config c;
	struct planned_seen p = {.why_ok = true};

	zc_cfg_defaults(&c);
	zc_cfg_report_planned(&c, collect_planned, &p);
	ck_assert_uint_eq(p.n, 0);
	/* a planned key set to its default value explicitly is no news */
	parse_ok(&c, "write_enable = no\ntls_require = none\n"
		     "upload_umask = 022\n");
	zc_cfg_report_planned(&c, collect_planned, &p);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

START_TEST(report_planned_names_changed_planned_keys_only)
{
	struct zc_config c;
	struct planned_seen p = {.why_ok = true};

	/* every feature is built in this version: nothing is reported,
	 * whatever is set */
	parse_ok(&c, "active_from_port_20 = yes\nupload_fsync = yes\n"
		     "write_enable = yes\nmax_clients = 1\n"
		     "transfer_engine = mmap\ntls_cert = /c.pem\n"
		     "tls_key = /k.pem\nusers_file = /u\n"
		     "rate_limit_user = 1m\n");
	zc_cfg_report_planned(&c, collect_planned, &p);
	ck_assert_uint_eq(p.n, 0);
	ck_assert(!planned_has(&p, "active_from_port_20"));
	for (size_t i = 0; i < zc_cfg_key_count(); i++)
		ck_assert_msg(zc_cfg_keys[i].planned == NULL, "%s is planned",
			      zc_cfg_keys[i].name);
}
END_TEST

/* ---- files --------------------------------------------------------------- */

static char tmpdir[64];

static void
tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zc-test-cfg-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	test_rm_tree(tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(parse_file_reads_a_file)
{
	struct zc_config c;
	char path[128];

	snprintf(path, sizeof(path), "%s/ok.conf", tmpdir);
	write_file(path, "# test\nmax_clients = 12\nbanner = from file\n");
	zc_cfg_defaults(&c);
	ck_assert_msg(zc_cfg_parse_file(&c, path, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.max_clients, 12);
	ck_assert_str_eq(c.banner, "from file");
}
END_TEST

START_TEST(parse_file_errors_name_the_file_and_line)
{
	struct zc_config c;
	char path[128], want[256];

	snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	write_file(path, "max_clients = 12\n\nmax_per_ip = many\n");
	zc_cfg_defaults(&c);
	ck_assert_int_eq(zc_cfg_parse_file(&c, path, &err), -1);
	snprintf(want, sizeof(want), "%s:3: max_per_ip: 'many' is not a number",
		 path);
	ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(parse_file_missing)
{
	struct zc_config c;
	char path[128];

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	zc_cfg_defaults(&c);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(zc_cfg_parse_file(&c, path, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
}
END_TEST

START_TEST(parse_file_directory)
{
	struct zc_config c;

	zc_cfg_defaults(&c);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(zc_cfg_parse_file(&c, tmpdir, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, tmpdir));
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
}
END_TEST

START_TEST(parse_file_too_big)
{
	struct zc_config c;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/big.conf", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 40000; i++)
		fputs("# padding padding padding padding\n", f);
	ck_assert_int_eq(fclose(f), 0);
	zc_cfg_defaults(&c);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(zc_cfg_parse_file(&c, path, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "larger than"));
}
END_TEST

START_TEST(finish_resolves_anon_root)
{
	struct zc_config c;
	char sub[128], kv[200], file[128];

	snprintf(sub, sizeof(sub), "%s/root", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(kv, sizeof(kv), "anon_root=%s/./root/", tmpdir);
	zc_cfg_defaults(&c);
	ck_assert_int_eq(override(&c, kv), 0);
	ck_assert_msg(zc_cfg_finish(&c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.anon_root, sub);
	ck_assert_uint_gt(strlen(c.run_as), 0);

	snprintf(file, sizeof(file), "%s/plain", tmpdir);
	write_file(file, "x");
	snprintf(kv, sizeof(kv), "anon_root=%s", file);
	zc_cfg_defaults(&c);
	ck_assert_int_eq(override(&c, kv), 0);
	ck_assert_int_eq(zc_cfg_finish(&c, &err), -1);
	snprintf(kv, sizeof(kv), "anon_root=%s/nowhere", tmpdir);
	zc_cfg_defaults(&c);
	ck_assert_int_eq(override(&c, kv), 0);
	ck_assert_int_eq(zc_cfg_finish(&c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "anon_root"));
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc;

	tc = tcase_create("defaults");
	tcase_add_test(tc, defaults_have_documented_values);
	tcase_add_test(tc, defaults_pass_validation);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, parse_comments_and_blank_lines);
	tcase_add_test(tc, parse_empty_buffer_keeps_defaults);
	tcase_add_test(tc, parse_spacing_variants);
	tcase_add_test(tc, parse_crlf_line_ends);
	tcase_add_test(tc, parse_hash_starts_comment_only_at_start_or_after_blank);
	tcase_add_test(tc, parse_value_keeps_inner_equals_and_blanks);
	tcase_add_test(tc, parse_same_key_in_two_buffers_later_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, error_unknown_key);
	tcase_add_test(tc, error_bad_value);
	tcase_add_test(tc, error_duplicate_key_in_one_buffer);
	tcase_add_test(tc, error_line_without_equals);
	tcase_add_test(tc, error_line_too_long);
	tcase_add_test(tc, error_nul_byte_in_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("types");
	tcase_add_test(tc, type_bool_yes_no_any_case);
	tcase_add_test(tc, type_uint_range);
	tcase_add_test(tc, type_duration_seconds);
	tcase_add_test(tc, type_size_suffixes);
	tcase_add_test(tc, type_octal);
	tcase_add_test(tc, type_enum);
	tcase_add_test(tc, type_address_list);
	tcase_add_test(tc, type_address_list_rejects);
	tcase_add_test(tc, type_address_list_at_most_listen_max);
	tcase_add_test(tc, type_pasv_ports);
	tcase_add_test(tc, type_pasv_ports_rejects);
	tcase_add_test(tc, type_pasv_address);
	tcase_add_test(tc, type_string_rejects_control_and_overlong);
	suite_add_tcase(s, tc);

	tc = tcase_create("override");
	tcase_add_test(tc, override_sets_and_later_wins);
	tcase_add_test(tc, override_overrides_file);
	tcase_add_test(tc, override_error_messages);
	tcase_add_test(tc, override_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_test(tc, validate_prefork_spare_min_above_max);
	tcase_add_test(tc, validate_tls_cert_and_key_together);
	tcase_add_test(tc, validate_tls_features_need_a_certificate);
	tcase_add_test(tc, validate_paths_must_be_absolute);
	tcase_add_test(tc, validate_daemonize_needs_syslog);
	suite_add_tcase(s, tc);

	tc = tcase_create("dump");
	tcase_add_test(tc, dump_one_line_per_key_in_table_order);
	tcase_add_test(tc, dump_round_trip_defaults);
	tcase_add_test(tc, dump_round_trip_every_key_changed);
	tcase_add_test(tc, dump_sizes_use_largest_exact_suffix);
	tcase_add_test(tc, dump_round_trip_value_with_hash_from_override);
	tcase_add_test(tc, dump_round_trip_longest_override_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, key_names_unique_and_well_formed);
	tcase_add_test(tc, every_key_is_known_to_the_parser);
	suite_add_tcase(s, tc);

	tc = tcase_create("addr");
	tcase_add_test(tc, addr_parse_and_format_round_trip);
	tcase_add_test(tc, addr_parse_rejects);
	tcase_add_test(tc, addr_format_unknown_family_and_small_buffer);
	tcase_add_test(tc, addr_list_equal_compares_order_and_content);
	suite_add_tcase(s, tc);

	tc = tcase_create("planned");
	tcase_add_test(tc, report_planned_silent_for_defaults);
	tcase_add_test(tc, report_planned_names_changed_planned_keys_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	/* unchecked: runs in the parent, so a failed test cannot leak it */
	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, parse_file_reads_a_file);
	tcase_add_test(tc, parse_file_errors_name_the_file_and_line);
	tcase_add_test(tc, parse_file_missing);
	tcase_add_test(tc, parse_file_directory);
	tcase_add_test(tc, parse_file_too_big);
	tcase_add_test(tc, finish_resolves_anon_root);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
