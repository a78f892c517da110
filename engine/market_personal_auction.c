/* engine/market_personal_auction.c - the personalised auction (DOMAIN.md
 * §2) over the tables of market_personal.c: the user's visits, the
 * threshold walk, the result and its prices, and the full scan the walk is
 * tested against. Reads the market only; no allocation, lock or print.
 *
 * Per impression: the shops the user visited among the category's (EACH
 * shops by a hash each, DRAWN ones as a Poisson count of picks by reach);
 * their units enter at the SHOP relation from the visit entries. Then the
 * (base relation, category) ranking, sorted by the static part of the score,
 * is walked from the top: a unit's score is its static part plus log2 of
 * its affinity (a hash of user and unit picks the cell), and the walk stops
 * once the static part plus the affinity's bound cannot reach the
 * (slots + 1)-th best so far (the threshold algorithm). The result is the
 * best slots + 1 keys (score, then lower unit); only for them are relation,
 * affinity, bids and predicted CTRs looked up again.
 *
 * Three walks give the same keys: one unit at a time (any machine), eight
 * (AVX2) and sixteen (AVX-512) lanes, chosen at run time. The vector walks
 * test each block against a coarse bound of the affinity (the highest of
 * its cell's group of 128, a register lookup instead of a gather) and
 * score the few lanes that pass exactly, one by one; the AVX-512 walk keeps
 * the best eight keys sorted in one register, where an insertion is three
 * instructions and no branch. Exactness is tested against
 * bidsim_market_auction_scan (tests/engine/test_personal.c). */
#include <string.h>
#include "market_internal.h"
#include "market_personal.h"
#include "market_personal_internal.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_WALKS 1   /* the vector walks are built; each runs where the CPU has it */
#endif

#define TOP_CAP 24          /* BIDSIM_MAX_SLOTS + 1 candidates, rounded up to whole registers of eight */
_Static_assert(TOP_CAP >= BIDSIM_MAX_SLOTS + 1 && TOP_CAP % 8 == 0, "the top list holds slots + 1 keys");

static inline bool targets(const bidsim_market_t *m, uint32_t plan, uint32_t h) {
  return (h & 0xFFFFFu) < m->target_q20[plan];
}

static inline bool throttle_skip(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t plan) {
  uint32_t q = m->participation_q32[plan];
  if (q == UINT32_MAX) return false;
  uint64_t z = ((uint64_t)imp->draw << 32 | plan) * UINT64_C(0x9E3779B97F4A7C15);
  z = (z ^ (z >> 29)) * UINT64_C(0xBF58476D1CE4E5B9);
  return (uint32_t)((z ^ (z >> 32)) >> 32) >= q;
}

static inline bool strict_skip(const bidsim_market_t *m, uint32_t plan, int rel) {
  const plan_hot_t *h = &m->hot[plan];
  return m->cfg.strict_caps && h->cap_li != BIDSIM_CAP_UNLIMITED && h->cap_li - h->spend_li < h->bid_li[rel];
}

/* Targeting, strict caps or throttling: what may exclude a unit that is
 * eligible and scores high enough, each rarely in use. */
static inline bool rare_checks(const bidsim_market_t *m) {
  return (m->targeted | m->throttled | (uint32_t)m->cfg.strict_caps) != 0;
}

static inline bool rare_excluded(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t u, uint32_t h,
                                 int rel) {
  const uint32_t plan = m->units[u].plan;
  return (m->targeted && !targets(m, plan, h)) || strict_skip(m, plan, rel) ||
         (m->throttled && throttle_skip(m, imp, plan));
}

/* ---- the best slots + 1 keys ------------------------------------------------------ */

/* Keys descending; key[n..8) are 0 (no key is 0: ~unit > 0). A key enters
 * when above kmin, the want-th key once there are want (else 0); its score
 * must then be at least `floor` (kmin's score, INT32_MIN before). */
typedef struct {
  _Alignas(64) uint64_t key[TOP_CAP];
  uint64_t kmin;
  int32_t  floor;
  uint32_t n, want;
} top_t;

static inline void top_init(top_t *t, uint32_t want) {
  memset(t->key, 0, 8 * sizeof *t->key);
  t->kmin = 0;
  t->floor = INT32_MIN;
  t->n = 0;
  t->want = want;
}

static inline void top_insert(top_t *t, uint64_t key) {
  if (key <= t->kmin) return;
  uint32_t i = t->n < t->want ? t->n++ : t->want - 1;
  while (i > 0 && t->key[i - 1] < key) {
    t->key[i] = t->key[i - 1];
    i--;
  }
  t->key[i] = key;
  if (t->n == t->want) {
    t->kmin = t->key[t->want - 1];
    t->floor = bidsim__pkey_score(t->kmin);
  }
}

