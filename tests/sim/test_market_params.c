/* tests/sim/test_market_params.c - the market the result file records
 * (bidsim_world_market_params, /market) is the market the units ran: for
 * every replicate's draw under market.redraw per_replicate, and for the one
 * draw under once, every plan's bids, cap and quality and every product's
 * price, category, CTR and CVR equal the engine market the worker draws
 * (bidsim__world_market_draw from the same stream); listed plans carry each
 * variant's bids and cap; redrawn replicates differ, and the global
 * relation records no reach or targeting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "sim/world_internal.h"

static const char *scenario(const char *redraw, const char *relation) {
  static char text[2048];
  snprintf(text, sizeof text,
           "seed: 5\ndays: 1\nreplicates: 3\n"
           "traffic: {impressions_per_day: 1000, categories: [{name: a, share: 0.5}, {name: b, share: 0.5}]}\n"
           "users: {relation: %s}\n"
           "shops:\n"
           "  - {name: S, reach: 0.2, products: [{id: 1, sales: 900, price: 80, ctr: 0.05, cvr: 0.02, category: b},\n"
           "                                     {id: 2, sales: 700, price: 30, ctr: 0.03, cvr: 0.01}]}\n"
           "plans:\n"
           "  - {name: P, shop: S, cap: 300, products: [1, 2], bids: {ordinary: 0.80, shop: 1.20, similar: 0.90}}\n"
           "market: {plans: 40, redraw: %s}\n"
           "variants: [{name: base}, {name: up, plans: {P: {bids: {ordinary: 1.00, shop: 1.50, similar: 1.10}, cap: 500}}}]\n",
           relation, redraw);
  return text;
}

static bidsim_world_t *world(const char *text, bidsim_scenario_t **sc) {
  bidsim_error_t err;
  if (bidsim_scenario_load_string(text, strlen(text), "t.yaml", sc, &err) != BIDSIM_OK)
    fail_msg("%s: %s", err.where, err.msg);
  bidsim_world_t *w = NULL;
  assert_int_equal(bidsim_world_create(*sc, &w, &err), BIDSIM_OK);
  return w;
}

/* p (variant v's record) against the engine market m the units of v start:
 * the listed plans as variant v sets them, everything else as drawn */
static void same_market(const bidsim_world_t *w, const bidsim_world_market_t *wm, uint32_t v,
                        const bidsim_market_params_t *p) {
  const bidsim_market_t *m = wm->market;
  assert_int_equal(bidsim_market_plan_count(m), p->plans);
  assert_int_equal(bidsim_market_product_count(m), p->products);
  for (uint32_t i = 0; i < p->plans; i++) {
    bidsim_plan_info_t info;
    assert_int_equal(bidsim_market_plan_info(m, i, &info), BIDSIM_OK);
    const bool listed = i < w->sc->plan_count;
    const int64_t *bids = listed ? w->variant_bids[(size_t)v * w->sc->plan_count + i] : info.bid_li;
    const int64_t cap = listed ? w->variant_cap[(size_t)v * w->sc->plan_count + i] : info.cap_li;
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) assert_int_equal(p->bid_li[(size_t)i * BIDSIM_SEG_COUNT + s], bids[s]);
    assert_int_equal(p->cap_li[i], cap);
    assert_int_equal(p->quality[i], info.quality);
  }
  for (uint32_t q = 0; q < p->products; q++) {
    assert_int_equal(p->price_li[q], bidsim_market_product(m, q)->price_li);
    assert_int_equal(p->category[q], bidsim_market_product(m, q)->category);
  }
  for (uint32_t u = 0; u < wm->units; u++) {
    uint32_t plan, product;
    bidsim_market_unit(m, u, &plan, &product);
    assert_true(p->ctr[product] == wm->unit_ctr[u]);
    assert_true(p->cvr[product] == wm->unit_cvr[u]);
  }
}

