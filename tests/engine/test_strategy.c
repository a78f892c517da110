/* tests/engine/test_strategy.c - the built-in strategies on hand-made
 * states, with expectations worked out from their formulas; the platform
 * clamp at every boundary; parameter checking; throttling in the auction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "bidsim/bidsim.h"

static void *make(const char *name, const bidsim_param_t *p, uint32_t n) {
  const bidsim_strategy_t *s = bidsim_strategy_builtin(name);
  assert_non_null(s);
  assert_int_equal(s->abi_version, BIDSIM_STRATEGY_ABI_VERSION);
  bidsim_params_t ps = { n, p };
  void *self = NULL;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  if (s->create(&ps, &self, &err) != BIDSIM_OK) fail_msg("%s: %s: %s", name, err.where, err.msg);
  return self;
}

/* The strategy refuses these parameters with BIDSIM_EINVAL, naming the
 * offending key exactly as passed (@p where, "" when no single one is at
 * fault) and a message containing @p want. */
static void reject(const char *name, const bidsim_param_t *p, uint32_t n, const char *where, const char *want) {
  const bidsim_strategy_t *s = bidsim_strategy_builtin(name);
  bidsim_params_t ps = { n, p };
  void *self = NULL;
  bidsim_error_t err;
  bidsim_error_set(&err, BIDSIM_OK, "stale", "stale");   /* a create that fills nothing fails below */
  int rc = s->create(&ps, &self, &err);
  if (rc == BIDSIM_OK) fail_msg("%s accepted parameters it should reject (%s)", name, want);
  assert_int_equal(rc, BIDSIM_EINVAL);
  assert_int_equal(err.code, BIDSIM_EINVAL);
  if (strcmp(err.where, where)) fail_msg("%s: where '%s', want '%s' (%s)", name, err.where, where, err.msg);
  if (!strstr(err.msg, want)) fail_msg("%s: message '%s' lacks '%s'", name, err.msg, want);
}

static bidsim_strategy_state_t base_state(void) {
  bidsim_strategy_state_t st;
  memset(&st, 0, sizeof st);
  st.cap_li = 100000;   /* 100 yuan */
  st.value_bid_li[0] = 2000;
  st.value_bid_li[1] = 3000;
  st.value_bid_li[2] = 2400;
  st.period_s = 60;
  return st;
}

static void update(const char *name, void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  bidsim_strategy_builtin(name)->update(self, st, a);
}

static void test_clamp(void **state) {
  (void)state;
  static const struct { int64_t in[3], out[3]; bool changed; } cases[] = {
    { { 1000, 1100, 4000 }, { 1000, 1100, 4000 }, false },   /* at 110% and 400%: allowed */
    { { 1000, 1090, 4000 }, { 1000, 1100, 4000 }, true },    /* 109%: raised to 110% */
    { { 1000, 1100, 4010 }, { 1000, 1100, 4000 }, true },    /* 401%: lowered to 400% */
    { { 90, 200, 200 }, { 100, 200, 200 }, true },           /* base 0.09 -> 0.10 */
    { { 99010, 99000, 99000 }, { 90000, 99000, 99000 }, true },   /* base above 90.00 leaves no room for +10% */
    { { 90000, 99000, 99000 }, { 90000, 99000, 99000 }, false },  /* 90.00 with 99.00 segments: valid */
    { { 1004, 1204, 1506 }, { 1000, 1200, 1510 }, false },   /* rounding to fen alone is not a clamp */
    { { 100, 100, 500 }, { 100, 110, 400 }, true },          /* both segment rules at once */
    /* the extremes a plugin may ask for: above the range is the maximum,
     * below it the minimum, never a wrap-around (INT64_MAX gave 0.10) */
    { { INT64_MAX, INT64_MAX, INT64_MAX }, { 90000, 99000, 99000 }, true },
    { { INT64_MAX - 4, INT64_MAX - 5, INT64_MAX - 9 }, { 90000, 99000, 99000 }, true },
    { { 1000000000000000, 1000000000000000, 1000000000000000 }, { 90000, 99000, 99000 }, true },   /* 10^15 */
    { { INT64_MIN, INT64_MIN, INT64_MIN }, { 100, 110, 110 }, true },
    { { INT64_MIN + 4, INT64_MIN + 5, INT64_MIN + 9 }, { 100, 110, 110 }, true },
    { { 0, 0, 0 }, { 100, 110, 110 }, true },
    { { -1, -5, -1000 }, { 100, 110, 110 }, true },
    { { 2000, INT64_MAX, INT64_MIN }, { 2000, 8000, 2200 }, true },   /* segments to the base's bounds */
    { { INT64_MAX, 1000, 1000 }, { 90000, 99000, 99000 }, true },     /* base to 90.00, segments follow */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int64_t b[3];
    memcpy(b, cases[i].in, sizeof b);
    bool changed = bidsim_strategy_clamp(b);
    if (changed != cases[i].changed || memcmp(b, cases[i].out, sizeof b))
      fail_msg("case %zu: got %lld/%lld/%lld (%d)", i, (long long)b[0], (long long)b[1], (long long)b[2], changed);
    bidsim_error_t err;
    assert_int_equal(bidsim_rule_check_bids(b, "bids", &err), BIDSIM_OK);   /* always valid afterwards */
  }
}

