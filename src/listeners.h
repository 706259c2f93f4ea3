/*
 * listeners.h: the master's listening sockets for one address list
 * (listen, or tls_implicit_listen).
 */
#ifndef ZC_LISTENERS_H
#define ZC_LISTENERS_H

#include "cfg.h"

/* Bind and listen on every address of `l` into fds[0..l->n): non-blocking,
 * close-on-exec, SO_REUSEADDR; an IPv6 address is IPV6_V6ONLY only when
 * the list also has an IPv4 address with its port. Each is logged with
 * its real address (port 0 becomes the kernel's choice), `what` appended
 * ("" or " (implicit TLS)"), and the zero-copy features of its egress
 * interface. 0, or -1 (logged) with nothing left open. */
int zc_listeners_bind(const struct zc_addr_list *l, int *fds,
		      const char *what) ZC_MUST_CHECK;

#endif
