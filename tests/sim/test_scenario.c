/* tests/sim/test_scenario.c - the scenario loader: every shipped scenario
 * loads, rule boundaries through the file format (each rule enforced by the
 * engine and reported at the key's line and column), defaults, and the
 * resolved scenario round trip (the YAML layer: test_scenario_yaml.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "bidsim/bidsim.h"
#include "sim/job.h"
#include "sim/scenario.h"

static const char *base =
  "traffic:\n"
  "  impressions_per_day: 1000\n"
  "shops:\n"
  "  - name: S\n"
  "    products: [{id: 1, sales: %s, status: on_sale}]\n"
  "plans:\n"
  "  - name: P\n"
  "    shop: S\n"
  "    cap: %s\n"
  "    products: [1]\n"
  "    bids: {ordinary: %s, shop: %s, similar: %s}\n";

static int load_with(const char *sales, const char *cap, const char *b0, const char *b1, const char *b2,
                     bidsim_error_t *err) {
  char text[1024];
  snprintf(text, sizeof text, base, sales, cap, b0, b1, b2);
  bidsim_scenario_t *sc = NULL;
  int rc = bidsim_scenario_load_string(text, strlen(text), "t.yaml", &sc, err);
  bidsim_scenario_free(sc);
  return rc;
}

static void test_rule_boundaries(void **state) {
  (void)state;
  static const struct { const char *sales, *cap, *b0, *b1, *b2; int code; const char *where; } cases[] = {
    { "500", "unlimited", "1.00", "1.10", "4.00", BIDSIM_OK, NULL },
    { "499", "unlimited", "1.00", "1.10", "4.00", BIDSIM_ESALES, "t.yaml:10:16: plans[0].products[0]" },
    { "500", "100", "0.10", "0.11", "0.40", BIDSIM_OK, NULL },
    { "500", "99.99", "1.00", "1.10", "1.10", BIDSIM_ECAP, "t.yaml:9:10: plans[0].cap" },
    { "500", "100.00", "1.00", "1.10", "1.10", BIDSIM_OK, NULL },
    { "500", "unlimited", "0.09", "1.10", "1.10", BIDSIM_EBIDRANGE, "t.yaml:11:22: plans[0].bids.ordinary" },
    { "500", "unlimited", "99.00", "99.00", "99.00", BIDSIM_EPREMIUM, "plans[0].bids.shop" },   /* 0% premium */
    { "500", "unlimited", "20.00", "22.00", "80.00", BIDSIM_OK, NULL },
    { "500", "unlimited", "20.00", "22.00", "99.01", BIDSIM_EBIDRANGE, "plans[0].bids.similar" },
    { "500", "unlimited", "1.00", "1.09", "1.10", BIDSIM_EPREMIUM, "plans[0].bids.shop" },     /* 9% */
    { "500", "unlimited", "1.00", "1.10", "4.01", BIDSIM_EPREMIUM, "plans[0].bids.similar" },  /* 301% */
    { "500", "unlimited", "1.00", "4.00", "1.10", BIDSIM_OK, NULL },                          /* 300% */
    { "500", "unlimited", "1.00", "1.105", "1.10", BIDSIM_EBIDUNIT, "plans[0].bids.shop" },
    { "500", "unlimited", "1.00", "1.1055", "1.10", BIDSIM_ESCHEMA, "plans[0].bids.shop" },
    { "500", "unlimited", "1.00", "\"1.10\"", "1.10", BIDSIM_ESCHEMA, "plans[0].bids.shop" },  /* a string */
    { "-5", "unlimited", "1.00", "1.10", "1.10", BIDSIM_ESCHEMA, "shops[0].products[0].sales" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bidsim_error_t err;
    int rc = load_with(cases[i].sales, cases[i].cap, cases[i].b0, cases[i].b1, cases[i].b2, &err);
    if (rc != cases[i].code) fail_msg("case %zu: code %d (%s: %s), want %d", i, rc, err.where, err.msg, cases[i].code);
    if (cases[i].where && !strstr(err.where, cases[i].where))
      fail_msg("case %zu: where '%s' lacks '%s'", i, err.where, cases[i].where);
    if (rc) assert_true(err.msg[0] != '\0');
  }
}

