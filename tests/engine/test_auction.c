/* tests/engine/test_auction.c - click prices on hand-computed examples
 * (docs/model.md §2). Money in li: 1000 li = 1 yuan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "bidsim/auction.h"

static uint32_t price(bidsim_mechanism_t mech, uint32_t slots, const int64_t *bid, const uint32_t *q,
                      uint32_t n, int64_t *out) {
  bidsim_auction_config_t cfg;
  bidsim_auction_config_default(&cfg);
  cfg.mechanism = mech;
  cfg.slots = slots;
  cfg.position_weight_ppm[0] = 1000000;
  cfg.position_weight_ppm[1] = 500000;
  cfg.position_weight_ppm[2] = 250000;
  bidsim_ranked_t r = { bid, q, n };
  return bidsim_auction_price(&cfg, &r, out);
}

/* Ranked A (2.00 yuan, q 5000, score 10,000,000), B (3.00, q 3000, score
 * 9,000,000), C (1.00, q 4000, score 4,000,000).
 * A: min(2000, ceil(3000*3000/5000) + 10) = 1800 + 10 = 1810 li (1.81 yuan)
 * B: min(3000, ceil(1000*4000/3000) + 10) = ceil(1333.3) + 10 = 1344 li
 * C: nothing below -> reserve 100 li. */
static void gsp_prices_with_unequal_quality(void **state) {
  const int64_t bid[] = { 2000, 3000, 1000 };
  const uint32_t q[] = { 5000, 3000, 4000 };
  int64_t p[3];
  assert_int_equal(price(BIDSIM_MECH_GSP, 3, bid, q, 3, p), 3);
  assert_int_equal(p[0], 1810);
  assert_int_equal(p[1], 1344);
  assert_int_equal(p[2], 100);
}

static void gsp_runner_up_prices_last_slot(void **state) {
  /* Two slots, three candidates: B's price uses C even though C shows nowhere. */
  const int64_t bid[] = { 2000, 3000, 1000 };
  const uint32_t q[] = { 5000, 3000, 4000 };
  int64_t p[3] = { 0, 0, -1 };
  assert_int_equal(price(BIDSIM_MECH_GSP, 2, bid, q, 3, p), 2);
  assert_int_equal(p[1], 1344);
  assert_int_equal(p[2], -1);   /* untouched */
}

static void gsp_price_is_capped_at_own_bid(void **state) {
  /* Equal scores 1.00 x 1000: next/own + 0.01 = 1.01 > own bid 1.00 -> 1.00 */
  const int64_t bid[] = { 1000, 1000 };
  const uint32_t q[] = { 1000, 1000 };
  int64_t p[2];
  price(BIDSIM_MECH_GSP, 1, bid, q, 2, p);
  assert_int_equal(p[0], 1000);
}

static void gsp_price_never_below_reserve(void **state) {
  /* ceil(100*1/10000) + 10 = 11 li, below the 0.10 reserve -> 100 li */
  const int64_t bid[] = { 500, 100 };
  const uint32_t q[] = { 10000, 1 };
  int64_t p[2];
  price(BIDSIM_MECH_GSP, 1, bid, q, 2, p);
  assert_int_equal(p[0], 100);
}

static void gsp_lone_bidder_pays_reserve(void **state) {
  const int64_t bid[] = { 5000 };
  const uint32_t q[] = { 700 };
  int64_t p[1];
  assert_int_equal(price(BIDSIM_MECH_GSP, 4, bid, q, 1, p), 1);
  assert_int_equal(p[0], 100);
}

/* VCG textbook: CTRs 1.0 and 0.5, bids 10, 8, 5 yuan, equal quality.
 * Slot 1 pays its externality (1.0-0.5) x 8 + 0.5 x 5 = 6.50 per click;
 * slot 2 pays 0.5 x 5 / 0.5 = 5.00. GSP would charge 8.01 and 5.01. */
static void vcg_textbook_two_slots(void **state) {
  const int64_t bid[] = { 10000, 8000, 5000 };
  const uint32_t q[] = { 1, 1, 1 };
  int64_t p[3];
  assert_int_equal(price(BIDSIM_MECH_VCG, 2, bid, q, 3, p), 2);
  assert_int_equal(p[0], 6500);
  assert_int_equal(p[1], 5000);
  price(BIDSIM_MECH_GSP, 2, bid, q, 3, p);
  assert_int_equal(p[0], 8010);
  assert_int_equal(p[1], 5010);
}

static void vcg_never_exceeds_gsp_for_equal_quality(void **state) {
  const int64_t bid[] = { 9000, 7000, 4000, 2000 };
  const uint32_t q[] = { 1, 1, 1, 1 };
  int64_t v[4], g[4];
  price(BIDSIM_MECH_VCG, 3, bid, q, 4, v);
  price(BIDSIM_MECH_GSP, 3, bid, q, 4, g);
  for (int k = 0; k < 3; k++) assert_true(v[k] <= g[k]);
  /* slot 3: (0.25 - 0) x 2 / 0.25 = 2.00 */
  assert_int_equal(v[2], 2000);
}

static void first_price_charges_the_bid(void **state) {
  const int64_t bid[] = { 4200, 3100 };
  const uint32_t q[] = { 10, 90 };
  int64_t p[2];
  assert_int_equal(price(BIDSIM_MECH_FIRST, 2, bid, q, 2, p), 2);
  assert_int_equal(p[0], 4200);
  assert_int_equal(p[1], 3100);
}

static void config_is_checked(void **state) {
  bidsim_auction_config_t cfg;
  bidsim_error_t err;
  bidsim_auction_config_default(&cfg);
  assert_int_equal(bidsim_auction_config_check(&cfg, &err), BIDSIM_OK);
  assert_int_equal(cfg.position_weight_ppm[1], 500000);   /* (1/2)^1 */
  cfg.slots = 21;
  assert_int_equal(bidsim_auction_config_check(&cfg, &err), BIDSIM_EINVAL);
  cfg.slots = 20;
  assert_int_equal(bidsim_auction_config_check(&cfg, &err), BIDSIM_OK);
  cfg.reserve_li = 90;
  assert_int_equal(bidsim_auction_config_check(&cfg, &err), BIDSIM_EBIDRANGE);
  cfg.reserve_li = 100;
  cfg.position_weight_ppm[3] = cfg.position_weight_ppm[2] + 1;
  assert_int_equal(bidsim_auction_config_check(&cfg, &err), BIDSIM_EINVAL);
  assert_int_equal(bidsim_mechanism_parse("vcg"), BIDSIM_MECH_VCG);
  assert_int_equal(bidsim_mechanism_parse("second"), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(gsp_prices_with_unequal_quality),
    cmocka_unit_test(gsp_runner_up_prices_last_slot),
    cmocka_unit_test(gsp_price_is_capped_at_own_bid),
    cmocka_unit_test(gsp_price_never_below_reserve),
    cmocka_unit_test(gsp_lone_bidder_pays_reserve),
    cmocka_unit_test(vcg_textbook_two_slots),
    cmocka_unit_test(vcg_never_exceeds_gsp_for_equal_quality),
    cmocka_unit_test(first_price_charges_the_bid),
    cmocka_unit_test(config_is_checked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
