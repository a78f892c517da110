/* sim/world.c - a scenario turned into what the day loop reads (docs/model.md
 * §3): the engine market (listed plans and generated competitors), each ad
 * unit's click, conversion and order-value parameters, each variant's
 * settings for the listed plans, and the labels of the output. The world is
 * immutable once built; workers (sim/worker.c) clone its market, or draw
 * their replicate's under market.redraw per_replicate. */
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/rng_gsl.h"
#include "sim/world_internal.h"

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Quality under the CTR model: predicted CTR in basis points (docs/model.md §2
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

static bool per_shop(const bidsim_scenario_t *sc) { return sc->relation == BIDSIM_RELATION_PER_SHOP; }

/* ---- the listed plans ----------------------------------------------------- */

static int add_listed(bidsim_world_t *w, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  bidsim_market_t *m = w->listed;
  char key[96];
  int rc;
  size_t products = 0;
  for (uint32_t s = 0; s < sc->shop_count; s++) products += sc->shops[s].product_count;
  w->listed_product = bidsim_calloc(products + 1, sizeof *w->listed_product);
  if (w->listed_product == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  for (uint32_t s = 0; s < sc->shop_count; s++) {
    const bidsim_sc_shop_t *sh = &sc->shops[s];
    if ((rc = bidsim_market_add_shop(m, sh->name, NULL, err))) {
      snprintf(key, sizeof key, "shops[%u]", s);
      return where_fail(err, key);
    }
    /* a listed shop's visitors: decided per user, so its plans in every
     * category see the same visitors (docs/model.md §3) */
    const double reach = sh->reach >= 0 ? sh->reach : sc->segment_shares[BIDSIM_SEG_SHOP];
    if (per_shop(sc) && (rc = bidsim_market_set_shop_reach(m, s, reach, BIDSIM_VISIT_EACH, err))) {
      snprintf(key, sizeof key, "shops[%u].reach", s);
      return where_fail(err, key);
    }
    for (uint32_t q = 0; q < sh->product_count; q++) {
      const bidsim_sc_product_t *p = &sh->products[q];
      /* quality belongs to the ad shown (docs/model.md §2): under the CTR
       * model each product's own; under the fixed model the plan's (0) */
      const uint32_t quality = sc->quality_model == BIDSIM_QUALITY_CTR ? quality_from_ctr(p->ctr) : 0;
      bidsim_product_spec_t ps = { p->id, p->historical_sales, p->status, p->price_li, p->category, quality };
      uint32_t index;
      if ((rc = bidsim_market_add_product(m, s, &ps, &index, err))) {
        snprintf(key, sizeof key, "shops[%u].products[%u]", s, q);
        return where_fail(err, key);
      }
      w->listed_product[index] = p;
    }
  }
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    uint32_t quality = p->quality;
    if (quality == 0) {
      if (sc->quality_model == BIDSIM_QUALITY_FIXED) {
        quality = sc->quality_fixed;
      } else {
        /* a plan spec needs a quality, though under the CTR model every ad
         * ranks with its own product's (set above): the first product's */
        double ctr = 0.04;
        const bidsim_sc_shop_t *sh = &sc->shops[p->shop];
        for (uint32_t q = 0; q < sh->product_count && p->product_count; q++)
          if (sh->products[q].id == p->product_ids[0]) { ctr = sh->products[q].ctr; break; }
        quality = quality_from_ctr(ctr);
      }
    }
    bidsim_plan_spec_t spec = { p->name, p->shop, p->cap_li, { p->bid_li[0], p->bid_li[1], p->bid_li[2] },
                                quality, (int64_t)p->publish_day * BIDSIM_SECONDS_PER_DAY + p->publish_second };
    uint32_t plan;
    snprintf(key, sizeof key, "plans[%u]", i);
    if ((rc = bidsim_market_add_plan(m, &spec, &plan, err))) return where_fail(err, key);
    for (uint32_t k = 0; k < p->product_count; k++)
      if ((rc = bidsim_plan_add_product_id(m, plan, p->product_ids[k], err))) {
        snprintf(key, sizeof key, "plans[%u].products[%u]", i, k);
        return where_fail(err, key);
      }
  }
  w->listed_plans = bidsim_market_plan_count(m);
  w->listed_products = bidsim_market_product_count(m);
  w->listed_units = bidsim_market_unit_count(m);
  return BIDSIM_OK;
}

/* ---- one draw of the market ------------------------------------------------ */

/* One generated competitor as drawn: a shop, a product and a plan each.
 * The draws come from the market stream in a fixed order (the first
 * model's first, so that a scenario of the first model draws exactly the
 * market it did); the market's build and the result file's record of the
 * market (bidsim_world_market_params) both come from here, so the record is
 * the market the units ran. reach and targeting are NaN under the global
 * relation, which draws neither. */
typedef struct {
  uint32_t category, quality;
  int64_t  price_li, cap_li, bid_li[BIDSIM_SEG_COUNT];
  double   ctr, cvr, reach, targeting;
} competitor_t;

static void draw_competitor(const bidsim_scenario_t *sc, gsl_rng *r, competitor_t *c) {
  const bidsim_sc_market_t *mk = &sc->market;
  const uint32_t C = sc->category_count;
  double u = gsl_rng_uniform(r), acc = 0.0;
  c->category = C - 1;
  for (uint32_t k = 0; k < C; k++) {
    acc += mk->category_shares[k];
    if (u < acc) { c->category = k; break; }
  }
  double ov = clampd(bidsim__dist_draw(&mk->order_value_yuan, r), 0.01, 1e6);
  c->price_li = bidsim__yuan_to_fen_li(ov);
  /* at most 90.00 yuan: above it no segment bid can be 10% higher and within 99.00 */
  int64_t base = bidsim__yuan_to_fen_li(clampd(bidsim__dist_draw(&mk->base_bid_yuan, r), 0.10, 90.0));
  c->bid_li[0] = base;
  /* premiums clamped to [10%, 300%] and rounded inward to whole fen */
  int64_t lo, hi;
  bidsim_rule_premium_bounds(base, &lo, &hi);
  for (int s = 1; s < BIDSIM_SEG_COUNT; s++) {
    double pct = clampd(bidsim__dist_draw(&mk->premium_pct[s - 1], r), 10.0, 300.0);
    int64_t b = bidsim__yuan_to_fen_li((double)base / 1000.0 * (1.0 + pct / 100.0));
    c->bid_li[s] = b < lo ? lo : b > hi ? hi : b;
  }
  c->cap_li = BIDSIM_CAP_UNLIMITED;
  if (gsl_rng_uniform(r) >= mk->unlimited_share)
    c->cap_li = (int64_t)llround(clampd(bidsim__dist_draw(&mk->cap_yuan, r), 100.0, 1e9)) * BIDSIM_LI_PER_YUAN;
  c->ctr = clampd(bidsim__dist_draw(&mk->ctr, r), 1e-4, 1.0);
  c->cvr = clampd(bidsim__dist_draw(&mk->cvr, r), 0.0, 1.0);
  c->quality = sc->quality_model == BIDSIM_QUALITY_CTR
                   ? quality_from_ctr(c->ctr)
                   : (uint32_t)clampd(llround(bidsim__dist_draw(&mk->quality, r)), 1, BIDSIM_QUALITY_MAX);
  c->reach = c->targeting = NAN;
  if (per_shop(sc)) {
    /* the personalised model's draws come after the first model's */
    c->reach = clampd(bidsim__dist_draw(&mk->reach, r), 0.0, 0.5);
    c->targeting = clampd(bidsim__dist_draw(&mk->targeting, r), 0.0, 1.0);
  }
}

/* The competitors of one draw into the market. */
static int add_competitors(const bidsim_world_t *w, bidsim_world_market_t *wm, gsl_rng *r, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  const bidsim_sc_market_t *mk = &sc->market;
  bidsim_market_t *m = wm->market;
  int rc;
  for (uint32_t i = 0; i < mk->plans; i++) {
    const char *name = w->gen_names[i];
    competitor_t c;
    draw_competitor(sc, r, &c);
    uint32_t shop, product, plan;
    if ((rc = bidsim_market_add_shop(m, name, &shop, err))) return where_fail(err, "market");
    bidsim_product_spec_t ps = { 1, 1000, BIDSIM_PRODUCT_ON_SALE, c.price_li, c.category, 0 };
    if ((rc = bidsim_market_add_product(m, shop, &ps, &product, err))) return where_fail(err, "market");
    bidsim_plan_spec_t spec = { name, shop, c.cap_li, { c.bid_li[0], c.bid_li[1], c.bid_li[2] }, c.quality, 0 };
    if ((rc = bidsim_market_add_plan(m, &spec, &plan, err))) return where_fail(err, "market");
    if ((rc = bidsim_plan_add_product(m, plan, product, err))) return where_fail(err, "market");
    if (per_shop(sc) && ((rc = bidsim_market_set_shop_reach(m, shop, c.reach, BIDSIM_VISIT_DRAWN, err)) ||
                         (rc = bidsim_market_set_targeting(m, plan, c.targeting, err))))
      return where_fail(err, "market");
    /* the competitor's rates live with its unit */
    const uint32_t unit = bidsim_market_unit_count(m) - 1;
    wm->unit_ctr[unit] = c.ctr;
    wm->unit_cvr[unit] = c.cvr;
    wm->unit_order_value[unit] = &mk->order_value_yuan;
  }
  return BIDSIM_OK;
}

/* market.strategies: competitor i runs strategy k when a hash of (seed, i)
 * falls in k's share. A hash, not the market stream, so that adding
 * strategies does not change the market drawn, and the same competitors
 * run them in every draw. */
static int assign_competitor_strategies(const bidsim_world_t *w, bidsim_world_market_t *wm, bidsim_error_t *err) {
  const bidsim_sc_market_t *mk = &w->sc->market;
  if (mk->strategy_count == 0) return BIDSIM_OK;
  const uint32_t first = w->listed_plans, n = bidsim_market_plan_count(wm->market) - first;
  wm->comp_strat_plan = bidsim_calloc((size_t)n + 1, sizeof *wm->comp_strat_plan);
  wm->comp_strat = bidsim_calloc((size_t)n + 1, sizeof *wm->comp_strat);
  wm->comp_strat_bids = bidsim_calloc((size_t)n + 1, sizeof *wm->comp_strat_bids);
  if (!wm->comp_strat_plan || !wm->comp_strat || !wm->comp_strat_bids)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    double u = (double)(bidsim__mix64(w->sc->seed ^ bidsim__mix64(UINT64_C(0x57A7E9) + i)) >> 11) * 0x1.0p-53, acc = 0.0;
    for (uint32_t k = 0; k < mk->strategy_count; k++) {
      acc += mk->strategy_share[k];
      if (u >= acc) continue;
      uint32_t plan = first + i, j = wm->comp_strat_count++;
      bidsim_plan_info_t info;
      bidsim_market_plan_info(wm->market, plan, &info);
      wm->comp_strat_plan[j] = plan;
      wm->comp_strat[j] = mk->strategies[k];
      memcpy(wm->comp_strat_bids[j], info.bid_li, sizeof wm->comp_strat_bids[j]);
      break;
    }
  }
  return BIDSIM_OK;
}

