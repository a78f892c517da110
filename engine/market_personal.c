/* engine/market_personal.c - the personalised ranking's tables (docs/model.md
 * §2: the platforms rank each impression by bid x this user's predicted
 * CTR for this ad): built once from the catalogue with the market's index,
 * kept current by the controls in place (nothing here allocates after the
 * build), checked whole by bidsim__personal_check. The auction over them
 * is market_personal_auction.c's.
 *
 * The model. For an impression of user u in category c with base relation
 * b (ORDINARY, or SIMILAR when the user is interested in the category's
 * products), unit j of c has relation r = SHOP if u visited j's shop, else
 * b, and the score
 *     bid_j[r] x quality_j x ctr_mult[r] x affinity(u, j),
 * affinity = exp(sigma Z - c) with Z a standard normal truncated to [-T, T]
 * taken from a 4,096-cell quantile table by a hash of (u, j's seed), c
 * making the table's mean exactly 1. Scores are compared as Q16 fixed-point
 * log2 values: log2(bid) from a table, log2(quality x ctr_mult) per unit
 * and relation, log2(affinity) from the table, summed in int32. That sum is
 * the score (ties: lower unit first); prices follow from it.
 *
 * The walk. Units of visited shops enter at their SHOP score first (a
 * shop decides per user by a hash, or, for the many generated shops, the
 * user's visits in the category are drawn: a Poisson count, picks by
 * reach). Then the index of (b, c), sorted by the static part of the score
 * (without the affinity), is walked from the top computing exact scores,
 * until the next unit's static part plus the affinity's bound cannot reach
 * the (slots + 1)-th best: no unit left unscored could enter (the
 * threshold algorithm). Exactness is tested against bidsim_market_auction_scan. */
#include <assert.h>
#include <math.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "market_internal.h"
#include "market_personal.h"
#include "market_personal_internal.h"

#define Q16 65536.0
#define PI 3.14159265358979323846
#define LN2 0.69314718055994530942

/* ---- tables ----------------------------------------------------------------- */

/* Phi^-1(p): Acklam's rational approximation (relative error 1.15e-9),
 * refined by one Halley step on erfc, close to double precision. Built
 * once per index, 4,096 times: a bisection made a redrawn market's build
 * cost more than its day. */
