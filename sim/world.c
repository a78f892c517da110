/* sim/world.c - a scenario turned into an engine market plus the click,
 * conversion and traffic parameters the day loop needs (DOMAIN.md §3), and
 * the per-thread worker that simulates one day of one replicate.
 * The world is immutable once built; workers own clones of its market. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "bidsim/alloc.h"
#include "bidsim/rng_gsl.h"
#include "sim/world.h"

#define TWO32 4294967296.0

struct bidsim_world {
  const bidsim_scenario_t *sc;
  bidsim_market_t *market;              /* template: index built, clock at 0 */
  uint32_t plans, products, units;
  /* per unit (plan, category): the product shown and its base rates */
  double  *unit_ctr, *unit_cvr;
  const bidsim_dist_t **unit_order_value;
  /* per plan / product labels for the output */
  const char **plan_names, **plan_shops, **product_names, **product_shops;
  int64_t  *plan_cap_li;
  uint8_t  *plan_listed;
  uint64_t *product_ids;
  uint32_t *product_plan;
  bidsim_dist_t *market_order_value;    /* competitors share the market's distribution */
  char   (*gen_names)[BIDSIM_NAME_MAX]; /* generated competitor shop names */
  char   **day_labels;
  /* variants: the plans any variant changes, and each variant's settings
   * for them ([variant][k]), applied at the start of every unit */
  int64_t (*variant_bids)[BIDSIM_SEG_COUNT];
  int64_t  *variant_cap;
  const bidsim_sc_strategy_t **variant_strategy;   /* NULL = fixed bids */
  /* generated competitors running strategies (market.strategies) */
  uint32_t  comp_strat_count;
  uint32_t *comp_strat_plan;                        /* plan index */
  const bidsim_sc_strategy_t **comp_strat;
  int64_t (*comp_strat_bids)[BIDSIM_SEG_COUNT];     /* their generated bids */
  uint32_t weekday0;                    /* day of week of day 0, 0 = Monday */
  bool     has_service;                 /* some listed shop models its customer service */
  const char **variant_names;
  int64_t  *variant_cap_li;             /* [variant][plan], for the output */
};

/* Common random numbers across variants. The traffic generator (arrivals,
 * segments, categories, and one 64-bit seed per impression: the user)
 * depends only on (seed, replicate). Whether that user clicks a given ad is
 * decided by a uniform that is a hash of (user, ad unit), compared with
 * P(examined at the slot) x P(attractive): the same user reacts to the same
 * ad the same way in every variant, and moving an ad up can only add clicks
 * (a monotone coupling, so paired differences have little noise). A click's
 * order and order value come from the user generator started at a hash of
 * the same pair. */
struct bidsim_worker {
  const bidsim_world_t *w;
  bidsim_market_t *market;
  gsl_rng *traffic_rng;                 /* our pcg64 behind GSL's interface */
  bidsim_pcg64_t *tg;                   /* the same state, for raw draws */
  gsl_rng *user_rng;
  bidsim_pcg64_t *ug;
  uint32_t variant, replicate;
  uint64_t impressions;
  struct unit_hot *unit;                /* [unit]: what a shown ad touches, one cache line */
  void     *unit_mem;                   /* its allocation (unit is aligned inside it) */
  /* bid strategies of this unit's variant (engine/include/bidsim/strategy.h) */
  struct strat_set *strats;
  uint32_t *strat_of_plan;              /* [plan] index into strats, or UINT32_MAX */
  int64_t  next_update_s;
  /* shop service health (DOMAIN.md §6), listed shops: this hour's
   * consulting users, today's totals, the day the ads come back */
  uint32_t *svc_hour, *svc_consults, *svc_replied, *svc_paused_until;
};

/* Per ad unit, everything the impression loop reads or counts when the ad
 * is shown, in one 64-byte line: today's click and order probabilities per
 * segment and this hour's exposures (units are scattered over the index,
 * so separate arrays cost a cache miss each). */
typedef struct unit_hot {
  double   attract[BIDSIM_SEG_COUNT];   /* P(click | examined), today's */
  double   convert[BIDSIM_SEG_COUNT];   /* P(order | click), today's */
  uint32_t expo[BIDSIM_SEG_COUNT];      /* exposures this hour */
  uint32_t pad;
} unit_hot_t;
_Static_assert(sizeof(unit_hot_t) == 64, "unit_hot_t is one cache line");

/* The plans running strategies in this unit, as arrays over them (entry i
 * is the i-th such plan): their instances, what they have seen, and what a
 * period's update reads; a batch (bidsim_strategy_batch_t) points straight
 * into these, so a period builds nothing per plan. */
typedef struct strat_set {
  uint32_t count;
  uint32_t *plan;
  const bidsim_strategy_t **impl;
  void    **self;
  bidsim_strategy_action_t *act;        /* as last applied (after the clamp) */
  bidsim_strategy_action_t *want;       /* what the update asks for */
  int64_t (*value_bid_li)[BIDSIM_SEG_COUNT];
  int64_t  *spend_today_li, *cap_li;    /* gathered each period */
  uint64_t *exposures, *top_exposures, *clicks, *conversions;   /* today */
  int64_t  *order_value_li;
  uint64_t *total_clicks, *total_conversions;
  int64_t  *total_order_value_li, *total_spend_li;
} strat_set_t;

/* ---- distributions ------------------------------------------------------ */

