/* engine/market_personal_internal.h - the personalised ranking's state and
 * the hashes every draw comes from, shared by its tables and their upkeep
 * (market_personal.c) and the auction over them (market_personal_auction.c).
 * Never installed. */
#ifndef BIDSIM_MARKET_PERSONAL_INTERNAL_H
#define BIDSIM_MARKET_PERSONAL_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "market_internal.h"

#define ZCELLS_LOG2 12
#define ZCELLS (1u << ZCELLS_LOG2)
/* The affinity's coarse bound for the vector walks: the highest log2
 * affinity of each group of ZCELLS / ZGROUPS consecutive cells. */
#define ZGROUPS_LOG2 5
#define ZGROUPS (1u << ZGROUPS_LOG2)
/* The most DRAWN visits one impression can hold (a Poisson count whose
 * probability beyond it is below 2^-40; checked when the tables are built),
 * and the most EACH shops with units in one category. */
#define MAX_VISITS 256
#define MAX_EACH 1024
/* An entry's static part when the unit may not compete at that relation. */
#define LS_OUT INT32_MIN

/* One (base relation, category) ranking: units sorted by key descending,
 * key = biased static score << 32 | ~unit (score, then lower unit, first).
 * The walk streams through its view of the positions that may compete
 * (static parts, units and their affinity seeds, a function of the unit
 * (bidsim__punit_seed) stored beside it: a load is cheaper than the three
 * multiplications), all 64-byte aligned, padded to whole words and a
 * 16-lane block beyond. */
typedef struct bidsim__pranking {
  uint32_t  n, words, sums;
  uint64_t *key;
  int32_t  *ls;                         /* static part of the score, Q16 log2 */
  uint32_t *unit;
  uint64_t *bits;                       /* bit i: position i may compete */
  uint64_t *sum;                        /* bit j of sum[s]: bits[64 s + j] != 0 */
  /* the walk's view (market_personal_active.c): the an positions whose
   * bit is set, in order, their static parts and units without holes
   * and seeds (64-byte aligned, as long as ls and unit) */
  uint32_t  an;
  int32_t  *als;
  uint32_t *aunit, *aseed;              /* aseed[i] = bidsim__punit_seed(aunit[i]): loaded, not computed */
  void     *ls_raw, *unit_raw, *als_raw, *aunit_raw, *aseed_raw;   /* what was allocated */
} pranking_t;

/* The walk's view kept current: rebuilt from the bits; position pos
 * entered (its bit just set) or left (its bit set or just cleared: the
 * positions before it decide its place); the entry at view index r erased,
 * or moved to where position `to` now puts it (the ranking's entry moved
 * there, its bit set; the cost is the distance moved, as the ranking's
 * own move); rank: the view index position pos has or would have. The
 * check compares the view with the bits. */
void     bidsim__pactive_rebuild(pranking_t *ix);
uint32_t bidsim__pactive_rank(const pranking_t *ix, uint32_t pos);
void     bidsim__pactive_insert(pranking_t *ix, uint32_t pos);
void     bidsim__pactive_remove(pranking_t *ix, uint32_t pos);
void     bidsim__pactive_erase(pranking_t *ix, uint32_t r);
void     bidsim__pactive_move(pranking_t *ix, uint32_t r, uint32_t to);
bool bidsim__pactive_check(const pranking_t *ix);

/* What the auction reads of a unit it ranks first or enters from a visit:
 * one 32-byte record (two to a cache line). The bids are the plan's, kept
 * current by the controls. */
typedef struct {
  uint32_t plan, product, quality, shop;
  uint32_t bid_li[BIDSIM_SEG_COUNT];    /* at most BIDSIM_BID_MAX_LI */
  uint32_t seed;
} punit_t;
_Static_assert(sizeof(punit_t) == 32, "a unit's record is half a cache line");

/* A visited shop's unit in a category, as the auction enters it: its seed
 * and its static part at the SHOP relation (LS_OUT when it may not compete
 * there), kept current by the controls. */
typedef struct {
  uint32_t unit, seed;
  int32_t  ls;
} pentry_t;

/* A DRAWN shop of a category (a slot of the alias table by reach): the
 * alias method's coin and alias, the shop, where its entries begin (they
 * end where the next slot's begin) and a copy of the first one, so a shop
 * with one unit in the category enters from the record the draw read. */
typedef struct {
  uint32_t keep_q32, alias, shop, first;
  pentry_t e0;
  uint32_t pad;
} pslot_t;
_Static_assert(sizeof(pslot_t) == 32, "a DRAWN slot is half a cache line");

/* A category's visit tables: its EACH shops (decided per user by a hash)
 * and its DRAWN shops (slots), each a group of entries, its units in the
 * category: EACH shop i's are [each_first[i], each_first[i + 1]), DRAWN
 * slot s's [slot[s].first, slot[s + 1].first); EACH entries come first
 * (each_first[each_n] == slot[0].first). Then the Poisson law of how many
 * DRAWN shops a user visited. */