/* ---- visits ----------------------------------------------------------------------- */

/* The shops the impression's user visited, of those with units in its
 * category: the EACH ones first, then the DRAWN ones, each with its group
 * in the visit tables. The bits are filters (bit x mod 64 set for every
 * shop, DRAWN slot and unit of a visited shop): most look-ups end on one
 * test. The units of visited shops, while at most VUNITS, are also listed
 * (the rest of the list UINT32_MAX, no unit's index), so whether a unit is
 * one of them is VUNITS comparisons and no branch. */
#define VUNITS 8
typedef struct {
  uint32_t n, each;
  uint32_t nvunit;                        /* units of visited shops; above VUNITS: ask the filters */
  uint32_t vunit[VUNITS];
  uint64_t shop_bits, slot_bits, unit_bits;
  uint32_t shop[MAX_EACH + MAX_VISITS];
  uint32_t group[MAX_EACH + MAX_VISITS];
} visits_t;

static inline bool visited(const visits_t *v, uint32_t shop) {
  if (!((v->shop_bits >> (shop & 63)) & 1)) return false;
  for (uint32_t i = 0; i < v->n; i++)
    if (v->shop[i] == shop) return true;
  return false;
}

/* Unit u is of a visited shop (the units entered: enter_visited): most
 * units fail the filter; the others are looked up in the list. */
static inline bool unit_visited(const bidsim__personal_t *p, const visits_t *v, uint32_t u) {
  if (!((v->unit_bits >> (u & 63)) & 1)) return false;
  if (v->nvunit <= VUNITS) {
    bool in = false;
    for (uint32_t q = 0; q < VUNITS; q++) in |= v->vunit[q] == u;
    return in;
  }
  return visited(v, p->unit[u].shop);
}

/* Note unit u of a visited shop (the list's slot wraps once it is too
 * long: the filters answer then). */
static inline void vunit_add(visits_t *v, uint32_t u) {
  v->vunit[v->nvunit & (VUNITS - 1)] = u;
  v->nvunit++;
  v->unit_bits |= UINT64_C(1) << (u & 63);
}

static inline void visit_add(visits_t *out, uint32_t shop, uint32_t group) {
  out->shop_bits |= UINT64_C(1) << (shop & 63);
  out->shop[out->n] = shop;
  out->group[out->n++] = group;
}

static void draw_visits(const bidsim_market_t *m, const bidsim_impression_t *imp, visits_t *out) {
  const pvisits_t *v = &m->index.personal->visits[imp->category];
  out->n = 0;
  out->shop_bits = out->slot_bits = out->unit_bits = 0;
  out->nvunit = 0;
  memset(out->vunit, 0xFF, sizeof out->vunit);
  for (uint32_t i = 0; i < v->each_n; i++)
    if (bidsim__pvisits_each(m, imp->user, v->each_shop[i])) visit_add(out, v->each_shop[i], i);
  out->each = out->n;
  if (v->drawn_n == 0) return;
  const uint64_t base = bidsim__pmix64(imp->user ^ ((uint64_t)imp->category * UINT64_C(0x9FB21C651E98DF25)));
  const uint64_t r = bidsim__pmix64(base + 1);
  /* the count: how many of the increasing CDF's entries r passes (never the
   * saturated ones), the first CDF_HEAD without a branch */
  uint32_t k = 0;
  for (uint32_t j = 0; j < CDF_HEAD; j++) k += r > v->cdf_head[j];
  if (__builtin_expect(k == CDF_HEAD, 0))
    while (k < v->kmax && r > v->count_cdf[k]) k++;
  for (uint32_t j = 0; j < k; j++) {
    const uint64_t x = bidsim__pmix64(base + 2 + j);
    const uint32_t pick = (uint32_t)(((x >> 32) * (uint64_t)v->drawn_n) >> 32);
    const pslot_t *ps = &v->slot[pick];
    const uint32_t slot = (uint32_t)x >= ps->keep_q32 ? ps->alias : pick;   /* the alias method's coin */
    const uint32_t group = v->each_n + slot;
    if ((out->slot_bits >> (slot & 63)) & 1) {   /* drawn before? duplicates merge */
      bool dup = false;
      for (uint32_t q = out->each; q < out->n; q++) dup |= out->group[q] == group;
      if (dup) continue;
    }
    out->slot_bits |= UINT64_C(1) << (slot & 63);
    visit_add(out, v->slot[slot].shop, group);
  }
}

/* Visit group g's entries and their number: a DRAWN shop's one unit from
 * its slot record (which the draw read), else from the entries. */
static inline const pentry_t *group_entries(const pvisits_t *v, uint32_t g, bool each, uint32_t *n) {
  if (each) {
    *n = v->each_first[g + 1] - v->each_first[g];
    return &v->ent[v->each_first[g]];
  }
  const pslot_t *s = &v->slot[g - v->each_n];
  *n = s[1].first - s->first;
  return *n == 1 ? &s->e0 : &v->ent[s->first];
}

