/* sim/worker.c - the day loop: impressions arrive hour by hour, each is
 * auctioned on the worker's market, each filled slot may be clicked, each
 * click charged and maybe converted (docs/model.md §1-§3). Nothing here
 * allocates per impression; the per-impression and per-click steps are
 * inline functions of the loop.
 *
 * Common random numbers across variants. The traffic generator (arrivals,
 * segments, categories, and one 64-bit seed per impression: the user)
 * depends only on (seed, replicate). Whether that user clicks a given ad is
 * decided by a uniform that is a hash of (user, ad unit), compared with
 * P(examined at the slot) x P(attractive): the same user reacts to the same
 * ad the same way in every variant, and moving an ad up can only add clicks
 * (a monotone coupling, so paired differences have little noise). A click's
 * order and order value come from the user generator started at a hash of
 * the same pair. */
#include "sim/worker.h"
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/rng_gsl.h"
#include "sim/service.h"
#include "sim/strategy_host.h"
#include "sim/traffic.h"
#include "sim/world_internal.h"

#define TWO32 4294967296.0
/* impressions between two looks at the stop flag: a look per block of
 * impressions costs nothing measurable, and Ctrl-C is answered within
 * about a tenth of a millisecond of simulation */
#define STOP_CHECK_EVERY 4096u

/* Per ad unit, everything the impression loop reads or counts when the ad
 * is shown, in one 64-byte line: today's click and order probabilities per
 * segment and this hour's exposures (units are scattered over the index,
 * so separate arrays cost a cache miss each). */
typedef struct {
  double   attract[BIDSIM_SEG_COUNT];   /* P(click | examined), today's */
  double   convert[BIDSIM_SEG_COUNT];   /* P(order | click), today's */
  uint32_t expo[BIDSIM_SEG_COUNT];      /* exposures this hour */
  uint32_t pad;
} unit_hot_t;
_Static_assert(sizeof(unit_hot_t) == 64, "unit_hot_t is one cache line");

struct bidsim_worker {
  const bidsim_scenario_t *sc;          /* the run's scenario: its variants or sweep points */
  const bidsim_world_t *base;
  bidsim_world_t *own;                  /* the current sweep point's world, or NULL */
  uint32_t own_variant;                 /* its variant; UINT32_MAX = none */
  const volatile sig_atomic_t *stop;
  gsl_rng *traffic_rng;                 /* our pcg64 behind GSL's interface */
  bidsim_pcg64_t *tg;                   /* the same state, for raw draws */
  gsl_rng *user_rng;
  bidsim_pcg64_t *ug;
  uint64_t impressions;
  /* bound to one world (the base, or a sweep point's) */
  const bidsim_world_t *w;
  const bidsim_world_market_t *wm;      /* the market draw in use: the world's, or drawn */
  bidsim_world_market_t drawn;          /* market.redraw per_replicate: this replicate's draw */
  uint32_t drawn_replicate;             /* of drawn; UINT32_MAX = none */
  bool     personal;                    /* users.relation per_shop: personalised ranking */
  double  *error;                       /* [4096] the true CTR over the predicted one (prediction_error), or NULL */
  bidsim_market_t *market;              /* a clone of the world's draw, or drawn's market */
  unit_hot_t *unit;                     /* [unit], 64-byte aligned inside unit_mem */
  void     *unit_mem;
  bidsim_strategy_host_t *host;
  bidsim_service_t service;
  uint32_t variant, replicate;          /* of the world's scenario */
  const bidsim_worker_probe_t *probe;   /* NULL = none */
};

/* What one day's loop reads, set up at its start. */
typedef struct {
  uint32_t day;
  int64_t  day0_s;
  double   traffic;                     /* mean impressions today */
  double   hour_share[BIDSIM_HOURS];
  double   exam[BIDSIM_MAX_SLOTS];      /* P(examined at slot s) x 2^32 */
  int64_t *slot_expo[BIDSIM_MAX_SLOTS]; /* the slab's exposures at slot s, by plan */
  bidsim_segment_sampler_t seg;
  bidsim_category_sampler_t cat;
} day_t;

/* ---- lifetime --------------------------------------------------------------- */