/* The whole action: bids as bidsim_strategy_clamp, participation into
 * [0, 1] with NaN as 0 (sit out); whether any rule changed something. */
static void test_clamp_action(void **state) {
  (void)state;
  static const struct { double in, out; bool changed; } cases[] = {
    { 0.0, 0.0, false }, { 1.0, 1.0, false }, { 0.25, 0.25, false }, { -0.0, 0.0, false },
    { -1e-9, 0.0, true }, { -1e300, 0.0, true }, { 1.0 + 1e-12, 1.0, true }, { 1e300, 1.0, true },
    { NAN, 0.0, true }, { INFINITY, 1.0, true }, { -INFINITY, 0.0, true },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bidsim_strategy_action_t a = { { 1000, 1100, 4000 }, cases[i].in };
    bool changed = bidsim_strategy_clamp_action(&a);
    if (changed != cases[i].changed || !(a.participation == cases[i].out))
      fail_msg("case %zu: participation %g gave %g (%d)", i, cases[i].in, a.participation, changed);
    assert_int_equal(a.bid_li[0], 1000);
    assert_int_equal(a.bid_li[2], 4000);
  }
  /* bids clamped with a valid participation count too; rounding alone does not */
  bidsim_strategy_action_t a = { { INT64_MAX, 0, 0 }, 0.5 };
  assert_true(bidsim_strategy_clamp_action(&a));
  assert_int_equal(a.bid_li[0], 90000);
  assert_true(a.participation == 0.5);
  a = (bidsim_strategy_action_t){ { 1004, 1204, 1506 }, 1.0 };
  assert_false(bidsim_strategy_clamp_action(&a));
  assert_int_equal(a.bid_li[2], 1510);
}

