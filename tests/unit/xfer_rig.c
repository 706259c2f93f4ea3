/*
 * xfer_rig.c: the shared transfer test rig. See xfer_rig.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iobuf.h"
#include "xfer_rig.h"

void
tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(*cli, (struct sockaddr *)&a, sizeof(a)), 0);
	*srv = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	ck_assert_int_ge(*srv, 0);
	close(l);
}

void
rig_init(struct rig *r)
{
	struct zc_session_env env;
	int ctrl_srv;

	zc_cfg_defaults(&r->cfg);
	r->cfg.data_timeout = 10;
	r->buf = zc_iobuf_alloc(ZC_COPY_BUF_SIZE);
	ck_assert_ptr_nonnull(r->buf);
	memset(&env, 0, sizeof(env));
	env.cfg = &r->cfg;
	env.anon_root_fd = -1;
	env.copy_buf = r->buf;
	env.xferlog_fd = -1;
	env.broker_fd = -1;
	env.port20_fd = -1;
	tcp_pair(&r->ctrl_cli, &ctrl_srv);
	ck_assert_int_eq(zc_session_init(&r->s, &env, ctrl_srv), 0);
	tcp_pair(&r->data_cli, &r->data_srv);
}

void
rig_fini(struct rig *r)
{
	r->s.xfer = NULL;
	zc_session_fini(&r->s);
	if (r->ctrl_cli >= 0)
		close(r->ctrl_cli);
	if (r->data_cli >= 0)
		close(r->data_cli);
	if (r->data_srv >= 0)
		close(r->data_srv);
	free(r->buf);
}
