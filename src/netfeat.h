/*
 * netfeat.h: what the network interface does for sendfile. Zero-copy
 * from the page cache to the wire needs the NIC to gather the pages
 * (tx-scatter-gather) and to checksum them (tx-checksum-*); kernel TLS can
 * be offloaded to it too (tls-hw-tx-offload). The server cannot change
 * these, only report them: per listening address, the interface its
 * traffic leaves by, read with SIOCETHTOOL/ETHTOOL_GFEATURES (no
 * privilege needed). /sys/class/net/IF/features does not exist.
 */
#ifndef ZC_NETFEAT_H
#define ZC_NETFEAT_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "defs.h"

/* -1: unknown (the driver does not say), 0: off, 1: on */
struct zc_nic_features {
	char dev[IF_NAMESIZE];
	int sg, csum, tso, tls_tx, tls_rx;
};

/* Pure: the interface of the IPv4 default route in /proc/net/route
 * text (lowest metric). 0, or -1 when there is none. */
int zc_netfeat_default_route4(const char *text, char *dev, size_t cap) ZC_MUST_CHECK;
/* Pure: the same for /proc/net/ipv6_route text (::/0). */
int zc_netfeat_default_route6(const char *text, char *dev, size_t cap) ZC_MUST_CHECK;

/* Pure: a feature's state from ETHTOOL_GSTRINGS names (n strings of
 * `stride` bytes) and the ETHTOOL_GFEATURES active bitmap: 1, 0, or -1
 * when the name is not there. */
int zc_netfeat_lookup(const char *names, size_t n, size_t stride,
		      const uint32_t *active, const char *name);

/* The interface a listening address's traffic leaves by: the one that
 * owns the address, or for a wildcard address the default route's. 0,
 * or -1 with a reason in dev ("no default route"). */
int zc_netfeat_egress(const struct sockaddr_storage *addr, char *dev,
		      size_t cap) ZC_MUST_CHECK;

/* Read the features of `dev`. 0, or -1 (errno). */
int zc_netfeat_query(const char *dev, struct zc_nic_features *f) ZC_MUST_CHECK;

/* Pure: "dev lo: tx-scatter-gather on, tx-checksum on, tso on,
 * tls-hw-tx-offload off, tls-hw-rx-offload off". */
void zc_netfeat_format(const struct zc_nic_features *f, char *out, size_t cap);

/* Everything above for one address, as one line of text (for -V and the
 * start-up log). */
void zc_netfeat_describe(const struct sockaddr_storage *addr, char *out,
			 size_t cap);

#endif