static double dist_draw(const bidsim_dist_t *d, gsl_rng *r) {
  switch (d->kind) {
    case BIDSIM_DIST_UNIFORM: return d->a + (d->b - d->a) * gsl_rng_uniform(r);
    case BIDSIM_DIST_LOGNORMAL: return d->a * exp(d->b * gsl_ran_gaussian_ziggurat(r, 1.0));
    default: return d->a;
  }
}

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* A 64-bit finaliser (Stafford's mix 13, as in SplitMix64): every input bit
 * affects every output bit, so hashes of (user, unit) pairs are as good as
 * independent uniform draws. */
static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static int64_t yuan_to_fen_li(double yuan) { return (int64_t)llround(yuan * 100.0) * BIDSIM_LI_PER_FEN; }

/* ---- building ----------------------------------------------------------- */

/* Quality under the CTR model: predicted CTR in basis points (DOMAIN.md §2
 * lets a simulator use a continuous predicted CTR for the quality score). */
static uint32_t quality_from_ctr(double ctr) {
  return (uint32_t)clampd(llround(ctr * 10000.0), BIDSIM_QUALITY_MIN, BIDSIM_QUALITY_MAX);
}

static int where_fail(bidsim_error_t *err, const char *prefix) {
  /* prefix the engine's field name with the scenario key it came from */
  if (err) {
    char where[sizeof err->where];
    int n = snprintf(where, sizeof where, "%s%s%s", prefix, err->where[0] ? "." : "", err->where);
    if (n >= (int)sizeof where) where[sizeof where - 1] = '\0';   /* keep the head of a long path */
    memcpy(err->where, where, sizeof where);
  }
  return err ? err->code : BIDSIM_EINVAL;
}

static int add_listed(bidsim_world_t *w, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  char key[96];
  int rc;
  for (uint32_t s = 0; s < sc->shop_count; s++) {
    const bidsim_sc_shop_t *sh = &sc->shops[s];
    if ((rc = bidsim_market_add_shop(w->market, sh->name, NULL, err))) {
      snprintf(key, sizeof key, "shops[%u]", s);
      return where_fail(err, key);
    }
    for (uint32_t q = 0; q < sh->product_count; q++) {
      const bidsim_sc_product_t *p = &sh->products[q];
      bidsim_product_spec_t ps = { p->id, p->historical_sales, p->status, p->price_li, p->category, 0 };
      if ((rc = bidsim_market_add_product(w->market, s, &ps, NULL, err))) {
        snprintf(key, sizeof key, "shops[%u].products[%u]", s, q);
        return where_fail(err, key);
      }
    }
  }
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    uint32_t quality = p->quality;
    if (quality == 0) {
      if (sc->quality_model == BIDSIM_QUALITY_FIXED) {
        quality = sc->quality_fixed;
      } else {
        /* the plan's first listed product drives its predicted CTR */
        double ctr = 0.04;
        const bidsim_sc_shop_t *sh = &sc->shops[p->shop];
        for (uint32_t q = 0; q < sh->product_count && p->product_count; q++)
          if (sh->products[q].id == p->product_ids[0]) ctr = sh->products[q].ctr;
        quality = quality_from_ctr(ctr);
      }
    }
    bidsim_plan_spec_t spec = { p->name, p->shop, p->cap_li, { p->bid_li[0], p->bid_li[1], p->bid_li[2] },
                                quality, (int64_t)p->publish_day * BIDSIM_SECONDS_PER_DAY + p->publish_second };
    uint32_t plan;
    snprintf(key, sizeof key, "plans[%u]", i);
    if ((rc = bidsim_market_add_plan(w->market, &spec, &plan, err))) return where_fail(err, key);
    for (uint32_t k = 0; k < p->product_count; k++)
      if ((rc = bidsim_plan_add_product_id(w->market, plan, p->product_ids[k], err))) {
        snprintf(key, sizeof key, "plans[%u].products[%u]", i, k);
        return where_fail(err, key);
      }
  }
  return BIDSIM_OK;
}

/* Competitors: one shop, product and plan each, drawn from the market
 * distributions with the market stream, so every replicate sees them. */
static int add_competitors(bidsim_world_t *w, gsl_rng *r, bidsim_error_t *err) {
  const bidsim_sc_market_t *mk = &w->sc->market;
  const uint32_t C = w->sc->category_count;
  int rc;
  for (uint32_t i = 0; i < mk->plans; i++) {
    char *name = w->gen_names[i];
    snprintf(name, BIDSIM_NAME_MAX, "market-%06u", i);
    uint32_t shop, product, plan;
    if ((rc = bidsim_market_add_shop(w->market, name, &shop, err))) return where_fail(err, "market");
    double u = gsl_rng_uniform(r), acc = 0.0;
    uint32_t cat = C - 1;
    for (uint32_t c = 0; c < C; c++) {
      acc += mk->category_shares[c];
      if (u < acc) { cat = c; break; }
    }
    double ov = clampd(dist_draw(&mk->order_value_yuan, r), 0.01, 1e6);
    bidsim_product_spec_t ps = { 1, 1000, BIDSIM_PRODUCT_ON_SALE, yuan_to_fen_li(ov), cat, 0 };
    if ((rc = bidsim_market_add_product(w->market, shop, &ps, &product, err))) return where_fail(err, "market");
    int64_t base = yuan_to_fen_li(clampd(dist_draw(&mk->base_bid_yuan, r), 0.10, 99.0));
    int64_t bids[BIDSIM_SEG_COUNT] = { base, 0, 0 };
    /* premiums clamped to [10%, 300%] and rounded inward to whole fen */
    int64_t lo = (base * 110 + 999) / 1000 * 10, hi = base * 400 / 1000 * 10;
    if (hi > BIDSIM_BID_MAX_LI) hi = BIDSIM_BID_MAX_LI;
    for (int s = 1; s < BIDSIM_SEG_COUNT; s++) {
      double pct = clampd(dist_draw(&mk->premium_pct[s - 1], r), 10.0, 300.0);
      int64_t b = yuan_to_fen_li((double)base / 1000.0 * (1.0 + pct / 100.0));
      bids[s] = b < lo ? lo : b > hi ? hi : b;
    }
    int64_t cap = BIDSIM_CAP_UNLIMITED;
    if (gsl_rng_uniform(r) >= mk->unlimited_share)
      cap = (int64_t)llround(clampd(dist_draw(&mk->cap_yuan, r), 100.0, 1e9)) * BIDSIM_LI_PER_YUAN;
    double ctr = clampd(dist_draw(&mk->ctr, r), 1e-4, 1.0);
    double cvr = clampd(dist_draw(&mk->cvr, r), 0.0, 1.0);
    uint32_t quality = w->sc->quality_model == BIDSIM_QUALITY_CTR
                           ? quality_from_ctr(ctr)
                           : (uint32_t)clampd(llround(dist_draw(&mk->quality, r)), 1, BIDSIM_QUALITY_MAX);
    bidsim_plan_spec_t spec = { name, shop, cap, { bids[0], bids[1], bids[2] }, quality, 0 };
    if ((rc = bidsim_market_add_plan(w->market, &spec, &plan, err))) return where_fail(err, "market");
    if ((rc = bidsim_plan_add_product(w->market, plan, product, err))) return where_fail(err, "market");
    /* the competitor's rates live with its unit, filled below from these */
    w->unit_ctr[bidsim_market_unit_count(w->market) - 1] = ctr;
    w->unit_cvr[bidsim_market_unit_count(w->market) - 1] = cvr;
  }
  return BIDSIM_OK;
}

/* market.strategies: competitor i runs strategy k when a hash of (seed, i)
 * falls in k's share. A hash, not the market stream, so that adding
 * strategies does not change the market drawn. */
static int assign_competitor_strategies(bidsim_world_t *w, uint32_t first, bidsim_error_t *err) {
  const bidsim_sc_market_t *mk = &w->sc->market;
  if (mk->strategy_count == 0) return BIDSIM_OK;
  uint32_t n = bidsim_market_plan_count(w->market) - first;
  w->comp_strat_plan = bidsim_calloc((size_t)n + 1, sizeof *w->comp_strat_plan);
  w->comp_strat = bidsim_calloc((size_t)n + 1, sizeof *w->comp_strat);
  w->comp_strat_bids = bidsim_calloc((size_t)n + 1, sizeof *w->comp_strat_bids);
  if (!w->comp_strat_plan || !w->comp_strat || !w->comp_strat_bids)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    double u = (double)(mix64(w->sc->seed ^ mix64(UINT64_C(0x57A7E9) + i)) >> 11) * 0x1.0p-53, acc = 0.0;
    for (uint32_t k = 0; k < mk->strategy_count; k++) {
      acc += mk->strategy_share[k];
      if (u >= acc) continue;
      uint32_t plan = first + i, j = w->comp_strat_count++;
      bidsim_plan_info_t info;
      bidsim_market_plan_info(w->market, plan, &info);
      w->comp_strat_plan[j] = plan;
      w->comp_strat[j] = mk->strategies[k];
      memcpy(w->comp_strat_bids[j], info.bid_li, sizeof w->comp_strat_bids[j]);
      break;
    }
  }
  return BIDSIM_OK;
}