static void unbind(bidsim_worker_t *k) {
  bidsim_strategy_host_free(k->host);
  bidsim_service_free(&k->service);
  if (k->market != k->drawn.market) bidsim_market_free(k->market);
  bidsim__world_market_free(&k->drawn);
  k->drawn_replicate = UINT32_MAX;
  bidsim_free(k->unit_mem);
  bidsim_free(k->error);
  k->error = NULL;
  k->host = NULL;
  k->market = NULL;
  k->wm = NULL;
  k->unit_mem = NULL;
  k->unit = NULL;
  k->w = NULL;
}

/* The true CTR's factor around the platform's prediction: a lognormal of
 * mean 1 and log-sd tau in 4,096 equal-probability cells (their
 * midpoints), picked by a hash of (user, ad) like the affinity's. */
static double *error_table(double tau) {
  double *t = bidsim_malloc(4096 * sizeof *t);
  if (t == NULL) return NULL;
  double sum = 0.0;
  for (int i = 0; i < 4096; i++) {
    /* the normal's quantile at the cell's midpoint, by bisection on erfc */
    double p = (i + 0.5) / 4096.0, lo = -10.0, hi = 10.0;
    for (int it = 0; it < 100; it++) {
      double mid = 0.5 * (lo + hi);
      if (0.5 * erfc(-mid / sqrt(2.0)) < p) lo = mid; else hi = mid;
    }
    sum += t[i] = exp(tau * 0.5 * (lo + hi));
  }
  for (int i = 0; i < 4096; i++) t[i] /= sum / 4096.0;   /* mean exactly 1 */
  return t;
}

/* The per-world state for @p w: a clone of its market (under
 * market.redraw per_replicate the replicate's own draw, made at the
 * unit's start), the unit lines, the strategy host and the service model. */
static int bind(bidsim_worker_t *k, const bidsim_world_t *w, bidsim_error_t *err) {
  unbind(k);
  k->w = w;
  k->personal = w->sc->relation == BIDSIM_RELATION_PER_SHOP;
  int rc = BIDSIM_OK;
  if (w->sc->market.redraw == BIDSIM_REDRAW_ONCE) {
    k->wm = &w->base;
    rc = bidsim_market_clone(w->base.market, &k->market, err);
  }
  if (rc == BIDSIM_OK && w->sc->prediction_error > 0 && (k->error = error_table(w->sc->prediction_error)) == NULL)
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  if (rc == BIDSIM_OK) rc = bidsim_strategy_host_create(w, &k->host, err);
  if (rc == BIDSIM_OK) rc = bidsim_service_init(&k->service, w->sc, err);
  if (rc == BIDSIM_OK) {
    /* aligned by hand to 64 bytes: bidsim_calloc promises only malloc's 16 */
    k->unit_mem = bidsim_calloc((size_t)w->units + 2, sizeof(unit_hot_t));
    if (k->unit_mem) k->unit = (unit_hot_t *)(((uintptr_t)k->unit_mem + 63) & ~(uintptr_t)63);
    else rc = bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  }
  if (rc) unbind(k);
  return rc;
}