static double norm_quantile(double p) {
  static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                              1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
  static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                              6.680131188771972e+01, -1.328068155288572e+01 };
  static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                              -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
  static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                              3.754408661907416e+00 };
  double x;
  if (p < 0.02425) {
    double q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    double q = sqrt(-2 * log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = 0.5 * erfc(-x / sqrt(2.0)) - p, u = e * sqrt(2 * PI) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

/* Cell i holds the truncated normal's conditional mean over its equal-
 * probability slice of [-T, T] (so the table's Z has mean 0 and the right
 * spread, not the slight excess a midpoint quantile table gives), then the
 * affinity exp(sigma z - c) with c making the 4,096 affinities average 1. */
static void affinity_table(bidsim__personal_t *p, double sigma, double T) {
  const double plo = 0.5 * erfc(T / sqrt(2.0)), span = 1.0 - 2.0 * plo;
  double phi_prev = exp(-0.5 * T * T), acc = 0.0;
  double z[ZCELLS];
  for (uint32_t i = 0; i < ZCELLS; i++) {
    double hi = i + 1 == ZCELLS ? T : norm_quantile(plo + span * (i + 1) / ZCELLS);
    double phi_hi = exp(-0.5 * hi * hi);
    /* E[Z | cell] = (φ(lo) - φ(hi)) / P(cell), with φ's 1/sqrt(2π) */
    z[i] = (phi_prev - phi_hi) / sqrt(2.0 * PI) / (span / ZCELLS);
    phi_prev = phi_hi;
    acc += exp(sigma * z[i]);
  }
  const double c = log(acc / ZCELLS);
  for (uint32_t i = 0; i < ZCELLS; i++) {
    const double la = sigma * z[i] - c;
    p->zq[i] = (int32_t)llround(la / LN2 * Q16);
    p->aff[i] = exp2(p->zq[i] / Q16);   /* the affinity the score used */
  }
  p->zmax = p->zq[ZCELLS - 1];
}

static int32_t log2_q16(double x) { return (int32_t)llround(log2(x) * Q16); }


/* ---- small helpers ------------------------------------------------------------ */

/* Ranking b (0 or 1) holds the units at base relation base_rel[b]. */
static const int base_rel[2] = { BIDSIM_SEG_ORDINARY, BIDSIM_SEG_SIMILAR };

#define ranking_of bidsim__pranking_of
#define static_score bidsim__pstatic_score
#define eligible_at bidsim__peligible_at
#define key_of bidsim__pkey_of

static inline uint32_t *hint_of(const bidsim_market_t *m, uint32_t u, int base) {
  return &m->index.personal->pos[(size_t)u * 2 + (size_t)base];
}

/* A visit entry's static part at SHOP, or LS_OUT when the unit may not
 * compete there. */
static inline int32_t shop_ls(const bidsim_market_t *m, uint32_t u) {
  return eligible_at(m, u, BIDSIM_SEG_SHOP) ? static_score(m, u, BIDSIM_SEG_SHOP) : LS_OUT;
}

static inline void entry_update(bidsim_market_t *m, uint32_t u) {
  const bidsim__personal_t *p = m->index.personal;
  const uint32_t e = p->vpos[u];
  if (e == BIDSIM_NONE) return;
  pvisits_t *v = &p->visits[m->units[u].category];
  v->ent[e].ls = shop_ls(m, u);
  if (p->vslot[u] != BIDSIM_NONE) v->slot[p->vslot[u]].e0 = v->ent[e];
}

/* The unit record's copy of its plan's bids. */
static inline void unit_bids(bidsim_market_t *m, uint32_t u) {
  const plan_hot_t *h = &m->hot[m->units[u].plan];
  for (int r = 0; r < BIDSIM_SEG_COUNT; r++) m->index.personal->unit[u].bid_li[r] = (uint32_t)h->bid_li[r];
}

/* @p count elements of @p size, zeroed, at a 64-byte boundary; *raw is what
 * to free. */
static void *calloc64(size_t count, size_t size, void **raw) {
  *raw = bidsim_calloc(count * size + 64, 1);
  return *raw ? (void *)(((uintptr_t)*raw + 63) & ~(uintptr_t)63) : NULL;
}

static inline void bit_set(pranking_t *ix, uint32_t pos, bool on) {
  uint32_t w = pos >> 6;
  uint64_t b = UINT64_C(1) << (pos & 63);
  if (on) ix->bits[w] |= b; else ix->bits[w] &= ~b;
  uint64_t sb = UINT64_C(1) << (w & 63);
  if (ix->bits[w]) ix->sum[w >> 6] |= sb; else ix->sum[w >> 6] &= ~sb;
}

static inline bool bit_get(const pranking_t *ix, uint32_t pos) { return (ix->bits[pos >> 6] >> (pos & 63)) & 1; }

/* The position of @p key (which the ranking holds), searched from a hint. */
static uint32_t ranking_find(const pranking_t *ix, uint64_t key, uint32_t hint) {
  const uint64_t *k = ix->key;
  const uint32_t n = ix->n;
  uint32_t h = hint < n ? hint : n - 1;
  if (k[h] == key) return h;
  uint32_t lo, hi;                      /* k[lo] >= key >= k[hi] */
  if (k[h] > key) {
    lo = h;
    hi = h + 1;
    for (uint32_t step = 2; hi < n - 1 && k[hi] > key; step <<= 1) {
      lo = hi;
      hi = h + step < n - 1 ? h + step : n - 1;
    }
  } else {
    hi = h;
    lo = h - 1;
    for (uint32_t step = 2; lo > 0 && k[lo] < key; step <<= 1) {
      hi = lo;
      lo = h > step ? h - step : 0;
    }
  }
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (k[mid] >= key) lo = mid; else hi = mid;
  }
  return k[lo] == key ? lo : hi;
}

/* ---- building ------------------------------------------------------------------ */

static void ranking_free(pranking_t *ix) {
  bidsim_free(ix->key);
  bidsim_free(ix->ls_raw);
  bidsim_free(ix->unit_raw);
  bidsim_free(ix->als_raw);
  bidsim_free(ix->aunit_raw);
  bidsim_free(ix->aseed_raw);
  bidsim_free(ix->bits);
  bidsim_free(ix->sum);
}

static void visits_free(pvisits_t *v) {
  bidsim_free(v->each_shop);
  bidsim_free(v->each_first);
  bidsim_free(v->slot);
  bidsim_free(v->ent);
  bidsim_free(v->count_cdf);
}

void bidsim__personal_free(bidsim__personal_t *p, uint32_t categories) {
  if (p == NULL) return;
  if (p->lists)
    for (size_t i = 0; i < 2 * (size_t)categories; i++) ranking_free(&p->lists[i]);
  if (p->visits)
    for (uint32_t c = 0; c < categories; c++) visits_free(&p->visits[c]);
  bidsim_free(p->lists);
  bidsim_free(p->visits_raw);
  bidsim_free(p->vslot);
  bidsim_free(p->pos);
  bidsim_free(p->lq);
  bidsim_free(p->unit_raw);
  bidsim_free(p->vpos);
  bidsim_free(p->lbid);
  bidsim_free(p);
}

static size_t lanes_of(const pranking_t *ix) { return (size_t)ix->words * 64 + 16; }

static int ranking_alloc(pranking_t *ix, uint32_t n) {
  ix->n = 0;
  ix->words = (n + 63) / 64;
  ix->sums = (ix->words + 63) / 64;
  /* one spare entry each way keeps every array non-NULL */
  ix->key = bidsim_calloc((size_t)n + 1, sizeof *ix->key);
  /* the vector walks load 8 or 16 positions at a time: whole words, and a block more */
  ix->ls = calloc64(lanes_of(ix), sizeof *ix->ls, &ix->ls_raw);
  ix->unit = calloc64(lanes_of(ix), sizeof *ix->unit, &ix->unit_raw);
  ix->als = calloc64(lanes_of(ix), sizeof *ix->als, &ix->als_raw);
  ix->aunit = calloc64(lanes_of(ix), sizeof *ix->aunit, &ix->aunit_raw);
  ix->aseed = calloc64(lanes_of(ix), sizeof *ix->aseed, &ix->aseed_raw);
  ix->bits = bidsim_calloc((size_t)ix->words + 1, sizeof *ix->bits);
  ix->sum = bidsim_calloc((size_t)ix->sums + 1, sizeof *ix->sum);
  return ix->key && ix->ls && ix->unit && ix->als && ix->aunit && ix->aseed && ix->bits && ix->sum ? BIDSIM_OK : BIDSIM_ENOMEM;
}

/* Vose's alias method over @p n weights; @p small and @p large hold n
 * indices each, @p scaled n doubles (scratch). */
static void alias_build(const double *w, uint32_t n, pslot_t *slot, uint32_t *small, uint32_t *large,
                        double *scaled) {
  double total = 0.0;
  for (uint32_t i = 0; i < n; i++) total += w[i];
  uint32_t ns = 0, nl = 0;
  for (uint32_t i = 0; i < n; i++) {
    scaled[i] = w[i] * n / total;
    if (scaled[i] < 1.0) small[ns++] = i; else large[nl++] = i;
  }
  while (ns && nl) {
    uint32_t s = small[--ns], l = large[nl - 1];
    slot[s].keep_q32 = (uint32_t)fmin(scaled[s] * 4294967296.0, 4294967295.0);
    slot[s].alias = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) { nl--; small[ns++] = l; }
  }
  while (nl) { uint32_t l = large[--nl]; slot[l].keep_q32 = UINT32_MAX; slot[l].alias = l; }
  while (ns) { uint32_t s = small[--ns]; slot[s].keep_q32 = UINT32_MAX; slot[s].alias = s; }
}