/* The visited shops' units at the SHOP relation, straight into the top;
 * every one of them marked in unit_bits (the walk skips them). */
static void enter_visited(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey, visits_t *vis,
                          top_t *t) {
  const bidsim__personal_t *p = m->index.personal;
  const pvisits_t *v = &p->visits[imp->category];
  const bool rare = rare_checks(m);
  for (uint32_t q = 0; q < vis->n; q++) {
    const uint32_t g = vis->group[q];
    const bool each = q < vis->each;
    uint32_t n;
    const pentry_t *ents = group_entries(v, g, each, &n);
    for (uint32_t e = 0; e < n; e++) {
      const uint32_t u = ents[e].unit;
      vunit_add(vis, u);
      const int32_t ls = ents[e].ls;
      if (ls == LS_OUT) continue;
      const uint32_t h = bidsim__ppair_hash(ukey, ents[e].seed);
      const int32_t score = ls + p->zq[h >> (32 - ZCELLS_LOG2)];
      if (score < t->floor || (rare && rare_excluded(m, imp, u, h, BIDSIM_SEG_SHOP))) continue;
      top_insert(t, bidsim__pkey_of(score, u));
    }
  }
}

/* A unit the walk scored high enough at the base relation: out if of a
 * visited shop (in at its SHOP score) or by the rare checks. */
static inline bool walk_excluded(const bidsim_market_t *m, const bidsim_impression_t *imp, const visits_t *vis,
                                 bool rare, uint32_t u, uint32_t h) {
  return unit_visited(m->index.personal, vis, u) || (rare && rare_excluded(m, imp, u, h, (int)imp->segment));
}

/* ---- the walks -------------------------------------------------------------------- */

/* One unit at a time. */
static uint32_t walk_scalar(const bidsim_market_t *m, const bidsim_impression_t *imp, const pranking_t *ix,
                            uint32_t ukey, const visits_t *vis, top_t *t) {
  const int32_t *zq = m->index.personal->zq, zmax = m->index.personal->zmax;
  const bool rare = rare_checks(m);
  uint32_t scored = 0;
  for (uint32_t w = 0; w < ix->words; w++) {
    uint64_t word = ix->bits[w];
    while (word) {
      const uint32_t i = (w << 6) | (uint32_t)__builtin_ctzll(word);
      word &= word - 1;
      const int32_t ls = ix->ls[i];
      /* no unit from here down can reach the floor: static part + the bound */
      if (ls + zmax < t->floor) return scored;
      scored++;
      const uint32_t u = ix->unit[i];
      const uint32_t h = bidsim__ppair_hash(ukey, bidsim__punit_seed(u));
      const int32_t score = ls + zq[h >> (32 - ZCELLS_LOG2)];
      if (score < t->floor) continue;
      const uint64_t key = bidsim__pkey_of(score, u);
      if (key > t->kmin && !walk_excluded(m, imp, vis, rare, u, h)) top_insert(t, key);
    }
  }
  return scored;
}

#ifdef HAVE_X86_WALKS
/* Eight lanes: the hash, the coarse bound (four 8-entry register look-ups
 * and three blends give the 32 groups) and the comparison with the floor in AVX2;
 * the lanes that pass are scored exactly one by one, in position order,
 * against the floor as it rises. A block's first position has its highest
 * static part, so stopping on it is as exact as per unit. */
