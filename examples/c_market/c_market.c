/* examples/c_market/c_market.c - the bidsim engine used from a C program of
 * your own: a market of three shops, their products and promotion plans,
 * auctions under each pricing mechanism, clicks charged until a daily cap
 * stops a plan, and the next day's resume. Built against an installed
 * bidsim with find_package(bidsim) (see CMakeLists.txt beside this file).
 *
 * Every number printed can be worked out by hand; the comments do it, and
 * docs/model.md explains the rules behind them. */
#include <stdio.h>
#include <stdlib.h>
#include <bidsim/bidsim.h>

/* Money is integer everywhere in bidsim: li, a thousandth of a yuan (0.1
 * fen). Bids must be whole fen (10 li); prices may fall between fen. */
#define YUAN(y) ((int64_t)((y) * 1000.0 + 0.5))

enum { CAT_HOME = 0, CAT_KITCHEN = 1, CATEGORIES = 2 };
static const char *const category_name[CATEGORIES] = { "home", "kitchen" };

/* Every engine call that can fail returns BIDSIM_OK (0) or an error code and
 * fills a caller-owned bidsim_error_t with the field and a sentence naming
 * the value and the limit. The engine never prints; the program decides. */
static void check(int rc, const bidsim_error_t *err, const char *what) {
  if (rc == BIDSIM_OK) return;
  fprintf(stderr, "c_market: %s: %s: %s (%s)\n", what, err->where, err->msg, bidsim_strerror(rc));
  exit(1);
}

typedef struct {
  bidsim_market_t *m;
  uint32_t acme_daily, bright_search, cosy_starter;   /* plan indices */
} example_t;

/* One market with the pricing @p mechanism. Each plan carries three click
 * bids, one per user segment: ordinary users (the base bid), users who
 * browsed or bought in the plan's shop, and users interested in similar
 * products. The platform's rules are checked as the market is built:
 * every bid whole fen in [0.10, 99.00] yuan, the two segment bids 10%-300%
 * above the base, a cap unlimited or at least 100 yuan. */