static void test_defaults_and_shipped(void **state) {
  (void)state;
  static const char *const files[] = { "scenarios/pdd_baseline.yaml", "scenarios/double11.yaml",
                                       "scenarios/cap_exhaustion.yaml", "scenarios/bid_war.yaml" };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load(files[i], &sc, &err);
    if (rc) fail_msg("%s: %s: %s", files[i], err.where, err.msg);
    bidsim_scenario_free(sc);
  }
  const char *text = "traffic: {impressions_per_day: 500}\nmarket: {plans: 3}\n";
  bidsim_scenario_t *sc = NULL;
  assert_int_equal(bidsim_scenario_load_string(text, strlen(text), "d.yaml", &sc, NULL), BIDSIM_OK);
  assert_int_equal(sc->seed, 1);
  assert_int_equal(sc->days, 1);
  assert_int_equal(sc->replicates, 8);
  assert_int_equal(sc->auction.slots, 4);
  assert_int_equal(sc->auction.reserve_li, 100);
  assert_int_equal(sc->auction.position_weight_ppm[1], 500000);   /* (1/2)^1 */
  assert_true(sc->noise == BIDSIM_NOISE_POISSON);
  double sum = 0;
  for (int h = 0; h < BIDSIM_HOURS; h++) sum += sc->diurnal[h];
  assert_true(sum > 0.999999 && sum < 1.000001);
  assert_true(sc->diurnal[21] > sc->diurnal[4]);   /* evening peak over the night low */
  assert_int_equal(sc->category_count, 1);
  char day[16];
  bidsim_scenario_day_label(sc, 29, day);
  assert_string_equal(day, "2026-11-30");
  bidsim_scenario_day_label(sc, 30, day);
  assert_string_equal(day, "2026-12-01");
  bidsim_scenario_free(sc);
  /* the double11 preset: the burst lands on Nov 11 */
  const char *d11 = "start_date: 2026-11-09\ndays: 5\ntraffic: {impressions_per_day: 500, preset: double11}\nmarket: {plans: 3}\n";
  assert_int_equal(bidsim_scenario_load_string(d11, strlen(d11), "d.yaml", &sc, NULL), BIDSIM_OK);
  assert_int_equal(sc->phase_count, 3);
  assert_int_equal(sc->phases[1].first_day, 2);
  assert_int_equal(sc->phases[1].last_day, 2);
  assert_true(sc->phases[1].traffic_mult >= 10.0);
  assert_true(sc->phases[1].hour_mult[0] > 2.0);
  bidsim_scenario_free(sc);
}

static void test_resolved_round_trip(void **state) {
  (void)state;
  bidsim_scenario_t *a = NULL, *b = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_load("scenarios/double11.yaml", &a, &err), BIDSIM_OK);
  char *text = bidsim_scenario_resolved_yaml(a);
  assert_non_null(text);
  int rc = bidsim_scenario_load_string(text, strlen(text), "resolved.yaml", &b, &err);
  if (rc) fail_msg("resolved text does not load: %s: %s\n%s", err.where, err.msg, text);
  char *again = bidsim_scenario_resolved_yaml(b);
  assert_string_equal(text, again);   /* a fixed point: nothing lost or changed */
  assert_int_equal(a->seed, b->seed);
  assert_int_equal(a->plan_count, b->plan_count);
  assert_int_equal(a->phase_count, b->phase_count);
  assert_memory_equal(a->diurnal, b->diurnal, sizeof a->diurnal);
  assert_memory_equal(&a->auction, &b->auction, sizeof a->auction);
  for (uint32_t i = 0; i < a->plan_count; i++) {
    assert_memory_equal(a->plans[i].bid_li, b->plans[i].bid_li, sizeof a->plans[i].bid_li);
    assert_int_equal(a->plans[i].cap_li, b->plans[i].cap_li);
    assert_int_equal(a->plans[i].publish_second, b->plans[i].publish_second);
  }
  bidsim_free(text);
  bidsim_free(again);
  bidsim_scenario_free(a);
  bidsim_scenario_free(b);
}

/* Variants: changes merged over the plan's settings, checked by the rules
 * module, names resolved (Shop/Plan when a name repeats), round trip. */
