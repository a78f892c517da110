/* tests/engine/test_market.c - the market: catalogue rules (docs/model.md §1)
 * at small and large sizes, ranking and pricing by the quality of the ad
 * shown (docs/model.md §2), daily caps, publishing and pausing. The index's own
 * tests are in test_market_index.c. */
#include <stdio.h>
#include <stdlib.h>
#include "market_fixtures.h"

static void test_catalogue_rules(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(4, 2, false, BIDSIM_MECH_GSP);
  uint32_t s = add_shop(m, "acme"), other = add_shop(m, "other");
  uint32_t ok = add_product(m, s, 1, 0, 500, BIDSIM_PRODUCT_ON_SALE);
  uint32_t low = add_product(m, s, 2, 0, 499, BIDSIM_PRODUCT_ON_SALE);
  uint32_t delisted = add_product(m, s, 3, 0, 10000, BIDSIM_PRODUCT_DELISTED);
  uint32_t removed = add_product(m, s, 4, 0, 10000, BIDSIM_PRODUCT_REMOVED);
  uint32_t foreign = add_product(m, other, 5, 0, 10000, BIDSIM_PRODUCT_ON_SALE);
  uint32_t ok2 = add_product(m, s, 6, 1, 800, BIDSIM_PRODUCT_ON_SALE);
  bidsim_error_t err;
  bidsim_product_spec_t dup = { 1, 600, BIDSIM_PRODUCT_ON_SALE, 0, 0, 0 };
  assert_int_equal(bidsim_market_add_product(m, s, &dup, NULL, &err), BIDSIM_EINVAL);   /* id 1 again */
  bidsim_product_spec_t badcat = { 9, 600, BIDSIM_PRODUCT_ON_SALE, 0, 2, 0 };
  assert_int_equal(bidsim_market_add_product(m, s, &badcat, NULL, &err), BIDSIM_EINVAL);
  /* a product's own quality: 0 (the plan's) or within [1, 10000] */
  bidsim_product_spec_t q = { 10, 600, BIDSIM_PRODUCT_ON_SALE, 0, 0, BIDSIM_QUALITY_MAX + 1 };
  assert_int_equal(bidsim_market_add_product(m, s, &q, NULL, &err), BIDSIM_EQUALITY);
  assert_string_equal(err.where, "product.quality");
  q.quality = BIDSIM_QUALITY_MAX;
  assert_int_equal(bidsim_market_add_product(m, s, &q, NULL, &err), BIDSIM_OK);
  q.id = 11;
  q.quality = BIDSIM_QUALITY_MIN;
  assert_int_equal(bidsim_market_add_product(m, s, &q, NULL, &err), BIDSIM_OK);

  bidsim_plan_spec_t spec = { "p1", s, BIDSIM_CAP_UNLIMITED, { 1000, 1100, 4000 }, 100, 0 };
  uint32_t p;
  assert_int_equal(bidsim_market_add_plan(m, &spec, &p, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_EDUPNAME);
  assert_non_null(strstr(err.msg, "p1"));
  spec.shop = other;   /* the same name in another shop is fine */
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_OK);
  spec.shop = s;
  spec.name = "p2";
  spec.cap_li = Y(99.99);
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_ECAP);
  spec.cap_li = Y(100);
  spec.bid_li[0] = 90;
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_EBIDRANGE);
  spec.bid_li[0] = 1000;
  spec.bid_li[2] = 4010;   /* 301% above base */
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_EPREMIUM);
  spec.bid_li[2] = 4000;
  spec.quality = 0;
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_EQUALITY);

  assert_int_equal(bidsim_plan_add_product(m, p, low, &err), BIDSIM_ESALES);
  assert_int_equal(bidsim_plan_add_product(m, p, delisted, &err), BIDSIM_ENOTONSALE);
  assert_int_equal(bidsim_plan_add_product(m, p, removed, &err), BIDSIM_ENOTONSALE);
  assert_int_equal(bidsim_plan_add_product(m, p, foreign, &err), BIDSIM_EINVAL);
  assert_int_equal(bidsim_plan_add_product(m, p, ok, &err), BIDSIM_OK);
  assert_int_equal(bidsim_plan_add_product(m, p, ok, &err), BIDSIM_EDUPPRODUCT);
  assert_int_equal(bidsim_plan_add_product_id(m, p, 1, &err), BIDSIM_EDUPPRODUCT);
  assert_int_equal(bidsim_plan_add_product_id(m, p, 77, &err), BIDSIM_ENOTFOUND);

  /* all or none: a list with one bad product adds nothing */
  uint32_t list[2] = { ok2, low };
  assert_int_equal(bidsim_plan_add_products(m, p, list, 2, &err), BIDSIM_ESALES);
  bidsim_plan_info_t info;
  assert_int_equal(bidsim_market_plan_info(m, p, &info), BIDSIM_OK);
  assert_int_equal(info.product_count, 1);
  uint32_t twice[2] = { ok2, ok2 };
  assert_int_equal(bidsim_plan_add_products(m, p, twice, 2, &err), BIDSIM_EDUPPRODUCT);
  assert_int_equal(bidsim_plan_add_products(m, p, list, 1, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_plan_info(m, p, &info), BIDSIM_OK);
  assert_int_equal(info.product_count, 2);
  assert_int_equal(bidsim_market_unit_count(m), 2);   /* one unit per category */
  uint32_t found;
  assert_int_equal(bidsim_market_find_plan(m, s, "p1", &found), BIDSIM_OK);
  assert_int_equal(found, p);
  bidsim_market_free(m);
}

