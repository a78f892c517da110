/* engine/market_personal.c - the personalised ranking (DOMAIN.md §2: the
 * platforms rank each impression by bid x this user's predicted CTR for
 * this ad). Built once from the catalogue with the market's index;
 * afterwards nothing here allocates, locks or prints.
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
#include "auction_internal.h"
#include "market_internal.h"
#include "market_personal.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_WALK 1   /* chosen at build when the CPU has AVX2 */
#endif

#define Q16 65536.0
#define PI 3.14159265358979323846
#define LN2 0.69314718055994530942
#define ZCELLS_LOG2 12
#define ZCELLS (1u << ZCELLS_LOG2)
/* The most DRAWN visits one impression can hold (a Poisson count whose
 * probability beyond it is below 2^-40; checked when the tables are built),
 * and the most EACH shops with units in one category. */
#define MAX_VISITS 256
#define MAX_EACH 1024

/* One (base relation, category) ranking: units sorted by key descending,
 * key = biased static score << 32 | ~unit (score, then lower unit, first).
 * The static part and the affinity seed are separate arrays so the walk
 * streams through them. */
typedef struct bidsim__pranking {
  uint32_t  n, words, sums;
  uint64_t *key;
  int32_t  *ls;                         /* static part of the score, Q16 log2 */
  uint32_t *seed;                       /* the unit's affinity seed */
  uint32_t *unit;
  uint64_t *bits;                       /* bit i: position i may compete */
  uint64_t *sum;                        /* bit j of sum[s]: bits[64 s + j] != 0 */
} pranking_t;

/* A category's visit tables: its EACH shops (decided per user by a hash)
 * and its DRAWN shops, each with its units in the category (CSR: shop i's
 * units are *_units[*_first[i] .. *_first[i + 1])), an alias table over
 * the DRAWN shops by reach and the Poisson law of how many of them a user
 * visited. */
typedef struct {
  uint32_t each_n;
  uint32_t *each_shop, *each_first, *each_units;
  uint32_t drawn_n;
  uint32_t *drawn_shop, *drawn_first, *drawn_units;
  uint32_t *alias;                      /* [drawn_n] */
  uint32_t *alias_q32;                  /* [drawn_n] keep slot i when the coin is below */
  uint32_t kmax;                        /* largest count with a probability that matters */
  uint64_t *count_cdf;                  /* [kmax + 1] P(count <= k) x 2^64, saturated */
} pvisits_t;

struct bidsim__personal {
  pranking_t *lists;                    /* [base * categories + category], base 0 ordinary, 1 similar */
  uint32_t   *pos;                      /* [unit * 2 + base]: search hints */
  int32_t    *lq;                       /* [unit * 3 + relation]: log2(quality x ctr_mult), Q16 */
  uint32_t   *seed;                     /* [unit] */
  int32_t    *lbid;                     /* [fen]: log2(bid in li), Q16, for 0 .. BIDSIM_BID_MAX_LI / 10 */
  pvisits_t  *visits;                   /* [category] */
  int32_t     zq[ZCELLS];               /* log2(affinity) per cell, Q16, ascending */
  double      aff[ZCELLS];              /* the affinity per cell */
  int32_t     zmax;                     /* zq[ZCELLS - 1]: the bound of the walk */
  double      mult[BIDSIM_SEG_COUNT];   /* the config's ctr_mult, 0 read as 1 */
  bool        simd;                     /* walk eight units at a time (AVX2, checked at build) */
};

/* ---- hashes: every draw is a pure function of the impression ------------- */

static inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= UINT32_C(0x7FEB352D);
  x ^= x >> 15;
  x *= UINT32_C(0x846CA68B);
  return x ^ (x >> 16);
}

static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* The user's 32-bit key for the (user, unit) hashes. */
static inline uint32_t user_key(uint64_t user) { return (uint32_t)mix64(user ^ UINT64_C(0xA0761D6478BD642F)); }

/* The (user, unit) hash: its top 12 bits pick the affinity's cell, its low
 * 20 bits decide the plan's targeting. */
static inline uint32_t pair_hash(uint32_t ukey, uint32_t seed) { return mix32(ukey ^ seed); }

static inline bool targets(const bidsim_market_t *m, uint32_t plan, uint32_t h) {
  return (h & 0xFFFFFu) < m->target_q20[plan];
}

/* u visited EACH shop s: a hash of (user, shop) below the shop's reach. */
static inline bool visits_each(const bidsim_market_t *m, uint64_t user, uint32_t shop) {
  return (uint32_t)(mix64(user ^ ((uint64_t)shop * UINT64_C(0xD6E8FEB86659FD93) + 1)) >> 32) <
         m->shops[shop].reach_q32;
}

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

static inline pranking_t *ranking_of(const bidsim_market_t *m, int base, uint32_t cat) {
  return &m->index.personal->lists[(size_t)base * m->cfg.categories + cat];
}

