/* bench/bench.c - the engine benchmark (bench/bench.h): a synthetic market
 * of one-product plans with segmented bids, qualities from a CTR, caps and
 * categories; a day of impressions through the engine's deferred auction
 * with click and conversion draws and spend accounting; strategies hosted
 * as `bidsim run` hosts them; the RNG floor. Prints nothing. */
#include "bench/bench.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { BENCH_CHUNK = 256 };   /* plans per strategy batch */

struct bidsim_bench {
  bidsim_bench_config_t cfg;
  bidsim_market_t *market;
  uint32_t *ctr_q32;      /* [plan] P(attractive) out of 2^32: 40 KB at 10,000 plans, cache-resident */
  uint32_t  exam_q30[BIDSIM_MAX_SLOTS][BIDSIM_SEG_COUNT];   /* examination x segment multiplier, Q30 */
  uint32_t  thr_conv[BIDSIM_SEG_COUNT];
  uint32_t  plans;
  double    reach_median;                     /* of the shops' DRAWN reach (personalised) */
  /* strategies: plans [0, strat_plans) run cfg.strategy */
  const bidsim_strategy_t *strat;
  uint32_t  strat_plans;
  void    **selves;
  int64_t (*value_li)[BIDSIM_SEG_COUNT];      /* configured bids */
  bidsim_strategy_action_t *act, *want;       /* per plan: as in the market; what the update asks */
  uint64_t *exposures, *clicks;               /* per plan: today, since the start */
  int64_t  *spend, *order_value_li;           /* since the start (orders: 15 yuan a click) */
  uint64_t *zero_u;                           /* counts the bench does not keep (conversions, ...) */
  int64_t  *zero_i;
  uint32_t *plan_ids;                         /* 0, 1, ...: the plans whose spend a period gathers */
  int64_t  *spend_today_li, *cap_li;          /* gathered at each period */
  uint64_t  updates, updates_per_run;
  double    update_s;                         /* this run's time in strategy updates */
};

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A standard normal (Box-Muller), for the market's draws only. */
static double std_normal(bidsim_pcg64_t *g) {
  const double u = 1.0 - bidsim_pcg64_double(g), v = bidsim_pcg64_double(g);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static int64_t round_fen(double yuan) { return (int64_t)llround(yuan * 100.0) * BIDSIM_LI_PER_FEN; }

static void world_free(bidsim_bench_t *w) {
  for (uint32_t p = 0; w->selves && p < w->strat_plans; p++)
    if (w->selves[p]) w->strat->destroy(w->selves[p]);
  bidsim_market_free(w->market);
  bidsim_free(w->ctr_q32);
  bidsim_free(w->selves);
  bidsim_free(w->value_li);
  bidsim_free(w->act);
  bidsim_free(w->want);
  bidsim_free(w->order_value_li);
  bidsim_free(w->zero_u);
  bidsim_free(w->zero_i);
  bidsim_free(w->plan_ids);
  bidsim_free(w->spend_today_li);
  bidsim_free(w->cap_li);
  bidsim_free(w->exposures);
  bidsim_free(w->clicks);
  bidsim_free(w->spend);
}

/* Each run starts the strategies afresh. */
static int strategies_start(const bidsim_bench_config_t *o, bidsim_bench_t *w, bidsim_error_t *err) {
  for (uint32_t p = 0; p < w->strat_plans; p++) {
    if (w->selves[p]) w->strat->destroy(w->selves[p]);
    w->selves[p] = NULL;
    bidsim_params_t none = { 0, NULL };
    bidsim_param_t target = { "target", 3.0 };
    bidsim_params_t roi = { 1, &target };
    bool needs_target = !strcmp(o->strategy, "target_roi") || !strcmp(o->strategy, "target_cpa");
    bidsim_error_t e;
    bidsim_error_clear(&e);
    int rc = w->strat->create(needs_target ? &roi : &none, &w->selves[p], &e);
    if (rc) return bidsim_error_set(err, rc, "strategy", "%s: %s", o->strategy, e.msg);
  }
  for (uint32_t p = 0; p < w->plans; p++) {   /* what reset restores */
    memcpy(w->act[p].bid_li, w->value_li[p], sizeof w->act[p].bid_li);
    w->act[p].participation = 1.0;
  }
  memset(w->order_value_li, 0, w->plans * sizeof *w->order_value_li);
  memset(w->exposures, 0, w->plans * sizeof *w->exposures);
  memset(w->clicks, 0, w->plans * sizeof *w->clicks);
  memset(w->spend, 0, w->plans * sizeof *w->spend);
  w->update_s = 0;
  return BIDSIM_OK;
}

/* The host side of a period, as bidsim run does it: spend and caps
 * gathered, one batch update over the arrays, then clamp, new bids and
 * participation into the market. Kept out of the auction loop, so the
 * compiler gives this loop its own registers. */
static __attribute__((noinline)) void strategies_update(const bidsim_bench_config_t *o, bidsim_bench_t *w, int64_t ts) {
  const bidsim_strategy_state_t shared = { .now_s = ts, .second_of_day = (uint32_t)ts, .period_s = o->strategy_period_s,
                                           .traffic_done = (double)ts / BIDSIM_SECONDS_PER_DAY };
  /* in chunks: gathered spend, actions and their comparison stay in the
   * first-level cache from one pass to the next */
  for (uint32_t c = 0; c < w->strat_plans; c += BENCH_CHUNK) {
    const uint32_t n = w->strat_plans - c < BENCH_CHUNK ? w->strat_plans - c : BENCH_CHUNK;
    bidsim_market_plans_spend(w->market, n, w->plan_ids + c, w->spend_today_li + c, w->cap_li + c);
    const bidsim_strategy_batch_t b = {
      .count = n, .shared = &shared, .value_bid_li = (const int64_t (*)[BIDSIM_SEG_COUNT])w->value_li + c,
      .cap_li = w->cap_li + c, .spend_today_li = w->spend_today_li + c, .order_value_li = w->zero_i + c,
      .exposures = w->exposures + c, .top_exposures = w->zero_u + c, .clicks = w->clicks + c,
      .conversions = w->zero_u + c, .total_clicks = w->clicks + c, .total_conversions = w->zero_u + c,
      .total_order_value_li = w->order_value_li + c, .total_spend_li = w->spend + c };
    memcpy(w->want + c, w->act + c, n * sizeof *w->want);   /* pre-filled with the current actions */
    bidsim_strategy_update_batch(w->strat, w->selves + c, &b, w->want + c);
    for (uint32_t p = c; p < c + n; p++) {
      bidsim_strategy_action_t *a = &w->want[p], *now = &w->act[p];
      /* an unchanged action is already valid: no clamp, no re-index */
      if (!memcmp(a, now, sizeof *a)) continue;
      bidsim_strategy_clamp_action(a);
      if (memcmp(a->bid_li, now->bid_li, sizeof a->bid_li)) {
        bidsim_market_set_bids(w->market, p, a->bid_li, NULL);
        memcpy(now->bid_li, a->bid_li, sizeof now->bid_li);
      }
      if (a->participation != now->participation) {
        bidsim_market_set_participation(w->market, p, a->participation, NULL);
        now->participation = a->participation;
      }
    }
  }
  w->updates += w->strat_plans;
}

static int world_build(const bidsim_bench_config_t *o, bidsim_bench_t *w, bidsim_error_t *err) {
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.mechanism = (bidsim_mechanism_t)o->mechanism;
  cfg.auction.slots = o->slots;
  cfg.categories = o->categories;
  static const double seg_ctr_mult[BIDSIM_SEG_COUNT] = { 1.0, 2.0, 1.4 };
  if (!o->static_model) {
    cfg.rank = BIDSIM_RANK_PERSONAL;
    cfg.affinity_sigma = o->sigma;
    cfg.affinity_truncate = o->truncate;
    memcpy(cfg.ctr_mult, seg_ctr_mult, sizeof cfg.ctr_mult);
  }
  int rc = bidsim_market_create(&cfg, &w->market, err);
  if (rc) return rc;
  w->plans = o->campaigns;
  w->ctr_q32 = bidsim_malloc(sizeof(uint32_t) * o->campaigns);
  w->value_li = bidsim_malloc(sizeof *w->value_li * o->campaigns);
  w->act = bidsim_malloc(sizeof *w->act * o->campaigns);
  w->want = bidsim_malloc(sizeof *w->want * o->campaigns);
  w->order_value_li = bidsim_calloc(o->campaigns, sizeof *w->order_value_li);
  w->zero_u = bidsim_calloc(o->campaigns, sizeof *w->zero_u);
  w->zero_i = bidsim_calloc(o->campaigns, sizeof *w->zero_i);
  w->plan_ids = bidsim_malloc(sizeof *w->plan_ids * o->campaigns);
  w->spend_today_li = bidsim_malloc(sizeof *w->spend_today_li * o->campaigns);
  w->cap_li = bidsim_malloc(sizeof *w->cap_li * o->campaigns);
  w->exposures = bidsim_calloc(o->campaigns, sizeof *w->exposures);
  w->clicks = bidsim_calloc(o->campaigns, sizeof *w->clicks);
  w->spend = bidsim_calloc(o->campaigns, sizeof *w->spend);
  w->selves = bidsim_calloc(o->campaigns, sizeof *w->selves);
  if (!w->ctr_q32 || !w->value_li || !w->act || !w->want || !w->order_value_li || !w->zero_u || !w->zero_i ||
      !w->plan_ids || !w->spend_today_li || !w->cap_li ||
      !w->exposures || !w->clicks || !w->spend || !w->selves)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "bench", "out of memory");
  if (o->strategy) {
    if ((w->strat = bidsim_strategy_builtin(o->strategy)) == NULL)
      return bidsim_error_set(err, BIDSIM_EINVAL, "strategy", "no built-in strategy '%s'", o->strategy);
    w->strat_plans = (uint32_t)llround(o->strategy_share * o->campaigns);
  }
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, o->seed, UINT64_C(0xBE7C4));
  for (uint32_t k = 0; k < o->slots; k++)
    for (uint32_t s = 0; s < BIDSIM_SEG_COUNT; s++)
      w->exam_q30[k][s] = (uint32_t)llround(cfg.auction.position_weight_ppm[k] * 1e-6 * seg_ctr_mult[s] * 1073741824.0);
  for (uint32_t i = 0; i < o->campaigns; i++) {
    char name[32];
    snprintf(name, sizeof name, "c%u", i);
    uint32_t shop, product, plan;
    if ((rc = bidsim_market_add_shop(w->market, name, &shop, err))) return rc;
    bidsim_product_spec_t ps = { .id = i, .historical_sales = 1000, .status = BIDSIM_PRODUCT_ON_SALE,
                                 .price_li = 150000, .category = i % o->categories };
    if ((rc = bidsim_market_add_product(w->market, shop, &ps, &product, err))) return rc;
    /* base bid log-uniform in [0.20, 5.00] yuan; premiums 10..300% */
    double base = 0.2 * exp(bidsim_pcg64_double(&g) * log(25.0));
    int64_t b0 = round_fen(base);
    int64_t b1 = round_fen(base * (1.1 + 0.9 * bidsim_pcg64_double(&g)));
    int64_t b2 = round_fen(base * (1.1 + 0.5 * bidsim_pcg64_double(&g)));
    int64_t lo, hi;   /* the segment bids the base allows (only the floor and 99.00 can bind here) */
    bidsim_rule_premium_bounds(b0, &lo, &hi);
    if (b1 < lo) b1 = lo;
    if (b2 < lo) b2 = lo;
    if (b1 > hi) b1 = hi;
    if (b2 > hi) b2 = hi;
    int64_t cap = bidsim_pcg64_double(&g) < 0.3 ? BIDSIM_CAP_UNLIMITED
                  : (int64_t)(100 + 500 * bidsim_pcg64_double(&g)) * BIDSIM_LI_PER_YUAN;
    double ctr = 0.02 + 0.04 * bidsim_pcg64_double(&g);
    bidsim_plan_spec_t sp = { .name = name, .shop = shop, .cap_li = cap, .bid_li = { b0, b1, b2 },
                              .quality = 1 + (uint32_t)(ctr * 100000.0), .publish_s = 0 };
    if ((rc = bidsim_market_add_plan(w->market, &sp, &plan, err))) return rc;
    memcpy(w->value_li[plan], sp.bid_li, sizeof w->value_li[plan]);
    if ((rc = bidsim_plan_add_product(w->market, plan, product, err))) return rc;
    w->ctr_q32[plan] = (uint32_t)(ctr * 4294967296.0);
    w->plan_ids[plan] = plan;
  }
  static const double cvr[BIDSIM_SEG_COUNT] = { 0.01, 0.025, 0.015 };
  for (uint32_t s = 0; s < BIDSIM_SEG_COUNT; s++) w->thr_conv[s] = (uint32_t)(cvr[s] * 4294967296.0);
  if (!o->static_model) {
    /* Every plan's shop is a generated competitor whose visitors are drawn
     * (DRAWN), its reach lognormal (a few large shops, many small) from a
     * stream of its own, so the plans are those of the static market. By
     * default the median makes the reaches of a category's shops sum to
     * BIDSIM_BENCH_VISITS: a user of a category has visited a couple of its
     * advertisers however many there are. */
    const double per_cat = (double)o->campaigns / o->categories;
    w->reach_median = o->reach_median > 0 ? o->reach_median
                      : BIDSIM_BENCH_VISITS / (per_cat * exp(0.5 * BIDSIM_BENCH_REACH_SD * BIDSIM_BENCH_REACH_SD));
    bidsim_rng_for_stream(&g, o->seed, UINT64_C(0xBE7C5));
    for (uint32_t i = 0; i < o->campaigns; i++) {
      double reach = w->reach_median * exp(BIDSIM_BENCH_REACH_SD * std_normal(&g));
      if (reach > 0.5) reach = 0.5;
      if ((rc = bidsim_market_set_shop_reach(w->market, i, reach, BIDSIM_VISIT_DRAWN, err))) return rc;
    }
  }
  return bidsim_market_build(w->market, err);
}

