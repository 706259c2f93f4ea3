/*
 * xfer_rig.h: a transfer test rig shared by the engine tests
 * (test_xfer_engines.c, test_xfer_recv.c): a session on a loopback control
 * connection and a loopback data connection, both real sockets.
 */
#ifndef ZC_TEST_XFER_RIG_H
#define ZC_TEST_XFER_RIG_H

#include "cfg.h"
#include "session.h"

struct rig {
	struct zc_config cfg;
	struct zc_session s;
	int ctrl_cli;           /* the client's end of the control connection */
	int data_cli, data_srv; /* the data connection (data_srv non-blocking) */
	char *buf;              /* the session's copy buffer */
};

/* A connected loopback TCP pair: *srv is the accepted, non-blocking end. */
void tcp_pair(int *cli, int *srv);
/* Defaults with data_timeout 10 s; no anonymous root, xferlog, broker or
 * port-20 channel. */
void rig_init(struct rig *r);
/* Close everything that is still open (fds set to -1 are skipped). */
void rig_fini(struct rig *r);

#endif