/* Category @p c's alias table over its DRAWN shops by reach and the law of
 * how many of them a user visited (Poisson, up to where its tail is below
 * 2^-40). */
static int visits_law(const bidsim_market_t *m, uint32_t c, pvisits_t *v, bidsim_error_t *err) {
  if (v->drawn_n == 0) return BIDSIM_OK;
  double *w = bidsim_calloc(v->drawn_n, sizeof *w), *scaled = bidsim_calloc(v->drawn_n, sizeof *scaled);
  uint32_t *small = bidsim_calloc(v->drawn_n, sizeof *small), *large = bidsim_calloc(v->drawn_n, sizeof *large);
  const bool ok = w && scaled && small && large;
  double lambda = 0.0;
  if (ok) {
    for (uint32_t i = 0; i < v->drawn_n; i++) lambda += w[i] = m->shops[v->slot[i].shop].reach_q32 / 4294967296.0;
    alias_build(w, v->drawn_n, v->slot, small, large, scaled);
  }
  bidsim_free(w);
  bidsim_free(scaled);
  bidsim_free(small);
  bidsim_free(large);
  if (!ok) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the visit tables");
  double pk = exp(-lambda), cum = 0.0;
  uint32_t kmax = 0;
  uint64_t cdf[MAX_VISITS + 1];
  for (uint32_t k = 0; k <= MAX_VISITS; k++) {
    cum += pk;
    cdf[k] = cum >= 1.0 ? UINT64_MAX : (uint64_t)(cum * 18446744073709551616.0);
    kmax = k;
    if (1.0 - cum < 0x1p-40) break;
    pk *= lambda / (k + 1);
  }
  if (1.0 - cum >= 0x1p-40)
    return bidsim_error_set(err, BIDSIM_ELIMIT, "market.reach", "category %u: its shops' reaches sum to %.1f "
                            "visits per user, more than the %d an impression can hold", c, lambda, MAX_VISITS);
  cdf[kmax] = UINT64_MAX;
  v->kmax = kmax;
  const size_t len = cdf_len(v);
  v->count_cdf = bidsim_malloc(len * sizeof *v->count_cdf);
  if (v->count_cdf == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the visit tables");
  for (size_t k = 0; k < len; k++) v->count_cdf[k] = k <= kmax ? cdf[k] : UINT64_MAX;
  memcpy(v->cdf_head, v->count_cdf, sizeof v->cdf_head);
  return BIDSIM_OK;
}

/* Every category's visit tables from the shops' reaches and modes, in two
 * passes over the shops (count, then fill): a shop's group in a category
 * holds its units there in plan order, the groups of each mode in shop
 * order (the DRAWN slots' order is the alias table's), EACH entries before
 * DRAWN ones. The entries' static parts are resort's. O(shops + units). */
typedef struct {
  uint32_t last;                        /* the shop whose units were seen last here */
  uint32_t groups[2], entries[2];       /* [EACH, DRAWN]: counted in pass 0, cursors in pass 1 */
} vcount_t;

static int visits_build(bidsim_market_t *m, bidsim_error_t *err) {
  bidsim__personal_t *p = m->index.personal;
  const uint32_t C = m->cfg.categories;
  vcount_t *k = bidsim_calloc((size_t)C + 1, sizeof *k);
  if (k == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the visit tables");
  for (uint32_t u = 0; u < m->unit_count; u++) p->vpos[u] = p->vslot[u] = BIDSIM_NONE;
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t c = 0; c < C; c++) k[c].last = BIDSIM_NONE;
    for (uint32_t s = 0; s < m->shop_count; s++) {
      const shop_t *sh = &m->shops[s];
      if (sh->reach_q32 == 0) continue;
      const int mode = sh->visit_mode == BIDSIM_VISIT_EACH ? 0 : 1;
      for (uint32_t pl = sh->first_plan; pl != BIDSIM_NONE; pl = m->plans[pl].next_in_shop)
        for (uint32_t u = m->hot[pl].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
          const uint32_t c = m->units[u].category;
          vcount_t *kc = &k[c];
          const bool opens = kc->last != s;
          kc->last = s;
          if (pass == 0) {
            kc->groups[mode] += opens;
            kc->entries[mode]++;
            continue;
          }
          pvisits_t *v = &p->visits[c];
          const uint32_t e = (mode ? v->each_first[v->each_n] : 0) + kc->entries[mode]++;
          if (opens) {
            const uint32_t g = kc->groups[mode]++;
            if (mode) {
              v->slot[g].shop = s;
              v->slot[g].first = e;
              p->vslot[u] = g;
            } else {
              v->each_shop[g] = s;
              v->each_first[g] = e;
            }
          }
          v->ent[e].unit = u;
          v->ent[e].seed = bidsim__punit_seed(u);
          p->vpos[u] = e;
        }
    }
    if (pass == 1) break;
    for (uint32_t c = 0; c < C; c++) {   /* sizes known: allocate, and the cursors start again */
      pvisits_t *v = &p->visits[c];
      vcount_t *kc = &k[c];
      v->each_n = kc->groups[0];
      v->drawn_n = kc->groups[1];
      if (v->each_n > MAX_EACH) {
        bidsim_free(k);
        return bidsim_error_set(err, BIDSIM_ELIMIT, "market.reach", "category %u has %u shops whose visits are "
                                "decided per user (EACH); at most %d: draw the visits of the others (DRAWN)", c,
                                v->each_n, MAX_EACH);
      }
      const size_t entries = (size_t)kc->entries[0] + kc->entries[1];
      v->each_shop = bidsim_calloc((size_t)v->each_n + 1, sizeof *v->each_shop);
      v->each_first = bidsim_calloc((size_t)v->each_n + 1, sizeof *v->each_first);
      v->slot = bidsim_calloc((size_t)v->drawn_n + 1, sizeof *v->slot);
      v->ent = bidsim_calloc(entries + 1, sizeof *v->ent);
      if (!v->each_shop || !v->each_first || !v->slot || !v->ent) {
        bidsim_free(k);
        return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the visit tables");
      }
      v->each_first[v->each_n] = kc->entries[0];   /* where the DRAWN entries start (pass 1 reads it) */
      v->slot[v->drawn_n].first = (uint32_t)entries;
      memset(kc->groups, 0, sizeof kc->groups);
      memset(kc->entries, 0, sizeof kc->entries);
    }
  }
  bidsim_free(k);
  for (uint32_t c = 0; c < C; c++) {
    int rc = visits_law(m, c, &p->visits[c], err);
    if (rc) return rc;
  }
  return BIDSIM_OK;
}