void bidsim__world_market_free(bidsim_world_market_t *wm) {
  bidsim_market_free(wm->market);
  bidsim_free(wm->unit_ctr);
  bidsim_free(wm->unit_cvr);
  bidsim_free(wm->unit_order_value);
  bidsim_free(wm->comp_strat_plan);
  bidsim_free(wm->comp_strat);
  bidsim_free(wm->comp_strat_bids);
  memset(wm, 0, sizeof *wm);
}

int bidsim__world_market_draw(const bidsim_world_t *w, uint64_t stream, bidsim_world_market_t *out,
                              bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  memset(out, 0, sizeof *out);
  int rc = bidsim_market_clone(w->listed, &out->market, err);
  if (rc) return rc;
  /* every listed product in every plan is at most one unit, plus one per competitor */
  const size_t max_units = (size_t)w->listed_units + sc->market.plans;
  out->unit_ctr = bidsim_calloc(max_units + 1, sizeof *out->unit_ctr);
  out->unit_cvr = bidsim_calloc(max_units + 1, sizeof *out->unit_cvr);
  out->unit_order_value = bidsim_calloc(max_units + 1, sizeof *out->unit_order_value);
  gsl_rng *r = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  if (!out->unit_ctr || !out->unit_cvr || !out->unit_order_value || !r) {
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
    goto fail;
  }
  /* listed units: the rates of the product each one shows */
  for (uint32_t u = 0; u < w->listed_units; u++) {
    uint32_t plan, product;
    bidsim_market_unit(out->market, u, &plan, &product);
    const bidsim_sc_product_t *p = w->listed_product[product];
    out->unit_ctr[u] = p->ctr;
    out->unit_cvr[u] = p->cvr;
    out->unit_order_value[u] = &p->order_value_yuan;
  }
  bidsim_rng_for_stream(bidsim_gsl_rng_state(r), sc->seed, stream);
  if ((rc = add_competitors(w, out, r, err)) || (rc = assign_competitor_strategies(w, out, err))) goto fail;
  out->units = bidsim_market_unit_count(out->market);
  /* build the index now so clones start ready */
  if ((rc = bidsim_market_build(out->market, err))) {
    where_fail(err, "market");
    goto fail;
  }
  gsl_rng_free(r);
  return BIDSIM_OK;
fail:
  if (r) gsl_rng_free(r);
  bidsim__world_market_free(out);
  return rc;
}

