/*
 * data_conn.c: passive and active data connections. See data_conn.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_conn.h"
#include "log.h"
#include "port20.h"
#include "reply.h"
#include "session.h"
#include "str.h"

void
zc_data_reset(struct zc_session *s)
{
	if (s->data.listen_fd >= 0)
		close(s->data.listen_fd);
	s->data.listen_fd = -1;
	s->data.mode = ZC_DATA_NONE;
	s->data.addr_len = 0;
}

static uint16_t
get_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)a)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)a)->sin_port);
}

static void
set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)a)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)(void *)a)->sin_port = htons(port);
}

bool
zc_data_is_ipv6(const struct sockaddr_storage *a)
{
	const struct sockaddr_in6 *s6 = (const void *)a;

	return a->ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

/* The IPv4 address of a (possibly mapped) address; false if none. */
static bool
ipv4_of(const struct sockaddr_storage *a, struct in_addr *out)
{
	if (a->ss_family == AF_INET) {
		*out = ((const struct sockaddr_in *)(const void *)a)->sin_addr;
		return true;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)a;
		if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return false;
		memcpy(&out->s_addr, &s6->sin6_addr.s6_addr[12], 4);
		return true;
	}
	return false;
}

bool
zc_data_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct in_addr a4, b4;
	bool av4 = ipv4_of(a, &a4), bv4 = ipv4_of(b, &b4);

	if (av4 || bv4)
		return av4 && bv4 && a4.s_addr == b4.s_addr;
	if (a->ss_family != AF_INET6 || b->ss_family != AF_INET6)
		return false;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