/* Three plans, unequal quality, GSP with +0.01 yuan, priced by hand:
 * A: bid 2.00 q 50 (score 100000), B: bid 1.50 q 60 (90000), C: bid 1.00 q 40 (40000).
 * A pays ceil(1500*60/50) + 10 = 1810 li; B pays ceil(1000*40/60) + 10 = 677;
 * C (nothing below) pays the reserve 100. */
static void test_gsp_through_market(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(4, 1, false, BIDSIM_MECH_GSP);
  uint32_t shops[3], prods[3];
  for (int i = 0; i < 3; i++) {
    char n[8] = { 's', (char)('a' + i), 0 };
    shops[i] = add_shop(m, n);
    prods[i] = add_product(m, shops[i], 1, 0, 1000, BIDSIM_PRODUCT_ON_SALE);
  }
  uint32_t c = add_plan(m, shops[2], "c", 1000, 40, BIDSIM_CAP_UNLIMITED, 0, prods[2]);
  uint32_t a = add_plan(m, shops[0], "a", 2000, 50, BIDSIM_CAP_UNLIMITED, 0, prods[0]);
  uint32_t b = add_plan(m, shops[1], "b", 1500, 60, BIDSIM_CAP_UNLIMITED, 0, prods[1]);
  build(m);
  bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 0, 0, 0 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  assert_int_equal(r.plan[0], a);
  assert_int_equal(r.plan[1], b);
  assert_int_equal(r.plan[2], c);
  assert_int_equal(r.price_li[0], 1810);
  assert_int_equal(r.price_li[1], 677);
  assert_int_equal(r.price_li[2], 100);
  assert_int_equal(r.product[0], prods[0]);
  /* segment bids rank too: similar bids are 2x base, same order, prices scale */
  imp.segment = BIDSIM_SEG_SIMILAR;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  assert_int_equal(r.bid_li[0], 4000);
  assert_int_equal(r.price_li[0], 3610);   /* ceil(3000*60/50) + 10 */
  /* a bid change re-ranks at once: B to 3.00 (score 180000) overtakes A */
  int64_t nb[3] = { 3000, 4500, 6000 };
  assert_int_equal(bidsim_market_set_bids(m, b, nb, NULL), BIDSIM_OK);
  imp.segment = BIDSIM_SEG_ORDINARY;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  assert_int_equal(r.plan[0], b);
  assert_int_equal(r.price_li[0], 1677);   /* ceil(2000*50/60) + 10 */
  /* with one slot only, the runner-up still prices it */
  bidsim_market_free(m);
  m = new_market(1, 1, false, BIDSIM_MECH_GSP);
  uint32_t s0 = add_shop(m, "x"), s1 = add_shop(m, "y");
  add_plan(m, s0, "hi", 5000, 10, BIDSIM_CAP_UNLIMITED, 0, add_product(m, s0, 1, 0, 600, 0));
  add_plan(m, s1, "lo", 4990, 10, BIDSIM_CAP_UNLIMITED, 0, add_product(m, s1, 1, 0, 600, 0));
  build(m);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(r.price_li[0], 5000);   /* 4990 + 10 capped at the own bid */
  bidsim_market_free(m);
}