/* Every variant's settings for the listed plans (bids, cap, strategy).
 * Listed plans are the market's first plans, in scenario order. */
static int build_variants(bidsim_world_t *w, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  const uint32_t V = sc->variant_count;
  w->variant_names = bidsim_calloc(V, sizeof *w->variant_names);
  w->variant_cap_li = bidsim_calloc((size_t)V * w->plans + 1, sizeof *w->variant_cap_li);
  if (!w->variant_names || !w->variant_cap_li)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  /* every listed plan (the market's first plan_count plans): strategies
   * move bids, so each unit starts from the variant's settings for all */
  const uint32_t L = sc->plan_count;
  size_t n = (size_t)V * L + 1;
  w->variant_bids = bidsim_calloc(n, sizeof *w->variant_bids);
  w->variant_cap = bidsim_calloc(n, sizeof *w->variant_cap);
  w->variant_strategy = bidsim_calloc(n, sizeof *w->variant_strategy);
  if (!w->variant_bids || !w->variant_cap || !w->variant_strategy)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  for (uint32_t v = 0; v < V; v++) {
    const bidsim_sc_variant_t *var = &sc->variants[v];
    w->variant_names[v] = var->name;
    memcpy(&w->variant_cap_li[(size_t)v * w->plans], w->plan_cap_li, w->plans * sizeof *w->plan_cap_li);
    for (uint32_t i = 0; i < L; i++) {
      const bidsim_sc_plan_t *p = &sc->plans[i];
      size_t at = (size_t)v * L + i;
      memcpy(w->variant_bids[at], p->bid_li, sizeof w->variant_bids[at]);
      w->variant_cap[at] = p->cap_li;
      w->variant_strategy[at] = p->strategy;
      for (uint32_t c = 0; c < var->change_count; c++)
        if (var->changes[c].plan == i) {
          memcpy(w->variant_bids[at], var->changes[c].bid_li, sizeof w->variant_bids[at]);
          w->variant_cap[at] = var->changes[c].cap_li;
          if (var->changes[c].strategy) w->variant_strategy[at] = var->changes[c].strategy;
        }
      /* fixed bids need no host work */
      if (w->variant_strategy[at] && !strcmp(w->variant_strategy[at]->kind, "fixed") && !w->variant_strategy[at]->plugin_path)
        w->variant_strategy[at] = NULL;
      w->variant_cap_li[(size_t)v * w->plans + i] = w->variant_cap[at];
    }
  }
  return BIDSIM_OK;
}