int
zc_data_parse_local_range(const char *text, unsigned *lo, unsigned *hi)
{
	unsigned long a, b;
	char *end;

	errno = 0;
	a = strtoul(text, &end, 10);
	if (end == text || errno != 0)
		return -1;
	text = end;
	b = strtoul(text, &end, 10);
	if (end == text || errno != 0 || a < 1 || b > 65535 || a > b)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

int
zc_data_parse_port(const char *arg, struct sockaddr_storage *out, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;
	uint64_t v[6];
	const char *p = arg;

	for (int i = 0; i < 6; i++) {
		const char *end = p;
		while (*end >= '0' && *end <= '9')
			end++;
		if (zc_str_parse_u64(p, (size_t)(end - p), 0, 255, &v[i]) < 0) {
			errno = EINVAL;
			return -1;
		}
		if (i < 5 && *end != ',') {
			errno = EINVAL;
			return -1;
		}
		if (i == 5 && *end != '\0') {
			errno = EINVAL;
			return -1;
		}
		p = end + 1;
	}
	memset(out, 0, sizeof(*out));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl((uint32_t)(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]));
	s4->sin_port = htons((uint16_t)(v[4] << 8 | v[5]));
	*len = sizeof(*s4);
	if (v[4] == 0 && v[5] == 0) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

int
zc_data_parse_eprt(const char *arg, struct sockaddr_storage *out, socklen_t *len)
{
	char field[3][INET6_ADDRSTRLEN + 8];
	char delim = arg[0];
	const char *p = arg + 1;
	uint64_t proto, port;

	/* RFC 2428: the delimiter is any printable ASCII character
	 * (33-126) that does not appear in the fields; digits and the
	 * characters of addresses would be ambiguous. */
	if (delim < 33 || delim > 126 || (delim >= '0' && delim <= '9') ||
	    (delim >= 'a' && delim <= 'f') || (delim >= 'A' && delim <= 'F') ||
	    delim == '.' || delim == ':') {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		const char *end = strchr(p, delim);
		size_t flen;
		if (end == NULL) {
			errno = EINVAL;
			return -1;
		}
		flen = (size_t)(end - p);
		if (flen == 0 || flen >= sizeof(field[i])) {
			errno = EINVAL;
			return -1;
		}
		memcpy(field[i], p, flen);
		field[i][flen] = '\0';
		p = end + 1;
	}
	if (*p != '\0' ||
	    zc_str_parse_u64z(field[0], 0, 65535, &proto) < 0 ||
	    zc_str_parse_u64z(field[2], 0, 65535, &port) < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (proto == 1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;
		if (inet_pton(AF_INET, field[1], &s4->sin_addr) != 1) {
			errno = EINVAL;
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
	} else if (proto == 2) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)out;
		if (inet_pton(AF_INET6, field[1], &s6->sin6_addr) != 1) {
			errno = EINVAL;
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (port == 0) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

static bool
is_unspecified(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (a->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr);
	return false;
}

void
zc_data_active(struct zc_session *s, const char *verb,
	       const struct sockaddr_storage *addr)
{
	char ip[INET6_ADDRSTRLEN];

	zc_data_reset(s);
	/* SECURITY: FTP bounce (RFC 2577): only the client itself, and
	 * never a privileged port of it. An unspecified address (lftp sends
	 * "EPRT |2|::|port|" from a wildcard-bound socket) can only mean the
	 * client: the connection goes to the control peer in any case. */
	if ((!zc_data_same_ip(addr, &s->peer) && !is_unspecified(addr)) ||
	    get_port(addr) < 1024) {
		struct in_addr a4;
		if (ipv4_of(addr, &a4))
			inet_ntop(AF_INET, &a4, ip, sizeof(ip));
		else
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr,
				  ip, sizeof(ip));
		zc_log_info("refused active data connection to %s port %u "
			    "(bounce protection)", ip, get_port(addr));
		zc_session_reply(s, ZC_REPLY_500_SYNTAX,
				 "Illegal %s command: only your own address "
				 "and ports >= 1024.", verb);
		return;
	}
	/* Connect to the control peer's address (with the port asked for):
	 * even a parsing mistake cannot aim the connection elsewhere. */
	memcpy(&s->data.addr, &s->peer, s->peer_len);
	s->data.addr_len = s->peer_len;
	set_port(&s->data.addr, get_port(addr));
	s->data.mode = ZC_DATA_ACTIVE;
	zc_session_reply(s, ZC_REPLY_200_OK, "%s command successful.", verb);
}

/* Bind `fd` to `addr` with a port from the configured range (random
 * start, linear probe over the whole range) or a kernel-chosen one. */
static int
bind_passive(struct zc_session *s, int fd, struct sockaddr_storage *addr,
	     socklen_t len)
{
	unsigned lo = s->cfg->pasv_ports.min, hi = s->cfg->pasv_ports.max;
	unsigned span, start;

	if (hi == 0) {
		/* no pasv_ports: the kernel's ephemeral range, probed here
		 * as a configured range is. Not bind(port 0): once tens of
		 * thousands of data connections sit in TIME_WAIT, the
		 * kernel's search for a free port scans most of the range
		 * on every PASV (measured: 1,125 -> 317 sessions/s over
		 * three 8 s runs, against a steady 2,000 with a range) */
		lo = s->env.pasv_auto_lo;
		hi = s->env.pasv_auto_hi;
	}
	if (hi == 0 || lo == 0 || lo > hi) {
		set_port(addr, 0);
		return bind(fd, (struct sockaddr *)addr, len);
	}
	span = hi - lo + 1;
	start = arc4random_uniform(span);
	for (unsigned i = 0; i < span; i++) {
		set_port(addr, (uint16_t)(lo + (start + i) % span));
		if (bind(fd, (struct sockaddr *)addr, len) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

void
zc_data_passive(struct zc_session *s, bool extended)
{
	struct sockaddr_storage addr;
	socklen_t len = s->local_len;
	struct in_addr adv = {0};
	uint16_t port;
	int fd = -1;

	zc_data_reset(s);
	if (!extended && zc_data_is_ipv6(&s->local)) {
		zc_session_reply(s, ZC_REPLY_425_NO_DATA_CONN,
				 "PASV is IPv4 only: use EPSV on IPv6.");
		return;
	}
	memcpy(&addr, &s->local, len);
	fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* SO_REUSEADDR: a port whose last data connection is in TIME_WAIT
	 * can be listened on again (else a busy server runs out of passive
	 * ports within a minute); on Linux it never allows a second
	 * listener on a port, so no session can take another's. Never
	 * SO_REUSEPORT (that would). */
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)) < 0 ||
	    bind_passive(s, fd, &addr, len) < 0 || listen(fd, 1) < 0) {
		zc_log_warn("passive listener");
		if (fd >= 0)
			close(fd);
		zc_session_reply(s, ZC_REPLY_425_NO_DATA_CONN,
				 "Cannot open a passive connection%s.",
				 errno == EADDRINUSE ? ": all passive ports busy" : "");
		return;
	}
	len = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
		close(fd);
		zc_session_reply(s, ZC_REPLY_425_NO_DATA_CONN,
				 "Cannot open a passive connection.");
		return;
	}
	port = get_port(&addr);
	s->data.listen_fd = fd;
	s->data.mode = ZC_DATA_PASSIVE;
	if (extended) {
		zc_session_reply(s, ZC_REPLY_229_EPSV,
				 "Entering Extended Passive Mode (|||%u|)", port);
		return;
	}
	/* NAT: advertise pasv_address when set (IPv4 only in a 227). */
	if (!(s->cfg->pasv_address.len != 0 &&
	      ipv4_of(&s->cfg->pasv_address.ss, &adv)))
		(void)ipv4_of(&s->local, &adv);
	{
		uint32_t a = ntohl(adv.s_addr);
		zc_session_reply(s, ZC_REPLY_227_PASV,
				 "Entering Passive Mode (%u,%u,%u,%u,%u,%u).",
				 a >> 24, (a >> 16) & 255, (a >> 8) & 255,
				 a & 255, port >> 8, port & 255);
	}
}

/* Wait for `fd` to become ready for `events` (or for ABOR / the end of
 * the control connection / the deadline). */
static enum zc_data_open
wait_ready(struct zc_session *s, int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd[2] = {{.fd = fd, .events = events},
					{.fd = s->ctrl_fd, .events = POLLIN}};
		long long left = deadline - zc_now_ms();
		int rc;

		if (left <= 0)
			return ZC_DATA_OPEN_FAILED;
		rc = zc_session_poll(pfd, zc_session_wants_control(s) ? 2 : 1,
				     zc_session_control_pending(s) ? 0
								   : (int)left);
		if (rc == 0 && zc_session_control_pending(s)) {
			rc = 1; /* decrypted control bytes wait inside TLS */
			pfd[1].revents = POLLIN;
		}
		if (rc < 0 && errno == EINTR)
			return ZC_DATA_OPEN_GONE; /* shutdown */
		if (rc < 0)
			return ZC_DATA_OPEN_FAILED;
		if (rc > 0 && zc_session_wants_control(s) && pfd[1].revents) {
			enum zc_ctrl_event ev = zc_session_poll_control(s);
			if (ev == ZC_CTRL_EVENT_ABORT)
				return ZC_DATA_OPEN_ABORTED;
			if (ev == ZC_CTRL_EVENT_GONE)
				return ZC_DATA_OPEN_GONE;
		}
		if (rc > 0 && pfd[0].revents)
			return ZC_DATA_OPEN_OK;
	}
}

static enum zc_data_open
open_passive(struct zc_session *s, int *out, long long deadline)
{
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		enum zc_data_open r;
		int fd;

		r = wait_ready(s, s->data.listen_fd, POLLIN, deadline);
		if (r != ZC_DATA_OPEN_OK)
			return r;
		fd = accept4(s->data.listen_fd, (struct sockaddr *)&from, &flen,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				continue;
			return ZC_DATA_OPEN_FAILED;
		}
		if (!zc_data_same_ip(&from, &s->peer)) {
			/* SECURITY: port theft. Close the intruder and keep
			 * waiting for the real client. */
			char ip[INET6_ADDRSTRLEN];
			struct in_addr a4;
			if (ipv4_of(&from, &a4))
				inet_ntop(AF_INET, &a4, ip, sizeof(ip));
			else
				inet_ntop(AF_INET6,
					  &((struct sockaddr_in6 *)(void *)&from)->sin6_addr,
					  ip, sizeof(ip));
			zc_log_warnx("refused passive data connection from %s "
				     "(not the control peer %s)",
				     ip, s->peer_ip);
			close(fd);
			continue;
		}
		*out = fd;
		return ZC_DATA_OPEN_OK;
	}
}

