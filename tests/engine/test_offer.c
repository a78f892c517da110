/* tests/engine/test_offer.c - a unit's offer in a scored auction
 * (engine/market_offer.c), what the one-pass landscape places its copies
 * with: for every unit the auction shows, the offer's relation, affinity
 * and predicted CTR are the result's own, the GSP price from the value
 * below is the slot's price, and every eligible unit left out ranks at or
 * below the last slot (so comparing values places a copy where the auction
 * would). Random personalised markets, fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/bidsim.h"

#define Y(yuan) ((int64_t)((yuan) * 1000 + 0.5))

static uint32_t draw(bidsim_pcg64_t *g, uint32_t n) { return (uint32_t)(bidsim_pcg64_next(g) % n); }

static bidsim_market_t *random_market(bidsim_pcg64_t *g, uint32_t slots, uint32_t *plans) {
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.slots = slots;
  cfg.categories = 2;
  cfg.rank = BIDSIM_RANK_PERSONAL;
  cfg.affinity_sigma = 0.5;
  cfg.ctr_mult[0] = 1.0;
  cfg.ctr_mult[1] = 2.0;
  cfg.ctr_mult[2] = 1.4;
  bidsim_market_t *m = NULL;
  assert_int_equal(bidsim_market_create(&cfg, &m, NULL), BIDSIM_OK);
  *plans = 0;
  for (uint32_t s = 0; s < 60; s++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", s);
    uint32_t shop, product, plan;
    assert_int_equal(bidsim_market_add_shop(m, name, &shop, NULL), BIDSIM_OK);
    bidsim_market_set_shop_reach(m, shop, draw(g, 4) / 8.0, s < 6 ? BIDSIM_VISIT_EACH : BIDSIM_VISIT_DRAWN, NULL);
    bidsim_product_spec_t ps = { 1, 900, BIDSIM_PRODUCT_ON_SALE, Y(99), draw(g, 2), 20 + draw(g, 80) };
    assert_int_equal(bidsim_market_add_product(m, shop, &ps, &product, NULL), BIDSIM_OK);
    const int64_t base = 100 + 10 * (int64_t)draw(g, 200);
    int64_t lo, hi;
    bidsim_rule_premium_bounds(base, &lo, &hi);
    bidsim_plan_spec_t spec = { "p", shop, BIDSIM_CAP_UNLIMITED, { base, hi, lo }, 50, 0 };
    assert_int_equal(bidsim_market_add_plan(m, &spec, &plan, NULL), BIDSIM_OK);
    assert_int_equal(bidsim_plan_add_product(m, plan, product, NULL), BIDSIM_OK);
    (*plans)++;
  }
  bidsim_error_t err;
  if (bidsim_market_build(m, &err)) fail_msg("build: %s", err.msg);
  return m;
}

static void test_offer_is_what_the_auction_ranks_and_prices(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    bidsim_pcg64_t g = { (bidsim_u128_t)seed * 0x9E3779B97F4A7C15ULL + 7, 2 * (bidsim_u128_t)seed + 1 };
    uint32_t plans;
    const uint32_t slots = 1 + (uint32_t)(seed % 8);
    bidsim_market_t *m = random_market(&g, slots, &plans);
    for (int i = 0; i < 2000; i++) {
      const bidsim_impression_t imp = { draw(&g, 2) ? BIDSIM_SEG_SIMILAR : BIDSIM_SEG_ORDINARY, draw(&g, 2), 0,
                                        bidsim_pcg64_next(&g) };
      bidsim_auction_result_t r;
      const uint32_t n = bidsim_market_auction_deferred(m, &imp, &r);
      double last = -1.0;
      for (uint32_t s = 0; s < n; s++) {
        bidsim_unit_offer_t of;
        assert_int_equal(bidsim_market_unit_offer(m, &imp, r.unit[s], &of), BIDSIM_OK);
        assert_true(of.in_category);
        assert_int_equal(of.relation, r.relation[s]);
        assert_true(of.affinity == r.affinity[s]);
        assert_true(of.pctr == r.pctr[s]);
        assert_int_equal(bidsim_market_gsp_price(m, r.bid_li[s], of.pctr, r.next_value[s]),
                         bidsim_auction_slot_price(m, &r, s));
        last = (double)r.bid_li[s] * r.pctr[s];
      }
      if (n < slots) continue;
      /* every unit of the category not shown offers no more than the last
       * slot's value (up to the fixed-point ranking's rounding) */
      for (uint32_t u = 0; u < bidsim_market_unit_count(m); u++) {
        bidsim_unit_offer_t of;
        assert_int_equal(bidsim_market_unit_offer(m, &imp, u, &of), BIDSIM_OK);
        bool shown = false;
        for (uint32_t s = 0; s < n; s++) shown |= r.unit[s] == u;
        if (!of.in_category || shown) continue;
        uint32_t plan, product;
        bidsim_market_unit(m, u, &plan, &product);
        bidsim_plan_info_t pi;
        assert_int_equal(bidsim_market_plan_info(m, plan, &pi), BIDSIM_OK);
        const double v = (double)pi.bid_li[of.relation] * of.pctr;
        if (v > last * (1 + 1e-4)) fail_msg("seed %llu: unit %u offers %.1f above the last slot's %.1f",
                                            (unsigned long long)seed, u, v, last);
      }
    }
    bidsim_market_free(m);
  }
}