static void build_market(bidsim_mechanism_t mechanism, bool verbose, example_t *ex) {
  bidsim_error_t err;
  bidsim_market_config_t cfg = { .categories = CATEGORIES };
  bidsim_auction_config_default(&cfg.auction);   /* reserve 0.10, increment 0.01, (1/r) examination */
  cfg.auction.mechanism = mechanism;
  cfg.auction.slots = 3;
  check(bidsim_market_create(&cfg, &ex->m, &err), &err, "market");

  uint32_t acme, bright, cosy;
  check(bidsim_market_add_shop(ex->m, "Acme Home", &acme, &err), &err, "shop");
  check(bidsim_market_add_shop(ex->m, "Brightware", &bright, &err), &err, "shop");
  check(bidsim_market_add_shop(ex->m, "Cosy Living", &cosy, &err), &err, "shop");

  /* Products: external ID, historical sales (units), status, price, category.
   * Any product may be listed, the rug with its 300 sales too; the plan
   * rules apply when a product joins a plan. */
  const bidsim_product_spec_t lamp = { 1001, 2400, BIDSIM_PRODUCT_ON_SALE, YUAN(129), CAT_HOME };
  const bidsim_product_spec_t kettle = { 1002, 800, BIDSIM_PRODUCT_ON_SALE, YUAN(89), CAT_KITCHEN };
  const bidsim_product_spec_t rug = { 1003, 300, BIDSIM_PRODUCT_ON_SALE, YUAN(249), CAT_HOME };
  const bidsim_product_spec_t bulbs = { 2001, 5000, BIDSIM_PRODUCT_ON_SALE, YUAN(39), CAT_HOME };
  const bidsim_product_spec_t cushion = { 3001, 900, BIDSIM_PRODUCT_ON_SALE, YUAN(59), CAT_HOME };
  uint32_t p_lamp, p_kettle, p_rug, p_bulbs, p_cushion;
  check(bidsim_market_add_product(ex->m, acme, &lamp, &p_lamp, &err), &err, "product");
  check(bidsim_market_add_product(ex->m, acme, &kettle, &p_kettle, &err), &err, "product");
  check(bidsim_market_add_product(ex->m, acme, &rug, &p_rug, &err), &err, "product");
  check(bidsim_market_add_product(ex->m, bright, &bulbs, &p_bulbs, &err), &err, "product");
  check(bidsim_market_add_product(ex->m, cosy, &cushion, &p_cushion, &err), &err, "product");

  /* Plans: name (unique in its shop), shop, daily cap, bids {ordinary, shop,
   * similar}, quality, publish time. Quality weighs the bid in the ranking;
   * `bidsim run` uses the shown product's predicted CTR in basis points
   * (4.00% -> 400), and so does this example. */
  const bidsim_plan_spec_t daily = { "Acme daily", acme, BIDSIM_CAP_UNLIMITED,
                                     { YUAN(1.20), YUAN(2.40), YUAN(1.50) }, 400, 0 };
  const bidsim_plan_spec_t search = { "Bright search", bright, YUAN(100),
                                      { YUAN(1.50), YUAN(1.80), YUAN(1.70) }, 300, 0 };
  const bidsim_plan_spec_t starter = { "Cosy starter", cosy, BIDSIM_CAP_UNLIMITED,
                                       { YUAN(0.90), YUAN(1.00), YUAN(1.20) }, 450, 0 };
  check(bidsim_market_add_plan(ex->m, &daily, &ex->acme_daily, &err), &err, "plan");
  check(bidsim_market_add_plan(ex->m, &search, &ex->bright_search, &err), &err, "plan");
  check(bidsim_market_add_plan(ex->m, &starter, &ex->cosy_starter, &err), &err, "plan");

  /* A plan shows, in each category, the first of its products there: Acme
   * daily competes in home with the lamp and in kitchen with the kettle. */
  const uint32_t acme_products[] = { p_lamp, p_kettle };
  check(bidsim_plan_add_products(ex->m, ex->acme_daily, acme_products, 2, &err), &err, "plan products");
  check(bidsim_plan_add_product(ex->m, ex->bright_search, p_bulbs, &err), &err, "plan products");
  check(bidsim_plan_add_product_id(ex->m, ex->cosy_starter, 3001, &err), &err, "plan products");

  /* Rules broken on purpose: the engine refuses and says why. A product
   * joins a plan only with at least 500 units sold; a segment bid must be
   * at least 10% above the base (0.90 x 1.10 = 0.99). */
  int rc = bidsim_plan_add_product(ex->m, ex->acme_daily, p_rug, &err);
  if (verbose) printf("  refused %s: %s (%s)\n", "rug 1003 in Acme daily", err.msg, bidsim_strerror(rc));
  const int64_t too_low[BIDSIM_SEG_COUNT] = { YUAN(0.90), YUAN(0.95), YUAN(1.20) };
  rc = bidsim_market_set_bids(ex->m, ex->cosy_starter, too_low, &err);
  if (verbose) printf("  refused %s: %s (%s)\n", "Cosy starter shop bid 0.95", err.msg, bidsim_strerror(rc));

  /* The clock: seconds since 00:00 of day 0. Plans compete from their
   * publish time; moving the clock also readies the ranking index. */
  check(bidsim_market_advance_to(ex->m, 9 * 3600), &err, "clock");
}

static const char *plan_name(const bidsim_market_t *m, uint32_t plan) {
  bidsim_plan_info_t info;
  bidsim_market_plan_info(m, plan, &info);
  return info.name;
}

/* One impression: a user of @p segment looking at @p category. The auction
 * ranks the eligible ads by bid x quality and prices each slot; the price
 * is what a click on that slot would cost. */
static bidsim_auction_result_t run_auction(bidsim_market_t *m, bidsim_segment_t segment, uint32_t category) {
  bidsim_impression_t imp = { .segment = segment, .category = category, .draw = 0 };
  bidsim_auction_result_t res;
  bidsim_market_auction(m, &imp, &res);
  printf("%s auction, %s user, %s:\n", bidsim_mechanism_name(bidsim_market_config(m)->auction.mechanism),
         bidsim_segment_name(segment), category_name[category]);
  for (uint32_t s = 0; s < res.n; s++) {
    char bid[32], price[32];
    printf("  slot %u  %-14s bid %-6s price %s\n", s + 1, plan_name(m, res.plan[s]),
           bidsim_li_to_yuan(res.bid_li[s], bid), bidsim_li_to_yuan(res.price_li[s], price));
  }
  return res;
}

