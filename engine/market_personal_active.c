/* engine/market_personal_active.c - the walk's view of a personalised
 * ranking: its positions that may compete (bits set), in ranking order,
 * their static parts and units packed without holes, kept current by the
 * tables' upkeep (market_personal.c) as bits change and entries move.
 * Caps stop the highest bidders first, so by the afternoon half the
 * positions at a ranking's top are holes; the walks read this view and
 * hash only units that may compete, sixteen to a block. No allocation. */
#include <string.h>
#include "market_personal_internal.h"

static inline void put(pranking_t *ix, uint32_t a, uint32_t pos) {
  ix->als[a] = ix->ls[pos];
  ix->aunit[a] = ix->unit[pos];
  ix->aseed[a] = bidsim__punit_seed(ix->unit[pos]);
}

/* Active positions before @p pos: popcounts of the bits words before it. */
uint32_t bidsim__pactive_rank(const pranking_t *ix, uint32_t pos) {
  uint32_t r = 0;
  const uint32_t w = pos >> 6;
  for (uint32_t i = 0; i < w; i++) r += (uint32_t)__builtin_popcountll(ix->bits[i]);
  const uint64_t below = (pos & 63) ? ix->bits[w] & ((UINT64_C(1) << (pos & 63)) - 1) : 0;
  return r + (uint32_t)__builtin_popcountll(below);
}

void bidsim__pactive_rebuild(pranking_t *ix) {
  uint32_t a = 0;
  for (uint32_t i = 0; i < ix->n; i++)
    if ((ix->bits[i >> 6] >> (i & 63)) & 1) put(ix, a++, i);
  ix->an = a;
}

void bidsim__pactive_insert(pranking_t *ix, uint32_t pos) {
  const uint32_t r = bidsim__pactive_rank(ix, pos);
  memmove(&ix->als[r + 1], &ix->als[r], (size_t)(ix->an - r) * sizeof *ix->als);
  memmove(&ix->aunit[r + 1], &ix->aunit[r], (size_t)(ix->an - r) * sizeof *ix->aunit);
  memmove(&ix->aseed[r + 1], &ix->aseed[r], (size_t)(ix->an - r) * sizeof *ix->aseed);
  put(ix, r, pos);
  ix->an++;
}

void bidsim__pactive_remove(pranking_t *ix, uint32_t pos) { bidsim__pactive_erase(ix, bidsim__pactive_rank(ix, pos)); }

void bidsim__pactive_erase(pranking_t *ix, uint32_t r) {
  ix->an--;
  memmove(&ix->als[r], &ix->als[r + 1], (size_t)(ix->an - r) * sizeof *ix->als);
  memmove(&ix->aunit[r], &ix->aunit[r + 1], (size_t)(ix->an - r) * sizeof *ix->aunit);
  memmove(&ix->aseed[r], &ix->aseed[r + 1], (size_t)(ix->an - r) * sizeof *ix->aseed);
}

/* A strategy's bid step moves an entry a few places: a short loop then
 * costs less than three calls of memmove. */
static inline void shift(pranking_t *ix, uint32_t dst, uint32_t src, uint32_t n) {
  if (n > 16) {
    memmove(&ix->als[dst], &ix->als[src], (size_t)n * sizeof *ix->als);
    memmove(&ix->aunit[dst], &ix->aunit[src], (size_t)n * sizeof *ix->aunit);
    memmove(&ix->aseed[dst], &ix->aseed[src], (size_t)n * sizeof *ix->aseed);
  } else if (dst > src) {
    for (uint32_t i = n; i-- > 0;) {
      ix->als[dst + i] = ix->als[src + i];
      ix->aunit[dst + i] = ix->aunit[src + i];
      ix->aseed[dst + i] = ix->aseed[src + i];
    }
  } else {
    for (uint32_t i = 0; i < n; i++) {
      ix->als[dst + i] = ix->als[src + i];
      ix->aunit[dst + i] = ix->aunit[src + i];
      ix->aseed[dst + i] = ix->aseed[src + i];
    }
  }
}

void bidsim__pactive_move(pranking_t *ix, uint32_t r, uint32_t to) {
  const uint32_t t = bidsim__pactive_rank(ix, to);
  if (t < r) shift(ix, t + 1, t, r - t);
  else if (t > r) shift(ix, r, r + 1, t - r);
  put(ix, t, to);
}

bool bidsim__pactive_check(const pranking_t *ix) {
  uint32_t a = 0;
  for (uint32_t i = 0; i < ix->n; i++)
    if ((ix->bits[i >> 6] >> (i & 63)) & 1) {
      if (a >= ix->an || ix->als[a] != ix->ls[i] || ix->aunit[a] != ix->unit[i] ||
          ix->aseed[a] != bidsim__punit_seed(ix->unit[i]))
        return false;
      a++;
    }
  return a == ix->an;
}