/* The measured loop: one day of M impressions, specialised per ranking
 * model (forced inline, so each model's loop has only its own work).
 * Static: segment shares 70/15/15 (ordinary, shop, similar), one draw for
 * segment and category. Personalised: a second draw is the user (as `bidsim
 * run` draws it); 15% of impressions have the base relation SIMILAR, the
 * rest ORDINARY; each slot's relation (SHOP for the shops the user visited)
 * and affinity enter the click's probability as in sim/worker.c:
 * examination x CTR x ctr_mult[relation] x affinity. */
static inline __attribute__((always_inline)) void day(const bidsim_bench_config_t *o, bidsim_bench_t *w,
                                                      bidsim_bench_run_t *t, bool personal) {
  bidsim_market_reset(w->market);
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, o->seed, 0);
  const uint64_t m = o->impressions;
  const uint32_t C = o->categories;
  const uint32_t seg_thr1 = (uint32_t)(0.70 * 4294967296.0), seg_thr2 = (uint32_t)(0.85 * 4294967296.0);
  int64_t last_s = -1, next_update = 0;
  bidsim_auction_result_t res;
  /* tallies in locals: the compiler keeps them in registers across the
   * auction call instead of storing through `t` on every draw */
  uint64_t draws = 0, clicks = 0, conversions = 0, scored = 0, visited = 0;
  int64_t spend_li = 0;
  for (uint64_t i = 0; i < m; i++) {
    int64_t ts = (int64_t)(i * BIDSIM_SECONDS_PER_DAY / m);
    if (ts != last_s) {
      bidsim_market_advance_to(w->market, ts);
      last_s = ts;
      if (w->strat_plans && ts >= next_update) {
        double u0 = now_s();
        strategies_update(o, w, ts);
        w->update_s += now_s() - u0;
        next_update = ts - ts % o->strategy_period_s + o->strategy_period_s;
      }
    }
    uint64_t u = bidsim_pcg64_next(&g);
    draws++;
    uint32_t hi = (uint32_t)(u >> 32);
    /* branch-free: the segment is as unpredictable as the draw */
    const uint32_t seg = personal ? (hi >= seg_thr2 ? BIDSIM_SEG_SIMILAR : BIDSIM_SEG_ORDINARY)
                                  : (uint32_t)(hi >= seg_thr1) + (uint32_t)(hi >= seg_thr2);
    bidsim_impression_t imp = { .segment = seg, .category = (uint32_t)(((uint64_t)(uint32_t)u * C) >> 32) };
    if (personal) {
      imp.user = bidsim_pcg64_next(&g);
      imp.draw = (uint32_t)(imp.user >> 32);
      draws++;
    }
    uint32_t n = o->eager ? bidsim_market_auction(w->market, &imp, &res)
                          : bidsim_market_auction_deferred(w->market, &imp, &res);
    if (personal) {
      scored += res.scored;
      visited += res.visited;
    }
    uint64_t r = 0;
    for (uint32_t k = 0; k < n; k++) {
      if ((k & 1) == 0) { r = bidsim_pcg64_next(&g); draws++; }
      uint32_t x = (k & 1) ? (uint32_t)(r >> 32) : (uint32_t)r;
      uint32_t plan = res.plan[k];
      const uint32_t rel = personal ? res.relation[k] : seg;
      if (plan < w->strat_plans) w->exposures[plan]++;
      /* P(click) = examination(k) x segment multiplier x CTR, in Q32; the
       * personalised model's affinity on top */
      const uint64_t p_q32 = ((uint64_t)w->ctr_q32[plan] * w->exam_q30[k][rel]) >> 30;
      if (personal ? (double)x < (double)p_q32 * res.affinity[k] : x < p_q32) {
        bool capped;
        int64_t charged = bidsim_market_charge(w->market, plan, bidsim_auction_slot_price(w->market, &res, k), &capped);
        spend_li += charged;
        clicks++;
        if (plan < w->strat_plans) {
          w->clicks[plan]++;
          w->spend[plan] += charged;
          w->order_value_li[plan] += 1500;
        }
        uint32_t c = (uint32_t)(bidsim_pcg64_next(&g) >> 32);
        draws++;
        conversions += c < w->thr_conv[rel];
      }
    }
  }
  t->draws = draws;
  t->clicks = clicks;
  t->conversions = conversions;
  t->spend_li = spend_li;
  t->scored = scored;
  t->visited = visited;
}

