/*
 * main.c: command line, -t, -V, and the hand-off to the master. The only
 * file not in libzcftpd.a.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <openssl/crypto.h>

#include "cfg.h"
#include "cmdline.h"
#include "fds.h"
#include "log.h"
#include "master.h"
#include "netfeat.h"
#include "privdrop.h"
#include "probe.h"
#include "tls.h"

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* Per listening address (of the configuration given with -c/-o, else
 * the built-in default): the interface its traffic leaves by and what
 * it offers sendfile and kernel TLS. */
static void
print_nic_features(const struct zc_cmdline *cl)
{
	struct zc_config *cfg = malloc(sizeof(*cfg));
	struct zc_cfg_error err;
	const struct zc_addr_list *lists[2];

	if (cfg == NULL)
		return;
	if (zc_master_load_config(cl, cfg, &err) < 0) {
		printf("network: (configuration not usable: %s)\n", err.msg);
		free(cfg);
		return;
	}
	lists[0] = &cfg->listen;
	lists[1] = &cfg->tls_implicit_listen;
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			char name[INET6_ADDRSTRLEN + 16], desc[256];
			zc_cfg_addr_format(&lists[l]->a[i], name, sizeof(name));
			zc_netfeat_describe(&lists[l]->a[i].ss, desc, sizeof(desc));
			printf("network: %s: %s\n", name, desc);
		}
	free(cfg);
}

static void
print_version(const struct zc_cmdline *cl)
{
	struct zc_probe p;
	struct utsname u;

	zc_probe_kernel(&p);
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	printf("%s %s\n", ZC_NAME, PACKAGE_VERSION);
	printf("compiled with: %s; kTLS support %s; libcap %d.%d\n",
	       OpenSSL_version(OPENSSL_VERSION),
#ifdef ZC_HAVE_KTLS
	       "compiled in",
#else
	       "not compiled in",
#endif
	       LIBCAP_MAJOR, LIBCAP_MINOR);
	printf("kernel %s offers: sendfile %s, splice %s, openat2 %s, "
	       "kTLS TX %s, kTLS RX %s%s%s%s\n",
	       u.release, yes_no(p.sendfile), yes_no(p.splice), yes_no(p.openat2),
	       yes_no(p.ktls_tx), yes_no(p.ktls_rx),
	       p.ktls_why[0] != '\0' ? " (" : "", p.ktls_why,
	       p.ktls_why[0] != '\0' ? ")" : "");
	if (p.ktls_tx)
		printf("FTPS: explicit (AUTH TLS) and implicit; PROT P downloads "
		       "use ktls-sendfile on this kernel (tls-copy with "
		       "ktls=off)\n");
	else
		printf("FTPS: explicit (AUTH TLS) and implicit; PROT P downloads "
		       "use tls-copy on this kernel (no kernel TLS)\n");
	print_nic_features(cl);
}

/* Say which path encrypted downloads take here; ktls=required without
 * kernel TLS is a start-up error. */
static int
report_tls_path(const struct zc_config *cfg, const struct zc_probe *p)
{
	if (cfg->tls_cert[0] == '\0')
		return 0;
	if (cfg->ktls == ZC_KTLS_REQUIRED && !p->ktls_tx) {
		zc_log_errorx("ktls = required, but this kernel offers no kernel "
			      "TLS (%s): use ktls = auto to fall back to "
			      "tls-copy", p->ktls_why[0] != '\0' ? p->ktls_why
								 : "TLS_TX refused");
		return -1;
	}
	if (cfg->ktls == ZC_KTLS_OFF)
		zc_log_info("FTPS: PROT P downloads use tls-copy (ktls = off)");
	else if (p->ktls_tx)
		zc_log_info("FTPS: PROT P downloads use kernel TLS "
			    "(engine ktls-sendfile; tls-copy when a "
			    "connection's cipher is not offloaded)");
	else
		zc_log_info("FTPS: PROT P downloads use tls-copy: this kernel "
			    "offers no kernel TLS (%s)", p->ktls_why);
	return 0;
}

int
main(int argc, char **argv)
{
	struct zc_cmdline cl;
	struct zc_config *cfg = NULL;
	struct zc_cfg_error err;
	struct zc_probe probe;
	char msg[512];
	int rc;

	/* before anything is opened: nothing inherited reaches a worker */
	if (zc_fds_sanitize() < 0) {
		perror(ZC_NAME ": closing inherited descriptors");
		return 1;
	}
	if (zc_cmdline_parse(argc, argv, &cl, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "%s: %s\n%s", ZC_NAME, msg, zc_cmdline_usage());
		return 2;
	}
	if (cl.help) {
		fputs(zc_cmdline_usage(), stdout);
		return 0;
	}
	if (cl.version) {
		print_version(&cl);
		return 0;
	}
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL) {
		fprintf(stderr, "%s: out of memory\n", ZC_NAME);
		return 1;
	}
	if (zc_master_load_config(&cl, cfg, &err) < 0) {
		fprintf(stderr, "%s: %s\n", ZC_NAME, err.msg);
		free(cfg);
		return 2;
	}
	if (cl.check_only) {
		/* started as root, workers will need the run_as account */
		struct zc_identity id;
		if (zc_privdrop_is_root() &&
		    zc_privdrop_resolve(cfg->run_as, &id, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "%s: %s\n", ZC_NAME, msg);
			free(cfg);
			return 2;
		}
		/* the certificate, key and cipher strings must load too */
		if (cfg->tls_cert[0] != '\0') {
			SSL_CTX *ctx = zc_tls_ctx_new(cfg, msg, sizeof(msg));
			if (ctx == NULL) {
				fprintf(stderr, "%s: %s\n", ZC_NAME, msg);
				free(cfg);
				return 2;
			}
			zc_tls_ctx_free(ctx);
		}
		zc_cfg_dump(cfg, stdout);
		free(cfg);
		return 0;
	}
	zc_log_init(cfg->log == ZC_LOG_DEST_SYSLOG,
		    (enum zc_log_level)cfg->log_level);
	zc_master_report_planned(cfg);
	zc_probe_kernel(&probe);
	if (!probe.openat2) {
		zc_log_errorx("this kernel has no openat2(2) (Linux >= 5.6 "
			      "needed): zcftpd cannot confine paths without it");
		free(cfg);
		return 1;
	}
	zc_log_info("kernel: sendfile %s, splice %s, kTLS %s%s%s",
		    yes_no(probe.sendfile), yes_no(probe.splice),
		    probe.ktls_tx ? "yes" : "no", probe.ktls_tx ? "" : ": ",
		    probe.ktls_tx ? "" : probe.ktls_why);
	if (report_tls_path(cfg, &probe) < 0) {
		free(cfg);
		return 1;
	}
	rc = zc_master_run(&cl, cfg);
	free(cfg);
	return rc;
}