static void resort(bidsim_market_t *m);

int bidsim__personal_build(bidsim_market_t *m, bidsim_error_t *err) {
  const uint32_t C = m->cfg.categories, U = m->unit_count;
  bidsim__personal_free(m->index.personal, C);
  bidsim__personal_t *p = m->index.personal = bidsim_calloc(1, sizeof *p);
  if (p == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the index");
  p->lists = bidsim_calloc(2 * (size_t)C, sizeof *p->lists);
  p->visits = calloc64(C, sizeof *p->visits, &p->visits_raw);
  p->vslot = bidsim_calloc((size_t)U + 1, sizeof *p->vslot);
  p->pos = bidsim_calloc((size_t)U * 2 + 1, sizeof *p->pos);
  p->lq = bidsim_calloc((size_t)U * 3 + 1, sizeof *p->lq);
  p->unit = calloc64((size_t)U + 1, sizeof *p->unit, &p->unit_raw);
  p->vpos = bidsim_calloc((size_t)U + 1, sizeof *p->vpos);
  p->lbid = bidsim_calloc(BIDSIM_BID_MAX_LI / BIDSIM_LI_PER_FEN + 1, sizeof *p->lbid);
  uint32_t *per_cat = bidsim_calloc(C, sizeof *per_cat);
  int rc = BIDSIM_OK;
  if (!p->lists || !p->visits || !p->vslot || !p->pos || !p->lq || !p->unit || !p->vpos || !p->lbid || !per_cat)
    goto nomem;
  affinity_table(p, m->cfg.affinity_sigma, m->cfg.affinity_truncate > 0 ? m->cfg.affinity_truncate : 2.0);
  for (int r = 0; r < BIDSIM_SEG_COUNT; r++) p->mult[r] = m->cfg.ctr_mult[r] > 0 ? m->cfg.ctr_mult[r] : 1.0;
  for (uint32_t g = 0; g < ZGROUPS; g++) p->zhi[g] = p->zq[(g + 1) * (ZCELLS / ZGROUPS) - 1];   /* ascending */
  bidsim__personal_set_simd(m, 2);   /* the widest walk the CPU has */
  p->lbid[0] = log2_q16(1.0);          /* unused: bids are at least 0.10 yuan */
  for (uint32_t f = 1; f <= BIDSIM_BID_MAX_LI / BIDSIM_LI_PER_FEN; f++)
    p->lbid[f] = log2_q16((double)f * BIDSIM_LI_PER_FEN);
  for (uint32_t u = 0; u < U; u++) {
    per_cat[m->units[u].category]++;
    const unit_t *un = &m->units[u];
    p->unit[u] = (punit_t){ un->plan, un->product, un->quality, m->plans[un->plan].shop, { 0, 0, 0 },
                            bidsim__punit_seed(u) };
    for (int r = 0; r < BIDSIM_SEG_COUNT; r++) p->lq[(size_t)u * 3 + (size_t)r] = log2_q16(m->units[u].quality * p->mult[r]);
  }
  for (int b = 0; b < 2 && rc == BIDSIM_OK; b++)
    for (uint32_t c = 0; c < C; c++)
      if ((rc = ranking_alloc(ranking_of(m, b, c), per_cat[c]))) break;
  if (rc) goto nomem;
  for (uint32_t u = 0; u < U; u++)
    for (int b = 0; b < 2; b++) {
      pranking_t *ix = ranking_of(m, b, m->units[u].category);
      ix->unit[ix->n++] = u;
    }
  bidsim_free(per_cat);
  if ((rc = visits_build(m, err))) return rc;
  resort(m);
  return BIDSIM_OK;
nomem:
  bidsim_free(per_cat);
  return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the index");
}

#define DUP(dst, src, count)                                                              \
  do {                                                                                    \
    (dst) = bidsim_malloc(((size_t)(count) + 1) * sizeof *(dst));                         \
    if ((dst) == NULL) return BIDSIM_ENOMEM;                                              \
    memcpy((dst), (src), ((size_t)(count) + 1) * sizeof *(dst));                          \
  } while (0)

/* DUP at a 64-byte boundary: count + 1 elements into dst (raw to free). */
#define DUP64(dst, raw, src, count)                                                       \
  do {                                                                                    \
    (dst) = calloc64((size_t)(count) + 1, sizeof *(dst), &(raw));                         \
    if ((dst) == NULL) return BIDSIM_ENOMEM;                                              \
    memcpy((dst), (src), ((size_t)(count) + 1) * sizeof *(dst));                          \
  } while (0)

int bidsim__personal_clone(bidsim__personal_t **out, const bidsim__personal_t *src, const bidsim_market_t *m) {
  const uint32_t C = m->cfg.categories, U = m->unit_count;
  bidsim__personal_t *p = *out = bidsim_calloc(1, sizeof *p);
  if (p == NULL) return BIDSIM_ENOMEM;
  *p = *src;
  p->lists = NULL; p->visits = NULL; p->pos = NULL; p->lq = NULL; p->unit = NULL; p->unit_raw = NULL;
  p->vpos = NULL; p->lbid = NULL; p->vslot = NULL; p->visits = NULL; p->visits_raw = NULL;
  DUP(p->pos, src->pos, (size_t)U * 2);
  DUP(p->lq, src->lq, (size_t)U * 3);
  DUP64(p->unit, p->unit_raw, src->unit, U);
  DUP(p->vpos, src->vpos, U);
  DUP(p->lbid, src->lbid, BIDSIM_BID_MAX_LI / BIDSIM_LI_PER_FEN);
  DUP(p->vslot, src->vslot, U);
  p->visits_raw = NULL;
  p->lists = bidsim_calloc(2 * (size_t)C, sizeof *p->lists);
  p->visits = calloc64(C, sizeof *p->visits, &p->visits_raw);
  if (!p->lists || !p->visits) return BIDSIM_ENOMEM;
  for (size_t i = 0; i < 2 * (size_t)C; i++) {
    const pranking_t *s = &src->lists[i];
    pranking_t *d = &p->lists[i];
    d->n = s->n; d->words = s->words; d->sums = s->sums; d->an = s->an;
    DUP(d->key, s->key, s->n);
    DUP64(d->ls, d->ls_raw, s->ls, lanes_of(s) - 1);
    DUP64(d->unit, d->unit_raw, s->unit, lanes_of(s) - 1);
    DUP64(d->als, d->als_raw, s->als, lanes_of(s) - 1);
    DUP64(d->aunit, d->aunit_raw, s->aunit, lanes_of(s) - 1);
    DUP64(d->aseed, d->aseed_raw, s->aseed, lanes_of(s) - 1);
    DUP(d->bits, s->bits, s->words);
    DUP(d->sum, s->sum, s->sums);
  }
  for (uint32_t c = 0; c < C; c++) {
    const pvisits_t *s = &src->visits[c];
    pvisits_t *d = &p->visits[c];
    *d = *s;
    d->each_shop = NULL; d->each_first = NULL; d->slot = NULL; d->ent = NULL; d->count_cdf = NULL;
    DUP(d->each_shop, s->each_shop, s->each_n);
    DUP(d->each_first, s->each_first, s->each_n);
    DUP(d->slot, s->slot, s->drawn_n);
    DUP(d->ent, s->ent, s->slot[s->drawn_n].first);
    if (s->drawn_n) DUP(d->count_cdf, s->count_cdf, cdf_len(s) - 1);
  }
  return BIDSIM_OK;
}

/* In-place heapsort of one ranking's parallel arrays by key, descending. */
static void swap_at(pranking_t *ix, uint32_t a, uint32_t b) {
  uint64_t k = ix->key[a]; ix->key[a] = ix->key[b]; ix->key[b] = k;
  int32_t l = ix->ls[a]; ix->ls[a] = ix->ls[b]; ix->ls[b] = l;
  uint32_t u = ix->unit[a]; ix->unit[a] = ix->unit[b]; ix->unit[b] = u;
}

static void sift_down(pranking_t *ix, uint32_t root, uint32_t n) {
  for (;;) {
    uint32_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && ix->key[child + 1] < ix->key[child]) child++;   /* min-heap */
    if (ix->key[root] <= ix->key[child]) return;
    swap_at(ix, root, child);
    root = child;
  }
}