static void test_params(void **state) {
  (void)state;
  assert_null(bidsim_strategy_builtin("no-such"));
  int n = 0;
  for (const char *const *p = bidsim_strategy_builtin_names(); *p; p++, n++) assert_non_null(bidsim_strategy_builtin(*p));
  assert_int_equal(n, 9);
  bidsim_param_t typo[] = { { "epsilon", 0.1 } }, range[] = { { "eps", 20 } }, neg[] = { { "adjust", 0 } };
  reject("multiplier", typo, 1, "epsilon", "unknown parameter 'epsilon' (known: eps, mu_max)");
  reject("multiplier", range, 1, "eps", "eps = 20 is outside [0.0001, 10]");
  reject("throttle", neg, 1, "adjust", "adjust = 0 is outside [0.001, 0.9]");
  reject("fixed", typo, 1, "epsilon", "unknown parameter 'epsilon' (known: none)");
  /* the offending one of several, not the first */
  bidsim_param_t second[] = { { "eps", 0.1 }, { "mu_max", -1 } };
  reject("multiplier", second, 2, "mu_max", "mu_max = -1 is outside [0, 1000]");
  reject("target_roi", NULL, 0, "", "target is required");
  bidsim_param_t target[] = { { "target", 0.001 } }, pacing[] = { { "target", 3 }, { "pacing", 2 } };
  reject("target_cpa", target, 1, "target", "target = 0.001 is outside [0.01, 1000]");
  reject("target_roi", pacing, 2, "pacing", "pacing = 2 is outside [0, 1]");
  /* lists: items by index, each checked, the index within the list */
  bidsim_param_t hours[] = { { "hours.0", 100 }, { "hours.3", 151 } }, hour24[] = { { "hours.24", 100 } },
                 half[] = { { "hours.2", 50.5 } }, zero[] = { { "mon.0", 0 } }, bare[] = { { "hours", 100 } },
                 minus[] = { { "hours.-1", 100 } }, junk[] = { { "sun.2x", 100 } };
  reject("schedule", hours, 2, "hours.3", "hours.3 = 151 is outside [1, 150]");
  reject("schedule", hour24, 1, "hours.24", "hours is a list of 24 items, hours.0 to hours.23");
  reject("schedule", half, 1, "hours.2", "hours.2 = 50.5 is not a whole number");
  reject("schedule", zero, 1, "mon.0", "outside [1, 150]");
  reject("schedule", bare, 1, "hours", "unknown parameter 'hours' (known: hours[24], mon[24]");
  reject("schedule", minus, 1, "hours.-1", "list of 24 items");
  reject("schedule", junk, 1, "sun.2x", "list of 24 items");
  /* every built-in names an unknown parameter at its key */
  bidsim_param_t unknown[] = { { "target", 3 }, { "no_such_key", 1 } };
  for (const char *const *k = bidsim_strategy_builtin_names(); *k; k++) {
    bool takes_target = !strcmp(*k, "target_roi") || !strcmp(*k, "target_cpa");
    reject(*k, unknown + !takes_target, 2 - !takes_target, "no_such_key", "unknown parameter 'no_such_key'");
  }
  bidsim_param_t fine[] = { { "hours.23", 150 }, { "sun.0", 1 } };
  bidsim_strategy_builtin("schedule")->destroy(make("schedule", fine, 2));
}

static void test_fixed_and_schedule(void **state) {
  (void)state;
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a = { { 0, 0, 0 }, 0.3 };
  void *f = make("fixed", NULL, 0);
  update("fixed", f, &st, &a);
  assert_memory_equal(a.bid_li, st.value_bid_li, sizeof a.bid_li);
  assert_true(a.participation == 1.0);
  bidsim_strategy_builtin("fixed")->destroy(f);

  bidsim_param_t p[] = { { "hours.13", 50 }, { "sun.13", 150 }, { "hours.0", 1 } };
  void *s = make("schedule", p, 3);
  st.second_of_day = 13 * 3600 + 59;   /* 13:00:59, a Wednesday */
  st.day_of_week = 2;
  update("schedule", s, &st, &a);
  assert_int_equal(a.bid_li[0], 1000);
  assert_int_equal(a.bid_li[1], 1500);
  st.day_of_week = 6;                  /* Sunday overrides hour 13 */
  update("schedule", s, &st, &a);
  assert_int_equal(a.bid_li[0], 3000);
  st.second_of_day = 10;               /* 00:00:10, 1% */
  update("schedule", s, &st, &a);
  assert_int_equal(a.bid_li[0], 20);   /* below 0.10 yuan: the host's clamp raises it (test_clamp) */
  st.second_of_day = 5 * 3600;         /* unlisted hours: 100% */
  update("schedule", s, &st, &a);
  assert_int_equal(a.bid_li[2], 2400);
  bidsim_strategy_builtin("schedule")->destroy(s);
}

static void test_throttle(void **state) {
  (void)state;
  bidsim_param_t p[] = { { "adjust", 0.5 }, { "initial", 0.8 } };
  void *t = make("throttle", p, 2);
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a;
  st.traffic_done = 0.10;
  st.spend_today_li = 20000;           /* 20% spent, 10% of traffic: ahead */
  update("throttle", t, &st, &a);
  assert_float_equal(a.participation, 0.8 * 0.5, 1e-12);
  assert_memory_equal(a.bid_li, st.value_bid_li, sizeof a.bid_li);   /* bids untouched */
  st.traffic_done = 0.50;              /* 20% spent, 50% of traffic: behind */
  update("throttle", t, &st, &a);
  assert_float_equal(a.participation, 0.4 * 1.5, 1e-12);
  update("throttle", t, &st, &a);
  update("throttle", t, &st, &a);
  assert_float_equal(a.participation, 1.0, 0);   /* never above 1 */
  st.day = 1;                          /* a new day starts from `initial` */
  st.spend_today_li = 0;
  st.traffic_done = 0.0;
  update("throttle", t, &st, &a);
  assert_float_equal(a.participation, 0.8 * 1.5, 0.5);
  assert_true(a.participation <= 1.0);
  st.cap_li = BIDSIM_CAP_UNLIMITED;    /* nothing to pace */
  update("throttle", t, &st, &a);
  assert_float_equal(a.participation, 1.0, 0);
  bidsim_strategy_builtin("throttle")->destroy(t);
}