int bidsim_worker_create(const bidsim_scenario_t *sc, const bidsim_world_t *base,
                         const volatile sig_atomic_t *stop, bidsim_worker_t **out, bidsim_error_t *err) {
  static const volatile sig_atomic_t never = 0;
  *out = NULL;
  bidsim_worker_t *k = bidsim_calloc(1, sizeof *k);
  if (k == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  k->sc = sc;
  k->base = base;
  k->own_variant = UINT32_MAX;
  k->drawn_replicate = UINT32_MAX;
  k->stop = stop ? stop : &never;
  k->traffic_rng = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  k->user_rng = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  if (!k->traffic_rng || !k->user_rng) {
    bidsim_worker_free(k);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  }
  k->tg = bidsim_gsl_rng_state(k->traffic_rng);
  k->ug = bidsim_gsl_rng_state(k->user_rng);
  /* a sweep binds to each point's world when it reaches the point's units */
  int rc = sc->variant_sc ? BIDSIM_OK : bind(k, base, err);
  if (rc) { bidsim_worker_free(k); return rc; }
  *out = k;
  return BIDSIM_OK;
}

void bidsim_worker_free(bidsim_worker_t *k) {
  if (k == NULL) return;
  unbind(k);
  bidsim_world_free(k->own);
  if (k->traffic_rng) gsl_rng_free(k->traffic_rng);
  if (k->user_rng) gsl_rng_free(k->user_rng);
  bidsim_free(k);
}

/* Bind to the world of unit @p unit's variant; *variant is its index in
 * that world's scenario (a sweep point's scenario has one variant). */
static int bind_unit(bidsim_worker_t *k, uint32_t unit, uint32_t *variant, bidsim_error_t *err) {
  const uint32_t v = unit / k->sc->replicates;
  if (k->sc->variant_sc == NULL) { *variant = v; return BIDSIM_OK; }
  *variant = 0;
  if (v == k->own_variant) return BIDSIM_OK;
  /* units are handed out variant by variant, so a new world is rare */
  unbind(k);
  bidsim_world_free(k->own);
  k->own = NULL;
  k->own_variant = UINT32_MAX;
  int rc = bidsim_world_create(k->sc->variant_sc[v], &k->own, err);
  if (rc == BIDSIM_OK) rc = bind(k, k->own, err);
  if (rc == BIDSIM_OK) k->own_variant = v;
  return rc;
}

int bidsim_worker_begin(bidsim_worker_t *k, uint32_t unit, bidsim_error_t *err) {
  uint32_t variant;
  int rc = bind_unit(k, unit, &variant, err);
  if (rc) return rc;
  const bidsim_world_t *w = k->w;
  const uint32_t replicate = unit % k->sc->replicates;
  k->variant = variant;
  k->replicate = replicate;
  if (w->sc->market.redraw == BIDSIM_REDRAW_PER_REPLICATE && replicate != k->drawn_replicate) {
    /* the replicate's own competitors, from a market stream of its own:
     * every variant of the replicate meets the same ones */
    bidsim__world_market_free(&k->drawn);
    k->drawn_replicate = UINT32_MAX;
    k->market = NULL;
    k->wm = NULL;
    if ((rc = bidsim__world_market_draw(w, bidsim__market_stream(replicate), &k->drawn, err))) return rc;
    k->drawn_replicate = replicate;
    k->wm = &k->drawn;
    k->market = k->drawn.market;
  }
  bidsim_market_reset(k->market);
  /* every listed plan gets this variant's bids and cap before the clock
   * starts: nothing a strategy did in the last unit carries over */
  for (uint32_t i = 0; i < w->sc->plan_count; i++) {
    size_t at = (size_t)variant * w->sc->plan_count + i;
    rc = bidsim_market_set_bids(k->market, i, w->variant_bids[at], err);
    if (rc == BIDSIM_OK) rc = bidsim_market_set_cap(k->market, i, w->variant_cap[at], err);
    if (rc) return rc;
  }
  /* the run's seed: a sweep point shares its traffic with every other point */
  bidsim_rng_for_stream(k->tg, k->sc->seed, replicate);
  /* the user generator's stream; its state is set per (user, ad) pair */
  bidsim_rng_for_stream(k->ug, k->sc->seed, replicate ^ BIDSIM_STREAM_USERS);
  bidsim_service_begin(&k->service);
  rc = bidsim_strategy_host_begin(k->host, w, k->wm, k->market, variant, err);
  if (rc == BIDSIM_OK && k->probe) rc = k->probe->begin(k->probe->ctx, w, k->wm, k->market, variant, replicate, err);
  return rc;
}

void bidsim_worker_set_probe(bidsim_worker_t *k, const bidsim_worker_probe_t *probe) { k->probe = probe; }

uint64_t bidsim_worker_impressions(const bidsim_worker_t *k) { return k->impressions; }

/* ---- one day ------------------------------------------------------------------ */

/* Today's calendar: traffic, each unit's click and order probabilities,
 * the examination weights and the samplers. */
static void day_setup(bidsim_worker_t *k, uint32_t day, day_t *d) {
  const bidsim_world_t *w = k->w;
  const bidsim_scenario_t *sc = w->sc;
  d->day = day;
  d->day0_s = (int64_t)day * BIDSIM_SECONDS_PER_DAY;
  d->traffic = bidsim_traffic_day(sc, day, d->hour_share);
  const bidsim_sc_phase_t *ph = bidsim_scenario_phase(sc, day);
  const double ctr_m = ph ? ph->ctr_mult : 1.0, cvr_m = ph ? ph->cvr_mult : 1.0;
  const bidsim_world_market_t *wm = k->wm;
  for (uint32_t u = 0; u < w->units; u++)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      /* the personalised model caps P(click) per slot, after the affinity */
      const double a = wm->unit_ctr[u] * sc->ctr_mult[s] * ctr_m;
      k->unit[u].attract[s] = k->personal ? a : fmin(1.0, a);
      k->unit[u].convert[s] = fmin(1.0, wm->unit_cvr[u] * sc->cvr_mult[s] * cvr_m);
    }
  for (uint32_t s = 0; s < BIDSIM_MAX_SLOTS; s++) d->exam[s] = sc->auction.position_weight_ppm[s] * 1e-6 * TWO32;
  if (k->personal) {
    /* the impression's base relation: a user interested in the category's
     * similar products, in the proportion of the similar share to the
     * shares of the users not retargeted (docs/model.md §3) */
    const double ord = sc->segment_shares[BIDSIM_SEG_ORDINARY], sim = sc->segment_shares[BIDSIM_SEG_SIMILAR];
    const double shares[BIDSIM_SEG_COUNT] = { ord + sim > 0 ? ord / (ord + sim) : 1.0, 0.0,
                                              ord + sim > 0 ? sim / (ord + sim) : 0.0 };
    bidsim_segment_sampler_init(&d->seg, shares);
  } else {
    bidsim_segment_sampler_init(&d->seg, sc->segment_shares);
  }
  bidsim_category_sampler_init(&d->cat, sc->category_shares, sc->category_count);
}