static void ranking_sort(pranking_t *ix) {
  if (ix->n < 2) return;
  for (uint32_t i = ix->n / 2; i-- > 0;) sift_down(ix, i, ix->n);
  for (uint32_t end = ix->n - 1; end > 0; end--) {
    swap_at(ix, 0, end);
    sift_down(ix, 0, end);
  }
}

/* Every entry from the current bids and flags: keys, order, hints, bits. */
static void resort(bidsim_market_t *m) {
  bidsim__personal_t *p = m->index.personal;
  for (int b = 0; b < 2; b++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      pranking_t *ix = ranking_of(m, b, c);
      for (uint32_t i = 0; i < ix->n; i++) {
        const uint32_t u = ix->unit[i];
        ix->ls[i] = static_score(m, u, base_rel[b]);
        ix->key[i] = key_of(ix->ls[i], u);
      }
      ranking_sort(ix);
      memset(ix->bits, 0, (size_t)ix->words * sizeof *ix->bits);
      memset(ix->sum, 0, (size_t)ix->sums * sizeof *ix->sum);
      for (uint32_t i = 0; i < ix->n; i++) {
        *hint_of(m, ix->unit[i], b) = i;
        if (eligible_at(m, ix->unit[i], base_rel[b])) bit_set(ix, i, true);
      }
      bidsim__pactive_rebuild(ix);
    }
  for (uint32_t c = 0; c < m->cfg.categories; c++) {
    pvisits_t *v = &p->visits[c];
    for (uint32_t e = 0; e < v->slot[v->drawn_n].first; e++) v->ent[e].ls = shop_ls(m, v->ent[e].unit);
    for (uint32_t g = 0; g < v->drawn_n; g++) v->slot[g].e0 = v->ent[v->slot[g].first];
  }
  for (uint32_t u = 0; u < m->unit_count; u++) unit_bids(m, u);
}