static void test_multiplier(void **state) {
  (void)state;
  bidsim_param_t p[] = { { "eps", 0.05 }, { "mu_max", 10 } };
  void *m = make("multiplier", p, 2);
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a;
  /* period 1: 10% of traffic, 20% of the cap spent: rho = 100 yuan left x
   * 10% of the traffic / 100% left = 10 yuan, spent 20:
   * mu = 0 - 0.05 x (10 - 20) / 10 = 0.05 */
  st.traffic_done = 0.10;
  st.spend_today_li = 20000;
  update("multiplier", m, &st, &a);
  assert_int_equal(a.bid_li[0], llround(2000 / 1.05));
  assert_int_equal(a.bid_li[1], llround(3000 / 1.05));
  /* period 2: 10% more traffic, nothing spent: rho = 80 x 0.1 / 0.9,
   * mu = 0.05 - 0.05 x (rho - 0) / rho = 0 */
  st.traffic_done = 0.20;
  update("multiplier", m, &st, &a);
  assert_int_equal(a.bid_li[0], 2000);
  /* underspending cannot push mu below 0 */
  st.traffic_done = 0.30;
  update("multiplier", m, &st, &a);
  assert_int_equal(a.bid_li[0], 2000);
  /* a burst: 5% of the traffic, 50 yuan: rho = 80 yuan left x 0.05 / 0.7
   * of the traffic left = 5.714 yuan; mu = 0.05 x (50 - 5.714) / 5.714 */
  st.traffic_done = 0.35;
  st.spend_today_li = 70000;
  update("multiplier", m, &st, &a);
  double rho = 80.0 * 0.05 / 0.7, mu = 0.05 * (50 - rho) / rho;
  assert_int_equal(a.bid_li[0], llround(2000 / (1 + mu)));
  bidsim_strategy_builtin("multiplier")->destroy(m);
}

static void test_pid(void **state) {
  (void)state;
  bidsim_param_t p[] = { { "kp", 2 }, { "ki", 0.5 }, { "kd", 1 } };
  void *c = make("pid", p, 3);
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a;
  st.traffic_done = 0.30;
  st.spend_today_li = 10000;           /* e = 0.3 - 0.1 = 0.2: m = 1 + 0.4 + 0.1 + 0.2 = 1.7 */
  update("pid", c, &st, &a);
  assert_int_equal(a.bid_li[0], 3400);
  st.spend_today_li = 40000;           /* e = -0.1, sum 0.1, de = -0.3: m = 1 - 0.2 + 0.05 - 0.3 = 0.55 */
  update("pid", c, &st, &a);
  assert_int_equal(a.bid_li[0], 1100);
  st.spend_today_li = 100000;          /* far ahead: m floors at 0.1 */
  update("pid", c, &st, &a);
  assert_int_equal(a.bid_li[0], 200);
  bidsim_strategy_builtin("pid")->destroy(c);
}