static inline uint32_t *hint_of(const bidsim_market_t *m, uint32_t u, int base) {
  return &m->index.personal->pos[(size_t)u * 2 + (size_t)base];
}

static inline int32_t static_score(const bidsim_market_t *m, uint32_t u, int rel) {
  const bidsim__personal_t *p = m->index.personal;
  return p->lbid[m->hot[m->units[u].plan].bid_li[rel] / BIDSIM_LI_PER_FEN] + p->lq[(size_t)u * 3 + (size_t)rel];
}

static inline uint64_t key_of(int32_t score, uint32_t u) {
  return (uint64_t)((uint32_t)score ^ UINT32_C(0x80000000)) << 32 | (uint64_t)(UINT32_MAX - u);
}

static inline uint32_t key_unit(uint64_t key) { return UINT32_MAX - (uint32_t)key; }

static inline bool eligible_at(const bidsim_market_t *m, uint32_t u, int rel) {
  const plan_hot_t *h = &m->hot[m->units[u].plan];
  return bidsim__plan_active(h) && h->bid_li[rel] >= m->cfg.auction.reserve_li;
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
  bidsim_free(ix->ls);
  bidsim_free(ix->seed);
  bidsim_free(ix->unit);
  bidsim_free(ix->bits);
  bidsim_free(ix->sum);
}

static void visits_free(pvisits_t *v) {
  bidsim_free(v->each_shop);
  bidsim_free(v->each_first);
  bidsim_free(v->each_units);
  bidsim_free(v->drawn_shop);
  bidsim_free(v->drawn_first);
  bidsim_free(v->drawn_units);
  bidsim_free(v->alias);
  bidsim_free(v->alias_q32);
  bidsim_free(v->count_cdf);
}

void bidsim__personal_free(bidsim__personal_t *p, uint32_t categories) {
  if (p == NULL) return;
  if (p->lists)
    for (size_t i = 0; i < 2 * (size_t)categories; i++) ranking_free(&p->lists[i]);
  if (p->visits)
    for (uint32_t c = 0; c < categories; c++) visits_free(&p->visits[c]);
  bidsim_free(p->lists);
  bidsim_free(p->visits);
  bidsim_free(p->pos);
  bidsim_free(p->lq);
  bidsim_free(p->seed);
  bidsim_free(p->lbid);
  bidsim_free(p);
}

static size_t lanes_of(const pranking_t *ix) { return (size_t)ix->words * 64 + 8; }

static int ranking_alloc(pranking_t *ix, uint32_t n) {
  ix->n = 0;
  ix->words = (n + 63) / 64;
  ix->sums = (ix->words + 63) / 64;
  /* one spare entry each way keeps every array non-NULL */
  ix->key = bidsim_calloc((size_t)n + 1, sizeof *ix->key);
  /* the walk loads eight positions at a time: whole words, and a block more */
  ix->ls = bidsim_calloc(lanes_of(ix), sizeof *ix->ls);
  ix->seed = bidsim_calloc(lanes_of(ix), sizeof *ix->seed);
  ix->unit = bidsim_calloc((size_t)n + 1, sizeof *ix->unit);
  ix->bits = bidsim_calloc((size_t)ix->words + 1, sizeof *ix->bits);
  ix->sum = bidsim_calloc((size_t)ix->sums + 1, sizeof *ix->sum);
  return ix->key && ix->ls && ix->seed && ix->unit && ix->bits && ix->sum ? BIDSIM_OK : BIDSIM_ENOMEM;
}

/* Vose's alias method over @p n weights; @p small and @p large hold n
 * indices each, @p scaled n doubles (scratch). */
static void alias_build(const double *w, uint32_t n, uint32_t *alias, uint32_t *keep_q32, uint32_t *small,
                        uint32_t *large, double *scaled) {
  double total = 0.0;
  for (uint32_t i = 0; i < n; i++) total += w[i];
  uint32_t ns = 0, nl = 0;
  for (uint32_t i = 0; i < n; i++) {
    scaled[i] = w[i] * n / total;
    if (scaled[i] < 1.0) small[ns++] = i; else large[nl++] = i;
  }
  while (ns && nl) {
    uint32_t s = small[--ns], l = large[nl - 1];
    keep_q32[s] = (uint32_t)fmin(scaled[s] * 4294967296.0, 4294967295.0);
    alias[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) { nl--; small[ns++] = l; }
  }
  while (nl) { uint32_t l = large[--nl]; keep_q32[l] = UINT32_MAX; alias[l] = l; }
  while (ns) { uint32_t s = small[--ns]; keep_q32[s] = UINT32_MAX; alias[s] = s; }
}

