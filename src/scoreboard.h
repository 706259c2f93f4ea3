/*
 * scoreboard.h: the shared scoreboard, one slot per worker, in MAP_SHARED
 * memory created by the master before forking. A worker writes only its
 * own slot (state, client address, start time, bytes) and the table of
 * popular big files (popular.h); the master reads
 * slots to count idle workers and per-address sessions but never trusts
 * them for anything but counting (pids come from its own table).
 */
#ifndef ZC_SCOREBOARD_H
#define ZC_SCOREBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "defs.h"
#include "popular.h"

enum zc_slot_state {
	ZC_SLOT_FREE = 0,
	ZC_SLOT_STARTING, /* forked, dropping privileges */
	ZC_SLOT_IDLE,     /* waiting in accept */
	ZC_SLOT_BUSY,     /* serving a session */
};

struct zc_slot {
	int state; /* enum zc_slot_state, accessed atomically */
	unsigned generation;
	struct sockaddr_storage peer;
	time_t started;
	uint64_t bytes;
};

/* The shared mapping: a header, then the slots. */
struct zc_scoreboard_shm {
	size_t high_water; /* slots [0, high_water) may be in use */
	struct zc_popular popular; /* workers' table of recent big files;
				      the master never reads it */
	struct zc_slot slots[];
};

struct zc_scoreboard {
	struct zc_scoreboard_shm *shm;
	struct zc_slot *slots; /* == shm->slots */
	size_t n;
};

/* Map ZC_SCOREBOARD_SLOTS zeroed slots shared with future children. */
int zc_scoreboard_create(struct zc_scoreboard *sb) ZC_MUST_CHECK;
void zc_scoreboard_destroy(struct zc_scoreboard *sb);

void zc_slot_set_state(struct zc_slot *slot, enum zc_slot_state st);
enum zc_slot_state zc_slot_get_state(const struct zc_slot *slot);

/* Busy slots whose client has the same IP as `peer` (IPv4-mapped IPv6
 * counts as IPv4). */
size_t zc_scoreboard_count_ip(const struct zc_scoreboard *sb,
			      const struct sockaddr_storage *peer);
/* Master: slots [0, hw) may be in use from now on. */
void zc_scoreboard_set_high_water(struct zc_scoreboard *sb, size_t hw);

#endif
