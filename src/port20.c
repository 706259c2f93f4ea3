/*
 * port20.c: port-20 sockets for active data connections. See port20.h.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "port20.h"

void
zc_port20_req_build(struct zc_port20_req *r, const struct sockaddr_storage *local)
{
	memset(r, 0, sizeof(*r));
	r->version = ZC_PORT20_VERSION;
	r->family = (uint32_t)local->ss_family;
	if (local->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)local;
		memcpy(r->addr, &s6->sin6_addr, 16);
		r->scope_id = s6->sin6_scope_id;
	} else {
		const struct sockaddr_in *s4 = (const void *)local;
		memcpy(r->addr, &s4->sin_addr, 4);
	}
}

int
zc_port20_req_parse(const void *buf, size_t len, struct sockaddr_storage *out,
		    socklen_t *outlen)
{
	struct zc_port20_req r;

	if (len != sizeof(r))
		return -1;
	memcpy(&r, buf, sizeof(r));
	if (r.version != ZC_PORT20_VERSION)
		return -1;
	memset(out, 0, sizeof(*out));
	if (r.family == AF_INET) {
		struct sockaddr_in *s4 = (void *)out;
		for (size_t i = 4; i < sizeof(r.addr); i++)
			if (r.addr[i] != 0)
				return -1;
		if (r.scope_id != 0)
			return -1;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, r.addr, 4);
		s4->sin_port = htons(ZC_FTP_DATA_PORT);
		*outlen = sizeof(*s4);
		return 0;
	}
	if (r.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)out;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, r.addr, 16);
		s6->sin6_scope_id = r.scope_id;
		s6->sin6_port = htons(ZC_FTP_DATA_PORT);
		*outlen = sizeof(*s6);
		return 0;
	}
	return -1;
}

int
zc_port20_serve(int fd)
{
	struct zc_port20_resp resp = {.version = ZC_PORT20_VERSION};
	struct zc_port20_req req;
	struct sockaddr_storage addr;
	socklen_t alen = 0;
	int passed = -1, sock = -1, one = 1;
	ssize_t n = zc_fdpass_recv(fd, &req, sizeof(req), &passed);

	if (n < 0 && errno == EAGAIN)
		return 0;
	if (passed >= 0)
		close(passed); /* workers send no descriptors */
	if (n <= 0 || passed >= 0 ||
	    zc_port20_req_parse(&req, (size_t)n, &addr, &alen) < 0) {
		if (n > 0)
			zc_log_warnx("malformed port-20 request from a worker: "
				     "its channel is closed");
		return -1;
	}
	/* the bind itself checks that the address is one of this host's */
	sock = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(sock, (struct sockaddr *)&addr, alen) < 0) {
		resp.err = errno != 0 ? errno : EINVAL;
		zc_log_debug("port-20 socket: %s", strerror(errno));
		if (sock >= 0)
			close(sock);
		sock = -1;
	}
	if (zc_fdpass_send(fd, &resp, sizeof(resp), sock) < 0)
		zc_log_debug("port-20 reply: %s", strerror(errno));
	if (sock >= 0)
		close(sock);
	return 0;
}

int
zc_port20_get(int fd, const struct sockaddr_storage *local, int timeout_ms)
{
	struct zc_port20_req req;
	struct zc_port20_resp resp;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int sock = -1;
	ssize_t n;

	zc_port20_req_build(&req, local);
	if (zc_fdpass_send(fd, &req, sizeof(req), -1) < 0)
		return -1;
	do {
		if (poll(&pfd, 1, timeout_ms) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = zc_fdpass_recv(fd, &resp, sizeof(resp), &sock);
	} while (n < 0 && (errno == EAGAIN || errno == EINTR));
	if (n != (ssize_t)sizeof(resp) || resp.version != ZC_PORT20_VERSION ||
	    (resp.err == 0) != (sock >= 0)) {
		if (sock >= 0)
			close(sock);
		errno = EPROTO;
		return -1;
	}
	if (resp.err != 0) {
		errno = resp.err;
		return -1;
	}
	return sock;
}