int bidsim_world_create(const bidsim_scenario_t *sc, bidsim_world_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_world_t *w = bidsim_calloc(1, sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  w->sc = sc;
  gsl_rng *r = NULL;
  int rc;
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.auction = sc->auction;
  cfg.categories = sc->category_count;
  cfg.strict_caps = sc->strict_caps;
  if ((rc = bidsim_market_create(&cfg, &w->market, err))) { where_fail(err, "auction"); goto fail; }

  /* upper bound on units: every listed product in every plan, plus one per competitor */
  size_t max_units = sc->market.plans;
  for (uint32_t i = 0; i < sc->plan_count; i++) max_units += sc->plans[i].product_count;
  w->unit_ctr = bidsim_calloc(max_units + 1, sizeof *w->unit_ctr);
  w->unit_cvr = bidsim_calloc(max_units + 1, sizeof *w->unit_cvr);
  w->unit_order_value = bidsim_calloc(max_units + 1, sizeof *w->unit_order_value);
  w->gen_names = bidsim_calloc((size_t)sc->market.plans + 1, sizeof *w->gen_names);
  w->day_labels = bidsim_calloc((size_t)sc->days + 1, sizeof *w->day_labels);
  r = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  if (!w->unit_ctr || !w->unit_cvr || !w->unit_order_value || !w->gen_names || !w->day_labels || !r) {
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
    goto fail;
  }
  bidsim_rng_for_stream(bidsim_gsl_rng_state(r), sc->seed, BIDSIM_STREAM_MARKET);

  if ((rc = add_listed(w, err))) goto fail;
  /* listed units: rates of the product each unit shows */
  for (uint32_t u = 0; u < bidsim_market_unit_count(w->market); u++) {
    uint32_t plan, product;
    bidsim_market_unit(w->market, u, &plan, &product);
    uint32_t shop = bidsim_market_product_shop(w->market, product);
    const bidsim_product_spec_t *ps = bidsim_market_product(w->market, product);
    for (uint32_t q = 0; q < sc->shops[shop].product_count; q++)
      if (sc->shops[shop].products[q].id == ps->id) {
        w->unit_ctr[u] = sc->shops[shop].products[q].ctr;
        w->unit_cvr[u] = sc->shops[shop].products[q].cvr;
        w->unit_order_value[u] = &sc->shops[shop].products[q].order_value_yuan;
      }
  }
  uint32_t listed_units = bidsim_market_unit_count(w->market);
  uint32_t listed_plans = bidsim_market_plan_count(w->market);
  uint32_t listed_products = bidsim_market_product_count(w->market);
  if ((rc = add_competitors(w, r, err))) goto fail;
  if ((rc = assign_competitor_strategies(w, listed_plans, err))) goto fail;
  for (uint32_t u = listed_units; u < bidsim_market_unit_count(w->market); u++)
    w->unit_order_value[u] = &sc->market.order_value_yuan;
  /* build the index now so clones start ready */
  if ((rc = bidsim_market_advance_to(w->market, 0))) {
    bidsim_error_set(err, rc, "world", "cannot build the auction index: %s", bidsim_strerror(rc));
    goto fail;
  }

  w->plans = bidsim_market_plan_count(w->market);
  w->products = bidsim_market_product_count(w->market);
  w->units = bidsim_market_unit_count(w->market);
  w->plan_names = bidsim_calloc(w->plans + 1, sizeof *w->plan_names);
  w->plan_shops = bidsim_calloc(w->plans + 1, sizeof *w->plan_shops);
  w->plan_cap_li = bidsim_calloc(w->plans + 1, sizeof *w->plan_cap_li);
  w->plan_listed = bidsim_calloc(w->plans + 1, sizeof *w->plan_listed);
  w->product_names = bidsim_calloc(w->products + 1, sizeof *w->product_names);
  w->product_shops = bidsim_calloc(w->products + 1, sizeof *w->product_shops);
  w->product_ids = bidsim_calloc(w->products + 1, sizeof *w->product_ids);
  w->product_plan = bidsim_calloc(w->products + 1, sizeof *w->product_plan);
  if (!w->plan_names || !w->plan_shops || !w->plan_cap_li || !w->plan_listed || !w->product_names ||
      !w->product_shops || !w->product_ids || !w->product_plan) {
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
    goto fail;
  }
  for (uint32_t p = 0; p < w->plans; p++) {
    bidsim_plan_info_t info;
    bidsim_market_plan_info(w->market, p, &info);
    w->plan_names[p] = info.name;
    w->plan_shops[p] = bidsim_market_shop_name(w->market, info.shop);
    w->plan_cap_li[p] = info.cap_li;
    w->plan_listed[p] = p < listed_plans;
  }
  for (uint32_t q = 0; q < w->products; q++) {
    uint32_t shop = bidsim_market_product_shop(w->market, q);
    w->product_shops[q] = bidsim_market_shop_name(w->market, shop);
    w->product_ids[q] = bidsim_market_product(w->market, q)->id;
    w->product_names[q] = w->product_shops[q];   /* competitors: named after their shop */
    w->product_plan[q] = BIDSIM_NONE;
    if (q < listed_products)
      for (uint32_t k = 0; k < sc->shops[shop].product_count; k++)
        if (sc->shops[shop].products[k].id == w->product_ids[q]) w->product_names[q] = sc->shops[shop].products[k].name;
  }
  for (uint32_t u = 0; u < w->units; u++) {
    uint32_t plan, product;
    bidsim_market_unit(w->market, u, &plan, &product);
    if (w->product_plan[product] == BIDSIM_NONE) w->product_plan[product] = plan;
  }
  if ((rc = build_variants(w, err))) goto fail;
  for (uint32_t i = 0; i < sc->shop_count; i++) w->has_service |= sc->shops[i].consult_share > 0;
  {
    /* Sakamoto's method; 0 = Monday */
    static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
    int y = sc->start_date.year - (sc->start_date.month < 3);
    int dow = (y + y / 4 - y / 100 + y / 400 + t[sc->start_date.month - 1] + sc->start_date.day) % 7;   /* 0 = Sunday */
    w->weekday0 = (uint32_t)((dow + 6) % 7);
  }
  for (uint32_t d = 0; d < sc->days; d++) {
    w->day_labels[d] = bidsim_malloc(16);
    if (w->day_labels[d] == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory"); goto fail; }
    bidsim_scenario_day_label(sc, d, w->day_labels[d]);
  }
  gsl_rng_free(r);
  *out = w;
  return BIDSIM_OK;
fail:
  if (r) gsl_rng_free(r);
  bidsim_world_free(w);
  return rc;
}

void bidsim_world_free(bidsim_world_t *w) {
  if (w == NULL) return;
  bidsim_market_free(w->market);
  bidsim_free(w->unit_ctr);
  bidsim_free(w->unit_cvr);
  bidsim_free(w->unit_order_value);
  bidsim_free(w->plan_names);
  bidsim_free(w->plan_shops);
  bidsim_free(w->plan_cap_li);
  bidsim_free(w->plan_listed);
  bidsim_free(w->product_names);
  bidsim_free(w->product_shops);
  bidsim_free(w->product_ids);
  bidsim_free(w->product_plan);
  bidsim_free(w->gen_names);
  if (w->day_labels)
    for (uint32_t d = 0; d < w->sc->days; d++) bidsim_free(w->day_labels[d]);
  bidsim_free(w->day_labels);
  bidsim_free(w->variant_bids);
  bidsim_free(w->variant_cap);
  bidsim_free(w->variant_strategy);
  bidsim_free(w->comp_strat_plan);
  bidsim_free(w->comp_strat);
  bidsim_free(w->comp_strat_bids);
  bidsim_free(w->variant_names);
  bidsim_free(w->variant_cap_li);
  bidsim_free(w);
}

const bidsim_market_t *bidsim_world_market(const bidsim_world_t *w) { return w->market; }

void bidsim_world_output_meta(const bidsim_world_t *w, uint32_t replicates, uint32_t days,
                              bidsim_output_meta_t *meta) {
  memset(meta, 0, sizeof *meta);
  meta->scenario_text = w->sc->source_text ? w->sc->source_text : "";
  meta->scenario_path = w->sc->source_path ? w->sc->source_path : "";
  meta->seed = w->sc->seed;
  meta->day_labels = (const char *const *)w->day_labels;
  meta->variants = w->sc->variant_count;
  meta->variant_names = w->variant_names;
  meta->variant_cap_li = w->variant_cap_li;
  meta->replicates = replicates;
  meta->days = days;
  meta->plans = w->plans;
  meta->plan_names = w->plan_names;
  meta->plan_shops = w->plan_shops;
  meta->plan_cap_li = w->plan_cap_li;
  meta->plan_listed = w->plan_listed;
  meta->products = w->products;
  meta->product_ids = w->product_ids;
  meta->product_names = w->product_names;
  meta->product_shops = w->product_shops;
  meta->product_plan = w->product_plan;
}

/* ---- the worker ------------------------------------------------------------ */

/* ---- bid strategies ------------------------------------------------------- */

static void strategies_end(bidsim_worker_t *k) {
  strat_set_t *S = k->strats;
  for (uint32_t i = 0; S && i < S->count; i++) {
    S->impl[i]->destroy(S->self[i]);
    if (k->strat_of_plan) k->strat_of_plan[S->plan[i]] = UINT32_MAX;
  }
  if (S) S->count = 0;
}

/* The next entry of the set: plan, instance, value, its action at rest. */
static int strategy_add(bidsim_worker_t *k, uint32_t plan, const bidsim_sc_strategy_t *st,
                        const int64_t value_li[BIDSIM_SEG_COUNT], char *msg, size_t msglen) {
  strat_set_t *S = k->strats;
  const uint32_t i = S->count;
  S->plan[i] = plan;
  S->impl[i] = st->impl;
  S->self[i] = NULL;
  memcpy(S->value_bid_li[i], value_li, sizeof S->value_bid_li[i]);
  memcpy(S->act[i].bid_li, value_li, sizeof S->act[i].bid_li);
  S->act[i].participation = 1.0;
  S->total_clicks[i] = S->total_conversions[i] = 0;
  S->total_order_value_li[i] = S->total_spend_li[i] = 0;
  bidsim_params_t ps = { st->param_count, st->params };
  bidsim_error_t e;
  bidsim_error_clear(&e);
  if (st->impl->create(&ps, &S->self[i], &e) != BIDSIM_OK) {
    snprintf(msg, msglen, "%.200s", e.msg[0] ? e.msg : "rejected its parameters");   /* the message names the key */
    return -1;
  }
  k->strat_of_plan[plan] = S->count++;
  return 0;
}

/* Fresh instances for the unit's variant: a strategy's state never carries
 * from one unit to the next, so units stay independent. */
static int strategies_begin(bidsim_worker_t *k, uint32_t variant, bidsim_error_t *err) {
  const bidsim_world_t *w = k->w;
  strategies_end(k);
  for (uint32_t i = 0; i < w->sc->plan_count; i++) {
    size_t at = (size_t)variant * w->sc->plan_count + i;
    const bidsim_sc_strategy_t *st = w->variant_strategy[at];
    if (st == NULL) continue;
    char msg[256] = "";
    if (strategy_add(k, i, st, w->variant_bids[at], msg, sizeof msg))
      return bidsim_error_set(err, BIDSIM_EPLUGIN, "strategy", "plan %u: %s", i, msg);
  }
  for (uint32_t j = 0; j < w->comp_strat_count; j++) {
    const uint32_t plan = w->comp_strat_plan[j];
    /* its generated bids again: a strategy's change before the clock first
     * moved would otherwise carry into the next unit */
    int rc = bidsim_market_set_bids(k->market, plan, w->comp_strat_bids[j], err);
    if (rc) return rc;
    char msg[256] = "";
    if (strategy_add(k, plan, w->comp_strat[j], w->comp_strat_bids[j], msg, sizeof msg))
      return bidsim_error_set(err, BIDSIM_EPLUGIN, "strategy", "competitor %u: %s", plan, msg);
  }
  k->next_update_s = 0;
  return BIDSIM_OK;
}

/* Share of today's traffic expected to have arrived by second `sec`. */
static double traffic_done(const double hour_share[BIDSIM_HOURS], int64_t sec) {
  double done = 0.0;
  int64_t h = sec / 3600;
  for (int64_t i = 0; i < h && i < BIDSIM_HOURS; i++) done += hour_share[i];
  if (h < BIDSIM_HOURS) done += hour_share[h] * (double)(sec - h * 3600) / 3600.0;
  return done > 1.0 ? 1.0 : done;
}

/* Every period: each strategy sees its plan's state and sets bids (clamped
 * to the platform's rules, counted in the slab) and participation. Plans
 * with the same strategy in a row update in one batch over the set's
 * arrays (bidsim_strategy_update_batch), a chunk of plans at a time so the
 * gathered spend and the actions stay in cache from one pass to the next. */
enum { STRAT_CHUNK = 256 };
static int strategies_update(bidsim_worker_t *k, int64_t t, uint32_t day, const double hour_share[BIDSIM_HOURS],
                             bidsim_day_slab_t *slab, bidsim_error_t *err) {
  const bidsim_world_t *w = k->w;
  strat_set_t *S = k->strats;
  const int64_t day0 = (int64_t)day * BIDSIM_SECONDS_PER_DAY;
  const bidsim_strategy_state_t shared = {
    .now_s = t, .day = day, .second_of_day = (uint32_t)(t - day0), .day_of_week = (w->weekday0 + day) % 7,
    .period_s = w->sc->strategy_period_s, .traffic_done = traffic_done(hour_share, t - day0) };
  for (uint32_t c = 0; c < S->count; c += STRAT_CHUNK) {
    const uint32_t end = S->count - c < STRAT_CHUNK ? S->count : c + STRAT_CHUNK;
    int rc = bidsim_market_plans_spend(k->market, end - c, S->plan + c, S->spend_today_li + c, S->cap_li + c);
    if (rc) return bidsim_error_set(err, rc, "strategy", "a strategy's plan is not in the market");
    memcpy(S->want + c, S->act + c, (size_t)(end - c) * sizeof *S->want);   /* pre-filled: the current actions */
    for (uint32_t i = c, j; i < end; i = j) {
      for (j = i + 1; j < end && S->impl[j] == S->impl[i]; j++) continue;
      const bidsim_strategy_batch_t b = {
        .count = j - i, .shared = &shared, .value_bid_li = (const int64_t (*)[BIDSIM_SEG_COUNT])S->value_bid_li + i,
        .cap_li = S->cap_li + i, .spend_today_li = S->spend_today_li + i, .order_value_li = S->order_value_li + i,
        .exposures = S->exposures + i, .top_exposures = S->top_exposures + i, .clicks = S->clicks + i,
        .conversions = S->conversions + i, .total_clicks = S->total_clicks + i,
        .total_conversions = S->total_conversions + i, .total_order_value_li = S->total_order_value_li + i,
        .total_spend_li = S->total_spend_li + i };
      bidsim_strategy_update_batch(S->impl[i], S->self + i, &b, S->want + i);
    }
    for (uint32_t i = c; i < end; i++) {
      bidsim_strategy_action_t *a = &S->want[i], *now = &S->act[i];
      const uint32_t plan = S->plan[i];
      /* bids equal to the current ones (as applied) are already valid:
       * skip the clamp */
      if (memcmp(a->bid_li, now->bid_li, sizeof a->bid_li) && bidsim_strategy_clamp(a->bid_li))
        slab->extra[BIDSIM_EXTRA_CLAMPS][plan]++;
      if (!(a->participation >= 0.0)) a->participation = 0.0;   /* NaN too */
      if (a->participation > 1.0) a->participation = 1.0;
      if (memcmp(a->bid_li, now->bid_li, sizeof a->bid_li)) rc = bidsim_market_set_bids(k->market, plan, a->bid_li, err);
      if (rc == BIDSIM_OK && a->participation != now->participation)
        rc = bidsim_market_set_participation(k->market, plan, a->participation, err);
      if (rc) return rc;
      *now = *a;
    }
  }
  return BIDSIM_OK;
}

static void strat_set_free(strat_set_t *S) {
  if (S == NULL) return;
  bidsim_free(S->plan);
  bidsim_free(S->impl);
  bidsim_free(S->self);
  bidsim_free(S->act);
  bidsim_free(S->want);
  bidsim_free(S->value_bid_li);
  bidsim_free(S->spend_today_li);
  bidsim_free(S->cap_li);
  bidsim_free(S->exposures);
  bidsim_free(S->top_exposures);
  bidsim_free(S->clicks);
  bidsim_free(S->conversions);
  bidsim_free(S->order_value_li);
  bidsim_free(S->total_clicks);
  bidsim_free(S->total_conversions);
  bidsim_free(S->total_order_value_li);
  bidsim_free(S->total_spend_li);
  bidsim_free(S);
}

/* Room for n strategy plans, or NULL when memory ran out. */
static strat_set_t *strat_set_create(size_t n) {
  strat_set_t *S = bidsim_calloc(1, sizeof *S);
  if (S == NULL) return NULL;
  S->plan = bidsim_calloc(n, sizeof *S->plan);
  S->impl = bidsim_calloc(n, sizeof *S->impl);
  S->self = bidsim_calloc(n, sizeof *S->self);
  S->act = bidsim_calloc(n, sizeof *S->act);
  S->want = bidsim_calloc(n, sizeof *S->want);
  S->value_bid_li = bidsim_calloc(n, sizeof *S->value_bid_li);
  S->spend_today_li = bidsim_calloc(n, sizeof *S->spend_today_li);
  S->cap_li = bidsim_calloc(n, sizeof *S->cap_li);
  S->exposures = bidsim_calloc(n, sizeof *S->exposures);
  S->top_exposures = bidsim_calloc(n, sizeof *S->top_exposures);
  S->clicks = bidsim_calloc(n, sizeof *S->clicks);
  S->conversions = bidsim_calloc(n, sizeof *S->conversions);
  S->order_value_li = bidsim_calloc(n, sizeof *S->order_value_li);
  S->total_clicks = bidsim_calloc(n, sizeof *S->total_clicks);
  S->total_conversions = bidsim_calloc(n, sizeof *S->total_conversions);
  S->total_order_value_li = bidsim_calloc(n, sizeof *S->total_order_value_li);
  S->total_spend_li = bidsim_calloc(n, sizeof *S->total_spend_li);
  if (!S->plan || !S->impl || !S->self || !S->act || !S->want || !S->value_bid_li || !S->spend_today_li ||
      !S->cap_li || !S->exposures || !S->top_exposures || !S->clicks || !S->conversions || !S->order_value_li ||
      !S->total_clicks || !S->total_conversions || !S->total_order_value_li || !S->total_spend_li) {
    strat_set_free(S);
    return NULL;
  }
  return S;
}

int bidsim_worker_create(const bidsim_world_t *w, bidsim_worker_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_worker_t *k = bidsim_calloc(1, sizeof *k);
  if (k == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  k->w = w;
  int rc = bidsim_market_clone(w->market, &k->market, err);
  if (rc) { bidsim_worker_free(k); return rc; }
  /* aligned by hand to 64 bytes: bidsim_calloc promises only malloc's 16 */
  k->unit_mem = bidsim_calloc((size_t)w->units + 2, sizeof(unit_hot_t));
  if (k->unit_mem) k->unit = (unit_hot_t *)(((uintptr_t)k->unit_mem + 63) & ~(uintptr_t)63);
  k->traffic_rng = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  k->user_rng = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  if (!k->unit_mem || !k->traffic_rng || !k->user_rng) {
    bidsim_worker_free(k);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  }
  k->tg = bidsim_gsl_rng_state(k->traffic_rng);
  k->ug = bidsim_gsl_rng_state(k->user_rng);
  k->strats = strat_set_create((size_t)w->sc->plan_count + w->comp_strat_count + 1);
  k->strat_of_plan = bidsim_malloc(((size_t)w->plans + 1) * sizeof *k->strat_of_plan);
  if (!k->strats || !k->strat_of_plan) {
    bidsim_worker_free(k);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  }
  for (uint32_t p = 0; p < w->plans; p++) k->strat_of_plan[p] = UINT32_MAX;
  size_t shops = (size_t)w->sc->shop_count + 1;
  k->svc_hour = bidsim_calloc(shops, sizeof *k->svc_hour);
  k->svc_consults = bidsim_calloc(shops, sizeof *k->svc_consults);
  k->svc_replied = bidsim_calloc(shops, sizeof *k->svc_replied);
  k->svc_paused_until = bidsim_calloc(shops, sizeof *k->svc_paused_until);
  if (!k->svc_hour || !k->svc_consults || !k->svc_replied || !k->svc_paused_until) {
    bidsim_worker_free(k);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "worker", "out of memory");
  }
  *out = k;
  return BIDSIM_OK;
}

void bidsim_worker_free(bidsim_worker_t *k) {
  if (k == NULL) return;
  bidsim_market_free(k->market);
  bidsim_free(k->unit_mem);
  if (k->traffic_rng) gsl_rng_free(k->traffic_rng);
  if (k->user_rng) gsl_rng_free(k->user_rng);
  strategies_end(k);
  strat_set_free(k->strats);
  bidsim_free(k->strat_of_plan);
  bidsim_free(k->svc_hour);
  bidsim_free(k->svc_consults);
  bidsim_free(k->svc_replied);
  bidsim_free(k->svc_paused_until);
  bidsim_free(k);
}

int bidsim_worker_begin(bidsim_worker_t *k, uint32_t variant, uint32_t replicate, uint64_t seed,
                        bidsim_error_t *err) {
  const bidsim_world_t *w = k->w;
  k->variant = variant;
  k->replicate = replicate;
  bidsim_market_reset(k->market);
  /* every listed plan gets this variant's bids and cap before the clock
   * starts: nothing a strategy did in the last unit carries over */
  for (uint32_t i = 0; i < w->sc->plan_count; i++) {
    size_t at = (size_t)variant * w->sc->plan_count + i;
    int rc = bidsim_market_set_bids(k->market, i, w->variant_bids[at], err);
    if (rc == BIDSIM_OK) rc = bidsim_market_set_cap(k->market, i, w->variant_cap[at], err);
    if (rc) return rc;
  }
  bidsim_rng_for_stream(k->tg, seed, replicate);
  /* the user generator's stream; its state is set per impression */
  bidsim_rng_for_stream(k->ug, seed, replicate ^ BIDSIM_STREAM_USERS);
  memset(k->svc_paused_until, 0, (size_t)w->sc->shop_count * sizeof *k->svc_paused_until);
  return strategies_begin(k, variant, err);
}

uint64_t bidsim_worker_impressions(const bidsim_worker_t *k) { return k->impressions; }

/* The first phase covering @p day, or NULL. */
static const bidsim_sc_phase_t *phase_of(const bidsim_scenario_t *sc, uint32_t day) {
  for (uint32_t i = 0; i < sc->phase_count; i++)
    if (day >= sc->phases[i].first_day && day <= sc->phases[i].last_day) return &sc->phases[i];
  return NULL;
}

/* Impressions arriving in one hour with mean @p mean. Negative binomial as a
 * gamma-Poisson mixture: variance mean + mean^2 / k. */
static uint64_t draw_count(const bidsim_scenario_t *sc, gsl_rng *r, double mean) {
  if (mean <= 0.0) return 0;
  switch (sc->noise) {
    case BIDSIM_NOISE_POISSON: return gsl_ran_poisson(r, mean);
    case BIDSIM_NOISE_NEGBIN: {
      double k = sc->negbin_dispersion;
      return gsl_ran_poisson(r, gsl_ran_gamma(r, k, mean / k));
    }
    default: return (uint64_t)llround(mean);
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
    bidsim_market_unit(w->market, u, &plan, &product);
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) BIDSIM_SLAB_PS(slab, BIDSIM_METRIC_EXPOSURES, plan, s) += e[s];
    BIDSIM_SLAB_PH(slab, BIDSIM_METRIC_EXPOSURES, hour, plan) += tot;
    BIDSIM_SLAB_PR(slab, BIDSIM_METRIC_EXPOSURES, product) += tot;
    e[0] = e[1] = e[2] = 0;
  }
}

static inline void add_metric(bidsim_day_slab_t *slab, int metric, uint32_t plan, uint32_t seg, uint32_t hour,
                              uint32_t product, int64_t v) {
  BIDSIM_SLAB_PS(slab, metric, plan, seg) += v;
  BIDSIM_SLAB_PH(slab, metric, hour, plan) += v;
  BIDSIM_SLAB_PR(slab, metric, product) += v;
}

/* ---- shop service health (DOMAIN.md §6) ------------------------------------ */

static bool has_service(const bidsim_scenario_t *sc, uint32_t shop) { return sc->shops[shop].consult_share > 0; }

/* Midnight: a penalised shop's plans stay out of the auctions until the
 * day its ads come back. */
static int service_day_start(bidsim_worker_t *k, uint32_t day, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = k->w->sc;
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    uint32_t shop = sc->plans[i].shop;
    if (!has_service(sc, shop)) continue;
    int rc = bidsim_market_set_paused(k->market, i, day < k->svc_paused_until[shop], err);
    if (rc) return rc;
  }
  for (uint32_t s = 0; s < sc->shop_count; s++) k->svc_hour[s] = k->svc_consults[s] = k->svc_replied[s] = 0;
  return BIDSIM_OK;
}