static inline void add_metric(bidsim_day_slab_t *slab, int metric, uint32_t plan, uint32_t seg, uint32_t hour,
                              uint32_t product, int64_t v) {
  BIDSIM_SLAB_PS(slab, metric, plan, seg) += v;
  BIDSIM_SLAB_PH(slab, metric, hour, plan) += v;
  BIDSIM_SLAB_PR(slab, metric, product) += v;
}

/* A click on slot @p s of @p res: charge it (the cap stop is inside the
 * market), then the order, its delay and value, and for a modelled shop a
 * consulting user, all from the (user, ad) pair's generator seeded by @p h.
 * Out of line: a few percent of slots are clicked, and inlined its
 * registers spill in the slot loop (callgrind: 6% more instructions per
 * impression inline than out of line). */
static __attribute__((noinline)) void click(bidsim_worker_t *k, const bidsim_auction_result_t *res, uint32_t s,
                                            uint32_t seg, uint32_t hour, int64_t t, uint64_t h, uint32_t si,
                                            bidsim_day_slab_t *slab) {
  const bidsim_world_t *w = k->w;
  const bidsim_scenario_t *sc = w->sc;
  k->ug->state = ((bidsim_u128_t)bidsim__mix64(h) << 64) | h;
  const uint32_t plan = res->plan[s], product = res->product[s], unit = res->unit[s];
  bool capped = false;
  int64_t charged = bidsim_market_charge(k->market, plan, bidsim_auction_slot_price(k->market, res, s), &capped);
  if (capped) slab->cap_hit_s[plan] = t % BIDSIM_SECONDS_PER_DAY;
  add_metric(slab, BIDSIM_METRIC_CLICKS, plan, seg, hour, product, 1);
  BIDSIM_SLAB_PK(slab, BIDSIM_METRIC_CLICKS, s, plan)++;
  add_metric(slab, BIDSIM_METRIC_SPEND_LI, plan, seg, hour, product, charged);
  bool converted = gsl_rng_uniform(k->user_rng) < k->unit[unit].convert[seg];
  /* ordered after the attribution window: not credited */
  if (converted && sc->conversion_delay_hours > 0.0 &&
      gsl_ran_exponential(k->user_rng, sc->conversion_delay_hours) > sc->attribution_window_days * 24.0)
    converted = false;
  int64_t ov_li = 0;
  if (converted) {
    double ov = bidsim__dist_draw(k->wm->unit_order_value[unit], k->user_rng);
    ov_li = ov > 0.0 ? bidsim__yuan_to_fen_li(ov) : 0;
    add_metric(slab, BIDSIM_METRIC_CONVERSIONS, plan, seg, hour, product, 1);
    add_metric(slab, BIDSIM_METRIC_ORDER_VALUE_LI, plan, seg, hour, product, ov_li);
  }
  /* the plan's strategy learns from its clicks */
  if (si != BIDSIM_HOST_NONE) bidsim_strategy_host_click(k->host, si, charged, converted, ov_li);
  /* one more draw of this (user, ad) pair, after the order's */
  if (k->service.active) bidsim_service_click(&k->service, plan, k->user_rng);
}