__attribute__((target("avx2"))) static uint32_t walk_avx2(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                          const pranking_t *ix, uint32_t ukey, const visits_t *vis,
                                                          top_t *t) {
  const bidsim__personal_t *p = m->index.personal;
  const int32_t *zq = p->zq, zmax = p->zmax;
  const bool rare = rare_checks(m);
  const __m256i vkey = _mm256_set1_epi32((int32_t)ukey), c1 = _mm256_set1_epi32(0x7FEB352D);
  const __m256i c2 = _mm256_set1_epi32((int32_t)0x846CA68B);
  const __m256i s1 = _mm256_set1_epi32((int32_t)0x9E3779B9), s2 = _mm256_set1_epi32(0x7F4A7C15);
  /* the 32 groups' bounds in four registers of eight */
  const __m256i z0 = _mm256_loadu_si256((const __m256i *)p->zhi), z1 = _mm256_loadu_si256((const __m256i *)(p->zhi + 8));
  const __m256i z2 = _mm256_loadu_si256((const __m256i *)(p->zhi + 16));
  const __m256i z3 = _mm256_loadu_si256((const __m256i *)(p->zhi + 24));
  uint32_t scored = 0;
  __m256i vfloor = _mm256_set1_epi32(t->floor);
  for (uint32_t w = 0; w < ix->words; w++) {
    const uint64_t word = ix->bits[w];
    if (word == 0) continue;
    for (uint32_t b = 0; b < 64; b += 8) {
      const uint32_t lanes = (uint32_t)(word >> b) & 0xFFu;
      if (lanes == 0) continue;
      const uint32_t i0 = (w << 6) | b;
      if (ix->ls[i0] + zmax < t->floor) return scored;
      scored += (uint32_t)__builtin_popcount(lanes);
      /* the seeds from the units (bidsim__punit_seed), then the pair hash */
      __m256i x = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_load_si256((const __m256i *)&ix->unit[i0]), s1), s2);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      x = _mm256_mullo_epi32(x, c1);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
      x = _mm256_mullo_epi32(x, c2);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      x = _mm256_xor_si256(x, vkey);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      x = _mm256_mullo_epi32(x, c1);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
      x = _mm256_mullo_epi32(x, c2);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      /* the group x >> 27: its low three bits index a register, bit 3 and
       * bit 4 (moved to the sign, which blendv reads) pick among the four */
      const __m256i g = _mm256_srli_epi32(x, 27);
      const __m256 b3 = _mm256_castsi256_ps(_mm256_slli_epi32(g, 28)), b4 = _mm256_castsi256_ps(_mm256_slli_epi32(g, 27));
      const __m256 lo = _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_permutevar8x32_epi32(z0, g)),
                                         _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(z1, g)), b3);
      const __m256 hi = _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_permutevar8x32_epi32(z2, g)),
                                         _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(z3, g)), b3);
      const __m256i bound = _mm256_castps_si256(_mm256_blendv_ps(lo, hi, b4));
      const __m256i sc = _mm256_add_epi32(bound, _mm256_load_si256((const __m256i *)&ix->ls[i0]));
      /* bound reaches the floor: not (floor > bound) */
      const __m256i below = _mm256_cmpgt_epi32(vfloor, sc);
      uint32_t hits = ~(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(below)) & lanes;
      if (hits == 0) continue;
      uint32_t hash[8];
      _mm256_storeu_si256((__m256i *)hash, x);
      do {
        const uint32_t j = (uint32_t)__builtin_ctz(hits);
        hits &= hits - 1;
        const int32_t score = ix->ls[i0 + j] + zq[hash[j] >> (32 - ZCELLS_LOG2)];
        if (score < t->floor) continue;
        const uint32_t u = ix->unit[i0 + j];
        const uint64_t key = bidsim__pkey_of(score, u);
        if (key > t->kmin && !walk_excluded(m, imp, vis, rare, u, hash[j])) top_insert(t, key);
      } while (hits);
      vfloor = _mm256_set1_epi32(t->floor);
    }
  }
  return scored;
}

/* The best eight keys, descending, in one register: key enters at its
 * place, the smaller ones move down one lane and the last drops out:
 * lane i becomes max(K[i], min(K[i - 1], key)) (K[-1] = infinity). */
__attribute__((target("avx512f"))) static inline __m512i top8_insert(__m512i K, uint64_t key, __m512i inf) {
  const __m512i up = _mm512_alignr_epi64(K, inf, 7);
  return _mm512_max_epu64(K, _mm512_min_epu64(up, _mm512_set1_epi64((long long)key)));
}

/* The hash of 16 units' seeds (bidsim__punit_seed of each) with the user's
 * key: bidsim__ppair_hash lane by lane. */
__attribute__((target("avx512f"))) static inline __m512i pair_hash16(__m512i units, __m512i vkey) {
  const __m512i c1 = _mm512_set1_epi32(0x7FEB352D), c2 = _mm512_set1_epi32((int32_t)0x846CA68B);
  __m512i x = _mm512_add_epi32(_mm512_mullo_epi32(units, _mm512_set1_epi32((int32_t)0x9E3779B9)),
                               _mm512_set1_epi32(0x7F4A7C15));
  for (int round = 0; round < 2; round++) {   /* mix32 of the seed, then of seed ^ key */
    x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
    x = _mm512_mullo_epi32(x, c1);
    x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
    x = _mm512_mullo_epi32(x, c2);
    x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
    if (round == 0) x = _mm512_xor_si512(x, vkey);
  }
  return x;
}

/* Compare-exchange of lanes i and idx[i] of eight keys: the lanes in
 * @p takes_max keep the larger. */
__attribute__((target("avx512f"))) static inline __m512i cx8(__m512i v, __m512i idx, __mmask8 takes_max) {
  const __m512i q = _mm512_permutexvar_epi64(idx, v);
  return _mm512_mask_blend_epi64(takes_max, _mm512_min_epu64(v, q), _mm512_max_epu64(v, q));
}