static void test_targets(void **state) {
  (void)state;
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a;
  /* no history: value per click = prior 100 yuan x 1.5% = 1.50 yuan; ROI 2
   * wants 0.75 yuan a click; nothing won yet, so the factor rises 0.5% */
  bidsim_param_t roi[] = { { "target", 2 } };
  void *r = make("target_roi", roi, 1);
  update("target_roi", r, &st, &a);
  assert_int_equal(a.bid_li[0], llround(750 * 1.005));
  assert_int_equal(a.bid_li[1], llround(750 * 1.005 * 1.5));   /* the configured 3.00 / 2.00 ratio */
  /* 1,000 clicks worth 1.50 yuan each (with the prior: still 1.50), paid
   * 0.375 yuan each: ROI 4, twice the target: the factor rises, by at most
   * 0.5% a period */
  st.total_clicks = 1000;
  st.total_conversions = 15;
  st.total_order_value_li = 1500000;
  st.total_spend_li = 375000;
  st.exposures = 20000;
  update("target_roi", r, &st, &a);
  assert_int_equal(a.bid_li[0], llround(750 * 1.005 * 1.005));
  /* paying 3.00 yuan a click (ROI 0.5): the factor falls by 0.5% */
  st.total_clicks = 1010;
  st.total_spend_li = 375000 + 400000;   /* recent clicks cost far more than wanted */
  st.exposures = 20100;
  update("target_roi", r, &st, &a);
  assert_true(a.bid_li[0] < llround(750 * 1.005 * 1.005));
  bidsim_strategy_builtin("target_roi")->destroy(r);

  /* with pacing, the smaller of the ROI bid and the paced bid */
  bidsim_param_t roi_paced[] = { { "target", 0.5 }, { "pacing", 1 }, { "eps", 0.5 } };
  r = make("target_roi", roi_paced, 3);
  st = base_state();
  st.traffic_done = 0.1;
  st.spend_today_li = 30000;           /* ROI bid about 3.00; pacing: mu = 0.5 x 2 = 1, 2.00 / 2 = 1.00 */
  update("target_roi", r, &st, &a);
  assert_int_equal(a.bid_li[0], 1000);
  bidsim_strategy_builtin("target_roi")->destroy(r);

  /* target CPA 50 yuan: predicted CVR 1.5% -> 0.75 yuan a click */
  bidsim_param_t cpa[] = { { "target", 50 } };
  void *c = make("target_cpa", cpa, 1);
  st = base_state();
  update("target_cpa", c, &st, &a);
  assert_int_equal(a.bid_li[0], llround(750 * 1.005));
  bidsim_strategy_builtin("target_cpa")->destroy(c);
}

static void test_shading(void **state) {
  (void)state;
  void *s = make("shading", NULL, 0);
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a;
  /* eight exploration periods at f = 0.3 .. 1.0, each 10% of traffic; the
   * exposures won grow with f: W(f) = 100 f^2 per unit of traffic */
  uint64_t exposures = 0;
  for (int i = 0; i < 8; i++) {
    st.traffic_done = 0.1 * i;
    st.exposures = exposures;
    update("shading", s, &st, &a);
    double f = 0.3 + 0.1 * i;
    assert_int_equal(a.bid_li[0], llround(2000 * f));
    exposures += (uint64_t)llround(1000 * f * f);   /* won during this period */
  }
  st.traffic_done = 0.8;
  st.exposures = exposures;
  update("shading", s, &st, &a);
  /* (1 - f) f^2 is largest at f = 2/3: the grid's 0.70 (0.063) beats 0.60 (0.0576) */
  assert_int_equal(a.bid_li[0], 1400);
  bidsim_strategy_builtin("shading")->destroy(s);
}

static void test_bidwar(void **state) {
  (void)state;
  bidsim_param_t p[] = { { "step", 10 }, { "limit", 1.2 }, { "decay", 5 } };
  void *b = make("bidwar", p, 3);
  bidsim_strategy_state_t st = base_state();
  bidsim_strategy_action_t a;
  update("bidwar", b, &st, &a);                 /* 00:00, nothing behind it: the value */
  assert_int_equal(a.bid_li[0], 2000);
  st.second_of_day = 60;
  st.exposures = 10;                            /* shown, never on top: +10% */
  update("bidwar", b, &st, &a);
  assert_int_equal(a.bid_li[0], 2200);
  st.second_of_day = 120;
  st.exposures = 20;
  update("bidwar", b, &st, &a);                 /* again: capped at 120% */
  assert_int_equal(a.bid_li[0], 2400);
  st.second_of_day = 180;
  st.exposures = 30;
  st.top_exposures = 4;                         /* held the top: -5% */
  update("bidwar", b, &st, &a);
  assert_int_equal(a.bid_li[0], llround(2000 * 1.2 * 0.95));
  for (int i = 0; i < 10; i++) {                /* keeps the top: back to its value, not below */
    st.second_of_day += 60;
    st.exposures += 10;
    st.top_exposures += 5;
    update("bidwar", b, &st, &a);
  }
  assert_int_equal(a.bid_li[0], 2000);
  bidsim_strategy_builtin("bidwar")->destroy(b);
}

