/* tests/engine/market_fixtures.h - small markets for the engine's tests:
 * one-call shops, products and plans that fail the test on any error. */
#ifndef BIDSIM_TESTS_MARKET_FIXTURES_H
#define BIDSIM_TESTS_MARKET_FIXTURES_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "bidsim/bidsim.h"

#define Y(yuan) ((int64_t)((yuan) * 1000 + 0.5))   /* yuan literal to li */

static inline bidsim_market_t *new_market(uint32_t slots, uint32_t categories, bool strict, int mech) {
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.slots = slots;
  cfg.auction.mechanism = mech;
  cfg.categories = categories;
  cfg.strict_caps = strict;
  bidsim_market_t *m = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_market_create(&cfg, &m, &err), BIDSIM_OK);
  return m;
}

static inline uint32_t add_shop(bidsim_market_t *m, const char *name) {
  uint32_t s;
  assert_int_equal(bidsim_market_add_shop(m, name, &s, NULL), BIDSIM_OK);
  return s;
}

static inline uint32_t add_product(bidsim_market_t *m, uint32_t shop, uint64_t id, uint32_t cat, int64_t sales,
                                   bidsim_product_status_t st) {
  bidsim_product_spec_t ps = { id, sales, st, Y(99), cat, 0 };
  uint32_t p;
  assert_int_equal(bidsim_market_add_product(m, shop, &ps, &p, NULL), BIDSIM_OK);
  return p;
}

/* The index, built once the catalogue is filled (auctions need it). */
static inline void build(bidsim_market_t *m) {
  bidsim_error_t err;
  if (bidsim_market_build(m, &err)) fail_msg("build: %s: %s", err.where, err.msg);
}

/* A plan with one product of category cat; bids b, b*1.5, b*2 (rounded to fen). */
static inline uint32_t add_plan(bidsim_market_t *m, uint32_t shop, const char *name, int64_t base_li,
                                uint32_t quality, int64_t cap_li, int64_t publish_s, uint32_t product) {
  bidsim_plan_spec_t spec = { name, shop, cap_li, { base_li, base_li * 3 / 2 / 10 * 10, base_li * 2 }, quality,
                              publish_s };
  uint32_t p;
  bidsim_error_t err;
  int rc = bidsim_market_add_plan(m, &spec, &p, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(bidsim_plan_add_product(m, p, product, &err), BIDSIM_OK);
  return p;
}

/* The same slots (units) at the same prices. */
static inline void check_same(const bidsim_auction_result_t *a, const bidsim_auction_result_t *b) {
  assert_int_equal(a->n, b->n);
  for (uint32_t i = 0; i < a->n; i++) {
    assert_int_equal(a->unit[i], b->unit[i]);
    assert_int_equal(a->price_li[i], b->price_li[i]);
  }
}

#endif
