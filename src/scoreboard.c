/*
 * scoreboard.c: the shared worker scoreboard. See scoreboard.h.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "data_conn.h"
#include "scoreboard.h"

int
zc_scoreboard_create(struct zc_scoreboard *sb)
{
	size_t size = sizeof(struct zc_scoreboard_shm) +
		      sizeof(struct zc_slot) * ZC_SCOREBOARD_SLOTS;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	sb->shm = p;
	sb->slots = sb->shm->slots;
	sb->n = ZC_SCOREBOARD_SLOTS;
	return 0;
}

void
zc_scoreboard_destroy(struct zc_scoreboard *sb)
{
	if (sb->shm != NULL)
		munmap(sb->shm, sizeof(struct zc_scoreboard_shm) +
				 sizeof(struct zc_slot) * sb->n);
	sb->shm = NULL;
	sb->slots = NULL;
	sb->n = 0;
}

void
zc_slot_set_state(struct zc_slot *slot, enum zc_slot_state st)
{
	__atomic_store_n(&slot->state, (int)st, __ATOMIC_RELEASE);
}

enum zc_slot_state
zc_slot_get_state(const struct zc_slot *slot)
{
	int st = __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);

	/* a worker may have scribbled anything: clamp */
	if (st < ZC_SLOT_FREE || st > ZC_SLOT_BUSY)
		return ZC_SLOT_BUSY;
	return (enum zc_slot_state)st;
}

void
zc_scoreboard_set_high_water(struct zc_scoreboard *sb, size_t hw)
{
	__atomic_store_n(&sb->shm->high_water, hw, __ATOMIC_RELEASE);
}

size_t
zc_scoreboard_count_ip(const struct zc_scoreboard *sb,
		       const struct sockaddr_storage *peer)
{
	size_t limit = __atomic_load_n(&sb->shm->high_water, __ATOMIC_ACQUIRE);
	size_t count = 0;

	if (limit > sb->n)
		limit = sb->n;
	for (size_t i = 0; i < limit; i++) {
		struct sockaddr_storage copy;
		if (zc_slot_get_state(&sb->slots[i]) != ZC_SLOT_BUSY)
			continue;
		memcpy(&copy, &sb->slots[i].peer, sizeof(copy));
		if (zc_data_same_ip(&copy, peer))
			count++;
	}
	return count;
}
