/* tests/engine/test_market_index.c - the ranking index (engine/market_index.c):
 * built explicitly and never rebuilt by an auction, entries moved as blocks
 * with their bits, and a randomized check that the index always agrees with
 * a full scan (ordering, prices, caps, throttling, pauses, bid changes,
 * clones). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "market_fixtures.h"

/* A bid change moves a unit in its index as a block, and the bits of the
 * units passed over shift a word at a time. Here the only eligible unit of
 * 200 sits at position 63, the last bit of the first word; moving another
 * unit from the bottom to the top pushes it into the second word (the first
 * word and its summary bit must empty, the second's fill), and back. */
static void test_index_move_across_words(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(4, 1, false, BIDSIM_MECH_GSP);
  uint32_t shop = add_shop(m, "acme");
  enum { N = 200 };
  uint32_t plan[N];
  for (uint32_t i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof name, "p%u", i);
    /* plan i bids 0.10 + 0.01 i yuan: position N - 1 - i, highest last */
    plan[i] = add_plan(m, shop, name, Y(0.10) + 10 * (int64_t)i, 100, BIDSIM_CAP_UNLIMITED, 0,
                       add_product(m, shop, i + 1, 0, 600, BIDSIM_PRODUCT_ON_SALE));
  }
  const uint32_t lone = N - 1 - 63;   /* at position 63 */
  for (uint32_t i = 0; i < N; i++)
    if (i != lone) assert_int_equal(bidsim_market_set_paused(m, plan[i], true, NULL), BIDSIM_OK);
  bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 0, 7, 0 };
  bidsim_auction_result_t r;
  bidsim_error_t err;
  build(m);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(r.plan[0], plan[lone]);
  /* the bottom unit (plan 0) to the top: everything above it moves down one */
  int64_t top[BIDSIM_SEG_COUNT] = { Y(50), Y(60), Y(70) };
  assert_int_equal(bidsim_market_set_bids(m, plan[0], top, NULL), BIDSIM_OK);
  if (bidsim_market_check(m, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(r.plan[0], plan[lone]);
  /* and back to the bottom: the lone unit returns to position 63 */
  int64_t bottom[BIDSIM_SEG_COUNT] = { Y(0.10), Y(0.11), Y(0.20) };
  assert_int_equal(bidsim_market_set_bids(m, plan[0], bottom, NULL), BIDSIM_OK);
  if (bidsim_market_check(m, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(r.plan[0], plan[lone]);
  /* the lone unit itself across the boundary, up and down */
  assert_int_equal(bidsim_market_set_bids(m, plan[lone], top, NULL), BIDSIM_OK);
  if (bidsim_market_check(m, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(bidsim_market_set_bids(m, plan[lone], bottom, NULL), BIDSIM_OK);
  if (bidsim_market_check(m, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(r.plan[0], plan[lone]);
  bidsim_market_free(m);
}

#ifdef NDEBUG
/* Allocations while a counting allocator is installed. */
static long allocations;
static void *count_malloc(size_t n) { allocations++; return malloc(n); }
static void *count_calloc(size_t c, size_t n) { allocations++; return calloc(c, n); }
static void *count_realloc(void *p, size_t n) { allocations++; return realloc(p, n); }
#endif

/* The index is built explicitly; an auction on a stale one (a plan's first
 * product in a new category since the build) never rebuilds it, since that
 * would allocate per impression: it fills nothing and returns 0 in Release,
 * and stops on an assertion in a Debug build. */
static void test_stale_index_is_never_rebuilt_by_an_auction(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(2, 2, false, BIDSIM_MECH_GSP);
  uint32_t s = add_shop(m, "acme");
  uint32_t p = add_plan(m, s, "p", 1000, 10, BIDSIM_CAP_UNLIMITED, 0, add_product(m, s, 1, 0, 900, 0));
  bidsim_impression_t cat0 = { 0, 0, 0, 0 }, cat1 = { 0, 1, 0, 0 };
  bidsim_auction_result_t r;
  bidsim_error_t err;
  build(m);
  assert_int_equal(bidsim_market_auction(m, &cat0, &r), 1);
  assert_int_equal(bidsim_market_build(m, &err), BIDSIM_OK);   /* current: nothing to do */
  assert_int_equal(bidsim_plan_add_product(m, p, add_product(m, s, 2, 1, 900, 0), &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_check(m, &err), BIDSIM_ESTATE);
  assert_non_null(strstr(err.msg, "bidsim_market_build"));
  assert_int_equal(bidsim_market_auction_scan(m, &cat1, &r), 1);   /* the reference needs no index */
#ifdef NDEBUG
  assert_int_equal(bidsim_replace_allocator(count_malloc, count_calloc, count_realloc, free), BIDSIM_OK);
  allocations = 0;
  r.n = 7;
  assert_int_equal(bidsim_market_auction(m, &cat0, &r), 0);
  assert_int_equal(r.n, 0);
  assert_int_equal(bidsim_market_auction_deferred(m, &cat1, &r), 0);
  assert_int_equal(allocations, 0);
  bidsim_replace_allocator(malloc, calloc, realloc, free);
#else
  fflush(NULL);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    bidsim_market_auction(m, &cat0, &r);
    _exit(0);   /* the assertion did not fire */
  }
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGABRT);
#endif
  /* building again (or advancing the clock, which builds) shows the new unit */
  assert_int_equal(bidsim_market_advance_to(m, 10), BIDSIM_OK);
  assert_int_equal(bidsim_market_check(m, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &cat1, &r), 1);
  assert_int_equal(r.plan[0], p);
  bidsim_market_free(m);
}

/* ---- randomized: index == full scan, ordering, price bounds ------------ */

static uint32_t draw(bidsim_pcg64_t *g, uint32_t n) { return (uint32_t)(bidsim_pcg64_next(g) % n); }

static void check_result(const bidsim_market_t *m, const bidsim_auction_result_t *r) {
  const bidsim_market_config_t *cfg = bidsim_market_config(m);
  assert_true(r->n <= cfg->auction.slots);
  for (uint32_t i = 0; i < r->n; i++) {
    assert_true(r->price_li[i] <= r->bid_li[i]);
    assert_true(r->price_li[i] >= cfg->auction.reserve_li);
    if (i > 0) {
      /* ranked by bid x the quality of the ad shown */
      uint64_t s0 = (uint64_t)r->bid_li[i - 1] * bidsim_market_unit_quality(m, r->unit[i - 1]),
               s1 = (uint64_t)r->bid_li[i] * bidsim_market_unit_quality(m, r->unit[i]);
      assert_true(s0 > s1 || (s0 == s1 && r->unit[i - 1] < r->unit[i]));
    }
  }
}

static void run_random_market(uint64_t seed, bool strict, int mech) {
  bidsim_pcg64_t g = { (bidsim_u128_t)seed * 0x9E3779B97F4A7C15ULL + 1, 2 * (bidsim_u128_t)seed + 1 };
  uint32_t cats = 1 + draw(&g, 4);
  bidsim_market_t *m = new_market(1 + draw(&g, 6), cats, strict, mech);
  uint32_t nplans = 5 + draw(&g, 300);
  for (uint32_t i = 0; i < nplans; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", i);
    uint32_t s = add_shop(m, name);
    uint32_t nprod = 1 + draw(&g, 3);
    uint32_t prods[3];
    for (uint32_t k = 0; k < nprod; k++) {
      /* a product's own quality, or (a third of them) the plan's */
      bidsim_product_spec_t ps = { k + 1, 600, BIDSIM_PRODUCT_ON_SALE, Y(99), draw(&g, cats),
                                   draw(&g, 3) == 0 ? 0 : 1 + draw(&g, 5) };
      assert_int_equal(bidsim_market_add_product(m, s, &ps, &prods[k], NULL), BIDSIM_OK);
    }
    int64_t base = 100 + 10 * (int64_t)draw(&g, 60);   /* coarse bids make ties frequent */
    int64_t cap = draw(&g, 3) == 0 ? BIDSIM_CAP_UNLIMITED : Y(100) + 1000 * (int64_t)draw(&g, 50);
    bidsim_plan_spec_t spec = { "p", s, cap, { base, (base * 11 + 99) / 100 * 10, base * 2 }, 1 + draw(&g, 5),
                                (int64_t)draw(&g, 4) * 20000 };
    uint32_t p;
    bidsim_error_t err;
    if (bidsim_market_add_plan(m, &spec, &p, &err)) fail_msg("%s: %s", err.where, err.msg);
    for (uint32_t k = 0; k < nprod; k++) bidsim_plan_add_product(m, p, prods[k], NULL);   /* duplicates in category fine */
  }
  build(m);
  bidsim_market_t *twin = NULL;
  int64_t t = 0;
  for (int step = 0; step < 4000; step++) {
    if (step == 2000) {
      assert_int_equal(bidsim_market_clone(m, &twin, NULL), BIDSIM_OK);
      bidsim_market_free(m);
      m = twin;   /* continue on the clone: it must behave the same */
    }
    /* auctions read only the top of an index: check all of it */
    if (step % 8 == 0) {
      bidsim_error_t err;
      if (bidsim_market_check(m, &err)) fail_msg("step %d: %s: %s", step, err.where, err.msg);
    }
    uint32_t op = draw(&g, 100);
    uint32_t p = draw(&g, nplans);
    if (op < 3) {
      int64_t base = 100 + 10 * (int64_t)draw(&g, 60);
      int64_t b[3] = { base, (base * 11 + 99) / 100 * 10, base * 3 };
      assert_int_equal(bidsim_market_set_bids(m, p, b, NULL), BIDSIM_OK);
    } else if (op < 5) {
      bidsim_market_set_paused(m, p, draw(&g, 2), NULL);
    } else if (op < 6) {
      bidsim_market_publish(m, p, t + (int64_t)draw(&g, 3) * 3000, NULL);
    } else if (op < 7) {
      /* throttling: the index walk and the scan must skip the same plans */
      assert_int_equal(bidsim_market_set_participation(m, p, draw(&g, 5) / 4.0, NULL), BIDSIM_OK);
    } else if (op < 12) {
      t += draw(&g, 9000);
      assert_int_equal(bidsim_market_advance_to(m, t), BIDSIM_OK);
    } else {
      bidsim_impression_t imp = { draw(&g, 3), draw(&g, cats), draw(&g, UINT32_MAX), 0 };
      bidsim_auction_result_t a, b;
      bidsim_market_auction(m, &imp, &a);
      bidsim_market_auction_scan(m, &imp, &b);
      check_same(&a, &b);
      check_result(m, &a);
      /* deferred pricing: the same ranking, and each slot's price on demand
       * equals the eager one */
      bidsim_auction_result_t d;
      assert_int_equal(bidsim_market_auction_deferred(m, &imp, &d), a.n);
      for (uint32_t i = 0; i < a.n; i++) {
        assert_int_equal(d.plan[i], a.plan[i]);
        assert_int_equal(d.unit[i], a.unit[i]);
        assert_int_equal(bidsim_auction_slot_price(m, &d, i), a.price_li[i]);
        assert_int_equal(bidsim_auction_slot_price(m, &a, i), a.price_li[i]);
      }
      for (uint32_t i = 0; i < a.n; i++)
        if (draw(&g, 4) == 0) {
          bidsim_plan_info_t before, after;
          bidsim_market_plan_info(m, a.plan[i], &before);
          int64_t charged = bidsim_market_charge(m, a.plan[i], a.price_li[i], NULL);
          bidsim_market_plan_info(m, a.plan[i], &after);
          if (before.cap_li != BIDSIM_CAP_UNLIMITED) {
            /* overshoot bound: at most one click price, none in strict mode */
            assert_true(after.spend_today_li - before.cap_li < a.price_li[i]);
            if (strict) assert_true(after.spend_today_li <= before.cap_li);
          }
          assert_int_equal(charged, after.spend_today_li - before.spend_today_li);
        }
    }
  }
  bidsim_market_free(m);
}

static void test_index_equals_scan(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 60; seed++)
    run_random_market(seed, seed % 3 == 0, (int)(seed % 3 == 1 ? BIDSIM_MECH_VCG : BIDSIM_MECH_GSP));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_index_move_across_words),
    cmocka_unit_test(test_stale_index_is_never_rebuilt_by_an_auction),
    cmocka_unit_test(test_index_equals_scan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