void bidsim__personal_reset(bidsim_market_t *m) { resort(m); }

void bidsim__personal_plan_flags(bidsim_market_t *m, uint32_t plan) {
  for (uint32_t u = m->hot[plan].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
    entry_update(m, u);
    for (int b = 0; b < 2; b++) {
      pranking_t *ix = ranking_of(m, b, m->units[u].category);
      uint32_t *pos = hint_of(m, u, b);
      *pos = ranking_find(ix, key_of(static_score(m, u, base_rel[b]), u), *pos);
      const bool was = bit_get(ix, *pos), on = eligible_at(m, u, base_rel[b]);
      bit_set(ix, *pos, on);
      if (on != was) {
        if (on) bidsim__pactive_insert(ix, *pos);
        else bidsim__pactive_remove(ix, *pos);
      }
    }
  }
}

/* Move position @p from to @p to, shifting the entries between by one
 * place with their bits. */
static void ranking_move(pranking_t *ix, uint32_t from, uint32_t to) {
  const uint64_t k = ix->key[from];
  const int32_t l = ix->ls[from];
  const uint32_t u = ix->unit[from];
  const bool on = bit_get(ix, from);
  if (to < from) {
    memmove(&ix->key[to + 1], &ix->key[to], (size_t)(from - to) * sizeof *ix->key);
    memmove(&ix->ls[to + 1], &ix->ls[to], (size_t)(from - to) * sizeof *ix->ls);
    memmove(&ix->unit[to + 1], &ix->unit[to], (size_t)(from - to) * sizeof *ix->unit);
    for (uint32_t i = from; i > to; i--) bit_set(ix, i, bit_get(ix, i - 1));
  } else if (to > from) {
    memmove(&ix->key[from], &ix->key[from + 1], (size_t)(to - from) * sizeof *ix->key);
    memmove(&ix->ls[from], &ix->ls[from + 1], (size_t)(to - from) * sizeof *ix->ls);
    memmove(&ix->unit[from], &ix->unit[from + 1], (size_t)(to - from) * sizeof *ix->unit);
    for (uint32_t i = from; i < to; i++) bit_set(ix, i, bit_get(ix, i + 1));
  }
  ix->key[to] = k; ix->ls[to] = l; ix->unit[to] = u;
  bit_set(ix, to, on);
}