static void test_variants(void **state) {
  (void)state;
  bidsim_scenario_t *sc = NULL, *b = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_load("scenarios/bid_variants.yaml", &sc, &err), BIDSIM_OK);
  assert_int_equal(sc->variant_count, 4);
  assert_string_equal(sc->variants[0].name, "current");
  assert_int_equal(sc->variants[0].change_count, 0);
  const bidsim_sc_change_t *ch = &sc->variants[1].changes[0];
  assert_string_equal(sc->plans[ch->plan].name, "Kitchen");
  assert_int_equal(ch->bid_li[0], 1560);
  assert_int_equal(ch->bid_li[2], 1920);
  assert_int_equal(ch->cap_li, BIDSIM_CAP_UNLIMITED);          /* not changed: the plan's */
  ch = &sc->variants[2].changes[0];
  assert_int_equal(ch->cap_li, 500000);
  assert_int_equal(ch->bid_li[1], sc->plans[ch->plan].bid_li[1]);   /* bids kept */
  char *text = bidsim_scenario_resolved_yaml(sc);
  assert_int_equal(bidsim_scenario_load_string(text, strlen(text), "resolved.yaml", &b, &err), BIDSIM_OK);
  char *again = bidsim_scenario_resolved_yaml(b);
  assert_string_equal(text, again);
  assert_int_equal(b->variant_count, 4);
  assert_memory_equal(b->variants[1].changes[0].bid_li, sc->variants[1].changes[0].bid_li, sizeof ch->bid_li);
  bidsim_free(text);
  bidsim_free(again);
  bidsim_scenario_free(sc);
  bidsim_scenario_free(b);

  /* without a variants key: one variant, "scenario", changing nothing */
  assert_int_equal(bidsim_scenario_load("scenarios/pdd_baseline.yaml", &sc, &err), BIDSIM_OK);
  assert_int_equal(sc->variant_count, 1);
  assert_string_equal(sc->variants[0].name, "scenario");
  bidsim_scenario_free(sc);

  /* two shops with a plan called P: the bare name is ambiguous */
  static const char two_shops[] =
    "traffic: {impressions_per_day: 10}\n"
    "shops: [{name: A, products: [{id: 1, sales: 900}]}, {name: B, products: [{id: 1, sales: 900}]}]\n"
    "plans:\n"
    "  - {name: P, shop: A, products: [1], bids: {ordinary: 1.00}}\n"
    "  - {name: P, shop: B, products: [1], bids: {ordinary: 1.00}}\n"
    "variants:\n"
    "  - name: v\n"
    "    plans: {%s: {bids: {shop: %s}}}\n";
  char buf[1024];
  snprintf(buf, sizeof buf, two_shops, "P", "1.20");
  assert_int_equal(bidsim_scenario_load_string(buf, strlen(buf), "t.yaml", &sc, &err), BIDSIM_ESCHEMA);
  assert_non_null(strstr(err.msg, "several shops"));
  assert_non_null(strstr(err.where, "t.yaml:8:13: variants[0].plans"));
  snprintf(buf, sizeof buf, two_shops, "B/P", "1.20");
  assert_int_equal(bidsim_scenario_load_string(buf, strlen(buf), "t.yaml", &sc, &err), BIDSIM_OK);
  assert_int_equal(sc->variants[0].changes[0].plan, 1);
  assert_int_equal(sc->variants[0].changes[0].bid_li[0], 1000);   /* the plan's */
  assert_int_equal(sc->variants[0].changes[0].bid_li[1], 1200);   /* the variant's */
  assert_int_equal(sc->variants[0].changes[0].bid_li[2], 1100);   /* the plan's default premium bid */
  bidsim_scenario_free(sc);
  /* the merged bids obey the platform rules at each boundary */
  static const struct { const char *shop; int code; } cases[] = {
    { "1.10", BIDSIM_OK }, { "1.09", BIDSIM_EPREMIUM }, { "4.00", BIDSIM_OK }, { "4.01", BIDSIM_EPREMIUM },
    { "99.01", BIDSIM_EBIDRANGE }, { "1.105", BIDSIM_EBIDUNIT } };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    snprintf(buf, sizeof buf, two_shops, "A/P", cases[i].shop);
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "t.yaml", &sc, &err);
    if (rc != cases[i].code) fail_msg("shop bid %s: got %d (%s), want %d", cases[i].shop, rc, err.msg, cases[i].code);
    bidsim_scenario_free(sc);
    sc = NULL;
  }
}

/* Names and ids that must be unique (issue 12: checked through hash indexes
 * now, not pairwise): the second use is refused at its own line and column,
 * and what may repeat (a product id in two shops, a plan name in two shops)
 * loads. */
