/* engine/market_personal_walk.c - the personalised auction's walks
 * (market_personal_auction.c has the rest): the visited shops' units
 * entered at SHOP, then the (base relation, category) ranking walked from
 * the top, through the walk's view of it (its positions that may compete,
 * without holes: market_personal_active.c), until no unit left can reach
 * the (slots + 1)-th best key. One unit at a time (any machine), eight
 * (AVX2) or sixteen (AVX-512) lanes; all give the same keys (tested
 * against the full scan). Reads the market only; no allocation or lock. */
#include "market_personal_walk.h"
#ifdef HAVE_X86_WALKS
#include <immintrin.h>
#endif

/* The visited shops' units at the SHOP relation, straight into the top;
 * every one of them marked in unit_bits (the walk skips them). */
void bidsim__penter_visited(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey, visits_t *vis,
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

/* ---- the walks -------------------------------------------------------------------- */

/* One unit at a time. */
uint32_t bidsim__pwalk_scalar(const bidsim_market_t *m, const bidsim_impression_t *imp, const pranking_t *ix,
                              uint32_t ukey, const visits_t *vis, top_t *t) {
  const int32_t *zq = m->index.personal->zq, zmax = m->index.personal->zmax;
  const bool rare = rare_checks(m);
  uint32_t scored = 0;
  for (uint32_t i = 0; i < ix->an; i++) {
    const int32_t ls = ix->als[i];
    /* no unit from here down can reach the floor: static part + the bound */
    if (ls + zmax < t->floor) return scored;
    scored++;
    const uint32_t u = ix->aunit[i];
    const uint32_t h = bidsim__ppair_hash(ukey, ix->aseed[i]);
    const int32_t score = ls + zq[h >> (32 - ZCELLS_LOG2)];
    if (score < t->floor) continue;
    const uint64_t key = bidsim__pkey_of(score, u);
    if (key > t->kmin && !walk_excluded(m, imp, vis, rare, u, h)) top_insert(t, key);
  }
  return scored;
}

#ifdef HAVE_X86_WALKS
/* Eight lanes: the hash, the coarse bound (four 8-entry register look-ups
 * and three blends give the 32 groups) and the comparison with the floor in AVX2;
 * the lanes that pass are scored exactly one by one, in position order,
 * against the floor as it rises. A block's first position has its highest
 * static part, so stopping on it is as exact as per unit. */
__attribute__((target("avx2"))) uint32_t bidsim__pwalk_avx2(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                            const pranking_t *ix, uint32_t ukey, const visits_t *vis,
                                                            top_t *t) {
  const bidsim__personal_t *p = m->index.personal;
  const int32_t *zq = p->zq, zmax = p->zmax;
  const bool rare = rare_checks(m);
  const __m256i vkey = _mm256_set1_epi32((int32_t)ukey), c1 = _mm256_set1_epi32(0x7FEB352D);
  const __m256i c2 = _mm256_set1_epi32((int32_t)0x846CA68B);
  /* the 32 groups' bounds in four registers of eight */
  const __m256i z0 = _mm256_loadu_si256((const __m256i *)p->zhi), z1 = _mm256_loadu_si256((const __m256i *)(p->zhi + 8));
  const __m256i z2 = _mm256_loadu_si256((const __m256i *)(p->zhi + 16));
  const __m256i z3 = _mm256_loadu_si256((const __m256i *)(p->zhi + 24));
  uint32_t scored = 0;
  __m256i vfloor = _mm256_set1_epi32(t->floor);
  const uint32_t an = ix->an;
  for (uint32_t i0 = 0; i0 < an; i0 += 8) {
    const uint32_t lanes = an - i0 >= 8 ? 0xFFu : (1u << (an - i0)) - 1;
    if (ix->als[i0] + zmax < t->floor) return scored;
    scored += (uint32_t)__builtin_popcount(lanes);
    /* the pair hash of the units' seeds with the user's key */
    __m256i x = _mm256_xor_si256(_mm256_load_si256((const __m256i *)&ix->aseed[i0]), vkey);
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
    const __m256i sc = _mm256_add_epi32(bound, _mm256_load_si256((const __m256i *)&ix->als[i0]));
    /* bound reaches the floor: not (floor > bound) */
    const __m256i below = _mm256_cmpgt_epi32(vfloor, sc);
    uint32_t hits = ~(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(below)) & lanes;
    if (hits == 0) continue;
    uint32_t hash[8];
    _mm256_storeu_si256((__m256i *)hash, x);
    do {
      const uint32_t j = (uint32_t)__builtin_ctz(hits);
      hits &= hits - 1;
      const int32_t score = ix->als[i0 + j] + zq[hash[j] >> (32 - ZCELLS_LOG2)];
      if (score < t->floor) continue;
      const uint32_t u = ix->aunit[i0 + j];
      const uint64_t key = bidsim__pkey_of(score, u);
      if (key > t->kmin && !walk_excluded(m, imp, vis, rare, u, hash[j])) top_insert(t, key);
    } while (hits);
    vfloor = _mm256_set1_epi32(t->floor);
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

/* The hash of 16 units' seeds with the user's key: bidsim__ppair_hash
 * lane by lane. */
__attribute__((target("avx512f"))) static inline __m512i pair_hash16(__m512i seeds, __m512i vkey) {
  __m512i x = _mm512_xor_si512(seeds, vkey);
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x7FEB352D));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32((int32_t)0x846CA68B));
  return _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
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
__attribute__((target("avx512f"))) uint32_t bidsim__pwalk_avx512(const bidsim_market_t *m,
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
  const uint32_t an = ix->an;
  const __mmask16 lanes0 = an >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << an) - 1);
  const __m512i x0 = pair_hash16(_mm512_load_si512(ix->aseed), vkey);
  const __m512i z0 = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes0,
                                                 _mm512_srli_epi32(x0, 32 - ZCELLS_LOG2), zq, 4);
  bidsim__pdraw_visits(m, imp, vis);
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
        else __builtin_prefetch(&p->unit[en->unit]);   /* the result reads a winner's record */
        K = top8_insert(K, key, inf);
      }
    }
  }
  const bool check = rare || vis->unit_bits != 0;
  uint64_t kmin = key_at(K, last);
  int32_t floor = kmin ? bidsim__pkey_score(kmin) : INT32_MIN;
  __m512i vfloor = _mm512_set1_epi32(floor);
  uint32_t scored = 0;
  for (uint32_t i0 = 0; i0 < an; i0 += 16) {
    const __mmask16 lanes = an - i0 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (an - i0)) - 1);
    if (ix->als[i0] + zmax < floor) break;
    scored += (uint32_t)__builtin_popcount(lanes);
    const __m512i units = _mm512_load_si512(&ix->aunit[i0]), vls = _mm512_load_si512(&ix->als[i0]);
    const __m512i x = i0 ? pair_hash16(_mm512_load_si512(&ix->aseed[i0]), vkey) : x0;
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
          if (unit_visited(p, vis, ix->aunit[i0 + j])) in &= (__mmask16)~(1u << j);
        }
      }
      const __m512i hi = _mm512_maskz_xor_epi32(in, _mm512_add_epi32(vls, z), _mm512_set1_epi32(INT32_MIN));
      const __m512i lo = _mm512_maskz_xor_epi32(in, units, _mm512_set1_epi32(-1));   /* ~unit */
      K = merge8(K, sort8(_mm512_unpacklo_epi32(lo, hi)));
      K = merge8(K, sort8(_mm512_unpackhi_epi32(lo, hi)));
      _mm512_store_si512(t->key, K);   /* the result reads the winners' records: ask for them now */
      for (uint32_t q = 0; q < t->want && t->key[q]; q++) __builtin_prefetch(&p->unit[bidsim__pkey_unit(t->key[q])]);
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
      const int32_t score = ix->als[i0 + j] + zq[hash[j] >> (32 - ZCELLS_LOG2)];
      if (score < floor) continue;   /* the bound's excess: rare */
      const uint32_t u = ix->aunit[i0 + j];
      if (check && walk_excluded(m, imp, vis, rare, u, hash[j])) continue;
      __builtin_prefetch(&p->unit[u]);
      K = top8_insert(K, bidsim__pkey_of(score, u), inf);
    }
    kmin = key_at(K, last);
    floor = kmin ? bidsim__pkey_score(kmin) : INT32_MIN;
    vfloor = _mm512_set1_epi32(floor);
  }
  _mm512_store_si512(t->key, K);
  uint32_t n = 0;
  while (n < t->want && t->key[n]) n++;
  t->n = n;
  t->kmin = n == t->want ? t->key[n - 1] : 0;
  t->floor = t->kmin ? bidsim__pkey_score(t->kmin) : INT32_MIN;
  return scored;
}
#endif