/* Eight keys sorted descending (a bitonic network, six exchanges). */
__attribute__((target("avx512f"))) static inline __m512i sort8(__m512i v) {
  const __m512i p1 = _mm512_setr_epi64(1, 0, 3, 2, 5, 4, 7, 6), p2 = _mm512_setr_epi64(2, 3, 0, 1, 6, 7, 4, 5);
  const __m512i p4 = _mm512_setr_epi64(4, 5, 6, 7, 0, 1, 2, 3);
  v = cx8(v, p1, 0x99);
  v = cx8(v, p2, 0xC3);
  v = cx8(v, p1, 0xA5);
  v = cx8(v, p4, 0x0F);
  v = cx8(v, p2, 0x33);
  return cx8(v, p1, 0x55);
}

/* The best eight of two descending lists of eight, descending: the larger
 * of each lane and its mirror in the other list form a bitonic sequence
 * holding them, which three exchanges sort. */
__attribute__((target("avx512f"))) static inline __m512i merge8(__m512i a, __m512i b) {
  const __m512i rev = _mm512_setr_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  __m512i v = _mm512_max_epu64(a, _mm512_permutexvar_epi64(rev, b));
  v = cx8(v, _mm512_setr_epi64(4, 5, 6, 7, 0, 1, 2, 3), 0x0F);
  v = cx8(v, _mm512_setr_epi64(2, 3, 0, 1, 6, 7, 4, 5), 0x33);
  return cx8(v, _mm512_setr_epi64(1, 0, 3, 2, 5, 4, 7, 6), 0x55);
}

/* The lanes whose unit may be of a visited shop: bit (unit mod 64) of the
 * visits' unit filter. */
__attribute__((target("avx512f"))) static inline __mmask16 maybe_visited16(__m512i units, uint64_t unit_bits) {
  const __m512i sh = _mm512_and_si512(units, _mm512_set1_epi32(63));
  const __m512i lo = _mm512_srlv_epi32(_mm512_set1_epi32((int32_t)(uint32_t)unit_bits), sh);
  const __m512i hi = _mm512_srlv_epi32(_mm512_set1_epi32((int32_t)(uint32_t)(unit_bits >> 32)),
                                       _mm512_sub_epi32(sh, _mm512_set1_epi32(32)));
  const __m512i bit = _mm512_mask_mov_epi32(lo, _mm512_cmpge_epi32_mask(sh, _mm512_set1_epi32(32)), hi);
  return _mm512_test_epi32_mask(bit, _mm512_set1_epi32(1));
}

__attribute__((target("avx512f"))) static inline uint64_t key_at(__m512i K, __m512i lane) {
  return (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(_mm512_permutexvar_epi64(lane, K)));
}

/* The auction's candidates in AVX-512, for up to eight (slots + 1): the
 * best eight keys sorted in one register (top8_insert), the visited units
 * entered there, then the walk sixteen positions at a time. While the list
 * is not full a block's every lane would enter: it is scored exactly (a
 * gather) and its keys sorted and merged into the list (sort8, merge8) in
 * a few exchanges instead of sixteen insertions in a row. Later blocks are
 * tested against the coarse bound and the few lanes that pass are scored
 * exactly and inserted one by one; keys that the block's floor let through
 * below the want-th sink below it. */
