/*
 * fds.h: the descriptors zcftpd starts with.
 *
 * Whatever starts zcftpd (a shell, a service manager, a test harness)
 * may leave descriptors open without close-on-exec. The master would
 * keep them and hand them to the auth broker and to every worker, the
 * processes that read client bytes; a worker must hold nothing it was
 * not given on purpose. So the first thing main() does is keep 0, 1 and
 * 2 and close the rest. The three kept are made to exist (on /dev/null
 * when closed), so that no socket or file opened later becomes stdout
 * or stderr and has log lines written into it.
 */
#ifndef ZC_FDS_H
#define ZC_FDS_H

#include "defs.h"

/* 0, or -1 with errno when /dev/null cannot be opened for a missing
 * 0-2 or the others cannot be closed. */
int zc_fds_sanitize(void) ZC_MUST_CHECK;

#endif