/* Category c's visit tables from the shops' reaches and modes. */
static int visits_build(const bidsim_market_t *m, uint32_t c, pvisits_t *v, bidsim_error_t *err) {
  memset(v, 0, sizeof *v);
  uint32_t each = 0, drawn = 0;
  for (uint32_t u = 0; u < m->unit_count; u++) {
    if (m->units[u].category != c) continue;
    const shop_t *s = &m->shops[m->plans[m->units[u].plan].shop];
    if (s->reach_q32 == 0) continue;
    if (s->visit_mode == BIDSIM_VISIT_EACH) each++; else drawn++;
  }
  /* shops are at most as many as their units */
  v->each_shop = bidsim_calloc((size_t)each + 1, sizeof *v->each_shop);
  v->each_first = bidsim_calloc((size_t)each + 2, sizeof *v->each_first);
  v->each_units = bidsim_calloc((size_t)each + 1, sizeof *v->each_units);
  v->drawn_shop = bidsim_calloc((size_t)drawn + 1, sizeof *v->drawn_shop);
  v->drawn_first = bidsim_calloc((size_t)drawn + 2, sizeof *v->drawn_first);
  v->drawn_units = bidsim_calloc((size_t)drawn + 1, sizeof *v->drawn_units);
  if (!v->each_shop || !v->each_first || !v->each_units || !v->drawn_shop || !v->drawn_first || !v->drawn_units)
    goto nomem;
  /* each shop with its units here: a plan's units are consecutive, a
   * shop's plans need not be, so gather per shop */
  for (uint32_t s = 0; s < m->shop_count; s++) {
    const shop_t *sh = &m->shops[s];
    if (sh->reach_q32 == 0) continue;
    const bool is_each = sh->visit_mode == BIDSIM_VISIT_EACH;
    uint32_t *n = is_each ? &v->each_n : &v->drawn_n;
    uint32_t *shops = is_each ? v->each_shop : v->drawn_shop, *first = is_each ? v->each_first : v->drawn_first;
    uint32_t *units = is_each ? v->each_units : v->drawn_units;
    bool opened = false;
    for (uint32_t p = sh->first_plan; p != BIDSIM_NONE; p = m->plans[p].next_in_shop)
      for (uint32_t u = m->hot[p].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
        if (m->units[u].category != c) continue;
        if (!opened) {
          shops[*n] = s;
          (*n)++;
          first[*n] = first[*n - 1];
          opened = true;
        }
        units[first[*n]++] = u;
      }
  }
  if (v->each_n > MAX_EACH)
    return bidsim_error_set(err, BIDSIM_ELIMIT, "market.reach", "category %u has %u shops whose visits are decided "
                            "per user (EACH); at most %d: draw the visits of the others (DRAWN)", c, v->each_n, MAX_EACH);
  if (v->drawn_n == 0) return BIDSIM_OK;
  v->alias = bidsim_calloc(v->drawn_n, sizeof *v->alias);
  v->alias_q32 = bidsim_calloc(v->drawn_n, sizeof *v->alias_q32);
  double *w = bidsim_calloc(v->drawn_n, sizeof *w), *scaled = bidsim_calloc(v->drawn_n, sizeof *scaled);
  uint32_t *small = bidsim_calloc(v->drawn_n, sizeof *small), *large = bidsim_calloc(v->drawn_n, sizeof *large);
  const bool ok = v->alias && v->alias_q32 && w && scaled && small && large;
  double lambda = 0.0;
  if (ok) {
    for (uint32_t i = 0; i < v->drawn_n; i++) lambda += w[i] = m->shops[v->drawn_shop[i]].reach_q32 / 4294967296.0;
    alias_build(w, v->drawn_n, v->alias, v->alias_q32, small, large, scaled);
  }
  bidsim_free(w);
  bidsim_free(scaled);
  bidsim_free(small);
  bidsim_free(large);
  if (!ok) goto nomem;
  /* the count's law up to where its tail is below 2^-40 */
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
  v->count_cdf = bidsim_malloc(((size_t)kmax + 1) * sizeof *v->count_cdf);
  if (v->count_cdf == NULL) goto nomem;
  memcpy(v->count_cdf, cdf, ((size_t)kmax + 1) * sizeof *cdf);
  return BIDSIM_OK;
nomem:
  return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the visit tables");
}

static void resort(bidsim_market_t *m);

