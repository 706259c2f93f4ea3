/*
 * listeners.c: binding the control connection listeners of one address
 * list, and logging each one's real address and the zero-copy features of
 * the interface behind it. See listeners.h.
 */
#include "config.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listeners.h"
#include "log.h"
#include "netfeat.h"

static bool
has_ipv4_port(const struct zc_addr_list *l, uint16_t port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->a[i].ss.ss_family == AF_INET &&
		    ((const struct sockaddr_in *)(const void *)&l->a[i].ss)->sin_port == port)
			return true;
	return false;
}

/* Log what the interface behind a listener does for zero-copy sends. */
static void
report_nic(const struct sockaddr_storage *addr, const char *name)
{
	char desc[256];

	zc_netfeat_describe(addr, desc, sizeof(desc));
	zc_log_info("zero-copy path for %s: %s", name, desc);
}

int
zc_listeners_bind(const struct zc_addr_list *l, int *fds, const char *what)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct zc_addr *a = &l->a[i];
		char name[INET6_ADDRSTRLEN + 16];
		int one = 1, fd;

		zc_cfg_addr_format(a, name, sizeof(name));
		fd = socket(a->ss.ss_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		fds[i] = fd;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
			goto fail;
		if (a->ss.ss_family == AF_INET6) {
			/* "[::]:21" alone serves IPv4 too; next to an IPv4
			 * address on the same port it must be IPv6 only */
			const struct sockaddr_in6 *s6 = (const void *)&a->ss;
			int only = has_ipv4_port(l, s6->sin6_port);
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only,
				       sizeof(only)) < 0)
				goto fail;
		}
		if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
			zc_log_warn("cannot bind %s", name);
			i++;
			goto fail_logged;
		}
		if (listen(fd, ZC_LISTEN_BACKLOG) < 0)
			goto fail;
		{
			struct zc_addr real = {.len = sizeof(real.ss)};
			if (getsockname(fd, (struct sockaddr *)&real.ss, &real.len) == 0)
				zc_cfg_addr_format(&real, name, sizeof(name));
			zc_log_info("listening on %s%s", name, what);
			report_nic(&real.ss, name);
		}
	}
	return 0;
fail:
	zc_log_warn("listener %zu", i);
	i++;
fail_logged:
	while (i-- > 0)
		close(fds[i]);
	return -1;
}