/* ---- the market as the result file records it ----------------------------- */

uint32_t bidsim_world_market_draws(const bidsim_world_t *w) {
  return w->sc->market.redraw == BIDSIM_REDRAW_PER_REPLICATE ? w->sc->replicates : 1;
}

uint64_t bidsim_world_market_stream(const bidsim_world_t *w, uint32_t draw) {
  return w->sc->market.redraw == BIDSIM_REDRAW_PER_REPLICATE ? bidsim__market_stream(draw) : BIDSIM_STREAM_MARKET;
}

int bidsim_world_market_params(const bidsim_world_t *w, uint32_t variant, uint32_t draw, bidsim_market_params_t *out,
                               bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  if (variant >= sc->variant_count || draw >= bidsim_world_market_draws(w) || out->plans != w->plans ||
      out->products != w->products)
    return bidsim_error_set(err, BIDSIM_EINVAL, "world", "no market draw %u of variant %u for %u plans", draw, variant,
                            out->plans);
  const uint32_t L = sc->plan_count;
  for (uint32_t i = 0; i < w->listed_plans; i++) {
    bidsim_plan_info_t info;
    bidsim_market_plan_info(w->listed, i, &info);
    const size_t at = (size_t)variant * L + i;
    memcpy(&out->bid_li[(size_t)i * BIDSIM_SEG_COUNT], w->variant_bids[at], sizeof w->variant_bids[at]);
    out->cap_li[i] = w->variant_cap[at];
    out->quality[i] = info.quality;
    const bidsim_sc_shop_t *sh = &sc->shops[info.shop];
    out->reach[i] = per_shop(sc) ? (sh->reach >= 0 ? sh->reach : sc->segment_shares[BIDSIM_SEG_SHOP]) : NAN;
    out->targeting[i] = per_shop(sc) ? 1.0 : NAN;   /* a listed plan bids on every user */
  }
  for (uint32_t q = 0; q < w->listed_products; q++) {
    const bidsim_sc_product_t *p = w->listed_product[q];
    out->ctr[q] = p->ctr;
    out->cvr[q] = p->cvr;
    out->price_li[q] = p->price_li;
    out->category[q] = p->category;
  }
  gsl_rng *r = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  if (r == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  bidsim_rng_for_stream(bidsim_gsl_rng_state(r), sc->seed, bidsim_world_market_stream(w, draw));
  for (uint32_t i = 0; i < sc->market.plans; i++) {
    competitor_t c;
    draw_competitor(sc, r, &c);
    const uint32_t p = w->listed_plans + i, q = w->listed_products + i;
    memcpy(&out->bid_li[(size_t)p * BIDSIM_SEG_COUNT], c.bid_li, sizeof c.bid_li);
    out->cap_li[p] = c.cap_li;
    out->quality[p] = c.quality;
    out->reach[p] = c.reach;
    out->targeting[p] = c.targeting;
    out->ctr[q] = c.ctr;
    out->cvr[q] = c.cvr;
    out->price_li[q] = c.price_li;
    out->category[q] = c.category;
  }
  gsl_rng_free(r);
  return BIDSIM_OK;
}

/* ---- the world ------------------------------------------------------------------ */

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

/* The output's labels, from the seed's draw (names and ids are the same in
 * every draw; a generated plan's cap is this draw's). */
static int build_labels(bidsim_world_t *w, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = w->sc;
  const bidsim_market_t *m = w->base.market;
  w->plans = bidsim_market_plan_count(m);
  w->products = bidsim_market_product_count(m);
  w->units = bidsim_market_unit_count(m);
  w->plan_names = bidsim_calloc(w->plans + 1, sizeof *w->plan_names);
  w->plan_shops = bidsim_calloc(w->plans + 1, sizeof *w->plan_shops);
  w->plan_cap_li = bidsim_calloc(w->plans + 1, sizeof *w->plan_cap_li);
  w->plan_listed = bidsim_calloc(w->plans + 1, sizeof *w->plan_listed);
  w->product_names = bidsim_calloc(w->products + 1, sizeof *w->product_names);
  w->product_shops = bidsim_calloc(w->products + 1, sizeof *w->product_shops);
  w->product_ids = bidsim_calloc(w->products + 1, sizeof *w->product_ids);
  w->product_plan = bidsim_calloc(w->products + 1, sizeof *w->product_plan);
  w->day_labels = bidsim_calloc((size_t)sc->days + 1, sizeof *w->day_labels);
  if (!w->plan_names || !w->plan_shops || !w->plan_cap_li || !w->plan_listed || !w->product_names ||
      !w->product_shops || !w->product_ids || !w->product_plan || !w->day_labels)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  for (uint32_t p = 0; p < w->plans; p++) {
    bidsim_plan_info_t info;
    bidsim_market_plan_info(m, p, &info);
    w->plan_names[p] = info.name;
    w->plan_shops[p] = bidsim_market_shop_name(m, info.shop);
    w->plan_cap_li[p] = info.cap_li;
    w->plan_listed[p] = p < w->listed_plans;
  }
  for (uint32_t q = 0; q < w->products; q++) {
    w->product_shops[q] = bidsim_market_shop_name(m, bidsim_market_product_shop(m, q));
    w->product_ids[q] = bidsim_market_product(m, q)->id;
    /* competitors' products are named after their shop */
    w->product_names[q] = q < w->listed_products ? w->listed_product[q]->name : w->product_shops[q];
    w->product_plan[q] = BIDSIM_NONE;
  }
  for (uint32_t u = 0; u < w->units; u++) {
    uint32_t plan, product;
    bidsim_market_unit(m, u, &plan, &product);
    if (w->product_plan[product] == BIDSIM_NONE) w->product_plan[product] = plan;
  }
  for (uint32_t d = 0; d < sc->days; d++) {
    w->day_labels[d] = bidsim_malloc(16);
    if (w->day_labels[d] == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
    bidsim_scenario_day_label(sc, d, w->day_labels[d]);
  }
  return BIDSIM_OK;
}

int bidsim_world_create(const bidsim_scenario_t *sc, bidsim_world_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_world_t *w = bidsim_calloc(1, sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory");
  w->sc = sc;
  int rc;
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.auction = sc->auction;
  cfg.categories = sc->category_count;
  cfg.strict_caps = sc->strict_caps;
  if (per_shop(sc)) {
    /* personalised ranking: each plan bids by the user's relation to its shop */
    cfg.rank = BIDSIM_RANK_PERSONAL;
    cfg.affinity_sigma = sc->affinity_sigma;
    cfg.affinity_truncate = sc->affinity_truncate;
    memcpy(cfg.ctr_mult, sc->ctr_mult, sizeof cfg.ctr_mult);
  }
  if ((rc = bidsim_market_create(&cfg, &w->listed, err))) { where_fail(err, "auction"); goto fail; }
  w->gen_names = bidsim_calloc((size_t)sc->market.plans + 1, sizeof *w->gen_names);
  if (w->gen_names == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory"); goto fail; }
  for (uint32_t i = 0; i < sc->market.plans; i++) snprintf(w->gen_names[i], BIDSIM_NAME_MAX, "market-%06u", i);
  if ((rc = add_listed(w, err))) goto fail;
  if ((rc = bidsim__world_market_draw(w, BIDSIM_STREAM_MARKET, &w->base, err))) goto fail;
  if ((rc = build_labels(w, err)) || (rc = build_variants(w, err))) goto fail;
  for (uint32_t i = 0; i < sc->shop_count; i++) w->has_service |= sc->shops[i].consult_share > 0;
  w->category_labels = bidsim_calloc((size_t)sc->category_count + 1, sizeof *w->category_labels);
  w->draw_streams = bidsim_calloc((size_t)bidsim_world_market_draws(w) + 1, sizeof *w->draw_streams);
  if (!w->category_labels || !w->draw_streams) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "world", "out of memory"); goto fail; }
  for (uint32_t c = 0; c < sc->category_count; c++) w->category_labels[c] = sc->category_names[c];
  for (uint32_t d = 0; d < bidsim_world_market_draws(w); d++) w->draw_streams[d] = bidsim_world_market_stream(w, d);
  {
    /* Sakamoto's method; 0 = Monday */
    static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
    int y = sc->start_date.year - (sc->start_date.month < 3);
    int dow = (y + y / 4 - y / 100 + y / 400 + t[sc->start_date.month - 1] + sc->start_date.day) % 7;   /* 0 = Sunday */
    w->weekday0 = (uint32_t)((dow + 6) % 7);
  }
  *out = w;
  return BIDSIM_OK;
fail:
  bidsim_world_free(w);
  return rc;
}

void bidsim_world_free(bidsim_world_t *w) {
  if (w == NULL) return;
  bidsim_market_free(w->listed);
  bidsim__world_market_free(&w->base);
  bidsim_free(w->listed_product);
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
  bidsim_free(w->variant_names);
  bidsim_free(w->variant_cap_li);
  bidsim_free(w->category_labels);
  bidsim_free(w->draw_streams);
  bidsim_free(w);
}

const bidsim_market_t *bidsim_world_market(const bidsim_world_t *w) { return w->base.market; }

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
  /* a sweep may move auction.slots: the file has the most any point fills */
  meta->slots = w->sc->auction.slots;
  for (uint32_t v = 0; w->sc->variant_sc && v < w->sc->variant_count; v++)
    if (w->sc->variant_sc[v]->auction.slots > meta->slots) meta->slots = w->sc->variant_sc[v]->auction.slots;
  meta->categories = w->sc->category_count;
  meta->category_names = w->category_labels;
  meta->draws = bidsim_world_market_draws(w);
  meta->draw_streams = w->draw_streams;
  meta->redraw = w->sc->market.redraw == BIDSIM_REDRAW_PER_REPLICATE ? "per_replicate" : "once";
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