__attribute__((target("avx512f"))) static uint32_t walk_avx512(const bidsim_market_t *m,
                                                               const bidsim_impression_t *imp, const pranking_t *ix,
                                                               uint32_t ukey, visits_t *vis, top_t *t) {
  const bidsim__personal_t *p = m->index.personal;
  const int32_t *zq = p->zq, zmax = p->zmax;
  const bool rare = rare_checks(m);
  const __m512i vkey = _mm512_set1_epi32((int32_t)ukey);
  const __m512i zlo = _mm512_loadu_si512(p->zhi), zhi = _mm512_loadu_si512(p->zhi + 16);
  const __m512i inf = _mm512_set1_epi64(-1), last = _mm512_set1_epi64((long long)t->want - 1);
  /* The ranking's first block, hashed and scored exactly before the visits
   * are drawn: it needs none of them, and the draw's latency hides its own. */
  const __mmask16 lanes0 = (__mmask16)ix->bits[0];
  const __m512i x0 = pair_hash16(_mm512_load_si512(ix->unit), vkey);
  const __m512i z0 = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes0,
                                                 _mm512_srli_epi32(x0, 32 - ZCELLS_LOG2), zq, 4);
  draw_visits(m, imp, vis);
  __m512i K = _mm512_setzero_si512();
  /* the visited shops' units at SHOP; a key of 0 inserts nothing */
  if (vis->n) {
    const pvisits_t *v = &p->visits[imp->category];
    for (uint32_t q = 0; q < vis->n; q++) {
      const uint32_t g = vis->group[q];
      const bool each = q < vis->each;
      uint32_t n;
      const pentry_t *ents = group_entries(v, g, each, &n);
      for (uint32_t e = 0; e < n; e++) {
        const pentry_t *en = &ents[e];
        vunit_add(vis, en->unit);
        const uint32_t h = bidsim__ppair_hash(ukey, en->seed);
        /* summed without a sign (LS_OUT + a negative log2 affinity would
         * overflow an int), the key then dropped */
        const uint32_t sum = (uint32_t)en->ls + (uint32_t)zq[h >> (32 - ZCELLS_LOG2)];
        uint64_t key = bidsim__pkey_of((int32_t)sum, en->unit);
        if (en->ls == LS_OUT || (rare && rare_excluded(m, imp, en->unit, h, BIDSIM_SEG_SHOP))) key = 0;
        K = top8_insert(K, key, inf);
      }
    }
  }
  const bool check = rare || vis->unit_bits != 0;
  uint64_t kmin = key_at(K, last);
  int32_t floor = kmin ? bidsim__pkey_score(kmin) : INT32_MIN;
  __m512i vfloor = _mm512_set1_epi32(floor);
  uint32_t scored = 0;
  for (uint32_t w = 0; w < ix->words; w++) {
    const uint64_t word = ix->bits[w];
    if (word == 0) continue;
    for (uint32_t b = 0; b < 64; b += 16) {
      const __mmask16 lanes = (__mmask16)(word >> b);
      if (lanes == 0) continue;
      const uint32_t i0 = (w << 6) | b;
      if (ix->ls[i0] + zmax < floor) goto done;
      scored += (uint32_t)__builtin_popcount(lanes);
      const __m512i units = _mm512_load_si512(&ix->unit[i0]), vls = _mm512_load_si512(&ix->ls[i0]);
      const __m512i x = i0 ? pair_hash16(units, vkey) : x0;
      if (floor == INT32_MIN && !rare) {
        /* not full: every lane would go in, so score the block exactly (a
         * gather) and merge its keys, sorted, into the list at once */
        const __m512i z = i0 ? _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes,
                                                           _mm512_srli_epi32(x, 32 - ZCELLS_LOG2), zq, 4)
                             : z0;
        __mmask16 in = lanes;
        if (vis->nvunit && vis->nvunit <= VUNITS) {   /* a visited shop's unit is in at its SHOP score */
          for (uint32_t q = 0; q < VUNITS; q++)
            in &= (__mmask16)~_mm512_cmpeq_epi32_mask(units, _mm512_set1_epi32((int32_t)vis->vunit[q]));
        } else if (vis->unit_bits) {
          __mmask16 maybe = maybe_visited16(units, vis->unit_bits) & lanes;
          while (maybe) {
            const uint32_t j = (uint32_t)__builtin_ctz(maybe);
            maybe &= (__mmask16)(maybe - 1);
            if (unit_visited(p, vis, ix->unit[i0 + j])) in &= (__mmask16)~(1u << j);
          }
        }
        const __m512i hi = _mm512_maskz_xor_epi32(in, _mm512_add_epi32(vls, z), _mm512_set1_epi32(INT32_MIN));
        const __m512i lo = _mm512_maskz_xor_epi32(in, units, _mm512_set1_epi32(-1));   /* ~unit */
        K = merge8(K, sort8(_mm512_unpacklo_epi32(lo, hi)));
        K = merge8(K, sort8(_mm512_unpackhi_epi32(lo, hi)));
        kmin = key_at(K, last);
        floor = kmin ? bidsim__pkey_score(kmin) : INT32_MIN;
        vfloor = _mm512_set1_epi32(floor);
        continue;
      }
      const __m512i sc =
          _mm512_add_epi32(vls, _mm512_permutex2var_epi32(zlo, _mm512_srli_epi32(x, 32 - ZGROUPS_LOG2), zhi));
      __mmask16 hits = _mm512_mask_cmpge_epi32_mask(lanes, sc, vfloor);
      if (hits == 0) continue;
      uint32_t hash[16];
      _mm512_storeu_si512(hash, x);
      while (hits) {
        const uint32_t j = (uint32_t)__builtin_ctz(hits);
        hits &= (__mmask16)(hits - 1);
        const int32_t score = ix->ls[i0 + j] + zq[hash[j] >> (32 - ZCELLS_LOG2)];
        if (score < floor) continue;   /* the bound's excess: rare */
        const uint32_t u = ix->unit[i0 + j];
        if (check && walk_excluded(m, imp, vis, rare, u, hash[j])) continue;
        K = top8_insert(K, bidsim__pkey_of(score, u), inf);
      }
      kmin = key_at(K, last);
      floor = kmin ? bidsim__pkey_score(kmin) : INT32_MIN;
      vfloor = _mm512_set1_epi32(floor);
    }
  }
