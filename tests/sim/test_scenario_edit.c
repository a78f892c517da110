/* tests/sim/test_scenario_edit.c - scenarios set at key paths: loading a
 * document with settings (bidsim_scenario_load_settings, the sweep's
 * mechanism) and the text edits that keep every other byte
 * (sim/scenario_edit.h): values replaced where they stand, keys added to
 * block and flow mappings, sections written whole with their defaults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario.h"
#include "sim/scenario_edit.h"

static const char text[] =
  "# a shop, with the owner's notes\n"
  "seed: 5\n"
  "traffic:\n"
  "  impressions_per_day: 20000   # from last week's report\n"
  "  categories: [{name: home, share: 0.5}, {name: kitchen, share: 0.5}]\n"
  "shops:\n"
  "  - name: Acme Home\n"
  "    products:\n"
  "      - {id: 1001, name: Box, sales: 900, category: home, ctr: 0.045}\n"
  "      - {id: 1002, sales: 900, category: kitchen,\n"
  "         cvr: 0.02}\n"
  "plans:\n"
  "  - name: Kitchen\n"
  "    shop: Acme Home\n"
  "    products: [1002]\n"
  "    bids: {ordinary: \"1.20\"}   # quoted: still a number to the loader? no: replaced plain\n"
  "market:\n"
  "  plans: 10\n"
  "  base_bid: {dist: lognormal, median: 0.80, sigma: 0.5}\n";

static bidsim_scenario_t *load(const char *t, uint32_t n, const char *const *k, const char *const *v, int want) {
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  int rc = bidsim_scenario_load_settings(t, strlen(t), "shop.yaml", NULL, n, k, v, &sc, &err);
  if (rc != want) fail_msg("load: %d (want %d): %s: %s", rc, want, err.where, err.msg);
  return sc;
}

static void test_settings_reach_nested_keys_list_items_and_new_sections(void **state) {
  (void)state;
  /* the quoted bid is refused as written; a setting replaces it */
  assert_null(load(text, 0, NULL, NULL, BIDSIM_ESCHEMA));
  const char *k[] = { "plans[Kitchen].bids.ordinary", "market.base_bid.median", "shops[Acme Home].products[1].ctr",
                      "traffic.categories[kitchen].share", "traffic.categories[home].share", "auction.slots" };
  const char *v[] = { "1.35", "0.95", "0.031", "0.7", "0.3", "6" };
  bidsim_scenario_t *sc = load(text, 6, k, v, BIDSIM_OK);
  assert_int_equal(sc->plans[0].bid_li[0], 1350);
  assert_true(sc->market.base_bid_yuan.a == 0.95);
  assert_true(sc->shops[0].products[1].ctr == 0.031);
  assert_true(sc->category_shares[1] == 0.7);
  assert_int_equal(sc->auction.slots, 6);   /* no auction section was written */
  bidsim_scenario_free(sc);
}

static void test_settings_that_break_a_rule_name_the_key_and_the_settings(void **state) {
  (void)state;
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  const char *k[] = { "plans[Kitchen].bids.ordinary" }, *low[] = { "0.05" }, *bad[] = { "plans[Nope].cap" };
  assert_int_equal(bidsim_scenario_load_settings(text, strlen(text), "shop.yaml", NULL, 1, k, low, &sc, &err),
                   BIDSIM_EBIDRANGE);
  assert_non_null(strstr(err.where, "shop.yaml: plans[0].bids.ordinary"));
  assert_non_null(strstr(err.msg, "(with plans[Kitchen].bids.ordinary=0.05)"));
  assert_int_equal(bidsim_scenario_load_settings(text, strlen(text), "shop.yaml", NULL, 1, bad, low, &sc, &err),
                   BIDSIM_ESCHEMA);
  assert_non_null(strstr(err.msg, "cannot set plans[Nope].cap=0.05: no such list item"));
  assert_null(sc);
}

static void test_values_are_read_where_written(void **state) {
  (void)state;
  char *s = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_text_get(text, strlen(text), "traffic.impressions_per_day", &s, &err), BIDSIM_OK);
  assert_string_equal(s, "20000");
  bidsim_free(s);
  assert_int_equal(bidsim_scenario_text_get(text, strlen(text), "shops[Acme Home].products[Box].ctr", &s, &err), BIDSIM_OK);
  assert_string_equal(s, "0.045");
  bidsim_free(s);
  assert_int_equal(bidsim_scenario_text_get(text, strlen(text), "shops[0].products[1].ctr", &s, &err), BIDSIM_ENOTFOUND);
  assert_int_equal(bidsim_scenario_text_get(text, strlen(text), "shops[3].name", &s, &err), BIDSIM_ESCHEMA);
  assert_int_equal(bidsim_scenario_text_get(text, strlen(text), "market.base_bid", &s, &err), BIDSIM_ESCHEMA);
  assert_null(s);
}