void bidsim__personal_plan_bids(bidsim_market_t *m, uint32_t plan, const int64_t old[BIDSIM_SEG_COUNT]) {
  const plan_hot_t *h = &m->hot[plan];
  const bool active = bidsim__plan_active(h);
  for (uint32_t u = h->first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
    unit_bids(m, u);
    if (h->bid_li[BIDSIM_SEG_SHOP] != old[BIDSIM_SEG_SHOP]) entry_update(m, u);   /* visited units enter from there */
  }
  for (int b = 0; b < 2; b++) {
    const int rel = base_rel[b];
    if (h->bid_li[rel] == old[rel]) continue;
    for (uint32_t u = h->first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
      pranking_t *ix = ranking_of(m, b, m->units[u].category);
      const bidsim__personal_t *p = m->index.personal;
      const int32_t old_ls = p->lbid[old[rel] / BIDSIM_LI_PER_FEN] + p->lq[(size_t)u * 3 + (size_t)rel];
      uint32_t *pos = hint_of(m, u, b);
      const uint32_t from = ranking_find(ix, key_of(old_ls, u), *pos);
      const bool was = bit_get(ix, from);
      const uint32_t r = was ? bidsim__pactive_rank(ix, from) : 0;   /* its place in the walk's view */
      const int32_t ls = static_score(m, u, rel);
      const uint64_t key = key_of(ls, u);
      ix->key[from] = key;
      ix->ls[from] = ls;
      uint32_t to = from;
      while (to > 0 && ix->key[to - 1] < key) to--;
      if (to == from)
        while (to + 1 < ix->n && ix->key[to + 1] > key) to++;
      ranking_move(ix, from, to);
      *pos = to;
      const bool on = active && h->bid_li[rel] >= m->cfg.auction.reserve_li;
      bit_set(ix, to, on);
      if (was && on) bidsim__pactive_move(ix, r, to);
      else if (was) bidsim__pactive_erase(ix, r);
      else if (on) bidsim__pactive_insert(ix, to);
    }
  }
}