static void test_duplicates_are_refused_at_the_second(void **state) {
  (void)state;
  static const struct { const char *text, *where, *msg; } bad[] = {
    { "traffic: {impressions_per_day: 10}\nshops:\n  - {name: A}\n  - {name: B}\n  - {name: A}\n",
      "d.yaml:5:12: shops[2].name", "shop 'A' is listed twice" },
    { "traffic: {impressions_per_day: 10}\nshops:\n  - name: A\n    products: [{id: 7, sales: 900}, {id: 8, sales: 900},\n"
      "               {id: 7, sales: 900}]\nmarket: {plans: 1}\n",
      "d.yaml:5:21: shops[0].products[2]", "product id 7 is listed twice in shop 'A'" },
    { "traffic: {impressions_per_day: 10, categories: [{name: a, share: 0.5}, {name: a, share: 0.5}]}\nmarket: {plans: 1}\n",
      "d.yaml:1:79: traffic.categories[1].name", "category 'a' is listed twice" },
    { "traffic: {impressions_per_day: 10}\nshops: [{name: A, products: [{id: 1, sales: 900}]}]\n"
      "plans: [{name: P, shop: A, products: [1], bids: {ordinary: 1.00}}]\n"
      "variants: [{name: v, plans: {P: {cap: 200}, A/P: {cap: 300, strategy: {kind: fixed}}}}]\n",
      "d.yaml:4:45: variants[0].plans", "plan 'P' is changed twice" },
    { "traffic: {impressions_per_day: 10}\nshops: [{name: A, products: [{id: 1, sales: 900}]}]\n"
      "plans: [{name: P, shop: A, products: [1], bids: {ordinary: 1.00}}]\n"
      "variants: [{name: v}, {name: w}, {name: v}]\n",
      "d.yaml:4:41: variants[2].name", "variant name 'v' is already used by variants[0]" },
    { "traffic: {impressions_per_day: 10}\nshops: [{name: A, products: [{id: 1, sales: 900}]}]\n"
      "plans: [{name: P, shop: B, products: [1], bids: {ordinary: 1.00}}]\n",
      "d.yaml:3:25: plans[0].shop", "unknown shop 'B'" },
    { "traffic: {impressions_per_day: 10}\nshops: [{name: A, products: [{id: 1, sales: 900, category: b}]}]\n",
      "d.yaml:2:60: shops[0].products[0].category", "unknown category 'b'" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(bad[i].text, strlen(bad[i].text), "d.yaml", &sc, &err);
    assert_null(sc);
    if (rc != BIDSIM_ESCHEMA || strcmp(err.where, bad[i].where) || !strstr(err.msg, bad[i].msg))
      fail_msg("case %zu: %d '%s: %s', want '%s: %s'", i, rc, err.where, err.msg, bad[i].where, bad[i].msg);
  }
  static const char fine[] =
    "traffic: {impressions_per_day: 10, categories: [{name: a, share: 0.5}, {name: b, share: 0.5}]}\n"
    "shops: [{name: A, products: [{id: 7, sales: 900, category: b}]}, {name: B, products: [{id: 7, sales: 900}]}]\n"
    "plans: [{name: P, shop: A, products: [7], bids: {ordinary: 1.00}}, {name: P, shop: B, products: [7], bids: {ordinary: 1.00}}]\n"
    "variants: [{name: v, plans: {A/P: {cap: 200}, B/P: {cap: 300}}}, {name: w, plans: {B/P: {cap: 400}}}]\n";
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_string(fine, strlen(fine), "f.yaml", &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->shops[0].products[0].category, 1);
  assert_int_equal(sc->plans[1].shop, 1);
  assert_int_equal(sc->variants[0].changes[1].plan, 1);
  assert_int_equal(sc->variants[1].changes[0].plan, 1);
  assert_int_equal(sc->variants[1].changes[0].cap_li, 400000);
  /* the resolved text names both plans as Shop/Plan and loads back */
  char *text = bidsim_scenario_resolved_yaml(sc);
  assert_non_null(strstr(text, "\"A/P\":"));
  assert_non_null(strstr(text, "\"B/P\":"));
  bidsim_scenario_t *b = NULL;
  if (bidsim_scenario_load_string(text, strlen(text), "r.yaml", &b, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_true(bidsim_scenario_fingerprint(sc) == bidsim_scenario_fingerprint(b));
  bidsim_free(text);
  bidsim_scenario_free(sc);
  bidsim_scenario_free(b);
}

/* Sweeps: points as a grid (first key slowest) or zipped, ranges in exact
 * decimal steps, each point a complete scenario with its values set,
 * invalid points and shape changes reported with the point's parameters. */
static const char sweep_base[] =
  "seed: 5\n"
  "traffic: {impressions_per_day: 1000}\n"
  "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
  "plans:\n"
  "  - {name: P, shop: S, products: [1], bids: {ordinary: 1.00, shop: 2.00, similar: 2.00}}\n"
  "sweep:\n"
  "%s";

static int load_sweep(const char *spec, bidsim_scenario_t **sc, bidsim_error_t *err) {
  char buf[2048];
  snprintf(buf, sizeof buf, sweep_base, spec);
  return bidsim_scenario_load_string(buf, strlen(buf), "s.yaml", sc, err);
}

static void test_sweeps(void **state) {
  (void)state;
  bidsim_scenario_t *sc = NULL, *b = NULL;
  bidsim_error_t err;
  int rc = load_sweep("  grid:\n    plans[P].bids.ordinary: {start: 1.00, stop: 1.30, step: 0.10}\n"
                      "    auction.slots: [2, 5]\n", &sc, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->variant_count, 8);            /* 4 bids x 2 slot counts */
  assert_int_equal(sc->sweep_key_count, 2);
  assert_string_equal(sc->variants[0].name, "ordinary=1.00,slots=2");
  assert_string_equal(sc->variants[1].name, "ordinary=1.00,slots=5");   /* the last key fastest */
  assert_string_equal(sc->variants[7].name, "ordinary=1.30,slots=5");
  assert_string_equal(sc->sweep_values[2 * 2 + 0], "1.10");              /* 1.00 + 2 x 0.10, no drift */
  assert_int_equal(sc->variant_sc[5]->plans[0].bid_li[0], 1200);
  assert_int_equal(sc->variant_sc[5]->auction.slots, 5);
  assert_int_equal(sc->variant_sc[4]->auction.slots, 2);
  assert_int_equal(sc->variant_sc[4]->plans[0].bid_li[1], 2000);        /* other keys untouched */
  /* the resolved scenario lists the values and reloads to the same points */
  char *text = bidsim_scenario_resolved_yaml(sc);
  rc = bidsim_scenario_load_string(text, strlen(text), "resolved.yaml", &b, &err);
  if (rc) fail_msg("resolved sweep does not load: %s: %s\n%s", err.where, err.msg, text);
  char *again = bidsim_scenario_resolved_yaml(b);
  assert_string_equal(text, again);
  assert_int_equal(b->variant_count, 8);
  assert_int_equal(b->variant_sc[5]->plans[0].bid_li[0], 1200);
  assert_true(bidsim_scenario_fingerprint(sc) == bidsim_scenario_fingerprint(b));
  bidsim_free(text);
  bidsim_free(again);
  bidsim_scenario_free(sc);
  bidsim_scenario_free(b);

  /* zip: the i-th value of every key; a key whose section is left to its
   * defaults is created */
  rc = load_sweep("  zip:\n    plans[0].cap: [100, 200.5]\n    users.ctr_mult.shop: [1.5, 3]\n", &sc, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->variant_count, 2);
  assert_int_equal(sc->variant_sc[1]->plans[0].cap_li, 200500);
  assert_true(sc->variant_sc[1]->ctr_mult[1] == 3.0);
  bidsim_scenario_free(sc);

  /* errors: an invalid point (premium rule), a point changing the plans,
   * unequal zip lists, an unsweepable key, a missing list item */
  static const struct { const char *spec, *want; } bad[] = {
    { "  grid:\n    plans[P].bids.ordinary: [1.00, 1.90]\n", "point 1 (plans[P].bids.ordinary=1.90): shop bid 2.00 yuan is less than 10%" },
    { "  grid:\n    market.plans: [0, 10]\n", "changes the number of shops or plans" },
    { "  zip:\n    auction.slots: [1, 2]\n    auction.reserve: [0.10]\n", "zip needs lists of one length" },
    { "  grid:\n    seed: [1, 2]\n", "cannot be swept" },
    { "  grid:\n    plans[Q].cap: [100]\n", "no such list item" },
    { "  grid:\n    auction.slots: {start: 1, stop: 5000, step: 1}\n", "more than 4096" },
    /* key parts are compared as written ("slots" in quotes is no key) */
    { "  grid:\n    auction.\"slots\": [1, 2]\n", "a key the file does not have must be a plain name" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    sc = NULL;
    rc = load_sweep(bad[i].spec, &sc, &err);
    if (rc == BIDSIM_OK || !strstr(err.msg, bad[i].want))
      fail_msg("sweep %zu: rc %d, message '%s', want '%s'", i, rc, err.msg, bad[i].want);
    assert_null(sc);
    assert_non_null(strstr(err.where, "s.yaml:"));
  }
}

/* --seed/--days/--replicates (issue 11 defect 2): the overrides reach every
 * sweep point's own scenario, as the same values written in the file do, and
 * meet the file's checks. */
static void test_overrides_reach_every_sweep_point(void **state) {
  (void)state;
  static const char spec[] = "  grid:\n    plans[P].bids.ordinary: [1.00, 1.10]\n    auction.slots: [2, 3]\n";
  char file[2048], written[2100];
  snprintf(file, sizeof file, sweep_base, spec);
  /* the file says seed: 5 (its first line); written: the file saying 77, 5 days, 3 replicates */
  assert_true(strncmp(file, "seed: 5\n", 8) == 0);
  snprintf(written, sizeof written, "seed: 77\ndays: 5\nreplicates: 3\n%s", file + 8);
  bidsim_scenario_options_t opt = { .overrides = { true, 77, 5, 3 }, .load_plugins = true };
  bidsim_scenario_t *sc = NULL, *w = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_string_opt(file, strlen(file), "s.yaml", &opt, &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  if (bidsim_scenario_load_string(written, strlen(written), "w.yaml", &w, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->variant_count, 4);
  for (uint32_t v = 0; v < sc->variant_count; v++) {
    assert_true(sc->variant_sc[v]->seed == 77);
    assert_int_equal(sc->variant_sc[v]->days, 5);
    assert_int_equal(sc->variant_sc[v]->replicates, 3);
  }
  assert_true(bidsim_scenario_fingerprint(sc) == bidsim_scenario_fingerprint(w));
  bidsim_scenario_free(sc);
  bidsim_scenario_free(w);

  /* out of the file's ranges, or below a publish day: refused at the key */
  static const char pub[] = "days: 3\ntraffic: {impressions_per_day: 10}\nshops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
                            "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00}, publish: {day: 2}}]\n";
  static const struct { bidsim_scenario_overrides_t ov; int code; const char *where, *msg; } bad[] = {
    { { false, 0, 2, 0 }, BIDSIM_ESCHEMA, "o.yaml:4:", "published on day 2, after the last day 1 (--days 2)" },
    { { false, 0, BIDSIM_DAYS_MAX + 1, 0 }, BIDSIM_ESCHEMA, "o.yaml:1:7: days", "--days 3661 is outside" },
    { { false, 0, 0, BIDSIM_REPLICATES_MAX + 1 }, BIDSIM_ESCHEMA, "o.yaml:1:1: replicates", "--replicates 1000001" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    bidsim_scenario_options_t o = { .overrides = bad[i].ov, .load_plugins = true };
    sc = NULL;
    int rc = bidsim_scenario_load_string_opt(pub, strlen(pub), "o.yaml", &o, &sc, &err);
    assert_int_equal(rc, bad[i].code);
    assert_null(sc);
    if (!strstr(err.where, bad[i].where) || !strstr(err.msg, bad[i].msg))
      fail_msg("override %zu: '%s: %s', want '%s' and '%s'", i, err.where, err.msg, bad[i].where, bad[i].msg);
  }
  /* the boundaries themselves are accepted */
  bidsim_scenario_options_t ok = { .overrides = { false, 0, 3, BIDSIM_REPLICATES_MAX }, .load_plugins = true };
  assert_int_equal(bidsim_scenario_load_string_opt(pub, strlen(pub), "o.yaml", &ok, &sc, &err), BIDSIM_OK);
  assert_int_equal(sc->replicates, BIDSIM_REPLICATES_MAX);
  bidsim_scenario_free(sc);
}

/* A sweep's resolved scenario loads back to the same points (issue 12): a
 * value derived from a swept key (segment bids defaulted from the base bid,
 * a product's order value from its price and its name from its id, the
 * competitors' category mix, position weights from examination_eta) is left
 * to be derived again, not frozen at the base's value. Each point's
 * fingerprint, not only the base's, must survive the round trip. */
static void test_sweep_resolved_loads_to_the_same_points(void **state) {
  (void)state;
  static const char file[] =
    "traffic: {impressions_per_day: 1000, categories: [{name: a, share: 0.5}, {name: b, share: 0.5}]}\n"
    "shops: [{name: S, products: [{id: 1, sales: 900, price: 50}, {id: 2, sales: 900, category: b}]}]\n"
    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00}}]\n"
    "market: {plans: 3}\n"
    "sweep:\n%s";
  static const char *const specs[] = {
    "  grid:\n    plans[P].bids.ordinary: [1.00, 2.00, 5.00]\n",   /* the reported case: failed validation */
    "  grid:\n    shops[S].products[0].price: [50, 80]\n",
    "  grid:\n    shops[S].products[1].id: [2, 3]\n",
    "  zip:\n    traffic.categories[a].share: [0.5, 0.7]\n    traffic.categories[b].share: [0.5, 0.3]\n",
    "  grid:\n    auction.examination_eta: [0.5, 1.5, 10]\n",
  };
  char buf[2048];
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    snprintf(buf, sizeof buf, file, specs[i]);
    bidsim_scenario_t *a = NULL, *b = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "s.yaml", &a, &err);
    if (rc) fail_msg("spec %zu: %s: %s", i, err.where, err.msg);
    char *text = bidsim_scenario_resolved_yaml(a);
    rc = bidsim_scenario_load_string(text, strlen(text), "resolved.yaml", &b, &err);
    if (rc) fail_msg("spec %zu: the resolved sweep does not load: %s: %s\n%s", i, err.where, err.msg, text);
    assert_true(bidsim_scenario_fingerprint(a) == bidsim_scenario_fingerprint(b));
    assert_int_equal(a->variant_count, b->variant_count);
    for (uint32_t v = 0; v < a->variant_count; v++)
      if (bidsim_scenario_fingerprint(a->variant_sc[v]) != bidsim_scenario_fingerprint(b->variant_sc[v]))
        fail_msg("spec %zu point %u differs after the round trip:\n%s", i, v, text);
    bidsim_free(text);
    if (i == 0) {   /* the points' own defaulted segment bids: 1.10 x their base */
      assert_int_equal(b->variant_sc[2]->plans[0].bid_li[1], 5500);
      assert_int_equal(b->variant_sc[2]->plans[0].bid_li[2], 5500);
    }
    if (i == 1) assert_true(b->variant_sc[1]->shops[0].products[0].order_value_yuan.a == 80.0);
    if (i == 3) assert_true(b->variant_sc[1]->market.category_shares[0] == 0.7);
    if (i == 4) assert_int_equal(b->variant_sc[0]->auction.position_weight_ppm[3], 500000);   /* (1/4)^0.5 */
    bidsim_scenario_free(a);
    bidsim_scenario_free(b);
  }
}

/* The default segment bid (base x 1.10) of an absurd base bid is computed
 * by the rules module without overflow (it was base * 110 in int64: UB for
 * a base above 8.4e13 yuan) and the base is refused at its key. */
static void test_huge_base_bid_is_refused_without_overflow(void **state) {
  (void)state;
  static const char *const bases[] = { "900000000000000", "922337203685477.580", "99.01", "99.00" };
  static const int codes[] = { BIDSIM_EBIDRANGE, BIDSIM_EBIDRANGE, BIDSIM_EBIDRANGE, BIDSIM_EBIDRANGE };
  for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
    char buf[512];
    snprintf(buf, sizeof buf,
             "traffic: {impressions_per_day: 10}\nshops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
             "plans: [{name: P, shop: S, products: [1], bids: {ordinary: %s}}]\n", bases[i]);
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "h.yaml", &sc, &err);
    if (rc != codes[i]) fail_msg("base %s: rc %d (%s: %s)", bases[i], rc, err.where, err.msg);
    assert_null(sc);
  }
}