static __attribute__((noinline)) void day_static(const bidsim_bench_config_t *o, bidsim_bench_t *w,
                                                 bidsim_bench_run_t *t) {
  day(o, w, t, false);
}

static __attribute__((noinline)) void day_personal(const bidsim_bench_config_t *o, bidsim_bench_t *w,
                                                   bidsim_bench_run_t *t) {
  day(o, w, t, true);
}

/* ---- the library's face ------------------------------------------------- */

void bidsim_bench_config_default(bidsim_bench_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->campaigns = 10000;
  cfg->slots = 4;
  cfg->categories = 20;
  cfg->impressions = 10000000;
  cfg->seed = 1;
  cfg->mechanism = BIDSIM_MECH_GSP;
  cfg->strategy_share = 1.0;
  cfg->strategy_period_s = 60;
  cfg->sigma = 0.5;
}

int bidsim_bench_create(const bidsim_bench_config_t *cfg, bidsim_bench_t **out, bidsim_error_t *err) {
  *out = NULL;
  if (cfg->campaigns == 0 || cfg->impressions == 0 || cfg->strategy_period_s == 0 ||
      !(cfg->strategy_share >= 0 && cfg->strategy_share <= 1))
    return bidsim_error_set(err, BIDSIM_EINVAL, "bench", "campaigns, impressions and the strategy period must be "
                            "positive and the strategy share within [0, 1]");
  bidsim_bench_t *w = bidsim_calloc(1, sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "bench", "out of memory");
  w->cfg = *cfg;
  int rc = world_build(&w->cfg, w, err);
  if (rc) {
    bidsim_bench_free(w);
    return rc;
  }
  *out = w;
  return BIDSIM_OK;
}

