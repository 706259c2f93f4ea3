/*
 * sysfile.h: reading the small text files of /proc and /sys (routes,
 * the ephemeral port range, cgroup limits) that the master consults
 * before and after its workers are jailed away from them.
 */
#ifndef ZC_SYSFILE_H
#define ZC_SYSFILE_H

#include <stddef.h>

#include "defs.h"

/* Read PATH into BUF as a NUL-terminated string, at most CAP - 1 bytes
 * (a longer file is cut). Reads until end of file: /proc files may come
 * in pieces. 0, or -1 with errno when it cannot be opened or read, or
 * is empty. */
int zc_read_text_file(const char *path, char *buf, size_t cap) ZC_MUST_CHECK;

#endif
