/* tests/engine/test_personal.c - the personalised ranking (docs/model.md §2):
 * relations per shop, prices worked by hand from bid x pCTR, the affinity's
 * law, visits at their reach, audiences, and a randomized check that the
 * threshold walk gives exactly what a full scan of the same per-impression
 * scores gives (winners, order, relations, prices) whatever the market. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/bidsim.h"
#include "market_personal.h"   /* the walk's vector switch, to test both walks */

#define Y(yuan) ((int64_t)((yuan) * 1000 + 0.5))   /* yuan literal to li */

static bidsim_market_t *new_market_strict(uint32_t slots, uint32_t categories, int mech, double sigma,
                                          double truncate, bool strict) {
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.slots = slots;
  cfg.auction.mechanism = mech;
  cfg.categories = categories;
  cfg.strict_caps = strict;
  cfg.rank = BIDSIM_RANK_PERSONAL;
  cfg.affinity_sigma = sigma;
  cfg.affinity_truncate = truncate;
  cfg.ctr_mult[BIDSIM_SEG_ORDINARY] = 1.0;
  cfg.ctr_mult[BIDSIM_SEG_SHOP] = 2.0;
  cfg.ctr_mult[BIDSIM_SEG_SIMILAR] = 1.4;
  bidsim_market_t *m = NULL;
  bidsim_error_t err;
  if (bidsim_market_create(&cfg, &m, &err)) fail_msg("%s: %s", err.where, err.msg);
  return m;
}

static bidsim_market_t *new_market(uint32_t slots, uint32_t categories, int mech, double sigma, double truncate) {
  return new_market_strict(slots, categories, mech, sigma, truncate, false);
}

static void build(bidsim_market_t *m) {
  bidsim_error_t err;
  if (bidsim_market_build(m, &err)) fail_msg("build: %s: %s", err.where, err.msg);
}