done:
  _mm512_store_si512(t->key, K);
  uint32_t n = 0;
  while (n < t->want && t->key[n]) n++;
  t->n = n;
  t->kmin = n == t->want ? t->key[n - 1] : 0;
  t->floor = t->kmin ? bidsim__pkey_score(t->kmin) : INT32_MIN;
  return scored;
}
#endif

/* ---- prices ----------------------------------------------------------------------- */

/* Prices come from the candidates' predicted CTRs (quality x ctr_mult x
 * affinity, doubles) rather than from the fixed-point scores, so a price
 * worked by hand from the bids and qualities is the engine's to the li; the
 * fixed-point score only ranks. */
static inline double ceil_li(double x) {
  int64_t c = (int64_t)x;
  return (double)(c + ((double)c < x));
}

/* min(bid, ceil(next bid x next pCTR / pCTR) + increment), the reserve when
 * nothing ranks below, never below the reserve (DOMAIN.md §2). */
static inline int64_t gsp_price(const bidsim_auction_config_t *cfg, int64_t bid_li, double pctr, double next_value) {
  if (next_value < 0) return cfg->reserve_li < bid_li ? cfg->reserve_li : bid_li;
  int64_t pr = (int64_t)ceil_li(next_value / pctr) + cfg->increment_li;
  if (pr < cfg->reserve_li) pr = cfg->reserve_li;
  return pr < bid_li ? pr : bid_li;
}

int64_t bidsim__personal_slot_price(const bidsim_market_t *m, const bidsim_auction_result_t *res, uint32_t slot) {
  return gsp_price(&m->cfg.auction, res->bid_li[slot], res->pctr[slot], res->next_value[slot]);
}

/* VCG over the same values: slot k's payment is the externality
 * sum_{j>=k} (w_j - w_{j+1}) v_{j+1}, per click over w_k pCTR_k, with the
 * reserve at the payer's pCTR below the last candidate. */
static int64_t vcg_price(const bidsim_auction_config_t *cfg, const double *value, uint32_t n, uint32_t filled,
                         uint32_t k, const int64_t *bid, const double *pctr) {
  double total = 0.0;
  for (uint32_t j = k; j < filled; j++) {
    const double wj = cfg->position_weight_ppm[j], wn = j + 1 < filled ? cfg->position_weight_ppm[j + 1] : 0.0;
    const double v_next = j + 1 < n ? value[j + 1] : (double)cfg->reserve_li * pctr[k];
    total += (wj - wn) * v_next;
  }
  int64_t c = (int64_t)ceil_li(total / (cfg->position_weight_ppm[k] * pctr[k]));
  if (c < cfg->reserve_li) c = cfg->reserve_li;
  return c < bid[k] ? c : bid[k];
}

/* The result from the final keys: each one's relation (SHOP when its shop
 * was visited) and affinity cell again, its bid and predicted CTR, and the
 * prices. */
static uint32_t fill(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey, const visits_t *vis,
                     const top_t *t, bidsim_auction_result_t *res, bool defer) {
  const bidsim__personal_t *p = m->index.personal;
  const bidsim_auction_config_t *cfg = &m->cfg.auction;
  const uint32_t n = t->n, filled = n < cfg->slots ? n : cfg->slots;
  int64_t bid[BIDSIM_MAX_SLOTS + 1];
  double pctr[BIDSIM_MAX_SLOTS + 1], value[BIDSIM_MAX_SLOTS + 1];
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t u = bidsim__pkey_unit(t->key[i]);
    const punit_t *un = &p->unit[u];
    const int rel = unit_visited(p, vis, u) ? BIDSIM_SEG_SHOP : (int)imp->segment;
    const double aff = p->aff[bidsim__ppair_hash(ukey, un->seed) >> (32 - ZCELLS_LOG2)];
    bid[i] = un->bid_li[rel];
    pctr[i] = un->quality * p->mult[rel] * aff;
    value[i] = (double)bid[i] * pctr[i];
    if (i > 0) res->next_value[i - 1] = value[i];   /* slots + 1 keys at most: i - 1 < slots */
    if (i < filled) {
      res->plan[i] = un->plan;
      res->unit[i] = u;
      res->product[i] = un->product;
      res->bid_li[i] = bid[i];
      res->quality[i] = un->quality;
      res->relation[i] = (uint8_t)rel;
      res->affinity[i] = aff;
      res->pctr[i] = pctr[i];
      res->next_score[i] = UINT64_MAX;   /* the static model's field: unused here */
    }
  }
  if (n == filled && filled > 0) res->next_value[filled - 1] = -1.0;   /* nothing ranks below the last */
  res->n = filled;
  res->priced = true;
  switch (cfg->mechanism) {
    case BIDSIM_MECH_FIRST:
      for (uint32_t i = 0; i < filled; i++) res->price_li[i] = bid[i];
      break;
    case BIDSIM_MECH_VCG:
      for (uint32_t i = 0; i < filled; i++) res->price_li[i] = vcg_price(cfg, value, n, filled, i, bid, pctr);
      break;
    default:
      res->priced = !defer;
      if (!defer)
        for (uint32_t i = 0; i < filled; i++) res->price_li[i] = gsp_price(cfg, bid[i], pctr[i], res->next_value[i]);
  }
  return filled;
}