int bidsim__personal_build(bidsim_market_t *m, bidsim_error_t *err) {
  const uint32_t C = m->cfg.categories, U = m->unit_count;
  bidsim__personal_free(m->index.personal, C);
  bidsim__personal_t *p = m->index.personal = bidsim_calloc(1, sizeof *p);
  if (p == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory building the index");
  p->lists = bidsim_calloc(2 * (size_t)C, sizeof *p->lists);
  p->visits = bidsim_calloc(C, sizeof *p->visits);
  p->pos = bidsim_calloc((size_t)U * 2 + 1, sizeof *p->pos);
  p->lq = bidsim_calloc((size_t)U * 3 + 1, sizeof *p->lq);
  p->seed = bidsim_calloc((size_t)U + 1, sizeof *p->seed);
  p->lbid = bidsim_calloc(BIDSIM_BID_MAX_LI / BIDSIM_LI_PER_FEN + 1, sizeof *p->lbid);
  uint32_t *per_cat = bidsim_calloc(C, sizeof *per_cat);
  int rc = BIDSIM_OK;
  if (!p->lists || !p->visits || !p->pos || !p->lq || !p->seed || !p->lbid || !per_cat) goto nomem;
  affinity_table(p, m->cfg.affinity_sigma, m->cfg.affinity_truncate > 0 ? m->cfg.affinity_truncate : 2.0);
  for (int r = 0; r < BIDSIM_SEG_COUNT; r++) p->mult[r] = m->cfg.ctr_mult[r] > 0 ? m->cfg.ctr_mult[r] : 1.0;
#ifdef HAVE_AVX2_WALK
  p->simd = __builtin_cpu_supports("avx2");
#endif
  p->lbid[0] = log2_q16(1.0);          /* unused: bids are at least 0.10 yuan */
  for (uint32_t f = 1; f <= BIDSIM_BID_MAX_LI / BIDSIM_LI_PER_FEN; f++)
    p->lbid[f] = log2_q16((double)f * BIDSIM_LI_PER_FEN);
  for (uint32_t u = 0; u < U; u++) {
    per_cat[m->units[u].category]++;
    /* the seed depends only on the unit's index: the same ad has the same
     * affinities in every variant and replicate */
    p->seed[u] = mix32(u * UINT32_C(0x9E3779B9) + UINT32_C(0x7F4A7C15));
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
  for (uint32_t c = 0; c < C && rc == BIDSIM_OK; c++) rc = visits_build(m, c, &p->visits[c], err);
  bidsim_free(per_cat);
  if (rc) return rc;
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

int bidsim__personal_clone(bidsim__personal_t **out, const bidsim__personal_t *src, const bidsim_market_t *m) {
  const uint32_t C = m->cfg.categories, U = m->unit_count;
  bidsim__personal_t *p = *out = bidsim_calloc(1, sizeof *p);
  if (p == NULL) return BIDSIM_ENOMEM;
  *p = *src;
  p->lists = NULL; p->visits = NULL; p->pos = NULL; p->lq = NULL; p->seed = NULL; p->lbid = NULL;
  DUP(p->pos, src->pos, (size_t)U * 2);
  DUP(p->lq, src->lq, (size_t)U * 3);
  DUP(p->seed, src->seed, U);
  DUP(p->lbid, src->lbid, BIDSIM_BID_MAX_LI / BIDSIM_LI_PER_FEN);
  p->lists = bidsim_calloc(2 * (size_t)C, sizeof *p->lists);
  p->visits = bidsim_calloc(C, sizeof *p->visits);
  if (!p->lists || !p->visits) return BIDSIM_ENOMEM;
  for (size_t i = 0; i < 2 * (size_t)C; i++) {
    const pranking_t *s = &src->lists[i];
    pranking_t *d = &p->lists[i];
    d->n = s->n; d->words = s->words; d->sums = s->sums;
    DUP(d->key, s->key, s->n);
    DUP(d->ls, s->ls, lanes_of(s) - 1);
    DUP(d->seed, s->seed, lanes_of(s) - 1);
    DUP(d->unit, s->unit, s->n);
    DUP(d->bits, s->bits, s->words);
    DUP(d->sum, s->sum, s->sums);
  }
  for (uint32_t c = 0; c < C; c++) {
    const pvisits_t *s = &src->visits[c];
    pvisits_t *d = &p->visits[c];
    *d = *s;
    d->each_shop = NULL; d->each_first = NULL; d->each_units = NULL;
    d->drawn_shop = NULL; d->drawn_first = NULL; d->drawn_units = NULL;
    d->alias = NULL; d->alias_q32 = NULL; d->count_cdf = NULL;
    const uint32_t each_units = s->each_first[s->each_n], drawn_units = s->drawn_first[s->drawn_n];
    DUP(d->each_shop, s->each_shop, each_units);
    DUP(d->each_first, s->each_first, each_units + 1);
    DUP(d->each_units, s->each_units, each_units);
    DUP(d->drawn_shop, s->drawn_shop, drawn_units);
    DUP(d->drawn_first, s->drawn_first, drawn_units + 1);
    DUP(d->drawn_units, s->drawn_units, drawn_units);
    if (s->drawn_n) {
      DUP(d->alias, s->alias, s->drawn_n - 1);
      DUP(d->alias_q32, s->alias_q32, s->drawn_n - 1);
      DUP(d->count_cdf, s->count_cdf, s->kmax);
    }
  }
  return BIDSIM_OK;
}

/* In-place heapsort of one ranking's parallel arrays by key, descending. */
static void swap_at(pranking_t *ix, uint32_t a, uint32_t b) {
  uint64_t k = ix->key[a]; ix->key[a] = ix->key[b]; ix->key[b] = k;
  int32_t l = ix->ls[a]; ix->ls[a] = ix->ls[b]; ix->ls[b] = l;
  uint32_t s = ix->seed[a]; ix->seed[a] = ix->seed[b]; ix->seed[b] = s;
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
        ix->seed[i] = p->seed[u];
      }
      ranking_sort(ix);
      memset(ix->bits, 0, (size_t)ix->words * sizeof *ix->bits);
      memset(ix->sum, 0, (size_t)ix->sums * sizeof *ix->sum);
      for (uint32_t i = 0; i < ix->n; i++) {
        *hint_of(m, ix->unit[i], b) = i;
        if (eligible_at(m, ix->unit[i], base_rel[b])) bit_set(ix, i, true);
      }
    }
}

void bidsim__personal_reset(bidsim_market_t *m) { resort(m); }

void bidsim__personal_plan_flags(bidsim_market_t *m, uint32_t plan) {
  for (uint32_t u = m->hot[plan].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan)
    for (int b = 0; b < 2; b++) {
      pranking_t *ix = ranking_of(m, b, m->units[u].category);
      uint32_t *pos = hint_of(m, u, b);
      *pos = ranking_find(ix, key_of(static_score(m, u, base_rel[b]), u), *pos);
      bit_set(ix, *pos, eligible_at(m, u, base_rel[b]));
    }
}

/* Move position @p from to @p to, shifting the entries between by one
 * place with their bits. */
static void ranking_move(pranking_t *ix, uint32_t from, uint32_t to) {
  const uint64_t k = ix->key[from];
  const int32_t l = ix->ls[from];
  const uint32_t s = ix->seed[from], u = ix->unit[from];
  const bool on = bit_get(ix, from);
  if (to < from) {
    memmove(&ix->key[to + 1], &ix->key[to], (size_t)(from - to) * sizeof *ix->key);
    memmove(&ix->ls[to + 1], &ix->ls[to], (size_t)(from - to) * sizeof *ix->ls);
    memmove(&ix->seed[to + 1], &ix->seed[to], (size_t)(from - to) * sizeof *ix->seed);
    memmove(&ix->unit[to + 1], &ix->unit[to], (size_t)(from - to) * sizeof *ix->unit);
    for (uint32_t i = from; i > to; i--) bit_set(ix, i, bit_get(ix, i - 1));
  } else if (to > from) {
    memmove(&ix->key[from], &ix->key[from + 1], (size_t)(to - from) * sizeof *ix->key);
    memmove(&ix->ls[from], &ix->ls[from + 1], (size_t)(to - from) * sizeof *ix->ls);
    memmove(&ix->seed[from], &ix->seed[from + 1], (size_t)(to - from) * sizeof *ix->seed);
    memmove(&ix->unit[from], &ix->unit[from + 1], (size_t)(to - from) * sizeof *ix->unit);
    for (uint32_t i = from; i < to; i++) bit_set(ix, i, bit_get(ix, i + 1));
  }
  ix->key[to] = k; ix->ls[to] = l; ix->seed[to] = s; ix->unit[to] = u;
  bit_set(ix, to, on);
}

void bidsim__personal_plan_bids(bidsim_market_t *m, uint32_t plan, const int64_t old[BIDSIM_SEG_COUNT]) {
  const plan_hot_t *h = &m->hot[plan];
  const bool active = bidsim__plan_active(h);
  for (int b = 0; b < 2; b++) {
    const int rel = base_rel[b];
    if (h->bid_li[rel] == old[rel]) continue;   /* a SHOP bid moves nothing: visited units are scored directly */
    for (uint32_t u = h->first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
      pranking_t *ix = ranking_of(m, b, m->units[u].category);
      const bidsim__personal_t *p = m->index.personal;
      const int32_t old_ls = p->lbid[old[rel] / BIDSIM_LI_PER_FEN] + p->lq[(size_t)u * 3 + (size_t)rel];
      uint32_t *pos = hint_of(m, u, b);
      const uint32_t from = ranking_find(ix, key_of(old_ls, u), *pos);
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
      bit_set(ix, to, active && h->bid_li[rel] >= m->cfg.auction.reserve_li);
    }
  }
}

/* ---- the auction ------------------------------------------------------------------ */

static inline int32_t key_score(uint64_t key) { return (int32_t)((uint32_t)(key >> 32) ^ UINT32_C(0x80000000)); }

/* The best `want` candidates so far, by key descending. While full, a unit
 * needs a score of at least `floor` (the last kept one's) to be looked at:
 * the keys settle ties by unit. */
typedef struct {
  uint32_t n, want;
  int32_t  floor;
  uint64_t key[BIDSIM_MAX_SLOTS + 2];
  uint16_t tag[BIDSIM_MAX_SLOTS + 2];   /* relation << 12 | affinity cell */
} top_t;

static inline void top_init(top_t *t, uint32_t want) {
  t->n = 0;
  t->want = want;
  t->floor = INT32_MIN;
}

static inline void top_insert(top_t *t, uint64_t key, int rel, uint32_t cell) {
  uint32_t i;
  if (t->n < t->want) {
    i = t->n++;
  } else {
    if (key <= t->key[t->want - 1]) return;
    i = t->want - 1;
  }
  while (i > 0 && t->key[i - 1] < key) {
    t->key[i] = t->key[i - 1];
    t->tag[i] = t->tag[i - 1];
    i--;
  }
  t->key[i] = key;
  t->tag[i] = (uint16_t)((uint32_t)rel << ZCELLS_LOG2 | cell);
  if (t->n == t->want) t->floor = key_score(t->key[t->want - 1]);
}

/* The shops the impression's user visited, of those with units in its
 * category: the EACH ones first, then the DRAWN ones with their slots. */
typedef struct {
  uint32_t n, each;
  uint64_t shop_bits, slot_bits;          /* bit (x mod 64) set for every shop and DRAWN slot in the list:
                                           * most lookups end on one test */
  uint32_t shop[MAX_EACH + MAX_VISITS];
  uint32_t slot[MAX_EACH + MAX_VISITS];   /* the shop's group in the visit tables */
} visits_t;

static inline bool visited(const visits_t *v, uint32_t shop) {
  if (!((v->shop_bits >> (shop & 63)) & 1)) return false;
  for (uint32_t i = 0; i < v->n; i++)
    if (v->shop[i] == shop) return true;
  return false;
}

static void draw_visits(const bidsim_market_t *m, const bidsim_impression_t *imp, visits_t *out) {
  const pvisits_t *v = &m->index.personal->visits[imp->category];
  out->n = 0;
  out->shop_bits = out->slot_bits = 0;
  for (uint32_t i = 0; i < v->each_n; i++)
    if (visits_each(m, imp->user, v->each_shop[i])) {
      out->shop_bits |= UINT64_C(1) << (v->each_shop[i] & 63);
      out->shop[out->n] = v->each_shop[i];
      out->slot[out->n++] = i;
    }
  out->each = out->n;
  if (v->drawn_n == 0) return;
  const uint64_t base = mix64(imp->user ^ ((uint64_t)imp->category * UINT64_C(0x9FB21C651E98DF25)));
  const uint64_t r = mix64(base + 1);
  uint32_t k = 0;
  while (k < v->kmax && r > v->count_cdf[k]) k++;
  for (uint32_t j = 0; j < k; j++) {
    const uint64_t x = mix64(base + 2 + j);
    uint32_t slot = (uint32_t)(((x >> 32) * (uint64_t)v->drawn_n) >> 32);
    if ((uint32_t)x >= v->alias_q32[slot]) slot = v->alias[slot];
    if ((out->slot_bits >> (slot & 63)) & 1) {
      bool dup = false;
      for (uint32_t q = out->each; q < out->n; q++) dup |= out->slot[q] == slot;
      if (dup) continue;
    }
    out->slot_bits |= UINT64_C(1) << (slot & 63);
    out->shop_bits |= UINT64_C(1) << (v->drawn_shop[slot] & 63);
    out->shop[out->n] = v->drawn_shop[slot];
    out->slot[out->n++] = slot;
  }
}

/* The visited shops' units at the SHOP relation, straight into the top. */
static void enter_visited(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey,
                          const visits_t *vis, top_t *t) {
  const bidsim__personal_t *p = m->index.personal;
  const pvisits_t *v = &p->visits[imp->category];
  for (uint32_t q = 0; q < vis->n; q++) {
    const bool each = q < vis->each;
    const uint32_t *first = each ? v->each_first : v->drawn_first, *units = each ? v->each_units : v->drawn_units;
    for (uint32_t i = first[vis->slot[q]]; i < first[vis->slot[q] + 1]; i++) {
      const uint32_t u = units[i], plan = m->units[u].plan;
      if (!eligible_at(m, u, BIDSIM_SEG_SHOP)) continue;
      const uint32_t h = pair_hash(ukey, p->seed[u]);
      const uint32_t cell = h >> (32 - ZCELLS_LOG2);
      const int32_t score = static_score(m, u, BIDSIM_SEG_SHOP) + p->zq[cell];
      if (score < t->floor || (m->targeted && !targets(m, plan, h))) continue;
      if (strict_skip(m, plan, BIDSIM_SEG_SHOP) || (m->throttled && throttle_skip(m, imp, plan))) continue;
      top_insert(t, key_of(score, u), BIDSIM_SEG_SHOP, cell);
    }
  }
}

/* A unit of the walk whose score reaches the floor: the rare path, out of
 * line so the scoring loop stays small. */
static __attribute__((noinline)) void consider(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                               const visits_t *vis, top_t *t, uint32_t u, int32_t score,
                                               uint32_t h) {
  const uint64_t key = key_of(score, u);
  if (t->n == t->want && key <= t->key[t->want - 1]) return;
  if (m->targeted | vis->n | m->throttled | m->cfg.strict_caps) {   /* each rarely in use */
    const uint32_t plan = m->units[u].plan;
    if (m->targeted && !targets(m, plan, h)) return;
    if (vis->n && visited(vis, m->plans[plan].shop)) return;   /* in at its SHOP score */
    if (strict_skip(m, plan, (int)imp->segment) || (m->throttled && throttle_skip(m, imp, plan))) return;
  }
  top_insert(t, key, (int)imp->segment, h >> (32 - ZCELLS_LOG2));
}

/* The threshold walk over the (base, category) ranking, one unit at a time. */
static uint32_t walk_scalar(const bidsim_market_t *m, const bidsim_impression_t *imp, const pranking_t *ix,
                            uint32_t ukey, const visits_t *vis, top_t *t) {
  const int32_t *zq = m->index.personal->zq, zmax = m->index.personal->zmax;
  uint32_t scored = 0;
  for (uint32_t w = 0; w < ix->words; w++) {
    uint64_t word = ix->bits[w];
    if (word == 0) continue;
    const uint32_t first = w << 6;
    do {
      const uint32_t i = first | (uint32_t)__builtin_ctzll(word);
      word &= word - 1;
      const int32_t ls = ix->ls[i];
      /* no unit from here down can reach the floor: static part + the bound */
      if (ls + zmax < t->floor) return scored;
      scored++;
      const uint32_t h = pair_hash(ukey, ix->seed[i]);
      const int32_t score = ls + zq[h >> (32 - ZCELLS_LOG2)];
      if (score >= t->floor) consider(m, imp, vis, t, ix->unit[i], score, h);
    } while (word);
  }
  return scored;
}

#ifdef HAVE_AVX2_WALK
/* The same walk, eight positions at a time: the hash, the affinity's
 * lookup and the comparison with the floor in AVX2 lanes, the few units
 * that reach it through consider() one by one, in position order, so the
 * result is the scalar walk's exactly. A block's first entry has the
 * block's highest static part, so stopping on it is as exact as per unit. */
__attribute__((target("avx2"))) static uint32_t walk_avx2(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                          const pranking_t *ix, uint32_t ukey, const visits_t *vis,
                                                          top_t *t) {
  const int32_t *zq = m->index.personal->zq, zmax = m->index.personal->zmax;
  const __m256i vkey = _mm256_set1_epi32((int32_t)ukey), c1 = _mm256_set1_epi32(0x7FEB352D);
  const __m256i c2 = _mm256_set1_epi32((int32_t)0x846CA68B);
  uint32_t scored = 0;
  for (uint32_t w = 0; w < ix->words; w++) {
    const uint64_t word = ix->bits[w];
    if (word == 0) continue;
    for (uint32_t b = 0; b < 64; b += 8) {
      const uint32_t lanes = (uint32_t)(word >> b) & 0xFFu;
      if (lanes == 0) continue;
      const uint32_t i0 = (w << 6) | b;
      if (ix->ls[i0] + zmax < t->floor) return scored;
      scored += (uint32_t)__builtin_popcount(lanes);
      __m256i x = _mm256_xor_si256(vkey, _mm256_loadu_si256((const __m256i *)&ix->seed[i0]));
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      x = _mm256_mullo_epi32(x, c1);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
      x = _mm256_mullo_epi32(x, c2);
      x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16));
      const __m256i z = _mm256_i32gather_epi32(zq, _mm256_srli_epi32(x, 32 - ZCELLS_LOG2), 4);
      const __m256i sc = _mm256_add_epi32(z, _mm256_loadu_si256((const __m256i *)&ix->ls[i0]));
      /* score >= floor: not (floor > score) */
      const __m256i below = _mm256_cmpgt_epi32(_mm256_set1_epi32(t->floor), sc);
      uint32_t hits = ~(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(below)) & lanes;
      if (hits == 0) continue;
      int32_t score[8], hash[8];
      _mm256_storeu_si256((__m256i *)score, sc);
      _mm256_storeu_si256((__m256i *)hash, x);
      do {
        const uint32_t j = (uint32_t)__builtin_ctz(hits);
        hits &= hits - 1;
        /* an earlier lane's insertion may have raised the floor */
        if (score[j] >= t->floor) consider(m, imp, vis, t, ix->unit[i0 + j], score[j], (uint32_t)hash[j]);
      } while (hits);
    }
  }
  return scored;
}
#endif