/* A shop with one product in @p cat and one plan showing it. */
static uint32_t add_plan(bidsim_market_t *m, const char *name, uint32_t cat, uint32_t quality, int64_t base,
                         int64_t shop_bid, int64_t similar, uint32_t *shop_out) {
  uint32_t shop, product, plan;
  bidsim_error_t err;
  assert_int_equal(bidsim_market_add_shop(m, name, &shop, NULL), BIDSIM_OK);
  bidsim_product_spec_t ps = { 1, 1000, BIDSIM_PRODUCT_ON_SALE, Y(99), cat, quality };
  assert_int_equal(bidsim_market_add_product(m, shop, &ps, &product, NULL), BIDSIM_OK);
  bidsim_plan_spec_t spec = { name, shop, BIDSIM_CAP_UNLIMITED, { base, shop_bid, similar }, quality, 0 };
  if (bidsim_market_add_plan(m, &spec, &plan, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(bidsim_plan_add_product(m, plan, product, NULL), BIDSIM_OK);
  if (shop_out) *shop_out = shop;
  return plan;
}

/* Sigma 0: every affinity is exactly 1, so scores are bid x quality x
 * ctr_mult[relation] and prices can be worked by hand.
 *   A visited (reach 1): 2.00 x 100 x 2.0 = 400     B: 1.50 x 100 x 1.0 = 150
 *   C: 1.00 x 120 x 1.0 = 120                        reserve 0.10
 * slot 1 A pays 1.50 x 100 / (100 x 2.0) + 0.01 = 0.76,
 * slot 2 B pays 1.00 x 120 / 100 + 0.01 = 1.21,
 * slot 3 C pays the reserve 0.10 (nothing below). */
static void test_visitor_bids_its_shop_bid_priced_by_hand(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(3, 1, BIDSIM_MECH_GSP, 0.0, 0.0);
  uint32_t sa, sb;
  uint32_t a = add_plan(m, "A", 0, 100, Y(1.00), Y(2.00), Y(1.20), &sa);
  uint32_t b = add_plan(m, "B", 0, 100, Y(1.50), Y(2.00), Y(1.70), &sb);
  uint32_t c = add_plan(m, "C", 0, 120, Y(1.00), Y(1.10), Y(1.10), NULL);
  assert_int_equal(bidsim_market_set_shop_reach(m, sa, 1.0, BIDSIM_VISIT_EACH, NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_set_shop_reach(m, sb, 0.0, BIDSIM_VISIT_EACH, NULL), BIDSIM_OK);
  build(m);
  bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 0, 0, 12345 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  assert_int_equal(r.plan[0], a);
  assert_int_equal(r.relation[0], BIDSIM_SEG_SHOP);
  assert_int_equal(r.bid_li[0], Y(2.00));
  assert_int_equal(r.price_li[0], Y(0.76));
  assert_int_equal(r.plan[1], b);
  assert_int_equal(r.relation[1], BIDSIM_SEG_ORDINARY);
  assert_int_equal(r.price_li[1], Y(1.21));
  assert_int_equal(r.plan[2], c);
  assert_int_equal(r.price_li[2], Y(0.10));
  /* the same user interested in the category's products: B and C bid their
   * similar bids, 1.70 x 100 x 1.4 = 238 and 1.10 x 120 x 1.4 = 184.8;
   * B pays 1.10 x 120 x 1.4 / (100 x 1.4) + 0.01 = 1.33 */
  imp.segment = BIDSIM_SEG_SIMILAR;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  assert_int_equal(r.plan[1], b);
  assert_int_equal(r.relation[1], BIDSIM_SEG_SIMILAR);
  assert_int_equal(r.price_li[1], Y(1.33));
  /* VCG on the same scores never charges more than GSP, slot by slot */
  bidsim_market_free(m);
}

/* Retargeting is per shop: a user who visited shop A is A's plans' SHOP
 * relation and everyone else's base relation; a user who visited neither
 * is ordinary to both. */
static void test_relations_are_per_shop(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(2, 1, BIDSIM_MECH_GSP, 0.0, 0.0);
  uint32_t sa, sb;
  uint32_t a = add_plan(m, "A", 0, 100, Y(1.00), Y(3.00), Y(1.20), &sa);
  uint32_t b = add_plan(m, "B", 0, 100, Y(1.20), Y(4.00), Y(1.40), &sb);
  assert_int_equal(bidsim_market_set_shop_reach(m, sa, 0.3, BIDSIM_VISIT_EACH, NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_set_shop_reach(m, sb, 0.3, BIDSIM_VISIT_EACH, NULL), BIDSIM_OK);
  build(m);
  uint32_t seen[4] = { 0 };
  for (uint64_t user = 1; user <= 4000; user++) {
    const bool va = bidsim_market_visited(m, user, 0, sa), vb = bidsim_market_visited(m, user, 0, sb);
    bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 0, 0, user };
    bidsim_auction_result_t r;
    assert_int_equal(bidsim_market_auction(m, &imp, &r), 2);
    for (uint32_t k = 0; k < 2; k++) {
      const bool visited = r.plan[k] == a ? va : vb;
      assert_int_equal(r.relation[k], visited ? BIDSIM_SEG_SHOP : BIDSIM_SEG_ORDINARY);
    }
    /* B outbids A unless only A's visitor bids A's shop premium */
    assert_int_equal(r.plan[0], va && !vb ? a : b);
    seen[va * 2 + vb]++;
  }
  for (int i = 0; i < 4; i++) assert_true(seen[i] > 100);   /* every combination occurred */
  bidsim_market_free(m);
}

/* The affinity has mean 1 and the truncated normal's spread: over 200,000
 * users of one ad, the mean is within 4 standard errors of 1 and the sd of
 * log(affinity) within 2% of sigma x the truncated normal's sd. */
static void test_affinity_law(void **state) {
  (void)state;
  const double sigma = 0.5, T = 2.0;
  bidsim_market_t *m = new_market(1, 1, BIDSIM_MECH_GSP, sigma, T);
  add_plan(m, "A", 0, 100, Y(1.00), Y(2.00), Y(1.20), NULL);
  build(m);
  enum { N = 200000 };
  double s = 0, s2 = 0, l = 0, l2 = 0, lo = 1e9, hi = 0;
  for (uint64_t u = 0; u < N; u++) {
    double a = bidsim_market_affinity(m, u * 0x9E3779B97F4A7C15ull + 7, 0);
    s += a; s2 += a * a;
    l += log(a); l2 += log(a) * log(a);
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  const double mean = s / N, sd = sqrt(s2 / N - mean * mean), lsd = sqrt(l2 / N - (l / N) * (l / N));
  assert_true(fabs(mean - 1.0) < 4 * sd / sqrt(N));
  /* sd of a standard normal truncated to [-T, T]: 1 - 2 T phi(T) / (2 Phi(T) - 1) */
  const double phi = exp(-T * T / 2) / sqrt(2 * 3.14159265358979323846), mass = erf(T / sqrt(2.0));
  const double want = sigma * sqrt(1.0 - 2.0 * T * phi / mass);
  assert_true(fabs(lsd / want - 1.0) < 0.02);
  /* bounded as the walk assumes: within exp(+-sigma T) of the mean's scale */
  assert_true(hi / lo <= exp(2 * sigma * T) * 1.0001);
  bidsim_market_free(m);
}

/* An EACH shop of reach r is visited by a share r of users: 100,000 users,
 * within 4 binomial standard deviations. A DRAWN shop of reach r by
 * 1 - exp(-r): the visits are Poisson picks. */
static void test_visits_at_their_reach(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(1, 2, BIDSIM_MECH_GSP, 0.0, 0.0);
  uint32_t se, sd[40];
  add_plan(m, "each", 0, 100, Y(1.00), Y(2.00), Y(1.20), &se);
  assert_int_equal(bidsim_market_set_shop_reach(m, se, 0.15, BIDSIM_VISIT_EACH, NULL), BIDSIM_OK);
  for (int i = 0; i < 40; i++) {
    char name[16];
    snprintf(name, sizeof name, "d%d", i);
    add_plan(m, name, 1, 100, Y(1.00), Y(2.00), Y(1.20), &sd[i]);
    assert_int_equal(bidsim_market_set_shop_reach(m, sd[i], i == 0 ? 0.4 : 0.02, BIDSIM_VISIT_DRAWN, NULL), BIDSIM_OK);
  }
  build(m);
  enum { N = 100000 };
  uint32_t each = 0, big = 0, small = 0;
  for (uint64_t u = 1; u <= N; u++) {
    each += bidsim_market_visited(m, u, 0, se);
    big += bidsim_market_visited(m, u, 1, sd[0]);
    small += bidsim_market_visited(m, u, 1, sd[7]);
  }
  const double pe = 0.15, pb = 1 - exp(-0.4), ps = 1 - exp(-0.02);
  assert_true(fabs(each - N * pe) < 4 * sqrt(N * pe * (1 - pe)));
  assert_true(fabs(big - N * pb) < 4 * sqrt(N * pb * (1 - pb)));
  assert_true(fabs(small - N * ps) < 4 * sqrt(N * ps * (1 - ps)));
  /* an EACH visit is the user's, the same in every category */
  for (uint64_t u = 1; u <= 1000; u++)
    assert_int_equal(bidsim_market_visited(m, u, 0, se), bidsim_market_visited(m, u, 1, se));
  bidsim_market_free(m);
}

/* Audiences: a plan targeting 0 users never shows, one targeting half the
 * users shows to about half of them (10,000 users, 4 binomial sd). */
static void test_targeting_share(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(1, 1, BIDSIM_MECH_GSP, 0.5, 0.0);
  uint32_t a = add_plan(m, "A", 0, 100, Y(5.00), Y(6.00), Y(6.00), NULL);
  uint32_t b = add_plan(m, "B", 0, 100, Y(0.50), Y(0.60), Y(0.60), NULL);
  build(m);
  assert_int_equal(bidsim_market_set_targeting(m, a, 0.0, NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_set_targeting(m, a, 1.5, NULL), BIDSIM_EINVAL);
  bidsim_auction_result_t r;
  uint32_t wins = 0;
  for (uint64_t u = 1; u <= 10000; u++) {
    bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 0, 0, u };
    assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
    assert_int_equal(r.plan[0], b);
  }
  assert_int_equal(bidsim_market_set_targeting(m, a, 0.5, NULL), BIDSIM_OK);
  for (uint64_t u = 1; u <= 10000; u++) {
    bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 0, 0, u };
    bidsim_market_auction(m, &imp, &r);
    wins += r.plan[0] == a;
  }
  assert_true(fabs(wins - 5000.0) < 4 * sqrt(10000 * 0.25));
  bidsim_market_free(m);
}

/* ---- the walk against a full scan --------------------------------------------- */

static uint32_t draw(bidsim_pcg64_t *g, uint32_t n) { return (uint32_t)(bidsim_pcg64_next(g) % n); }

static void check_same(const bidsim_auction_result_t *a, const bidsim_auction_result_t *b, int step) {
  if (a->n != b->n) fail_msg("step %d: %u slots filled by the walk, %u by the scan", step, a->n, b->n);
  for (uint32_t i = 0; i < a->n; i++) {
    if (a->unit[i] != b->unit[i] || a->relation[i] != b->relation[i] || a->price_li[i] != b->price_li[i])
      fail_msg("step %d slot %u: walk unit %u rel %u price %lld, scan unit %u rel %u price %lld", step, i, a->unit[i],
               a->relation[i], (long long)a->price_li[i], b->unit[i], b->relation[i], (long long)b->price_li[i]);
  }
}

/* Ranked by bid x pCTR; every price within [reserve, bid]. */
static void check_result(const bidsim_market_t *m, const bidsim_auction_result_t *r) {
  const bidsim_market_config_t *cfg = bidsim_market_config(m);
  assert_true(r->n <= cfg->auction.slots);
  for (uint32_t i = 0; i < r->n; i++) {
    assert_true(r->price_li[i] <= r->bid_li[i]);
    assert_true(r->price_li[i] >= cfg->auction.reserve_li);
    if (i > 0)   /* the fixed-point score ranks; the double product agrees to within its rounding */
      assert_true(r->bid_li[i - 1] * r->pctr[i - 1] >= r->bid_li[i] * r->pctr[i] * (1 - 1e-4));
  }
}

/* @p slots: the auction's slots, or 0 for a random 1..6. */
static void run_random_market(uint64_t seed, uint32_t slots) {
  bidsim_pcg64_t g = { (bidsim_u128_t)seed * 0x9E3779B97F4A7C15ULL + 1, 2 * (bidsim_u128_t)seed + 1 };
  static const double sigmas[] = { 0.0, 0.25, 0.5, 1.0, 3.0 };
  const int mech = (int)(seed % 3);
  const double sigma = sigmas[seed % 5], truncate = draw(&g, 2) ? 0.0 : 0.5 + draw(&g, 10) * 0.5;
  const uint32_t cats = 1 + draw(&g, 4);
  const uint32_t random_slots = 1 + draw(&g, 6);
  bidsim_market_t *m = new_market_strict(slots ? slots : random_slots, cats, mech, sigma, truncate, seed % 4 == 0);
  const uint32_t nshops = 3 + draw(&g, 120);
  uint32_t nplans = 0;
  for (uint32_t s = 0; s < nshops; s++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", s);
    uint32_t shop;
    assert_int_equal(bidsim_market_add_shop(m, name, &shop, NULL), BIDSIM_OK);
    /* a few EACH shops of large reach, many DRAWN of small reach, some never visited */
    const uint32_t kind = draw(&g, 10);
    if (kind < 2) bidsim_market_set_shop_reach(m, shop, draw(&g, 5) / 5.0, BIDSIM_VISIT_EACH, NULL);
    else if (kind < 8) bidsim_market_set_shop_reach(m, shop, draw(&g, 10) / 100.0, BIDSIM_VISIT_DRAWN, NULL);
    const uint32_t nprod = 1 + draw(&g, 3);
    uint32_t prods[3];
    for (uint32_t k = 0; k < nprod; k++) {
      bidsim_product_spec_t ps = { k + 1, 600, BIDSIM_PRODUCT_ON_SALE, Y(99), draw(&g, cats), 1 + draw(&g, 5) };
      assert_int_equal(bidsim_market_add_product(m, shop, &ps, &prods[k], NULL), BIDSIM_OK);
    }
    for (uint32_t q = 0, np = 1 + draw(&g, 2); q < np; q++) {
      int64_t base = 100 + 10 * (int64_t)draw(&g, 60);   /* coarse bids make ties frequent */
      int64_t lo, hi;
      bidsim_rule_premium_bounds(base, &lo, &hi);
      int64_t cap = draw(&g, 3) == 0 ? BIDSIM_CAP_UNLIMITED : Y(100) + 1000 * (int64_t)draw(&g, 50);
      snprintf(name, sizeof name, "p%u", q);
      bidsim_plan_spec_t spec = { name, shop, cap, { base, lo + 10 * (int64_t)draw(&g, (uint32_t)((hi - lo) / 10 + 1)), lo },
                                  1 + draw(&g, 5), (int64_t)draw(&g, 4) * 20000 };
      uint32_t p;
      bidsim_error_t err;
      if (bidsim_market_add_plan(m, &spec, &p, &err)) fail_msg("%s: %s", err.where, err.msg);
      for (uint32_t k = 0; k < nprod; k++) bidsim_plan_add_product(m, p, prods[k], NULL);
      if (draw(&g, 5) == 0) bidsim_market_set_targeting(m, p, draw(&g, 4) / 4.0, NULL);
      nplans++;
    }
  }
  build(m);
  bidsim__personal_set_simd(m, (int)(seed % 3));   /* seeds walk 1, 8 and 16 units at a time in turn */
  bidsim_market_t *twin = NULL;
  int64_t t = 0;
  for (int step = 0; step < 3000; step++) {
    if (step == 1500) {
      assert_int_equal(bidsim_market_clone(m, &twin, NULL), BIDSIM_OK);
      bidsim_market_free(m);
      m = twin;   /* continue on the clone: it must behave the same */
    }
    if (step % 16 == 0) {
      bidsim_error_t err;
      if (bidsim_market_check(m, &err)) fail_msg("seed %llu step %d: %s: %s", (unsigned long long)seed, step,
                                                 err.where, err.msg);
    }
    const uint32_t op = draw(&g, 100), p = draw(&g, nplans);
    if (op < 4) {
      int64_t base = 100 + 10 * (int64_t)draw(&g, 60), lo, hi;
      bidsim_rule_premium_bounds(base, &lo, &hi);
      int64_t b[3] = { base, hi, lo };
      assert_int_equal(bidsim_market_set_bids(m, p, b, NULL), BIDSIM_OK);
    } else if (op < 6) {
      bidsim_market_set_paused(m, p, draw(&g, 2), NULL);
    } else if (op < 7) {
      bidsim_market_publish(m, p, t + (int64_t)draw(&g, 3) * 3000, NULL);
    } else if (op < 8) {
      assert_int_equal(bidsim_market_set_participation(m, p, draw(&g, 5) / 4.0, NULL), BIDSIM_OK);
    } else if (op < 12) {
      t += draw(&g, 9000);
      assert_int_equal(bidsim_market_advance_to(m, t), BIDSIM_OK);
    } else {
      const uint32_t base = draw(&g, 2) ? BIDSIM_SEG_SIMILAR : BIDSIM_SEG_ORDINARY;
      bidsim_impression_t imp = { base, draw(&g, cats), draw(&g, UINT32_MAX), bidsim_pcg64_next(&g) };
      bidsim_auction_result_t a, b, d;
      bidsim_market_auction(m, &imp, &a);
      bidsim_market_auction_scan(m, &imp, &b);
      check_same(&a, &b, step);
      check_result(m, &a);
      assert_int_equal(bidsim_market_auction_deferred(m, &imp, &d), a.n);
      for (uint32_t i = 0; i < a.n; i++) {
        assert_int_equal(d.unit[i], a.unit[i]);
        assert_int_equal(bidsim_auction_slot_price(m, &d, i), a.price_li[i]);
      }
      for (uint32_t i = 0; i < a.n; i++)
        if (draw(&g, 3) == 0) bidsim_market_charge(m, a.plan[i], a.price_li[i], NULL);
    }
  }
  bidsim_market_free(m);
}

static void test_walk_equals_scan(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 40; seed++) run_random_market(seed, 0);
}

/* More than seven slots: the 16-lane walk keeps eight keys in a register,
 * so slots + 1 > 8 takes the 8-lane walk at every level; each still equals
 * the scan (seeds 41..48 cycle through the three walks and the sigmas). */
static void test_walk_equals_scan_many_slots(void **state) {
  (void)state;
  for (uint64_t seed = 41; seed <= 48; seed++) run_random_market(seed, seed % 2 ? 8 : 12);
}

/* VCG never charges more than GSP for the same slot of the same auction:
 * two markets built alike, one per mechanism, over 2,000 impressions. */
static void test_vcg_at_most_gsp(void **state) {
  (void)state;
  bidsim_market_t *mk[2];
  for (int k = 0; k < 2; k++) {
    bidsim_pcg64_t g = { 12345, 67 };
    mk[k] = new_market(4, 1, k ? BIDSIM_MECH_VCG : BIDSIM_MECH_GSP, 0.5, 0.0);
    for (int i = 0; i < 60; i++) {
      char name[16];
      snprintf(name, sizeof name, "s%d", i);
      int64_t base = 100 + 10 * (int64_t)draw(&g, 200), lo, hi;
      bidsim_rule_premium_bounds(base, &lo, &hi);
      uint32_t shop;
      add_plan(mk[k], name, 0, 1 + draw(&g, 9), base, hi, lo, &shop);
      bidsim_market_set_shop_reach(mk[k], shop, 0.05, BIDSIM_VISIT_DRAWN, NULL);
    }
    build(mk[k]);
  }
  for (uint64_t u = 1; u <= 2000; u++) {
    bidsim_impression_t imp = { u % 3 ? BIDSIM_SEG_ORDINARY : BIDSIM_SEG_SIMILAR, 0, 0, u * 7919 };
    bidsim_auction_result_t gsp, vcg;
    bidsim_market_auction(mk[0], &imp, &gsp);
    bidsim_market_auction(mk[1], &imp, &vcg);
    assert_int_equal(gsp.n, vcg.n);
    for (uint32_t i = 0; i < gsp.n; i++) {
      assert_int_equal(gsp.unit[i], vcg.unit[i]);
      assert_true(vcg.price_li[i] <= gsp.price_li[i]);
    }
  }
  bidsim_market_free(mk[0]);
  bidsim_market_free(mk[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_visitor_bids_its_shop_bid_priced_by_hand),
    cmocka_unit_test(test_relations_are_per_shop),
    cmocka_unit_test(test_affinity_law),
    cmocka_unit_test(test_visits_at_their_reach),
    cmocka_unit_test(test_targeting_share),
    cmocka_unit_test(test_walk_equals_scan),
    cmocka_unit_test(test_walk_equals_scan_many_slots),
    cmocka_unit_test(test_vcg_at_most_gsp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
