/*
 * cfg_int.h: the config table's row type, shared by cfg.c (the engine)
 * and cfg_table.c (the rows). Nothing else includes it.
 */
#ifndef ZC_CFG_INT_H
#define ZC_CFG_INT_H

#include <stddef.h>
#include <stdint.h>

enum zc_cfg_type {
	ZC_CFG_BOOL,     /* bool: yes|no */
	ZC_CFG_UINT,     /* uint64_t, decimal, [min, max] */
	ZC_CFG_DURATION, /* uint64_t seconds, [min, max] */
	ZC_CFG_SIZE,     /* uint64_t bytes, k/m/g suffixes, [min, max] */
	ZC_CFG_OCTAL,    /* unsigned, octal digits, <= max */
	ZC_CFG_STRING,   /* char[], any text without control characters */
	ZC_CFG_PATH,     /* char[], "" or a path */
	ZC_CFG_ENUM,     /* int, index into names */
	ZC_CFG_ADDRS,    /* struct zc_addr_list, comma-separated HOST:PORT */
	ZC_CFG_IP,       /* struct zc_addr, an address without port, or "" */
	ZC_CFG_RANGE,    /* two unsigned: "MIN-MAX" or "" */
};

/* The key may change on SIGHUP without a restart. */
#define ZC_CFG_F_RELOAD 0x1

struct zc_cfg_key {
	const char *name;
	enum zc_cfg_type type;
	size_t offset;
	size_t size; /* of the field: bounds string copies */
	const char *def;
	uint64_t min, max;
	const char *const *names; /* ZC_CFG_ENUM: NULL-terminated */
	unsigned flags;
	/* Non-NULL while the feature behind the key is not built yet: the
	 * key parses and validates, and a non-default value is reported at
	 * start-up as ignored, with this reason. */
	const char *planned;
};

extern const struct zc_cfg_key zc_cfg_keys[];
extern const size_t zc_cfg_nkeys;

#endif