/* End of an hour: customer service replies within the hour to at most its
 * capacity of the users who wrote in it; users count 08:00-23:00. */
static void service_hour_end(bidsim_worker_t *k, uint32_t hour) {
  const bidsim_scenario_t *sc = k->w->sc;
  for (uint32_t s = 0; s < sc->shop_count; s++) {
    if (!has_service(sc, s)) continue;
    if (hour >= BIDSIM_SERVICE_FROM_HOUR && hour < BIDSIM_SERVICE_TO_HOUR) {
      uint32_t cap = (uint32_t)sc->shops[s].capacity_per_hour;
      k->svc_consults[s] += k->svc_hour[s];
      k->svc_replied[s] += k->svc_hour[s] < cap ? k->svc_hour[s] : cap;
    }
    k->svc_hour[s] = 0;
  }
}

/* End of the day: the platform's check; each of the shop's plans records
 * the shop's figures and whether its ads were out today. */
static void service_day_end(bidsim_worker_t *k, uint32_t day, bidsim_day_slab_t *slab) {
  const bidsim_scenario_t *sc = k->w->sc;
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    uint32_t s = sc->plans[i].shop;
    if (!has_service(sc, s)) continue;
    slab->extra[BIDSIM_EXTRA_CONSULTS][i] = k->svc_consults[s];
    slab->extra[BIDSIM_EXTRA_REPLIED][i] = k->svc_replied[s];
    slab->extra[BIDSIM_EXTRA_PAUSED][i] = day < k->svc_paused_until[s];
  }
  for (uint32_t s = 0; s < sc->shop_count; s++) {
    if (!has_service(sc, s)) continue;
    if (k->svc_consults[s] >= BIDSIM_SERVICE_MIN_USERS &&
        100 * (uint64_t)k->svc_replied[s] < (uint64_t)BIDSIM_SERVICE_MIN_RATE_PCT * k->svc_consults[s]) {
      k->svc_paused_until[s] = day + 1 + BIDSIM_SERVICE_PAUSE_DAYS;   /* out for the next three days */
      for (uint32_t i = 0; i < sc->plan_count; i++)
        if (sc->plans[i].shop == s) slab->extra[BIDSIM_EXTRA_PENALTY][i] = BIDSIM_SERVICE_PENALTY_LI;
    }
  }
}

