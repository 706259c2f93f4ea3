/*
 * data_conn.h: data connections. Passive (PASV/EPSV: a listener on the
 * control connection's local address, a port from pasv_ports, accepting
 * only the control peer's address) and active (PORT/EPRT: connect back
 * to the control peer's address only, port >= 1024). The parsers are
 * pure; the rest works on the session's struct zc_data.
 */
#ifndef ZC_DATA_CONN_H
#define ZC_DATA_CONN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "defs.h"

struct zc_session;

/* Close any listener and forget the data mode. */
void zc_data_reset(struct zc_session *s);

/* PASV (extended false) or EPSV: open the listener and send the 227/229
 * reply (or the error reply). */
void zc_data_passive(struct zc_session *s, bool extended);

/* Pure: the text of /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999")
 * -> the range. 0, or -1 when it is not two ascending port numbers. */
int zc_data_parse_local_range(const char *text, unsigned *lo,
			      unsigned *hi) ZC_MUST_CHECK;

/* Pure: "h1,h2,h3,h4,p1,p2" -> IPv4 address and port. 0, or -1 (EINVAL
 * syntax or a number above 255, ERANGE port 0). */
int zc_data_parse_port(const char *arg, struct sockaddr_storage *out,
		       socklen_t *len) ZC_MUST_CHECK;
/* Pure: "<d>proto<d>addr<d>port<d>" (RFC 2428). 0, or -1: EINVAL syntax,
 * EAFNOSUPPORT unknown protocol number, ERANGE port 0. */
int zc_data_parse_eprt(const char *arg, struct sockaddr_storage *out,
		       socklen_t *len) ZC_MUST_CHECK;
/* Pure: whether two socket addresses have the same IP (IPv4-mapped IPv6
 * equals its IPv4 address). Ports are ignored. */
bool zc_data_same_ip(const struct sockaddr_storage *a,
		     const struct sockaddr_storage *b);
/* Whether the address is IPv6 and not IPv4-mapped. */
bool zc_data_is_ipv6(const struct sockaddr_storage *a);

/* PORT/EPRT: check the parsed address (bounce protection) and store it,
 * sending the reply. */
void zc_data_active(struct zc_session *s, const char *verb,
		    const struct sockaddr_storage *addr);

enum zc_data_open {
	ZC_DATA_OPEN_OK,
	ZC_DATA_OPEN_NONE,    /* no PASV/PORT was given */
	ZC_DATA_OPEN_FAILED,  /* timeout or connect error */
	ZC_DATA_OPEN_ABORTED, /* ABOR arrived while waiting */
	ZC_DATA_OPEN_GONE,    /* the control connection went away */
};
/* Establish the data connection (accept or connect, within data_timeout,
 * watching the control connection). On OK, *fd is a non-blocking socket
 * owned by the caller. The passive listener is closed either way. */
enum zc_data_open zc_data_open(struct zc_session *s, int *fd);

/* TCP_CORK on a data socket: while on, the kernel sends only full
 * segments and holds a partial one until more data comes or the cork is
 * taken off (which sends it at once). 0, or -1 (errno). */
int zc_data_cork(int fd, bool on);

#endif
