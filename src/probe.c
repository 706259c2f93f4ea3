/*
 * probe.c: run-time probes of kernel features. See probe.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef ZC_HAVE_KTLS
#include <linux/tls.h>
#endif

#include "fs_path.h"
#include "probe.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static int
probe_file(void)
{
	int fd = memfd_create("zcftpd-probe", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, "probe", 5) != 5) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
probe_sendfile(void)
{
	int fd = probe_file(), sv[2] = {-1, -1};
	off_t off = 0;
	bool ok = false;

	if (fd >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0)
		ok = sendfile(sv[0], fd, &off, 5) == 5;
	if (fd >= 0)
		close(fd);
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return ok;
}

static bool
probe_splice(void)
{
	int fd = probe_file(), p[2] = {-1, -1};
	loff_t off = 0;
	bool ok = false;

	if (fd >= 0 && pipe2(p, O_CLOEXEC) == 0)
		ok = splice(fd, &off, p[1], NULL, 5, 0) == 5;
	if (fd >= 0)
		close(fd);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	return ok;
}

/* A connected TCP pair on loopback (the tls ULP needs an established
 * TCP socket). */
static int
tcp_pair(int *a, int *b)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*a = *b = -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0)
		goto fail;
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	*b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*b < 0)
		goto fail;
	close(l);
	return 0;
fail:
	if (l >= 0)
		close(l);
	if (*a >= 0)
		close(*a);
	*a = -1;
	return -1;
}

static void
probe_ktls(struct zc_probe *p)
{
	int a, b;

	snprintf(p->ktls_why, sizeof(p->ktls_why), "not probed");
	if (tcp_pair(&a, &b) < 0) {
		snprintf(p->ktls_why, sizeof(p->ktls_why),
			 "no loopback TCP to probe with: %s", strerror(errno));
		return;
	}
	if (setsockopt(a, IPPROTO_TCP, TCP_ULP, "tls", 3) < 0) {
		snprintf(p->ktls_why, sizeof(p->ktls_why), "%s",
			 errno == ENOENT ? "the kernel has no tls module "
					   "(CONFIG_TLS not set)"
					 : strerror(errno));
	} else {
		p->ktls_ulp = true;
		p->ktls_why[0] = '\0';
#ifdef ZC_HAVE_KTLS
		{
			struct tls12_crypto_info_aes_gcm_128 ci;
			memset(&ci, 0, sizeof(ci));
			ci.info.version = TLS_1_2_VERSION;
			ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
			p->ktls_tx = setsockopt(a, SOL_TLS, TLS_TX, &ci, sizeof(ci)) == 0;
			p->ktls_rx = setsockopt(a, SOL_TLS, TLS_RX, &ci, sizeof(ci)) == 0;
		}
#else
		snprintf(p->ktls_why, sizeof(p->ktls_why),
			 "built without kTLS support");
#endif
	}
	close(a);
	close(b);
}

void
zc_probe_kernel(struct zc_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->sendfile = probe_sendfile();
	p->splice = probe_splice();
	p->openat2 = zc_fs_have_openat2() == 1;
	probe_ktls(p);
}