int bidsim_worker_run_day(bidsim_worker_t *k, uint32_t day, bidsim_day_slab_t *slab, bidsim_error_t *err) {
  const bidsim_world_t *w = k->w;
  const bidsim_scenario_t *sc = w->sc;
  bidsim_day_slab_clear(slab);
  slab->variant = k->variant;
  slab->replicate = k->replicate;
  slab->day = day;

  /* today's calendar: traffic, click and conversion multipliers, hour shares */
  const bidsim_sc_phase_t *ph = phase_of(sc, day);
  double traffic = sc->impressions_per_day * (ph ? ph->traffic_mult : 1.0);
  double hour_share[BIDSIM_HOURS], hsum = 0.0;
  for (int h = 0; h < BIDSIM_HOURS; h++) hsum += hour_share[h] = sc->diurnal[h] * (ph ? ph->hour_mult[h] : 1.0);
  for (int h = 0; h < BIDSIM_HOURS; h++) hour_share[h] /= hsum;
  double ctr_m = ph ? ph->ctr_mult : 1.0, cvr_m = ph ? ph->cvr_mult : 1.0;
  for (uint32_t u = 0; u < w->units; u++)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      k->unit[u].attract[s] = fmin(1.0, w->unit_ctr[u] * sc->ctr_mult[s] * ctr_m);
      k->unit[u].convert[s] = fmin(1.0, w->unit_cvr[u] * sc->cvr_mult[s] * cvr_m);
    }
  double exam[BIDSIM_MAX_SLOTS];
  for (uint32_t s = 0; s < BIDSIM_MAX_SLOTS; s++) exam[s] = sc->auction.position_weight_ppm[s] * 1e-6 * TWO32;

  /* segment and category by thresholds on 32-bit halves of one draw */
  uint32_t seg_thr[2];
  seg_thr[0] = (uint32_t)fmin(sc->segment_shares[0] * TWO32, 4294967295.0);
  seg_thr[1] = (uint32_t)fmin((sc->segment_shares[0] + sc->segment_shares[1]) * TWO32, 4294967295.0);
  const uint32_t C = sc->category_count;
  uint32_t cat_thr[64];
  const bool few_cats = C <= 64;
  double acc = 0.0;
  for (uint32_t c = 0; c < C && few_cats; c++) {
    acc += sc->category_shares[c];
    cat_thr[c] = c + 1 == C ? UINT32_MAX : (uint32_t)fmin(acc * TWO32, 4294967295.0);
  }
  /* guide table: the first category a draw with this top byte can be, so
   * the search below takes one or two steps instead of C / 2 */
  uint8_t cat_guide[256];
  for (uint32_t i = 0, c = 0; i < 256 && few_cats; i++) {
    while (c + 1 < C && cat_thr[c] <= (uint32_t)i << 24) c++;
    cat_guide[i] = (uint8_t)c;
  }
  const double window_h = sc->attribution_window_days * 24.0;
  const int64_t day0 = (int64_t)day * BIDSIM_SECONDS_PER_DAY;
  bidsim_auction_result_t res;
  {   /* strategies see today's counts */
    strat_set_t *S = k->strats;
    memset(S->exposures, 0, (size_t)S->count * sizeof *S->exposures);
    memset(S->top_exposures, 0, (size_t)S->count * sizeof *S->top_exposures);
    memset(S->clicks, 0, (size_t)S->count * sizeof *S->clicks);
    memset(S->conversions, 0, (size_t)S->count * sizeof *S->conversions);
    memset(S->order_value_li, 0, (size_t)S->count * sizeof *S->order_value_li);
  }
  k->next_update_s = day0;
  if (w->has_service) {
    int rc = service_day_start(k, day, err);
    if (rc) return rc;
  }

  for (uint32_t hour = 0; hour < BIDSIM_HOURS; hour++) {
    uint64_t n = draw_count(sc, k->traffic_rng, traffic * hour_share[hour]);
    int64_t last_t = -1;
    for (uint64_t i = 0; i < n; i++) {
      /* arrivals spread evenly over the hour: the expected order statistics
       * of a Poisson process given the hour's count */
      int64_t t = day0 + (int64_t)hour * 3600 + (int64_t)(i * 3600 / n);
      if (t != last_t) {
        int rc = bidsim_market_advance_to(k->market, t);
        if (rc) return bidsim_error_set(err, rc, "worker", "market clock: %s", bidsim_strerror(rc));
        last_t = t;
        /* bid strategies act once per period, at its first impression */
        if (k->strats->count && t >= k->next_update_s) {
          if ((rc = strategies_update(k, t, day, hour_share, slab, err))) return rc;
          const int64_t P = sc->strategy_period_s;
          k->next_update_s = t - (t - day0) % P + P;
        }
      }
      uint64_t x = bidsim_pcg64_next(k->tg);
      const uint64_t user = bidsim_pcg64_next(k->tg);
      uint32_t hi = (uint32_t)(x >> 32), lo = (uint32_t)x;
      /* branch-free (cumulative thresholds): the segment is as unpredictable as the draw */
      const uint32_t seg = (uint32_t)(hi >= seg_thr[0]) + (uint32_t)(hi >= seg_thr[1]);
      uint32_t cat = 0;
      if (few_cats) {
        cat = cat_guide[lo >> 24];
        while (lo >= cat_thr[cat]) cat++;
      } else {
        double v = lo / TWO32, a = 0.0;
        for (cat = 0; cat + 1 < C; cat++) if (v < (a += sc->category_shares[cat])) break;
      }
      slab->impressions[hour][seg]++;
      bidsim_impression_t imp = { seg, cat, (uint32_t)(user >> 32) };
      /* prices only for clicked slots (a few percent): deferred */
      uint32_t filled = bidsim_market_auction_deferred(k->market, &imp, &res);
      for (uint32_t s = 0; s < filled; s++) {
        uint32_t unit = res.unit[s];
        unit_hot_t *uh = &k->unit[unit];
        uh->expo[seg]++;
        strat_set_t *const S = k->strats;
        const uint32_t si = S->count ? k->strat_of_plan[res.plan[s]] : UINT32_MAX;
        if (si != UINT32_MAX) {
          S->exposures[si]++;
          S->top_exposures[si] += s == 0;
        }
        uint64_t h = mix64(user ^ ((uint64_t)unit * UINT64_C(0x9E3779B97F4A7C15)));
        if ((double)(uint32_t)h >= exam[s] * uh->attract[seg]) continue;
        /* the rest of this (user, ad) pair's draws: order, delay, value */
        k->ug->state = ((bidsim_u128_t)mix64(h) << 64) | h;
        /* a click: charge it (DOMAIN.md §1 cap stop inside), then maybe an order */
        uint32_t plan = res.plan[s], product = res.product[s];
        bool capped = false;
        int64_t charged = bidsim_market_charge(k->market, plan, bidsim_auction_slot_price(k->market, &res, s), &capped);
        if (capped) slab->cap_hit_s[plan] = t - day0;
        add_metric(slab, BIDSIM_METRIC_CLICKS, plan, seg, hour, product, 1);
        add_metric(slab, BIDSIM_METRIC_SPEND_LI, plan, seg, hour, product, charged);
        double pc = uh->convert[seg];
        bool converted = gsl_rng_uniform(k->user_rng) < pc;
        /* ordered after the attribution window: not credited */
        if (converted && sc->conversion_delay_hours > 0.0 &&
            gsl_ran_exponential(k->user_rng, sc->conversion_delay_hours) > window_h)
          converted = false;
        int64_t ov_li = 0;
        if (converted) {
          double ov = dist_draw(w->unit_order_value[unit], k->user_rng);
          ov_li = ov > 0.0 ? yuan_to_fen_li(ov) : 0;
          add_metric(slab, BIDSIM_METRIC_CONVERSIONS, plan, seg, hour, product, 1);
          add_metric(slab, BIDSIM_METRIC_ORDER_VALUE_LI, plan, seg, hour, product, ov_li);
        }
        if (si != UINT32_MAX) {   /* the plan's strategy learns from its clicks */
          S->clicks[si]++;
          S->total_clicks[si]++;
          S->total_spend_li[si] += charged;
          if (converted) {
            S->conversions[si]++;
            S->total_conversions[si]++;
            S->order_value_li[si] += ov_li;
            S->total_order_value_li[si] += ov_li;
          }
          if (S->impl[si]->on_click) S->impl[si]->on_click(S->self[si], charged, converted, ov_li);
        }
        /* a consulting user, for a shop whose service is modelled: one more
         * draw of this (user, ad) pair, after the order's */
        if (w->has_service && plan < sc->plan_count && has_service(sc, sc->plans[plan].shop) &&
            gsl_rng_uniform(k->user_rng) < sc->shops[sc->plans[plan].shop].consult_share)
          k->svc_hour[sc->plans[plan].shop]++;
      }
    }
    k->impressions += n;
    fold_hour(k, hour, slab);
    if (w->has_service) service_hour_end(k, hour);
  }
  if (w->has_service) service_day_end(k, day, slab);
  /* midnight: the next day's caps (DOMAIN.md §1) */
  int rc = bidsim_market_advance_to(k->market, day0 + BIDSIM_SECONDS_PER_DAY);
  if (rc) return bidsim_error_set(err, rc, "worker", "market clock: %s", bidsim_strerror(rc));
  return BIDSIM_OK;
}

