/*
 * cmdline.c: argv parsing, getopt-style (grouped flags, attached or
 * separate option arguments, "--" ends options) but without getopt's
 * global state, so it can be unit-tested and called twice.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmdline.h"

const char *
zc_cmdline_usage(void)
{
	return "usage: zcftpd [-c FILE] [-o KEY=VALUE]... [-t] [-V] [-h]\n"
	       "  -c FILE       read the configuration from FILE\n"
	       "  -o KEY=VALUE  set a key (after the file; repeatable, the "
	       "last one wins)\n"
	       "  -t            check the configuration, print it, exit\n"
	       "  -V            print version, compiled features and what "
	       "this kernel offers\n"
	       "  -h            print this help\n"
	       "With no arguments zcftpd serves the current directory "
	       "read-only to anonymous\nusers on 127.0.0.1:2121 in the "
	       "foreground, logging to stderr.\n";
}

int
zc_cmdline_parse(int argc, char *const argv[], struct zc_cmdline *out,
		 char *err, size_t errcap)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		for (size_t j = 1; a[j] != '\0'; j++) {
			char opt = a[j];
			const char *val;

			switch (opt) {
			case 't':
				out->check_only = true;
				continue;
			case 'V':
				out->version = true;
				continue;
			case 'h':
				out->help = true;
				continue;
			case 'c':
			case 'o':
				break;
			default:
				snprintf(err, errcap, "unknown option -%c", opt);
				return -1;
			}
			/* -c and -o take the rest of this word or the next */
			if (a[j + 1] != '\0') {
				val = a + j + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				snprintf(err, errcap, "option -%c needs an argument",
					 opt);
				return -1;
			}
			if (opt == 'c') {
				if (out->config_file != NULL) {
					snprintf(err, errcap,
						 "-c given twice (one config "
						 "file; use -o to override)");
					return -1;
				}
				out->config_file = val;
			} else {
				if (strchr(val, '=') == NULL) {
					snprintf(err, errcap,
						 "-o %s: expected KEY=VALUE", val);
					return -1;
				}
				if (out->n_overrides == ZC_OVERRIDES_MAX) {
					snprintf(err, errcap,
						 "more than %d -o options",
						 ZC_OVERRIDES_MAX);
					return -1;
				}
				out->overrides[out->n_overrides++] = val;
			}
			break;
		}
	}
	if (i < argc) {
		snprintf(err, errcap, "unexpected argument '%s'", argv[i]);
		return -1;
	}
	return 0;
}