/* The filled slots of a personalised auction: each plan's segment is the
 * user's relation to its shop, and it is clicked with the predicted CTR
 * its rank used (the ad's CTR x the relation's multiplier x this user's
 * affinity for it), times the true CTR's factor around the prediction when
 * the platform's model is imperfect (users.prediction_error). */
static void personal_slots(bidsim_worker_t *k, const day_t *d, uint32_t hour, int64_t t, uint64_t user,
                           const bidsim_auction_result_t *res, uint32_t filled, bidsim_day_slab_t *slab) {
  for (uint32_t s = 0; s < filled; s++) {
    const uint32_t rel = res->relation[s];
    unit_hot_t *uh = &k->unit[res->unit[s]];
    uh->expo[rel]++;
    d->slot_expo[s][res->plan[s]]++;   /* "how often on top": per slot, straight into the slab */
    const uint32_t si = bidsim_strategy_host_entry(k->host, res->plan[s]);
    if (si != BIDSIM_HOST_NONE) bidsim_strategy_host_exposure(k->host, si, s);
    const uint64_t h = bidsim__mix64(user ^ ((uint64_t)res->unit[s] * UINT64_C(0x9E3779B97F4A7C15)));
    double p = d->exam[s] * uh->attract[rel] * res->affinity[s];
    if (k->error) p *= k->error[bidsim__mix64(h + UINT64_C(0x632BE59BD9B4E019)) >> 52];
    if ((double)(uint32_t)h >= p) continue;   /* p of 2^32 or more: a certain click */
    click(k, res, s, rel, hour, t, h, si, slab);
  }
}

/* One impression at clock @p t: its user, segment and category from the
 * traffic stream, the auction, and each filled slot's exposure and click. */
static inline void impression(bidsim_worker_t *k, const day_t *d, uint32_t hour, int64_t t,
                              bidsim_auction_result_t *res, bidsim_day_slab_t *slab) {
  const uint64_t x = bidsim_pcg64_next(k->tg);
  const uint64_t user = bidsim_pcg64_next(k->tg);
  const uint32_t seg = bidsim_segment_draw(&d->seg, (uint32_t)(x >> 32));
  const uint32_t cat = bidsim_category_draw(&d->cat, (uint32_t)x);
  slab->impressions[hour][seg]++;
  const bidsim_impression_t imp = { seg, cat, (uint32_t)(user >> 32), user };
  /* prices only for clicked slots (a few percent): deferred */
  const uint32_t filled = bidsim_market_auction_deferred(k->market, &imp, res);
  if (k->probe) k->probe->auction(k->probe->ctx, &imp, t, res);
  if (k->personal) {
    personal_slots(k, d, hour, t, user, res, filled, slab);
    return;
  }
  for (uint32_t s = 0; s < filled; s++) {
    unit_hot_t *uh = &k->unit[res->unit[s]];
    uh->expo[seg]++;
    d->slot_expo[s][res->plan[s]]++;
    const uint32_t si = bidsim_strategy_host_entry(k->host, res->plan[s]);
    if (si != BIDSIM_HOST_NONE) bidsim_strategy_host_exposure(k->host, si, s);
    const uint64_t h = bidsim__mix64(user ^ ((uint64_t)res->unit[s] * UINT64_C(0x9E3779B97F4A7C15)));
    if ((double)(uint32_t)h >= d->exam[s] * uh->attract[seg]) continue;
    click(k, res, s, seg, hour, t, h, si, slab);
  }
}

