/*
 * port20.h: active data connections from port 20 (active_from_port_20).
 * Binding a port below 1024 needs CAP_NET_BIND_SERVICE, which no worker
 * holds; the master binds the socket on the worker's request and passes
 * it over the worker's own SOCK_SEQPACKET pair (as vsftpd's privileged
 * parent does). The request is fixed-size and names only the control
 * connection's local address; the port is always 20.
 */
#ifndef ZC_PORT20_H
#define ZC_PORT20_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "defs.h"

#define ZC_PORT20_VERSION 1u
#define ZC_FTP_DATA_PORT 20

struct zc_port20_req {
	uint32_t version;
	uint32_t family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint32_t scope_id;
};

struct zc_port20_resp {
	uint32_t version;
	int32_t err; /* 0: the socket comes with it; else an errno value */
};

/* Pure: a request for `local` (the control connection's local address). */
void zc_port20_req_build(struct zc_port20_req *r,
			 const struct sockaddr_storage *local);
/* Pure: check `len` received bytes and make the address to bind (its
 * port 20). 0, or -1 (malformed). */
int zc_port20_req_parse(const void *buf, size_t len,
			struct sockaddr_storage *out, socklen_t *outlen) ZC_MUST_CHECK;

/* Master: answer the request waiting on fd. 0, or -1 when the
 * connection should be closed (end of stream, malformed request). */
int zc_port20_serve(int fd) ZC_MUST_CHECK;

/* Worker: ask for a socket bound to local:20, waiting at most
 * timeout_ms. The socket (blocking, close-on-exec), or -1 with errno. */
int zc_port20_get(int fd, const struct sockaddr_storage *local,
		  int timeout_ms) ZC_MUST_CHECK;

#endif