int main(void) {
  example_t ex;
  printf("bidsim engine example: three shops, two categories, three plans\n");
  build_market(BIDSIM_MECH_GSP, true, &ex);

  /* Scores (bid in li x quality) for an ordinary user in home:
   *   Acme daily 1200 x 400 = 480000, Bright search 1500 x 300 = 450000,
   *   Cosy starter 900 x 450 = 405000.
   * GSP with quality: price = min(own bid, next score / own quality + 0.01),
   * the quotient rounded up to whole li:
   *   Acme daily   450000 / 400 = 1125 li, + 10 -> 1.135 yuan
   *   Bright search 405000 / 300 = 1350 li, + 10 -> 1.36 yuan
   *   Cosy starter  nothing below: the reserve, 0.10 yuan */
  bidsim_auction_result_t gsp = run_auction(ex.m, BIDSIM_SEG_ORDINARY, CAT_HOME);

  /* The same user in the shop segment meets every plan's shop bid:
   *   2400 x 400 = 960000, 1800 x 300 = 540000, 1000 x 450 = 450000;
   *   Acme daily 540000 / 400 + 10 = 1360 -> 1.36, Bright search
   *   450000 / 300 + 10 = 1510 -> 1.51, Cosy starter the reserve. */
  run_auction(ex.m, BIDSIM_SEG_SHOP, CAT_HOME);
  /* Kitchen has one ad, Acme's kettle: alone, it pays the reserve. */
  run_auction(ex.m, BIDSIM_SEG_ORDINARY, CAT_KITCHEN);

  /* The comparison mechanisms on the same market and user. VCG charges
   * each slot the value it takes from the ads below (examination 1, 1/2,
   * 1/3): Acme daily 0.765, Bright search 0.517, Cosy starter 0.10. First
   * price charges the bid. */
  example_t vcg, first;
  build_market(BIDSIM_MECH_VCG, false, &vcg);
  run_auction(vcg.m, BIDSIM_SEG_ORDINARY, CAT_HOME);
  build_market(BIDSIM_MECH_FIRST, false, &first);
  run_auction(first.m, BIDSIM_SEG_ORDINARY, CAT_HOME);
  bidsim_market_free(vcg.m);
  bidsim_market_free(first.m);

  /* Clicks on Bright search's slot 2 at 1.36 yuan until its 100-yuan cap
   * stops it: 73 clicks are 99.28 yuan, the 74th brings 100.64. The click
   * that crosses the cap is still charged (the platform's rule), so a day
   * overshoots by less than one click price; a market created with
   * strict_caps never overshoots. */
  const int64_t price_li = gsp.price_li[1];
  bool capped = false;
  int64_t spent_li = 0;
  uint32_t clicks = 0;
  while (!capped) {
    spent_li += bidsim_market_charge(ex.m, gsp.plan[1], price_li, &capped);
    clicks++;
  }
  bidsim_plan_info_t info;
  bidsim_market_plan_info(ex.m, ex.bright_search, &info);
  char spent[32], cap[32], over[32];
  printf("Bright search capped after %u clicks: spent %s of %s yuan (over by %s)\n", clicks,
         bidsim_li_to_yuan(spent_li, spent), bidsim_li_to_yuan(info.cap_li, cap),
         bidsim_li_to_yuan(spent_li - info.cap_li, over));

  /* Stopped for the rest of the day: the two others move up, and Acme
   * daily now pays against Cosy starter: 405000 / 400 = 1012.5, rounded
   * up to 1013 li, + 10 -> 1.023 yuan. */
  run_auction(ex.m, BIDSIM_SEG_ORDINARY, CAT_HOME);

  /* Midnight restarts every plan's day spend and resumes capped plans. */
  bidsim_error_t err;
  check(bidsim_market_advance_to(ex.m, BIDSIM_SECONDS_PER_DAY + 9 * 3600), &err, "clock");
  printf("next day:\n");
  run_auction(ex.m, BIDSIM_SEG_ORDINARY, CAT_HOME);

  bidsim_market_free(ex.m);
  return 0;
}