/* Throttled plans sit out a share of auctions; the same draw decides alike. */
static void test_participation(void **state) {
  (void)state;
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.slots = 1;
  cfg.categories = 1;
  bidsim_market_t *m = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_market_create(&cfg, &m, &err), BIDSIM_OK);
  uint32_t shop, prod, plan;
  assert_int_equal(bidsim_market_add_shop(m, "S", &shop, &err), BIDSIM_OK);
  bidsim_product_spec_t ps = { 1, 1000, BIDSIM_PRODUCT_ON_SALE, 10000, 0, 0 };
  assert_int_equal(bidsim_market_add_product(m, shop, &ps, &prod, &err), BIDSIM_OK);
  bidsim_plan_spec_t sp = { "P", shop, BIDSIM_CAP_UNLIMITED, { 1000, 1100, 1100 }, 100, 0 };
  assert_int_equal(bidsim_market_add_plan(m, &sp, &plan, &err), BIDSIM_OK);
  assert_int_equal(bidsim_plan_add_product(m, plan, prod, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_build(m, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_set_participation(m, plan, 1.5, &err), BIDSIM_EINVAL);
  bidsim_auction_result_t res;
  const uint32_t N = 20000;
  uint32_t wins[3] = { 0, 0, 0 };
  static const double share[3] = { 0.0, 0.25, 1.0 };
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, 9, 0);
  for (int k = 0; k < 3; k++) {
    assert_int_equal(bidsim_market_set_participation(m, plan, share[k], &err), BIDSIM_OK);
    for (uint32_t i = 0; i < N; i++) {
      bidsim_impression_t imp = { 0, 0, (uint32_t)bidsim_pcg64_next(&g), 0 };
      wins[k] += bidsim_market_auction(m, &imp, &res);
    }
  }
  assert_int_equal(wins[0], 0);
  assert_int_equal(wins[2], N);
  /* Binomial(20000, 0.25): sd 61; within 5 sd */
  assert_in_range(wins[1], 5000 - 306, 5000 + 306);
  bidsim_market_free(m);
}

/* A batch update (bidsim_strategy_update_batch: update_many where a
 * strategy has one, else update per plan) must give exactly what update
 * gives each plan in turn: every built-in, 9 plans (capped and not), three
 * days of 40 periods with clicks fed to both sets of instances alike. */
