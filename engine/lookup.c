/* engine/lookup.c - the catalogue's hash tables (lookup_internal.h): linear
 * probing over a power-of-two array, at most 3/4 full, grown by doubling.
 * Entries are never removed (the catalogue only grows). */
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/error.h"
#include "lookup_internal.h"

#define EMPTY UINT32_MAX

static inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

uint64_t bidsim__hash2(uint64_t a, uint64_t b) { return mix(mix(a + UINT64_C(0x9E3779B97F4A7C15)) ^ b); }

uint64_t bidsim__hash_str(uint64_t a, const char *s) {
  uint64_t h = UINT64_C(0xCBF29CE484222325);   /* FNV-1a, then mixed with a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001B3);
  return bidsim__hash2(a, h);
}

static inline uint32_t home(const bidsim__table_t *t, uint64_t key) { return (uint32_t)mix(key) & t->mask; }

static inline uint64_t key_of(const bidsim__slot_t *s) { return (uint64_t)s->key_hi << 32 | s->key_lo; }

/* Place an entry into slots known to have room. */
static void put(bidsim__table_t *t, uint64_t key, uint32_t val) {
  uint32_t i = home(t, key);
  while (t->slots[i].val != EMPTY) i = (i + 1) & t->mask;
  t->slots[i] = (bidsim__slot_t){ (uint32_t)key, (uint32_t)(key >> 32), val };
  t->count++;
}

/* Re-hash into @p cap slots (a power of two). */
static int resize(bidsim__table_t *t, uint64_t cap) {
  if (cap > (UINT64_C(1) << 32)) return BIDSIM_ENOMEM;   /* values are 32-bit indices: never needed */
  bidsim__slot_t *slots = bidsim_malloc((size_t)cap * sizeof *slots);
  if (slots == NULL) return BIDSIM_ENOMEM;
  memset(slots, 0xFF, (size_t)cap * sizeof *slots);   /* every value UINT32_MAX: empty */
  bidsim__table_t old = *t;
  t->slots = slots;
  t->mask = (uint32_t)(cap - 1);
  t->count = 0;
  for (uint64_t i = 0; old.slots && i <= old.mask; i++)
    if (old.slots[i].val != EMPTY) put(t, key_of(&old.slots[i]), old.slots[i].val);
  bidsim_free(old.slots);
  return BIDSIM_OK;
}

int bidsim__table_reserve(bidsim__table_t *t, uint32_t more) {
  const uint64_t need = (uint64_t)t->count + more;
  uint64_t cap = t->slots ? (uint64_t)t->mask + 1 : 0;
  if (need * 4 <= cap * 3) return BIDSIM_OK;
  if (cap == 0) cap = 16;
  while (need * 4 > cap * 3) cap *= 2;
  return resize(t, cap);
}

int bidsim__table_insert(bidsim__table_t *t, uint64_t key, uint32_t val) {
  int rc = bidsim__table_reserve(t, 1);
  if (rc) return rc;
  put(t, key, val);
  return BIDSIM_OK;
}

uint32_t bidsim__table_next(const bidsim__table_t *t, bidsim__probe_t *p) {
  if (t->slots == NULL) return EMPTY;
  for (uint32_t i = p->slot; t->slots[i].val != EMPTY; i = (i + 1) & t->mask)
    if (key_of(&t->slots[i]) == p->key) {
      p->slot = (i + 1) & t->mask;
      return t->slots[i].val;
    }
  return EMPTY;
}

uint32_t bidsim__table_first(const bidsim__table_t *t, uint64_t key, bidsim__probe_t *p) {
  p->key = key;
  p->slot = t->slots ? home(t, key) : 0;
  return bidsim__table_next(t, p);
}

void bidsim__table_free(bidsim__table_t *t) {
  bidsim_free(t->slots);
  memset(t, 0, sizeof *t);
}
