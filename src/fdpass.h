/*
 * fdpass.h: one datagram with at most one file descriptor (SCM_RIGHTS)
 * over a SOCK_SEQPACKET socket: the way the master, the auth broker and
 * the workers hand each other sockets and directory fds.
 */
#ifndef ZC_FDPASS_H
#define ZC_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#include "defs.h"

/* Send buf[0..len) and, when fd >= 0, a copy of fd. Non-blocking.
 * 0, or -1 with errno. */
int zc_fdpass_send(int sock, const void *buf, size_t len, int fd) ZC_MUST_CHECK;

/* Receive one datagram into buf (cap bytes); *fd gets a passed
 * descriptor (close-on-exec) or -1. Non-blocking. Returns the
 * datagram's real length (which may exceed cap: MSG_TRUNC), 0 at end of
 * stream, -1 with errno (EAGAIN: nothing yet; EPROTO: more than one
 * descriptor was sent, none is kept). */
ssize_t zc_fdpass_recv(int sock, void *buf, size_t cap, int *fd) ZC_MUST_CHECK;

#endif