/* active_from_port_20: a socket bound to the control connection's local
 * address and port 20, from the master (workers cannot bind it). -1 when
 * off or refused: then a kernel-chosen port is used, and logged. */
static int
port20_socket(struct zc_session *s)
{
	int fd, flags;

	if (!s->cfg->active_from_port_20 || s->env.port20_fd < 0)
		return -1;
	fd = zc_port20_get(s->env.port20_fd, &s->local, 5000);
	if (fd < 0) {
		zc_log_info("no port-20 socket (%s): connecting from a "
			    "kernel-chosen port", strerror(errno));
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static enum zc_data_open
open_active(struct zc_session *s, int *out, long long deadline)
{
	struct sockaddr_storage src;
	enum zc_data_open r;
	socklen_t elen = sizeof(int);
	int fd, err = 0;

	fd = port20_socket(s);
	if (fd < 0) {
		fd = socket(s->data.addr.ss_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return ZC_DATA_OPEN_FAILED;
		/* From the control connection's local address, so the
		 * client sees the server it talks to. */
		memcpy(&src, &s->local, s->local_len);
		set_port(&src, 0);
		if (bind(fd, (struct sockaddr *)&src, s->local_len) < 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&s->data.addr, s->data.addr_len) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	r = wait_ready(s, fd, POLLOUT, deadline);
	if (r != ZC_DATA_OPEN_OK) {
		close(fd);
		return r;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
		errno = err;
		goto fail;
	}
	*out = fd;
	return ZC_DATA_OPEN_OK;
fail:
	zc_log_debug("active data connection: %s", strerror(errno));
	close(fd);
	return ZC_DATA_OPEN_FAILED;
}

enum zc_data_open
zc_data_open(struct zc_session *s, int *fd)
{
	long long deadline = zc_now_ms() + (long long)s->cfg->data_timeout * 1000;
	enum zc_data_open r;
	int one = 1;

	*fd = -1;
	switch (s->data.mode) {
	case ZC_DATA_PASSIVE:
		r = open_passive(s, fd, deadline);
		break;
	case ZC_DATA_ACTIVE:
		r = open_active(s, fd, deadline);
		break;
	case ZC_DATA_NONE:
	default:
		return ZC_DATA_OPEN_NONE;
	}
	zc_data_reset(s);
	if (r == ZC_DATA_OPEN_OK &&
	    setsockopt(*fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0)
		zc_log_debug("SO_KEEPALIVE: %s", strerror(errno));
	return r;
}

int
zc_data_cork(int fd, bool on)
{
	int v = on ? 1 : 0;

	return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
}