/* ---- the auction and the scan ----------------------------------------------------- */

uint32_t bidsim__personal_auction(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                  bidsim_auction_result_t *res, bool defer, uint32_t *scored) {
  const bidsim__personal_t *p = m->index.personal;
  top_t t;
  top_init(&t, m->cfg.auction.slots + 1);
  visits_t vis;
  const uint32_t ukey = bidsim__puser_key(imp->user);
  const pranking_t *ix = bidsim__pranking_of(m, imp->segment == BIDSIM_SEG_SIMILAR, imp->category);
#ifdef HAVE_X86_WALKS
  if (p->simd == 2 && t.want <= 8) {   /* draws the visits and enters their units itself */
    *scored += walk_avx512(m, imp, ix, ukey, &vis, &t);
    res->visited = vis.n;
    return fill(m, imp, ukey, &vis, &t, res, defer);
  }
#endif
  draw_visits(m, imp, &vis);
  res->visited = vis.n;
#ifdef HAVE_X86_WALKS
  if (vis.n) enter_visited(m, imp, ukey, &vis, &t);
  if (p->simd) *scored += walk_avx2(m, imp, ix, ukey, &vis, &t);
  else *scored += walk_scalar(m, imp, ix, ukey, &vis, &t);
#else
  if (vis.n) enter_visited(m, imp, ukey, &vis, &t);
  *scored += walk_scalar(m, imp, ix, ukey, &vis, &t);
#endif
  return fill(m, imp, ukey, &vis, &t, res, defer);
}

uint32_t bidsim__personal_scan(const bidsim_market_t *m, const bidsim_impression_t *imp,
                               bidsim_auction_result_t *res) {
  const bidsim__personal_t *p = m->index.personal;
  top_t t;
  top_init(&t, m->cfg.auction.slots + 1);
  visits_t vis;
  const uint32_t ukey = bidsim__puser_key(imp->user);
  draw_visits(m, imp, &vis);
  for (uint32_t u = 0; u < m->unit_count; u++) {
    if (m->units[u].category != imp->category) continue;
    const uint32_t plan = m->units[u].plan;
    const bool shop = visited(&vis, m->plans[plan].shop);
    if (shop) vis.unit_bits |= UINT64_C(1) << (u & 63);   /* for fill: the scan enters no visits of its own */
    vis.nvunit = VUNITS + 1;                               /* so fill asks the filters */
    const int rel = shop ? BIDSIM_SEG_SHOP : (int)imp->segment;
    if (!bidsim__peligible_at(m, u, rel) || strict_skip(m, plan, rel) || throttle_skip(m, imp, plan)) continue;
    const uint32_t h = bidsim__ppair_hash(ukey, p->unit[u].seed);
    if (!targets(m, plan, h)) continue;
    top_insert(&t, bidsim__pkey_of(bidsim__pstatic_score(m, u, rel) + p->zq[h >> (32 - ZCELLS_LOG2)], u));
  }
  return fill(m, imp, ukey, &vis, &t, res, false);
}

/* ---- inspection ------------------------------------------------------------------- */

double bidsim__personal_affinity(const bidsim_market_t *m, uint64_t user, uint32_t unit) {
  const bidsim__personal_t *p = m->index.personal;
  return p->aff[bidsim__ppair_hash(bidsim__puser_key(user), p->unit[unit].seed) >> (32 - ZCELLS_LOG2)];
}

bool bidsim__personal_visited(const bidsim_market_t *m, uint64_t user, uint32_t category, uint32_t shop) {
  if (m->shops[shop].visit_mode == BIDSIM_VISIT_EACH) return bidsim__pvisits_each(m, user, shop);   /* in every category */
  visits_t vis;
  const bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, category, 0, user };
  draw_visits(m, &imp, &vis);
  return visited(&vis, shop);
}

int bidsim__personal_set_simd(bidsim_market_t *m, int level) {
  bidsim__personal_t *p = m->index.personal;
  if (p == NULL) return 0;
  p->simd = 0;
#ifdef HAVE_X86_WALKS
  if (level >= 2 && __builtin_cpu_supports("avx512f")) p->simd = 2;
  else if (level >= 1 && __builtin_cpu_supports("avx2")) p->simd = 1;
#else
  (void)level;
#endif
  return p->simd;
}
