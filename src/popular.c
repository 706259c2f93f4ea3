/*
 * popular.c: the shared table of recently sent big files and the memory
 * budget that decides whether one may stay cached. See popular.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "popular.h"
#include "session.h"
#include "str.h"
#include "sysfile.h"

bool
zc_popular_note(struct zc_popular *p, uint64_t dev, uint64_t ino,
		int64_t now)
{
	size_t victim = 0;
	int64_t oldest = INT64_MAX;

	for (size_t i = 0; i < ZC_POPULAR_SLOTS; i++) {
		struct zc_popular_entry *e = &p->e[i];
		int64_t seen = __atomic_load_n(&e->seen, __ATOMIC_ACQUIRE);

		if (seen != 0 &&
		    __atomic_load_n(&e->dev, __ATOMIC_RELAXED) == dev &&
		    __atomic_load_n(&e->ino, __ATOMIC_RELAXED) == ino) {
			__atomic_store_n(&e->seen, now, __ATOMIC_RELEASE);
			/* seen > now: another worker's clock read was later */
			return now - seen <= ZC_POPULAR_WINDOW_S;
		}
		if (seen < oldest) {
			oldest = seen;
			victim = i;
		}
	}
	/* empty the entry first, so nobody matches it half written */
	__atomic_store_n(&p->e[victim].seen, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&p->e[victim].dev, dev, __ATOMIC_RELAXED);
	__atomic_store_n(&p->e[victim].ino, ino, __ATOMIC_RELAXED);
	__atomic_store_n(&p->e[victim].seen, now, __ATOMIC_RELEASE);
	return false;
}

bool
zc_popular_keep_cached(struct zc_popular *p, uint64_t dev, uint64_t ino,
		       uint64_t size, uint64_t budget, int64_t now)
{
	bool popular = zc_popular_note(p, dev, ino, now);

	return popular && budget > 0 && size <= budget / ZC_POPULAR_FIT_DIVISOR;
}

int64_t
zc_popular_now(void)
{
	return zc_now_ms() / 1000 + 1;
}

/* Whether the comma-separated list [c, end) names "memory". */
static bool
has_memory_controller(const char *c, const char *end)
{
	while (c < end) {
		const char *comma = memchr(c, ',', (size_t)(end - c));
		const char *stop = comma != NULL ? comma : end;

		if (stop - c == 6 && memcmp(c, "memory", 6) == 0)
			return true;
		c = stop + 1;
	}
	return false;
}

int
zc_popular_cgroup_limit_path(const char *text, char *out, size_t cap)
{
	const char *next = text;
	int found = -1;

	/* cgroup v1: "ID:CONTROLLERS:PATH" per hierarchy, the memory
	 * controller's wins; cgroup v2: "0::PATH" */
	while (next != NULL && *next != '\0') {
		const char *line = next;
		const char *nl = strchr(line, '\n');
		const char *end = nl != NULL ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 != NULL
					 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1))
					 : NULL;
		const char *path;
		int plen, n;

		next = nl != NULL ? nl + 1 : NULL;
		if (c2 == NULL)
			continue;
		path = c2 + 1;
		plen = (int)(end - path);
		if (plen == 1 && path[0] == '/')
			plen = 0; /* the root: no double slash */
		if (has_memory_controller(c1 + 1, c2)) {
			n = snprintf(out, cap, "/sys/fs/cgroup/memory%.*s/"
				     "memory.limit_in_bytes", plen, path);
			return n > 0 && (size_t)n < cap ? 0 : -1;
		}
		if (found < 0 && c1 == line + 1 && line[0] == '0' && c2 == c1 + 1) {
			n = snprintf(out, cap, "/sys/fs/cgroup%.*s/memory.max",
				     plen, path);
			found = n > 0 && (size_t)n < cap ? 0 : -1;
		}
	}
	return found;
}

int
zc_popular_parse_limit(const char *text, uint64_t *bytes)
{
	size_t len = strcspn(text, "\n");

	if (len == 3 && memcmp(text, "max", 3) == 0) {
		*bytes = UINT64_MAX;
		return 0;
	}
	return zc_str_parse_u64(text, len, 0, UINT64_MAX, bytes);
}

uint64_t
zc_popular_memory_budget(void)
{
	struct sysinfo si;
	uint64_t budget = 0, limit;
	char text[4096], path[4200];

	if (sysinfo(&si) == 0)
		budget = (uint64_t)si.totalram * si.mem_unit;
	if (zc_read_text_file("/proc/self/cgroup", text, sizeof(text)) == 0 &&
	    zc_popular_cgroup_limit_path(text, path, sizeof(path)) == 0 &&
	    zc_read_text_file(path, text, sizeof(text)) == 0 &&
	    zc_popular_parse_limit(text, &limit) == 0 &&
	    (budget == 0 || limit < budget))
		budget = limit;
	return budget;
}
