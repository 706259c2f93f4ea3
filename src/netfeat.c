/*
 * netfeat.c: NIC features that decide how copy-free sendfile is. See
 * netfeat.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "compat/compat.h"
#include "netfeat.h"
#include "sysfile.h"

int
zc_netfeat_default_route4(const char *text, char *dev, size_t cap)
{
	unsigned long best_metric = (unsigned long)-1;
	const char *line = strchr(text, '\n'); /* skip the header */
	int found = -1;

	while (line != NULL && *++line != '\0') {
		char iface[IF_NAMESIZE + 1];
		unsigned long dst, gw, flags, refcnt, use, metric, mask;

		if (sscanf(line, "%16s %lx %lx %lx %lu %lu %lu %lx", iface, &dst, &gw,
			   &flags, &refcnt, &use, &metric, &mask) == 8 &&
		    dst == 0 && mask == 0 && (flags & 1) /* RTF_UP */ &&
		    metric < best_metric) {
			best_metric = metric;
			zc_strlcpy(dev, iface, cap);
			found = 0;
		}
		line = strchr(line, '\n');
	}
	return found;
}

int
zc_netfeat_default_route6(const char *text, char *dev, size_t cap)
{
	unsigned long best_metric = (unsigned long)-1;
	const char *line = text;
	int found = -1;

	while (line != NULL && *line != '\0') {
		char dst[33], src[33], next[33], iface[IF_NAMESIZE + 1];
		unsigned dlen, slen;
		unsigned long metric, refcnt, use, flags;

		if (sscanf(line, "%32s %x %32s %x %32s %lx %lx %lx %lx %16s", dst,
			   &dlen, src, &slen, next, &metric, &refcnt, &use,
			   &flags, iface) == 10 &&
		    dlen == 0 && strspn(dst, "0") == 32 &&
		    (flags & 1) /* RTF_UP */ && strcmp(iface, "lo") != 0 &&
		    metric < best_metric) {
			best_metric = metric;
			zc_strlcpy(dev, iface, cap);
			found = 0;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return found;
}

int
zc_netfeat_lookup(const char *names, size_t n, size_t stride,
		  const uint32_t *active, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(names + i * stride, name, stride) == 0)
			return (active[i / 32] >> (i % 32)) & 1u;
	return -1;
}

static bool
is_wildcard(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
		&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr);
}

static bool
same_addr(const struct sockaddr *ifa, const struct sockaddr_storage *a)
{
	if (ifa == NULL || ifa->sa_family != a->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ifa)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)ifa)->sin6_addr,
		      &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

int
zc_netfeat_egress(const struct sockaddr_storage *addr, char *dev, size_t cap)
{
	if (is_wildcard(addr)) {
		char *text = malloc(64 * 1024);
		int rc = -1;

		if (text == NULL)
			return -1;
		if (addr->ss_family == AF_INET6 &&
		    zc_read_text_file("/proc/net/ipv6_route", text, 64 * 1024) == 0)
			rc = zc_netfeat_default_route6(text, dev, cap);
		if (rc < 0 && zc_read_text_file("/proc/net/route", text, 64 * 1024) == 0)
			rc = zc_netfeat_default_route4(text, dev, cap);
		free(text);
		if (rc < 0)
			zc_strlcpy(dev, "no default route", cap);
		return rc;
	}
	{
		struct ifaddrs *all, *i;
		int rc = -1;

		if (getifaddrs(&all) < 0)
			return -1;
		for (i = all; i != NULL; i = i->ifa_next)
			if (same_addr(i->ifa_addr, addr)) {
				zc_strlcpy(dev, i->ifa_name, cap);
				rc = 0;
				break;
			}
		freeifaddrs(all);
		if (rc < 0)
			zc_strlcpy(dev, "address on no interface", cap);
		return rc;
	}
}

static int
ethtool(int sock, const char *dev, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	zc_strlcpy(ifr.ifr_name, dev, sizeof(ifr.ifr_name));
	ifr.ifr_data = data;
	return ioctl(sock, SIOCETHTOOL, &ifr);
}

