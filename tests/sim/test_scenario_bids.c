/* tests/sim/test_scenario_bids.c - scenarios the way the platform writes
 * them (issue 14): segment bids as premiums over the base ("+100%"), kept
 * as premiums when a variant or a sweep point moves the base, written back
 * as premiums; quality scores only where the quality model uses them; and
 * warnings for likely unit mistakes (a bid or cap typed in fen). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"
#include "sim/world.h"
#include "sim/world_internal.h"

/* One shop, one plan P with the given bids (and anything after). */
static const char one_plan[] =
  "traffic: {impressions_per_day: 1000}\n"
  "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
  "plans:\n"
  "  - {name: P, shop: S, products: [1], bids: %s}\n"
  "%s";

static int load_plan(const char *bids, const char *rest, bidsim_scenario_t **sc, bidsim_error_t *err) {
  char buf[4096];
  snprintf(buf, sizeof buf, one_plan, bids, rest);
  return bidsim_scenario_load_string(buf, strlen(buf), "b.yaml", sc, err);
}

/* The resolved text loads back to itself and to the same fingerprint,
 * every sweep point's included (the fuzz harness's property). */
static void assert_round_trip(const bidsim_scenario_t *a) {
  char *text = bidsim_scenario_resolved_yaml(a);
  assert_non_null(text);
  bidsim_scenario_t *b = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_string(text, strlen(text), "resolved.yaml", &b, &err))
    fail_msg("the resolved text does not load: %s: %s\n%s", err.where, err.msg, text);
  char *again = bidsim_scenario_resolved_yaml(b);
  assert_string_equal(text, again);
  assert_true(bidsim_scenario_fingerprint(a) == bidsim_scenario_fingerprint(b));
  assert_int_equal(a->variant_count, b->variant_count);
  for (uint32_t v = 0; a->variant_sc && v < a->variant_count; v++) {
    assert_true(bidsim_scenario_fingerprint(a->variant_sc[v]) == bidsim_scenario_fingerprint(b->variant_sc[v]));
    assert_memory_equal(a->variant_sc[v]->plans[0].bid_li, b->variant_sc[v]->plans[0].bid_li, sizeof a->plans[0].bid_li);
  }
  for (uint32_t v = 0; v < a->variant_count; v++)
    for (uint32_t k = 0; k < a->variants[v].change_count; k++)
      assert_memory_equal(a->variants[v].changes[k].bid_li, b->variants[v].changes[k].bid_li,
                          sizeof a->variants[v].changes[k].bid_li);
  bidsim_free(text);
  bidsim_free(again);
  bidsim_scenario_free(b);
}

/* {ordinary: 1.30, shop: +100%, similar: +25%}: 2.60 and 1.625 rounded up
 * to 1.63 (docs/model.md §1); the percent is the premium rule's, 10..300,
 * whole, with its sign; the base bid is yuan. */