/* The result from the final candidates: each one's relation and affinity
 * again (a handful), bids, predicted CTRs and prices. */
static uint32_t fill(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey, const visits_t *vis,
                     const top_t *t, bidsim_auction_result_t *res, bool defer);

uint32_t bidsim__personal_auction(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                  bidsim_auction_result_t *res, bool defer, uint32_t *scored) {
  const bidsim__personal_t *p = m->index.personal;
  top_t t;
  top_init(&t, m->cfg.auction.slots + 1);
  visits_t vis;
  const uint32_t ukey = user_key(imp->user);
  draw_visits(m, imp, &vis);
  if (vis.n) enter_visited(m, imp, ukey, &vis, &t);
  const pranking_t *ix = ranking_of(m, imp->segment == BIDSIM_SEG_SIMILAR, imp->category);
#ifdef HAVE_AVX2_WALK
  *scored += p->simd ? walk_avx2(m, imp, ix, ukey, &vis, &t) : walk_scalar(m, imp, ix, ukey, &vis, &t);
#else
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
  const uint32_t ukey = user_key(imp->user);
  draw_visits(m, imp, &vis);
  for (uint32_t u = 0; u < m->unit_count; u++) {
    if (m->units[u].category != imp->category) continue;
    const uint32_t plan = m->units[u].plan;
    const int rel = visited(&vis, m->plans[plan].shop) ? BIDSIM_SEG_SHOP : (int)imp->segment;
    if (!eligible_at(m, u, rel) || strict_skip(m, plan, rel) || throttle_skip(m, imp, plan)) continue;
    const uint32_t h = pair_hash(ukey, p->seed[u]);
    if (!targets(m, plan, h)) continue;
    top_insert(&t, key_of(static_score(m, u, rel) + p->zq[h >> (32 - ZCELLS_LOG2)], u), rel, h >> (32 - ZCELLS_LOG2));
  }
  return fill(m, imp, ukey, &vis, &t, res, false);
}