/* ---- runners ---------------------------------------------------------------- */

int bidsim_runner_init(bidsim_runner_t *r, const bidsim_scenario_t *sc, const bidsim_world_t *base, bidsim_error_t *err) {
  memset(r, 0, sizeof *r);
  r->sc = sc;
  r->base = base;
  r->variant = UINT32_MAX;
  return sc->variant_sc ? BIDSIM_OK : bidsim_worker_create(base, &r->worker, err);
}

int bidsim_runner_begin(bidsim_runner_t *r, uint32_t unit, bidsim_error_t *err) {
  const uint32_t R = r->sc->replicates, v = unit / R;
  if (r->sc->variant_sc == NULL) return bidsim_worker_begin(r->worker, v, unit % R, r->sc->seed, err);
  if (v != r->variant) {
    if (r->worker) r->impressions += bidsim_worker_impressions(r->worker);
    bidsim_worker_free(r->worker);
    bidsim_world_free(r->own);
    r->worker = NULL;
    r->own = NULL;
    r->variant = UINT32_MAX;
    int rc = bidsim_world_create(r->sc->variant_sc[v], &r->own, err);
    if (rc == BIDSIM_OK) rc = bidsim_worker_create(r->own, &r->worker, err);
    if (rc) return rc;
    r->variant = v;
  }
  /* the point's scenario is a one-variant scenario of its own */
  return bidsim_worker_begin(r->worker, 0, unit % R, r->sc->seed, err);
}