void bidsim_bench_free(bidsim_bench_t *b) {
  if (b == NULL) return;
  world_free(b);
  bidsim_free(b);
}

int bidsim_bench_run(bidsim_bench_t *b, bidsim_bench_run_t *run, bidsim_error_t *err) {
  memset(run, 0, sizeof *run);
  int rc = b->cfg.strategy ? strategies_start(&b->cfg, b, err) : BIDSIM_OK;
  if (rc) return rc;
  const uint64_t before = b->updates;
  double t0 = now_s(), c0 = cpu_s();
  if (b->cfg.static_model) day_static(&b->cfg, b, run);
  else day_personal(&b->cfg, b, run);
  run->auction_s = now_s() - t0;
  run->cpu_s = cpu_s() - c0;
  run->update_s = b->update_s;
  b->updates_per_run = b->updates - before;
  return BIDSIM_OK;
}

double bidsim_bench_rng_floor(uint64_t seed, uint64_t draws) {
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, seed, 0);
  double t0 = now_s();
  uint64_t acc = 0;
  for (uint64_t i = 0; i < draws; i++) acc ^= bidsim_pcg64_next(&g);
  /* a volatile store is observable: the draws cannot be optimised away */
  volatile uint64_t keep = acc;
  (void)keep;
  return now_s() - t0;
}

double bidsim_bench_reach_median(const bidsim_bench_t *b) { return b->reach_median; }
uint32_t bidsim_bench_strategy_plans(const bidsim_bench_t *b) { return b->strat_plans; }
uint64_t bidsim_bench_updates_per_run(const bidsim_bench_t *b) { return b->updates_per_run; }