static void test_edits_keep_every_other_byte(void **state) {
  (void)state;
  const char *k[] = { "plans[Kitchen].bids.ordinary", "traffic.impressions_per_day", "shops[Acme Home].products[1].ctr",
                      "shops[Acme Home].products[Box].cvr", "market.base_bid.median", "users.cvr_mult.shop" };
  const char *v[] = { "1.35", "24680.5", "0.031", "0.012", "0.95", "2.2" };
  char *out = NULL;
  bidsim_error_t err;
  int rc = bidsim_scenario_text_set(text, strlen(text), "shop.yaml", NULL, 6, k, v, &out, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  static const char want[] =
    "# a shop, with the owner's notes\n"
    "seed: 5\n"
    "traffic:\n"
    "  impressions_per_day: 24680.5   # from last week's report\n"
    "  categories: [{name: home, share: 0.5}, {name: kitchen, share: 0.5}]\n"
    "shops:\n"
    "  - name: Acme Home\n"
    "    products:\n"
    "      - {id: 1001, name: Box, sales: 900, category: home, ctr: 0.045, cvr: 0.012}\n"
    "      - {id: 1002, sales: 900, category: kitchen,\n"
    "         cvr: 0.02, ctr: 0.031}\n"
    "plans:\n"
    "  - name: Kitchen\n"
    "    shop: Acme Home\n"
    "    products: [1002]\n"
    "    bids: {ordinary: 1.35}   # quoted: still a number to the loader? no: replaced plain\n"
    "market:\n"
    "  plans: 10\n"
    "  base_bid: {dist: lognormal, median: 0.95, sigma: 0.5}\n"
    "users: {cvr_mult: {shop: 2.2}}\n";
  assert_string_equal(out, want);
  bidsim_free(out);
}

static void test_a_section_not_written_is_written_whole(void **state) {
  (void)state;
  char *resolved = NULL, **keys, **vals, *out = NULL;
  uint32_t n;
  bidsim_error_t err;
  const char *t = "traffic: {impressions_per_day: 100}\nshops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
                  "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00}}]\nmarket:\n  plans: 3\n";
  bidsim_scenario_t *sc = load(t, 0, NULL, NULL, BIDSIM_OK);
  resolved = bidsim_scenario_resolved_yaml(sc);
  assert_int_equal(bidsim_scenario_text_defaults(t, strlen(t), resolved, "market.order_value.median", &n, &keys, &vals, &err),
                   BIDSIM_OK);
  assert_int_equal(n, 2);
  assert_string_equal(keys[0], "market.order_value.dist");
  assert_string_equal(vals[0], "lognormal");
  assert_string_equal(keys[1], "market.order_value.sigma");
  const char *k[] = { keys[0], keys[1], "market.order_value.median" }, *v[] = { vals[0], "0.5", "150" };
  assert_int_equal(bidsim_scenario_text_set(t, strlen(t), "t.yaml", NULL, 3, k, v, &out, &err), BIDSIM_OK);
  assert_non_null(strstr(out, "market:\n  plans: 3\n  order_value: {dist: lognormal, sigma: 0.5, median: 150}\n"));
  /* a written key, or a missing last part only: nothing to add */
  for (uint32_t i = 0; i < n; i++) { bidsim_free(keys[i]); bidsim_free(vals[i]); }
  bidsim_free(keys);
  bidsim_free(vals);
  assert_int_equal(bidsim_scenario_text_defaults(t, strlen(t), resolved, "market.plans", &n, &keys, &vals, &err), BIDSIM_OK);
  assert_int_equal(n, 0);
  assert_int_equal(bidsim_scenario_text_defaults(t, strlen(t), resolved, "shops[S].products[0].ctr", &n, &keys, &vals, &err),
                   BIDSIM_OK);
  assert_int_equal(n, 0);
  bidsim_free(out);
  bidsim_free(resolved);
  bidsim_scenario_free(sc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_settings_reach_nested_keys_list_items_and_new_sections),
    cmocka_unit_test(test_settings_that_break_a_rule_name_the_key_and_the_settings),
    cmocka_unit_test(test_values_are_read_where_written),
    cmocka_unit_test(test_edits_keep_every_other_byte),
    cmocka_unit_test(test_a_section_not_written_is_written_whole),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
