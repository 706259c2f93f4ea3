/*
 * cmdline.h: the command line `zcftpd [-c FILE] [-o KEY=VALUE]... [-t] [-V]
 * [-h]`, parsed into a struct without touching anything else (pure; argv
 * strings are borrowed). main.c turns it into a configuration.
 */
#ifndef ZC_CMDLINE_H
#define ZC_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "defs.h"

struct zc_cmdline {
	const char *config_file;                   /* borrowed; NULL: none */
	const char *overrides[ZC_OVERRIDES_MAX];   /* borrowed, in order */
	size_t n_overrides;
	bool check_only; /* -t */
	bool version;    /* -V */
	bool help;       /* -h */
};

/* Parse argv. Returns 0, or -1 with a message for the user in `err`. */
int zc_cmdline_parse(int argc, char *const argv[], struct zc_cmdline *out,
		     char *err, size_t errcap) ZC_MUST_CHECK;

/* The usage text (one paragraph, ends with a newline). */
const char *zc_cmdline_usage(void);

#endif