static void test_batch_equals_update(void **state) {
  (void)state;
  enum { N = 9, PERIODS = 40, DAYS = 3 };
  const bidsim_param_t target[] = { { "target", 3.0 } }, hours[] = { { "hours.3", 50 }, { "hours.20", 150 } };
  /* gains low enough that the controller does not sit at a bound */
  const bidsim_param_t gains[] = { { "kp", 0.5 }, { "ki", 0.05 }, { "kd", 0.5 }, { "max", 10 } };
  for (const char *const *name = bidsim_strategy_builtin_names(); *name; name++) {
    const bidsim_strategy_t *s = bidsim_strategy_builtin(*name);
    const bidsim_param_t *p = NULL;
    uint32_t np = 0;
    if (!strcmp(*name, "target_roi") || !strcmp(*name, "target_cpa")) p = target, np = 1;
    if (!strcmp(*name, "schedule")) p = hours, np = 2;
    if (!strcmp(*name, "pid")) p = gains, np = 4;
    void *one[N], *many[N];
    for (int i = 0; i < N; i++) {
      one[i] = make(*name, p, np);
      many[i] = make(*name, p, np);
    }
    int64_t value[N][BIDSIM_SEG_COUNT], cap[N], spend[N], order[N], total_order[N], total_spend[N];
    uint64_t expo[N], top[N], clicks[N], conv[N], total_clicks[N], total_conv[N];
    bidsim_strategy_action_t a_one[N], a_many[N];
    uint32_t moved = 0;   /* actions away from the values: the comparison must see some */
    bidsim_pcg64_t g;
    bidsim_rng_for_stream(&g, 7, 1);
    for (int i = 0; i < N; i++) {
      int64_t base = 200 + 10 * (int64_t)(bidsim_pcg64_next(&g) % 300);
      value[i][0] = base;
      value[i][1] = (base * 15 / 10 + 9) / 10 * 10;
      value[i][2] = base * 2;
      cap[i] = i % 3 == 0 ? BIDSIM_CAP_UNLIMITED : 100000 + 20000 * i;   /* 100-260 yuan: pacing binds */
      total_order[i] = total_spend[i] = 0;
      total_clicks[i] = total_conv[i] = 0;
      memcpy(a_one[i].bid_li, value[i], sizeof a_one[i].bid_li);
      a_one[i].participation = 1.0;
      a_many[i] = a_one[i];
    }
    for (uint32_t day = 0; day < DAYS; day++) {
      for (int i = 0; i < N; i++) spend[i] = order[i] = 0, expo[i] = top[i] = clicks[i] = conv[i] = 0;
      for (uint32_t t = 0; t < PERIODS; t++) {
        bidsim_strategy_state_t shared;
        memset(&shared, 0, sizeof shared);
        shared.day = day;
        shared.day_of_week = day % 7;
        shared.period_s = 1800;
        shared.second_of_day = t * 1800;
        shared.now_s = (int64_t)day * 86400 + shared.second_of_day;
        shared.traffic_done = (t + 0.5) / PERIODS;
        for (int i = 0; i < N; i++) {   /* the period's traffic, the same for both sets */
          uint64_t r = bidsim_pcg64_next(&g);
          expo[i] += r % 50;
          top[i] += r % 7;
          uint32_t k = (uint32_t)(r >> 32) % 5;
          for (uint32_t c = 0; c < k; c++) {
            int64_t price = 100 + (int64_t)((r >> (8 * c)) % 3000);
            bool converted = (r >> (40 + c)) & 1;
            int64_t ov = converted ? 15000 : 0;
            clicks[i]++, total_clicks[i]++, spend[i] += price, total_spend[i] += price;
            conv[i] += converted, total_conv[i] += converted, order[i] += ov, total_order[i] += ov;
            if (s->on_click) {
              s->on_click(one[i], price, converted, ov);
              s->on_click(many[i], price, converted, ov);
            }
          }
        }
        for (int i = 0; i < N; i++) {
          bidsim_strategy_state_t st = shared;
          st.cap_li = cap[i], st.spend_today_li = spend[i], st.order_value_li = order[i];
          memcpy(st.value_bid_li, value[i], sizeof st.value_bid_li);
          st.exposures = expo[i], st.top_exposures = top[i], st.clicks = clicks[i], st.conversions = conv[i];
          st.total_clicks = total_clicks[i], st.total_conversions = total_conv[i];
          st.total_order_value_li = total_order[i], st.total_spend_li = total_spend[i];
          s->update(one[i], &st, &a_one[i]);
        }
        const bidsim_strategy_batch_t b = {
          N, &shared, (const int64_t (*)[BIDSIM_SEG_COUNT])value, cap, spend, order, expo, top, clicks, conv,
          total_clicks, total_conv, total_order, total_spend };
        bidsim_strategy_update_batch(s, many, &b, a_many);
        for (int i = 0; i < N; i++) moved += memcmp(a_one[i].bid_li, value[i], sizeof value[i]) || a_one[i].participation != 1.0;
        for (int i = 0; i < N; i++)
          if (memcmp(&a_one[i], &a_many[i], sizeof a_one[i]))
            fail_msg("%s, day %u period %u, plan %d: batch gives %lld/%lld/%lld at %g, update %lld/%lld/%lld at %g",
                     *name, day, t, i, (long long)a_many[i].bid_li[0], (long long)a_many[i].bid_li[1],
                     (long long)a_many[i].bid_li[2], a_many[i].participation, (long long)a_one[i].bid_li[0],
                     (long long)a_one[i].bid_li[1], (long long)a_one[i].bid_li[2], a_one[i].participation);
      }
    }
    if (strcmp(*name, "fixed") && moved == 0) fail_msg("%s never moved off the values: the test compares nothing", *name);
    for (int i = 0; i < N; i++) {
      s->destroy(one[i]);
      s->destroy(many[i]);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clamp), cmocka_unit_test(test_clamp_action), cmocka_unit_test(test_params), cmocka_unit_test(test_fixed_and_schedule),
    cmocka_unit_test(test_throttle), cmocka_unit_test(test_multiplier), cmocka_unit_test(test_pid),
    cmocka_unit_test(test_targets), cmocka_unit_test(test_shading), cmocka_unit_test(test_bidwar),
    cmocka_unit_test(test_participation), cmocka_unit_test(test_batch_equals_update),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
