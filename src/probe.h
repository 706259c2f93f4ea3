/*
 * probe.h: what this kernel offers, found out by trying it (never by
 * version numbers): sendfile, splice, openat2, kernel TLS. Used by -V and
 * the start-up log.
 */
#ifndef ZC_PROBE_H
#define ZC_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct zc_probe {
	bool sendfile;
	bool splice;
	bool openat2;
	bool ktls_ulp; /* setsockopt(TCP_ULP, "tls") works */
	bool ktls_tx;  /* TLS_TX accepted (AES-GCM-128, TLS 1.2) */
	bool ktls_rx;  /* TLS_RX accepted */
	char ktls_why[128]; /* why not, when !ktls_ulp */
};

void zc_probe_kernel(struct zc_probe *p);

#endif