/* Quality belongs to the ad shown (docs/model.md §2), issue 11 defect 5: acme's
 * plan shows a 6%-CTR home product and a 1%-CTR kitchen one (qualities 600
 * and 100, CTR in basis points); a rival shows a 3%-CTR kitchen product
 * (300). At the same bid (1.00 yuan) the rival ranks first in kitchen
 * (1000 x 300 > 1000 x 100) and pays ceil(1000 x 100 / 300) + 10 = 344 li;
 * acme, last, pays the reserve. Ranked with the plan's quality (600, its
 * first product's), acme took every kitchen exposure. */
static void test_quality_is_the_shown_products(void **state) {
  (void)state;
  enum { HOME = 0, KITCHEN = 1 };
  bidsim_market_t *m = new_market(2, 2, false, BIDSIM_MECH_GSP);
  bidsim_error_t err;
  uint32_t acme = add_shop(m, "acme"), rival = add_shop(m, "rival");
  uint32_t home = 0, kitchen = 0, rival_kitchen = 0;
  bidsim_product_spec_t ps = { 1, 1000, BIDSIM_PRODUCT_ON_SALE, Y(99), HOME, 600 };
  assert_int_equal(bidsim_market_add_product(m, acme, &ps, &home, &err), BIDSIM_OK);
  ps = (bidsim_product_spec_t){ 2, 1000, BIDSIM_PRODUCT_ON_SALE, Y(99), KITCHEN, 100 };
  assert_int_equal(bidsim_market_add_product(m, acme, &ps, &kitchen, &err), BIDSIM_OK);
  ps = (bidsim_product_spec_t){ 1, 1000, BIDSIM_PRODUCT_ON_SALE, Y(99), KITCHEN, 300 };
  assert_int_equal(bidsim_market_add_product(m, rival, &ps, &rival_kitchen, &err), BIDSIM_OK);
  bidsim_plan_spec_t spec = { "acme", acme, BIDSIM_CAP_UNLIMITED, { Y(1), Y(1.5), Y(2) }, 600, 0 };
  uint32_t a, r;
  assert_int_equal(bidsim_market_add_plan(m, &spec, &a, &err), BIDSIM_OK);
  uint32_t both[2] = { home, kitchen };
  assert_int_equal(bidsim_plan_add_products(m, a, both, 2, &err), BIDSIM_OK);
  spec = (bidsim_plan_spec_t){ "rival", rival, BIDSIM_CAP_UNLIMITED, { Y(1), Y(1.5), Y(2) }, 300, 0 };
  assert_int_equal(bidsim_market_add_plan(m, &spec, &r, &err), BIDSIM_OK);
  assert_int_equal(bidsim_plan_add_product(m, r, rival_kitchen, &err), BIDSIM_OK);
  build(m);
  assert_int_equal(bidsim_market_unit_quality(m, 0), 600);   /* acme's home unit */
  assert_int_equal(bidsim_market_unit_quality(m, 1), 100);   /* acme's kitchen unit */
  assert_int_equal(bidsim_market_unit_quality(m, 2), 300);
  bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, KITCHEN, 0, 0 };
  bidsim_auction_result_t res, ref;
  assert_int_equal(bidsim_market_auction(m, &imp, &res), 2);
  assert_int_equal(res.plan[0], r);
  assert_int_equal(res.product[0], rival_kitchen);
  assert_int_equal(res.price_li[0], 344);
  assert_int_equal(res.plan[1], a);
  assert_int_equal(res.product[1], kitchen);
  assert_int_equal(res.price_li[1], 100);
  assert_int_equal(bidsim_market_auction_scan(m, &imp, &ref), 2);
  check_same(&res, &ref);
  /* the shop segment bids 1.50 each: ceil(1500 x 100 / 300) + 10 = 510 */
  imp.segment = BIDSIM_SEG_SHOP;
  assert_int_equal(bidsim_market_auction_deferred(m, &imp, &res), 2);
  assert_int_equal(res.plan[0], r);
  assert_int_equal(bidsim_auction_slot_price(m, &res, 0), 510);
  /* at home, acme's 6% product ranks alone with its own quality */
  imp = (bidsim_impression_t){ BIDSIM_SEG_ORDINARY, HOME, 0, 0 };
  assert_int_equal(bidsim_market_auction(m, &imp, &res), 1);
  assert_int_equal(res.product[0], home);
  /* a bid change keeps each unit's quality: acme at 2.90 (290,000 <
   * rival's 300,000) still second in kitchen; at 3.10 (310,000) first,
   * paying ceil(1000 x 300 / 100) + 10 = 3010 */
  int64_t up[BIDSIM_SEG_COUNT] = { Y(2.9), Y(3.5), Y(3.5) };
  assert_int_equal(bidsim_market_set_bids(m, a, up, &err), BIDSIM_OK);
  imp.category = KITCHEN;
  assert_int_equal(bidsim_market_auction(m, &imp, &res), 2);
  assert_int_equal(res.plan[0], r);
  up[0] = Y(3.1);
  assert_int_equal(bidsim_market_set_bids(m, a, up, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &res), 2);
  assert_int_equal(res.plan[0], a);
  assert_int_equal(res.price_li[0], 3010);
  if (bidsim_market_check(m, &err)) fail_msg("%s: %s", err.where, err.msg);
  bidsim_market_free(m);
}