#define CDF_HEAD 8                      /* the count's law's first entries, read without a branch */
typedef struct {
  _Alignas(64) uint64_t cdf_head[CDF_HEAD];   /* count_cdf's first, here: the draw's first line */
  uint32_t each_n, drawn_n;
  pslot_t  *slot;                       /* [drawn_n + 1], the last one only its `first` */
  pentry_t *ent;                        /* [slot[drawn_n].first] */
  uint32_t kmax;                        /* largest count with a probability that matters */
  uint64_t *count_cdf;                  /* [cdf_len] P(count <= k) x 2^64, saturated beyond kmax */
  uint32_t *each_shop;                  /* [each_n] */
  uint32_t *each_first;                 /* [each_n + 1] */
} pvisits_t;

static inline size_t cdf_len(const pvisits_t *v) { return v->kmax + 1 > CDF_HEAD ? (size_t)v->kmax + 1 : CDF_HEAD; }

struct bidsim__personal {
  pranking_t *lists;                    /* [base * categories + category], base 0 ordinary, 1 similar */
  uint32_t   *pos;                      /* [unit * 2 + base]: search hints */
  int32_t    *lq;                       /* [unit * 3 + relation]: log2(quality x ctr_mult), Q16 */
  punit_t    *unit;                     /* [unit], 64-byte aligned */
  void       *unit_raw;
  uint32_t   *vpos;                     /* [unit] its entry in its category's visit tables, or BIDSIM_NONE */
  int32_t    *lbid;                     /* [fen]: log2(bid in li), Q16, for 0 .. BIDSIM_BID_MAX_LI / 10 */
  pvisits_t  *visits;                   /* [category], 64-byte aligned */
  void       *visits_raw;
  uint32_t   *vslot;                      /* [unit] the DRAWN slot whose first entry (e0) it is, or BIDSIM_NONE */
  int32_t     zq[ZCELLS];               /* log2(affinity) per cell, Q16, ascending */
  int32_t     zhi[ZGROUPS];             /* zq's largest per group of cells */
  double      aff[ZCELLS];              /* the affinity per cell */
  int32_t     zmax;                     /* zq[ZCELLS - 1]: the bound of the walk */
  double      mult[BIDSIM_SEG_COUNT];   /* the config's ctr_mult, 0 read as 1 */
  int         simd;                     /* the walk: 0 scalar, 1 AVX2, 2 AVX-512 (bidsim__personal_set_simd) */
};

/* ---- hashes: every draw is a pure function of the impression ------------- */

static inline uint32_t bidsim__pmix32(uint32_t x) {
  x ^= x >> 16;
  x *= UINT32_C(0x7FEB352D);
  x ^= x >> 15;
  x *= UINT32_C(0x846CA68B);
  return x ^ (x >> 16);
}

static inline uint64_t bidsim__pmix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* A unit's affinity seed: a function of its index only, so the same ad has
 * the same affinities in every variant and replicate. */
static inline uint32_t bidsim__punit_seed(uint32_t u) {
  return bidsim__pmix32(u * UINT32_C(0x9E3779B9) + UINT32_C(0x7F4A7C15));
}

/* The user's 32-bit key for the (user, unit) hashes. */
static inline uint32_t bidsim__puser_key(uint64_t user) {
  return (uint32_t)bidsim__pmix64(user ^ UINT64_C(0xA0761D6478BD642F));
}

/* The (user, unit) hash: its top 12 bits pick the affinity's cell, its low
 * 20 bits decide the plan's targeting. */
static inline uint32_t bidsim__ppair_hash(uint32_t ukey, uint32_t seed) { return bidsim__pmix32(ukey ^ seed); }

/* u visited EACH shop s: a hash of (user, shop) below the shop's reach. */
static inline bool bidsim__pvisits_each(const bidsim_market_t *m, uint64_t user, uint32_t shop) {
  return (uint32_t)(bidsim__pmix64(user ^ ((uint64_t)shop * UINT64_C(0xD6E8FEB86659FD93) + 1)) >> 32) <
         m->shops[shop].reach_q32;
}

/* ---- the scores --------------------------------------------------------------- */

static inline pranking_t *bidsim__pranking_of(const bidsim_market_t *m, int base, uint32_t cat) {
  return &m->index.personal->lists[(size_t)base * m->cfg.categories + cat];
}

static inline int32_t bidsim__pstatic_score(const bidsim_market_t *m, uint32_t u, int rel) {
  const bidsim__personal_t *p = m->index.personal;
  return p->lbid[m->hot[m->units[u].plan].bid_li[rel] / BIDSIM_LI_PER_FEN] + p->lq[(size_t)u * 3 + (size_t)rel];
}

static inline bool bidsim__peligible_at(const bidsim_market_t *m, uint32_t u, int rel) {
  const plan_hot_t *h = &m->hot[m->units[u].plan];
  return bidsim__plan_active(h) && h->bid_li[rel] >= m->cfg.auction.reserve_li;
}

static inline uint64_t bidsim__pkey_of(int32_t score, uint32_t u) {
  return (uint64_t)((uint32_t)score ^ UINT32_C(0x80000000)) << 32 | (uint64_t)(UINT32_MAX - u);
}

static inline uint32_t bidsim__pkey_unit(uint64_t key) { return UINT32_MAX - (uint32_t)key; }
static inline int32_t bidsim__pkey_score(uint64_t key) {
  return (int32_t)((uint32_t)(key >> 32) ^ UINT32_C(0x80000000));
}

#endif
