/* tests/engine/test_alloc.c - out-of-memory injection: with the allocator
 * failing at the n-th call, for every n until a full scenario of engine
 * calls succeeds, each call either works or returns BIDSIM_ENOMEM, nothing
 * crashes, and (under the sanitizer build) nothing leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/bidsim.h"

static long budget;          /* allocations left before failing; < 0 = unlimited */
static long calls;

static void *fail_malloc(size_t n) { calls++; return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t c, size_t n) { calls++; return budget-- == 0 ? NULL : calloc(c, n); }
static void *fail_realloc(void *p, size_t n) { calls++; return budget-- == 0 ? NULL : realloc(p, n); }

/* Every failing call fills the caller's error record: its code, and a
 * message. Passes the code on. */
static int filled(int rc, const bidsim_error_t *err) {
  if (rc != BIDSIM_OK && (err->code != rc || err->msg[0] == '\0'))
    fail_msg("code %d (%s) returned, but the error record holds code %d, '%s'", rc, bidsim_strerror(rc), err->code,
             err->msg);
  return rc;
}

/* A small market through most of the engine's API; returns the first
 * failing code (only ENOMEM is acceptable) or OK. */
static int exercise(void) {
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.slots = 3;
  cfg.categories = 2;
  bidsim_market_t *m = NULL, *twin = NULL;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  int rc = filled(bidsim_market_create(&cfg, &m, &err), &err);
  for (uint32_t i = 0; rc == BIDSIM_OK && i < 40; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", i);
    uint32_t shop, prod, plan;
    bidsim_product_spec_t ps = { i, 1000, BIDSIM_PRODUCT_ON_SALE, 10000, i % 2, i % 4 == 0 ? 0 : 50 + i };
    bidsim_plan_spec_t sp = { name, 0, i % 3 ? BIDSIM_CAP_UNLIMITED : 100000,
                              { 500 + 10 * i, 600 + 10 * i, 700 + 10 * i }, 100 + i, 0 };
    if ((rc = filled(bidsim_market_add_shop(m, name, &shop, &err), &err))) break;
    if ((rc = filled(bidsim_market_add_product(m, shop, &ps, &prod, &err), &err))) break;
    sp.shop = shop;
    if ((rc = filled(bidsim_market_add_plan(m, &sp, &plan, &err), &err))) break;
    rc = filled(bidsim_plan_add_product(m, plan, prod, &err), &err);
  }
  if (rc == BIDSIM_OK) rc = filled(bidsim_market_build(m, &err), &err);
  if (rc == BIDSIM_OK) rc = bidsim_market_advance_to(m, 10);
  if (rc == BIDSIM_OK) rc = filled(bidsim_market_clone(m, &twin, &err), &err);
  bidsim_auction_result_t res;
  for (uint32_t i = 0; rc == BIDSIM_OK && i < 50; i++) {
    bidsim_impression_t imp = { i % 3, i % 2, i * 2654435761u, 0 };
    if (bidsim_market_auction(twin, &imp, &res) > 0) bidsim_market_charge(twin, res.plan[0], res.price_li[0], NULL);
  }
  int64_t bids[3] = { 900, 1000, 1100 };
  if (rc == BIDSIM_OK) rc = filled(bidsim_market_set_bids(twin, 3, bids, &err), &err);
  /* strategies allocate their state */
  for (const char *const *n = bidsim_strategy_builtin_names(); rc == BIDSIM_OK && *n; n++) {
    const bidsim_strategy_t *s = bidsim_strategy_builtin(*n);
    bidsim_param_t target = { "target", 2 };
    bidsim_params_t ps = { 1, &target }, none = { 0, NULL };
    bool needs = !strcmp(*n, "target_roi") || !strcmp(*n, "target_cpa");
    void *self = NULL;
    bidsim_error_t serr;
    bidsim_error_clear(&serr);
    rc = s->create(needs ? &ps : &none, &self, &serr);
    if (rc == BIDSIM_OK) s->destroy(self);
    else rc = filled(rc, &serr);
  }
  bidsim_market_free(twin);
  bidsim_market_free(m);
  return rc;
}

static void test_every_allocation_fails_cleanly(void **state) {
  (void)state;
  assert_int_equal(bidsim_replace_allocator(fail_malloc, fail_calloc, fail_realloc, free), BIDSIM_OK);
  budget = -1;
  calls = 0;
  assert_int_equal(exercise(), BIDSIM_OK);
  long total = calls;
  assert_true(total > 50);
  for (long n = 0; n < total; n++) {
    budget = n;
    int rc = exercise();
    if (rc != BIDSIM_ENOMEM) fail_msg("allocation %ld of %ld failing: code %d (%s), want ENOMEM", n, total, rc, bidsim_strerror(rc));
  }
  budget = -1;
  assert_int_equal(exercise(), BIDSIM_OK);
  assert_int_equal(bidsim_replace_allocator(NULL, calloc, realloc, free), BIDSIM_EINVAL);
  bidsim_replace_allocator(malloc, calloc, realloc, free);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(test_every_allocation_fails_cleanly) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
