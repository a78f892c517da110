/* engine/lookup_internal.h - an open-addressing hash table from 64-bit keys
 * to 32-bit indices, for the catalogue's look-ups (a product by shop and
 * id, a plan by shop and name, a product in a plan, a plan's ad unit of a
 * category): each is O(1) instead of a walk, so loading a catalogue is
 * linear in its size rather than quadratic. Loading only: nothing here is
 * on an auction's path. Never installed. */
#ifndef BIDSIM_LOOKUP_INTERNAL_H
#define BIDSIM_LOOKUP_INTERNAL_H
#include <stdint.h>

/* Keys are either exact (plan << 32 | product) or a hash of a longer key
 * (shop and id, shop and name) that the caller confirms against its own
 * arrays: several entries may share a key, and a look-up visits each. A
 * slot holds its key (as two halves, so a slot is 12 bytes and a probe's
 * neighbours share its cache line) and its value; it is empty when the
 * value is UINT32_MAX (no index is). */
typedef struct { uint32_t key_lo, key_hi, val; } bidsim__slot_t;

typedef struct {
  bidsim__slot_t *slots;
  uint32_t mask;        /* capacity - 1 (a power of two); 0 with no slots */
  uint32_t count;
} bidsim__table_t;

/* Where a look-up stands between the entries of one key. */
typedef struct { uint64_t key; uint32_t slot; } bidsim__probe_t;

/** Room for @p more entries beyond the current ones without a failure
 *  later: BIDSIM_OK or BIDSIM_ENOMEM (the table unchanged). */
int  bidsim__table_reserve(bidsim__table_t *t, uint32_t more);
/** Add an entry (growing if needed; BIDSIM_ENOMEM leaves it unchanged). */
int  bidsim__table_insert(bidsim__table_t *t, uint64_t key, uint32_t val);
/** First value stored under @p key, or UINT32_MAX; *p continues with
 *  bidsim__table_next. */
uint32_t bidsim__table_first(const bidsim__table_t *t, uint64_t key, bidsim__probe_t *p);
uint32_t bidsim__table_next(const bidsim__table_t *t, bidsim__probe_t *p);
void bidsim__table_free(bidsim__table_t *t);

/** A 64-bit mix of two words (splitmix64's finaliser over their combination). */
uint64_t bidsim__hash2(uint64_t a, uint64_t b);
/** A hash of @p a and a NUL-terminated string. */
uint64_t bidsim__hash_str(uint64_t a, const char *s);

#endif