static void premium_bids_resolve_rounded_up_within_the_rule(void **state) {
  (void)state;
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (load_plan("{ordinary: 1.30, shop: +100%, similar: +25%}", "", &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->plans[0].bid_li[0], 1300);
  assert_int_equal(sc->plans[0].bid_li[1], 2600);
  assert_int_equal(sc->plans[0].bid_li[2], 1630);
  assert_int_equal(sc->plans[0].premium_pct[1], 100);
  assert_int_equal(sc->plans[0].premium_pct[2], 25);
  char *text = bidsim_scenario_resolved_yaml(sc);   /* written back as written */
  assert_non_null(strstr(text, "bids: {ordinary: 1.300, shop: +100%, similar: +25%}"));
  bidsim_free(text);
  assert_round_trip(sc);
  bidsim_scenario_free(sc);
  /* a yuan bid and a premium side by side; the default is +10% */
  if (load_plan("{ordinary: 0.95, shop: 2.00}", "", &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->plans[0].bid_li[1], 2000);
  assert_int_equal(sc->plans[0].premium_pct[1], 0);
  assert_int_equal(sc->plans[0].bid_li[2], 1050);   /* 1.045 rounded up */
  bidsim_scenario_free(sc);
  static const struct { const char *bids; int code; const char *where, *msg; } cases[] = {
    { "{ordinary: 1.00, shop: +10%, similar: +300%}", BIDSIM_OK, NULL, NULL },
    { "{ordinary: 1.00, shop: +9%}", BIDSIM_EPREMIUM, "b.yaml:4:68: plans[0].bids.shop", "less than the minimum +10%" },
    { "{ordinary: 1.00, similar: +301%}", BIDSIM_EPREMIUM, "plans[0].bids.similar", "more than the maximum +300%" },
    { "{ordinary: 0.10, shop: +9%}", BIDSIM_EPREMIUM, "plans[0].bids.shop", "+9%" },   /* 0.109 -> 0.11 passes the bid rule */
    { "{ordinary: 1.00, shop: 100%}", BIDSIM_ESCHEMA, "plans[0].bids.shop", "written with its sign" },
    { "{ordinary: 1.00, shop: -10%}", BIDSIM_ESCHEMA, "plans[0].bids.shop", "written with its sign" },
    { "{ordinary: 1.00, shop: +12.5%}", BIDSIM_ESCHEMA, "plans[0].bids.shop", "whole percent" },
    { "{ordinary: 1.00, shop: +%}", BIDSIM_ESCHEMA, "plans[0].bids.shop", "whole percent" },
    { "{ordinary: 1.00, shop: \"+50%\"}", BIDSIM_ESCHEMA, "plans[0].bids.shop", "such as +25%" },
    { "{ordinary: 1.00, shop: +1.50}", BIDSIM_ESCHEMA, "plans[0].bids.shop", "such as +25%" },
    { "{ordinary: +10%}", BIDSIM_ESCHEMA, "b.yaml:4:56: plans[0].bids.ordinary", "the base bid is in yuan" },
    /* 30.00 x 4 = 120.00: the bid rule's maximum, at the premium's key */
    { "{ordinary: 30.00, shop: +300%}", BIDSIM_EBIDRANGE, "b.yaml:4:69: plans[0].bids.shop", "above the maximum 99.00" },
    { "{ordinary: 24.75, shop: +300%}", BIDSIM_OK, NULL, NULL },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    sc = NULL;
    int rc = load_plan(cases[i].bids, "", &sc, &err);
    if (rc != cases[i].code) fail_msg("case %zu: %d (%s: %s), want %d", i, rc, err.where, err.msg, cases[i].code);
    if (rc && (!strstr(err.where, cases[i].where) || !strstr(err.msg, cases[i].msg)))
      fail_msg("case %zu: '%s: %s', want '%s' and '%s'", i, err.where, err.msg, cases[i].where, cases[i].msg);
    bidsim_scenario_free(sc);
  }
}

/* A variant moving the base moves the premiums with it: the plan's "+N%"
 * and the default +10% follow the variant's base; a yuan bid stays; a
 * variant's own bids take the same form. */
static void variants_keep_premiums_over_their_base(void **state) {
  (void)state;
  static const char variants[] =
    "  - {name: Q, shop: S, products: [1], bids: {ordinary: 1.00}}\n"
    "  - {name: R, shop: S, products: [1], bids: {ordinary: 1.00, shop: 2.00, similar: +50%}}\n"
    "variants:\n"
    "  - name: up\n"
    "    plans:\n"
    "      P: {bids: {ordinary: 2.00}}\n"
    "      Q: {bids: {ordinary: 1.50}}\n"
    "      R: {bids: {ordinary: 1.20}}\n"
    "  - name: own\n"
    "    plans:\n"
    "      P: {bids: {shop: +200%}}\n"
    "      R: {bids: {ordinary: 0.80, shop: +25%, similar: 1.00}}\n"
    "  - name: cap_only\n"
    "    plans: {P: {cap: 500}}\n";
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (load_plan("{ordinary: 1.30, shop: +100%, similar: +25%}", variants, &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  const bidsim_sc_change_t *ch = sc->variants[0].changes;
  assert_int_equal(ch[0].bid_li[1], 4000);   /* P: +100% of 2.00 */
  assert_int_equal(ch[0].bid_li[2], 2500);   /* +25% */
  assert_int_equal(ch[1].bid_li[1], 1650);   /* Q: the default +10% of 1.50 (was the plan's 1.10: below the rule) */
  assert_int_equal(ch[1].bid_li[2], 1650);
  assert_int_equal(ch[2].bid_li[1], 2000);   /* R: yuan stays */
  assert_int_equal(ch[2].bid_li[2], 1800);   /* +50% of 1.20 */
  ch = sc->variants[1].changes;
  assert_int_equal(ch[0].bid_li[0], 1300);   /* the plan's base */
  assert_int_equal(ch[0].bid_li[1], 3900);
  assert_int_equal(ch[0].bid_li[2], 1630);
  assert_int_equal(ch[1].bid_li[1], 1000);
  assert_int_equal(ch[1].bid_li[2], 1000);
  assert_int_equal(ch[1].premium_pct[2], 0);
  ch = sc->variants[2].changes;
  assert_int_equal(ch[0].bid_li[1], 2600);
  assert_int_equal(ch[0].cap_li, 500000);
  assert_round_trip(sc);
  bidsim_scenario_free(sc);
  /* a variant's premium obeys the rule at its own key */
  static const char bad[] = "variants:\n  - name: v\n    plans: {P: {bids: {similar: +301%}}}\n";
  assert_int_equal(load_plan("{ordinary: 1.30}", bad, &sc, &err), BIDSIM_EPREMIUM);
  assert_non_null(strstr(err.where, "b.yaml:7:33: variants[0].plans.P.bids.similar"));
  assert_null(sc);
}

/* A sweep of the base bid with premiums held (issue 14: it broke the
 * premium rule at its first point, and a user had to zip three lists by
 * hand): every point gets its own segment bids, and the sweep's resolved
 * text reloads to the same points. */
static void a_sweep_of_the_base_bid_keeps_the_premiums(void **state) {
  (void)state;
  static const char sweep[] = "sweep:\n  grid:\n    plans[P].bids.ordinary: {start: 0.50, stop: 3.00, step: 0.05}\n";
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (load_plan("{ordinary: 1.30, shop: +100%, similar: +23%}", sweep, &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->variant_count, 51);
  for (uint32_t v = 0; v < sc->variant_count; v++) {
    const int64_t *b = sc->variant_sc[v]->plans[0].bid_li;
    assert_int_equal(b[0], 500 + 50 * (int64_t)v);
    assert_int_equal(b[1], 2 * b[0]);
    assert_int_equal(b[2], (123 * b[0] + 999) / 1000 * 10);   /* rounded up to fen */
    assert_int_equal(bidsim_rule_check_bids(b, "bids", NULL), BIDSIM_OK);
  }
  assert_int_equal(sc->variant_sc[11]->plans[0].bid_li[2], 1300);   /* 1.05 x 1.23 = 1.2915 -> 1.30 */
  assert_round_trip(sc);
  bidsim_scenario_free(sc);
  /* the premium itself can be swept */
  static const char pct[] = "sweep:\n  grid:\n    plans[P].bids.shop: [+10%, +150%, +300%]\n";
  if (load_plan("{ordinary: 1.30, shop: +100%}", pct, &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_int_equal(sc->variant_sc[1]->plans[0].bid_li[1], 3250);
  assert_int_equal(sc->variant_sc[2]->plans[0].bid_li[1], 5200);
  assert_string_equal(sc->variants[1].name, "shop=+150%");
  assert_round_trip(sc);
  bidsim_scenario_free(sc);
}

/* A strategy's value bids (bidsim_strategy_state_t.value_bid_li) are the
 * resolved yuan bids: the world hands each variant's strategy the plan's
 * bids with the premiums applied to that variant's base. */
static void strategies_value_the_resolved_bids(void **state) {
  (void)state;
  static const char rest[] =
    "variants:\n"
    "  - name: base\n"
    "  - name: up\n"
    "    plans: {P: {bids: {ordinary: 2.00}, strategy: {kind: multiplier, params: {eps: 0.05}}}}\n";
  static const char bids[] = "{ordinary: 1.30, shop: +100%, similar: +25%}";
  char buf[2048];
  snprintf(buf, sizeof buf, one_plan, bids, rest);
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_string(buf, strlen(buf), "b.yaml", &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  bidsim_world_t *w = NULL;
  if (bidsim_world_create(sc, &w, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_null(w->variant_strategy[0]);           /* fixed bids */
  assert_non_null(w->variant_strategy[1]);
  assert_int_equal(w->variant_bids[0][1], 2600);
  assert_int_equal(w->variant_bids[0][2], 1630);
  assert_int_equal(w->variant_bids[1][0], 2000);
  assert_int_equal(w->variant_bids[1][1], 4000);
  assert_int_equal(w->variant_bids[1][2], 2500);
  bidsim_world_free(w);
  bidsim_scenario_free(sc);
}

/* Under auction.quality_model: ctr (the default) each ad ranks with its
 * product's CTR (sim/world.c): a quality score is refused at its key
 * rather than silently ignored; under fixed it is taken, and only then
 * written in the resolved scenario. */
static void quality_scores_apply_under_the_fixed_model_only(void **state) {
  (void)state;
  static const struct { const char *text, *where; } refused[] = {
    { "auction: {quality: 50}\ntraffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n", "q.yaml:1:20: auction.quality" },
    { "auction: {quality_model: ctr, quality: 50}\ntraffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n",
      "q.yaml:1:40: auction.quality" },
    { "traffic: {impressions_per_day: 10}\nmarket: {plans: 1, quality: {dist: fixed, value: 50}}\n",
      "q.yaml:2:30: market.quality" },
    { "traffic: {impressions_per_day: 10}\nshops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
      "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00}, quality: 300}]\n",
      "q.yaml:3:76: plans[0].quality" },
  };
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(refused[i].text, strlen(refused[i].text), "q.yaml", &sc, &err);
    if (rc != BIDSIM_ESCHEMA || strcmp(err.where, refused[i].where) || !strstr(err.msg, "quality_model: fixed only"))
      fail_msg("case %zu: %d '%s: %s', want '%s'", i, rc, err.where, err.msg, refused[i].where);
    assert_null(sc);
    /* the same under the fixed model loads */
    char fixed[1024];
    if (!strncmp(refused[i].text, "auction: {quality_model: ctr", 28))
      snprintf(fixed, sizeof fixed, "auction: {quality_model: fixed%s", refused[i].text + 28);
    else if (!strncmp(refused[i].text, "auction: {", 10))
      snprintf(fixed, sizeof fixed, "auction: {quality_model: fixed, %s", refused[i].text + 10);
    else
      snprintf(fixed, sizeof fixed, "auction: {quality_model: fixed}\n%s", refused[i].text);
    if (bidsim_scenario_load_string(fixed, strlen(fixed), "q.yaml", &sc, &err)) fail_msg("case %zu fixed: %s: %s", i, err.where, err.msg);
    char *text = bidsim_scenario_resolved_yaml(sc);
    assert_non_null(strstr(text, "  quality: "));
    bidsim_free(text);
    assert_round_trip(sc);
    bidsim_scenario_free(sc);
  }
  /* under ctr the resolved text has no quality score to load back */
  static const char ctr[] = "traffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n";
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_load_string(ctr, strlen(ctr), "q.yaml", &sc, &err), BIDSIM_OK);
  char *text = bidsim_scenario_resolved_yaml(sc);
  assert_non_null(strstr(text, "quality_model: ctr"));
  assert_null(strstr(text, "  quality: "));
  bidsim_free(text);
  assert_round_trip(sc);
  bidsim_scenario_free(sc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(premium_bids_resolve_rounded_up_within_the_rule),
    cmocka_unit_test(variants_keep_premiums_over_their_base),
    cmocka_unit_test(a_sweep_of_the_base_bid_keeps_the_premiums),
    cmocka_unit_test(strategies_value_the_resolved_bids),
    cmocka_unit_test(quality_scores_apply_under_the_fixed_model_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
