/* engine/market_personal_auction.c - the personalised auction (docs/model.md
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
 * The walks are market_personal_walk.c's: one unit at a time (any
 * machine), eight (AVX2) and sixteen (AVX-512) lanes, chosen at run time,
 * over the ranking's positions that may compete. The vector walks test each
 * block against a coarse bound of the affinity (the highest of its cell's
 * group of 128, a register lookup instead of a gather) and score the few
 * lanes that pass exactly, one by one; the AVX-512 walk keeps the best
 * eight keys sorted in one register, where an insertion is three
 * instructions and no branch. Exactness is tested against
 * bidsim_market_auction_scan (tests/engine/test_personal.c). */
#include "market_personal.h"
#include "market_personal_walk.h"

/* ---- visits ----------------------------------------------------------------------- */

static inline void visit_add(visits_t *out, uint32_t shop, uint32_t group) {
  out->shop_bits |= UINT64_C(1) << (shop & 63);
  out->shop[out->n] = shop;
  out->group[out->n++] = group;
}

void bidsim__pdraw_visits(const bidsim_market_t *m, const bidsim_impression_t *imp, visits_t *out) {
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
  /* the picks' slots are scattered: ask for them all before the first is read */
  for (uint32_t j = 0; j < k; j++)
    __builtin_prefetch(&v->slot[((bidsim__pmix64(base + 2 + j) >> 32) * (uint64_t)v->drawn_n) >> 32]);
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
 * nothing ranks below, never below the reserve (docs/model.md §2). */
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
  uint32_t cell[BIDSIM_MAX_SLOTS + 1];
  /* the candidates' records and affinities are scattered: ask for all of
   * them before the first is used, so their misses overlap (the seed is a
   * function of the unit, the record not needed for the cell) */
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t u = bidsim__pkey_unit(t->key[i]);
    __builtin_prefetch(&p->unit[u]);
    cell[i] = bidsim__ppair_hash(ukey, bidsim__punit_seed(u)) >> (32 - ZCELLS_LOG2);
    __builtin_prefetch(&p->aff[cell[i]]);
  }
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t u = bidsim__pkey_unit(t->key[i]);
    const punit_t *un = &p->unit[u];
    const int rel = unit_visited(p, vis, u) ? BIDSIM_SEG_SHOP : (int)imp->segment;
    const double aff = p->aff[cell[i]];
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
    *scored += bidsim__pwalk_avx512(m, imp, ix, ukey, &vis, &t);
    res->visited = vis.n;
    return fill(m, imp, ukey, &vis, &t, res, defer);
  }
#endif
  bidsim__pdraw_visits(m, imp, &vis);
  res->visited = vis.n;
#ifdef HAVE_X86_WALKS
  if (vis.n) bidsim__penter_visited(m, imp, ukey, &vis, &t);
  if (p->simd) *scored += bidsim__pwalk_avx2(m, imp, ix, ukey, &vis, &t);
  else *scored += bidsim__pwalk_scalar(m, imp, ix, ukey, &vis, &t);
#else
  if (vis.n) bidsim__penter_visited(m, imp, ukey, &vis, &t);
  *scored += bidsim__pwalk_scalar(m, imp, ix, ukey, &vis, &t);
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
  bidsim__pdraw_visits(m, imp, &vis);
  for (uint32_t u = 0; u < m->unit_count; u++) {
    if (m->units[u].category != imp->category) continue;
    const uint32_t plan = m->units[u].plan;
    const bool shop = visited(&vis, m->plans[plan].shop);
    if (shop) vis.unit_bits |= UINT64_C(1) << (u & 63);   /* for fill: the scan enters no visits of its own */
    vis.nvunit = VUNITS + 1;                               /* so fill asks the filters */
    const int rel = shop ? BIDSIM_SEG_SHOP : (int)imp->segment;
    if (!bidsim__peligible_at(m, u, rel) || strict_skip(m, plan, rel) || bidsim__throttle_skip(m, imp, plan)) continue;
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
  bidsim__pdraw_visits(m, &imp, &vis);
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