/* Fold this hour's exposure counters into the slab and clear them. */
static void fold_hour(bidsim_worker_t *k, uint32_t hour, bidsim_day_slab_t *slab) {
  const bidsim_world_t *w = k->w;
  for (uint32_t u = 0; u < w->units; u++) {
    uint32_t *e = k->unit[u].expo;
    uint32_t tot = e[0] + e[1] + e[2];
    if (tot == 0) continue;
    uint32_t plan, product;
    bidsim_market_unit(k->market, u, &plan, &product);
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) BIDSIM_SLAB_PS(slab, BIDSIM_METRIC_EXPOSURES, plan, s) += e[s];
    BIDSIM_SLAB_PH(slab, BIDSIM_METRIC_EXPOSURES, hour, plan) += tot;
    BIDSIM_SLAB_PR(slab, BIDSIM_METRIC_EXPOSURES, product) += tot;
    e[0] = e[1] = e[2] = 0;
  }
}

static int clock_to(bidsim_worker_t *k, int64_t t, bidsim_error_t *err) {
  int rc = bidsim_market_advance_to(k->market, t);
  return rc ? bidsim_error_set(err, rc, "worker", "market clock: %s", bidsim_strerror(rc)) : BIDSIM_OK;
}

/* One hour's arrivals, spread evenly over the hour (the expected order
 * statistics of a Poisson process given the hour's count). */
static int run_hour(bidsim_worker_t *k, const day_t *day, uint32_t hour, bidsim_day_slab_t *slab, bidsim_error_t *err) {
  /* a copy whose address never leaves the inlined loop: the compiler then
   * knows the counters the loop stores to cannot alias the samplers'
   * thresholds, and keeps them out of memory reloads */
  const day_t local = *day, *d = &local;
  const uint64_t n = bidsim_traffic_count(k->w->sc, k->traffic_rng, d->traffic * d->hour_share[hour]);
  bidsim_auction_result_t res;
  int64_t last_t = -1;
  for (uint64_t i0 = 0; i0 < n; i0 += STOP_CHECK_EVERY) {
    if (*k->stop) return bidsim_error_set(err, BIDSIM_EINTR, "run", "interrupted");
    const uint64_t i1 = n - i0 < STOP_CHECK_EVERY ? n : i0 + STOP_CHECK_EVERY;
    for (uint64_t i = i0; i < i1; i++) {
      const int64_t t = d->day0_s + (int64_t)hour * 3600 + (int64_t)(i * 3600 / n);
      if (t != last_t) {
        int rc = clock_to(k, t, err);
        if (rc == BIDSIM_OK) rc = bidsim_strategy_host_tick(k->host, k->w, k->market, t, d->day, day->hour_share, slab, err);
        if (rc) return rc;
        last_t = t;
      }
      impression(k, d, hour, t, &res, slab);
    }
    k->impressions += i1 - i0;
  }
  return BIDSIM_OK;
}

int bidsim_worker_run_day(bidsim_worker_t *k, uint32_t day, bidsim_day_slab_t *slab, bidsim_error_t *err) {
  /* a sweep point may fill fewer slots than the file has (the most of any point) */
  if (slab->slots < k->w->sc->auction.slots || slab->plan_slot == NULL)
    return bidsim_error_set(err, BIDSIM_EINVAL, "worker", "a day slab of %u slots for an auction of %u", slab->slots,
                            k->w->sc->auction.slots);
  bidsim_day_slab_clear(slab);
  slab->variant = k->variant;
  slab->replicate = k->replicate;
  slab->day = day;
  day_t d;
  day_setup(k, day, &d);
  for (uint32_t s = 0; s < slab->slots; s++) d.slot_expo[s] = &BIDSIM_SLAB_PK(slab, BIDSIM_METRIC_EXPOSURES, s, 0);
  bidsim_strategy_host_day_start(k->host, d.day0_s);
  int rc = k->service.active ? bidsim_service_day_start(&k->service, k->market, day, err) : BIDSIM_OK;
  for (uint32_t hour = 0; hour < BIDSIM_HOURS && rc == BIDSIM_OK; hour++) {
    rc = run_hour(k, &d, hour, slab, err);
    fold_hour(k, hour, slab);
    if (k->service.active) bidsim_service_hour_end(&k->service, hour);
  }
  if (rc) return rc;
  /* external strategies that ask see the day's end before midnight resets it */
  if ((rc = bidsim_strategy_host_day_end(k->host, k->w, k->market, day, err))) return rc;
  if (k->service.active) bidsim_service_day_end(&k->service, day, slab);
  /* midnight: the next day's caps (docs/model.md §1) */
  return clock_to(k, d.day0_s + BIDSIM_SECONDS_PER_DAY, err);
}