/* ---- prices ------------------------------------------------------------------------- */


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
static int64_t gsp_price(const bidsim_auction_config_t *cfg, int64_t bid_li, double pctr, double next_value) {
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

static uint32_t fill(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey, const visits_t *vis,
                     const top_t *t, bidsim_auction_result_t *res, bool defer) {
  const bidsim__personal_t *p = m->index.personal;
  const bidsim_auction_config_t *cfg = &m->cfg.auction;
  const uint32_t filled = t->n < cfg->slots ? t->n : cfg->slots;
  int64_t bid[BIDSIM_MAX_SLOTS + 1];
  double pctr[BIDSIM_MAX_SLOTS + 1], value[BIDSIM_MAX_SLOTS + 1];
  int rel[BIDSIM_MAX_SLOTS + 1];
  uint32_t cell[BIDSIM_MAX_SLOTS + 1];
  for (uint32_t i = 0; i < t->n; i++) {
    const uint32_t u = key_unit(t->key[i]), plan = m->units[u].plan;
    rel[i] = t->tag[i] >> ZCELLS_LOG2;
    cell[i] = t->tag[i] & (ZCELLS - 1);
    bid[i] = m->hot[plan].bid_li[rel[i]];
    pctr[i] = m->units[u].quality * p->mult[rel[i]] * p->aff[cell[i]];
    value[i] = (double)bid[i] * pctr[i];
  }
  for (uint32_t i = 0; i < filled; i++) {
    const uint32_t u = key_unit(t->key[i]);
    res->plan[i] = m->units[u].plan;
    res->unit[i] = u;
    res->product[i] = m->units[u].product;
    res->bid_li[i] = bid[i];
    res->quality[i] = m->units[u].quality;
    res->relation[i] = (uint8_t)rel[i];
    res->affinity[i] = p->aff[cell[i]];
    res->pctr[i] = pctr[i];
    res->next_value[i] = i + 1 < t->n ? value[i + 1] : -1.0;
    res->next_score[i] = UINT64_MAX;   /* the static model's field: unused here */
  }
  res->n = filled;
  res->priced = true;
  switch (cfg->mechanism) {
    case BIDSIM_MECH_FIRST:
      for (uint32_t i = 0; i < filled; i++) res->price_li[i] = bid[i];
      break;
    case BIDSIM_MECH_VCG:
      for (uint32_t i = 0; i < filled; i++) res->price_li[i] = vcg_price(cfg, value, t->n, filled, i, bid, pctr);
      break;
    default:
      res->priced = !defer;
      if (!defer)
        for (uint32_t i = 0; i < filled; i++) res->price_li[i] = gsp_price(cfg, bid[i], pctr[i], res->next_value[i]);
  }
  return filled;
}

/* ---- inspection ------------------------------------------------------------------------ */

double bidsim__personal_affinity(const bidsim_market_t *m, uint64_t user, uint32_t unit) {
  const bidsim__personal_t *p = m->index.personal;
  return p->aff[pair_hash(user_key(user), p->seed[unit]) >> (32 - ZCELLS_LOG2)];
}

bool bidsim__personal_visited(const bidsim_market_t *m, uint64_t user, uint32_t category, uint32_t shop) {
  if (m->shops[shop].visit_mode == BIDSIM_VISIT_EACH) return visits_each(m, user, shop);   /* in every category */
  visits_t vis;
  const bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, category, 0, user };
  draw_visits(m, &imp, &vis);
  return visited(&vis, shop);
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
        if (ix->ls[i] != ls || ix->key[i] != key_of(ls, u) || ix->seed[i] != m->index.personal->seed[u])
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
    }
  return BIDSIM_OK;
}

bool bidsim__personal_set_simd(bidsim_market_t *m, bool on) {
  bidsim__personal_t *p = m->index.personal;
  if (p == NULL) return false;
#ifdef HAVE_AVX2_WALK
  p->simd = on && __builtin_cpu_supports("avx2");
#else
  (void)on;
#endif
  return p->simd;
}