/* Plugins are trusted code (issue 12): without load_plugins the loader runs
 * none of it, checks the file is there, keeps the parameters unchecked and
 * counts what it skipped; a sweep point finds a relative plugin beside its
 * file (it looked in the working directory: the point's "path" is a label). */
static void test_plugins_load_only_when_asked(void **state) {
  (void)state;
  char dir[] = "/tmp/bidsim-plugins-XXXXXX", so[64], file[80];
  assert_non_null(mkdtemp(dir));
  snprintf(so, sizeof so, "%s/plug.so", dir);
  snprintf(file, sizeof file, "%s/s.yaml", dir);
  FILE *f = fopen(so, "w");   /* not a shared object at all: never opened */
  assert_non_null(f);
  fclose(f);
  static const char text[] =
    "traffic: {impressions_per_day: 10}\nshops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00},\n"
    "         strategy: {plugin: %s, params: {anything: 5, list: [1, 2]}}}]\n"
    "sweep:\n  grid:\n    plans[P].bids.ordinary: [1.00, 1.20]\n";
  char buf[1024];
  bidsim_scenario_options_t opt = { .load_plugins = false };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  snprintf(buf, sizeof buf, text, "plug.so");
  if (bidsim_scenario_load_string_opt(buf, strlen(buf), file, &opt, &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->plugins_skipped, 1);
  assert_null(sc->plans[0].strategy->impl);
  assert_null(sc->plans[0].strategy->plugin_handle);
  assert_string_equal(sc->plans[0].strategy->plugin_path, "plug.so");
  assert_int_equal(sc->plans[0].strategy->param_count, 3);   /* anything, list.0, list.1 */
  assert_int_equal(sc->variant_count, 2);
  assert_null(sc->variant_sc[1]->plans[0].strategy->impl);
  /* a scenario loaded without its plugins is refused by the job, before
   * any file or store is made, rather than run with no strategy */
  char out[96];
  snprintf(out, sizeof out, "%s/out.h5", dir);
  bidsim_run_options_t ropt = { .threads = 1 };
  bidsim_job_t *job = NULL;
  assert_int_equal(bidsim_job_open(sc, out, &ropt, &job, &err), BIDSIM_EINVAL);
  assert_null(job);
  assert_non_null(strstr(err.msg, "without its plugins"));
  struct stat st;
  assert_int_not_equal(stat(out, &st), 0);
  snprintf(out, sizeof out, "%s/out.h5.units", dir);
  assert_int_not_equal(stat(out, &st), 0);
  bidsim_scenario_free(sc);
  /* asked to load it: this file is no shared object, refused at the key */
  opt.load_plugins = true;
  assert_int_equal(bidsim_scenario_load_string_opt(buf, strlen(buf), file, &opt, &sc, &err), BIDSIM_EPLUGIN);
  assert_non_null(strstr(err.msg, "cannot load the plugin"));
  /* missing, with or without loading: refused at the key */
  snprintf(buf, sizeof buf, text, "missing.so");
  for (int load = 0; load < 2; load++) {
    opt.load_plugins = load;
    assert_int_equal(bidsim_scenario_load_string_opt(buf, strlen(buf), file, &opt, &sc, &err), BIDSIM_EPLUGIN);
    assert_null(sc);
    assert_non_null(strstr(err.where, "s.yaml:4:29: plans[0].strategy.plugin"));
    assert_non_null(strstr(err.msg, "cannot load the plugin"));
  }
  remove(so);
  rmdir(dir);
}

/* Out of memory at each of the loader's allocations in turn (variants,
 * strategies, service, market strategies, a sweep): only BIDSIM_ENOMEM,
 * nothing half-built returned (and no leak under the sanitizer build). */
static long oom_budget = -1, oom_calls;
static void *oom_malloc(size_t n) { oom_calls++; return oom_budget-- == 0 ? NULL : malloc(n); }
static void *oom_calloc(size_t c, size_t n) { oom_calls++; return oom_budget-- == 0 ? NULL : calloc(c, n); }
static void *oom_realloc(void *p, size_t n) { oom_calls++; return oom_budget-- == 0 ? NULL : realloc(p, n); }

static void test_out_of_memory(void **state) {
  (void)state;
  static const char text[] =
    "seed: 3\n"
    "traffic: {impressions_per_day: 1000, categories: [{name: a, share: 0.5}, {name: b, share: 0.5}]}\n"
    "shops:\n"
    "  - name: S\n"
    "    service: {consult_share: 0.1, capacity_per_hour: 10}\n"
    "    products: [{id: 1, sales: 1000, category: a}, {id: 2, sales: 1000, category: b}]\n"
    "plans:\n"
    "  - {name: A1, shop: S, cap: 200, products: [1], bids: {ordinary: 0.90},\n"
    "     strategy: {kind: schedule, params: {hours: [100, 90]}}}\n"
    "  - {name: B1, shop: S, products: [2], bids: {ordinary: 0.90}}\n"
    "market: {plans: 5, strategies: [{share: 0.5, strategy: {kind: bidwar}}]}\n"
    "sweep:\n"
    "  zip:\n"
    "    plans[B1].cap: [100, 300]\n"
    "    auction.slots: [2, 3]\n";
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_replace_allocator(oom_malloc, oom_calloc, oom_realloc, free), BIDSIM_OK);
  oom_calls = 0;
  int rc = bidsim_scenario_load_string(text, strlen(text), "oom.yaml", &sc, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->variant_count, 2);
  bidsim_scenario_free(sc);
  long total = oom_calls;
  for (long n = 0; n < total; n++) {
    oom_budget = n;
    sc = NULL;
    rc = bidsim_scenario_load_string(text, strlen(text), "oom.yaml", &sc, &err);
    if (rc != BIDSIM_ENOMEM) fail_msg("allocation %ld of %ld failing: code %d (%s: %s)", n, total, rc, err.where, err.msg);
    assert_null(sc);
  }
  oom_budget = -1;
  bidsim_replace_allocator(malloc, calloc, realloc, free);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rule_boundaries), cmocka_unit_test(test_defaults_and_shipped),
    cmocka_unit_test(test_resolved_round_trip), cmocka_unit_test(test_variants), cmocka_unit_test(test_sweeps),
    cmocka_unit_test(test_out_of_memory), cmocka_unit_test(test_overrides_reach_every_sweep_point),
    cmocka_unit_test(test_duplicates_are_refused_at_the_second),
    cmocka_unit_test(test_sweep_resolved_loads_to_the_same_points),
    cmocka_unit_test(test_huge_base_bid_is_refused_without_overflow),
    cmocka_unit_test(test_plugins_load_only_when_asked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