/* The number of feature names (ETH_SS_FEATURES), or -1. */
static long
feature_count(int sock, const char *dev)
{
	/* the header and room for one count after it */
	uint64_t buf[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8];
	struct ethtool_sset_info *info = (void *)buf;

	memset(buf, 0, sizeof(buf));
	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ULL << ETH_SS_FEATURES;
	if (ethtool(sock, dev, info) < 0 ||
	    !(info->sset_mask & (1ULL << ETH_SS_FEATURES)))
		return -1;
	return info->data[0];
}

static int
any_of(const char *names, size_t n, const uint32_t *active,
       const char *const *which)
{
	int r = -1;

	for (size_t i = 0; which[i] != NULL; i++) {
		int v = zc_netfeat_lookup(names, n, ETH_GSTRING_LEN, active, which[i]);
		if (v == 1)
			return 1;
		if (v == 0)
			r = 0;
	}
	return r;
}

int
zc_netfeat_query(const char *dev, struct zc_nic_features *f)
{
	static const char *const csum[] = {"tx-checksum-ip-generic",
					   "tx-checksum-ipv4",
					   "tx-checksum-ipv6", NULL};
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ethtool_gstrings *names = NULL;
	struct ethtool_gfeatures *feats = NULL;
	uint32_t *active = NULL;
	long n;
	size_t blocks;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	zc_strlcpy(f->dev, dev, sizeof(f->dev));
	f->sg = f->csum = f->tso = f->tls_tx = f->tls_rx = -1;
	if (sock < 0)
		return -1;
	n = feature_count(sock, dev);
	if (n <= 0 || n > 4096)
		goto out;
	blocks = ((size_t)n + 31) / 32;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	feats = calloc(1, sizeof(*feats) + blocks * sizeof(feats->features[0]));
	active = calloc(blocks, sizeof(*active));
	if (names == NULL || feats == NULL || active == NULL)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = (uint32_t)n;
	feats->cmd = ETHTOOL_GFEATURES;
	feats->size = (uint32_t)blocks;
	if (ethtool(sock, dev, names) < 0 || ethtool(sock, dev, feats) < 0)
		goto out;
	for (size_t i = 0; i < blocks; i++)
		active[i] = feats->features[i].active;
	f->sg = zc_netfeat_lookup((const char *)names->data, (size_t)n,
				  ETH_GSTRING_LEN, active, "tx-scatter-gather");
	f->csum = any_of((const char *)names->data, (size_t)n, active, csum);
	f->tso = zc_netfeat_lookup((const char *)names->data, (size_t)n,
				   ETH_GSTRING_LEN, active, "tx-tcp-segmentation");
	f->tls_tx = zc_netfeat_lookup((const char *)names->data, (size_t)n,
				      ETH_GSTRING_LEN, active, "tls-hw-tx-offload");
	f->tls_rx = zc_netfeat_lookup((const char *)names->data, (size_t)n,
				      ETH_GSTRING_LEN, active, "tls-hw-rx-offload");
	rc = 0;
out:
	free(names);
	free(feats);
	free(active);
	close(sock);
	return rc;
}

static const char *
state(int v)
{
	return v == 1 ? "on" : v == 0 ? "off" : "unknown";
}

void
zc_netfeat_format(const struct zc_nic_features *f, char *out, size_t cap)
{
	snprintf(out, cap,
		 "dev %s: tx-scatter-gather %s, tx-checksum %s, tso %s, "
		 "tls-hw-tx-offload %s, tls-hw-rx-offload %s",
		 f->dev, state(f->sg), state(f->csum), state(f->tso),
		 state(f->tls_tx), state(f->tls_rx));
}

void
zc_netfeat_describe(const struct sockaddr_storage *addr, char *out, size_t cap)
{
	char dev[64];
	struct zc_nic_features f;

	if (zc_netfeat_egress(addr, dev, sizeof(dev)) < 0) {
		snprintf(out, cap, "egress interface unknown (%s)", dev);
		return;
	}
	if (zc_netfeat_query(dev, &f) < 0) {
		snprintf(out, cap, "dev %s: features not readable (%s)", dev,
			 strerror(errno));
		return;
	}
	zc_netfeat_format(&f, out, cap);
}