static void test_offer_refuses_what_it_cannot_answer(void **state) {
  (void)state;
  bidsim_pcg64_t g = { 99, 3 };
  uint32_t plans;
  bidsim_market_t *m = random_market(&g, 4, &plans);
  bidsim_unit_offer_t of;
  const bidsim_impression_t imp = { 0, 0, 0, 1 }, bad_cat = { 0, 2, 0, 1 };
  assert_int_equal(bidsim_market_unit_offer(m, &imp, bidsim_market_unit_count(m), &of), BIDSIM_ENOTFOUND);
  assert_int_equal(bidsim_market_unit_offer(m, &bad_cat, 0, &of), BIDSIM_ENOTFOUND);
  bidsim_market_free(m);
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.categories = 1;
  assert_int_equal(bidsim_market_create(&cfg, &m, NULL), BIDSIM_OK);   /* the STATIC model */
  assert_int_equal(bidsim_market_unit_offer(m, &imp, 0, &of), BIDSIM_ESTATE);
  bidsim_market_free(m);
}

/* The rule by hand (docs/model.md §2): min(bid, ceil(next / pCTR) + 0.01), the
 * reserve with nothing below, never below the reserve. */
static void test_gsp_price_by_hand(void **state) {
  (void)state;
  bidsim_pcg64_t g = { 5, 1 };
  uint32_t plans;
  bidsim_market_t *m = random_market(&g, 4, &plans);
  assert_int_equal(bidsim_market_gsp_price(m, Y(2.00), 100.0, 150.0 * 1000), Y(1.51));   /* 1.50 + 0.01 */
  assert_int_equal(bidsim_market_gsp_price(m, Y(1.20), 100.0, 150.0 * 1000), Y(1.20));   /* capped at the bid */
  assert_int_equal(bidsim_market_gsp_price(m, Y(2.00), 100.0, -1.0), Y(0.10));           /* the reserve */
  assert_int_equal(bidsim_market_gsp_price(m, Y(2.00), 100.0, 1.0), Y(0.10));            /* never below it */
  assert_int_equal(bidsim_market_gsp_price(m, Y(2.00), 3.0, 1000.0), 334 + 10);          /* ceil to the li */
  bidsim_market_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_offer_is_what_the_auction_ranks_and_prices),
    cmocka_unit_test(test_offer_refuses_what_it_cannot_answer),
    cmocka_unit_test(test_gsp_price_by_hand),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