uint64_t bidsim_runner_impressions(const bidsim_runner_t *r) {
  return r->impressions + (r->worker ? bidsim_worker_impressions(r->worker) : 0);
}

void bidsim_runner_free(bidsim_runner_t *r) {
  bidsim_worker_free(r->worker);
  bidsim_world_free(r->own);
  r->worker = NULL;
  r->own = NULL;
}

int64_t *bidsim_world_variant_caps(const bidsim_world_t *base, const bidsim_scenario_t *sc, bidsim_error_t *err) {
  const uint32_t V = sc->variant_count, P = base->plans;
  int64_t *caps = bidsim_malloc((size_t)V * P * sizeof *caps + 1);
  if (caps == NULL) { bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory"); return NULL; }
  memcpy(caps, base->variant_cap_li, (size_t)V * P * sizeof *caps);
  for (uint32_t v = 0; sc->variant_sc && v < V; v++) {
    /* a point may change competitors' caps too: ask its world */
    bidsim_world_t *w = NULL;
    if (bidsim_world_create(sc->variant_sc[v], &w, err) != BIDSIM_OK) { bidsim_free(caps); return NULL; }
    if (w->plans == P) memcpy(&caps[(size_t)v * P], w->plan_cap_li, P * sizeof *caps);
    bidsim_world_free(w);
  }
  return caps;
}