int bidsim__personal_check(const bidsim_market_t *m, bidsim_error_t *err) {
  for (int b = 0; b < 2; b++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      const pranking_t *ix = ranking_of(m, b, c);
      for (uint32_t i = 0; i < ix->n; i++) {
        const uint32_t u = ix->unit[i];
        if (u >= m->unit_count || m->units[u].category != c)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u position %u: unit %u "
                                  "is not an ad unit of this category", b, c, i, u);
        const int32_t ls = static_score(m, u, base_rel[b]);
        if (ix->ls[i] != ls || ix->key[i] != key_of(ls, u))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u position %u: the "
                                  "entry is not unit %u's current one", b, c, i, u);
        if (i > 0 && ix->key[i - 1] <= ix->key[i])
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u: positions %u and %u "
                                  "are out of order", b, c, i - 1, i);
        if (ranking_find(ix, ix->key[i], *hint_of(m, u, b)) != i)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u position %u: a search "
                                  "from unit %u's hint does not find it", b, c, i, u);
        if (bit_get(ix, i) != eligible_at(m, u, base_rel[b]))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u position %u: bit %d, "
                                  "but unit %u is %seligible", b, c, i, bit_get(ix, i), u,
                                  eligible_at(m, u, base_rel[b]) ? "" : "not ");
      }
      for (uint32_t w = 0; w < ix->words; w++)
        if ((ix->bits[w] != 0) != ((ix->sum[w >> 6] >> (w & 63)) & 1))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u: summary bit of word "
                                  "%u disagrees with the word", b, c, w);
      if (!bidsim__pactive_check(ix))
        return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "base %d category %u: the walk's view is not "
                                "the positions whose bit is set", b, c);
    }
  /* the unit records, and the visit entries: each unit of a visited shop once, at its place, current */
  const bidsim__personal_t *p = m->index.personal;
  for (uint32_t u = 0; u < m->unit_count; u++) {
    const punit_t *r = &p->unit[u];
    const plan_hot_t *h = &m->hot[m->units[u].plan];
    if (r->plan != m->units[u].plan || r->product != m->units[u].product || r->quality != m->units[u].quality ||
        r->shop != m->plans[r->plan].shop || r->seed != bidsim__punit_seed(u) || r->bid_li[0] != h->bid_li[0] ||
        r->bid_li[1] != h->bid_li[1] || r->bid_li[2] != h->bid_li[2])
      return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "unit %u: its record is not the unit's current one", u);
  }
  for (uint32_t c = 0; c < m->cfg.categories; c++) {
    const pvisits_t *v = &p->visits[c];
    for (uint32_t g = 0; g < v->each_n + v->drawn_n; g++) {
      const bool each = g < v->each_n;
      const uint32_t shop = each ? v->each_shop[g] : v->slot[g - v->each_n].shop;
      const uint32_t lo = each ? v->each_first[g] : v->slot[g - v->each_n].first;
      const uint32_t hi = each ? v->each_first[g + 1] : v->slot[g - v->each_n + 1].first;
      for (uint32_t e = lo; e < hi; e++) {
        const uint32_t u = v->ent[e].unit;
        if (u >= m->unit_count || m->units[u].category != c || p->unit[u].shop != shop || p->vpos[u] != e)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "category %u visit entry %u: unit %u is not "
                                  "shop %u's unit of this category placed there", c, e, u, shop);
        if (!each && e == lo && memcmp(&v->slot[g - v->each_n].e0, &v->ent[e], sizeof v->ent[e]))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "category %u DRAWN slot %u: its copy of the "
                                  "first entry is not unit %u's", c, g - v->each_n, u);
        if (v->ent[e].seed != p->unit[u].seed || v->ent[e].ls != shop_ls(m, u))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "category %u visit entry %u: not unit %u's "
                                  "current one (static part %d, want %d)", c, e, u, v->ent[e].ls, shop_ls(m, u));
      }
    }
  }
  return BIDSIM_OK;
}