static void test_tie_break_lower_unit_first(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(3, 1, false, BIDSIM_MECH_GSP);
  uint32_t plans[3];
  for (int i = 0; i < 3; i++) {
    char n[8] = { 's', (char)('a' + i), 0 };
    uint32_t s = add_shop(m, n);
    /* equal scores: 1.00 x 60 = 1.50 x 40 = 2.00 x 30 */
    static const int64_t bid[3] = { 2000, 1000, 1500 };
    static const uint32_t q[3] = { 30, 60, 40 };
    plans[i] = add_plan(m, s, "p", bid[i], q[i], BIDSIM_CAP_UNLIMITED, 0, add_product(m, s, 7, 0, 900, 0));
  }
  build(m);
  bidsim_impression_t imp = { 0, 0, 0, 0 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  for (int i = 0; i < 3; i++) assert_int_equal(r.plan[i], plans[i]);
  /* equal scores: each pays next score / own quality + 0.01, within its bid */
  assert_int_equal(r.price_li[0], 2000);   /* min(2000, 2000 + 10) */
  assert_int_equal(r.price_li[1], 1000);
  bidsim_market_free(m);
}

static void test_caps_platform_mode(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(2, 1, false, BIDSIM_MECH_GSP);
  uint32_t s = add_shop(m, "acme");
  uint32_t p = add_plan(m, s, "capped", 3000, 100, Y(100), 0, add_product(m, s, 1, 0, 900, 0));
  bidsim_impression_t imp = { 0, 0, 0, 0 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_advance_to(m, 3600), BIDSIM_OK);
  bool capped = false;
  int64_t spent = 0;
  int clicks = 0;
  while (bidsim_market_auction(m, &imp, &r) > 0) {
    assert_int_equal(r.plan[0], p);
    assert_int_equal(r.price_li[0], 100);   /* alone: the reserve */
    spent += bidsim_market_charge(m, p, 3000, &capped);   /* charge the full bid to hit the cap fast */
    clicks++;
    assert_true(clicks < 100);
  }
  assert_true(capped);
  /* 34 clicks of 3.00 = 102.00: stops at the first charge reaching 100 yuan, overshoot < one price */
  assert_int_equal(clicks, 34);
  assert_int_equal(spent, Y(102));
  assert_true(spent - Y(100) < 3000);
  bidsim_plan_info_t info;
  bidsim_market_plan_info(m, p, &info);
  assert_true(info.capped);
  assert_int_equal(info.cap_hit_s, 3600);
  /* still stopped later that day, resumes the next day with a fresh spend */
  assert_int_equal(bidsim_market_advance_to(m, 86399), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 0);
  assert_int_equal(bidsim_market_advance_to(m, 86400), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  bidsim_market_plan_info(m, p, &info);
  assert_false(info.capped);
  assert_int_equal(info.spend_today_li, 0);
  assert_int_equal(info.cap_hit_s, -1);
  /* reaching the cap exactly stops it too */
  for (int i = 0; i < 33; i++) bidsim_market_charge(m, p, 3000, &capped);
  assert_false(capped);
  bidsim_market_charge(m, p, 1000, &capped);   /* 99.00 + 1.00 = 100.00 */
  assert_true(capped);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 0);
  /* raising the cap resumes it today; lowering below the spend stops it */
  assert_int_equal(bidsim_market_set_cap(m, p, Y(200), NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(bidsim_market_set_cap(m, p, Y(100), NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 0);
  assert_int_equal(bidsim_market_set_cap(m, p, Y(99.99), NULL), BIDSIM_ECAP);
  /* the clock never goes back */
  assert_int_equal(bidsim_market_advance_to(m, 10), BIDSIM_ESTATE);
  bidsim_market_free(m);
}

/* A strategy host's gather: today's spend and the cap of listed plans, in
 * the order listed, repeats allowed; an unknown plan is refused. */
static void test_plans_spend(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(2, 1, false, BIDSIM_MECH_GSP);
  uint32_t s = add_shop(m, "acme");
  uint32_t capped = add_plan(m, s, "capped", 3000, 100, Y(100), 0, add_product(m, s, 1, 0, 900, 0));
  uint32_t open = add_plan(m, s, "open", 2000, 100, BIDSIM_CAP_UNLIMITED, 0, add_product(m, s, 2, 0, 900, 0));
  assert_int_equal(bidsim_market_advance_to(m, 60), BIDSIM_OK);
  assert_int_equal(bidsim_market_charge(m, open, 700, NULL), 700);
  assert_int_equal(bidsim_market_charge(m, capped, 1200, NULL), 1200);
  uint32_t which[3] = { open, capped, open };
  int64_t spend[3] = { -1, -1, -1 }, cap[3] = { -1, -1, -1 };
  assert_int_equal(bidsim_market_plans_spend(m, 3, which, spend, cap), BIDSIM_OK);
  assert_int_equal(spend[0], 700);
  assert_int_equal(cap[0], BIDSIM_CAP_UNLIMITED);
  assert_int_equal(spend[1], 1200);
  assert_int_equal(cap[1], Y(100));
  assert_int_equal(spend[2], 700);
  which[1] = 2;
  assert_int_equal(bidsim_market_plans_spend(m, 3, which, spend, cap), BIDSIM_ENOTFOUND);
  bidsim_market_free(m);
}

static void test_caps_strict_mode(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(2, 1, true, BIDSIM_MECH_GSP);
  uint32_t s = add_shop(m, "acme");
  /* base 3.00, shop segment 4.50, similar 6.00 */
  uint32_t p = add_plan(m, s, "strict", 3000, 100, Y(100), 0, add_product(m, s, 1, 0, 900, 0));
  build(m);
  bidsim_impression_t shop_user = { BIDSIM_SEG_SHOP, 0, 0, 0 }, ordinary = { 0, 0, 0, 0 };
  bidsim_auction_result_t r;
  bool capped = false;
  /* spend 96.00: 4.00 remain, below the shop bid 4.50 but above the base 3.00 */
  for (int i = 0; i < 32; i++) bidsim_market_charge(m, p, 3000, &capped);
  assert_false(capped);
  assert_int_equal(bidsim_market_auction(m, &shop_user, &r), 0);      /* skipped: cannot pay 4.50 */
  assert_int_equal(bidsim_market_auction_scan(m, &shop_user, &r), 0);
  assert_int_equal(bidsim_market_auction(m, &ordinary, &r), 1);
  /* a charge beyond what remains is clipped: never overshoots */
  int64_t got = bidsim_market_charge(m, p, 5000, &capped);
  assert_int_equal(got, 4000);
  assert_true(capped);
  bidsim_plan_info_t info;
  bidsim_market_plan_info(m, p, &info);
  assert_int_equal(info.spend_today_li, Y(100));
  /* 1.00 remaining after 99.00 is below the lowest bid 3.00: stopped */
  bidsim_market_advance_to(m, 86400);
  for (int i = 0; i < 33; i++) bidsim_market_charge(m, p, 3000, &capped);
  assert_true(capped);
  assert_int_equal(bidsim_market_auction(m, &ordinary, &r), 0);
  bidsim_market_free(m);
}

static void test_publish_and_pause(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(4, 1, false, BIDSIM_MECH_GSP);
  uint32_t s = add_shop(m, "acme");
  uint32_t early = add_plan(m, s, "early", 1000, 10, BIDSIM_CAP_UNLIMITED, 0, add_product(m, s, 1, 0, 900, 0));
  /* published at 14:30 on day 0 */
  uint32_t late = add_plan(m, s, "late", 2000, 10, BIDSIM_CAP_UNLIMITED, 14 * 3600 + 1800,
                           add_product(m, s, 2, 0, 900, 0));
  bidsim_impression_t imp = { 0, 0, 0, 0 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_advance_to(m, 14 * 3600 + 1799), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(r.plan[0], early);
  assert_int_equal(bidsim_market_advance_to(m, 14 * 3600 + 1800), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 2);
  assert_int_equal(r.plan[0], late);
  assert_int_equal(bidsim_market_set_paused(m, late, true, NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(bidsim_market_set_paused(m, late, false, NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 2);
  /* re-scheduling into the future withdraws it until then; a past time publishes now */
  assert_int_equal(bidsim_market_publish(m, late, 20 * 3600, NULL), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  assert_int_equal(bidsim_market_advance_to(m, 20 * 3600), BIDSIM_OK);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 2);
  /* reset: back to time 0, late unpublished again */
  bidsim_market_reset(m);
  assert_int_equal(bidsim_market_now(m), 0);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 1);
  bidsim_market_free(m);
}

/* Loading is linear: a product's id, a plan's name, a product already in a
 * plan and a plan's unit of a category are hashed look-ups, not walks. At
 * this size the walks took 76 s (one shop of 100,000 products and as many
 * plans, each adding its product by id; one plan of 25,000 products in
 * 25,000 categories added one at a time; a list of 25,000); hashed, well
 * under a second. No timing assertion: every rule is checked at the end. */
static void test_a_large_catalogue_loads_in_linear_time(void **state) {
  (void)state;
  enum { N = 100000, M = N / 4, C = 1 << 16 };
  bidsim_market_t *m = new_market(4, C, false, BIDSIM_MECH_GSP);
  bidsim_error_t err;
  uint32_t shop = add_shop(m, "big");
  for (uint32_t i = 0; i < N; i++) {
    bidsim_product_spec_t ps = { 7 * (uint64_t)i + 1, 1000, BIDSIM_PRODUCT_ON_SALE, Y(9), i % C, 0 };
    if (bidsim_market_add_product(m, shop, &ps, NULL, &err)) fail_msg("product %u: %s", i, err.msg);
  }
  for (uint32_t i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof name, "p%u", i);
    bidsim_plan_spec_t spec = { name, shop, BIDSIM_CAP_UNLIMITED, { Y(1), Y(1.1), Y(1.1) }, 100, 0 };
    uint32_t p;
    if (bidsim_market_add_plan(m, &spec, &p, &err)) fail_msg("plan %u: %s", i, err.msg);
    if (bidsim_plan_add_product_id(m, p, 7 * (uint64_t)i + 1, &err)) fail_msg("plan %u's product: %s", i, err.msg);
  }
  bidsim_plan_spec_t spec = { "all", shop, BIDSIM_CAP_UNLIMITED, { Y(2), Y(2.2), Y(2.2) }, 100, 0 };
  uint32_t all, list;
  assert_int_equal(bidsim_market_add_plan(m, &spec, &all, &err), BIDSIM_OK);
  for (uint32_t i = 0; i < M; i++)   /* products 0..M-1: M categories, one unit each */
    if (bidsim_plan_add_product(m, all, i, &err)) fail_msg("all, product %u: %s", i, err.msg);
  spec.name = "list";
  assert_int_equal(bidsim_market_add_plan(m, &spec, &list, &err), BIDSIM_OK);
  uint32_t *ids = malloc(M * sizeof *ids);
  assert_non_null(ids);
  for (uint32_t i = 0; i < M; i++) ids[i] = N - 1 - i;
  assert_int_equal(bidsim_plan_add_products(m, list, ids, M, &err), BIDSIM_OK);
  /* every rule still holds at this size */
  assert_int_equal(bidsim_market_product_count(m), N);
  assert_int_equal(bidsim_market_plan_count(m), N + 2);
  assert_int_equal(bidsim_market_unit_count(m), N + 2 * M);
  bidsim_product_spec_t dup = { 7 * (uint64_t)(N - 1) + 1, 1000, BIDSIM_PRODUCT_ON_SALE, Y(9), 0, 0 };
  assert_int_equal(bidsim_market_add_product(m, shop, &dup, NULL, &err), BIDSIM_EINVAL);
  assert_non_null(strstr(err.msg, "already listed"));
  dup.id = 7 * (uint64_t)N + 1;   /* a new id is fine */
  assert_int_equal(bidsim_market_add_product(m, shop, &dup, NULL, &err), BIDSIM_OK);
  spec.name = "p77777";
  assert_int_equal(bidsim_market_add_plan(m, &spec, NULL, &err), BIDSIM_EDUPNAME);
  assert_int_equal(bidsim_plan_add_product(m, all, M - 1, &err), BIDSIM_EDUPPRODUCT);
  assert_int_equal(bidsim_plan_add_product_id(m, 5, 7 * 5 + 1, &err), BIDSIM_EDUPPRODUCT);
  assert_int_equal(bidsim_plan_add_product_id(m, 5, 7 * 5 + 2, &err), BIDSIM_ENOTFOUND);
  ids[M - 1] = ids[M / 2];   /* the list again, with one repeat: refused, naming the repeat */
  uint32_t again;
  spec.name = "again";
  assert_int_equal(bidsim_market_add_plan(m, &spec, &again, &err), BIDSIM_OK);
  assert_int_equal(bidsim_plan_add_products(m, again, ids, M, &err), BIDSIM_EDUPPRODUCT);
  char want[64];
  snprintf(want, sizeof want, "product %u is listed twice", 7 * ids[M / 2] + 1);
  assert_non_null(strstr(err.msg, want));
  bidsim_plan_info_t info;
  assert_int_equal(bidsim_market_plan_info(m, again, &info), BIDSIM_OK);
  assert_int_equal(info.product_count, 0);   /* all or none */
  uint32_t found;
  assert_int_equal(bidsim_market_find_plan(m, shop, "p99999", &found), BIDSIM_OK);
  assert_int_equal(found, N - 1);
  assert_int_equal(bidsim_market_find_plan(m, shop, "p100000", &found), BIDSIM_ENOTFOUND);
  /* category 3: products 3 and 65539, in plans p3, p65539 and "all" (at
   * 2.00 yuan it outbids the others' 1.00; they tie, the lower unit first) */
  build(m);
  bidsim_impression_t imp = { BIDSIM_SEG_ORDINARY, 3, 0, 0 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 3);
  assert_int_equal(r.plan[0], all);
  assert_int_equal(r.plan[1], 3);
  assert_int_equal(r.plan[2], 65539);
  free(ids);
  bidsim_market_free(m);
}

/* A clone carries no look-up tables until a catalogue call needs them:
 * then they are built from its arrays, and every rule holds as on the
 * original; inspection works without them. */
static void test_a_clone_keeps_the_catalogue_rules(void **state) {
  (void)state;
  bidsim_market_t *m = new_market(2, 2, false, BIDSIM_MECH_GSP), *twin = NULL;
  bidsim_error_t err;
  uint32_t s = add_shop(m, "acme");
  uint32_t p0 = add_product(m, s, 10, 0, 900, 0), p1 = add_product(m, s, 11, 1, 900, 0);
  uint32_t plan = add_plan(m, s, "one", Y(1), 10, BIDSIM_CAP_UNLIMITED, 0, p0);
  build(m);
  assert_int_equal(bidsim_market_clone(m, &twin, &err), BIDSIM_OK);
  uint32_t found;
  assert_int_equal(bidsim_market_find_plan(twin, s, "one", &found), BIDSIM_OK);   /* no tables yet */
  assert_int_equal(found, plan);
  bidsim_product_spec_t dup = { 10, 900, BIDSIM_PRODUCT_ON_SALE, Y(9), 0, 0 };
  assert_int_equal(bidsim_market_add_product(twin, s, &dup, NULL, &err), BIDSIM_EINVAL);
  bidsim_plan_spec_t spec = { "one", s, BIDSIM_CAP_UNLIMITED, { Y(1), Y(1.1), Y(1.1) }, 10, 0 };
  assert_int_equal(bidsim_market_add_plan(twin, &spec, NULL, &err), BIDSIM_EDUPNAME);
  assert_int_equal(bidsim_plan_add_product(twin, plan, p0, &err), BIDSIM_EDUPPRODUCT);
  assert_int_equal(bidsim_plan_add_product(twin, plan, p1, &err), BIDSIM_OK);   /* a new unit */
  assert_int_equal(bidsim_market_unit_count(twin), 2);
  assert_int_equal(bidsim_market_unit_count(m), 1);                        /* the original unchanged */
  assert_int_equal(bidsim_plan_add_product_id(twin, plan, 11, &err), BIDSIM_EDUPPRODUCT);
  build(twin);
  bidsim_impression_t imp = { 0, 1, 0, 0 };
  bidsim_auction_result_t r;
  assert_int_equal(bidsim_market_auction(twin, &imp, &r), 1);
  assert_int_equal(bidsim_market_auction(m, &imp, &r), 0);
  bidsim_market_free(twin);
  bidsim_market_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_catalogue_rules),
    cmocka_unit_test(test_gsp_through_market),
    cmocka_unit_test(test_quality_is_the_shown_products),
    cmocka_unit_test(test_tie_break_lower_unit_first),
    cmocka_unit_test(test_caps_platform_mode),
    cmocka_unit_test(test_caps_strict_mode),
    cmocka_unit_test(test_plans_spend),
    cmocka_unit_test(test_publish_and_pause),
    cmocka_unit_test(test_a_large_catalogue_loads_in_linear_time),
    cmocka_unit_test(test_a_clone_keeps_the_catalogue_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