static void market_params_are_the_market_each_replicate_ran(void **state) {
  (void)state;
  bidsim_scenario_t *sc = NULL;
  bidsim_world_t *w = world(scenario("per_replicate", "per_shop"), &sc);
  bidsim_error_t err;
  assert_int_equal(bidsim_world_market_draws(w), 3);
  bidsim_market_params_t p, p0;
  assert_int_equal(bidsim_market_params_init(&p, w->plans, w->products, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_params_init(&p0, w->plans, w->products, &err), BIDSIM_OK);
  for (uint32_t r = 0; r < 3; r++) {
    /* what bidsim_worker_begin draws for replicate r */
    bidsim_world_market_t wm;
    assert_int_equal(bidsim_world_market_stream(w, r), bidsim__market_stream(r));
    assert_int_equal(bidsim__world_market_draw(w, bidsim__market_stream(r), &wm, &err), BIDSIM_OK);
    for (uint32_t v = 0; v < 2; v++) {
      assert_int_equal(bidsim_world_market_params(w, v, r, &p, &err), BIDSIM_OK);
      same_market(w, &wm, v, &p);
    }
    bidsim__world_market_free(&wm);
    /* the listed shop's reach as given; listed plans target everyone;
     * competitors' draws within their clamps */
    assert_true(p.reach[0] == 0.2 && p.targeting[0] == 1.0);
    for (uint32_t i = 1; i < p.plans; i++)
      assert_true(p.reach[i] >= 0.0 && p.reach[i] <= 0.5 && p.targeting[i] >= 0.0 && p.targeting[i] <= 1.0);
    if (r == 0) {
      memcpy(p0.bid_li, p.bid_li, sizeof(int64_t) * p.plans * BIDSIM_SEG_COUNT);
    } else {
      /* a redraw per replicate: other competitors, the same listed plan */
      uint32_t differ = 0;
      for (uint32_t i = 1; i < p.plans; i++) differ += p.bid_li[i * BIDSIM_SEG_COUNT] != p0.bid_li[i * BIDSIM_SEG_COUNT];
      assert_true(differ > p.plans / 2);
      assert_memory_equal(p.bid_li, p0.bid_li, sizeof(int64_t) * BIDSIM_SEG_COUNT);
    }
  }
  /* the variant's bids and cap for the listed plan (variant 1 is the last read) */
  assert_int_equal(p.bid_li[0], 1000);
  assert_int_equal(p.bid_li[1], 1500);
  assert_int_equal(p.cap_li[0], 500000);
  assert_int_equal(bidsim_world_market_params(w, 0, 3, &p, &err), BIDSIM_EINVAL);   /* no fourth draw */
  bidsim_market_params_free(&p);
  bidsim_market_params_free(&p0);
  bidsim_world_free(w);
  bidsim_scenario_free(sc);
}

static void once_draws_one_market_and_global_has_no_reach(void **state) {
  (void)state;
  bidsim_scenario_t *sc = NULL;
  bidsim_world_t *w = world(scenario("once", "global"), &sc);
  bidsim_error_t err;
  assert_int_equal(bidsim_world_market_draws(w), 1);
  assert_true(bidsim_world_market_stream(w, 0) == BIDSIM_STREAM_MARKET);
  bidsim_market_params_t p;
  assert_int_equal(bidsim_market_params_init(&p, w->plans, w->products, &err), BIDSIM_OK);
  assert_int_equal(bidsim_world_market_params(w, 0, 0, &p, &err), BIDSIM_OK);
  same_market(w, &w->base, 0, &p);   /* the world's one draw, which every replicate clones */
  for (uint32_t i = 0; i < p.plans; i++) assert_true(isnan(p.reach[i]) && isnan(p.targeting[i]));
  assert_int_equal(bidsim_world_market_params(w, 0, 1, &p, &err), BIDSIM_EINVAL);
  bidsim_market_params_free(&p);
  bidsim_world_free(w);
  bidsim_scenario_free(sc);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(market_params_are_the_market_each_replicate_ran),
                                      cmocka_unit_test(once_draws_one_market_and_global_has_no_reach) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
